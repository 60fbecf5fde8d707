"""The 247Parking driver of the booking-core conformance suite (tests/bookings/test_conformance.py).

247Parking has no look-up call (seed 004), so ``can_look_up`` is False: the
suite checks that a lost reply stays unknown and is never failed, instead of
settled by the sweep.
"""

from __future__ import annotations

from datetime import timedelta

from webapp.accounts.vehicles import add_vehicle
from webapp.core.clock import utcnow
from webapp.valet import reservations
from webapp.valet.pricing import ValetChoice


class ValetDriver:
    """Books airport valet through the feature's own use case, against 247Parking's sandbox."""

    kind = "valet"
    api = "parking247"
    #: the client method a change calls (the two-tabs test counts its calls)
    change_call = "update_reservation"
    can_look_up = False

    def __init__(self, app) -> None:
        self.app = app

    def prepare_user(self, user) -> None:
        add_vehicle(user.id, "NL", "97-KGT-1")

    def book(self, user, key: str, *, confirm_overlap: bool = False):
        drop_off = utcnow().replace(second=0, microsecond=0) + timedelta(days=3)
        choice = ValetChoice(location="schiphol", service="valet", drop_off=drop_off,
                             arrival=drop_off + timedelta(days=7), persons=2, payment="ideal")
        request = reservations.ValetRequest(choice=choice, vehicle_id=user.vehicles[0].id, email=user.email)
        return reservations.book_valet(user.id, request, key, confirm_overlap=confirm_overlap)

    @property
    def sandbox(self):
        return self.app.extensions["providers"].sandbox_app(self.api)

    def remote_refs(self) -> set[str]:
        """247Parking's reservation numbers, read from its own state (the API has no list call)."""
        return self.sandbox.extensions["parking247"].reservation_numbers()

    def change(self, booking, version: int):
        """Move the return flight a day later (two tabs race on it)."""
        detail = booking.valet
        change = reservations.ValetChange(drop_off=detail.drop_off, arrival=detail.arrival + timedelta(days=1))
        return reservations.change_valet(booking.user_id, booking.public_ref, change, version)

"""The Helsinki driver of the booking-core conformance suite (tests/bookings/test_conformance.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from webapp.accounts.vehicles import add_vehicle
from webapp.helsinki import areas, parkings


class HelsinkiDriver:
    """Books street parkings through the feature's own use case, against the city's sandbox."""

    kind = "street_parking"
    api = "helsinki"
    #: the client method a change calls (the two-tabs test counts its calls)
    change_call = "change_stop"

    def __init__(self, app) -> None:
        self.app = app
        areas.sync_areas()
        self.area = next(a for a in areas.list_areas() if (a.max_time_in_minutes or 0) >= 120)

    def prepare_user(self, user) -> None:
        add_vehicle(user.id, "FI", "ABC-123")

    def book(self, user, key: str, *, confirm_overlap: bool = False):
        now = datetime.now(UTC)
        return parkings.start_parking(user.id, self.area.area_id, user.vehicles[0].id, now + timedelta(minutes=60),
                                      key, contact_email=user.email, now=now, confirm_overlap=confirm_overlap)

    @property
    def sandbox(self):
        return self.app.extensions["providers"].sandbox_app(self.api)

    def remote_refs(self) -> set[str]:
        client = self.app.extensions["providers"].get(self.api)
        return {p.parking_id for p in client.parkings(register_number="ABC-123")}

    def change(self, booking, version: int):
        """A change that goes to the provider (two tabs race on it)."""
        return parkings.extend_parking(booking.user_id, booking.public_ref, booking.ends_at + timedelta(minutes=30),
                                       version)

"""The rent-car driver of the booking-core conformance suite (tests/bookings/test_conformance.py)."""

from __future__ import annotations

from datetime import timedelta

from webapp.core.clock import SEOUL, utcnow
from webapp.rentcar import rentals


class RentcarDriver:
    """Books rentals through the feature's own use case, against the rent companies' sandbox.

    The quote is made once, up front: a reservation is then one provider call
    (``revadd``), as when a driver presses "Reserve" on the quote they saw.
    """

    kind = "rental"
    api = "rentcar"
    #: the client method a change calls (the two-tabs test counts its calls)
    change_call = "update_reservation"

    def __init__(self, app) -> None:
        self.app = app
        day = (utcnow().astimezone(SEOUL) + timedelta(days=10)).replace(hour=10, minute=0, second=0, microsecond=0)
        self.start, self.end = day, day + timedelta(days=2)
        self.quote = rentals.quote_rental(None, "HALLA", 10101, self.start, self.end)  # 모닝: 5 cars

    def prepare_user(self, user) -> None:
        """Nothing to prepare: a rental needs no vehicle of the driver's."""

    def book(self, user, key: str, *, confirm_overlap: bool = False):
        cover = self.quote.cover("option2")
        request = rentals.ReserveRequest(
            company_code="HALLA", mid=10101, start=self.start, end=self.end, cover="option2", extras=(),
            seen_car_fee=cover.car_fee, seen_insurance_fee=0, seen_extras_fee=0, model_name="모닝",
            company_name="한라렌트카", min_age=21, name="Kim Minsu", phone="010-1234-5678", email=user.email,
            cutoff_hours=24, same_day_minutes=60)
        return rentals.reserve_rental(user.id, request, key, confirm_overlap=confirm_overlap)

    @property
    def sandbox(self):
        return self.app.extensions["providers"].sandbox_app(self.api)

    def remote_refs(self) -> set[str]:
        client = self.app.extensions["providers"].get(self.api)
        day = f"{self.start:%Y%m%d}"
        return {r.revnum for r in client.reservations("HALLA", first=day, last=day).reservations}

    def change(self, booking, version: int):
        """A change that goes to the company (two tabs race on it): one more day."""
        preview = rentals.preview_change(booking.user_id, booking.public_ref, booking.starts_at,
                                         booking.ends_at + timedelta(days=1))
        return rentals.change_rental(booking.user_id, booking.public_ref, version, preview)

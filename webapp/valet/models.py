"""What a 247Parking reservation needs beyond the common booking columns.

The choices are columns (the booking page, the change form and the price
rules read them); ``sent`` is exactly the last body sent to 247Parking, so a
booking whose reply was lost keeps what 247Parking may hold — the seed has no
look-up call to ask it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.core.columns import UTCDateTime
from webapp.extensions import db
from webapp.valet.pricing import ValetChoice


class ValetReservation(db.Model):
    """The valet detail of a ``Booking`` (kind ``valet``)."""

    __tablename__ = "valet_reservations"

    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), primary_key=True)
    location: Mapped[str] = mapped_column(String(20))
    service: Mapped[str] = mapped_column(String(10))
    drop_off: Mapped[datetime] = mapped_column(UTCDateTime())
    arrival: Mapped[datetime] = mapped_column(UTCDateTime())
    persons: Mapped[int]
    payment: Mapped[str] = mapped_column(String(12))
    indoor: Mapped[bool] = mapped_column(default=False)
    wash: Mapped[int] = mapped_column(default=0)
    leather: Mapped[bool] = mapped_column(default=False)
    insurance: Mapped[bool] = mapped_column(default=False)
    hand_luggage: Mapped[bool] = mapped_column(default=False)
    keep_keys: Mapped[bool] = mapped_column(default=False)
    discount_code: Mapped[str] = mapped_column(String(40), default="")
    departure_flight: Mapped[str] = mapped_column(String(10), default="")
    arrival_flight: Mapped[str] = mapped_column(String(10), default="")
    car: Mapped[str] = mapped_column(String(120), default="")  # make, type and colour
    remarks: Mapped[str] = mapped_column(Text, default="")
    project_reference: Mapped[str] = mapped_column(String(60), default="")
    quoted_total: Mapped[Decimal] = mapped_column(Numeric(10, 2))  # our price before 247Parking answered
    voucher_url: Mapped[str | None] = mapped_column(String(300))
    sent: Mapped[dict] = mapped_column(JSON)  # the last body sent, exactly

    booking = relationship("Booking", backref=db.backref("valet", uselist=False, cascade="all, delete-orphan"))

    def choice(self) -> ValetChoice:
        """The booked choices, for the price rules."""
        return ValetChoice(location=self.location, service=self.service, drop_off=self.drop_off,
                           arrival=self.arrival, persons=self.persons, payment=self.payment, indoor=self.indoor,
                           wash=self.wash, leather=self.leather, insurance=self.insurance,
                           discount_code=self.discount_code, departure_flight=self.departure_flight,
                           arrival_flight=self.arrival_flight)

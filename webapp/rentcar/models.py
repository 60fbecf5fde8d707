"""Rent-car rows: the rental detail of a booking, the API cost of each driver action, the shared availability cache."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.core.clock import utcnow
from webapp.core.columns import UTCDateTime
from webapp.extensions import db


class Rental(db.Model):
    """What a rental booking needs beyond the common booking columns.

    ``dealer_ref`` is our public reference as sent in ``dealerrevnum``: the
    one field the company stores and gives back, so a reservation whose reply
    was lost is found exactly by it (``revdetail``). Fees are whole KRW as the
    company charged them; ``custfee`` is what the driver pays at the counter.
    """

    __tablename__ = "rentals"

    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), primary_key=True)
    company_code: Mapped[str] = mapped_column(String(20))
    company_name: Mapped[str] = mapped_column(String(60))
    mid: Mapped[int]
    model_name: Mapped[str] = mapped_column(String(80))
    model_english: Mapped[str] = mapped_column(String(80), default="")
    dealer_ref: Mapped[str] = mapped_column(String(50), index=True)
    revnum: Mapped[str | None] = mapped_column(String(40))
    option_ins: Mapped[int] = mapped_column(default=0)
    insid: Mapped[int | None]
    cover_name: Mapped[str] = mapped_column(String(60), default="")
    extras: Mapped[list] = mapped_column(JSON, default=list)  # [{gid, name, fee}]
    car_fee: Mapped[int] = mapped_column(default=0)
    insurance_fee: Mapped[int] = mapped_column(default=0)
    extras_fee: Mapped[int] = mapped_column(default=0)
    custfee: Mapped[int] = mapped_column(default=0)
    change_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cutoff_hours: Mapped[int] = mapped_column(default=24)
    same_day_minutes: Mapped[int] = mapped_column(default=0)
    driver_name: Mapped[str] = mapped_column(String(50), default="")
    driver_phone: Mapped[str] = mapped_column(String(32), default="")

    booking = relationship("Booking", backref=db.backref("rental", uselist=False, cascade="all, delete-orphan"))

    @property
    def total(self) -> int:
        """The rental's price (what is paid now and at the counter: the booking's ledger says which)."""
        return self.car_fee + self.insurance_fee + self.extras_fee


class RentcarApiCost(db.Model):
    """The API cost one driver action spent (seed 001 "API 목록과 비용"), in 1/400ths of a call."""

    __tablename__ = "rentcar_api_costs"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    day: Mapped[date] = mapped_column(Date, index=True)  # Seoul date: the companies' billing day
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(40))
    units: Mapped[int]
    calls: Mapped[int] = mapped_column(default=0)


class RentcarAvailability(db.Model):
    """A recent availability answer, shared by every worker, reused for a short time.

    Deleted when one of our own bookings (or changes) touches its window, so a
    driver never sees a car we have just taken as free.
    """

    __tablename__ = "rentcar_availability"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    payload: Mapped[list] = mapped_column(JSON)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)

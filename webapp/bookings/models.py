"""Bookings with any provider, and their append-only audit trail."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.core.clock import UTCDateTime, utcnow
from webapp.extensions import db

KIND_STREET_PARKING = "street_parking"
KIND_APDS_SESSION = "apds_session"
KIND_RENTAL = "rental"
KIND_VALET = "valet"
KINDS = (KIND_STREET_PARKING, KIND_APDS_SESSION, KIND_RENTAL, KIND_VALET)

STATUS_PENDING = "pending"  # written before the provider call; settled by its outcome
STATUS_ACTIVE = "active"
STATUS_RESERVED = "reserved"
STATUS_COMPLETED = "completed"
STATUS_CANCELLED = "cancelled"
STATUS_FAILED = "failed"
STATUSES = (STATUS_PENDING, STATUS_ACTIVE, STATUS_RESERVED, STATUS_COMPLETED, STATUS_CANCELLED, STATUS_FAILED)


class Booking(db.Model):
    """One thing a user booked with a provider.

    ``public_ref`` is our short reference shown to drivers and support;
    ``provider_ref`` is the provider's own id. ``version`` is checked on every
    update (optimistic locking): two tabs changing one booking cannot both win.
    Personal contact data is copied here so an admin can find the booking, and
    is erased with the account; the booking itself stays, detached.
    """

    __tablename__ = "bookings"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_ref: Mapped[str] = mapped_column(String(12), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    provider: Mapped[str] = mapped_column(String(20))
    provider_ref: Mapped[str | None] = mapped_column(String(80), index=True)
    status: Mapped[str] = mapped_column(String(16), default=STATUS_PENDING)
    title: Mapped[str] = mapped_column(String(200), default="")
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    amount: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    plate: Mapped[str] = mapped_column(String(16), default="", index=True)
    contact_email: Mapped[str | None] = mapped_column(String(254), index=True)
    contact_phone: Mapped[str | None] = mapped_column(String(32), index=True)
    provider_payload: Mapped[dict | None] = mapped_column(JSON)
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy reads it once)

    events = relationship("BookingEvent", back_populates="booking", order_by="BookingEvent.id",
                          cascade="all, delete-orphan")


class BookingEvent(db.Model):
    """An append-only record of a change or a provider call on a booking."""

    __tablename__ = "booking_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(40))  # "user:12", "admin:3", "system"
    action: Mapped[str] = mapped_column(String(40))  # created, provider_call, status_change, ...
    outcome: Mapped[str] = mapped_column(String(16), default="ok")  # ok | error | unknown
    status_after: Mapped[str | None] = mapped_column(String(16))
    provider_code: Mapped[str | None] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict | None] = mapped_column(JSON)

    booking = relationship("Booking", back_populates="events")

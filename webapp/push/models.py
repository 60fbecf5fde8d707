"""Push devices, per-kind settings and the record of what was sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from webapp.core.clock import utcnow
from webapp.core.columns import UTCDateTime
from webapp.extensions import db


class PushDevice(db.Model):
    """One browser's push subscription (``PushSubscription.toJSON()``) that a driver turned on.

    The endpoint is the push service's address for this browser: unique, since a browser that
    subscribes again (another driver logged in on it) moves the subscription to the new driver.
    """

    __tablename__ = "push_devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(Text, unique=True)
    #: the browser's P-256 public key and auth secret, base64url as the browser gives them (RFC 8291)
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(64))
    #: what the driver sees in the device list ("Chrome on Android"), from the User-Agent at opt-in
    label: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: sends in a row that failed without the service saying "gone" (a 5xx, a timeout)
    failures: Mapped[int] = mapped_column(Integer, default=0)


class PushSetting(db.Model):
    """A driver's choice for one kind of notification (no row: the kind is on)."""

    __tablename__ = "push_settings"
    __table_args__ = (UniqueConstraint("user_id", "kind", name="uq_push_settings_user_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    enabled: Mapped[bool] = mapped_column(default=True)


class PushDelivery(db.Model):
    """One event of one booking that was notified: claimed before sending, so it goes once.

    ``event_key`` names the event precisely (the end time it warned of, the booking event's id):
    an extended parking has a new end, hence a new key, and the old one is never sent.
    """

    __tablename__ = "push_deliveries"
    __table_args__ = (UniqueConstraint("booking_id", "kind", "event_key", name="uq_push_deliveries_event"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    event_key: Mapped[str] = mapped_column(String(64))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: how many devices accepted it (0: none did, or the driver had none left)
    devices_reached: Mapped[int] = mapped_column(Integer, default=0)

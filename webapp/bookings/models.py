"""Bookings with any provider, and their append-only audit trail."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import DDL, JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint, event, text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from webapp.core.clock import utcnow
from webapp.core.columns import UTCDateTime
from webapp.extensions import db

KIND_STREET_PARKING = "street_parking"
KIND_APDS_SESSION = "apds_session"
KIND_RENTAL = "rental"
KIND_VALET = "valet"
KINDS = (KIND_STREET_PARKING, KIND_APDS_SESSION, KIND_RENTAL, KIND_VALET)


class Status(enum.StrEnum):
    """Where a booking is in its life (see ``bookings.lifecycle`` for the allowed moves)."""

    PENDING = "pending"  # written and committed before the provider is called
    UNKNOWN = "unknown"  # the provider's answer was lost: looked up again until settled or its deadline
    ACTIVE = "active"
    RESERVED = "reserved"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    FAILED = "failed"

    @property
    def label(self) -> str:
        """The status in the page's language."""
        return str(_STATUS_LABELS[self])

    @property
    def settled(self) -> bool:
        """Whether the provider's side is known (not pending, not unknown)."""
        return self not in (Status.PENDING, Status.UNKNOWN)


_STATUS_LABELS = {
    Status.PENDING: _l("Pending"), Status.UNKNOWN: _l("Checking with the provider"), Status.ACTIVE: _l("Active"),
    Status.RESERVED: _l("Reserved"), Status.COMPLETED: _l("Completed"), Status.CANCELLED: _l("Cancelled"),
    Status.FAILED: _l("Failed"),
}


class Action(enum.StrEnum):
    """What a ``BookingEvent`` records. Values are stored, so they never change."""

    CREATED = "created"
    PROVIDER_CALL = "provider_call"
    RECONCILE = "reconcile"
    EXTEND_REQUESTED = "extend requested"
    EXTENDED = "extended"
    STOP_REQUESTED = "stop requested"
    STOPPED = "stopped"
    CANCEL_REQUESTED = "cancel requested"
    CANCELLED = "cancelled"
    CHANGE_REQUESTED = "change requested"  # a rental's dates, cover or extras (rentcar)
    CHANGED = "changed"
    SETTLED_BY_SUPPORT = "settled by support"
    PRICE_DIFFERS = "price differs"  # the provider's total is not our quote; the provider's is kept (valet)
    VEHICLE_ENTERED = "vehicle entered"  # a car park's camera saw the vehicle come in (apds)
    VEHICLE_LEFT = "vehicle left"  # ... and leave, with the amount due (apds)
    PAID = "paid"  # we paid the provider what the stay cost (apds)
    ENDED = "ended"  # a right that ran out at its end time, recorded by bookings.endings


class Outcome(enum.StrEnum):
    """How a provider call or look-up ended."""

    OK = "ok"
    ERROR = "error"
    UNKNOWN = "unknown"


# Plain words for the driver's timeline; an action whose label depends on the outcome maps each outcome.
_ACTION_LABELS: dict[Action, object] = {
    Action.CREATED: _l("Booking created"),
    Action.PROVIDER_CALL: {Outcome.OK: _l("Confirmed by the provider"),
                           Outcome.ERROR: _l("The provider refused the request"),
                           Outcome.UNKNOWN: _l("No answer from the provider yet")},
    Action.RECONCILE: {Outcome.OK: _l("Checked with the provider"),
                       Outcome.ERROR: _l("Check with the provider failed"),
                       Outcome.UNKNOWN: _l("The provider could not be reached to check")},
    Action.EXTEND_REQUESTED: _l("Extension requested"), Action.EXTENDED: _l("Extended"),
    Action.STOP_REQUESTED: _l("Stop requested"), Action.STOPPED: _l("Stopped"),
    Action.CANCEL_REQUESTED: _l("Cancellation requested"), Action.CANCELLED: _l("Cancelled"),
    Action.CHANGE_REQUESTED: _l("Change requested"), Action.CHANGED: _l("Changed"),
    Action.SETTLED_BY_SUPPORT: _l("Settled by our support team"),
    Action.PRICE_DIFFERS: _l("The provider's price differs from our quote"),
    Action.VEHICLE_ENTERED: _l("Your vehicle entered the car park"),
    Action.VEHICLE_LEFT: _l("Your vehicle left the car park"), Action.PAID: _l("Paid"),
    Action.ENDED: _l("Ended at its end time"),
}


_NOT_THERE_YET = _l("The provider does not show it yet; we keep checking")


def event_label(action: str, outcome: str, status_after: str | None = None) -> str:
    """The timeline's words for an event (an action no label knows is shown as it is stored)."""
    try:
        label = _ACTION_LABELS[Action(action)]
    except ValueError:
        return action.replace("_", " ")
    if action == Action.RECONCILE and outcome == Outcome.OK and status_after == Status.UNKNOWN:
        return str(_NOT_THERE_YET)
    if isinstance(label, dict):
        label = label.get(outcome, label[Outcome.OK])
    return str(label)


class StatusType(TypeDecorator):
    """``Status`` stored as its string value (the column stays a plain VARCHAR)."""

    impl = String(16)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else Status(value).value

    def process_result_value(self, value, dialect):
        return None if value is None else Status(value)


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
    status: Mapped[Status] = mapped_column(StatusType(), default=Status.PENDING)
    title: Mapped[str] = mapped_column(String(200), default="")
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # what the booking costs as it stands (see bookings.ledger: the ledger posts every change of these)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    amount_at_counter: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal(0))
    cancellation_fee: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    plate: Mapped[str] = mapped_column(String(16), default="", index=True)
    contact_email: Mapped[str | None] = mapped_column(String(254), index=True)
    contact_phone: Mapped[str | None] = mapped_column(String(32), index=True)
    # The admin's partial search compares these, never the typed values (see search_keys()):
    # kept by the attribute listeners below whenever plate, email or phone is set.
    plate_key: Mapped[str] = mapped_column(String(16), default="")
    email_lower: Mapped[str | None] = mapped_column(String(254))
    phone_tail: Mapped[str | None] = mapped_column(String(8), index=True)
    provider_payload: Mapped[dict | None] = mapped_column(JSON)
    idempotency_key: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)
    # reconciliation: when the provider was last asked about this booking (the sweep takes each provider's
    # least recently asked first, so no backlog of one provider keeps another's waiting; bookings.reconcile)
    last_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # an unknown booking's dated next step: by when the driver hears what became of it (the provider's
    # deadline for a booking we can look up; support's for one we cannot). Shown on the booking's page.
    next_step_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy reads it once)
    __table_args__ = (
        # a key is one rendered form of one user: a double submit finds the first booking
        UniqueConstraint("user_id", "idempotency_key", name="uq_bookings_user_idempotency_key"),
        # one remote booking belongs to at most one of ours (reconciliation must never link it twice)
        UniqueConstraint("provider", "provider_ref", name="uq_bookings_provider_ref"),
        # the admin's status and date filters and the "needs attention" list (bench/admin_lookup.py)
        Index("ix_bookings_status_created_at", "status", "created_at"),
        # the sweep's batches: one provider's unsettled bookings, least recently checked first
        Index("ix_bookings_provider_status_checked", "provider", "status", "last_checked_at"),
        # partial plate and e-mail ("abc-1", "driver@"): trigram GIN indexes on PostgreSQL answer
        # LIKE '%…%' from the index; on SQLite the same declaration is a b-tree index that each LIKE
        # scans instead of the table (bench/admin_lookup.py, migration 0014). A phone is found by
        # equality on phone_tail, which a plain b-tree index answers on both.
        *(Index(f"ix_bookings_{name}_search", name, postgresql_using="gin",
                postgresql_ops={name: "gin_trgm_ops"}) for name in ("plate_key", "email_lower")),
        # a driver's history (migration 0021): now and upcoming, and the past's count, from the first; the
        # past newest first from the second (the page's own order); the vehicle filter's plates from the third
        Index("ix_bookings_user_status_ends", "user_id", "status", "ends_at"),
        Index("ix_bookings_user_started", "user_id", text("coalesce(starts_at, created_at)")),
        Index("ix_bookings_user_plate", "user_id", "plate"),
        # the stamp of a driver's bookings (bookings.history.history_stamp, migration 0022) and the past's count
        # of one kind (the history's kind filter), each from the index alone
        Index("ix_bookings_user_version", "user_id", "version", "id"),
        Index("ix_bookings_user_kind_status_ends", "user_id", "kind", "status", "ends_at"),
    )

    events = relationship("BookingEvent", back_populates="booking", order_by="BookingEvent.id",
                          cascade="all, delete-orphan")
    # charges and refunds, append-only; bookings.ledger posts them (never assign these by hand)
    ledger = relationship("LedgerEntry", back_populates="booking", order_by="LedgerEntry.id",
                          cascade="all, delete-orphan", passive_deletes=True)


def plate_key(plate: str | None) -> str:
    """A plate as searched and compared: letters and digits only, upper case ("abc-123" -> "ABC123")."""
    return "".join(ch for ch in (plate or "").upper() if ch.isalnum())[:16]


def email_lower(email: str | None) -> str | None:
    """An e-mail address as searched: trimmed, lower case (None stays None)."""
    return (email or "").strip().lower()[:254] or None


#: a phone number is matched on its last this many digits: the subscriber part, the same whether it is
#: written nationally ("040 123 4567") or internationally ("+358 40 123 4567")
PHONE_TAIL_DIGITS = 8


def phone_tail(phone: str | None) -> str | None:
    """A phone number as searched: its last eight digits ("+358 (40) 123-4567" -> "01234567")."""
    return "".join(ch for ch in (phone or "") if ch.isdigit())[-PHONE_TAIL_DIGITS:] or None


# The booking core fills the search columns on every ORM write of the typed value (constructor included);
# a bulk UPDATE of these columns (the account erasure) must set the search columns itself.
@event.listens_for(Booking.plate, "set", propagate=True)
def _keep_plate_key(target, value, oldvalue, initiator):
    target.plate_key = plate_key(value)


@event.listens_for(Booking.contact_email, "set", propagate=True)
def _keep_email_lower(target, value, oldvalue, initiator):
    target.email_lower = email_lower(value)


@event.listens_for(Booking.contact_phone, "set", propagate=True)
def _keep_phone_tail(target, value, oldvalue, initiator):
    target.phone_tail = phone_tail(value)


# the trigram operator class of the search indexes (create_all on PostgreSQL; migrations 0014 and 0022 do the
# same): before any table, since users (created before bookings) has one too (``ix_users_name_search``)
event.listen(Booking.metadata, "before_create",
             DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"))


#: how a ledger entry is settled: through us, or to the provider on the spot (see ``bookings.ledger``)
PAID_NOW = "now"
AT_COUNTER = "counter"


class LedgerEntry(db.Model):
    """One charge (positive) or refund (negative) on a booking, append-only.

    Attributes:
        settlement: ``"now"`` (paid through us) or ``"counter"`` (paid to the provider on the spot).
        reason: the booking event's action that moved the money ("provider_call", "extended",
            "changed", "stopped", "cancelled" …), "opening" for the balance migration 0015 wrote.
    """

    __tablename__ = "booking_ledger"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    settlement: Mapped[str] = mapped_column(String(8))
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(String(40))

    booking = relationship("Booking", back_populates="ledger")

    @property
    def is_refund(self) -> bool:
        """Whether the entry gives money back."""
        return self.amount < 0


class BookingEvent(db.Model):
    """An append-only record of a change or a provider call on a booking."""

    __tablename__ = "booking_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(40))  # "user:12", "admin:3", "system"
    action: Mapped[str] = mapped_column(String(40))  # created, provider_call, status_change, ...
    outcome: Mapped[str] = mapped_column(String(16), default="ok")  # ok | error | unknown
    status_after: Mapped[Status | None] = mapped_column(StatusType())
    provider_code: Mapped[str | None] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict | None] = mapped_column(JSON)

    booking = relationship("Booking", back_populates="events")


class SweepRecord(db.Model):
    """What one reconciliation sweep did, per provider (logged, and shown to admins on "Needs attention").

    ``figures``: provider -> counts (``checked``, ``settled``, ``failed``, ``still_unknown``,
    ``look_up_failed``, ``awaiting_support``, ``overdue``, ``left``) as ``bookings.reconcile`` writes them.
    """

    __tablename__ = "sweep_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime())
    figures: Mapped[dict] = mapped_column(JSON)


class AdminAuditEntry(db.Model):
    """One admin view of a booking or admin action: who, when, what, from where.

    Append-only: the app has no code path that edits or deletes an entry.
    """

    __tablename__ = "admin_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    admin_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    admin_email: Mapped[str] = mapped_column(String(254), default="")  # kept if the admin account goes
    action: Mapped[str] = mapped_column(String(40))  # search, view, recheck, cancel, settle
    target: Mapped[str] = mapped_column(String(200), default="")  # a booking reference or a search
    detail: Mapped[str] = mapped_column(Text, default="")
    ip: Mapped[str] = mapped_column(String(45), default="")


# the flush hook that posts every change of what a booking costs to its ledger (imported last: it reads the models)
from webapp.bookings import ledger as _ledger  # noqa: E402, F401

"""The booking core's operations, shared by every provider that books.

A feature's use case books in four steps, each its own short transaction:

1. ``open_pending`` writes the booking (pending) and **commits it before** the
   provider hears of it — one booking per idempotency key, and a plate that is
   already booked for an overlapping time is refused until the driver confirms;
2. ``call`` runs the provider call: a timeout or a lost/5xx reply makes the
   booking **unknown** (never failed — the provider may have it); a refusal fails it;
3. ``settle`` links the remote booking (refusing one already linked to another
   of ours) and moves the status on;
4. later changes first ``claim`` the version the driver saw, so two tabs cannot both win.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TypeVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from webapp.accounts.users import normalise_email
from webapp.bookings.lifecycle import SYSTEM, transition
from webapp.bookings.models import Action, Booking, Outcome, Status, plate_key
from webapp.bookings.registry import reference_prefix
from webapp.core.clock import utcnow
from webapp.core.errors import (
    ConflictError,
    ProviderError,
    ProviderPausedError,
    ProviderTimeoutError,
    ProviderUnavailableError,
    ValidationError,
)
from webapp.extensions import db

log = logging.getLogger(__name__)

T = TypeVar("T")

# no 0/O or 1/I/L: references are read out over the phone
_REF_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
#: what a rendered form's key looks like (secrets.token_urlsafe(24) gives 32 characters)
IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")
#: statuses that hold a plate (a pending or unknown booking may be running at the provider)
HOLDING = (Status.PENDING, Status.UNKNOWN, Status.ACTIVE, Status.RESERVED)


def actor_for(user_id: int | None) -> str:
    """The event actor for a driver's own action."""
    return f"user:{user_id}" if user_id is not None else SYSTEM


def new_idempotency_key() -> str:
    """A fresh key for one rendered form."""
    return secrets.token_urlsafe(24)


def new_public_ref(kind: str) -> str:
    """A short reference such as ``HP-7K3M9Q`` that is not in use yet."""
    prefix = reference_prefix(kind)
    while True:
        ref = prefix + "-" + "".join(secrets.choice(_REF_ALPHABET) for _ in range(6))
        if db.session.scalar(select(Booking.id).where(Booking.public_ref == ref)) is None:
            return ref


def compact_plate(plate: str) -> str:
    """A plate as compared across providers: upper case, no spaces or dashes."""
    return "".join(ch for ch in (plate or "").upper() if ch.isalnum())


@dataclass(frozen=True)
class Draft:
    """What ``open_pending`` writes: the provider-independent part of a booking."""

    kind: str
    provider: str
    title: str
    plate: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    amount: Decimal | None = None
    currency: str = "EUR"
    contact_email: str | None = None
    contact_phone: str | None = None


class PlateConflictError(ConflictError):
    """The plate already has an overlapping booking; the driver must see it and confirm.

    Attributes:
        others: the overlapping bookings (any provider).
    """

    def __init__(self, others: list[Booking]) -> None:
        self.others = others
        super().__init__(str(_l("This vehicle already has a booking for that time. Check it before you book again.")))


def check_idempotency_key(key: str | None) -> str:
    """The submitted form key, or a clear refusal (an expired or tampered form, never a 500).

    Raises:
        ValidationError: on the ``idempotency_key`` field.
    """
    if not key or not IDEMPOTENCY_KEY.fullmatch(key):
        raise ValidationError({"idempotency_key": str(_l("This form has expired. Reload the page and try again."))})
    return key


def find_by_key(user_id: int, key: str) -> Booking | None:
    """The user's booking made from the form with ``key``, if any."""
    return db.session.scalar(select(Booking).where(Booking.user_id == user_id, Booking.idempotency_key == key))


def overlapping(plate: str, starts_at: datetime | None, ends_at: datetime | None,
                exclude_id: int | None = None) -> list[Booking]:
    """Bookings of any provider that hold ``plate`` for part of ``starts_at``–``ends_at``."""
    target = plate_key(plate)
    if not target or starts_at is None:
        return []
    # the stored, indexed search key: an expression over the typed plate was a scan of every booking
    query = select(Booking).where(Booking.plate_key == target, Booking.status.in_(HOLDING),
                                  (Booking.ends_at.is_(None)) | (Booking.ends_at > starts_at))
    if ends_at is not None:
        query = query.where((Booking.starts_at.is_(None)) | (Booking.starts_at < ends_at))
    if exclude_id is not None:
        query = query.where(Booking.id != exclude_id)
    return list(db.session.scalars(query.order_by(Booking.starts_at)))


def open_pending(user_id: int, draft: Draft, idempotency_key: str | None, *, confirm_overlap: bool = False,
                 add_details: Callable[[Booking], None] | None = None) -> tuple[Booking, bool]:
    """Write and commit a pending booking before any provider call.

    Args:
        idempotency_key: the rendered form's key; a second submit returns the first booking.
        confirm_overlap: the driver saw the overlapping bookings and books anyway.
        add_details: adds the feature's detail row(s) in the same transaction.

    Returns:
        ``(booking, created)``: ``created`` is False when the key had already booked.

    Raises:
        ValidationError: a missing or malformed key.
        PlateConflictError: the plate is held by another booking and ``confirm_overlap`` is false.
    """
    key = check_idempotency_key(idempotency_key)
    existing = find_by_key(user_id, key)
    if existing is not None:
        return existing, False
    if not confirm_overlap:
        others = overlapping(draft.plate, draft.starts_at, draft.ends_at)
        if others:
            raise PlateConflictError(others)
    booking = Booking(
        public_ref=new_public_ref(draft.kind), user_id=user_id, kind=draft.kind, provider=draft.provider,
        title=draft.title, plate=draft.plate, starts_at=draft.starts_at, ends_at=draft.ends_at,
        amount=draft.amount, currency=draft.currency,
        contact_email=normalise_email(draft.contact_email) if draft.contact_email else None,
        contact_phone=draft.contact_phone or None, idempotency_key=key, status=Status.PENDING,
    )
    try:
        # the INSERT (at the flush) is where a simultaneous second press meets the unique key
        db.session.add(booking)
        db.session.flush()
        transition(booking, Action.CREATED, actor=actor_for(user_id))
        if add_details is not None:
            add_details(booking)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # a double click won the race: return its booking
        existing = find_by_key(user_id, key)
        if existing is None:
            raise
        return existing, False
    return booking, True


def claim(booking: Booking, expected_version: int, action: Action, actor: str) -> Booking:
    """Commit a version bump if ``booking`` is still at ``expected_version`` (two tabs: one wins).

    Raises:
        ConflictError: another window changed the booking first.
    """
    stale = ConflictError(str(_l("This booking was changed in another window. Reload the page to see it.")))
    if booking.version != expected_version:
        raise stale
    transition(booking, action, actor=actor)
    booking.updated_at = utcnow()  # a column change, so the UPDATE carries the version check
    try:
        db.session.commit()  # UPDATE … WHERE version = expected: only one tab gets through
    except StaleDataError:
        db.session.rollback()
        raise stale from None
    return booking


def is_unknown_outcome(error: ProviderError) -> bool:
    """Whether a failed call may still have been carried out by the provider.

    A timeout or a dropped connection may come after the provider committed,
    and so may a 5xx from a gateway: such a call leaves the booking *unknown*,
    for reconciliation to settle — it is never marked failed on the spot.
    A provider that *answers* it is paused (rent-car 0700) did nothing.
    """
    if isinstance(error, ProviderPausedError):
        return False
    return isinstance(error, ProviderTimeoutError | ProviderUnavailableError)


def call(booking: Booking, what: str, provider_call: Callable[[], T]) -> T:
    """Run a provider call for a pending booking, recording its outcome.

    Returns:
        The call's result; the caller settles the booking with it.

    Raises:
        ProviderError: the call failed. When it may have been carried out the
            booking is now **unknown** (committed) and the error is re-raised as
            it was; when the provider refused, the booking is **failed** (committed).
    """
    try:
        return provider_call()
    except ProviderError as error:
        if is_unknown_outcome(error):
            mark_unknown(booking, what, error)
        else:
            fail(booking, f"{what}: {error.detail}", provider_code=error.code, action=Action.PROVIDER_CALL)
        db.session.commit()
        log.info("%s %s for %s: %s", booking.provider, what, booking.public_ref, error)
        raise


def mark_unknown(booking: Booking, what: str, error: ProviderError) -> None:
    """The provider's answer was lost: the booking waits for reconciliation."""
    target = Status.UNKNOWN if booking.status in (Status.PENDING, Status.UNKNOWN) else None
    transition(booking, Action.PROVIDER_CALL, to=target, outcome=Outcome.UNKNOWN, provider_code=error.code,
               message=f"{what}: {error.detail}")


def is_linked_elsewhere(booking: Booking, provider_ref: str) -> bool:
    """Whether ``provider_ref`` already belongs to another of our bookings with the same provider."""
    other = db.session.scalar(select(Booking.id).where(Booking.provider == booking.provider,
                                                       Booking.provider_ref == provider_ref,
                                                       Booking.id != booking.id))
    return other is not None


def settle(booking: Booking, provider_ref: str, status: Status, *, action: Action = Action.PROVIDER_CALL,
           message: str = "", payload: dict | None = None, actor: str = SYSTEM) -> None:
    """Link the provider's booking to ours and move to ``status`` (flushed; the caller commits).

    Raises:
        ConflictError: ``provider_ref`` is already linked to another booking of ours
            (the unique constraint would refuse it too; this says it in words).
    """
    if booking.provider_ref not in (None, provider_ref) or is_linked_elsewhere(booking, provider_ref):
        raise ConflictError(f"{booking.provider} booking {provider_ref} is linked to another booking")
    booking.provider_ref = provider_ref
    if payload is not None:
        booking.provider_payload = payload
    transition(booking, action, to=status, actor=actor, message=message, payload=payload)


def fail(booking: Booking, reason: str, *, provider_code: str | None = None,
         action: Action = Action.RECONCILE, actor: str = SYSTEM) -> None:
    """Mark a booking failed with the reason in its event (flushed; the caller commits)."""
    transition(booking, action, to=Status.FAILED, actor=actor, outcome=Outcome.ERROR if provider_code else Outcome.OK,
               provider_code=provider_code, message=reason)


def record_confirmed(booking: Booking, action: Action, copy: dict, *, to: Status | None = None, actor: str = SYSTEM,
                     message: str = "") -> None:
    """Record a change the provider confirmed (an extension, a stop, a change of dates), with its copy.

    The copy goes on the event and becomes the booking's ``provider_payload`` — what support reads as
    "the provider's last answer" — so that field never goes on showing the copy from before the change
    (the original end time and amount of a parking that was extended and stopped). Flushed; the caller
    commits.

    Args:
        copy: the provider's record of the booking after the change, as the feature keeps it.
        to: the new status, if the change moves it (a stop completes the booking).
    """
    booking.provider_payload = copy
    transition(booking, action, to=to, actor=actor, message=message, payload=copy)


def record(booking: Booking, action: Action, *, actor: str = SYSTEM, outcome: Outcome = Outcome.OK,
           provider_code: str | None = None, message: str = "", payload: dict | None = None) -> None:
    """Record an event that changes no status (a note, a failed change the provider refused)."""
    transition(booking, action, actor=actor, outcome=outcome, provider_code=provider_code, message=message,
               payload=payload)

"""Booking records shared by every provider: references, history, audit trail."""

from __future__ import annotations

import secrets
from datetime import datetime
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from webapp.accounts.users import normalise_email
from webapp.bookings.models import STATUS_PENDING, Booking, BookingEvent
from webapp.bookings.registry import reference_prefix
from webapp.core.errors import NotFoundError
from webapp.extensions import db

# no 0/O or 1/I/L: references are read out over the phone
_REF_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
PAGE_SIZE = 25


def new_public_ref(kind: str) -> str:
    """A short reference such as ``HP-7K3M9Q`` that is not in use yet."""
    prefix = reference_prefix(kind)
    while True:
        ref = prefix + "-" + "".join(secrets.choice(_REF_ALPHABET) for _ in range(6))
        if db.session.scalar(select(Booking.id).where(Booking.public_ref == ref)) is None:
            return ref


def create_pending_booking(*, user_id: int, kind: str, provider: str, title: str, plate: str = "",
                           starts_at: datetime | None = None, ends_at: datetime | None = None,
                           amount: Decimal | None = None, currency: str = "EUR",
                           contact_email: str | None = None, contact_phone: str | None = None,
                           idempotency_key: str | None = None, actor: str | None = None) -> Booking:
    """Write a pending booking and its first event (flushed, not committed).

    Services call this *before* the provider call, so a call that times out
    still leaves a record the app can reconcile.
    """
    booking = Booking(
        public_ref=new_public_ref(kind), user_id=user_id, kind=kind, provider=provider, title=title,
        plate=plate, starts_at=starts_at, ends_at=ends_at, amount=amount, currency=currency,
        contact_email=normalise_email(contact_email) if contact_email else None,
        contact_phone=contact_phone or None, idempotency_key=idempotency_key, status=STATUS_PENDING,
    )
    db.session.add(booking)
    db.session.flush()
    record_event(booking, actor or f"user:{user_id}", "created", status_after=STATUS_PENDING)
    return booking


def record_event(booking: Booking, actor: str, action: str, *, outcome: str = "ok", status_after: str | None = None,
                 provider_code: str | None = None, message: str = "", payload: dict | None = None) -> BookingEvent:
    """Append an audit event to ``booking`` (flushed with the session, never edited later)."""
    event = BookingEvent(booking=booking, actor=actor, action=action, outcome=outcome,
                         status_after=status_after or booking.status, provider_code=provider_code,
                         message=message[:2000], payload=payload)
    db.session.add(event)
    return event


def list_bookings(user_id: int, page: int = 1) -> tuple[list[Booking], bool]:
    """The user's bookings, newest first, one page; returns (rows, has_more)."""
    page = max(1, page)
    rows = list(db.session.scalars(
        select(Booking).where(Booking.user_id == user_id)
        .order_by(Booking.created_at.desc(), Booking.id.desc())
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
    ))
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def get_booking_for_user(user_id: int, public_ref: str) -> Booking:
    """One of the user's bookings with its events.

    Raises:
        NotFoundError: no such reference, or it belongs to someone else — the
            two look the same so a reference cannot be probed.
    """
    booking = db.session.scalar(
        select(Booking).options(selectinload(Booking.events))
        .where(Booking.public_ref == (public_ref or "").upper())
    )
    if booking is None or booking.user_id != user_id:
        raise NotFoundError("no such booking")
    return booking


def get_booking_for_admin(public_ref: str) -> Booking:
    """Any booking by reference, for support staff. Raises NotFoundError."""
    booking = db.session.scalar(
        select(Booking).options(selectinload(Booking.events)).where(Booking.public_ref == (public_ref or "").upper())
    )
    if booking is None:
        raise NotFoundError("no such booking")
    return booking


def search_bookings(query: str, limit: int = 50) -> list[Booking]:
    """Admin lookup by our reference, the provider's reference, plate, email or phone."""
    text = " ".join((query or "").split())
    if not text:
        return []
    compact_plate = text.upper().replace(" ", "").replace("-", "")
    digits = "".join(c for c in text if c.isdigit())
    conditions = [
        Booking.public_ref == text.upper(),
        Booking.provider_ref == text,
        db.func.replace(db.func.replace(db.func.upper(Booking.plate), " ", ""), "-", "") == compact_plate,
        Booking.contact_email == normalise_email(text),
    ]
    if len(digits) >= 6:
        # the last eight digits match "040 123 4567" and "+358 40 123 4567" alike
        conditions.append(
            db.func.replace(db.func.replace(Booking.contact_phone, " ", ""), "-", "").like(f"%{digits[-8:]}")
        )
    return list(db.session.scalars(
        select(Booking).where(or_(*conditions)).order_by(Booking.created_at.desc()).limit(limit)
    ))

"""The driver's own bookings: the history list and one booking with its events."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from webapp.bookings.models import Booking
from webapp.core.errors import NotFoundError
from webapp.extensions import db

PAGE_SIZE = 25
#: pages past this are empty anyway; the bound keeps OFFSET inside a 64-bit integer (page=4e17 was a 500)
MAX_PAGE = 1_000_000


def list_bookings(user_id: int, page: int = 1) -> tuple[list[Booking], bool]:
    """The user's bookings, newest first, one page; returns (rows, has_more)."""
    page = min(max(1, page), MAX_PAGE)
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
    """Any booking by reference (support staff, reconciliation by hand). Raises NotFoundError."""
    booking = db.session.scalar(
        select(Booking).options(selectinload(Booking.events)).where(Booking.public_ref == (public_ref or "").upper())
    )
    if booking is None:
        raise NotFoundError("no such booking")
    return booking

"""The admin's booking lookup."""

from __future__ import annotations

from sqlalchemy import or_, select

from webapp.accounts.users import normalise_email
from webapp.bookings.history import get_booking_for_admin  # noqa: F401 - the admin pages load bookings here
from webapp.bookings.models import Booking
from webapp.extensions import db


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

"""The driver's APDS bookings and vehicles: what a driver may act on, and the reads every flow shares."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from webapp.accounts.vehicles import get_vehicle
from webapp.bookings import history
from webapp.bookings.models import KIND_APDS_SESSION, Booking, Status
from webapp.bookings.reconcile import reconcile
from webapp.core.clock import utcnow
from webapp.core.errors import NotFoundError, ValidationError
from webapp.extensions import db


def vehicle_of(user_id: int, vehicle_id: int | None):
    """One of the user's vehicles, chosen on a form.

    Raises:
        ValidationError: none chosen, or not the user's.
    """
    if vehicle_id is None:
        raise ValidationError({"vehicle_id": str(_l("Choose the vehicle you park."))})
    try:
        return get_vehicle(user_id, vehicle_id)
    except NotFoundError:
        raise ValidationError({"vehicle_id": str(_l("Choose one of your vehicles."))}) from None


def load_booking(user_id: int | None, public_ref: str) -> Booking:
    """The APDS booking ``public_ref`` of ``user_id`` (of anyone for ``None``: an admin's look-up).

    Raises:
        NotFoundError: no such booking of this user, or not an APDS one.
    """
    booking = (history.get_booking_for_user(user_id, public_ref) if user_id is not None
               else history.get_booking_for_admin(public_ref))
    if booking.kind != KIND_APDS_SESSION or booking.apds is None:
        raise NotFoundError("not an APDS booking")
    return booking


def require_session(user_id: int, public_ref: str) -> Booking:
    """The user's APDS booking ``public_ref``.

    Raises:
        NotFoundError: no such booking of this user (another driver's reference is unknown here).
    """
    return load_booking(user_id, public_ref)


def reconcile_session(user_id: int | None, public_ref: str, now: datetime | None = None) -> Booking:
    """Ask the platform whether a pending or unknown booking exists, and settle it if it does."""
    return reconcile(load_booking(user_id, public_ref), now=now or utcnow())


def active_sessions(user_id: int, now: datetime | None = None) -> list[Booking]:
    """The user's running APDS bookings (and those still being confirmed), soonest end first."""
    now = now or utcnow()
    return list(db.session.scalars(
        select(Booking).where(Booking.user_id == user_id, Booking.kind == KIND_APDS_SESSION,
                              Booking.status.in_((Status.ACTIVE, Status.PENDING, Status.UNKNOWN)),
                              Booking.ends_at > now).order_by(Booking.ends_at)))

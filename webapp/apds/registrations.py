"""Which ticketless registration a camera session belongs to.

The operator's camera opens a session for a plate; if the plate is registered at that
place (an active ticketless booking, seed 003 flow 3), the stay is the registration's:
the webhook receiver links the session to it (``events.py``) and the app pays it at the
exit, so "I'm parked here" must not offer to pay it as well (``sessions.parked_here``).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from webapp.apds.models import ApdsSession
from webapp.apds.wire import Session
from webapp.bookings import operations
from webapp.bookings.models import Booking, Status
from webapp.extensions import db

#: a camera session may start a little before the registration: instants travel in whole seconds,
#: and a driver may register at the barrier while the camera reads the plate
REGISTRATION_GRACE = timedelta(minutes=2)


def registration_for(session: Session) -> ApdsSession | None:
    """The active ticketless registration of the session's plate at its place (the camera's session)."""
    if session.place is None:
        return None
    plate = operations.compact_plate(session.plate)
    rows = db.session.scalars(select(ApdsSession).join(Booking).where(
        ApdsSession.mode == "ticketless", ApdsSession.place_id == session.place.id,
        ApdsSession.session_id.is_(None), Booking.status == Status.ACTIVE).order_by(Booking.created_at))
    for detail in rows:
        booking = detail.booking
        if operations.compact_plate(booking.plate) == plate and \
                booking.starts_at - REGISTRATION_GRACE <= session.actual_start < booking.ends_at:
            return detail
    return None


def ticketless_registration_of(session: Session) -> Booking | None:
    """The driver's ticketless registration this camera session belongs to (linked already, or about to be
    when its ``SessionCreated`` arrives): the app pays that stay itself at the exit (``pay_exit``)."""
    linked = db.session.scalar(select(ApdsSession).where(ApdsSession.session_id == session.id,
                                                         ApdsSession.mode == "ticketless"))
    detail = linked or registration_for(session)
    return detail.booking if detail is not None and detail.booking.status == Status.ACTIVE else None

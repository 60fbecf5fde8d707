"""Bookings that end by themselves: a street parking or a pay-by-phone session whose time ran out.

The provider ends such a right at its end time and tells nobody, so nothing would ever move our
record from "active": pages said "completed" by computing it (``registry.status_now``), while the
admin's pages, the CSV and the sweep's counts read the stored "active". A job, every minute, records
the end — an event ("Ended at its end time") and the status completed — so every reader agrees.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from webapp.bookings.lifecycle import transition
from webapp.bookings.models import Action, Booking, Status
from webapp.bookings.registry import booking_kinds
from webapp.core.clock import utcnow
from webapp.extensions import db

log = logging.getLogger(__name__)

#: bookings completed per run at most (a backlog after downtime is worked off over a few minutes)
BATCH = 500


def complete_ended(now: datetime | None = None) -> int:
    """Record the end of every running booking whose right ran out by ``now``; returns how many.

    A booking changed meanwhile (an extension moved its end) fails its version check and is left to
    the next run with its new end.
    """
    now = now or utcnow()
    kinds = [kind for kind, entry in booking_kinds().items() if hasattr(entry.adapter, "ends_by_itself")]
    if not kinds:
        return 0
    candidates = list(db.session.scalars(
        select(Booking).where(Booking.status == Status.ACTIVE, Booking.kind.in_(kinds), Booking.ends_at <= now)
        .order_by(Booking.ends_at).limit(BATCH)))
    ended = 0
    for booking in candidates:
        adapter = booking_kinds()[booking.kind].adapter
        if not adapter.ends_by_itself(booking):
            continue
        transition(booking, Action.ENDED, to=Status.COMPLETED,
                   message=f"ended at {booking.ends_at.isoformat()} by its own end time")
        try:
            db.session.commit()
            ended += 1
        except StaleDataError:
            db.session.rollback()  # changed meanwhile: the next run sees its new end
    if ended:
        log.info("bookings ended by their own end time: %d", ended)
    return ended

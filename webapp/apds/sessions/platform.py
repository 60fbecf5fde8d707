"""The platform as the session use cases see it: who we are on it, its copy of a session, a payment it took."""

from __future__ import annotations

import logging
from datetime import datetime

from webapp.apds.adapter import session_payload
from webapp.bookings import operations
from webapp.bookings.models import Action, Booking, Status
from webapp.core.errors import ProviderError
from webapp.core.provider import provider_client

log = logging.getLogger(__name__)

#: our name on the platform: the sessions' initiator and the transactions' service provider
SERVICE_PROVIDER = "ParkGo"


def apds_platform():
    """The APDS client (the embedded sandbox or the real platform)."""
    return provider_client("apds")


def platform_copy(session_id: str):
    """The platform's copy of a session after a lost answer (None: it could not be asked either)."""
    try:
        return apds_platform().session(session_id)
    except ProviderError as error:
        log.warning("apds look-up after a lost answer failed for %s: %s", session_id, error)
        return None


def mark_paid(booking: Booking, session, now: datetime, actor: str) -> None:
    """Record that the platform holds our payment of the stay: paid, and completed (flushed)."""
    detail = booking.apds
    detail.paid_at = detail.paid_at or now
    detail.session_version = max(detail.session_version or 0, session.version)
    booking.amount = detail.amount_due
    booking.ends_at = detail.exited_at or booking.ends_at
    operations.record_confirmed(booking, Action.PAID, session_payload(session), to=Status.COMPLETED, actor=actor,
                                message=f"paid {detail.amount_due} at exit (session {session.id})")

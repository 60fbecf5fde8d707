"""Cancel a booked rental with the driver's reason (``revcancel``), before the company's deadline.

A cancellation the company accepts costs nothing (seed 001 has no cancellation fee, only the
deadline): the ledger refunds what was paid through us, and nothing stays due at the counter.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from webapp.bookings import operations
from webapp.bookings.lifecycle import transition
from webapp.bookings.models import Action, Booking, Status
from webapp.core.clock import utcnow
from webapp.core.errors import ProviderError, ProviderFailedError, ValidationError
from webapp.extensions import db
from webapp.rentcar import availability
from webapp.rentcar.adapter import CANCELLATION_FEE
from webapp.rentcar.messages import driver_message
from webapp.rentcar.rentals.lookup import changeable_rental, claim_for_change, note_failure
from webapp.rentcar.rentals.shared import Meter, rentcar_client

MAX_REASON = 200


def cancel_rental(user_id: int, public_ref: str, expected_version: int, reason: str = "",
                  now: datetime | None = None) -> Booking:
    """Cancel with a reason (``revcancel``) before the company's deadline.

    Raises:
        ValidationError: a reason over 200 characters (nothing is sent).
        ConflictError: another tab, or past the deadline.
        ProviderFailedError: the company refused.
    """
    now = now or utcnow()
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": str(_l("Please keep the reason under 200 characters."))})
    view = changeable_rental(user_id, public_ref, now)
    rental = view.rental
    booking = claim_for_change(user_id, view.booking, expected_version, Action.CANCEL_REQUESTED)
    meter = Meter()
    meter.add("revcancel")
    try:
        rentcar_client().cancel_reservation(rental.company_code, rental.revnum, dealer_ref=rental.dealer_ref,
                                            reason=reason)
    except ProviderError as error:
        note_failure(booking, error, "revcancel", user_id, meter, now)
        raise ProviderFailedError(driver_message(error)) from error
    booking.cancellation_fee = CANCELLATION_FEE  # the ledger refunds what was paid through us
    transition(booking, Action.CANCELLED, to=Status.CANCELLED, actor=operations.actor_for(user_id),
               message=f"revcancel: {reason}"[:2000])
    availability.invalidate(booking.starts_at, booking.ends_at)
    meter.save(user_id, "cancel", now)
    db.session.commit()
    return booking

"""Look-up and reconcile of a booked rental, and the guards every change of one goes through.

``get_rental`` says whether the company's deadline still allows changes;
``changeable_rental``, ``claim_for_change`` and ``note_failure`` are shared by
change, extras and cancel.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l

from webapp.bookings import history, operations
from webapp.bookings.models import KIND_RENTAL, Action, Booking, Outcome, Status
from webapp.bookings.reconcile import reconcile
from webapp.core.clock import SEOUL, utcnow
from webapp.core.errors import ConflictError, NotFoundError, ProviderError
from webapp.extensions import db
from webapp.rentcar.glossary import latin
from webapp.rentcar.models import Rental
from webapp.rentcar.rentals.catalogue import COMPANY_ROMANISED
from webapp.rentcar.rentals.shared import Meter

log = logging.getLogger(__name__)


@dataclass
class RentalView:
    """The manage page's figures."""

    booking: Booking
    rental: Rental
    deadline: datetime | None
    can_change: bool
    company_english: str


def get_rental(user_id: int | None, public_ref: str, now: datetime | None = None) -> RentalView:
    """The rental and whether it can still be changed online (the company's deadline first).

    Raises:
        NotFoundError: not the user's rental.
    """
    now = now or utcnow()
    booking = load_rental(user_id, public_ref)
    rental = booking.rental
    deadline = rental.change_deadline
    can_change = booking.status == Status.RESERVED and deadline is not None and now <= deadline
    return RentalView(booking, rental, deadline, can_change, COMPANY_ROMANISED.get(rental.company_code, ""))


def booking_title(booking: Booking, language: str) -> str:
    """A rental's title for a page in ``language`` (history rows, the booking page, receipts): the model
    and the company as the company writes them on a Korean page, else their English or romanised names
    ("Kia Morning · Halla Rent-a-car"); "" without the rental's details (the stored title is used)."""
    rental = booking.rental
    if rental is None or not rental.model_name:
        return ""
    if language == "ko":
        return " · ".join(name for name in (rental.model_name, rental.company_name) if name)
    model = latin(rental.model_name, rental.model_english) or rental.model_name
    company = latin(rental.company_name, COMPANY_ROMANISED.get(rental.company_code)) or rental.company_name
    return " · ".join(name for name in (model, company) if name)


def check_rental(user_id: int, public_ref: str, now: datetime | None = None) -> Booking:
    """Ask the company (by our reference) about a rental whose reply was lost, and settle it."""
    return reconcile(load_rental(user_id, public_ref), now=now or utcnow())


def format_deadline(deadline: datetime) -> str:
    """The deadline in Korean time, in the page's language ("12 Dec 2026, 10:00")."""
    return format_datetime(deadline.astimezone(SEOUL), "medium")


def ensure_own_rental(user_id: int, public_ref: str) -> None:
    """Raise NotFoundError unless ``public_ref`` is one of the user's rentals."""
    load_rental(user_id, public_ref)


def load_rental(user_id: int | None, public_ref: str) -> Booking:
    """The user's rental (any rental for ``user_id=None``, the admins').

    Raises:
        NotFoundError: no such booking for the user, or not a rental.
    """
    booking = (history.get_booking_for_user(user_id, public_ref) if user_id is not None
               else history.get_booking_for_admin(public_ref))
    if booking.kind != KIND_RENTAL or booking.rental is None:
        raise NotFoundError("not a rental")
    return booking


def changeable_rental(user_id: int, public_ref: str, now: datetime) -> RentalView:
    """The rental, if it is reserved and the company's deadline still allows changes online.

    Raises:
        NotFoundError: not the user's rental.
        ConflictError: not reserved any more, or past the deadline.
    """
    view = get_rental(user_id, public_ref, now)
    if view.booking.status != Status.RESERVED:
        raise ConflictError(str(_l("This rental is not reserved any more.")))
    if not view.can_change:
        raise ConflictError(str(_l("It is too late to change or cancel this booking online. "
                                   "Please call the company.")))
    return view


def claim_for_change(user_id: int, booking: Booking, expected_version: int, action: Action) -> Booking:
    """Claim the booking at the version the driver saw, before anything is sent to the company.

    Raises:
        ConflictError: another window changed it first.
    """
    try:
        return operations.claim(booking, expected_version, action, operations.actor_for(user_id))
    except ConflictError:
        raise ConflictError(str(_l("This rental was changed in another window. Reload the page to see it.")))\
            from None


def note_failure(booking: Booking, error: ProviderError, what: str, user_id: int, meter: Meter,
                 now: datetime) -> None:
    """Record the company's refusal (or a lost reply) of ``what`` and its API cost, and commit."""
    unknown = operations.is_unknown_outcome(error)
    operations.record(booking, Action.PROVIDER_CALL, outcome=Outcome.UNKNOWN if unknown else Outcome.ERROR,
                      provider_code=error.code, message=f"{what}: {error.detail}")
    meter.save(user_id, what, now)
    db.session.commit()
    log.info("rentcar %s refused for %s: %s", what, booking.public_ref, error)

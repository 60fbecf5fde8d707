"""Pay the session I'm in (seed 003 flow 4): find the plate's running session at a place, and pay it.

``find_running`` asks for the plate's running session at the place
(``start_before=now&end_after=now``); ``pay_running`` pays it for the time so far.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from webapp.apds import places as apds_places
from webapp.apds.adapter import session_payload, transaction_id_for
from webapp.apds.models import ApdsSession
from webapp.apds.registrations import ticketless_registration_of
from webapp.apds.sessions.access import vehicle_of
from webapp.apds.sessions.platform import SERVICE_PROVIDER, apds_platform, mark_paid, platform_copy
from webapp.apds.wire import format_instant, session_body
from webapp.bookings import operations
from webapp.bookings.models import KIND_APDS_SESSION, Booking, Status
from webapp.bookings.operations import compact_plate
from webapp.bookings.reconcile import reconcile
from webapp.core.clock import utcnow
from webapp.core.errors import ProviderError, ProviderFailedError, ValidationError, shown_message
from webapp.extensions import db


@dataclass(frozen=True)
class RunningSession:
    """A session the operator opened for the driver's plate, found by plate and place (flow 4)."""

    session_id: str
    started_at: datetime
    amount: Decimal
    currency: str
    plate: str
    #: the driver's ticketless registration this stay belongs to: paid by the app at the exit, not here
    registration_ref: str | None = None


def find_running(user_id: int, place_id: str, vehicle_id: int | None, now: datetime | None = None
                 ) -> RunningSession | None:
    """The running session of the driver's plate at the place, with the price so far (None: none).

    Raises:
        ValidationError: no such vehicle.
        NotFoundError: unknown place.
        ProviderFailedError: the platform could not be asked.
    """
    now = now or utcnow()
    vehicle = vehicle_of(user_id, vehicle_id)
    place = apds_places.get_place(place_id, now)
    try:
        found = apds_platform().sessions(credential_id=compact_plate(vehicle.plate), place=place_id,
                                         start_before="now", end_after="now")
    except ProviderError as error:
        raise ProviderFailedError(shown_message(error)) from error
    for session in found.items:
        if session.paid:
            continue
        quote = apds_places.quote_stay(place, session.actual_start,
                                       max(now - session.actual_start, timedelta(seconds=1)))
        registration = ticketless_registration_of(session)
        return RunningSession(session_id=session.id, started_at=session.actual_start, amount=quote.total,
                              currency=quote.currency, plate=vehicle.plate,
                              registration_ref=registration.public_ref if registration else None)
    return None


def pay_running(user_id: int, place_id: str, vehicle_id: int | None, session_id: str, idempotency_key: str,
                contact_email: str | None = None, now: datetime | None = None,
                confirm_overlap: bool = False) -> Booking:
    """Pay the running session ``session_id`` of the driver's plate at the place, for the time so far.

    Returns:
        The booking, completed (paid), or unknown when the platform's answer was lost.

    Raises:
        ValidationError: bad vehicle or form key; the session is not the plate's at this place, is
            paid already, or belongs to the driver's ticketless registration (paid at the exit).
        PlateConflictError: the plate has another booking for the stay (e.g. a pay-by-phone session
            that already covers it) and ``confirm_overlap`` is false.
        ProviderFailedError: refused (e.g. the operator changed the session: try again).
    """
    now = now or utcnow()
    key = operations.check_idempotency_key(idempotency_key)
    existing = operations.find_by_key(user_id, key)
    if existing is not None:
        return existing
    vehicle = vehicle_of(user_id, vehicle_id)
    place = apds_places.get_place(place_id, now)
    try:
        session = apds_platform().session(session_id)
    except ProviderError as error:
        raise ProviderFailedError(shown_message(error)) from error
    if session.plate.upper() != compact_plate(vehicle.plate) or (session.place and session.place.id != place_id):
        raise ValidationError({"session_id": str(_l("That session is not your vehicle's at this car park."))})
    # one stay, one payment: not a session paid already, nor one the ticketless registration pays at the exit
    if session.paid:
        raise ValidationError({"session_id": str(_l("This session is already paid."))})
    if ticketless_registration_of(session) is not None:
        raise ValidationError({"session_id": str(_l(
            "Your plate is registered here: this stay is paid automatically when you leave."))})
    quote = apds_places.quote_stay(place, session.actual_start, max(now - session.actual_start, timedelta(seconds=1)))
    draft = operations.Draft(kind=KIND_APDS_SESSION, provider="apds", title=place.name, plate=vehicle.plate,
                             starts_at=session.actual_start, ends_at=now, amount=quote.total, currency=quote.currency,
                             contact_email=contact_email)

    def add_detail(booking: Booking) -> None:
        db.session.add(ApdsSession(booking=booking, mode="pay_running", place_id=place_id,
                                   transaction_id=transaction_id_for(booking), session_id=session.id,
                                   session_version=session.version, entered_at=session.actual_start,
                                   amount_due=quote.total))

    booking, created = operations.open_pending(user_id, draft, key, confirm_overlap=confirm_overlap,
                                               add_details=add_detail)
    if not created:
        return booking
    # seed 003 §➍: the SP collects the payment and PUTs the session with the segment's end,
    # the value, the date collected and its transaction id; the operator closes it at the exit
    body = session_body(session_id=session.id, version=session.version, plate=session.plate, place_id=place_id,
                        start=session.actual_start, end=None, segment_id=session.segments[-1].id, value=quote.total,
                        tax_included=True, transaction_id=booking.apds.transaction_id, date_collected=now,
                        service_provider=SERVICE_PROVIDER, base=session.raw)
    body["segments"][-1]["actualEnd"] = format_instant(now)
    try:
        paid = operations.call(booking, "pay", lambda: apds_platform().update_session(body))
    except ProviderError as error:
        if booking.status != Status.UNKNOWN:
            raise ProviderFailedError(shown_message(error)) from error
        booking = reconcile(booking, now=utcnow())  # found (completed) only if it carries our transaction id
        if booking.status == Status.COMPLETED and booking.apds.paid_at is None:
            mark_paid(booking, platform_copy(session.id) or session, now, actor=operations.actor_for(user_id))
            db.session.commit()
        return booking
    operations.settle(booking, paid.id, Status.ACTIVE, payload=session_payload(paid),
                      message=f"pay: session {paid.id} paid {quote.total}")
    booking.apds.amount_due = quote.total
    mark_paid(booking, paid, now, actor=operations.actor_for(user_id))
    db.session.commit()
    return booking

"""Pay-by-phone (seed 003 flow 2): start, extend and stop a session we post, paid up front.

``start_session`` posts a session whose segment carries a financial transaction with
the price our rate engine computed, our reference as ``transactionId`` and the date
collected; the platform creates the matching assigned right. ``extend_session`` /
``stop_session`` first claim the booking's version (two tabs: one wins), then PUT
the session with the version the platform last gave it.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from webapp.apds import places as apds_places
from webapp.apds.adapter import session_id_for, session_payload, transaction_id_for
from webapp.apds.models import ApdsSession
from webapp.apds.sessions.access import load_booking, vehicle_of
from webapp.apds.sessions.platform import SERVICE_PROVIDER, apds_platform, platform_copy
from webapp.apds.wire import session_body
from webapp.bookings import operations
from webapp.bookings.models import KIND_APDS_SESSION, Action, Booking, Outcome, Status
from webapp.bookings.operations import compact_plate
from webapp.bookings.reconcile import reconcile
from webapp.core.clock import utcnow
from webapp.core.errors import ConflictError, ProviderError, ProviderFailedError, ValidationError, shown_message
from webapp.extensions import db

log = logging.getLogger(__name__)

MAX_MINUTES = 24 * 60


def _whole_second(moment: datetime) -> datetime:
    """``moment`` to the whole second: the platform keeps a session's times so (seed 003 §➊ writes
    ``2021-11-01T17:23:01Z``; ``wire.format_instant`` sends no fraction), and our record must hold the
    very times it holds — a start or a stop kept with its microseconds was "not the platform's end time"
    to every re-check, and priced a fraction of a second the platform never saw."""
    return moment.replace(microsecond=0)


def _segment_id(session_id: str) -> str:
    return str(uuid.uuid5(uuid.UUID(session_id), "segment-1"))


def start_session(user_id: int, place_id: str, vehicle_id: int | None, minutes: int | None, idempotency_key: str,
                  contact_email: str | None = None, contact_phone: str | None = None, now: datetime | None = None,
                  confirm_overlap: bool = False) -> Booking:
    """Start a pay-by-phone session at a car park for one of the user's vehicles, paid up front.

    Args:
        minutes: how long; the price is the place's rate for that stay.
        idempotency_key: one per rendered form; a second submit returns the first booking.
        confirm_overlap: the driver saw the plate's other bookings for this time and parks anyway.

    Returns:
        The booking: active, or unknown when the platform's answer was lost and the
        session is not visible yet (the sweeper keeps looking).

    Raises:
        ValidationError: no vehicle, bad duration, a stay the place does not sell, or a bad form key.
        NotFoundError: unknown place.
        PlateConflictError: the plate has an overlapping booking and ``confirm_overlap`` is false.
        ProviderFailedError: the platform refused; the booking is recorded as failed.
    """
    now = _whole_second(now or utcnow())
    if not minutes or minutes <= 0 or minutes > MAX_MINUTES:
        raise ValidationError({"minutes": str(_l("Choose how long you park (up to 24 hours)."))})
    key = operations.check_idempotency_key(idempotency_key)
    existing = operations.find_by_key(user_id, key)
    if existing is not None:
        return existing
    vehicle = vehicle_of(user_id, vehicle_id)
    place = apds_places.get_place(place_id, now)
    end = now + timedelta(minutes=minutes)
    quote = apds_places.quote_stay(place, now, end - now)
    draft = operations.Draft(kind=KIND_APDS_SESSION, provider="apds", title=place.name, plate=vehicle.plate,
                             starts_at=now, ends_at=end, amount=quote.total, currency=quote.currency,
                             contact_email=contact_email, contact_phone=contact_phone)

    def add_detail(booking: Booking) -> None:
        db.session.add(ApdsSession(booking=booking, mode="phone", place_id=place.place_id,
                                   transaction_id=transaction_id_for(booking), session_id=session_id_for(booking),
                                   session_version=1))

    booking, created = operations.open_pending(user_id, draft, key, confirm_overlap=confirm_overlap,
                                               add_details=add_detail)
    if not created:
        return booking
    detail = booking.apds
    body = session_body(session_id=detail.session_id, version=1, plate=compact_plate(vehicle.plate),
                        place_id=place.place_id, start=now, end=end, segment_id=_segment_id(detail.session_id),
                        value=quote.total, tax_included=True, transaction_id=detail.transaction_id,
                        date_collected=now, service_provider=SERVICE_PROVIDER, initiator=SERVICE_PROVIDER)
    try:
        session = operations.call(booking, "start", lambda: apds_platform().create_session(body))
    except ProviderError as error:
        if booking.status == Status.UNKNOWN:
            return reconcile(booking, now=utcnow())  # ask the platform before telling the driver anything
        raise ProviderFailedError(shown_message(error)) from error
    operations.settle(booking, session.id, Status.ACTIVE, payload=session_payload(session),
                      message=f"start: session {session.id} posted with {quote.total} {quote.currency}")
    db.session.commit()
    return booking


def preview_extension(user_id: int, public_ref: str, minutes_more: int, now: datetime | None = None
                      ) -> tuple[Decimal, Decimal]:
    """``(new total, difference to pay)`` for adding ``minutes_more`` to a running session.

    Raises:
        ConflictError: the session is not running.
        ValidationError: not a positive number of minutes, or a stay the place does not sell.
    """
    now = now or utcnow()
    booking = _running(user_id, public_ref, now)
    if not minutes_more or minutes_more <= 0:
        raise ValidationError({"minutes": str(_l("Choose how much longer you park."))})
    new_end = booking.ends_at + timedelta(minutes=minutes_more)
    if new_end - booking.starts_at > timedelta(minutes=MAX_MINUTES):
        raise ValidationError({"minutes": str(_l("Choose how long you park (up to 24 hours)."))})
    place = apds_places.get_place(booking.apds.place_id, now)
    total = apds_places.quote_stay(place, booking.starts_at, new_end - booking.starts_at).total
    return total, total - (booking.amount or Decimal(0))


def extend_session(user_id: int, public_ref: str, minutes_more: int, expected_version: int,
                   now: datetime | None = None) -> Booking:
    """Move the end of a running pay-by-phone session later; the new total is posted to the platform.

    Raises:
        ConflictError: another tab changed the session first (reload), or it ended.
        ValidationError: bad duration.
        ProviderFailedError: the platform refused or could not confirm; nothing changed on our side.
    """
    now = now or utcnow()
    total, _difference = preview_extension(user_id, public_ref, minutes_more, now)
    booking = _claim(user_id, public_ref, expected_version, Action.EXTEND_REQUESTED)
    new_end = booking.ends_at + timedelta(minutes=minutes_more)
    session = _put_phone_session(booking, new_end, total, now, "extend")
    booking.ends_at, booking.amount = new_end, total
    operations.record_confirmed(booking, Action.EXTENDED, session_payload(session), actor=operations.actor_for(user_id),
                                message=f"new end {new_end.isoformat()}, total {total}")
    db.session.commit()
    return booking


def stop_session(user_id: int, public_ref: str, expected_version: int, now: datetime | None = None) -> Booking:
    """End a running pay-by-phone session now; the final amount covers the time parked.

    Raises:
        ConflictError: another tab changed it first, or it already ended.
        ProviderFailedError: the platform refused; the session keeps running.
    """
    now = _whole_second(now or utcnow())
    _running(user_id, public_ref, now)
    booking = _claim(user_id, public_ref, expected_version, Action.STOP_REQUESTED)
    place = apds_places.get_place(booking.apds.place_id, now)
    end = max(now, booking.starts_at + timedelta(seconds=1))
    total = apds_places.quote_stay(place, booking.starts_at, end - booking.starts_at).total
    session = _put_phone_session(booking, end, total, now, "stop")
    booking.ends_at, booking.amount = end, total
    operations.record_confirmed(booking, Action.STOPPED, session_payload(session), to=Status.COMPLETED,
                                actor=operations.actor_for(user_id),
                                message=f"stopped at {end.isoformat()}, total {total}")
    db.session.commit()
    return booking


def _put_phone_session(booking: Booking, end: datetime, total: Decimal, now: datetime, what: str):
    """PUT our session with a new end and total, at the version the platform last gave it.

    After a lost answer the platform's copy decides: if it is at the next version with
    our end, the change happened.

    Raises:
        ProviderFailedError: refused (e.g. 409 stale version), or not confirmed.
    """
    detail = booking.apds
    body = session_body(session_id=detail.session_id, version=detail.session_version,
                        plate=compact_plate(booking.plate), place_id=detail.place_id, start=booking.starts_at, end=end,
                        segment_id=_segment_id(detail.session_id), value=total, tax_included=True,
                        transaction_id=detail.transaction_id, date_collected=now, service_provider=SERVICE_PROVIDER,
                        initiator=SERVICE_PROVIDER)
    try:
        session = apds_platform().update_session(body)
    except ProviderError as error:
        unknown = operations.is_unknown_outcome(error)
        _note_failure(booking, error, what, outcome=Outcome.UNKNOWN if unknown else Outcome.ERROR)
        session = platform_copy(detail.session_id) if unknown else None
        if session is None or session.version != detail.session_version + 1 or session.actual_end != \
                end.replace(microsecond=0):
            raise ProviderFailedError(shown_message(error)) from error
    detail.session_version = session.version
    return session


def _running(user_id: int, public_ref: str, now: datetime) -> Booking:
    booking = load_booking(user_id, public_ref)
    if booking.apds.mode != "phone" or booking.status != Status.ACTIVE or booking.ends_at <= now:
        raise ConflictError(str(_l("This parking session is not running any more.")))
    return booking


def _claim(user_id: int, public_ref: str, expected_version: int, action: Action) -> Booking:
    booking = load_booking(user_id, public_ref)
    try:
        return operations.claim(booking, expected_version, action, operations.actor_for(user_id))
    except ConflictError:
        raise ConflictError(str(_l("This session was changed in another window. Reload the page to see it.")))\
            from None


def _note_failure(booking: Booking, error: ProviderError, what: str, outcome: Outcome = Outcome.ERROR) -> None:
    operations.record(booking, Action.PROVIDER_CALL, outcome=outcome, provider_code=error.code,
                      message=f"{what}: {error.detail}")
    db.session.commit()
    log.info("apds %s refused for %s: %s", what, booking.public_ref, error)

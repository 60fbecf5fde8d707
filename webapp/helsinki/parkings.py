"""Helsinki street parking sessions: start, extend, stop, cancel, reconcile.

Every session is a ``Booking`` (kind ``street_parking``) with a
``StreetParking`` detail row. The booking is written as *pending* and
committed before the city is called, so a call that times out or loses its
reply still leaves a record; the city is then asked (by plate and area)
whether the parking exists before the driver is told anything.

Concurrent changes of one session (two tabs) are serialised by the booking's
version: a change first *claims* the version it was shown (committing a
version bump), and only the winner calls the city.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from webapp.accounts.vehicles import get_vehicle
from webapp.bookings import history as bookings
from webapp.bookings.models import (
    KIND_STREET_PARKING,
    STATUS_ACTIVE,
    STATUS_CANCELLED,
    STATUS_COMPLETED,
    STATUS_FAILED,
    STATUS_PENDING,
    Booking,
)
from webapp.core.clock import utcnow
from webapp.core.errors import (
    ConflictError,
    NotFoundError,
    ProviderError,
    ProviderTimeoutError,
    ProviderUnavailableError,
    ServiceError,
    ValidationError,
    shown_message,
)
from webapp.core.provider import provider_client
from webapp.extensions import db
from webapp.helsinki.areas import get_area, quote_area_stay
from webapp.helsinki.models import StreetParking
from webapp.helsinki.tariffs import PriceQuote

log = logging.getLogger(__name__)

REGRET_TIME = timedelta(minutes=2)  # seed 002 §6.7/§6.8: counted from the parking's start
# a stop time must not be in the past when the city checks it
STOP_GRACE = timedelta(seconds=5)
# how far apart our start and the city's may be for a looked-up parking to be ours
MATCH_TOLERANCE = timedelta(minutes=2)


class ProviderFailedError(ServiceError):
    """The city refused or failed; ``message`` is safe to show the driver."""

    status_code = 502


@dataclass(frozen=True)
class SessionView:
    """What the session page shows about a running parking."""

    booking: Booking
    area_name: str
    price_so_far: Decimal
    regret_until: datetime
    can_cancel: bool
    is_running: bool


def _city():
    return provider_client("helsinki")


def _actor(user_id: int) -> str:
    return f"user:{user_id}"


def regret_until(booking: Booking) -> datetime:
    """The end of the 2-minute regret time (from the parking's start at the city)."""
    return booking.starts_at + REGRET_TIME


def preview_start(area_id: str, end: datetime, now: datetime | None = None) -> PriceQuote:
    """The price of parking in ``area_id`` from now until ``end``, before anything is booked.

    Raises:
        NotFoundError: unknown area.
        ValidationError: end in the past or beyond the area's maximum time.
    """
    now = now or utcnow()
    return _quote_from_now(get_area(area_id, now), end, now)


def _quote_from_now(area, end: datetime, now: datetime) -> PriceQuote:
    if end <= now:
        raise ValidationError({"end_at": str(_l("Choose an end time in the future."))})
    return quote_area_stay(area, now, end)


def start_parking(user_id: int, area_id: str, vehicle_id: int | None, end: datetime | None, idempotency_key: str,
                  contact_email: str | None = None, contact_phone: str | None = None, language: str = "en",
                  now: datetime | None = None) -> Booking:
    """Start a parking at the city for one of the user's vehicles.

    Args:
        idempotency_key: one per rendered form; a second submit with the same
            key returns the first booking instead of parking twice.

    Returns:
        The booking: active, or pending when the city's answer was lost and
        could not be confirmed yet (see ``reconcile_parking``).

    Raises:
        ValidationError: no vehicle, unknown area, bad end time (nothing is sent).
        ProviderFailedError: the city refused; the booking is recorded as failed.
    """
    now = now or utcnow()
    errors: dict[str, str] = {}
    if vehicle_id is None:
        errors["vehicle_id"] = str(_l("Choose the vehicle you park."))
    if end is None:
        errors["end_at"] = str(_l("Choose when the parking ends."))
    if errors:
        raise ValidationError(errors)
    existing = _by_idempotency_key(user_id, idempotency_key)
    if existing is not None:
        return existing
    try:
        vehicle = get_vehicle(user_id, vehicle_id)
    except NotFoundError:
        raise ValidationError({"vehicle_id": str(_l("Choose one of your vehicles."))}) from None
    area = get_area(area_id, now)
    quote = _quote_from_now(area, end, now)
    booking = bookings.create_pending_booking(
        user_id=user_id, kind=KIND_STREET_PARKING, provider="helsinki",
        title=f"{area.text('name', language)} ({area.area_id})", plate=vehicle.plate, starts_at=now, ends_at=end,
        amount=quote.total, currency=quote.currency, contact_email=contact_email, contact_phone=contact_phone,
        idempotency_key=idempotency_key,
    )
    db.session.add(StreetParking(booking=booking, area_id=area.area_id, zone=area.zone,
                                 device_id=f"parkgo-web-{user_id}"))
    try:
        db.session.commit()  # the record exists before the city hears of it
    except IntegrityError:
        db.session.rollback()  # a double click won the race: return its booking
        existing = _by_idempotency_key(user_id, idempotency_key)
        if existing is None:
            raise
        return existing
    point = (area.centre_lon, area.centre_lat)
    try:
        parking = _city().start_parking(area_id=area.area_id, register_number=vehicle.plate, start=now, stop=end,
                                        zone=area.zone, device_id=booking.street_parking.device_id, point=point,
                                        language=language)
    except (ProviderTimeoutError, ProviderUnavailableError) as error:
        bookings.record_event(booking, "system", "provider_call", outcome="unknown", provider_code=error.code,
                              message=f"start: {error.detail}")
        db.session.commit()
        return reconcile_parking(user_id, booking.public_ref, now=now)
    except ProviderError as error:
        _fail(booking, error, "start")
        raise ProviderFailedError(shown_message(error)) from error
    _settle_started(booking, parking, "start")
    db.session.commit()
    return booking


def reconcile_parking(user_id: int | None, public_ref: str, now: datetime | None = None) -> Booking:
    """Settle a pending parking by asking the city whether it exists.

    Found (same plate, area and times) → active; the city answers none →
    failed; the city cannot be asked → stays pending, to be checked again.
    """
    booking = _load(user_id, public_ref)
    if booking.status != STATUS_PENDING:
        return booking
    detail = booking.street_parking
    try:
        found = _city().parkings(register_number=booking.plate, area_id=detail.area_id)
    except ProviderError as error:
        bookings.record_event(booking, "system", "reconcile", outcome="unknown", provider_code=error.code,
                              message=f"lookup failed: {error.detail}")
        db.session.commit()
        return booking
    match = next((p for p in found if abs(p.start - booking.starts_at) <= MATCH_TOLERANCE
                  and abs(p.stop - booking.ends_at) <= MATCH_TOLERANCE), None)
    if match is None:
        booking.status = STATUS_FAILED
        bookings.record_event(booking, "system", "reconcile", outcome="ok", status_after=STATUS_FAILED,
                              message="the city has no such parking: it was not started")
    else:
        _settle_started(booking, match, "reconcile")
    db.session.commit()
    return booking


def session_view(user_id: int, public_ref: str, now: datetime | None = None) -> SessionView:
    """The session page's figures: price so far, regret time, whether it still runs."""
    now = now or utcnow()
    booking = _load(user_id, public_ref)
    area = get_area(booking.street_parking.area_id, now)
    running = booking.status == STATUS_ACTIVE and booking.ends_at > now
    so_far = Decimal("0.00")
    if running and now > booking.starts_at:
        so_far = quote_area_stay(area, booking.starts_at, now).total
    elif booking.status in (STATUS_ACTIVE, STATUS_COMPLETED):
        so_far = booking.amount or Decimal("0.00")
    return SessionView(booking=booking, area_name=booking.title, price_so_far=so_far,
                       regret_until=regret_until(booking), can_cancel=running and now < regret_until(booking),
                       is_running=running)


def preview_extension(user_id: int, public_ref: str, new_end: datetime, now: datetime | None = None
                      ) -> tuple[PriceQuote, Decimal]:
    """The new total and the difference to pay for moving the end to ``new_end``.

    Raises:
        ConflictError: the parking is no longer running.
        ValidationError: the new end is not later, or beyond the area's maximum.
    """
    now = now or utcnow()
    booking = _running(user_id, public_ref, now)
    if new_end <= booking.ends_at:
        raise ValidationError({"end_at": str(_l("Choose an end later than the current one."))})
    quote = quote_area_stay(get_area(booking.street_parking.area_id, now), booking.starts_at, new_end)
    return quote, quote.total - (booking.amount or Decimal(0))


def extend_parking(user_id: int, public_ref: str, new_end: datetime, expected_version: int, language: str = "en",
                   now: datetime | None = None) -> Booking:
    """Move the end of a running parking later (the price difference is charged).

    Raises:
        ConflictError: another tab changed the parking first (reload), or it ended.
        ValidationError: the new end is not later, or beyond the area's maximum.
        ProviderFailedError: the city refused; nothing changed.
    """
    now = now or utcnow()
    quote, _difference = preview_extension(user_id, public_ref, new_end, now)
    booking = _claim(user_id, public_ref, expected_version, "extend requested")
    try:
        parking = _city().change_stop(booking.provider_ref, booking.street_parking.area_id, new_end,
                                      language=language)
    except (ProviderTimeoutError, ProviderUnavailableError) as error:
        _note_failure(booking, error, "extend", outcome="unknown")
        parking = _city_copy(booking)
        if parking is None or abs(parking.stop - new_end) > MATCH_TOLERANCE:
            raise ProviderFailedError(shown_message(error)) from error
    except ProviderError as error:
        _note_failure(booking, error, "extend")
        raise ProviderFailedError(shown_message(error)) from error
    booking.ends_at, booking.amount = parking.stop, quote.total
    bookings.record_event(booking, _actor(user_id), "extended", message=f"new end {parking.stop.isoformat()}",
                          payload=_payload(parking))
    db.session.commit()
    return booking


def stop_parking(user_id: int, public_ref: str, expected_version: int, language: str = "en",
                 now: datetime | None = None) -> Booking:
    """End a running parking now; the final price covers the time parked.

    Raises:
        ConflictError: another tab changed the parking first, or it already ended.
        ProviderFailedError: the city refused; the parking keeps running.
    """
    now = now or utcnow()
    _running(user_id, public_ref, now)
    booking = _claim(user_id, public_ref, expected_version, "stop requested")
    stop = max(now, booking.starts_at) + STOP_GRACE
    try:
        parking = _city().change_stop(booking.provider_ref, booking.street_parking.area_id, stop, language=language)
    except (ProviderTimeoutError, ProviderUnavailableError) as error:
        _note_failure(booking, error, "stop", outcome="unknown")
        parking = _city_copy(booking)
        if parking is None or abs(parking.stop - stop) > MATCH_TOLERANCE:
            raise ProviderFailedError(shown_message(error)) from error
    except ProviderError as error:
        _note_failure(booking, error, "stop")
        raise ProviderFailedError(shown_message(error)) from error
    area = get_area(booking.street_parking.area_id, now)
    booking.ends_at = parking.stop
    booking.amount = quote_area_stay(area, booking.starts_at, parking.stop).total
    booking.status = STATUS_COMPLETED
    bookings.record_event(booking, _actor(user_id), "stopped", status_after=STATUS_COMPLETED,
                          message=f"stopped at {parking.stop.isoformat()}", payload=_payload(parking))
    db.session.commit()
    return booking


def cancel_parking(user_id: int, public_ref: str, expected_version: int, language: str = "en",
                   now: datetime | None = None) -> Booking:
    """Cancel a parking within its 2-minute regret time: nothing is charged.

    Raises:
        ConflictError: another tab changed it first, it ended, or the regret time is over.
        ProviderFailedError: the city refused (e.g. 1204 when its clock says the time is over).
    """
    now = now or utcnow()
    booking = _running(user_id, public_ref, now)
    if now >= regret_until(booking):
        raise ConflictError(str(_l("The 2-minute cancellation time is over. You can stop the parking instead.")))
    booking = _claim(user_id, public_ref, expected_version, "cancel requested")
    try:
        _city().cancel_parking(booking.provider_ref, language=language)
    except ProviderError as error:
        _note_failure(booking, error, "cancel")
        raise ProviderFailedError(shown_message(error)) from error
    booking.status, booking.amount, booking.ends_at = STATUS_CANCELLED, Decimal("0.00"), now
    bookings.record_event(booking, _actor(user_id), "cancelled", status_after=STATUS_CANCELLED)
    db.session.commit()
    return booking


def active_parkings(user_id: int, now: datetime | None = None) -> list[Booking]:
    """The user's running street parkings (and pending ones), soonest end first."""
    now = now or utcnow()
    rows = db.session.scalars(
        select(Booking).where(Booking.user_id == user_id, Booking.kind == KIND_STREET_PARKING,
                              Booking.status.in_((STATUS_ACTIVE, STATUS_PENDING)), Booking.ends_at > now)
        .order_by(Booking.ends_at)
    )
    return list(rows)


# -- internals ------------------------------------------------------------------------


def _by_idempotency_key(user_id: int, key: str) -> Booking | None:
    if not key:
        return None
    booking = db.session.scalar(select(Booking).where(Booking.idempotency_key == key[:64]))
    return booking if booking is not None and booking.user_id == user_id else None


def _load(user_id: int | None, public_ref: str) -> Booking:
    booking = (bookings.get_booking_for_user(user_id, public_ref) if user_id is not None
               else bookings.get_booking_for_admin(public_ref))
    if booking.kind != KIND_STREET_PARKING:
        raise NotFoundError("not a street parking")
    return booking


def _running(user_id: int, public_ref: str, now: datetime) -> Booking:
    booking = _load(user_id, public_ref)
    if booking.status != STATUS_ACTIVE or booking.ends_at <= now:
        raise ConflictError(str(_l("This parking is not running any more.")))
    return booking


def _claim(user_id: int, public_ref: str, expected_version: int, action: str) -> Booking:
    """Commit a version bump if the booking is still at ``expected_version``; else ConflictError."""
    booking = _load(user_id, public_ref)
    if booking.version != expected_version:
        raise ConflictError(str(_l("This parking was changed in another window. Reload the page to see it.")))
    bookings.record_event(booking, _actor(user_id), action)
    booking.updated_at = utcnow()
    try:
        db.session.commit()  # UPDATE … WHERE version = expected: only one tab gets through
    except StaleDataError:
        db.session.rollback()
        raise ConflictError(str(_l("This parking was changed in another window. Reload the page to see it."))) \
            from None
    return booking


def _settle_started(booking: Booking, parking, how: str) -> None:
    booking.provider_ref = parking.parking_id
    booking.starts_at, booking.ends_at = parking.start, parking.stop
    booking.status = STATUS_ACTIVE
    booking.provider_payload = _payload(parking)
    bookings.record_event(booking, "system", "provider_call" if how == "start" else "reconcile",
                          status_after=STATUS_ACTIVE, payload=_payload(parking),
                          message=f"{how}: parking {parking.parking_id} is {parking.status}")


def _fail(booking: Booking, error: ProviderError, action: str) -> None:
    booking.status = STATUS_FAILED
    bookings.record_event(booking, "system", "provider_call", outcome="error", status_after=STATUS_FAILED,
                          provider_code=error.code, message=f"{action}: {error.detail}")
    db.session.commit()
    log.info("helsinki %s refused for %s: %s", action, booking.public_ref, error)


def _note_failure(booking: Booking, error: ProviderError, action: str, outcome: str = "error") -> None:
    bookings.record_event(booking, "system", "provider_call", outcome=outcome, provider_code=error.code,
                          message=f"{action}: {error.detail}")
    db.session.commit()
    log.info("helsinki %s refused for %s: %s", action, booking.public_ref, error)


def _city_copy(booking: Booking):
    """The city's current copy of the booking's parking, or None if it cannot be read.

    Used after a change whose answer was lost: the city's copy says whether
    the change happened, so our record can follow it.
    """
    try:
        found = _city().parkings(register_number=booking.plate, area_id=booking.street_parking.area_id)
    except ProviderError as error:
        log.warning("helsinki lookup after a lost answer failed for %s: %s", booking.public_ref, error)
        return None
    return next((p for p in found if p.parking_id == booking.provider_ref), None)


def _payload(parking) -> dict:
    return {"parking_id": parking.parking_id, "area_id": parking.area_id, "status": parking.status,
            "start": parking.start.isoformat(), "stop": parking.stop.isoformat(), "zone": parking.zone,
            "register_number": parking.register_number}

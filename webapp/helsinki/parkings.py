"""Helsinki street parking sessions: start, extend, stop, cancel, reconcile.

Every session is a ``Booking`` (kind ``street_parking``) with a
``StreetParking`` detail row, written through the booking core
(``bookings.operations``): pending and committed before the city is called,
unknown when the city's answer is lost, and settled only with the city's
parking whose ``device_id`` carries our reference (see ``adapter.py``).

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

from webapp.accounts.vehicles import get_vehicle
from webapp.bookings import history, operations
from webapp.bookings.lifecycle import transition
from webapp.bookings.models import KIND_STREET_PARKING, Action, Booking, Outcome, Status
from webapp.bookings.operations import PlateConflictError  # noqa: F401 - views catch it from here
from webapp.bookings.reconcile import reconcile
from webapp.core.clock import utcnow
from webapp.core.errors import (
    ConflictError,
    NotFoundError,
    ProviderError,
    ProviderFailedError,
    ValidationError,
    shown_message,
)
from webapp.core.provider import provider_client
from webapp.extensions import db
from webapp.helsinki import hub
from webapp.helsinki.adapter import REGRET_TIME, device_id_for, parking_payload
from webapp.helsinki.areas import get_area, quote_area_stay
from webapp.helsinki.models import HelsinkiArea, StreetParking
from webapp.helsinki.tariffs import PriceQuote

log = logging.getLogger(__name__)

# a stop time must not be in the past when the city checks it
STOP_GRACE = timedelta(seconds=5)
# how far the city's stop may be from the one we asked for, when a change's answer was lost
MATCH_TOLERANCE = timedelta(minutes=2)



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
                  now: datetime | None = None, confirm_overlap: bool = False) -> Booking:
    """Start a parking at the city for one of the user's vehicles.

    Args:
        idempotency_key: one per rendered form; a second submit with the same
            key returns the first booking instead of parking twice.
        confirm_overlap: the driver saw the plate's other bookings for this
            time and parks anyway.

    Returns:
        The booking: active, or unknown when the city's answer was lost and
        the city does not show the parking yet (the sweeper keeps looking).

    Raises:
        ValidationError: no vehicle, unknown area, bad end time or form key (nothing is sent).
        PlateConflictError: the plate has an overlapping booking and ``confirm_overlap`` is false.
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
    key = operations.check_idempotency_key(idempotency_key)
    existing = operations.find_by_key(user_id, key)
    if existing is not None:
        return existing
    try:
        vehicle = get_vehicle(user_id, vehicle_id)
    except NotFoundError:
        raise ValidationError({"vehicle_id": str(_l("Choose one of your vehicles."))}) from None
    area = get_area(area_id, now)
    quote = _quote_from_now(area, end, now)
    # where the parking goes is the setting's when it starts; the booking keeps it (hub.is_hub_booking)
    provider = hub.HUB if hub.uses_hub() else "helsinki"
    draft = operations.Draft(
        kind=KIND_STREET_PARKING, provider=provider, title=f"{area.text('name', language)} ({area.area_id})",
        plate=vehicle.plate, starts_at=now, ends_at=end, amount=quote.total, currency=quote.currency,
        contact_email=contact_email, contact_phone=contact_phone,
    )

    def add_detail(booking: Booking) -> None:
        db.session.add(StreetParking(booking=booking, area_id=area.area_id, zone=area.zone,
                                                device_id=device_id_for(booking)))
        if provider == hub.HUB:
            hub.open_report(booking, now)

    booking, created = operations.open_pending(user_id, draft, key, confirm_overlap=confirm_overlap,
                                               add_details=add_detail)
    if not created:
        return booking
    if provider == hub.HUB:
        return _start_at_hub(booking, now)
    point = (area.centre_lon, area.centre_lat)
    try:
        parking = operations.call(booking, "start", lambda: _city().start_parking(
            area_id=area.area_id, register_number=vehicle.plate, start=now, stop=end, zone=area.zone,
            device_id=booking.street_parking.device_id, point=point, language=language))
    except ProviderError as error:
        if booking.status == Status.UNKNOWN:
            # ask the city before telling the driver anything
            return reconcile(booking, now=utcnow())
        raise ProviderFailedError(shown_message(error)) from error
    _copy_city_times(booking, parking)
    operations.settle(booking, parking.parking_id, Status.ACTIVE, payload=parking_payload(parking),
                      message=f"start: parking {parking.parking_id} is {parking.status}")
    db.session.commit()
    return booking


def reconcile_parking(user_id: int | None, public_ref: str, now: datetime | None = None) -> Booking:
    """Ask the city whether a pending or unknown parking exists, and settle it if it does.

    Found (its ``device_id`` carries our reference) → active; not found → stays
    unknown until the city's deadline, then failed; the city cannot be asked →
    stays as it is, to be checked again (by the driver or the sweeper).
    """
    return reconcile(_load(user_id, public_ref), now=now or utcnow())


def session_view(user_id: int, public_ref: str, now: datetime | None = None) -> SessionView:
    """The session page's figures: price so far, regret time, whether it still runs."""
    now = now or utcnow()
    booking = _load(user_id, public_ref)
    area = get_area(booking.street_parking.area_id, now)
    running = booking.status == Status.ACTIVE and booking.ends_at > now
    so_far = Decimal("0.00")
    if running:  # nothing is owed yet at the very instant it starts
        so_far = quote_area_stay(area, booking.starts_at, now).total if now > booking.starts_at else so_far
    elif booking.status in (Status.ACTIVE, Status.COMPLETED):
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
        ProviderFailedError: the city refused or could not confirm; nothing changed on our side.
    """
    now = now or utcnow()
    quote, _difference = preview_extension(user_id, public_ref, new_end, now)
    booking = _claim(user_id, public_ref, expected_version, Action.EXTEND_REQUESTED)
    if hub.is_hub_booking(booking):
        new_stop, copy = _extend_at_hub(booking, new_end, now), booking.provider_payload
    else:
        parking = _change_stop(booking, new_end, "extend", language)
        new_stop, copy = parking.stop, parking_payload(parking)
    booking.ends_at, booking.amount = new_stop, quote.total
    operations.record_confirmed(booking, Action.EXTENDED, copy,
                                actor=operations.actor_for(user_id), message=f"new end {new_stop.isoformat()}")
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
    booking = _claim(user_id, public_ref, expected_version, Action.STOP_REQUESTED)
    stop = max(now, booking.starts_at) + STOP_GRACE
    if hub.is_hub_booking(booking):
        # the driver's stop stands whether or not the hub answered: it is sent again until it does (hub.py)
        stop = hub.report_stop(booking, stop, now)
        copy = booking.provider_payload
    else:
        parking = _change_stop(booking, stop, "stop", language)
        stop, copy = parking.stop, parking_payload(parking)
    area = get_area(booking.street_parking.area_id, now)
    booking.ends_at = stop
    booking.amount = quote_area_stay(area, booking.starts_at, stop).total
    operations.record_confirmed(booking, Action.STOPPED, copy, to=Status.COMPLETED,
                                actor=operations.actor_for(user_id), message=f"stopped at {stop.isoformat()}")
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
    booking = _claim(user_id, public_ref, expected_version, Action.CANCEL_REQUESTED)
    try:
        if hub.is_hub_booking(booking):
            hub.cancel_remote(booking, now)  # deleted now, or sent again until the hub answers (hub.py)
        else:
            _city().cancel_parking(booking.provider_ref, language=language)
    except ProviderError as error:
        _note_failure(booking, error, "cancel")
        raise ProviderFailedError(shown_message(error)) from error
    # within the regret time the city deletes the parking as if it never was (seed 002 §6.8): no fee,
    # so the ledger refunds the whole prepaid price
    booking.amount, booking.ends_at, booking.cancellation_fee = Decimal("0.00"), now, Decimal(0)
    transition(booking, Action.CANCELLED, to=Status.CANCELLED, actor=operations.actor_for(user_id))
    db.session.commit()
    return booking


def active_parkings(user_id: int, now: datetime | None = None) -> list[Booking]:
    """The user's running street parkings (and those still being confirmed), soonest end first."""
    now = now or utcnow()
    rows = db.session.scalars(
        select(Booking).where(Booking.user_id == user_id, Booking.kind == KIND_STREET_PARKING,
                              Booking.status.in_((Status.ACTIVE, Status.PENDING, Status.UNKNOWN)),
                              Booking.ends_at > now)
        .order_by(Booking.ends_at)
    )
    return list(rows)


def booking_title(booking: Booking, language: str) -> str:
    """The parking's area name in ``language`` with its code (the history shows it in the page's language)."""
    detail = booking.street_parking
    area = db.session.get(HelsinkiArea, detail.area_id) if detail is not None else None
    return f"{area.text('name', language)} ({area.area_id})" if area is not None else ""


def ensure_own_parking(user_id: int, public_ref: str) -> None:
    """Raises NotFoundError unless ``public_ref`` is one of the user's street parkings."""
    _load(user_id, public_ref)


# -- internals ------------------------------------------------------------------------


def _load(user_id: int | None, public_ref: str) -> Booking:
    booking = (history.get_booking_for_user(user_id, public_ref) if user_id is not None
               else history.get_booking_for_admin(public_ref))
    if booking.kind != KIND_STREET_PARKING:
        raise NotFoundError("not a street parking")
    return booking


def _running(user_id: int, public_ref: str, now: datetime) -> Booking:
    booking = _load(user_id, public_ref)
    if booking.status != Status.ACTIVE or booking.ends_at <= now:
        raise ConflictError(str(_l("This parking is not running any more.")))
    return booking


def _claim(user_id: int, public_ref: str, expected_version: int, action: Action) -> Booking:
    """Commit a version bump if the booking is still at ``expected_version``; else ConflictError."""
    booking = _load(user_id, public_ref)
    try:
        return operations.claim(booking, expected_version, action, operations.actor_for(user_id))
    except ConflictError:
        raise ConflictError(str(_l("This parking was changed in another window. Reload the page to see it.")))\
            from None


def _change_stop(booking: Booking, stop: datetime, what: str, language: str):
    """Move the city's stop time; after a lost answer, follow the city's copy of the parking.

    Raises:
        ProviderFailedError: the city refused, or the change cannot be confirmed.
    """
    try:
        return _city().change_stop(booking.provider_ref, booking.street_parking.area_id, stop, language=language)
    except ProviderError as error:
        unknown = operations.is_unknown_outcome(error)
        _note_failure(booking, error, what, outcome=Outcome.UNKNOWN if unknown else Outcome.ERROR)
        parking = _city_copy(booking) if unknown else None
        if parking is None or abs(parking.stop - stop) > MATCH_TOLERANCE:
            raise ProviderFailedError(shown_message(error)) from error
        return parking


def _start_at_hub(booking: Booking, now: datetime) -> Booking:
    """Report a new parking to the hub (see ``hub.py``): active once it confirmed the paid end.

    A lost answer makes the booking unknown and looks again at once, which for the hub means
    sending what is missing again; a refusal fails it, nothing charged.

    Raises:
        ProviderFailedError: the hub refused (or our key did not work); the booking is failed.
    """
    result = hub.start(booking, now)
    if result.confirmed:
        db.session.commit()
        return booking
    if result.kind == hub.LOST:
        operations.mark_unknown(booking, "start", result.error)
        db.session.commit()
        return reconcile(booking, now=utcnow())
    operations.fail(booking, f"start: {result.error.detail}", provider_code=result.error.code,
                    action=Action.PROVIDER_CALL)
    db.session.commit()
    hub.withdraw_failed_start(booking, now)  # a create answered before a refused end is deleted
    raise ProviderFailedError(shown_message(result.error))


def _extend_at_hub(booking: Booking, new_end: datetime, now: datetime) -> datetime:
    """Move the hub's end; an extension the hub did not confirm is not made and costs nothing (hub.py).

    Raises:
        ProviderFailedError: the hub did not confirm the new end.
    """
    result = hub.change_end(booking, new_end, now)
    if not result.confirmed:  # the hub's answer is already an event of the booking (hub.sync)
        raise ProviderFailedError(str(_l("The city's parking hub did not confirm the extension, so nothing was "
                                         "charged. Please try again.")))
    return result.parking.time_end


def _copy_city_times(booking: Booking, parking) -> None:
    booking.starts_at, booking.ends_at = parking.start, parking.stop


def _note_failure(booking: Booking, error: ProviderError, what: str, outcome: Outcome = Outcome.ERROR) -> None:
    operations.record(booking, Action.PROVIDER_CALL, outcome=outcome, provider_code=error.code,
                      message=f"{what}: {error.detail}")
    db.session.commit()
    log.info("helsinki %s refused for %s: %s", what, booking.public_ref, error)


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

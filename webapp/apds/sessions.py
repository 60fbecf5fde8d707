"""APDS bookings on the booking core: pay-by-phone sessions, ticketless registrations, paying a running session.

Every one is a ``Booking`` (kind ``apds_session``) with an ``ApdsSession`` detail row,
written pending and committed before the platform is called, unknown when the
platform's answer is lost (and then found again exactly by our reference — see
``adapter.py``), plate-conflict guarded, and in the history.

- **Pay-by-phone** (seed 003 flow 2): ``start_session`` posts a session whose segment
  carries a financial transaction with the price our rate engine computed, our
  reference as ``transactionId`` and the date collected; the platform creates the
  matching assigned right. ``extend_session`` / ``stop_session`` first claim the
  booking's version (two tabs: one wins), then PUT the session with the version the
  platform last gave it.
- **Ticketless** (flow 3): ``register_plate`` posts an assigned right for the plate at
  the place with the expiry the driver chose; the camera's entry and exit arrive as
  events (``events.py``), and ``pay_exit`` pays the amount the operator set, with a PUT
  carrying ``dateCollected`` and our ``transactionId``.
- **Pay the session I'm in** (flow 4): ``find_running`` asks for the plate's running
  session at the place (``start_before=now&end_after=now``); ``pay_running`` pays it.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from webapp.accounts.vehicles import get_vehicle
from webapp.apds import places as apds_places
from webapp.apds.adapter import (
    assigned_right_id_for,
    carries,
    session_id_for,
    session_payload,
    transaction_id_for,
)
from webapp.apds.models import ApdsSession
from webapp.apds.wire import assigned_right_body, format_instant, session_body
from webapp.bookings import history, operations
from webapp.bookings.lifecycle import transition
from webapp.bookings.models import KIND_APDS_SESSION, Action, Booking, Outcome, Status
from webapp.bookings.operations import PlateConflictError  # noqa: F401 - views catch it from here
from webapp.bookings.reconcile import reconcile
from webapp.core.clock import LONDON, utcnow
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

log = logging.getLogger(__name__)

SERVICE_PROVIDER = "ParkGo"
MAX_MINUTES = 24 * 60
MAX_REGISTRATION_DAYS = 90



@dataclass(frozen=True)
class SessionView:
    """What the session page shows."""

    booking: Booking
    detail: ApdsSession
    place_name: str
    price_so_far: Decimal
    is_running: bool
    right_expiry: datetime | None = None  # the assigned right enforcement sees (pay-by-phone), if found
    zone: ZoneInfo = LONDON  # the car park's: its times are shown on its clock


@dataclass(frozen=True)
class RunningSession:
    """A session the operator opened for the driver's plate, found by plate and place (flow 4)."""

    session_id: str
    started_at: datetime
    amount: Decimal
    currency: str
    plate: str


def _platform():
    return provider_client("apds")


def _compact(plate: str) -> str:
    return operations.compact_plate(plate)


def _vehicle(user_id: int, vehicle_id: int | None):
    if vehicle_id is None:
        raise ValidationError({"vehicle_id": str(_l("Choose the vehicle you park."))})
    try:
        return get_vehicle(user_id, vehicle_id)
    except NotFoundError:
        raise ValidationError({"vehicle_id": str(_l("Choose one of your vehicles."))}) from None


def _segment_id(session_id: str) -> str:
    return str(uuid.uuid5(uuid.UUID(session_id), "segment-1"))


# -- flow 2: pay-by-phone -------------------------------------------------------------


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
    now = now or utcnow()
    if not minutes or minutes <= 0 or minutes > MAX_MINUTES:
        raise ValidationError({"minutes": str(_l("Choose how long you park (up to 24 hours)."))})
    key = operations.check_idempotency_key(idempotency_key)
    existing = operations.find_by_key(user_id, key)
    if existing is not None:
        return existing
    vehicle = _vehicle(user_id, vehicle_id)
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
    body = session_body(session_id=detail.session_id, version=1, plate=_compact(vehicle.plate),
                        place_id=place.place_id, start=now, end=end, segment_id=_segment_id(detail.session_id),
                        value=quote.total, tax_included=True, transaction_id=detail.transaction_id,
                        date_collected=now, service_provider=SERVICE_PROVIDER, initiator=SERVICE_PROVIDER)
    try:
        session = operations.call(booking, "start", lambda: _platform().create_session(body))
    except ProviderError as error:
        if booking.status == Status.UNKNOWN:
            return reconcile(booking, now=utcnow())  # ask the platform before telling the driver anything
        raise ProviderFailedError(shown_message(error)) from error
    operations.settle(booking, session.id, Status.ACTIVE, payload=session_payload(session),
                      message=f"start: session {session.id} posted with {quote.total} {quote.currency}")
    db.session.commit()
    return booking


def session_view(user_id: int, public_ref: str, now: datetime | None = None) -> SessionView:
    """The session page's figures: the price so far and whether the session still runs."""
    now = now or utcnow()
    booking = _load(user_id, public_ref)
    detail = booking.apds
    running = booking.status == Status.ACTIVE and detail.mode == "phone" and booking.ends_at > now
    so_far = booking.amount or Decimal("0.00")
    if running:
        place = apds_places.get_place(detail.place_id, now)
        so_far = apds_places.quote_stay(place, booking.starts_at, max(now - booking.starts_at,
                                                                      timedelta(seconds=1))).total
    return SessionView(booking=booking, detail=detail, place_name=booking.title, price_so_far=so_far,
                       is_running=running, right_expiry=_right_expiry(booking) if running else None,
                       zone=apds_places.zone_of(detail.place_id))


def _right_expiry(booking: Booking) -> datetime | None:
    """Until when enforcement sees the plate's assigned right at the place (seed flow 2), if it can be read."""
    try:
        rights = _platform().assigned_rights(place=booking.apds.place_id, credential_id=_compact(booking.plate))
    except ProviderError:
        return None
    expiries = [r.expiry for r in rights.items if r.expiry is not None]
    return max(expiries) if expiries else None


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
    operations.record(booking, Action.EXTENDED, actor=operations.actor_for(user_id),
                      message=f"new end {new_end.isoformat()}, total {total}", payload=session_payload(session))
    db.session.commit()
    return booking


def stop_session(user_id: int, public_ref: str, expected_version: int, now: datetime | None = None) -> Booking:
    """End a running pay-by-phone session now; the final amount covers the time parked.

    Raises:
        ConflictError: another tab changed it first, or it already ended.
        ProviderFailedError: the platform refused; the session keeps running.
    """
    now = now or utcnow()
    _running(user_id, public_ref, now)
    booking = _claim(user_id, public_ref, expected_version, Action.STOP_REQUESTED)
    place = apds_places.get_place(booking.apds.place_id, now)
    end = max(now, booking.starts_at + timedelta(seconds=1))
    total = apds_places.quote_stay(place, booking.starts_at, end - booking.starts_at).total
    session = _put_phone_session(booking, end, total, now, "stop")
    booking.ends_at, booking.amount = end, total
    transition(booking, Action.STOPPED, to=Status.COMPLETED, actor=operations.actor_for(user_id),
               message=f"stopped at {end.isoformat()}, total {total}", payload=session_payload(session))
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
    body = session_body(session_id=detail.session_id, version=detail.session_version, plate=_compact(booking.plate),
                        place_id=detail.place_id, start=booking.starts_at, end=end,
                        segment_id=_segment_id(detail.session_id), value=total, tax_included=True,
                        transaction_id=detail.transaction_id, date_collected=now, service_provider=SERVICE_PROVIDER,
                        initiator=SERVICE_PROVIDER)
    try:
        session = _platform().update_session(body)
    except ProviderError as error:
        unknown = operations.is_unknown_outcome(error)
        _note_failure(booking, error, what, outcome=Outcome.UNKNOWN if unknown else Outcome.ERROR)
        session = _platform_copy(detail.session_id) if unknown else None
        if session is None or session.version != detail.session_version + 1 or session.actual_end != \
                end.replace(microsecond=0):
            raise ProviderFailedError(shown_message(error)) from error
    detail.session_version = session.version
    return session


def _platform_copy(session_id: str):
    try:
        return _platform().session(session_id)
    except ProviderError as error:
        log.warning("apds look-up after a lost answer failed for %s: %s", session_id, error)
        return None


# -- flow 3: ticketless ---------------------------------------------------------------


def register_plate(user_id: int, place_id: str, vehicle_id: int | None, expires_at: datetime | None,
                   idempotency_key: str, contact_email: str | None = None, contact_phone: str | None = None,
                   now: datetime | None = None, confirm_overlap: bool = False) -> Booking:
    """Register a plate at a ticketless (ANPR) car park until ``expires_at``: an assigned right.

    When the operator's camera sees the car, the entry and the exit arrive as platform
    events; at the exit the app pays the operator's amount (``pay_exit``).

    Raises:
        ValidationError: no vehicle, an expiry not in the future or too far, a bad form key.
        NotFoundError: unknown place.
        PlateConflictError: the plate has an overlapping booking and ``confirm_overlap`` is false.
        ProviderFailedError: the platform refused; the booking is recorded as failed.
    """
    now = now or utcnow()
    if expires_at is None or expires_at <= now or expires_at - now > timedelta(days=MAX_REGISTRATION_DAYS):
        raise ValidationError({"expires_at": str(_l("Choose an end date in the next 90 days."))})
    key = operations.check_idempotency_key(idempotency_key)
    existing = operations.find_by_key(user_id, key)
    if existing is not None:
        return existing
    vehicle = _vehicle(user_id, vehicle_id)
    place = apds_places.get_place(place_id, now)
    options = apds_places.rate_options(place)
    if not options:
        raise ValidationError({"place": str(_l("This car park sells no parking rights."))})
    spec_id = options[0][0].id
    draft = operations.Draft(kind=KIND_APDS_SESSION, provider="apds", title=place.name, plate=vehicle.plate,
                             starts_at=now, ends_at=expires_at, amount=None, currency=options[0][1].collections[0]
                             .currency, contact_email=contact_email, contact_phone=contact_phone)

    def add_detail(booking: Booking) -> None:
        db.session.add(ApdsSession(booking=booking, mode="ticketless", place_id=place.place_id,
                                   transaction_id=transaction_id_for(booking),
                                   assigned_right_id=assigned_right_id_for(booking)))

    booking, created = operations.open_pending(user_id, draft, key, confirm_overlap=confirm_overlap,
                                               add_details=add_detail)
    if not created:
        return booking
    body = assigned_right_body(right_id=booking.apds.assigned_right_id, plate=_compact(vehicle.plate),
                               right_specification_id=spec_id, issued=now, expiry=expires_at,
                               issuer=SERVICE_PROVIDER)
    try:
        right = operations.call(booking, "register", lambda: _platform().create_assigned_right(body))
    except ProviderError as error:
        if booking.status == Status.UNKNOWN:
            return reconcile(booking, now=utcnow())
        raise ProviderFailedError(shown_message(error)) from error
    operations.settle(booking, right.id, Status.ACTIVE, payload={"assigned_right_id": right.id},
                      message=f"register: assigned right {right.id} until {expires_at.isoformat()}")
    db.session.commit()
    return booking


def pay_exit(booking_id: int, now: datetime | None = None) -> Booking | None:
    """Pay a ticketless stay the operator closed: PUT the session with ``dateCollected`` and our transaction.

    Safe to run twice (a paid booking is left alone); a stale version (the operator
    changed the session meanwhile) is retried once with a fresh copy.

    Raises:
        ProviderError: the platform could not be reached (the job retries).
    """
    now = now or utcnow()
    booking = db.session.get(Booking, booking_id)
    if booking is None or booking.apds is None or booking.apds.paid_at is not None:
        return booking
    detail = booking.apds
    if detail.session_id is None or detail.amount_due is None or booking.status != Status.ACTIVE:
        return booking
    for attempt in (1, 2):
        session = _platform().session(detail.session_id)
        if carries(session, detail.transaction_id) and session.paid:
            break  # our payment went through before (a lost answer): nothing to send again
        body = session_body(session_id=session.id, version=session.version, plate=session.plate,
                            place_id=detail.place_id, start=session.actual_start, end=session.actual_end,
                            segment_id=session.segments[-1].id, value=detail.amount_due, tax_included=True,
                            transaction_id=detail.transaction_id, date_collected=now,
                            service_provider=SERVICE_PROVIDER, base=session.raw)
        try:
            session = _platform().update_session(body)
            break
        except ProviderError as error:
            if error.status_code == 409 and attempt == 1:
                continue
            operations.record(booking, Action.PROVIDER_CALL, outcome=Outcome.ERROR, provider_code=error.code,
                              message=f"pay at exit: {error.detail}")
            db.session.commit()
            raise
    _mark_paid(booking, session, now, actor=operations.SYSTEM)
    db.session.commit()
    return booking


def _mark_paid(booking: Booking, session, now: datetime, actor: str) -> None:
    detail = booking.apds
    detail.paid_at = detail.paid_at or now
    detail.session_version = max(detail.session_version or 0, session.version)
    booking.amount = detail.amount_due
    booking.ends_at = detail.exited_at or booking.ends_at
    transition(booking, Action.PAID, to=Status.COMPLETED, actor=actor,
               message=f"paid {detail.amount_due} at exit (session {session.id})", payload=session_payload(session))


# -- flow 4: pay the session I'm in ---------------------------------------------------


def find_running(user_id: int, place_id: str, vehicle_id: int | None, now: datetime | None = None
                 ) -> RunningSession | None:
    """The running session of the driver's plate at the place, with the price so far (None: none).

    Raises:
        ValidationError: no such vehicle.
        NotFoundError: unknown place.
        ProviderFailedError: the platform could not be asked.
    """
    now = now or utcnow()
    vehicle = _vehicle(user_id, vehicle_id)
    place = apds_places.get_place(place_id, now)
    try:
        found = _platform().sessions(credential_id=_compact(vehicle.plate), place=place_id, start_before="now",
                                     end_after="now")
    except ProviderError as error:
        raise ProviderFailedError(shown_message(error)) from error
    for session in found.items:
        if session.paid:
            continue
        quote = apds_places.quote_stay(place, session.actual_start,
                                       max(now - session.actual_start, timedelta(seconds=1)))
        return RunningSession(session_id=session.id, started_at=session.actual_start, amount=quote.total,
                              currency=quote.currency, plate=vehicle.plate)
    return None


def pay_running(user_id: int, place_id: str, vehicle_id: int | None, session_id: str, idempotency_key: str,
                contact_email: str | None = None, now: datetime | None = None,
                confirm_overlap: bool = True) -> Booking:
    """Pay the running session ``session_id`` of the driver's plate at the place, for the time so far.

    Returns:
        The booking, completed (paid), or unknown when the platform's answer was lost.

    Raises:
        ValidationError: bad vehicle or form key; the session is not the plate's at this place.
        ProviderFailedError: refused (e.g. the operator changed the session: try again).
    """
    now = now or utcnow()
    key = operations.check_idempotency_key(idempotency_key)
    existing = operations.find_by_key(user_id, key)
    if existing is not None:
        return existing
    vehicle = _vehicle(user_id, vehicle_id)
    place = apds_places.get_place(place_id, now)
    try:
        session = _platform().session(session_id)
    except ProviderError as error:
        raise ProviderFailedError(shown_message(error)) from error
    if session.plate.upper() != _compact(vehicle.plate) or (session.place and session.place.id != place_id):
        raise ValidationError({"session_id": str(_l("That session is not your vehicle's at this car park."))})
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
        paid = operations.call(booking, "pay", lambda: _platform().update_session(body))
    except ProviderError as error:
        if booking.status != Status.UNKNOWN:
            raise ProviderFailedError(shown_message(error)) from error
        booking = reconcile(booking, now=utcnow())  # found (completed) only if it carries our transaction id
        if booking.status == Status.COMPLETED and booking.apds.paid_at is None:
            _mark_paid(booking, _platform_copy(session.id) or session, now, actor=operations.actor_for(user_id))
            db.session.commit()
        return booking
    operations.settle(booking, paid.id, Status.ACTIVE, payload=session_payload(paid),
                      message=f"pay: session {paid.id} paid {quote.total}")
    booking.apds.amount_due = quote.total
    _mark_paid(booking, paid, now, actor=operations.actor_for(user_id))
    db.session.commit()
    return booking


def require_session(user_id: int, public_ref: str) -> Booking:
    """The user's APDS booking ``public_ref``.

    Raises:
        NotFoundError: no such booking of this user (another driver's reference is unknown here).
    """
    return _load(user_id, public_ref)


def reconcile_session(user_id: int | None, public_ref: str, now: datetime | None = None) -> Booking:
    """Ask the platform whether a pending or unknown booking exists, and settle it if it does."""
    return reconcile(_load(user_id, public_ref), now=now or utcnow())


def active_sessions(user_id: int, now: datetime | None = None) -> list[Booking]:
    """The user's running APDS bookings (and those still being confirmed), soonest end first."""
    now = now or utcnow()
    return list(db.session.scalars(
        select(Booking).where(Booking.user_id == user_id, Booking.kind == KIND_APDS_SESSION,
                              Booking.status.in_((Status.ACTIVE, Status.PENDING, Status.UNKNOWN)),
                              Booking.ends_at > now).order_by(Booking.ends_at)))


# -- internals ------------------------------------------------------------------------


def _load(user_id: int | None, public_ref: str) -> Booking:
    booking = (history.get_booking_for_user(user_id, public_ref) if user_id is not None
               else history.get_booking_for_admin(public_ref))
    if booking.kind != KIND_APDS_SESSION or booking.apds is None:
        raise NotFoundError("not an APDS booking")
    return booking


def _running(user_id: int, public_ref: str, now: datetime) -> Booking:
    booking = _load(user_id, public_ref)
    if booking.apds.mode != "phone" or booking.status != Status.ACTIVE or booking.ends_at <= now:
        raise ConflictError(str(_l("This parking session is not running any more.")))
    return booking


def _claim(user_id: int, public_ref: str, expected_version: int, action: Action) -> Booking:
    booking = _load(user_id, public_ref)
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

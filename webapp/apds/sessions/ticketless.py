"""Ticketless (seed 003 flow 3): register a plate at an ANPR car park, and pay the stay the operator closed.

``register_plate`` posts an assigned right for the plate at the place with the expiry
the driver chose; the camera's entry and exit arrive as events (``events.py``), and
``pay_exit`` pays the amount the operator set, with a PUT carrying ``dateCollected``
and our ``transactionId``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from webapp.apds import places as apds_places
from webapp.apds.adapter import assigned_right_id_for, carries, transaction_id_for
from webapp.apds.models import ApdsSession
from webapp.apds.sessions.access import vehicle_of
from webapp.apds.sessions.platform import SERVICE_PROVIDER, apds_platform, mark_paid
from webapp.apds.wire import assigned_right_body, session_body
from webapp.bookings import operations
from webapp.bookings.models import KIND_APDS_SESSION, Action, Booking, Outcome, Status
from webapp.bookings.operations import compact_plate
from webapp.bookings.reconcile import reconcile
from webapp.core.clock import utcnow
from webapp.core.errors import ProviderError, ProviderFailedError, ValidationError, shown_message
from webapp.extensions import db

MAX_REGISTRATION_DAYS = 90


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
    # whole seconds: the platform keeps the right's issuance time so (``wire.format_instant``), and our
    # record must hold the same start as the platform's
    now = (now or utcnow()).replace(microsecond=0)
    if expires_at is None or expires_at <= now or expires_at - now > timedelta(days=MAX_REGISTRATION_DAYS):
        raise ValidationError({"expires_at": str(_l("Choose an end date in the next 90 days."))})
    key = operations.check_idempotency_key(idempotency_key)
    existing = operations.find_by_key(user_id, key)
    if existing is not None:
        return existing
    vehicle = vehicle_of(user_id, vehicle_id)
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
    body = assigned_right_body(right_id=booking.apds.assigned_right_id, plate=compact_plate(vehicle.plate),
                               right_specification_id=spec_id, issued=now, expiry=expires_at,
                               issuer=SERVICE_PROVIDER)
    try:
        right = operations.call(booking, "register", lambda: apds_platform().create_assigned_right(body))
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
        session = apds_platform().session(detail.session_id)
        if carries(session, detail.transaction_id) and session.paid:
            break  # our payment went through before (a lost answer): nothing to send again
        body = session_body(session_id=session.id, version=session.version, plate=session.plate,
                            place_id=detail.place_id, start=session.actual_start, end=session.actual_end,
                            segment_id=session.segments[-1].id, value=detail.amount_due, tax_included=True,
                            transaction_id=detail.transaction_id, date_collected=now,
                            service_provider=SERVICE_PROVIDER, base=session.raw)
        try:
            session = apds_platform().update_session(body)
            break
        except ProviderError as error:
            if error.status_code == 409 and attempt == 1:
                continue
            operations.record(booking, Action.PROVIDER_CALL, outcome=Outcome.ERROR, provider_code=error.code,
                              message=f"pay at exit: {error.detail}")
            db.session.commit()
            raise
    mark_paid(booking, session, now, actor=operations.SYSTEM)
    db.session.commit()
    return booking


def exits_due(limit: int = 100) -> list[int]:
    """Ticketless stays the operator closed and we have not paid yet, oldest exit first (their booking ids).

    ``pay_exit_job`` pays each as its exit event arrives; this finds the ones whose job
    gave up (the platform away longer than its retries), so a stay is never left unpaid.
    """
    return list(db.session.scalars(
        select(ApdsSession.booking_id).join(Booking).where(
            ApdsSession.mode == "ticketless", ApdsSession.exited_at.is_not(None),
            ApdsSession.amount_due.is_not(None), ApdsSession.paid_at.is_(None), Booking.status == Status.ACTIVE)
        .order_by(ApdsSession.exited_at).limit(limit)))

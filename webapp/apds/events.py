"""Our webhook receiver for the platform's events, and our subscription to them.

**The receiver** (``POST`` or ``PUT /carparks/webhooks/apds``; the spec delivers
with POST, seed 003 §➌ shows PUT — both are accepted):

1. the body must be JSON naming an ``eventSubscriptionId`` we hold, else 403 (a
   subscription we do not know) or 400 (not an event), and nothing is stored;
2. ``APDS-Signature: sha256=<hex>`` must be the HMAC-SHA256 of the raw body under
   that subscription's secret (compared in constant time), else 401;
3. the ``eventId`` is stored under a unique constraint: a redelivered event answers
   200 and changes nothing;
4. the event is linked to the driver's booking — a session by its id (our own
   pay-by-phone sessions) or, for a session the camera opened, by the plate of an
   active ticketless registration at that place — a booking event is recorded, and
   at the exit the payment is queued (``jobs.pay_exit_job``), so the answer stays fast.

Events may come out of order (a retried ``SessionCreated`` after the
``SessionUpdated`` that closed the session): facts are only added — the entry time
is set once, an exit is never undone, an older session version never overwrites a
newer one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import math
import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask import current_app
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import select
from sqlalchemy.exc import DataError, IntegrityError, StatementError

from webapp.apds import registrations
from webapp.apds.models import ApdsEvent, ApdsSession, ApdsSubscription
from webapp.apds.wire import Event, Session
from webapp.bookings import operations
from webapp.bookings.models import Action, Booking, Status
from webapp.core.clock import utcnow
from webapp.core.keys import reseal_rows
from webapp.core.provider import provider_client
from webapp.core.sealing import SealingError, keyring_from_config
from webapp.extensions import db

log = logging.getLogger(__name__)

TOPICS = ("SessionCreated", "SessionUpdated", "AssignedRightCreated")
SEALING_PURPOSE = "apds-webhook-secret"
SIGNATURE_HEADER = "APDS-Signature"
RECEIVER_PATH = "/carparks/webhooks/apds"


@dataclass(frozen=True)
class Receipt:
    """The receiver's answer: HTTP status and a small JSON body."""

    status: int
    body: dict
    pay_booking_id: int | None = None


def _secret(subscription: ApdsSubscription) -> bytes:
    """The subscription's signing secret, opened with the app's sealing keyring (current key or a fallback)."""
    return keyring_from_config(current_app.config).unseal(subscription.sealed_secret, SEALING_PURPOSE)


def reseal_subscription_secrets() -> tuple[int, int]:
    """Seal every subscription's secret anew under the current sealing key (``flask --app app keys rotate``).

    Returns:
        (resealed, unreadable): a secret no key of the ring opens is left as it is and
        logged; its deliveries are refused (401) until ``flask --app app apds subscribe``
        replaces the subscription.
    """
    counts = reseal_rows(db.session.scalars(select(ApdsSubscription).order_by(ApdsSubscription.id)),
                         SEALING_PURPOSE, lambda subscription: f"APDS subscription {subscription.subscription_id}")
    db.session.commit()
    return counts


def sign(body: bytes, secret: bytes) -> str:
    """The signature header's value for ``body`` (the scheme of the platform's deliveries)."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def receive_event(raw: bytes, signature: str | None, now: datetime | None = None) -> Receipt:
    """Check, deduplicate, store and apply one delivered event (committed).

    Returns:
        200 (applied, or a duplicate: nothing changed), 400 (not an event), 401 (bad
        signature) or 403 (unknown subscription); ``pay_booking_id`` when a payment is due.
    """
    now = now or utcnow()
    document = read_document(raw)
    subscription_id = document.get("eventSubscriptionId") if isinstance(document, dict) else None
    if not isinstance(subscription_id, str) or not subscription_id:
        return _refused("not an APDS event")
    subscription = db.session.scalar(select(ApdsSubscription).where(
        ApdsSubscription.subscription_id == subscription_id))
    if subscription is None:
        return Receipt(403, {"status": "error", "message": "unknown subscription"})
    try:
        secret = _secret(subscription)
    except SealingError:  # sealed under a key no longer configured: nothing can verify it
        log.error("APDS subscription %s: no sealing key opens its secret", subscription_id)
        return Receipt(401, {"status": "error", "message": "bad signature"})
    if not signature or not hmac.compare_digest(signature.strip(), sign(raw, secret)):
        return Receipt(401, {"status": "error", "message": "bad signature"})
    try:
        event = Event.model_validate(document)
    except PydanticValidationError:
        return _refused("not an APDS event")
    unstorable = _unstorable(event)
    if unstorable:
        log.warning("APDS event refused: %s", unstorable)
        return _refused(unstorable)
    if db.session.scalar(select(ApdsEvent.id).where(ApdsEvent.event_id == event.event_id)) is not None:
        return Receipt(200, {"status": "duplicate", "eventId": event.event_id})
    obj = event.data[0]
    stored = ApdsEvent(event_id=event.event_id, topic=event.topic, subscription_id=subscription_id,
                       object_id=str(obj.get("id", ""))[:64], received_at=now, payload=document)
    db.session.add(stored)
    pay_id = None
    try:
        db.session.flush()  # the unique event id: a simultaneous redelivery stops here
        booking = _apply(event, obj, now)
        if booking is not None:
            stored.booking_id = booking.id
            detail = booking.apds
            if detail.mode == "ticketless" and detail.exited_at and detail.amount_due is not None \
                    and detail.paid_at is None and booking.status == Status.ACTIVE:
                pay_id = booking.id
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return Receipt(200, {"status": "duplicate", "eventId": event.event_id})
    except (DataError, StatementError, OverflowError) as error:
        # a value our checks above let through and the database still cannot hold: the platform's
        # event, refused with the protocol's error (a 5xx would have it retried for ever)
        db.session.rollback()
        log.warning("APDS event %s could not be stored: %s", event.event_id, type(error).__name__)
        return _refused("the event holds a value the receiver cannot store")
    return Receipt(200, {"status": "ok", "eventId": event.event_id}, pay_booking_id=pay_id)


def _refused(message: str) -> Receipt:
    """The protocol's error answer (spec: ``{"status": "error", "code": 400, "message": …}``)."""
    return Receipt(400, {"status": "error", "code": 400, "message": message})


def _not_a_finite_number(text: str) -> float:
    raise ValueError(f"not a finite number: {text}")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"not a finite number: {text[:20]}")
    return number


def read_document(raw: bytes) -> object:
    """The body as JSON, or None for anything the parser cannot read.

    Every error the parser can raise is caught here: bad UTF-8, a number past the
    interpreter's digit limit, nesting deep enough to exhaust the recursion limit
    (``"[" * 2000 + "]" * 2000`` raised ``RecursionError``, a 500 before the signature was
    even looked at), and ``NaN``/``Infinity``/``1e999``, which no database's JSON can store.
    """
    try:
        return json.loads(raw, parse_float=_finite_float, parse_constant=_not_a_finite_number)
    except (ValueError, RecursionError, TypeError, OverflowError, MemoryError):
        return None


#: what the tables hold (``models.ApdsEvent``, ``models.ApdsSession``): a value past these is refused
_EVENT_ID_MAX = 64
_TOPIC_MAX = 40
_ID_MAX = 64
_VERSION_RANGE = range(-(2 ** 31), 2 ** 31)  # INTEGER on PostgreSQL
_AMOUNT_LIMIT = Decimal(10) ** 8  # NUMERIC(10, 2)


def _unstorable(event: Event) -> str | None:
    """Why a signed event cannot be stored as it is, or None when it can."""
    if not event.event_id or len(event.event_id) > _EVENT_ID_MAX:
        return f"eventId must be 1 to {_EVENT_ID_MAX} characters"
    if not event.topic or len(event.topic) > _TOPIC_MAX:
        return f"topic must be 1 to {_TOPIC_MAX} characters"
    if event.topic not in ("SessionCreated", "SessionUpdated"):
        return None
    obj = event.data[0]
    version = obj.get("version")
    if isinstance(version, int) and version not in _VERSION_RANGE:
        return f"session version out of range: {str(version)[:20]}"
    if isinstance(obj.get("id"), str) and len(obj["id"]) > _ID_MAX:
        return f"session id longer than {_ID_MAX} characters"
    try:
        session = Session.from_body(obj)
    except PydanticValidationError:
        return None  # not a session we can read: stored and logged, applied to nothing (``_apply``)
    if session.amount is not None and not -_AMOUNT_LIMIT < session.amount < _AMOUNT_LIMIT:
        return "session amount out of range"
    return None


def _apply(event: Event, obj: dict, now: datetime) -> Booking | None:
    if event.topic == "AssignedRightCreated":
        detail = db.session.scalar(select(ApdsSession).where(ApdsSession.assigned_right_id == str(obj.get("id"))))
        return detail.booking if detail else None
    if event.topic not in ("SessionCreated", "SessionUpdated"):
        return None
    try:
        session = Session.from_body(obj)
    except PydanticValidationError:
        log.warning("APDS event %s: unreadable session", event.event_id)
        return None
    detail = db.session.scalar(select(ApdsSession).where(ApdsSession.session_id == session.id))
    if detail is None:
        detail = registrations.registration_for(session)
        if detail is None:
            return None
        detail.session_id = session.id
    booking = detail.booking
    if detail.mode != "ticketless":
        return booking  # our own session's echo: the booking already knows
    if (detail.session_version or 0) > session.version:
        return booking  # an older copy arriving late
    detail.session_version = session.version
    if detail.entered_at is None:
        detail.entered_at = session.actual_start
        operations.record(booking, Action.VEHICLE_ENTERED, payload={"event": event.event_id},
                          message=f"vehicle entered at {session.actual_start.isoformat()} (session {session.id})")
    if session.actual_end is not None and detail.exited_at is None:
        detail.exited_at = session.actual_end
        detail.amount_due = session.amount
        operations.record(booking, Action.VEHICLE_LEFT, message=f"vehicle left at {session.actual_end.isoformat()}"
                          f", amount {session.amount}", payload={"event": event.event_id})
    return booking


def webhook_url() -> str:
    """Where the platform sends our events: ``APDS_WEBHOOK_URL``, else our receiver on ``PUBLIC_BASE_URL``.

    ``PORT=5110 make run`` subscribed ``http://127.0.0.1:5000/…`` (a fixed default): the platform's
    events went nowhere and ticketless entries never reached the driver's page.
    """
    config = current_app.config
    return config.get("APDS_WEBHOOK_URL") or config["PUBLIC_BASE_URL"].rstrip("/") + RECEIVER_PATH


def ensure_subscription(endpoint: str) -> ApdsSubscription:
    """Subscribe ``endpoint`` to the session and assigned-right events, unless already subscribed (committed).

    A subscription the platform no longer has (or for another endpoint) is replaced.

    Raises:
        ProviderError: the platform could not be asked.
    """
    client = provider_client("apds")
    for current in db.session.scalars(select(ApdsSubscription)):
        remote = {s.id: s for s in client.subscriptions()}.get(current.subscription_id)
        if remote is not None and remote.endpoint == endpoint:
            return current
        db.session.delete(current)
    secret = secrets.token_urlsafe(32)
    subscription = client.subscribe(endpoint, TOPICS, secret)
    row = ApdsSubscription(subscription_id=subscription.id, endpoint=endpoint, created_at=utcnow(),
                           sealed_secret=keyring_from_config(current_app.config).seal(secret, SEALING_PURPOSE))
    db.session.add(row)
    db.session.commit()
    return row

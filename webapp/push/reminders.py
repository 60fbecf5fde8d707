"""Which push notifications are due, and the job that sends each one once.

The events, each only for a booking of a driver who has a push device and has not turned the kind off:

- ``PARKING_ENDING``: a running parking that its provider ends by itself at its end time (a Helsinki
  street parking, an APDS pay-by-phone session — not a ticketless registration, which runs until the
  car leaves; the adapters' ``ends_by_itself``) ends within 10 minutes. Keyed by that end time: an
  extended parking has a new end, hence a new warning, and the old one is never sent.
- ``REGRET_ENDED``: a running booking's free cancellation (an adapter's ``free_cancellation_until``: a
  Helsinki parking's regret time) ended less than 5 minutes ago.
- ``CAR_PARK_VISIT``: a car park's camera saw the car come in (``VEHICLE_ENTERED``), or go out and we
  paid the stay at the exit (``PAID`` by the system), in the last 30 minutes. Keyed by the event.
- ``RENTAL_PICKUP`` / ``VALET_DROPOFF``: a reserved rent-car or valet booking starts tomorrow — from
  18:00 the day before, in the place's time, until an hour before. Keyed by the start: a changed
  booking has a new start.

How "once" holds with N consumers and a manual run (as ``accounts.booking_mail``): each event is a
``PushDelivery`` row, unique per booking, kind and event key, committed before anything is posted; a
consumer that cannot insert it leaves the event to the one that did. Before claiming, the booking is
read again and the event computed again from it: a booking changed in the meantime (extended, stopped,
moved) is not notified of what it no longer is.

The payload the service worker reads (``static/sw.js`` relies on it exactly)::

    {"title": str, "body": str, "lang": "fi", "kind": "<kind>", "tag": "<kind>:<public_ref>",
     "url": "<the booking's page, absolute>",
     "actions": [{"action": "extend", "title": str, "url": "<page>?extend=1#extend"},
                 {"action": "stop", "title": str, "url": "<page>?stop=confirm#stop"}]}

(``actions`` only for ``PARKING_ENDING``, ``[]`` otherwise.)
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import httpx
from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import and_, exists, select, tuple_
from sqlalchemy.exc import IntegrityError

from webapp.accounts import notices
from webapp.accounts.models import User
from webapp.bookings.lifecycle import SYSTEM
from webapp.bookings.models import (
    KIND_APDS_SESSION,
    KIND_RENTAL,
    KIND_STREET_PARKING,
    KIND_VALET,
    Action,
    Booking,
    BookingEvent,
    Outcome,
    Status,
)
from webapp.bookings.registry import adapter_for, booking_kinds, booking_title
from webapp.core.clock import PROVIDER_ZONES, format_moment, format_moment_in_zone, locale_for, utcnow
from webapp.core.jobs import EVERY_MINUTE, app_periodic_task
from webapp.core.money import format_money
from webapp.extensions import db
from webapp.push import kinds, sending
from webapp.push.keys import push_enabled
from webapp.push.models import PushDelivery, PushDevice, PushSetting

log = logging.getLogger(__name__)

#: the warning goes this long before a parking ends (the e-mail reminder and the page's banner too)
REMIND_BEFORE = timedelta(minutes=10)
#: the kinds of booking whose end can be warned of (and whose adapter says whether it ends by itself)
ENDING_KINDS = (KIND_STREET_PARKING, KIND_APDS_SESSION)
#: a free cancellation that ended longer ago than this is not news any more
REGRET_NOTICE_WITHIN = timedelta(minutes=5)
#: free cancellations are minutes after a start (Helsinki: 2 minutes): only bookings started this
#: recently are looked at
REGRET_LOOKBACK = timedelta(hours=1)
#: a car park's entry or paid exit older than this is not news any more
VISIT_WITHIN = timedelta(minutes=30)
#: "the day before": from this local time the day before the start ...
DAY_BEFORE_FROM = time(18, 0)
#: ... until this long before the start (later, the driver is on the way)
DAY_BEFORE_UNTIL = timedelta(hours=1)
#: the notice of each kind of booking that starts "tomorrow"
DAY_BEFORE_KINDS = {KIND_RENTAL: kinds.RENTAL_PICKUP, KIND_VALET: kinds.VALET_DROPOFF}
#: each kind's own page, named by endpoint (the booking core never imports a feature; a feature that
#: is not registered falls back to the booking's page)
PAGE_ENDPOINTS = {KIND_STREET_PARKING: "parkings.session", KIND_APDS_SESSION: "apds.session",
                  KIND_RENTAL: "rentals.rental", KIND_VALET: "valet.reservation"}
FALLBACK_ENDPOINT = "bookings.detail"


@dataclass(frozen=True)
class DueNotice:
    """One notification to send: a booking, the kind, the event's key and, for a car park visit, the event."""

    booking_id: int
    kind: str
    event_key: str
    event_id: int | None = None


# --- what a driver wants -------------------------------------------------------------------------------


def enabled_kinds(user_id: int) -> set[str]:
    """The kinds of notification ``user_id`` has not turned off (no setting: on)."""
    off = set(db.session.scalars(select(PushSetting.kind).where(PushSetting.user_id == user_id,
                                                                PushSetting.enabled.is_(False))))
    return set(kinds.KINDS) - off


def _reachable(kind: str):
    """SQL: the booking's driver has a push device and has not turned ``kind`` off."""
    return and_(Booking.user_id.is_not(None),
                exists().where(PushDevice.user_id == Booking.user_id),
                ~exists().where(PushSetting.user_id == Booking.user_id, PushSetting.kind == kind,
                                PushSetting.enabled.is_(False)))


def push_reminds_of_ending(booking: Booking) -> bool:
    """Whether the driver of ``booking`` is warned by push before it ends (then no e-mail reminder)."""
    if not push_enabled() or booking.user_id is None or not _ends_by_itself(booking):
        return False
    has_device = db.session.scalar(select(exists().where(PushDevice.user_id == booking.user_id)))
    return bool(has_device) and kinds.PARKING_ENDING in enabled_kinds(booking.user_id)


# --- each event's key, computed from the booking as it is ------------------------------------------------


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def _ends_by_itself(booking: Booking) -> bool:
    if booking.kind not in ENDING_KINDS:
        return False
    runs_out = getattr(adapter_for(booking.kind), "ends_by_itself", None)
    return runs_out is not None and bool(runs_out(booking))


def _ending_key(booking: Booking, now: datetime) -> str | None:
    if booking.status != Status.ACTIVE or booking.ends_at is None:
        return None
    if not now < booking.ends_at <= now + REMIND_BEFORE or not _ends_by_itself(booking):
        return None
    return _iso(booking.ends_at)


def _free_cancellation_until(booking: Booking) -> datetime | None:
    hook = getattr(adapter_for(booking.kind), "free_cancellation_until", None)
    return hook(booking) if hook is not None else None


def _regret_key(booking: Booking, now: datetime) -> str | None:
    if booking.status != Status.ACTIVE:
        return None
    until = _free_cancellation_until(booking)
    if until is None or not until <= now < until + REGRET_NOTICE_WITHIN:
        return None
    return _iso(until)


def _zone(booking: Booking):
    return PROVIDER_ZONES.get(booking.provider, UTC)


def _day_before_key(booking: Booking, now: datetime) -> str | None:
    if booking.status != Status.RESERVED or booking.starts_at is None or booking.kind not in DAY_BEFORE_KINDS:
        return None
    zone = _zone(booking)
    local_start = booking.starts_at.astimezone(zone)
    due_from = datetime.combine(local_start.date() - timedelta(days=1), DAY_BEFORE_FROM, tzinfo=zone)
    if not due_from <= now < booking.starts_at - DAY_BEFORE_UNTIL:
        return None
    return _iso(booking.starts_at)


_KEYS: dict[str, Callable[[Booking, datetime], str | None]] = {
    kinds.PARKING_ENDING: _ending_key, kinds.REGRET_ENDED: _regret_key,
    kinds.RENTAL_PICKUP: _day_before_key, kinds.VALET_DROPOFF: _day_before_key,
}


def _visit_event(event_id: int | None, booking: Booking, now: datetime) -> BookingEvent | None:
    """The car park's event, if it is still one to tell of."""
    event = db.session.get(BookingEvent, event_id) if event_id is not None else None
    if event is None or event.booking_id != booking.id or event.outcome != Outcome.OK:
        return None
    if event.action == Action.PAID and event.actor != SYSTEM:
        return None  # the driver paid in the app (a running session): they know
    if event.action not in (Action.VEHICLE_ENTERED, Action.PAID) or not now - VISIT_WITHIN <= event.created_at <= now:
        return None
    return event


def _key_now(notice: DueNotice, booking: Booking, now: datetime) -> str | None:
    """The event key ``notice``'s kind has for ``booking`` now (None: nothing of that kind is due)."""
    if notice.kind == kinds.CAR_PARK_VISIT:
        return f"event:{notice.event_id}" if _visit_event(notice.event_id, booking, now) is not None else None
    return _KEYS[notice.kind](booking, now)


# --- which notices are due -------------------------------------------------------------------------------


def due_notices(now: datetime | None = None) -> list[DueNotice]:
    """Every notification due at ``now`` that was not claimed yet, for drivers who have a device and want it."""
    now = now or utcnow()
    found: list[DueNotice] = []

    def add(bookings, kind: str) -> None:
        for booking in bookings:
            key = _KEYS[kind](booking, now)
            if key is not None:
                found.append(DueNotice(booking.id, kind, key))

    add(db.session.scalars(select(Booking).where(
        Booking.status == Status.ACTIVE, Booking.kind.in_(ENDING_KINDS), Booking.ends_at > now,
        Booking.ends_at <= now + REMIND_BEFORE, _reachable(kinds.PARKING_ENDING))), kinds.PARKING_ENDING)

    with_free_cancellation = [kind for kind, entry in booking_kinds().items()
                              if getattr(entry.adapter, "free_cancellation_until", None) is not None]
    if with_free_cancellation:
        add(db.session.scalars(select(Booking).where(
            Booking.status == Status.ACTIVE, Booking.kind.in_(with_free_cancellation),
            Booking.starts_at >= now - REGRET_LOOKBACK, Booking.starts_at <= now,
            _reachable(kinds.REGRET_ENDED))), kinds.REGRET_ENDED)

    for booking_kind, kind in DAY_BEFORE_KINDS.items():
        # 18:00 the day before is at most 30 hours before a start (at 23:59), 31 across a clock change
        add(db.session.scalars(select(Booking).where(
            Booking.status == Status.RESERVED, Booking.kind == booking_kind,
            Booking.starts_at > now + DAY_BEFORE_UNTIL, Booking.starts_at <= now + timedelta(hours=31),
            _reachable(kind))), kind)

    # from the drivers with a device to their bookings to those bookings' events (each step by an index),
    # rather than through the events of everyone: the history has no index by time
    visits = db.session.execute(select(BookingEvent.id, BookingEvent.booking_id).join(
        Booking, Booking.id == BookingEvent.booking_id).where(
        Booking.user_id.in_(select(PushDevice.user_id)),
        BookingEvent.action.in_((Action.VEHICLE_ENTERED, Action.PAID)), BookingEvent.outcome == Outcome.OK,
        BookingEvent.created_at >= now - VISIT_WITHIN, BookingEvent.created_at <= now,
        (BookingEvent.action == Action.VEHICLE_ENTERED) | (BookingEvent.actor == SYSTEM),
        _reachable(kinds.CAR_PARK_VISIT)).order_by(BookingEvent.id))
    found += [DueNotice(booking_id, kinds.CAR_PARK_VISIT, f"event:{event_id}", event_id)
              for event_id, booking_id in visits]
    return _not_claimed(found)


def _not_claimed(found: list[DueNotice]) -> list[DueNotice]:
    if not found:
        return []
    claimed = set(db.session.execute(select(PushDelivery.booking_id, PushDelivery.kind, PushDelivery.event_key).where(
        tuple_(PushDelivery.booking_id, PushDelivery.kind).in_(sorted({(n.booking_id, n.kind) for n in found})))).all())
    return [n for n in found if (n.booking_id, n.kind, n.event_key) not in claimed]


# --- what a notification says ----------------------------------------------------------------------------


def page_url(booking: Booking) -> str:
    """The absolute address of the booking's own page (its kind's page when that feature is on)."""
    endpoint = PAGE_ENDPOINTS.get(booking.kind, FALLBACK_ENDPOINT)
    if endpoint not in current_app.view_functions:
        endpoint = FALLBACK_ENDPOINT
    return notices.public_url(endpoint, ref=booking.public_ref)


def _body(notice: DueNotice, booking: Booking, title: str, locale: str, now: datetime) -> str:
    zone = _zone(booking)
    if notice.kind == kinds.PARKING_ENDING:
        minutes = max(math.ceil((booking.ends_at - now).total_seconds() / 60), 1)
        return ngettext("Your parking ends at %(time)s, in %(num)d minute.",
                        "Your parking ends at %(time)s, in %(num)d minutes.", minutes,
                        time=format_moment(booking.ends_at, locale, zone, "time"))
    if notice.kind == kinds.REGRET_ENDED:
        return _("The free cancellation time ended at %(time)s. The parking goes on; stopping it now charges "
                 "the time used.", time=format_moment(_free_cancellation_until(booking), locale, zone, "time"))
    if notice.kind == kinds.CAR_PARK_VISIT:
        return _visit_body(db.session.get(BookingEvent, notice.event_id), booking, title, locale, zone)
    when = format_moment_in_zone(booking.starts_at, locale, zone)
    today = now.astimezone(zone).date() == booking.starts_at.astimezone(zone).date()
    if notice.kind == kinds.RENTAL_PICKUP:
        return (_("Your rent-car pick-up is today: %(when)s.", when=when) if today
                else _("Your rent-car pick-up is tomorrow: %(when)s.", when=when))
    return (_("Your car is dropped off at the airport valet today: %(when)s.", when=when) if today
            else _("Your car is dropped off at the airport valet tomorrow: %(when)s.", when=when))


def _visit_body(event: BookingEvent, booking: Booking, place: str, locale: str, zone) -> str:
    copy = event.payload or {}
    if event.action == Action.VEHICLE_ENTERED:
        # recorded as the platform's event arrives, seconds after the camera saw the car
        return _("%(plate)s entered %(place)s at %(time)s.", plate=booking.plate, place=place,
                 time=format_moment(event.created_at, locale, zone, "time"))
    left = _moment(copy.get("end")) or booking.ends_at or event.created_at
    paid = copy.get("amount") or booking.amount
    if paid is None:
        return _("%(plate)s left %(place)s at %(time)s.", plate=booking.plate, place=place,
                 time=format_moment(left, locale, zone, "time"))
    return _("%(plate)s left %(place)s at %(time)s. Paid: %(amount)s.", plate=booking.plate, place=place,
             time=format_moment(left, locale, zone, "time"), amount=format_money(paid, booking.currency, locale))


def _moment(text) -> datetime | None:
    try:
        value = datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def build_payload(notice: DueNotice, booking: Booking, language: str | None, now: datetime | None = None) -> dict:
    """The notification for ``notice`` in ``language`` (the driver's; English when unset): see the module."""
    now = now or utcnow()
    language = language or "en"
    locale = locale_for(language)
    page = page_url(booking)
    with force_locale(locale):
        # the title in the reader's language (a rent-car's Korean model name with its English one)
        title = booking_title(booking, language)
        actions = []
        if notice.kind == kinds.PARKING_ENDING:
            actions = [{"action": "extend", "title": _("Extend"), "url": f"{page}?extend=1#extend"},
                       {"action": "stop", "title": _("Stop"), "url": f"{page}?stop=confirm#stop"}]
        return {"title": title, "body": _body(notice, booking, title, locale, now), "lang": language,
                "kind": notice.kind, "tag": f"{notice.kind}:{booking.public_ref}", "url": page, "actions": actions}


# --- sending ---------------------------------------------------------------------------------------------


def _claim(notice: DueNotice, now: datetime) -> PushDelivery | None:
    delivery = PushDelivery(booking_id=notice.booking_id, kind=notice.kind, event_key=notice.event_key,
                            claimed_at=now, devices_reached=0)
    try:
        with db.session.begin_nested():
            db.session.add(delivery)
        db.session.commit()
        return delivery
    except IntegrityError:
        db.session.rollback()  # another consumer claimed it first
        return None


def deliver(notice: DueNotice, now: datetime, client: httpx.Client | None = None) -> int:
    """Send one due notice to every device of the booking's driver, once; returns the devices reached.

    The booking is read again first: a booking changed since the notice was found (extended, stopped,
    moved, cancelled) is not notified of what it no longer is.
    """
    booking = db.session.get(Booking, notice.booking_id)
    if booking is None:
        return 0
    db.session.refresh(booking)
    if booking.user_id is None or _key_now(notice, booking, now) != notice.event_key:
        log.info("push %s for %s: no longer due", notice.kind, booking.public_ref)
        return 0
    has_device = db.session.scalar(select(exists().where(PushDevice.user_id == booking.user_id)))
    if not has_device or notice.kind not in enabled_kinds(booking.user_id):
        return 0  # the last device was removed, or the kind turned off, since
    delivery = _claim(notice, now)
    if delivery is None:
        return 0
    user = db.session.get(User, booking.user_id)
    payload = build_payload(notice, booking, user.language if user else None, now)
    devices = db.session.scalars(select(PushDevice).where(PushDevice.user_id == booking.user_id)
                                 .order_by(PushDevice.id)).all()
    reached = 0
    for device in devices:
        device_id = device.id
        outcome = sending.send(device, payload, urgency="high" if notice.kind == kinds.PARKING_ENDING else "normal",
                               topic=f"{notice.kind}-{booking.public_ref}", client=client, now=now)
        log.info("push %s for %s to device %s: %s", notice.kind, booking.public_ref, device_id, outcome)
        reached += outcome == sending.Outcome.DELIVERED
    delivery.devices_reached = reached
    db.session.commit()
    return reached


def send_due(now: datetime | None = None) -> int:
    """Send every notification due at ``now``; returns how many reached at least one device."""
    if not push_enabled():
        return 0
    now = now or utcnow()
    sent = 0
    with sending.http_client() as client:
        for notice in due_notices(now):
            try:
                sent += deliver(notice, now, client) > 0
            except Exception:  # one notice that cannot be built or recorded must not hold back the others
                db.session.rollback()
                log.exception("push %s for booking %s failed", notice.kind, notice.booking_id)
    return sent


@app_periodic_task(EVERY_MINUTE)
def push_notifications() -> None:
    """The job: the push notifications due this minute."""
    sent = send_due()
    if sent:
        log.info("push: %d notifications sent", sent)

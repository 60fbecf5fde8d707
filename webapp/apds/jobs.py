"""The APDS feature's background jobs.

- ``pay_exit_job``: pays a ticketless stay once the operator closed it (queued by the
  webhook receiver, so the receiver answers at once; retried when the platform is away).
- ``pay_due_exits`` (every minute): pays the stays whose ``pay_exit_job`` gave up, so a
  closed stay is never left unpaid.
- ``keep_subscribed`` (every 15 minutes): subscribes us to the platform's events when we
  are not (at ``APDS_WEBHOOK_URL``, else our receiver on ``PUBLIC_BASE_URL``; also done by the demo
  loader and ``apds subscribe``).
- ``deliver_platform_events`` (every minute): with the embedded platform sandbox, its
  outbox of webhook events is sent by the job runner — the real platform delivers its
  own. Retries with back-off are the platform's (``sandbox/webhooks.py``).
- ``demo_car_park_traffic`` (every minute, demo only): a few cars drive in and out of
  the Manchester car parks, so a fresh demo shows real activity (the demo loader drives
  the first ones, ``cli.load_demo_places``).
"""

from __future__ import annotations

import logging
import random

from flask import current_app

from webapp.apds import events, sessions
from webapp.apds.operator_side import ENTER, LEAVE, cars_inside, deliver_events_now, drive_car, platform_sandbox
from webapp.core.errors import ProviderError, ValidationError
from webapp.core.jobs import EVERY_MINUTE, app_periodic_task, app_task, crontab

log = logging.getLogger(__name__)

DEMO_PLATES = ("MA19PKG", "LV68RTE", "YK70NMB", "BF21XCD", "GN17HJK", "DE69WQA")
DEMO_PLACES = ("805432", "001702e7-99f6-4e48-ac7c-df412907b29b", "220001")
MOVES_PER_MINUTE = 3


@app_task(retries=5, retry_delay=30)
def pay_exit_job(booking_id: int) -> None:
    """Pay the ticketless stay of ``booking_id`` (idempotent)."""
    sessions.pay_exit(booking_id)


@app_periodic_task(EVERY_MINUTE)
def pay_due_exits() -> None:
    """Pay the ticketless stays whose ``pay_exit_job`` gave up; a platform still away is tried next minute."""
    for booking_id in sessions.exits_due():
        try:
            sessions.pay_exit(booking_id)
        except ProviderError as error:
            log.warning("APDS exit of booking %s still unpaid: %s", booking_id, error)
            return  # the platform is away: the next minute tries again


@app_periodic_task(crontab(minute="*/15"))
def keep_subscribed() -> None:
    """Subscribe to the platform's events if we are not (first run after a start, or the platform lost ours)."""
    try:
        events.ensure_subscription(events.webhook_url())
    except ProviderError as error:
        log.warning("APDS subscription not checked, the platform did not answer: %s", error)


@app_task()
def deliver_platform_events_soon() -> None:
    """Send the embedded platform's due events now (queued by the operators' console after a move)."""
    report = deliver_events_now()
    if report:
        log.info("APDS sandbox deliveries after a console move: %s", report)


@app_periodic_task(EVERY_MINUTE)
def deliver_platform_events() -> None:
    report = deliver_events_now()
    if report:
        log.info("APDS sandbox deliveries: %s", report)


@app_periodic_task(EVERY_MINUTE)
def demo_car_park_traffic() -> None:
    """A few cars drive in or out of the demo car parks (embedded platform only)."""
    if platform_sandbox() is None or not current_app.config.get("APDS_DEMO_TRAFFIC", True):
        return
    drive_demo_traffic(random.randint(1, MOVES_PER_MINUTE))  # demo traffic, not security


def drive_demo_traffic(moves: int) -> int:
    """Drive ``moves`` demo cars: one inside leaves, else it enters. Returns how many moves the platform took
    (none with a real platform: its cars are real)."""
    if platform_sandbox() is None:
        return 0
    inside = {(car.place_id, car.plate) for car in cars_inside()}
    done = 0
    for _ in range(moves):
        plate, place = random.choice(DEMO_PLATES), random.choice(DEMO_PLACES)
        action = LEAVE if (place, plate) in inside else ENTER
        if any(p == plate for _place, p in inside) and action == ENTER:
            continue  # a car is in one car park at a time
        try:
            drive_car(action, place, plate)
        except ValidationError as refused:
            log.info("APDS demo traffic: %s %s at %s refused: %s", action, plate, place, refused.errors)
            continue
        inside ^= {(place, plate)}
        done += 1
    return done

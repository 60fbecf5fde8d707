"""The APDS feature's background jobs.

- ``pay_exit_job``: pays a ticketless stay once the operator closed it (queued by the
  webhook receiver, so the receiver answers at once; retried when the platform is away).
- ``deliver_platform_events`` (every minute): with the embedded platform sandbox, its
  outbox of webhook events is sent by the job runner — the real platform delivers its
  own. Retries with back-off are the platform's (``sandbox/webhooks.py``).
- ``demo_car_park_traffic`` (every minute, demo only): a few cars drive in and out of
  the Manchester car parks, so a fresh demo shows real activity.
"""

from __future__ import annotations

import logging
import random

from flask import current_app

from webapp.apds import sessions
from webapp.core.jobs import EVERY_MINUTE, app_periodic_task, app_task
from webapp.core.provider import provider_settings

log = logging.getLogger(__name__)

DEMO_PLATES = ("MA19PKG", "LV68RTE", "YK70NMB", "BF21XCD", "GN17HJK", "DE69WQA")
DEMO_PLACES = ("805432", "001702e7-99f6-4e48-ac7c-df412907b29b", "220001")


@app_task(retries=5, retry_delay=30)
def pay_exit_job(booking_id: int) -> None:
    """Pay the ticketless stay of ``booking_id`` (idempotent)."""
    sessions.pay_exit(booking_id)


def platform_sandbox():
    """The embedded platform sandbox, or None when the app talks to a real platform."""
    if not provider_settings("apds").uses_sandbox:
        return None
    return current_app.extensions["providers"].sandbox_app("apds")


def deliver_events_now() -> dict | None:
    """Ask the embedded platform to send its due events (None with a real platform)."""
    sandbox = platform_sandbox()
    if sandbox is None:
        return None
    return sandbox.test_client().post("/_sandbox/deliveries").get_json()


@app_periodic_task(EVERY_MINUTE)
def deliver_platform_events() -> None:
    report = deliver_events_now()
    if report:
        log.info("APDS sandbox deliveries: %s", report)


@app_periodic_task(EVERY_MINUTE)
def demo_car_park_traffic() -> None:
    """Drive a car in or out of a demo car park (embedded platform only)."""
    sandbox = platform_sandbox()
    if sandbox is None or not current_app.config.get("APDS_DEMO_TRAFFIC", True):
        return
    control = sandbox.test_client()
    plate, place = random.choice(DEMO_PLATES), random.choice(DEMO_PLACES)  # demo traffic, not security
    if control.post("/_sandbox/operators/exit", json={"place": place, "plate": plate}).status_code == 404:
        control.post("/_sandbox/operators/enter", json={"place": place, "plate": plate})
    deliver_events_now()

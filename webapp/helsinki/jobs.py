"""Helsinki's background job: what the city's parking hub has not confirmed yet is sent again, every minute.

Only parkings reported to the hub (``HELSINKI_BACKEND=parkkihubi``) have anything to send: a stop,
a cancellation or an end sent again after a lost answer, and the send after ``recheck_until`` that
overwrites a write the hub carried out late (``webapp/helsinki/hub.py``). Starts the hub has not
confirmed are the reconciliation sweep's (``webapp/bookings/jobs.py``). Safe to run twice: every
write it sends can be repeated.
"""

from __future__ import annotations

import logging

from webapp.core.clock import utcnow
from webapp.core.jobs import EVERY_MINUTE, app_periodic_task
from webapp.helsinki import hub

log = logging.getLogger(__name__)


@app_periodic_task(EVERY_MINUTE)
def send_hub_reports() -> None:
    """Send every due hub report once (in the task's own app context)."""
    counts = hub.send_due(utcnow())
    if any(counts.values()):
        log.info("parkkihubi reports sent again: %s", counts)

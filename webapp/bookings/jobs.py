"""The booking core's background jobs, every minute: the reconciliation sweep, and the end of
bookings whose time ran out (``webapp.bookings.endings``).

Bookings a lost reply left pending or unknown are looked up at their provider
and settled (``webapp.bookings.reconcile.sweep``); ``flask --app app bookings
reconcile`` runs one sweep by hand. The job runner runs this once a minute
however many consumers there are (``webapp.core.jobs``), and a sweep is safe
beside another one (a manual run, a late copy): each booking is settled under
its version check. Imported by ``create_app``: bookings is not a feature, so
no ``ProviderSpec.jobs`` names this module.
"""

from __future__ import annotations

import logging

from webapp.bookings import endings, reconcile
from webapp.core.jobs import EVERY_MINUTE, app_periodic_task

log = logging.getLogger(__name__)

SWEEP_SCHEDULE = EVERY_MINUTE


@app_periodic_task(SWEEP_SCHEDULE)
def reconciliation_sweep() -> None:
    """One reconciliation sweep (in the task's own app context)."""
    report = reconcile.sweep()
    log.info("reconciliation sweep: %s", report)


@app_periodic_task(EVERY_MINUTE)
def record_endings() -> None:
    """Street parkings and pay-by-phone sessions whose time ran out become completed (``bookings.endings``)."""
    endings.complete_ended()

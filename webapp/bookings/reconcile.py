"""Reconciliation: settle bookings whose provider answer was lost, by asking the provider.

``reconcile`` settles one booking; ``sweep`` settles every unsettled one and
is run every minute by the job runner and by ``flask --app app bookings
reconcile``. Both are safe to run repeatedly and from several processes at
once: a booking two sweepers settle together is written once (the version
check makes the second one roll back), and a remote booking already linked to
another of ours is never linked again (checked, and a unique constraint).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from webapp.bookings import operations
from webapp.bookings.adapter import can_look_up
from webapp.bookings.lifecycle import SYSTEM, transition
from webapp.bookings.models import Action, Booking, Outcome, Status
from webapp.bookings.registry import adapter_for
from webapp.core.clock import utcnow
from webapp.core.errors import ProviderError
from webapp.extensions import db

log = logging.getLogger(__name__)

#: a booking still pending after this long lost its process mid-call (a live call is settled well within it)
PENDING_GRACE = timedelta(seconds=30)
#: how many unsettled bookings one sweep looks at (oldest first); the next sweep takes the rest
SWEEP_BATCH = 500


@dataclass
class SweepReport:
    """What one sweep did."""

    checked: int = 0
    settled: int = 0
    failed: int = 0
    still_unknown: int = 0
    skipped: int = 0

    def __str__(self) -> str:
        return (f"checked {self.checked}: settled {self.settled}, failed {self.failed}, "
                f"still unknown {self.still_unknown}, skipped {self.skipped}")


def reconcile(booking: Booking, now: datetime | None = None, actor: str = SYSTEM) -> Booking:
    """Settle one pending or unknown booking from the provider's copy (committed).

    Found exactly (and not linked to another booking) → the provider's status;
    not found before the provider's deadline → unknown, to be looked up again;
    not found after it → failed, with an event that says why; the provider
    cannot be asked → unchanged, with an event. A provider with no look-up call
    (``can_look_up`` false) is never asked: its booking stays unknown, never failed.
    """
    now = now or utcnow()
    if Status(booking.status).settled:
        return booking
    adapter = adapter_for(booking.kind)
    if adapter is None:
        return booking
    if not can_look_up(adapter):
        return _keep_unknown(booking)
    try:
        found = adapter.find_remote(booking)
    except ProviderError as error:
        operations.record(booking, Action.RECONCILE, actor=actor, outcome=Outcome.UNKNOWN, provider_code=error.code,
                          message=f"look-up failed: {error.detail}")
        db.session.commit()
        return booking
    candidates = [r for r in found if not operations.is_linked_elsewhere(booking, r.provider_ref)]
    if len(candidates) > 1:
        log.warning("%s: %d remote bookings carry our reference; linking the first", booking.public_ref,
                    len(candidates))
    if candidates:
        remote = candidates[0]
        booking.starts_at = remote.starts_at or booking.starts_at
        booking.ends_at = remote.ends_at or booking.ends_at
        operations.settle(booking, remote.provider_ref, remote.status, action=Action.RECONCILE, actor=actor,
                          payload=remote.payload, message=f"found {remote.provider_ref} at the provider")
    else:
        deadline = adapter.settle_deadline(booking)
        if now >= deadline:
            operations.fail(booking, f"the provider has no such booking by its deadline {deadline.isoformat()}: "
                                     "it was never made", actor=actor)
        else:
            # the provider answered (OK), it just does not have the booking yet
            transition(booking, Action.RECONCILE, to=Status.UNKNOWN, outcome=Outcome.OK, actor=actor,
                       message=f"not at the provider yet; looking again until {deadline.isoformat()}")
    db.session.commit()
    return booking


def _keep_unknown(booking: Booking) -> Booking:
    """A booking of a provider that cannot be asked: pending becomes unknown (once), and it stays so."""
    if booking.status == Status.PENDING:
        transition(booking, Action.RECONCILE, to=Status.UNKNOWN, outcome=Outcome.UNKNOWN,
                   message="the provider has no look-up call: kept unknown with what was sent, for support")
        db.session.commit()
    return booking


def unsettled(now: datetime, limit: int = SWEEP_BATCH) -> list[Booking]:
    """Unknown bookings, and pending ones older than ``PENDING_GRACE``, oldest first."""
    return list(db.session.scalars(
        select(Booking).where(or_(Booking.status == Status.UNKNOWN,
                                  (Booking.status == Status.PENDING) & (Booking.created_at < now - PENDING_GRACE)))
        .order_by(Booking.created_at).limit(limit)
    ))


def sweep(now: datetime | None = None) -> SweepReport:
    """Reconcile every unsettled booking once; safe to run concurrently.

    Returns:
        Counts of what happened, for the log and the CLI.
    """
    now = now or utcnow()
    report = SweepReport()
    for booking_id in [b.id for b in unsettled(now)]:
        booking = db.session.get(Booking, booking_id)
        if booking is None or Status(booking.status).settled:
            report.skipped += 1
            continue
        report.checked += 1
        try:
            reconcile(booking, now=now)
        except (StaleDataError, IntegrityError):
            db.session.rollback()  # another sweeper settled it first
            report.skipped += 1
            continue
        status = Status(booking.status)
        if status == Status.FAILED:
            report.failed += 1
        elif status.settled:
            report.settled += 1
        else:
            report.still_unknown += 1
    log.info("reconciliation sweep: %s", report)
    return report

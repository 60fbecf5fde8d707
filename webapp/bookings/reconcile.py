"""Reconciliation: settle bookings whose provider answer was lost, by asking the provider.

``reconcile`` settles one booking; ``sweep`` settles unsettled ones and is run every minute
by the job runner and by ``flask --app app bookings reconcile``. Both are safe to run
repeatedly and from several processes at once: a booking two sweepers settle together is
written once (the version check makes the second one roll back), and a remote booking
already linked to another of ours is never linked again (checked, and a unique constraint).

**Fair.** A sweep takes each provider's unsettled bookings in its own batch
(``SWEEP_BATCH`` per provider), least recently checked first (``Booking.last_checked_at``),
so no provider's backlog keeps another's bookings waiting: a sweep that took the 500 oldest
of all once "checked" the same 500 unknown 247Parking bookings every minute while a Helsinki
parking the city held stayed unknown past its deadline. A provider that stops answering
gives up its turn after ``FAILURES_BEFORE_PAUSE`` look-ups in a row fail (each may wait a
timeout), and the sweep goes on with the next provider.

**No loop on what cannot be looked up.** A provider with no look-up call (``can_look_up``
false: 247Parking) is never asked: its pending booking becomes unknown once, with a dated
next step for support (``next_step.dated``), and is not re-checked every minute.

**Figures.** Each sweep's figures per provider (checked, settled, failed, still unknown,
look-ups that failed, awaiting support, overdue, left for the next sweep) are logged and
kept in ``sweep_records`` for the admins' "Needs attention" page.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from webapp.bookings import next_step, operations
from webapp.bookings.adapter import can_look_up
from webapp.bookings.lifecycle import SYSTEM, transition
from webapp.bookings.models import Action, Booking, Outcome, Status, SweepRecord
from webapp.bookings.registry import adapter_for
from webapp.core.clock import utcnow
from webapp.core.errors import ProviderError
from webapp.extensions import db

log = logging.getLogger(__name__)

#: a booking still pending after this long lost its process mid-call (a live call is settled well within it)
PENDING_GRACE = timedelta(seconds=30)
#: how many unsettled bookings of one provider a sweep looks at (least recently checked first)
SWEEP_BATCH = 100
#: look-ups in a row that may fail before a sweep leaves a provider for the next one (each may wait a timeout)
FAILURES_BEFORE_PAUSE = 3
#: how many unsettled bookings ``unsettled`` lists at most (``flask --app app bookings unknown``)
LIST_LIMIT = 500
#: how many sweeps' figures are kept for the admins
KEEP_RECORDS = 100


@dataclass
class ProviderFigures:
    """One provider's part of a sweep.

    Attributes:
        checked: bookings looked up at the provider in this sweep.
        settled, failed, still_unknown: what became of them (a failed look-up stays unknown).
        look_up_failed: look-ups the provider did not answer.
        paused: the provider stopped answering: the sweep left it after ``FAILURES_BEFORE_PAUSE``.
        awaiting_support: unknown bookings of a provider we cannot ask (never looked up: support settles them).
        overdue: unknown bookings of this provider whose dated next step has passed.
        left: unsettled bookings of this provider this sweep did not reach (the next one takes them first).
    """

    checked: int = 0
    settled: int = 0
    failed: int = 0
    still_unknown: int = 0
    look_up_failed: int = 0
    paused: bool = False
    awaiting_support: int = 0
    overdue: int = 0
    left: int = 0

    def __str__(self) -> str:
        text = (f"checked {self.checked}: settled {self.settled}, failed {self.failed}, "
                f"still unknown {self.still_unknown} (look-up failed {self.look_up_failed}"
                f"{', paused' if self.paused else ''}); awaiting support {self.awaiting_support}, "
                f"overdue {self.overdue}, left {self.left}")
        return text


@dataclass
class SweepReport:
    """What one sweep did: the totals, and each provider's figures."""

    checked: int = 0
    settled: int = 0
    failed: int = 0
    still_unknown: int = 0
    skipped: int = 0
    providers: dict[str, ProviderFigures] = field(default_factory=dict)

    def figures(self, provider: str) -> ProviderFigures:
        """``provider``'s figures (created empty)."""
        return self.providers.setdefault(provider, ProviderFigures())

    @property
    def overdue(self) -> int:
        """Unknown bookings, of every provider, whose dated next step has passed."""
        return sum(f.overdue for f in self.providers.values())

    def __str__(self) -> str:
        text = (f"checked {self.checked}: settled {self.settled}, failed {self.failed}, "
                f"still unknown {self.still_unknown}, skipped {self.skipped}")
        return "; ".join([text, *(f"{name}: {figures}" for name, figures in sorted(self.providers.items()))])


# what ``_reconcile`` found, for the sweep's figures
_SETTLED, _FAILED, _UNKNOWN, _LOOK_UP_FAILED, _NOT_ASKED = "settled", "failed", "unknown", "look-up failed", "not asked"


def reconcile(booking: Booking, now: datetime | None = None, actor: str = SYSTEM) -> Booking:
    """Settle one pending or unknown booking from the provider's copy (committed).

    Found exactly (and not linked to another booking) → the provider's status;
    not found before the provider's deadline → unknown, to be looked up again;
    not found after it → failed, with an event that says why; the provider
    cannot be asked → unchanged, with an event. A provider with no look-up call
    (``can_look_up`` false) is never asked: its booking stays unknown, never failed,
    with a dated next step for support (``bookings.next_step``).
    """
    _reconcile(booking, now or utcnow(), actor)
    return booking


def _reconcile(booking: Booking, now: datetime, actor: str) -> str:
    if Status(booking.status).settled:
        return _SETTLED
    adapter = adapter_for(booking.kind)
    if adapter is None:
        return _NOT_ASKED
    if not can_look_up(adapter):
        _keep_unknown(booking)
        return _NOT_ASKED
    try:
        found = adapter.find_remote(booking)
    except ProviderError as error:
        operations.record(booking, Action.RECONCILE, actor=actor, outcome=Outcome.UNKNOWN, provider_code=error.code,
                          message=f"look-up failed: {error.detail}")
        db.session.commit()
        _mark_checked(booking, now)
        return _LOOK_UP_FAILED
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
        outcome = _SETTLED
    else:
        deadline = adapter.settle_deadline(booking)
        if now >= deadline:
            operations.fail(booking, f"the provider has no such booking by its deadline {deadline.isoformat()}: "
                                     "it was never made", actor=actor)
            outcome = _FAILED
        else:
            # the provider answered (OK), it just does not have the booking yet
            transition(booking, Action.RECONCILE, to=Status.UNKNOWN, outcome=Outcome.OK, actor=actor,
                       message=f"not at the provider yet; looking again until {deadline.isoformat()}")
            outcome = _UNKNOWN
    db.session.commit()
    _mark_checked(booking, now)
    return outcome


def _mark_checked(booking: Booking, now: datetime) -> None:
    """Note when the provider was asked, without a new version: a form open on the booking (the admin's
    "settle by hand") stays valid, and ``updated_at`` keeps meaning "last changed"."""
    db.session.execute(update(Booking).where(Booking.id == booking.id)
                       .values(last_checked_at=now, updated_at=Booking.updated_at)
                       .execution_options(synchronize_session=False))
    db.session.commit()


def _keep_unknown(booking: Booking) -> Booking:
    """A booking of a provider that cannot be asked: pending becomes unknown (once), and it stays so."""
    if booking.status == Status.PENDING:
        transition(booking, Action.RECONCILE, to=Status.UNKNOWN, outcome=Outcome.UNKNOWN,
                   message="the provider has no look-up call: kept unknown with what was sent, for support")
        db.session.commit()
    elif booking.next_step_at is None:  # unknown from before dated next steps existed (migration 0016)
        next_step.date_next_step(booking)
        db.session.commit()
    return booking


def _unsettled_now(now: datetime):
    """Unknown bookings, and pending ones older than ``PENDING_GRACE`` (a live call is settled within it)."""
    return or_(Booking.status == Status.UNKNOWN,
               (Booking.status == Status.PENDING) & (Booking.created_at < now - PENDING_GRACE))


def unsettled(now: datetime, limit: int = LIST_LIMIT) -> list[Booking]:
    """Unknown bookings, and pending ones older than ``PENDING_GRACE``, oldest first (for support's list)."""
    return list(db.session.scalars(select(Booking).where(_unsettled_now(now)).order_by(Booking.created_at)
                                   .limit(limit)))


def _batch(provider: str, kind: str, now: datetime, limit: int) -> list[int]:
    """One provider's (and kind's) unsettled bookings, never checked first, then least recently checked."""
    return list(db.session.scalars(
        select(Booking.id).where(_unsettled_now(now), Booking.provider == provider, Booking.kind == kind)
        .order_by(Booking.last_checked_at.is_not(None), Booking.last_checked_at, Booking.created_at)
        .limit(limit)))


def sweep(now: datetime | None = None, batch: int = SWEEP_BATCH) -> SweepReport:
    """Reconcile each provider's least recently checked unsettled bookings once; safe to run concurrently.

    Args:
        batch: how many bookings of each provider to look up at most.

    Returns:
        Counts of what happened, in all and per provider, for the log, the CLI and the admins.
    """
    now = now or utcnow()
    started = utcnow()
    report = SweepReport()
    groups = db.session.execute(select(Booking.provider, Booking.kind).where(_unsettled_now(now)).distinct()).all()
    for provider, kind in sorted(groups):
        _sweep_provider(report, provider, kind, now, batch)
    _count_waiting(report, now)
    db.session.commit()
    _keep_record(report, started)
    log.info("reconciliation sweep: %s", report)
    if report.overdue:
        log.warning("reconciliation sweep: %d unknown booking(s) past their dated next step (support: "
                    "`flask --app app bookings unknown`, /admin/attention)", report.overdue)
    return report


def _sweep_provider(report: SweepReport, provider: str, kind: str, now: datetime, batch: int) -> None:
    figures = report.figures(provider)
    adapter = adapter_for(kind)
    if adapter is not None and not can_look_up(adapter):
        # never asked, so never looked up in a loop: pending ones become unknown (dated) once
        ids = list(db.session.scalars(select(Booking.id).where(
            _unsettled_now(now), Booking.provider == provider, Booking.kind == kind,
            (Booking.status == Status.PENDING) | Booking.next_step_at.is_(None)).limit(batch)))
        for booking_id in ids:
            booking = db.session.get(Booking, booking_id)
            if booking is not None and not Status(booking.status).settled:
                try:
                    _keep_unknown(booking)
                except (StaleDataError, IntegrityError):
                    db.session.rollback()
        return
    failures_in_a_row = 0
    for booking_id in _batch(provider, kind, now, batch):
        booking = db.session.get(Booking, booking_id)
        if booking is None or Status(booking.status).settled:
            report.skipped += 1
            continue
        figures.checked += 1
        report.checked += 1
        try:
            outcome = _reconcile(booking, now, SYSTEM)
        except (StaleDataError, IntegrityError):
            db.session.rollback()  # another sweeper settled it first
            report.skipped += 1
            continue
        status = Status(booking.status)
        if status == Status.FAILED:
            figures.failed += 1
            report.failed += 1
        elif status.settled:
            figures.settled += 1
            report.settled += 1
        else:
            figures.still_unknown += 1
            report.still_unknown += 1
        if outcome == _LOOK_UP_FAILED:
            figures.look_up_failed += 1
            failures_in_a_row += 1
            if failures_in_a_row >= FAILURES_BEFORE_PAUSE:
                figures.paused = True  # the provider is not answering: the others get their turn now
                log.warning("reconciliation sweep: %s did not answer %d look-ups in a row; the rest waits for "
                            "the next sweep", provider, failures_in_a_row)
                break
        else:
            failures_in_a_row = 0


def _count_waiting(report: SweepReport, now: datetime) -> None:
    """Awaiting support, overdue and left, per provider, after the sweep."""
    rows = db.session.execute(
        select(Booking.provider, Booking.kind, Booking.next_step_at, Booking.last_checked_at)
        .where(_unsettled_now(now))).all()
    for provider, kind, next_step_at, last_checked_at in rows:
        figures = report.figures(provider)
        adapter = adapter_for(kind)
        if adapter is not None and not can_look_up(adapter):
            figures.awaiting_support += 1
            report.still_unknown += 1
        elif last_checked_at is None or last_checked_at < now:
            figures.left += 1
        if next_step_at is not None and next_step_at < now:
            figures.overdue += 1


def _keep_record(report: SweepReport, started: datetime) -> None:
    """Keep the sweep's figures for the admins (the last ``KEEP_RECORDS``)."""
    db.session.add(SweepRecord(started_at=started, finished_at=utcnow(),
                               figures={name: asdict(figures) for name, figures in report.providers.items()}))
    old = select(SweepRecord.id).order_by(SweepRecord.id.desc()).offset(KEEP_RECORDS)
    db.session.execute(delete(SweepRecord).where(SweepRecord.id.in_(old.scalar_subquery()))
                       .execution_options(synchronize_session=False))
    db.session.commit()


def last_sweep() -> SweepRecord | None:
    """The most recent sweep's record, or None before the first sweep."""
    return db.session.scalar(select(SweepRecord).order_by(SweepRecord.id.desc()).limit(1))

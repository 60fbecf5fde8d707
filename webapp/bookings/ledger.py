"""Money as a ledger: each booking's charges and refunds, paid now or at the provider's counter.

The booking's columns say what the booking *should* cost as it stands:

* ``amount`` — its price as booked, extended, changed or stopped (what a stay or a rental costs);
* ``amount_at_counter`` — the part of ``amount`` paid to the provider on the spot (a rent-car
  company's counter), not through us;
* ``cancellation_fee`` — what a cancelled booking still costs (247Parking keeps part of it).

The ledger (``LedgerEntry``) is what *was* charged and refunded, in order: whenever a commit
changes what the booking should cost, ``post_differences`` appends one entry per settlement
(paid now, at the counter) for the difference, with the reason taken from the booking's newest
event. So a feature only keeps the booking's columns true (as it did before the ledger),
and a change posts its difference, a cancellation its refund — nobody writes an entry by hand,
and nothing else says what was paid: pages, receipts, the CSV and the monthly totals all read
``summary`` (or the same sums in SQL).

What a booking should cost, by status:

==========================  =======================================================
pending, unknown, failed    nothing (the provider has not confirmed; a failure costs nothing)
active, reserved, completed ``amount``: ``amount_at_counter`` at the counter, the rest paid now
cancelled                   ``cancellation_fee`` (or nothing), paid now; nothing at the counter
==========================  =======================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import Session

from webapp.bookings.models import (
    AT_COUNTER,
    PAID_NOW,
    Booking,
    BookingEvent,
    LedgerEntry,
    Outcome,
    Status,
    event_label,
)
from webapp.core.money import amount as to_amount

SETTLEMENTS = (PAID_NOW, AT_COUNTER)
#: statuses in which a booking costs its ``amount``
CHARGED = (Status.ACTIVE, Status.RESERVED, Status.COMPLETED)


@dataclass(frozen=True)
class MoneySummary:
    """What a booking has cost, from its ledger, in its currency.

    Attributes:
        charged: what was charged through us, before refunds.
        refunded: what we gave back, as a positive amount (a counter part no longer due is no refund:
            nothing was paid yet).
        paid_now: net of what went through us.
        at_counter: net of what is paid to the provider on the spot.
        total: net of both: what the booking cost the driver in all.
        entries: the ledger's entries, oldest first.
    """

    currency: str
    charged: Decimal
    refunded: Decimal
    paid_now: Decimal
    at_counter: Decimal
    entries: tuple[LedgerEntry, ...] = ()

    @property
    def total(self) -> Decimal:
        return self.paid_now + self.at_counter

    @property
    def has_refund(self) -> bool:
        return self.refunded > 0

    @property
    def uses_counter(self) -> bool:
        """Whether any of the money was ever due at the counter (the page then says what is due there)."""
        return any(entry.settlement == AT_COUNTER for entry in self.entries)


def summary(booking: Booking) -> MoneySummary:
    """The booking's money from its ledger (loaded with the booking: use ``selectinload(Booking.ledger)``
    where a page lists many)."""
    entries = tuple(booking.ledger)
    zero = to_amount(0, booking.currency)
    by_settlement = {settlement: sum((e.amount for e in entries if e.settlement == settlement), zero)
                     for settlement in SETTLEMENTS}
    return MoneySummary(
        currency=booking.currency,
        charged=sum((e.amount for e in entries if e.settlement == PAID_NOW and e.amount > 0), zero),
        refunded=-sum((e.amount for e in entries if e.settlement == PAID_NOW and e.amount < 0), zero),
        paid_now=by_settlement[PAID_NOW], at_counter=by_settlement[AT_COUNTER], entries=entries,
    )


#: reasons that are no booking event's action
_OWN_REASONS = {"opening": _l("Balance when payments were first recorded"), "adjusted": _l("Adjusted")}


def entry_label(entry: LedgerEntry) -> str:
    """What moved the money, in the page's language: the label of the event the entry was posted for."""
    own = _OWN_REASONS.get(entry.reason)
    return str(own) if own is not None else event_label(entry.reason, Outcome.OK)


def owed(booking: Booking) -> dict[str, Decimal]:
    """What the booking should cost as it stands, per settlement (see the table in the module docstring)."""
    zero = to_amount(0, booking.currency)
    status = Status(booking.status) if booking.status is not None else Status.PENDING
    if status in CHARGED and booking.amount is not None:
        total = to_amount(booking.amount, booking.currency)
        counter = min(total, to_amount(booking.amount_at_counter or 0, booking.currency))
        return {PAID_NOW: total - counter, AT_COUNTER: counter}
    if status == Status.CANCELLED and booking.cancellation_fee:
        return {PAID_NOW: to_amount(booking.cancellation_fee, booking.currency), AT_COUNTER: zero}
    return {PAID_NOW: zero, AT_COUNTER: zero}


def _posted(session: Session, booking: Booking) -> dict[str, Decimal]:
    """The ledger's net per settlement, entries of this session included (flushed or not)."""
    sums = {settlement: Decimal(0) for settlement in SETTLEMENTS}
    if booking.id is not None and inspect(booking).has_identity:
        rows = session.execute(select(LedgerEntry.settlement, func.sum(LedgerEntry.amount))
                               .where(LedgerEntry.booking_id == booking.id).group_by(LedgerEntry.settlement)
                               .execution_options(autoflush=False))
        for settlement, total in rows:
            sums[settlement] += Decimal(total or 0)
    for entry in session.new:
        if isinstance(entry, LedgerEntry) and entry.booking is booking:
            sums[entry.settlement] += entry.amount
    return sums


def _reason(session: Session, booking: Booking) -> str:
    """The action of the booking's newest event, flushed or not ("adjusted" when it has none)."""
    actions = [e.action for e in session.new if isinstance(e, BookingEvent) and e.booking is booking]
    if actions:
        return str(actions[-1])
    if booking.id is not None:
        latest = session.scalar(select(BookingEvent.action).where(BookingEvent.booking_id == booking.id)
                                .order_by(BookingEvent.id.desc()).limit(1).execution_options(autoflush=False))
        if latest:
            return str(latest)
    return "adjusted"


def post_differences(session: Session, booking: Booking) -> list[LedgerEntry]:
    """Append the entries that bring ``booking``'s ledger to what it should cost now.

    Called at every commit for the bookings whose cost changed (below); idempotent.
    """
    posted = _posted(session, booking)
    added = []
    for settlement, target in owed(booking).items():
        difference = to_amount(target - posted[settlement], booking.currency)
        if difference:
            entry = LedgerEntry(booking=booking, settlement=settlement, amount=difference,
                                currency=booking.currency, reason=_reason(session, booking)[:40])
            session.add(entry)
            added.append(entry)
    return added


_MONEY_COLUMNS = ("status", "amount", "amount_at_counter", "cancellation_fee", "currency")
_TOUCHED = "ledger_touched_bookings"


@event.listens_for(Session, "before_flush")
def _note_money_changes(session: Session, flush_context, instances) -> None:
    """Remember each booking whose cost a flush changes (a flush may come before the use case has
    recorded the event that explains it: an autoflush while it works)."""
    for booking in list(session.new) + list(session.dirty):
        if not isinstance(booking, Booking):
            continue
        state = inspect(booking)
        if state.pending or any(state.attrs[name].history.has_changes() for name in _MONEY_COLUMNS):
            session.info.setdefault(_TOUCHED, []).append(booking)


@event.listens_for(Session, "before_commit")
def _post_money_changes(session: Session) -> None:
    """At commit, post what each changed booking's ledger lacks, with the reason its newest event gives."""
    session.flush()  # the changes not flushed yet are noted too
    touched = session.info.pop(_TOUCHED, [])
    seen: set[int] = set()
    for booking in touched:
        if id(booking) in seen or booking not in session:
            continue
        seen.add(id(booking))
        post_differences(session, booking)


@event.listens_for(Session, "after_rollback")
def _forget_money_changes(session: Session) -> None:
    session.info.pop(_TOUCHED, None)

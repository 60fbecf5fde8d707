"""The booking state machine: one table of allowed moves and the one writer of status and events.

    pending ──► active | reserved ──► completed
       │            ▲   │                 ▲
       ├──► unknown ┘   └──► cancelled    │
       │       └──────────────────────────┘ (a payment whose reply was lost, found paid)
       └──► failed (also from unknown: the provider's deadline passed with nothing there)

Nothing else assigns ``Booking.status``: every change goes through
``transition``, which appends the ``BookingEvent`` that explains it, so the
history and the status can never disagree.
"""

from __future__ import annotations

from webapp.bookings.models import Action, Booking, BookingEvent, Outcome, Status
from webapp.extensions import db

SYSTEM = "system"

#: status -> the statuses it may move to (a move to the same status is always allowed: an event only)
ALLOWED: dict[Status, frozenset[Status]] = {
    Status.PENDING: frozenset({Status.ACTIVE, Status.RESERVED, Status.UNKNOWN, Status.FAILED}),
    # unknown -> completed: a booking that *is* a payment (APDS flow 4, paying a session the operator
    # opened) has nothing left to run once the provider is found to hold it, so the look-up settles it there
    Status.UNKNOWN: frozenset({Status.ACTIVE, Status.RESERVED, Status.COMPLETED, Status.FAILED}),
    Status.RESERVED: frozenset({Status.ACTIVE, Status.COMPLETED, Status.CANCELLED}),
    Status.ACTIVE: frozenset({Status.COMPLETED, Status.CANCELLED}),
    Status.COMPLETED: frozenset(),
    Status.CANCELLED: frozenset(),
    Status.FAILED: frozenset(),
}


class IllegalTransitionError(RuntimeError):
    """A use case tried a move the lifecycle does not allow: a bug, never the user's input."""


def can_move(current: Status, target: Status) -> bool:
    """Whether ``current`` may become ``target``."""
    return target == current or target in ALLOWED[current]


def transition(booking: Booking, action: Action, *, to: Status | None = None, actor: str = SYSTEM,
               outcome: Outcome = Outcome.OK, provider_code: str | None = None, message: str = "",
               payload: dict | None = None) -> BookingEvent:
    """Record ``action`` on ``booking`` and, when ``to`` is given, move its status there.

    Flushed with the session, never committed here: the use case owns the transaction.

    Args:
        to: the new status, or None for an event that changes no status.
        actor: ``"user:12"``, ``"admin:3"`` or ``"system"``.
        outcome: how the provider call or look-up ended.
        provider_code: the provider's own code, for support (never shown to drivers).
        message: technical detail for the log and admins.

    Raises:
        IllegalTransitionError: ``to`` is not allowed from the current status.
    """
    current = Status(booking.status) if booking.status is not None else Status.PENDING
    if to is not None:
        if not can_move(current, to):
            raise IllegalTransitionError(f"{booking.public_ref}: {current} -> {to} by {action}")
        booking.status = to
        if to == Status.UNKNOWN:
            # no booking stays "checking" without a date on it (bookings.next_step)
            from webapp.bookings.next_step import date_next_step

            date_next_step(booking)
    event = BookingEvent(booking=booking, actor=actor[:40], action=Action(action), outcome=Outcome(outcome),
                         status_after=booking.status, provider_code=provider_code, message=message[:2000],
                         payload=payload)
    db.session.add(event)
    return event

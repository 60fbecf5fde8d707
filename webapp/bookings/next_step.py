"""An unknown booking's dated next step: what we know, what happens next, and by when.

A booking whose provider answer was lost is *unknown*. No such booking stays "checking" without
a date: the moment it becomes unknown (``lifecycle.transition``) it gets ``next_step_at``:

- for a provider we can ask (``can_look_up``), the provider's own deadline
  (``settle_deadline``): by then the sweep has found it, or failed it because it is not there;
- for a provider we cannot ask (247Parking, seed 004 has no look-up call), the date by which
  our support team settles it against the provider's confirmation list (``support_deadline``
  of the adapter, else ``SUPPORT_TIME`` after it was made).

``explain`` gives the driver's page the three sentences; the sweep counts the bookings whose
date has passed (``overdue``), and the admins' "Needs attention" page lists them first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l

from webapp.bookings.adapter import can_look_up
from webapp.bookings.models import Booking, Status
from webapp.bookings.registry import adapter_for, booking_kinds
from webapp.core.clock import utcnow

#: how long support takes at most to settle a booking no provider call can look up
SUPPORT_TIME = timedelta(hours=24)


def due_by(booking: Booking, now: datetime | None = None) -> datetime:
    """By when ``booking``'s fate is known (see the module docstring)."""
    made = booking.created_at or now or utcnow()
    adapter = adapter_for(booking.kind)
    if adapter is not None and can_look_up(adapter):
        return adapter.settle_deadline(booking)
    support_deadline = getattr(adapter, "support_deadline", None)
    if support_deadline is not None:
        return support_deadline(booking)
    return made + SUPPORT_TIME


def date_next_step(booking: Booking, now: datetime | None = None) -> None:
    """Give an unknown booking its dated next step, once (flushed with the caller's transaction)."""
    if booking.next_step_at is None:
        booking.next_step_at = due_by(booking, now)


def awaits_support(booking: Booking) -> bool:
    """Whether only our support team can settle ``booking`` (its provider cannot be asked)."""
    return kind_awaits_support(booking.kind)


def kind_awaits_support(kind: str) -> bool:
    """Whether bookings of ``kind`` can be settled only by support (no look-up call)."""
    adapter = adapter_for(kind)
    return adapter is not None and not can_look_up(adapter)


@dataclass(frozen=True)
class NextStep:
    """What the driver's page says of an unknown booking.

    Attributes:
        known: what we know.
        next: what happens next.
        by: the date by which the driver hears (aware UTC).
        overdue: the date has passed and the booking is still unknown.
        do_not_rebook: booking again could book twice (the provider may hold the first one).
    """

    known: str
    next: str
    by: datetime
    overdue: bool
    do_not_rebook: bool = True


def explain(booking: Booking, now: datetime | None = None) -> NextStep | None:
    """The dated next step of an unknown (or pending) booking, in the page's language; None once settled."""
    if Status(booking.status).settled:
        return None
    now = now or utcnow()
    by = booking.next_step_at or due_by(booking, now)
    entry = booking_kinds().get(booking.kind)
    provider = entry.feature if entry is not None else booking.provider
    name = str(PROVIDER_NAMES.get(provider, PROVIDER_NAMES.get(booking.provider, booking.provider)))
    known = str(_l("We sent your booking to %(provider)s, which did not answer, so we do not know yet whether "
                   "it was made. Nothing is charged for a booking that was not made.", provider=name))
    if awaits_support(booking):
        step = str(_l("%(provider)s has no way for us to ask about a booking, so our support team checks it "
                      "against %(provider)s's own list and settles it by the date below. You will see the answer "
                      "on this page.", provider=name))
    else:
        step = str(_l("We ask %(provider)s again every minute. If it is there, this page shows it; if it is "
                      "still not there by the date below, it was not made and is marked failed.", provider=name))
    return NextStep(known=known, next=step, by=by, overdue=now > by)


#: the providers' names as a driver knows them (the registry holds the feature's short name)
PROVIDER_NAMES = {
    "helsinki": _l("the City of Helsinki"), "apds": _l("the car park"), "rentcar": _l("the rent-car company"),
    "valet": "247Parking", "parking247": "247Parking", "parkkihubi": _l("the City of Helsinki"),
}

"""Support settles, in bulk, the bookings no provider call can look up — against the provider's own list.

247Parking has no look-up call (seed 004): a create whose reply was lost stays unknown, with exactly
what was sent, until someone asks 247Parking. Asking one booking at a time (the admin's "settle by
hand") does not scale to an outage of a few hundred. 247Parking's partner account lists the partner's
reservations (its confirmation mails say the same): each carries its ``reserveringsnummer`` and our
reference, which goes first in ``referentienummer``. ``settle_from_list`` takes that list:

- a row naming one of our unknown bookings settles it as reserved with the provider's number
  (or reserved then cancelled, for a row whose status says it was cancelled there);
- with ``complete_until`` — "the list holds every reservation made up to this moment" — each unknown
  booking of that provider made before it and absent from the list is failed: it was never made;
- anything else (a reference that is not ours, a booking already settled, a number linked to another
  booking) is reported, never forced.

Every booking it settles goes through the admin's own ``settle_by_admin`` (version-checked, audited).
The admin page ``/admin/support`` and ``flask --app app bookings settle-list FILE`` both call it.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from webapp.bookings import admin, next_step
from webapp.bookings.history import get_booking_for_admin
from webapp.bookings.lifecycle import transition
from webapp.bookings.models import Action, Booking, Status
from webapp.core.errors import ConflictError, NotFoundError, ValidationError
from webapp.extensions import db

#: our references (``operations.new_public_ref``): two letters, a dash, six of the unambiguous alphabet
OUR_REFERENCE = re.compile(r"\b([A-Z]{2}-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{6})\b")
#: column names read from a list's header (lower case): ours, the provider's number, the status
OURS = ("referentienummer", "reference", "our_reference", "ref")
THEIRS = ("reserveringsnummer", "provider_reference", "reservation_number", "resnr", "number")
STATUS = ("status",)
CANCELLED_WORDS = ("canceled", "cancelled", "geannuleerd", "geannuleerd door klant")
MAX_ROWS = 20_000


@dataclass(frozen=True)
class ListedReservation:
    """One row of the provider's list: our reference, the provider's number, cancelled there or not."""

    reference: str
    provider_ref: str
    cancelled: bool = False


@dataclass
class SettleReport:
    """What ``settle_from_list`` did, row by row where a row could not be used."""

    reserved: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    already_settled: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (f"reserved {len(self.reserved)}, cancelled {len(self.cancelled)}, failed (not in the list) "
                f"{len(self.failed)}, already settled {len(self.already_settled)}, problems {len(self.problems)}")


def parse_list(text: str) -> list[ListedReservation]:
    """Read the provider's list: CSV (``,`` or ``;``) with a header naming the columns, or two columns
    (our reference, the provider's number) without one.

    Raises:
        ValidationError: nothing in it names one of our references next to a provider number.
    """
    text = (text or "").lstrip("\ufeff")
    if not text.strip():
        raise ValidationError({"listing": str(_l("Paste the provider's list, or choose its file."))})
    dialect = csv.excel
    with contextlib.suppress(csv.Error):  # one column, or one row: the default dialect reads it
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    rows = [row for row in csv.reader(io.StringIO(text), dialect) if any(cell.strip() for cell in row)]
    if len(rows) > MAX_ROWS:
        raise ValidationError({"listing": str(_l("The list is too long: at most %(count)s rows.", count=MAX_ROWS))})
    header = [cell.strip().lower() for cell in rows[0]] if rows else []
    ours, theirs, status = _column(header, OURS), _column(header, THEIRS), _column(header, STATUS)
    if ours is not None and theirs is not None:
        rows = rows[1:]
    else:
        ours, theirs, status = 0, 1, None
    found = []
    for row in rows:
        if len(row) <= max(ours, theirs):
            continue
        match = OUR_REFERENCE.search(row[ours].upper())
        number = row[theirs].strip()
        if match and number:
            cancelled = status is not None and len(row) > status and row[status].strip().lower() in CANCELLED_WORDS
            found.append(ListedReservation(match.group(1), number[:80], cancelled))
    if not found:
        raise ValidationError({"listing": str(_l("No row of the list names one of our references and the "
                                                 "provider's reservation number."))})
    return found


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    return next((index for index, cell in enumerate(header) if cell in names), None)


def settle_from_list(admin_id: int, provider: str, listed: list[ListedReservation],
                     complete_until: datetime | None = None, ip: str = "") -> SettleReport:
    """Settle ``provider``'s unknown bookings from its own list of reservations (each committed, audited).

    Args:
        provider: the provider whose list it is (``Booking.provider``, e.g. ``parking247``).
        listed: the list's rows (``parse_list``).
        complete_until: the list holds every reservation made up to this instant: an unknown booking
            of ``provider`` made before it and absent from the list was never made (failed).

    Returns:
        What was settled, and every row that could not be used, with why.
    """
    report = SettleReport()
    in_list = set()
    for row in listed:
        in_list.add(row.reference)
        try:
            booking = get_booking_for_admin(row.reference)
        except NotFoundError:
            report.problems.append(f"{row.reference}: not one of our bookings")
            continue
        if booking.provider != provider:
            report.problems.append(f"{row.reference}: a {booking.provider} booking, not {provider}")
            continue
        if Status(booking.status).settled:
            if booking.provider_ref == row.provider_ref:
                report.already_settled.append(row.reference)
            else:
                report.problems.append(f"{row.reference}: already {booking.status.value} "
                                       f"({booking.provider_ref or 'no provider reference'}), the list says "
                                       f"{row.provider_ref}")
            continue
        note = f"in {provider}'s list as {row.provider_ref}"
        try:
            booking = admin.settle_by_admin(admin_id, booking.public_ref, Status.RESERVED.value, row.provider_ref,
                                            note, booking.version, ip)
        except (ValidationError, ConflictError) as error:
            db.session.rollback()
            report.problems.append(f"{row.reference}: {error.message}")
            continue
        if row.cancelled:
            transition(booking, Action.CANCELLED, to=Status.CANCELLED, actor=f"admin:{admin_id}",
                       message=f"cancelled at {provider}, as its list says")
            db.session.commit()
            report.cancelled.append(row.reference)
        else:
            report.reserved.append(row.reference)
    if complete_until is not None:
        _fail_the_absent(admin_id, provider, in_list, complete_until, ip, report)
    return report


def _fail_the_absent(admin_id: int, provider: str, in_list: set[str], complete_until: datetime, ip: str,
                     report: SettleReport) -> None:
    absent = db.session.scalars(select(Booking).where(
        Booking.provider == provider, Booking.status.in_((Status.UNKNOWN, Status.PENDING)),
        Booking.created_at <= complete_until).order_by(Booking.created_at))
    for booking in list(absent):
        if booking.public_ref in in_list:
            continue
        note = (f"not in {provider}'s list of every reservation made up to {complete_until.isoformat()}: "
                "it was never made")
        try:
            admin.settle_by_admin(admin_id, booking.public_ref, Status.FAILED.value, "", note, booking.version, ip)
        except (ValidationError, ConflictError) as error:
            db.session.rollback()
            report.problems.append(f"{booking.public_ref}: {error.message}")
            continue
        report.failed.append(booking.public_ref)


@dataclass(frozen=True)
class Waiting:
    """One provider's bookings only support can settle: how many, the earliest date promised, how many late."""

    provider: str
    count: int
    earliest: datetime | None
    overdue: int


def awaiting_support(now: datetime) -> list[Waiting]:
    """Per provider that cannot be looked up: its unknown bookings and their dated next steps."""
    rows = db.session.execute(select(Booking.provider, Booking.kind, Booking.next_step_at).where(
        Booking.status.in_((Status.UNKNOWN, Status.PENDING)))).all()
    grouped: dict[str, list[datetime | None]] = {}
    for provider, kind, next_step_at in rows:
        if next_step.kind_awaits_support(kind):
            grouped.setdefault(provider, []).append(next_step_at)
    return [Waiting(provider, len(dates), min((d for d in dates if d), default=None),
                    sum(1 for d in dates if d is not None and d < now)) for provider, dates in sorted(grouped.items())]

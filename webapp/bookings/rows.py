"""What each row of a list of bookings says (the history, the admin's search, needs attention), written in
Python once per page.

A row is a title, a reference, a period, a status and what it cost: as a template macro it made ten calls per
row into Jinja, each of which looked the page's locale up again — a quarter of the history page at 25 rows
(issue 18, ``bench/pages.py``). Here the locale, the zone and each status word are looked up once per page;
the template only places the texts (and escapes them: a title is the provider's text).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from webapp.bookings import ledger
from webapp.bookings.models import Booking, Status
from webapp.bookings.registry import booking_title, status_now
from webapp.core.clock import PROVIDER_ZONES, utcnow
from webapp.web.locale import page_formats

#: the marker a list's link pattern has where each row's reference goes (``url_for(..., ref=REF_MARKER)``)
REF_MARKER = "REF-MARKER"


@dataclass(frozen=True, slots=True)
class ListedRow:
    """One booking as a list shows it: every text already in the page's language.

    Attributes:
        period: start – end in the place's zone ("" without a start).
        status: the status as it is now (``registry.status_now``), for the badge's class.
        total: what it cost in all, from the ledger ("" when the ledger has no entry).
        refunded: what was refunded ("" when nothing was).
        at_counter: the part paid at the rent company's counter ("" when none).
    """

    href: str
    title: str
    reference: str
    plate: str
    period: str
    status: Status
    status_text: str
    total: str
    refunded: str
    at_counter: str


def listed_rows(bookings: Iterable[Booking], href_pattern: str, language: str,
                now: datetime | None = None) -> list[ListedRow]:
    """The rows of ``bookings`` for a page in ``language``.

    Args:
        href_pattern: each row's link, with ``REF_MARKER`` where its reference goes (a reference is
            letters, digits and a dash, so it needs no quoting).
        now: the moment whose status is shown (a running parking past its end is completed by then).
    """
    formats = page_formats()
    now = now or utcnow()
    status_words: dict[Status, str] = {}
    rows = []
    for booking in bookings:
        zone = PROVIDER_ZONES.get(booking.provider, formats.zone)
        period = ""
        if booking.starts_at is not None:
            period = formats.when(booking.starts_at, zone)
            if booking.ends_at is not None:
                period = f"{period} – {formats.when(booking.ends_at, zone)}"
        status = status_now(booking, now)
        if status not in status_words:
            status_words[status] = status.label
        pay = ledger.summary(booking)
        total = refunded = at_counter = ""
        if pay.entries:
            total = formats.money(pay.total, pay.currency)
            if pay.has_refund:
                refunded = formats.money(pay.refunded, pay.currency)
            if pay.at_counter:
                at_counter = formats.money(pay.at_counter, pay.currency)
        rows.append(ListedRow(
            href=href_pattern.replace(REF_MARKER, booking.public_ref), title=booking_title(booking, language),
            reference=booking.public_ref, plate=booking.plate or "", period=period, status=status,
            status_text=status_words[status], total=total, refunded=refunded, at_counter=at_counter))
    return rows

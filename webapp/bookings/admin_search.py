"""The admin's booking search: by our reference or the provider's, a plate, an e-mail address, a phone
number or a driver's name (partial), with filters, sorts and pages.

What an admin types is normalised as the booking core stores it (``plate_key``, ``email_lower``,
``phone_tail``), so "abc 12" finds ABC-123 and a phone matches in any formatting. PostgreSQL matches
anywhere through trigram indexes; SQLite answers from the indexes of beginnings first and says so
(``Page.starts_with_only``). ``admin.find_bookings`` is the audited entry point.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

import phonenumbers
from flask_babel import lazy_gettext as _l
from sqlalchemy import asc, desc, func, or_, select, union

from webapp.accounts.models import User
from webapp.bookings.history import listing_options
from webapp.bookings.models import PHONE_TAIL_DIGITS, Booking, Status, email_lower, plate_key
from webapp.core.errors import ValidationError
from webapp.extensions import db

#: the search counts its matches up to this many; past it the page says "more than 1,000 bookings"
COUNT_UP_TO = 1000
#: results per page (the audit log's pages too)
PAGE_SIZE = 25
#: up to this many text matches are listed by id for the count and the page (see _matching_ids)
MATCHES_LISTED = 1000
#: sort keys an admin may choose -> (column, direction)
SORTS = {
    "newest": (Booking.created_at, desc), "oldest": (Booking.created_at, asc),
    "starts": (Booking.starts_at, desc), "amount": (Booking.amount, desc),
}


@dataclass(frozen=True)
class SearchFilters:
    """The admin search box and its filters (all optional)."""

    query: str = ""
    provider: str = ""
    kind: str = ""
    status: str = ""
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "newest"
    #: match the text anywhere in plates, addresses and names even on SQLite (see ``_matching_ids``)
    anywhere: bool = False
    #: the zone the dates are meant in (the page's), so "made on the 27th" means the admin's 27th
    zone: tzinfo = UTC


@dataclass(frozen=True)
class Page:
    """One page of results."""

    rows: list[Booking]
    page: int
    pages: int
    total: int
    #: more than ``total`` match (``COUNT_UP_TO``): the page says "more than" and offers Next while rows follow
    more: bool = False
    #: only bookings whose plate, address or phone *starts with* the text were looked for (SQLite's first
    #: pass); the page says so and offers the search anywhere
    starts_with_only: bool = False


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _contains(column, text: str):
    return column.like(f"%{_like_escape(text)}%", escape="\\")


def _starts_with(column, prefix: str):
    """``column`` starts with ``prefix``, as a range a plain b-tree index answers on any database.

    SQLite's LIKE is case-insensitive, so it never uses a (case-sensitive) index: ``LIKE 'ABC%'``
    scans. The stored search columns are already folded (``plate_key`` upper-case, ``email_lower``
    lower-case), so the range ``prefix <= column < prefix + U+10FFFF`` finds the same rows from the
    index (U+10FFFF sorts after every character in SQLite's byte-wise order).
    """
    return (column >= prefix) & (column < prefix + "\U0010ffff")


def _text_matches(text: str, prefix: bool = False):
    """Ids of the bookings the search box finds: one indexed sub-select per criterion, united.

    Each criterion compares one stored, normalised column (``plate_key``, ``email_lower``,
    ``phone_tail``, kept by the booking core) so that each has an index to use: a trigram
    GIN index on PostgreSQL answers a partial plate or e-mail from the index; a phone is an
    equality on its last eight digits, from a b-tree index on both. The union (not an OR over
    the table) is what lets each criterion use its own index (bench/admin_lookup.py).

    Args:
        prefix: plates and e-mail addresses that start with the text, as index ranges, and no
            driver's name (SQLite's first pass, see ``_matching_ids``); else anywhere in them.

    Returns:
        The union, or None for a prefix pass that cannot answer the text (the end of a phone number).
    """
    part = _starts_with if prefix else _contains
    digits = "".join(ch for ch in text if ch.isdigit())
    criteria = [Booking.public_ref == text.upper(), Booking.provider_ref == text]
    if "@" in text:  # an e-mail address, not a plate
        criteria.append(part(Booking.email_lower, email_lower(text) or ""))
    elif len(digits) >= 6 and not any(ch.isalpha() for ch in text):
        # a phone (no letters; a reference such as RE000060825 is not a phone): the last eight digits find
        # the candidates from their index ("040 123 4567", "+358 40 123 4567" alike), and the number's
        # country then tells them apart (a Korean 010-1234-5678 is not a Dutch +31 6 1234 5678)
        tail = digits[-PHONE_TAIL_DIGITS:]
        if len(tail) == PHONE_TAIL_DIGITS:
            criteria.append(Booking.id.in_(_same_phone(text, tail) or [-1]))
        elif prefix:
            return None  # six or seven digits end a phone number: no index finds that, the whole search scans
        else:
            criteria.append(Booking.phone_tail.like(f"%{tail}"))  # six or seven digits: the end of one
        # ... or the digits of a plate ("123456" is part of HP-123456 as much as of a phone number)
        criteria.append(part(Booking.plate_key, digits))
    else:
        if plate_key(text):
            criteria.append(part(Booking.plate_key, plate_key(text)))
        if len(text) >= 3:  # "newbie", "example.org": any part of an e-mail address
            criteria.append(part(Booking.email_lower, email_lower(text) or ""))
        if len(text) >= 2 and any(ch.isalpha() for ch in text) and not prefix:  # the driver's name ("Noora")
            criteria.append(Booking.user_id.in_(select(User.id).where(_contains(func.lower(User.name),
                                                                                text.lower()))))
    return union(*(select(Booking.id).where(criterion) for criterion in criteria))


#: the country a booking's phone number is written in when it has no +code: the provider's own
PHONE_REGIONS = {"helsinki": "FI", "parkkihubi": "FI", "apds": "GB", "rentcar": "KR", "parking247": "NL"}


def _phone(text: str, region: str | None):
    try:
        return phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None


def _same_phone(text: str, tail: str) -> list[int]:
    """The bookings whose contact phone is the number ``text``: candidates by their last eight digits
    (indexed), kept when the country agrees.

    A number typed with its country code (+82 10 …) must be that country's; one typed nationally
    (010 …, 040 …) matches the same national number in any country whose trunk prefix it uses. A
    stored number without a +code is read in its provider's country.
    """
    typed_international = text.strip().startswith(("+", "00"))
    typed = _phone(text, None) if typed_international else None
    national = "".join(ch for ch in text if ch.isdigit()).lstrip("0") if not typed_international else ""
    found = []
    for booking_id, phone, provider in db.session.execute(
            select(Booking.id, Booking.contact_phone, Booking.provider).where(Booking.phone_tail == tail)):
        stored = _phone(phone or "", PHONE_REGIONS.get(provider))
        if stored is None:
            found.append(booking_id)  # a number we cannot read: the last digits are all we have
        elif typed is not None:
            if (stored.country_code, stored.national_number) == (typed.country_code, typed.national_number):
                found.append(booking_id)
        elif str(stored.national_number) == national:
            found.append(booking_id)
    return found


def _matching_ids(text: str, anywhere: bool = False):
    """What ``Booking.id`` must be in for ``text``, and whether only beginnings were looked for.

    On SQLite, unless ``anywhere``, the bookings whose plate or e-mail address starts with the text come
    first: when there are any, they are the answer, and the page says that only beginnings were searched,
    with a link to search anywhere; on PostgreSQL a match anywhere is always the answer.

    The count and the page both need the matches; listing them once spares the second
    search (on SQLite, a second scan of the index). Many matches stay a sub-select.
    """
    if not anywhere and db.session.get_bind().dialect.name == "sqlite":
        # SQLite has no index for a match inside a column (PostgreSQL's trigram indexes answer it): what an
        # admin mostly types — a whole plate, its beginning, an address, a phone — is answered from the
        # indexes first, and only when nothing starts with the text, or the admin asks, is every plate,
        # address and name scanned for it (issue 18: the scan was 3-8x a trivial page at 100,000 bookings)
        matches = _text_matches(text, prefix=True)
        ids = [] if matches is None else \
            list(db.session.scalars(select(matches.subquery().c.id).limit(MATCHES_LISTED + 1)))
        if ids:
            return (ids if len(ids) <= MATCHES_LISTED else matches), True
    matches = _text_matches(text)
    ids = list(db.session.scalars(select(matches.subquery().c.id).limit(MATCHES_LISTED + 1)))
    return (ids if len(ids) <= MATCHES_LISTED else matches), False


def search_bookings(filters: SearchFilters, page: int = 1) -> Page:
    """Find bookings by our reference, the provider's, plate (partial, any spacing), email (partial) or phone.

    Args:
        filters: the search box and the filters.
        page: 1-based page number (a page past the last returns no rows).
    """
    query = select(Booking)
    text = " ".join((filters.query or "").split())[:200]
    if text and not any((filters.provider, filters.kind, filters.status, filters.date_from, filters.date_to)):
        # a reference is answered exactly through its index first, before any partial match; its ids alone,
        # since a search for anything else finds none and the rows' joined details cost PostgreSQL planning
        exact_ids = list(db.session.scalars(select(Booking.id).where(
            or_(Booking.public_ref == text.upper(), Booking.provider_ref == text)).limit(PAGE_SIZE)))
        if exact_ids:
            exact = list(db.session.scalars(select(Booking).options(*listing_options())
                                            .where(Booking.id.in_(exact_ids)).order_by(desc(Booking.id))).unique())
            return Page(rows=exact, page=1, pages=1, total=len(exact))
    starts_with_only = False
    if text:
        matching, starts_with_only = _matching_ids(text, filters.anywhere)
        query = query.where(Booking.id.in_(matching))
    if filters.provider:
        query = query.where(Booking.provider == filters.provider)
    if filters.kind:
        query = query.where(Booking.kind == filters.kind)
    if filters.status:
        try:
            query = query.where(Booking.status == Status(filters.status))
        except ValueError:
            raise ValidationError({"status": str(_l("Choose a status from the list."))}) from None
    if filters.date_from:
        query = query.where(Booking.created_at >= datetime.combine(filters.date_from, time.min, tzinfo=filters.zone))
    if filters.date_to:
        query = query.where(Booking.created_at < datetime.combine(filters.date_to + timedelta(days=1), time.min,
                                                                  tzinfo=filters.zone))
    # counted up to a bound: "status completed" counted 60,000 index entries for each page (2.9 ms at 100,000
    # bookings, bench/pages.py), and no one pages through more than a thousand bookings to find one
    counted = query.with_only_columns(Booking.id).limit(COUNT_UP_TO + 1).subquery()
    total = db.session.scalar(select(func.count()).select_from(counted)) or 0
    column, direction = SORTS.get(filters.sort, SORTS["newest"])
    page = min(max(1, page), 10**6)
    found = list(db.session.scalars(query.options(*listing_options()).order_by(direction(column), desc(Booking.id))
                                    .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).unique())
    rows, rows_follow = found[:PAGE_SIZE], len(found) > PAGE_SIZE
    if total > COUNT_UP_TO:
        # past the bound the pages are known to go on while a page has a row after it
        pages = max(math.ceil(COUNT_UP_TO / PAGE_SIZE), page + 1 if rows_follow else page)
        return Page(rows=rows, page=page, pages=pages, total=COUNT_UP_TO, more=True,
                    starts_with_only=starts_with_only)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    return Page(rows=rows, page=page, pages=pages, total=total, starts_with_only=starts_with_only)

"""The driver's own bookings: the history (filtered, split into current and past, with monthly
totals), one booking with its events, and the CSV export for expense reports."""

from __future__ import annotations

import csv
import io
import logging
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, inspect, or_, select
from sqlalchemy.orm import joinedload, selectinload

from webapp.bookings import ledger
from webapp.bookings.adapter import Place, PriceBreakdown
from webapp.bookings.models import AT_COUNTER, PAID_NOW, Booking, LedgerEntry, Status, plate_key
from webapp.bookings.registry import adapter_for, booking_seller, booking_title
from webapp.core.clock import PROVIDER_ZONES, utcnow
from webapp.core.columns import month_of
from webapp.core.errors import NotFoundError
from webapp.core.kept import kept
from webapp.core.money import amount as to_amount
from webapp.core.money import included_vat, minor_units
from webapp.extensions import db

logger = logging.getLogger(__name__)

PAGE_SIZE = 25
#: pages past this are empty anyway; the bound keeps OFFSET inside a 64-bit integer (page=4e17 was a 500)
MAX_PAGE = 1_000_000


def listing_options(ledger_loader=joinedload, detail_loader=joinedload) -> list:
    """Loader options for a list of bookings: each row's feature detail (its title) and its ledger (what it
    cost) joined into the list's own query; never a query per row, nor one per detail table (five of them
    were a third of the history's statements). The ledger makes rows repeat: read with ``.unique()``. A list
    of a thousand rows (the CSV export) reads the ledgers and the details with ``selectinload`` instead:
    joined, their rows cost more to decode than the queries they save. A detail no row shows says so
    (``info={"listed": False}`` on its relationship): each join costs PostgreSQL planning time. A detail's own
    joined relationship that names the columns a row reads (``info={"listed_columns": (...)}``) loads only
    those: a street parking's area brought its geometry, tariffs and codes, six JSON values decoded per row
    where the title reads one (issue 18, ``bench/pages.py``)."""
    details = [_detail_option(detail_loader, relationship) for relationship in inspect(Booking).relationships
               if not relationship.uselist and relationship.info.get("listed", True)]
    return [ledger_loader(Booking.ledger), *details]


def _detail_option(loader, relationship):
    option = loader(relationship)
    for nested in relationship.mapper.relationships:
        columns = nested.info.get("listed_columns")
        if columns:
            target = nested.mapper.class_
            option = option.options(joinedload(nested).load_only(*(getattr(target, name) for name in columns)))
    return option


def list_bookings(user_id: int, page: int = 1) -> tuple[list[Booking], bool]:
    """The user's bookings, newest first, one page; returns (rows, has_more)."""
    page = min(max(1, page), MAX_PAGE)
    rows = list(db.session.scalars(
        select(Booking).options(*listing_options()).where(Booking.user_id == user_id)
        .order_by(Booking.created_at.desc(), Booking.id.desc())
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
    ).unique())
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def bookings_in_status(user_id: int, statuses, kinds) -> list[Booking]:
    """``user_id``'s bookings of ``kinds`` whose stored status is one of ``statuses``, earliest start first
    (the pages the service worker keeps offline, ``webapp/web/offline.py``)."""
    return list(db.session.scalars(
        select(Booking).where(Booking.user_id == user_id, Booking.status.in_(tuple(statuses)),
                              Booking.kind.in_(tuple(kinds)))
        .order_by(Booking.starts_at, Booking.id)))


def get_booking_for_user(user_id: int, public_ref: str) -> Booking:
    """One of the user's bookings with its events.

    Raises:
        NotFoundError: no such reference, or it belongs to someone else — the
            two look the same so a reference cannot be probed.
    """
    booking = db.session.scalar(
        select(Booking).options(selectinload(Booking.events))
        .where(Booking.public_ref == (public_ref or "").upper())
    )
    if booking is None or booking.user_id != user_id:
        raise NotFoundError("no such booking")
    return booking


def get_booking_for_admin(public_ref: str) -> Booking:
    """Any booking by reference (support staff, reconciliation by hand). Raises NotFoundError."""
    booking = db.session.scalar(
        select(Booking).options(selectinload(Booking.events)).where(Booking.public_ref == (public_ref or "").upper())
    )
    if booking is None:
        raise NotFoundError("no such booking")
    return booking


#: statuses whose amount the driver pays (a failed or cancelled booking costs nothing)
PAID = (Status.ACTIVE, Status.RESERVED, Status.COMPLETED)
#: statuses of a booking that is still ahead of or with the driver
CURRENT = (Status.PENDING, Status.UNKNOWN, Status.ACTIVE, Status.RESERVED)


@dataclass(frozen=True)
class HistoryFilters:
    """What the driver narrowed the history to (all optional)."""

    kind: str = ""
    status: str = ""
    plate: str = ""
    date_from: date | None = None
    date_to: date | None = None
    query: str = ""

    @property
    def any(self) -> bool:
        return any((self.kind, self.status, self.plate, self.date_from, self.date_to, self.query))


@dataclass(frozen=True)
class MonthTotal:
    """What the driver's bookings of one month (by their start) cost, in one currency, from the ledger.

    At-the-counter money counts: the driver paid it too (to the rent company on the spot), so ``total``
    is paid now plus at the counter, after refunds, and the page shows the counter part on its own line.
    """

    month: date
    currency: str
    paid_now: Decimal
    at_counter: Decimal
    refunded: Decimal
    count: int

    @property
    def total(self) -> Decimal:
        return self.paid_now + self.at_counter


@dataclass(frozen=True)
class History:
    """One page of the driver's history."""

    current: list[Booking]
    past: list[Booking]
    page: int
    pages: int
    past_total: int
    totals: list[MonthTotal]
    #: the plates for the vehicle filter (``driver_plates``)
    plates: list[str]
    #: the state of the driver's bookings the totals and plates were read in (``history_stamp``): what is
    #: computed from them alone can be kept under it
    stamp: tuple[int, int, int] = (0, 0, 0)


def _filtered(user_id: int, filters: HistoryFilters):
    query = select(Booking).where(Booking.user_id == user_id)
    if filters.kind:
        query = query.where(Booking.kind == filters.kind)
    if filters.status:
        try:
            query = query.where(Booking.status == Status(filters.status))
        except ValueError:
            query = query.where(Booking.id.is_(None))  # an unknown status matches nothing
    if filters.plate:
        # as typed or chosen: case, spaces and dashes aside ("abc 123" is ABC-123), like the admin's search
        query = query.where(Booking.plate_key == plate_key(filters.plate))
    if filters.date_from:
        query = query.where(func.coalesce(Booking.starts_at, Booking.created_at)
                            >= datetime.combine(filters.date_from, time.min, tzinfo=UTC))
    if filters.date_to:
        query = query.where(func.coalesce(Booking.starts_at, Booking.created_at)
                            < datetime.combine(filters.date_to + timedelta(days=1), time.min, tzinfo=UTC))
    text = " ".join((filters.query or "").split())[:80]
    if text:
        query = query.where(or_(Booking.public_ref == text.upper(), Booking.provider_ref == text,
                                func.lower(Booking.title).contains(text.lower(), autoescape=True)))
    return query


def driver_history(user_id: int, filters: HistoryFilters | None = None, page: int = 1,
                   now: datetime | None = None) -> History:
    """The driver's bookings of every provider: current ones first, then the past, paged, with monthly totals.

    Args:
        filters: kind, status, vehicle, date range and a reference or title search.
        page: page of the past bookings (a page past the last returns none; the page says so).
    """
    now = now or utcnow()
    filters = filters or HistoryFilters()
    base = _filtered(user_id, filters)
    is_current = Booking.status.in_(CURRENT) & (Booking.ends_at.is_(None) | (Booking.ends_at > now))
    # both counts in one statement from the index first: most drivers have nothing current, and the query
    # that joins the current rows' details is the page's dearest to plan on PostgreSQL (bench/pages.py)
    counts = base.with_only_columns(func.count().filter(is_current), func.count().filter(~is_current))
    current_total, past_total = (n or 0 for n in db.session.execute(counts).one())
    current = list(db.session.scalars(base.options(*listing_options()).where(is_current)
                                      .order_by(Booking.starts_at, Booking.id)).unique()) if current_total else []
    past_query = base.where(~is_current)
    page = min(max(1, page), MAX_PAGE)
    newest_first = (func.coalesce(Booking.starts_at, Booking.created_at).desc(), Booking.id.desc())
    # the page's ids from the index first, then their rows with the details joined: joined to the whole
    # query, page 20 joined the 475 rows its OFFSET skips too (3 ms at 1,000 bookings, bench/pages.py)
    page_ids = (past_query.with_only_columns(Booking.id).order_by(*newest_first)
                .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE))
    past = list(db.session.scalars(select(Booking).options(*listing_options()).where(Booking.id.in_(page_ids))
                                   .order_by(*newest_first)).unique())
    # what only a change of the driver's bookings changes is kept per state of them (read before the answers:
    # answers computed after it are at least as new as what it names)
    stamp = history_stamp(user_id)
    # monthly totals cost 3.7 ms at 1,000 bookings (bench/pages.py), and the page asks for them at every visit
    totals = list(kept("history", ("totals", user_id, filters, stamp),
                       lambda: tuple(monthly_totals(user_id, filters))))
    plates = list(kept("history", ("plates", user_id, stamp), lambda: tuple(driver_plates(user_id))))
    return History(current=current, past=past, page=page, pages=max(1, math.ceil(past_total / PAGE_SIZE)),
                   past_total=past_total, totals=totals, plates=plates, stamp=stamp)


def history_stamp(user_id: int) -> tuple[int, int, int]:
    """A name for the present state of the user's bookings: how many, the sum of their versions, the newest id.

    Every ORM write of a booking raises its version (``version_id_col``), and the ledger only gets
    entries when a booking's money columns are written (``ledger.post_differences``, at that commit),
    so whatever moves a monthly total — an entry, a status, a start, a title — moves the stamp. The
    two Core updates of bookings leave it: ``last_checked_at`` and a deleted account's contact.
    """
    count, versions, newest = db.session.execute(
        select(func.count(), func.coalesce(func.sum(Booking.version), 0), func.coalesce(func.max(Booking.id), 0))
        .where(Booking.user_id == user_id)).one()
    return int(count), int(versions), int(newest)


def monthly_totals(user_id: int, filters: HistoryFilters | None = None) -> list[MonthTotal]:
    """What the driver's bookings cost per month of their start and per currency, newest month first.

    Summed in SQL from the ledger (``booking_ledger``), over the filtered bookings: what was paid
    now and at the counter, after refunds, and the refunds themselves; a month counts the bookings
    that moved money in it (a cancelled one with its fee, or with everything refunded, included).
    """
    # the filters as a condition on the joined bookings (not "id IN (the driver's bookings)": that read each
    # booking twice, once for the list of ids and once more for its month)
    chosen = _filtered(user_id, filters or HistoryFilters()).whereclause
    month = month_of(func.coalesce(Booking.starts_at, Booking.created_at)).label("month")
    now_part = func.sum(case((LedgerEntry.settlement == PAID_NOW, LedgerEntry.amount), else_=0))
    counter_part = func.sum(case((LedgerEntry.settlement == AT_COUNTER, LedgerEntry.amount), else_=0))
    refunds = func.sum(case(((LedgerEntry.settlement == PAID_NOW) & (LedgerEntry.amount < 0), -LedgerEntry.amount),
                            else_=0))
    rows = db.session.execute(
        select(month, LedgerEntry.currency, now_part, counter_part, refunds,
               func.count(func.distinct(LedgerEntry.booking_id)))
        .select_from(LedgerEntry).join(Booking, Booking.id == LedgerEntry.booking_id)
        .where(chosen)
        .group_by(month, LedgerEntry.currency)
        .order_by(month.desc(), LedgerEntry.currency.desc()))
    return [MonthTotal(date(int(key[:4]), int(key[5:7]), 1), currency, to_amount(paid_now or 0, currency),
                       to_amount(at_counter or 0, currency), to_amount(refunded or 0, currency), count)
            for key, currency, paid_now, at_counter, refunded, count in rows]


#: up to this many plates the vehicle filter is a list to choose from; a fleet's driver types the plate instead
PLATE_CHOICES_MAX = 20


def driver_plates(user_id: int, limit: int = PLATE_CHOICES_MAX + 1) -> list[str]:
    """The plates the driver has booked with (for the vehicle filter), at most ``limit`` of them: one more
    than ``PLATE_CHOICES_MAX`` tells the page to offer a field instead of a list of hundreds."""
    return list(db.session.scalars(select(Booking.plate).where(Booking.user_id == user_id, Booking.plate != "")
                                   .distinct().order_by(Booking.plate).limit(limit)))


#: a booking kind as the driver reads it (the history's filter, its rows and the CSV export)
KIND_LABELS = {"street_parking": _l("Street parking"), "apds_session": _l("Car park"), "rental": _l("Rent-car"),
               "valet": _l("Airport valet")}


def kind_label(kind: str) -> str:
    """A booking kind in the page's language (a kind no label knows is shown as it is stored)."""
    label = KIND_LABELS.get(kind)
    return str(label) if label is not None else kind


#: the export's columns, documented in README ("CSV export"): words in the driver's language, times in
#: ISO 8601 to the second with the place's offset, money in whole minor units of ``currency``
CSV_COLUMNS = ("reference", "provider_reference", "kind", "title", "vehicle", "status", "booked_at", "starts_at",
               "ends_at", "time_zone", "seller", "currency", "total_minor", "paid_now_minor", "at_counter_minor",
               "refunded_minor", "vat_rate_percent", "vat_minor")
#: UTF-8's byte-order mark: how Excel knows the file is UTF-8 (else Korean and å ä ö are mojibake)
BOM = "\ufeff"


def export_csv(user_id: int, date_from: date | None = None, date_to: date | None = None,
               language: str = "en") -> bytes:
    """The driver's bookings in a period as CSV for an expense report, one row each (``CSV_COLUMNS``).

    Kind, status and title are in ``language``; every time is ISO 8601 to the second with the offset of
    the place's zone (named in ``time_zone``); money comes from the ledger (``ledger.summary``) in whole
    minor units (EUR 4.20 is ``420``, KRW 322,600 is ``322600``), with the VAT the seller's data states.

    Returns:
        UTF-8 with a byte-order mark.
    """
    query = _filtered(user_id, HistoryFilters(date_from=date_from, date_to=date_to)) \
        .options(*listing_options(ledger_loader=selectinload, detail_loader=selectinload))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    # the few kinds and statuses in words once each, not once per row (a gettext each: 2,000 for 1,000 rows)
    kinds: dict[str, str] = {}
    statuses: dict[str, str] = {}
    for b in db.session.scalars(query.order_by(func.coalesce(Booking.starts_at, Booking.created_at), Booking.id)) \
            .unique():
        zone = PROVIDER_ZONES.get(b.provider, UTC)
        money = ledger.summary(b)
        seller = booking_seller(b, language)
        vat = included_vat(money.total, seller.vat_rate, money.currency) if seller.vat_rate is not None else None
        if b.kind not in kinds:
            kinds[b.kind] = kind_label(b.kind)
        if b.status not in statuses:
            statuses[b.status] = Status(b.status).label
        writer.writerow([
            b.public_ref, b.provider_ref or "", kinds[b.kind], _csv_text(booking_title(b, language)),
            _csv_text(b.plate), statuses[b.status], _iso(b.created_at, zone), _iso(b.starts_at, zone),
            _iso(b.ends_at, zone), str(zone), _csv_text(seller.name), money.currency,
            minor_units(money.total, money.currency), minor_units(money.paid_now, money.currency),
            minor_units(money.at_counter, money.currency), minor_units(money.refunded, money.currency),
            "" if seller.vat_rate is None else f"{(seller.vat_rate * 100).normalize():f}",
            "" if vat is None else minor_units(vat, money.currency)])
    return (BOM + out.getvalue()).encode("utf-8")


def _iso(value: datetime | None, zone) -> str:
    """``2026-10-03T12:00:00+03:00``: to the second, with the zone's offset then ("" for no time)."""
    if value is None:
        return ""
    if value.tzinfo is None:  # stored as UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone).isoformat(timespec="seconds")


def _csv_text(value: str) -> str:
    # a cell starting with = + - @ is a formula to a spreadsheet: provider text must stay text
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


@dataclass(frozen=True)
class WhereAndPrice:
    """What the booking page shows besides the booking's own columns: where, and how the price came about."""

    places: list[Place]
    price: PriceBreakdown | None


def where_and_price(booking: Booking, language: str) -> WhereAndPrice:
    """The booking's places and price breakdown, from its feature's adapter (both optional there).

    A feature that cannot say (no adapter, no hook, or its data is gone) gives nothing, and the
    page shows the booking without them; a failing hook is logged, never a failed page.
    """
    adapter = adapter_for(booking.kind)
    places: list[Place] = []
    price: PriceBreakdown | None = None
    try:
        if hasattr(adapter, "describe_place"):
            places = list(adapter.describe_place(booking, language) or [])
        if hasattr(adapter, "price_breakdown"):
            price = adapter.price_breakdown(booking, language)
    except Exception:  # a page without the map link is better than no page
        logger.exception("describing booking %s failed", booking.public_ref)
    if price is not None and not price.lines:
        price = None
    return WhereAndPrice(places=places, price=price)

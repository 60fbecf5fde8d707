"""One truth check across the app: what every page says about a booking is what the provider holds.

For every registered booking adapter (Helsinki street parking, APDS session, rent-car, 247Parking valet)
a booking is walked through its life — create, then each change the provider offers (extend, change of
dates), then stop or cancel — with time passing (time-machine). After each step the check reads what a
person reads:

* the booking page (its summary and its Payments section),
* the history row,
* the receipt page, its PDF (the text pypdf extracts) and the CSV export's row,
* the admin's booking page after "Re-check with the provider" (its facts and the re-check's words),

and compares each figure they show — status, start, end, amount, currency, VAT, refund, what is paid now
and at the counter — with the *provider's own store*, read from the sandbox's tables (never through our
client, never from our database). Figures are read from the rendered text ("€4.20", "07/12/2026, 10:40",
"refunded £3.00"), the way a person reads them, not from our models: a page that shows a wrong figure
fails the check whatever our record holds.

The truth, per provider, is only what the provider's store says:

* **Helsinki** (seed 002): the parking's start and stop (gone: cancelled, §6.8); the city keeps no price,
  so the price is the area's tariff over the city's own start–stop (§4 tariffs); no VAT in the seed.
* **APDS** (seed 003): the session's ``actualStart``/``actualEnd`` and its transactions' ``segmentValue``;
  the currency and tax terms of the place's rate tables (``applicableCurrency``, ``taxIncluded``,
  ``taxRate``).
* **rent-car** (seed 001): the reservation's ``sd``/``ed`` (KST), its fees (R요금합계) and what the driver
  pays the company directly (R직불예정금액 + R후불금액), its state (취소: cancelled, free of charge);
  Korean won; no VAT in the seed.
* **247Parking** (seed 004): the reservation's drop-off and arrival (Amsterdam), ``totaalprijs``, status
  and the refund it recorded on cancelling; the price list's currency and VAT rate.

Money over time is what the store's price did: a rise is a charge, a fall of what was paid through us is
a refund, and the part paid at the counter is never refunded (it was never paid). Each (page, figure)
pair compared is counted per provider and printed (``pytest -s``); every difference found is listed
before the test fails, so one run shows them all.
"""

from __future__ import annotations

import csv
import html as html_lib
import io
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import holidays
import pytest
import time_machine
from pypdf import PdfReader
from sqlalchemy import select

from webapp.accounts.vehicles import add_vehicle
from webapp.apds import places, sessions
from webapp.apds.sandbox.store import rates as platform_rates
from webapp.apds.sandbox.store import sessions as platform_sessions
from webapp.bookings.adapter import can_look_up
from webapp.bookings.models import Booking, Status
from webapp.bookings.registry import booking_kinds
from webapp.core.clock import AMSTERDAM, HELSINKI, LONDON, SEOUL, utcnow
from webapp.extensions import db
from webapp.helsinki import areas, parkings
from webapp.helsinki.sandbox.store import parkings as city_parkings
from webapp.parkkihubi.sandbox.store import from_micros
from webapp.rentcar import rentals
from webapp.rentcar.sandbox.store import reservations as company_reservations
from webapp.valet import reservations
from webapp.valet.pricing import ValetChoice

#: (page, figure) pairs compared, per booking kind; printed at the end of the module
COMPARED: dict[str, Counter] = defaultdict(Counter)
#: differences found, per booking kind (the tests fail on them; the summary lists them)
FOUND: dict[str, list[str]] = defaultdict(list)

SYMBOLS = {"€": "EUR", "£": "GBP", "₩": "KRW"}
NO_DIFFERENCE = "No difference: the provider agrees with our record."
CANNOT_ASK = ("This provider has no look-up call, so its copy cannot be compared from here. "
              "Ask the provider if in doubt.")


# == reading what the pages say (English pages, as a person reads them) ================================


def text_of(fragment: str) -> str:
    """Rendered text of an HTML fragment: tags dropped, entities decoded, spaces collapsed."""
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def section(page: str, element_id: str) -> str:
    """The element with ``id`` (a section, an article, a list item), or "" when the page has none."""
    found = re.search(rf'<(section|article|dl)[^>]*id="{element_id}".*?</\1>', page, re.S)
    return found.group(0) if found else ""


def labelled(fragment: str) -> dict[str, str]:
    """The label → value pairs a person reads: definition lists (dt/dd) and table rows (th/td)."""
    pairs = re.findall(r"<dt>(.*?)</dt>\s*<dd[^>]*>(.*?)</dd>", fragment, re.S)
    pairs += re.findall(r"<th scope=\"row\"[^>]*>(.*?)</th>\s*<td[^>]*>(.*?)</td>", fragment, re.S)
    return {text_of(label): text_of(value) for label, value in pairs}


def read_money(text: str) -> tuple[str, Decimal]:
    """``"€4.20"``, ``"-£3.00"``, ``"₩322,600"`` → (currency, amount)."""
    found = re.search(r"([-−]?)\s*([€£₩])\s*([\d,]+(?:\.\d+)?)", text)
    assert found, f"no amount in {text!r}"
    amount = Decimal(found.group(3).replace(",", ""))
    return SYMBOLS[found.group(2)], -amount if found.group(1) else amount


#: an amount as an English page writes it
MONEY = r"[-−]?\s*[€£₩]\s*[\d,]+(?:\.\d+)?"


def amounts_in(text: str) -> list[tuple[str, Decimal]]:
    """Every amount written in ``text``, in order."""
    return [read_money(m.group(0)) for m in re.finditer(MONEY, text)]


def read_moments(text: str) -> list[tuple[int, int, int, int, int]]:
    """Every date and time an English page writes (``07/12/2026, 10:40``) as (y, m, d, H, M)."""
    return [(int(y), int(mo), int(d), int(h), int(mi))
            for d, mo, y, h, mi in re.findall(r"(\d{2})/(\d{2})/(\d{4}),? (\d{2}):(\d{2})", text)]


def minute(moment: datetime, zone: ZoneInfo) -> tuple[int, int, int, int, int]:
    """An instant as a page in ``zone`` writes it, to the minute (the page drops the seconds)."""
    local = moment.astimezone(zone)
    return local.year, local.month, local.day, local.hour, local.minute


# == the truth: what the provider's store holds ==========================================================


@dataclass
class Truth:
    """What the provider's own store says of the booking after a step, as the pages should say it.

    ``paid_now``/``at_counter``/``refunded`` follow the store's price over the steps (``Money``).
    """

    status: Status
    starts_at: datetime | None
    ends_at: datetime | None
    price: Decimal
    currency: str
    zone: ZoneInfo
    paid_now: Decimal = Decimal(0)
    at_counter: Decimal = Decimal(0)
    refunded: Decimal = Decimal(0)
    vat_included: bool = False
    vat_rate: Decimal | None = None  # a fraction, 0.21

    @property
    def total(self) -> Decimal:
        return self.paid_now + self.at_counter

    @property
    def charged(self) -> Decimal:
        return self.paid_now + self.refunded

    @property
    def vat(self) -> Decimal | None:
        """The VAT in the total as the provider's rate gives it (rounded once), None without a rate."""
        if self.vat_rate is None:
            return None
        step = Decimal(1) if self.currency == "KRW" else Decimal("0.01")
        return (self.total * self.vat_rate / (1 + self.vat_rate)).quantize(step, rounding=ROUND_HALF_UP)


@dataclass
class Money:
    """The store's price over the steps: a rise is a charge, a fall of the paid-now part a refund."""

    paid_now: Decimal = Decimal(0)
    at_counter: Decimal = Decimal(0)
    refunded: Decimal = Decimal(0)

    def follow(self, paid_now: Decimal, at_counter: Decimal) -> None:
        if paid_now < self.paid_now:
            self.refunded += self.paid_now - paid_now
        self.paid_now, self.at_counter = paid_now, at_counter


# == comparing, and counting what was compared ==========================================================


@dataclass
class Check:
    """One provider's comparisons: counts each (page, figure) pair and keeps every difference."""

    kind: str
    step: str = ""
    differences: list[str] = field(default_factory=list)

    def same(self, page: str, figure: str, said, truth) -> None:
        COMPARED[self.kind][(page, figure)] += 1
        if said != truth:
            self.differences.append(f"{self.step}: {page} {figure}: the page says {said!r}, the provider {truth!r}")

    def money(self, page: str, figure: str, said_text: str | None, truth: Decimal, currency: str) -> None:
        """A money figure: absent or written, and in the right currency."""
        if said_text is None:
            self.same(page, figure, None, truth if truth else None)
            return
        said_currency, amount = read_money(said_text)
        self.same(page, figure, amount, truth)
        self.same(page, "currency", said_currency, currency)


def compare_booking_page(check: Check, page: str, truth: Truth) -> None:
    summary = labelled(section(page, "booking-summary"))
    check.same("booking page", "status", summary.get("Status"), truth.status.label)
    if truth.starts_at:
        check.same("booking page", "start", read_moments(summary.get("Starts", "")), [minute(truth.starts_at,
                                                                                             truth.zone)])
    if truth.ends_at:
        check.same("booking page", "end", read_moments(summary.get("Ends", "")), [minute(truth.ends_at, truth.zone)])
    total = summary.get("Total", "")
    said = amounts_in(total)
    check.money("booking page", "total", total or None, truth.total, truth.currency)
    refund = re.search(r"refunded (\S+)", total)
    check.money("booking page", "refund", refund.group(1) if refund else None, truth.refunded, truth.currency)
    assert len(said) <= 2, total
    payments = labelled(section(page, "booking-payments"))
    check.money("booking page payments", "paid now", payments.get("Paid now"), truth.paid_now, truth.currency)
    counter = payments.get("Due at the counter", payments.get("Paid at the counter"))
    check.money("booking page payments", "at the counter", counter, truth.at_counter, truth.currency)
    check.money("booking page payments", "refund", payments.get("Refunded"), truth.refunded, truth.currency)
    check.money("booking page payments", "total", payments.get("Total"), truth.total, truth.currency)


def compare_history_row(check: Check, page: str, ref: str, truth: Truth) -> None:
    row = next(item for item in re.findall(r'<li class="card booking-row">.*?</li>', page, re.S) if ref in item)
    status = re.search(r'<span class="badge[^"]*">(.*?)</span>', row)
    check.same("history row", "status", text_of(status.group(1)) if status else None, truth.status.label)
    moments = read_moments(text_of(row))
    if truth.starts_at:
        check.same("history row", "start", moments[:1], [minute(truth.starts_at, truth.zone)])
    if truth.ends_at:
        check.same("history row", "end", moments[1:2], [minute(truth.ends_at, truth.zone)])
    money = text_of(re.search(r'<span class="booking-money">(.*?)</span>\s*</li>', row, re.S).group(1))
    refund = re.search(r"refunded (\S+)", money)
    check.money("history row", "refund", refund.group(1) if refund else None, truth.refunded, truth.currency)
    counter = re.search(r"\((\S+) at the counter\)", money)
    check.money("history row", "at the counter", counter.group(1) if counter else None, truth.at_counter,
                truth.currency)
    total = re.search(MONEY, re.sub(r"refunded \S+|\(\S+ at the counter\)", "", money))
    check.money("history row", "total", total.group(0) if total else None, truth.total, truth.currency)


def compare_receipt(check: Check, name: str, said: dict[str, str], truth: Truth) -> None:
    """The receipt's lines (page or PDF), by their labels."""
    period = said.get("Period", "")
    moments = read_moments(period)
    if truth.starts_at:
        check.same(name, "start", moments[:1], [minute(truth.starts_at, truth.zone)])
    if truth.ends_at:
        check.same(name, "end", moments[1:2], [minute(truth.ends_at, truth.zone)])
    if truth.status == Status.CANCELLED:
        check.same(name, "status", said.get("Status"), truth.status.label)
    check.money(name, "total", said.get("Total"), truth.total, truth.currency)
    check.money(name, "refund", said.get("Refunded"), truth.refunded, truth.currency)
    if truth.refunded:
        check.money(name, "charged", said.get("Charged"), truth.charged, truth.currency)
    counter = next((v for k, v in said.items() if k.endswith("at the counter to the seller")), None)
    if counter is not None or truth.at_counter:
        check.money(name, "at the counter", counter, truth.at_counter, truth.currency)
        check.money(name, "paid now", said.get("Paid through ParkGo"), truth.paid_now, truth.currency)
    vat = next((v for k, v in said.items() if k == "VAT" or k.startswith("Of which VAT")), None)
    vat_label = next((k for k in said if k == "VAT" or k.startswith("Of which VAT")), None)
    if truth.vat_rate is not None:
        check.money(name, "VAT", vat, truth.vat, truth.currency)
        rate = re.search(r"([\d.]+) ?%", vat_label or "")
        check.same(name, "VAT rate", Decimal(rate.group(1)) / 100 if rate else None, truth.vat_rate)
    else:
        check.same(name, "VAT", "included, no rate" if vat and "Included" in vat else vat,
                   "included, no rate" if truth.vat_included else None)


def receipt_page_lines(page: str) -> dict[str, str]:
    return labelled(section(page, "receipt"))


def receipt_pdf_lines(pdf: bytes, labels: list[str]) -> dict[str, str]:
    """The PDF's text, line by line, split at the labels the page uses (a person reads label, then value)."""
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    said = {}
    for line in text.splitlines():
        line = " ".join(line.split())
        label = next((k for k in sorted(labels, key=len, reverse=True) if line.startswith(k + " ")
                      or line == k), None)
        if label is not None:
            said[label] = line[len(label):].strip()
    return said


def compare_csv_row(check: Check, content: bytes, ref: str, truth: Truth) -> None:
    text = content.decode("utf-8")
    check.same("CSV", "byte-order mark", text[:1], "\ufeff")
    row = next(r for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff"))) if ref in r.values())

    def moment(column: str) -> datetime | None:
        try:
            return datetime.fromisoformat(row.get(column) or "")
        except ValueError:  # not ISO 8601: the difference shows the text
            return row.get(column)

    def number(column: str, unit: Decimal) -> Decimal | None:
        text = row.get(column) or ""
        return Decimal(text) * unit if re.fullmatch(r"-?\d+", text) else (text or None)

    check.same("CSV", "status", row.get("status"), truth.status.label)
    if truth.starts_at:
        check.same("CSV", "start", moment("starts_at"), truth.starts_at.replace(microsecond=0))
    if truth.ends_at:
        check.same("CSV", "end", moment("ends_at"), truth.ends_at.replace(microsecond=0))
    check.same("CSV", "currency", row.get("currency"), truth.currency)
    # amounts in the currency's minor units (EUR 4.20 is 420, KRW 322,600 is 322600)
    unit = Decimal(1) if truth.currency == "KRW" else Decimal("0.01")
    for column, value in (("total_minor", truth.total), ("paid_now_minor", truth.paid_now),
                          ("at_counter_minor", truth.at_counter), ("refunded_minor", truth.refunded)):
        said = number(column, unit)
        check.same("CSV", column.removesuffix("_minor").replace("_", " "), Decimal(0) if said is None and not value
                   else said, value)
    rate = row.get("vat_rate_percent") or ""
    check.same("CSV", "VAT rate", Decimal(rate) / 100 if re.fullmatch(r"[\d.]+", rate) else (rate or None),
               truth.vat_rate)
    check.same("CSV", "VAT", number("vat_minor", unit), truth.vat)


def compare_admin(check: Check, said: list[str], page: str, truth: Truth, can_ask: bool) -> None:
    # a provider with no look-up call (247Parking, seed 004) cannot be compared by the re-check: it must say
    # so, never "no difference"
    check.same("admin re-check", "differences", said, [NO_DIFFERENCE if can_ask else CANNOT_ASK])
    facts = labelled(section(page, "booking-facts"))
    check.same("admin page", "status", facts.get("Status"), truth.status.label)
    if truth.starts_at:
        check.same("admin page", "start", read_moments(facts.get("Starts", "")), [minute(truth.starts_at, truth.zone)])
    if truth.ends_at:
        check.same("admin page", "end", read_moments(facts.get("Ends", "")), [minute(truth.ends_at, truth.zone)])
    check.money("admin page", "price", facts.get("Price"), truth.price, truth.currency)
    total = facts.get("Total")
    check.money("admin page", "total", total, truth.total, truth.currency)
    refund = re.search(r"refunded (\S+)", total or "")
    check.money("admin page", "refund", refund.group(1) if refund else None, truth.refunded, truth.currency)


# == the journey runner ==================================================================================


@dataclass
class Journey:
    """A booking walked through its life; ``truth()`` reads the provider's store after each step."""

    kind: str
    steps: list  # (name, callable(booking) -> None)
    book: object  # callable() -> Booking
    truth: object  # callable(booking, money) -> Truth


def walk(journey: Journey, clock, driver_client, admin_client) -> Check:
    check = Check(journey.kind)
    money = Money()
    booking = None
    for name, step in [("create", None), *journey.steps]:
        check.step = name
        if step is None:
            booking = journey.book()
        else:
            step(booking)
        clock.shift(timedelta(minutes=1))  # the pages are read a minute later, as a person would
        db.session.expire_all()
        truth = journey.truth(booking, money)
        read_everything(check, booking, truth, driver_client, admin_client)
    FOUND[journey.kind].extend(check.differences)
    return check


def read_everything(check: Check, booking: Booking, truth: Truth, driver_client, admin_client) -> None:
    ref = booking.public_ref
    detail = driver_client.get(f"/bookings/{ref}")
    assert detail.status_code == 200
    compare_booking_page(check, detail.get_data(as_text=True), truth)
    history = driver_client.get("/bookings")
    assert history.status_code == 200
    compare_history_row(check, history.get_data(as_text=True), ref, truth)
    receipt = driver_client.get(f"/bookings/{ref}/receipt")
    assert receipt.status_code == 200, f"{check.step}: no receipt"
    lines = receipt_page_lines(receipt.get_data(as_text=True))
    compare_receipt(check, "receipt page", lines, truth)
    pdf = driver_client.get(f"/bookings/{ref}/receipt.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    compare_receipt(check, "receipt PDF", receipt_pdf_lines(pdf.data, list(lines)), truth)
    export = driver_client.get("/bookings/export.csv")
    assert export.status_code == 200
    compare_csv_row(check, export.data, ref, truth)
    rechecked = admin_client.post(f"/admin/bookings/{ref}/recheck", follow_redirects=True)
    assert rechecked.status_code == 200
    page = rechecked.get_data(as_text=True)
    said = [text_of(m) for m in re.findall(r'<div class="flash flash-\w+" role="\w+">(.*?)</div>', page, re.S)]
    compare_admin(check, [m for m in said if "base map" not in m], page, truth,
                  can_look_up(booking_kinds()[booking.kind].adapter))


# == the providers ======================================================================================


def _business_morning() -> datetime:
    """The next Finnish business day at 10:00 in Helsinki (a street parking is charged then)."""
    day = utcnow().astimezone(HELSINKI).date() + timedelta(days=1)
    while day.weekday() >= 5 or day in holidays.Finland():
        day += timedelta(days=1)
    return datetime.combine(day, time(10), tzinfo=HELSINKI).astimezone(UTC)


def _sandbox(app, name: str):
    return app.extensions["providers"].sandbox_app(name)


def helsinki_journeys(app, user) -> list[Journey]:
    areas.sync_areas()
    area = next(a for a in areas.list_areas() if a.zone == 1 and (a.max_time_in_minutes or 0) >= 180)
    add_vehicle(user.id, "FI", "ABC-123")
    store = _sandbox(app, "helsinki").extensions["helsinki_store"]

    def truth(booking: Booking, money: Money) -> Truth:
        with store.read() as conn:
            row = conn.execute(select(city_parkings).where(
                city_parkings.c.parking_id == booking.provider_ref)).mappings().first()
        if row is None:  # the city deleted it: cancelled within the regret time (seed 002 §6.8), free
            money.follow(Decimal("0.00"), Decimal(0))
            return Truth(Status.CANCELLED, None, None, Decimal("0.00"), "EUR", HELSINKI, money.paid_now,
                         money.at_counter, money.refunded)
        start, stop = (datetime.fromtimestamp(row[k], UTC) for k in ("start_ts", "stop_ts"))
        # the city keeps no price: the area's tariff over the city's own start and stop (seed 002 §4)
        price = areas.quote_area_stay(area, start, stop).total
        money.follow(price, Decimal(0))
        status = Status.ACTIVE if stop > utcnow() else Status.COMPLETED
        return Truth(status, start, stop, price, "EUR", HELSINKI, money.paid_now, money.at_counter, money.refunded)

    def book() -> Booking:
        return parkings.start_parking(user.id, area.area_id, user.vehicles[0].id, utcnow() + timedelta(hours=1),
                                      f"truth-hki-{int(utcnow().timestamp())}")

    def extend(booking: Booking) -> None:
        time_passes(minutes=5)  # past the regret time: the after-regret change (seed 002 §6.7.3)
        parkings.extend_parking(user.id, booking.public_ref, booking.ends_at + timedelta(hours=1), booking.version)

    def stop(booking: Booking) -> None:
        time_passes(minutes=30)
        parkings.stop_parking(user.id, booking.public_ref, booking.version)

    def cancel(booking: Booking) -> None:
        parkings.cancel_parking(user.id, booking.public_ref, booking.version)

    return [Journey("street_parking", [("extend", extend), ("stop", stop)], book, truth),
            Journey("street_parking", [("cancel in the regret time", cancel)], book, truth)]


ARNDALE = "805432"


def apds_journeys(app, user) -> list[Journey]:
    add_vehicle(user.id, "GB", "BD18 SMR")
    places.sync_places()
    store = _sandbox(app, "apds").extensions["apds_store"]

    def truth(booking: Booking, money: Money) -> Truth:
        with store.connect() as conn:
            document = json.loads(conn.execute(select(platform_sessions.c.document).where(
                platform_sessions.c.id == booking.provider_ref)).scalar_one())
            tables = [json.loads(d) for d in conn.execute(select(platform_rates.c.document)).scalars()]
        transactions = [t for s in document["segments"] for t in s.get("financialTransactions", [])]
        price = sum((Decimal(str(t["segmentValue"])) for t in transactions), Decimal(0)).quantize(Decimal("0.01"))
        start = datetime.fromisoformat(document["actualStart"])
        end = datetime.fromisoformat(document["actualEnd"]) if document.get("actualEnd") else None
        money.follow(price, Decimal(0))
        # the place's rate tables say the currency (the seed's Arndale table names none: the others' GBP)
        currencies = {c["applicableCurrency"] for t in tables for c in t["rateLineCollections"]
                      if c.get("applicableCurrency")}
        assert len(currencies) == 1
        arndale = next(t for t in tables if t.get("rateResponsibleParty") == "Manchester City Council")
        collection = arndale["rateLineCollections"][0]
        rate = collection.get("taxRate")
        status = Status.ACTIVE if end is None or end > utcnow() else Status.COMPLETED
        return Truth(status, start, end, price, currencies.pop(), LONDON, money.paid_now, money.at_counter,
                     money.refunded, vat_included=all(t.get("taxIncluded") for t in transactions),
                     vat_rate=None if rate is None else Decimal(str(rate)) / 100)

    def book() -> Booking:
        return sessions.start_session(user.id, ARNDALE, user.vehicles[0].id, 60, "truth-apds-1")

    def extend(booking: Booking) -> None:
        time_passes(minutes=10)
        sessions.extend_session(user.id, booking.public_ref, 60, booking.version)

    def stop(booking: Booking) -> None:
        time_passes(minutes=30)
        sessions.stop_session(user.id, booking.public_ref, booking.version)

    return [Journey("apds_session", [("extend", extend), ("stop", stop)], book, truth)]


def rentcar_journeys(app, user) -> list[Journey]:
    store = _sandbox(app, "rentcar").extensions["rentcar_store"]
    day = (utcnow().astimezone(SEOUL) + timedelta(days=10)).replace(hour=10, minute=0, second=0, microsecond=0)

    def truth(booking: Booking, money: Money) -> Truth:
        with store.connect() as conn:
            row = conn.execute(select(company_reservations).where(
                company_reservations.c.revnum == booking.provider_ref)).one()
        extras = sum(e["fee"] for e in row.extras)
        postpaid = sum(e["fee"] for e in row.extras if not e["direct"])
        price = Decimal(row.car_fee + row.ins_fee + extras)
        # what the driver pays the company on the spot (seed 001 "예약접수": R직불예정금액 + R후불금액)
        direct = (int(price) - postpaid) if row.custfee is None else row.custfee
        counter = Decimal(max(0, min(int(price), direct + postpaid)))
        cancelled = row.state == "취소"
        # a cancellation the company accepts is free (seed 001 "예약취소" has no fee): nothing is owed
        money.follow(Decimal(0) if cancelled else price - counter, Decimal(0) if cancelled else counter)
        start, end = (datetime.strptime(v, "%Y%m%d%H%M").replace(tzinfo=SEOUL) for v in (row.sd, row.ed))
        return Truth(Status.CANCELLED if cancelled else Status.RESERVED, start, end, price, "KRW", SEOUL,
                     money.paid_now, money.at_counter, money.refunded)

    def booker(pay_at_counter: bool):
        def book() -> Booking:
            quote = rentals.quote_rental(None, "HALLA", 10101, day, day + timedelta(days=2))
            cover = quote.cover("option2")
            request = rentals.ReserveRequest(
                company_code="HALLA", mid=10101, start=day, end=day + timedelta(days=2), cover="option2", extras=(),
                seen_car_fee=cover.car_fee, seen_insurance_fee=0, seen_extras_fee=0, model_name="모닝",
                company_name="한라렌트카", min_age=21, name="Kim Minsu", phone="010-1234-5678", email=user.email,
                pay_at_counter=pay_at_counter, cutoff_hours=24, same_day_minutes=60)
            return rentals.reserve_rental(user.id, request, f"truth-rent-{pay_at_counter}")
        return book

    def change(booking: Booking) -> None:
        time_passes(minutes=3)
        preview = rentals.preview_change(user.id, booking.public_ref, booking.starts_at,
                                         booking.ends_at + timedelta(days=1))
        rentals.change_rental(user.id, booking.public_ref, booking.version, preview)

    def cancel(booking: Booking) -> None:
        time_passes(minutes=3)
        rentals.cancel_rental(user.id, booking.public_ref, booking.version, "plans changed")

    steps = [("change of dates", change), ("cancel", cancel)]
    return [Journey("rental", steps, booker(False), truth), Journey("rental", steps, booker(True), truth)]


def valet_journeys(app, user) -> list[Journey]:
    add_vehicle(user.id, "NL", "97-KGT-1")
    partner = _sandbox(app, "parking247").extensions["parking247"]

    def truth(booking: Booking, money: Money) -> Truth:
        held = partner.reservation(booking.provider_ref)
        refund = partner.refund(booking.provider_ref)
        price = Decimal(held.total)
        cancelled = held.status == "canceled"
        money.follow(price - (refund or 0) if cancelled else price, Decimal(0))
        start, end = (datetime.strptime(held.fields[k], "%d-%m-%Y %H:%M").replace(tzinfo=AMSTERDAM)
                      for k in ("vertrek_timestamp", "aankomst_timestamp"))
        return Truth(Status.CANCELLED if cancelled else Status.RESERVED, start, end, price,
                     partner.prices["currency"], AMSTERDAM, money.paid_now, money.at_counter, money.refunded,
                     vat_included=True, vat_rate=Decimal(partner.prices["vat_percent"]) / 100)

    def book() -> Booking:
        drop_off = utcnow().replace(second=0, microsecond=0) + timedelta(days=3)
        choice = ValetChoice(location="schiphol", service="valet", drop_off=drop_off,
                             arrival=drop_off + timedelta(days=7), persons=2, payment="ideal", insurance=True)
        request = reservations.ValetRequest(choice=choice, vehicle_id=user.vehicles[0].id, email=user.email)
        return reservations.book_valet(user.id, request, "truth-valet-1")

    def change(booking: Booking) -> None:
        time_passes(minutes=3)
        detail = booking.valet
        reservations.change_valet(user.id, booking.public_ref, reservations.ValetChange(
            drop_off=detail.drop_off, arrival=detail.arrival + timedelta(days=2)), booking.version)

    def cancel(booking: Booking) -> None:
        time_passes(hours=60)  # inside the last 24 hours before the drop-off: insured, all but the premium
        reservations.cancel_valet(user.id, booking.public_ref, booking.version)

    return [Journey("valet", [("change of dates", change), ("cancel", cancel)], book, truth)]


def hub_journeys(app, user) -> list[Journey]:
    """Helsinki street parkings reported to the city's parking hub (``HELSINKI_BACKEND=parkkihubi``).

    The truth is the hub's store: the parking's ``time_start``/``time_end`` (gone: deleted, cancelled
    within the regret time); the hub keeps no price, so the price is the area's tariff over the hub's
    own start and end, as for the city API.
    """
    app.config["HELSINKI_BACKEND"] = "parkkihubi"
    journeys = helsinki_journeys(app, user)
    store = _sandbox(app, "parkkihubi").extensions["parkkihubi_store"]
    area = next(a for a in areas.list_areas() if a.zone == 1 and (a.max_time_in_minutes or 0) >= 180)

    def truth(booking: Booking, money: Money) -> Truth:
        rows = [r for r in store.all_parkings("ABC-123") if r["id"] == booking.provider_ref]
        if not rows:
            money.follow(Decimal("0.00"), Decimal(0))
            return Truth(Status.CANCELLED, None, None, Decimal("0.00"), "EUR", HELSINKI, money.paid_now,
                         money.at_counter, money.refunded)
        start, end = from_micros(rows[0]["time_start"]), from_micros(rows[0]["time_end"])
        price = areas.quote_area_stay(area, start, end).total
        money.follow(price, Decimal(0))
        status = Status.ACTIVE if end > utcnow() else Status.COMPLETED
        return Truth(status, start, end, price, "EUR", HELSINKI, money.paid_now, money.at_counter, money.refunded)

    return [Journey("street_parking:parkkihubi", journey.steps, journey.book, truth) for journey in journeys]


JOURNEYS = {"street_parking": helsinki_journeys, "apds_session": apds_journeys, "rental": rentcar_journeys,
            "valet": valet_journeys, "street_parking:parkkihubi": hub_journeys}

_TRAVELLER: list = []


def time_passes(**delta) -> None:
    """Move the app's and every sandbox's clock on (the journey's time machine)."""
    _TRAVELLER[-1].shift(timedelta(**delta))


# == the tests ==========================================================================================


@pytest.fixture(scope="module", autouse=True)
def _print_the_counts():
    """Print, per provider, how many (page, figure) pairs the truth check compared and what differed."""
    yield
    print("\n== one truth check: (page, figure) pairs compared, per provider ==")
    for kind in sorted(COMPARED):
        pages = Counter()
        for (page, _figure), count in COMPARED[kind].items():
            pages[page] += count
        print(f"{kind}: {sum(COMPARED[kind].values())} pairs "
              f"({', '.join(f'{page} {count}' for page, count in sorted(pages.items()))}); "
              f"{len(FOUND[kind])} differ")
        for difference in FOUND[kind]:
            print(f"   differs: {difference}")


@pytest.fixture
def clock():
    with time_machine.travel(_business_morning(), tick=False) as traveller:
        _TRAVELLER.append(traveller)
        yield traveller
        _TRAVELLER.pop()


def test_every_booking_adapter_has_a_truth_journey(app):
    with_adapter = {kind for kind, entry in booking_kinds().items() if entry.adapter is not None}
    assert with_adapter and with_adapter <= set(JOURNEYS), f"add a truth journey for {with_adapter - set(JOURNEYS)}"


@pytest.mark.parametrize("kind", sorted(JOURNEYS))
def test_every_page_says_what_the_provider_holds_after_each_step(app, kind, clock, make_user, login):
    user = make_user(name="Aino Virtanen")
    driver_client, admin_client = app.test_client(), app.test_client()
    login(user, test_client=driver_client)
    login(make_user("support@example.com", role="admin"), test_client=admin_client)
    checks = [walk(journey, clock, driver_client, admin_client) for journey in JOURNEYS[kind](app, user)]
    differences = [d for check in checks for d in check.differences]
    compared = sum(COMPARED[kind].values())
    print(f"\n{kind}: {compared} (page, figure) pairs compared over {len(checks)} journey(s), "
          f"{len(differences)} differ")
    assert compared > 0
    assert not differences, "\n".join(differences)

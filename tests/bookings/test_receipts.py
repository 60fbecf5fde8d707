"""Receipts a business can file: for a booking of every provider, in every language, the PDF says what
the page says (the same figures and times, parsed from both), names the seller from the provider's data
and the buyer from the profile, states VAT only where the provider's data does, and prints every character
of fi, sv and ko."""

from __future__ import annotations

import html as html_lib
import io
import re
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
import time_machine
from pypdf import PdfReader

from tests.apds.conformance import ApdsDriver
from tests.helsinki.conformance import HelsinkiDriver
from tests.rentcar.conformance import RentcarDriver
from tests.valet.conformance import ValetDriver
from webapp.accounts.vehicles import add_vehicle
from webapp.apds import sessions
from webapp.bookings import ledger
from webapp.bookings.models import Booking, Status
from webapp.bookings.registry import booking_kinds
from webapp.core.clock import LONDON, PROVIDER_ZONES, format_moment, locale_for, zone_name
from webapp.core.money import format_money, included_vat
from webapp.core.provider import resolve
from webapp.valet import reservations
from webapp.valet.pricing import ValetChoice

LANGUAGES = ("en", "fi", "sv", "ko")
HANGUL = re.compile(r"[\uac00-\ud7a3]")
DRIVERS = {driver.kind: driver for driver in (HelsinkiDriver, ApdsDriver, RentcarDriver, ValetDriver)}
PROFILE_NAME = "Maija Meikäläinen"


# -- what the page and the PDF say ----------------------------------------------------------


def _text(fragment: str) -> str:
    """Markup to the text a reader sees, whitespace (no-break spaces included) collapsed."""
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def page_lines(page: str) -> dict[str, str]:
    """The receipt page's facts and figures by key (``seller``, ``period``, ``total``, ``vat`` …)."""
    found = re.findall(r'data-(?:fact|figure)="([a-z_]+)">(.*?)</(?:dd|td)>', page, re.S)
    assert found, "no receipt lines on the page"
    return {key: _text(value) for key, value in found}


def page_payments(page: str) -> list[list[str]]:
    """The receipt page's payment rows, each as its cells' text."""
    rows = re.findall(r'<tr class="payment[^"]*">(.*?)</tr>', page, re.S)
    return [[_text(cell) for cell in re.findall(r"<td>(.*?)</td>", row, re.S)] for row in rows]


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF")
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def receipt_of(client, booking: Booking, language: str) -> tuple[dict[str, str], list[list[str]], str]:
    page = client.get(f"/bookings/{booking.public_ref}/receipt", query_string={"lang": language})
    assert page.status_code == 200, page.status_code
    pdf = client.get(f"/bookings/{booking.public_ref}/receipt.pdf", query_string={"lang": language})
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    html = page.get_data(as_text=True)
    return page_lines(html), page_payments(html), pdf_text(pdf.data)


def assert_pdf_says_what_the_page_says(lines: dict[str, str], payments: list[list[str]], pdf: str) -> None:
    for key, value in lines.items():
        assert value in pdf, f"{key}: the page says {value!r}, the PDF does not"
    for row in payments:
        for cell in row:
            assert cell in pdf, f"payment {row}: {cell!r} is not in the PDF"


def vat_of(gross: Decimal, rate: Decimal) -> Decimal:
    """The VAT in a gross amount, rounded once (written out here, independently of the app)."""
    return (gross * rate / (1 + rate)).quantize(Decimal("0.01"), ROUND_HALF_UP)


# -- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _a_priced_weekday_morning():
    """Tuesday 8 December 2026, 10:00 in Helsinki: street parking costs something (on a Sunday it is free,
    and a free parking has no receipt)."""
    with time_machine.travel(datetime(2026, 12, 8, 8, 0, tzinfo=UTC), tick=True):
        yield


@pytest.fixture
def driver_user(make_user):
    return make_user("maija@example.com", name=PROFILE_NAME)


def _book(kind: str, app, user):
    drv = DRIVERS[kind](app)
    drv.prepare_user(user)
    booking = drv.book(user, f"receipt-{kind}")
    assert booking.status in (Status.ACTIVE, Status.RESERVED), booking.status
    return booking


EXPECTED_SELLER = {
    # the city (seed 002 §1), the Arndale table's rateResponsibleParty (seed 003 §➋ step 2),
    # the rent-car company with its romanised name, 247Parking
    "street_parking": {"en": "City of Helsinki", "fi": "Helsingin kaupunki", "sv": "Helsingfors stad",
                       "ko": "헬싱키시"},
    "apds_session": dict.fromkeys(LANGUAGES, "Manchester City Council"),
    "rental": {"en": "한라렌트카 · Halla Rent-a-car", "fi": "한라렌트카 · Halla Rent-a-car",
               "sv": "한라렌트카 · Halla Rent-a-car", "ko": "한라렌트카"},
    "valet": dict.fromkeys(LANGUAGES, "247Parking"),
}


# -- every provider, every language ----------------------------------------------------------


def test_every_booking_kind_names_its_seller_from_its_feature(app):
    for kind, entry in booking_kinds().items():
        assert entry.seller_for is not None, f"{kind}: add a seller_for hook to its ProviderSpec"


@pytest.mark.parametrize("kind", sorted(DRIVERS))
def test_the_pdf_says_what_the_page_says_in_every_language(app, client, login, driver_user, kind):
    booking = _book(kind, app, driver_user)
    login(driver_user)
    money = ledger.summary(booking)
    zone = PROVIDER_ZONES[booking.provider]
    for language in LANGUAGES:
        lines, payments, pdf = receipt_of(client, booking, language)
        assert_pdf_says_what_the_page_says(lines, payments, pdf)
        locale = locale_for(language)
        # the figures are the ledger's, written as the page's language writes money
        assert lines["total"] == _text(format_money(money.total, money.currency, locale))
        assert len(payments) == len(money.entries)
        # the times are the place's, with its zone named
        start = format_moment(booking.starts_at, locale, zone)
        end = format_moment(booking.ends_at, locale, zone)
        assert lines["period"] == _text(f"{start} – {end} ({zone_name(zone, locale)})")
        assert lines["seller"] == EXPECTED_SELLER[kind][language]
        assert lines["buyer"] == f"{PROFILE_NAME}, maija@example.com"
        assert lines["reference"] == booking.public_ref and lines["provider_reference"] == booking.provider_ref
        if language == "sv":
            assert "Såld via" in pdf and "Meikäläinen" in pdf
        if language == "ko":
            assert "영수증" in pdf and HANGUL.search(lines["period"]) and HANGUL.search(pdf)


# -- VAT where the provider's data states it -----------------------------------------------------


def test_valet_receipt_has_the_vat_of_247parkings_price_list(app, client, login, driver_user):
    booking = _book("valet", app, driver_user)
    login(driver_user)
    lines, _payments, pdf = receipt_of(client, booking, "en")
    vat = vat_of(booking.amount, Decimal("0.21"))
    assert vat > 0 and lines["vat"] == f"€{vat}" and f"Of which VAT 21 % €{vat}" in pdf


def test_a_car_park_whose_table_adds_vat_gets_its_rate_and_amount(app, client, login, driver_user):
    ApdsDriver(app)  # the places
    add_vehicle(driver_user.id, "GB", "BD18 SMR")
    # Piccadilly On-Street Zone: taxIncluded false, taxRate 20 (the sandbox's "Short Stay, VAT added")
    booking = sessions.start_session(driver_user.id, "220001", driver_user.vehicles[0].id, 90, "vat-added",
                                     contact_email=driver_user.email, now=datetime.now(UTC))
    login(driver_user)
    lines, _payments, pdf = receipt_of(client, booking, "fi")
    vat = vat_of(booking.amount, Decimal("0.20"))
    assert lines["vat"] == _text(format_money(vat, "GBP", "fi")) and "Josta ALV 20 %" in pdf


def test_a_car_park_whose_prices_include_vat_without_a_rate_says_so_without_a_figure(
        app, client, login, driver_user):
    booking = _book("apds_session", app, driver_user)  # the Arndale: taxIncluded, no taxRate (seed 003 §➋)
    login(driver_user)
    lines, _payments, pdf = receipt_of(client, booking, "en")
    assert lines["vat"] == "Included in the price; the seller's data states no rate"
    assert lines["vat"] in pdf and "£" not in lines["vat"]


@pytest.mark.parametrize("kind", ["street_parking", "rental"])
def test_no_vat_line_where_the_providers_data_says_nothing_of_vat(app, client, login, driver_user, kind):
    booking = _book(kind, app, driver_user)
    login(driver_user)
    lines, _payments, pdf = receipt_of(client, booking, "en")
    assert "vat" not in lines and "VAT" not in pdf


@pytest.mark.parametrize(("gross", "rate", "currency"), [
    ("180.35", "0.21", "EUR"), ("0.05", "0.21", "EUR"), ("7.95", "0.21", "EUR"), ("2.70", "0.20", "GBP"),
    ("322600", "0.10", "KRW"), ("1", "0.24", "EUR"),
])
def test_the_vat_in_a_gross_amount_is_rounded_once(gross, rate, currency):
    expected = Decimal(gross) * Decimal(rate) / (1 + Decimal(rate))
    exponent = Decimal("1") if currency == "KRW" else Decimal("0.01")
    assert included_vat(Decimal(gross), Decimal(rate), currency) == expected.quantize(exponent, ROUND_HALF_UP)


# -- money from the ledger: refunds, the counter, a fee ------------------------------------------


def test_a_cancelled_valet_with_a_fee_has_a_receipt_for_the_fee_with_the_refund(app, client, login, driver_user):
    drv = ValetDriver(app)
    drv.prepare_user(driver_user)
    drop_off = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=3)
    choice = ValetChoice(location="schiphol", service="valet", drop_off=drop_off,
                         arrival=drop_off + timedelta(days=7), persons=2, payment="ideal", insurance=True)
    request = reservations.ValetRequest(choice=choice, vehicle_id=driver_user.vehicles[0].id,
                                        email=driver_user.email)
    booking = reservations.book_valet(driver_user.id, request, "insured-valet")
    total = booking.amount
    booking = reservations.cancel_valet(driver_user.id, booking.public_ref, booking.version)
    assert booking.status == Status.CANCELLED and booking.cancellation_fee == Decimal("7.95")
    login(driver_user)
    lines, payments, pdf = receipt_of(client, booking, "en")
    assert lines["charged"] == f"€{total}" and lines["refunded"] == f"€{total - Decimal('7.95')}"
    assert lines["total"] == "€7.95" and lines["vat"] == f"€{vat_of(Decimal('7.95'), Decimal('0.21'))}"
    assert lines["status"] == "Cancelled" and [row[2] for row in payments] == ["Paid now", "Refund"]
    assert f"Refunded €{total - Decimal('7.95')}" in pdf and "Total €7.95" in pdf


def test_money_at_the_counter_is_shown_apart_from_what_went_through_us(app, client, login, driver_user):
    drv = RentcarDriver(app)
    cover = drv.quote.cover("option2")
    from webapp.rentcar import rentals

    request = rentals.ReserveRequest(
        company_code="HALLA", mid=10101, start=drv.start, end=drv.end, cover="option2", extras=(),
        seen_car_fee=cover.car_fee, seen_insurance_fee=0, seen_extras_fee=0, model_name="모닝",
        company_name="한라렌트카", min_age=21, name="Kim Minsu", phone="010-1234-5678", email=driver_user.email,
        pay_at_counter=True)
    booking = rentals.reserve_rental(driver_user.id, request, "at-counter")
    login(driver_user)
    lines, payments, pdf = receipt_of(client, booking, "en")
    assert lines["paid_now"] == "₩0" and lines["at_counter"] == f"₩{cover.car_fee:,}"
    assert lines["total"] == f"₩{cover.car_fee:,}" and payments[0][2] == "At the counter"
    assert "Due at the counter to the seller" in pdf and "Paid through ParkGo ₩0" in pdf


def test_no_receipt_while_nothing_is_charged(app, client, login, driver_user, make_booking):
    pending = make_booking(driver_user, status=Status.PENDING)
    failed = make_booking(driver_user, status=Status.FAILED)
    login(driver_user)
    for booking in (pending, failed):
        assert not booking.ledger
        assert client.get(f"/bookings/{booking.public_ref}/receipt").status_code == 404
        assert client.get(f"/bookings/{booking.public_ref}/receipt.pdf").status_code == 404


# -- times in the place's zone -------------------------------------------------------------------


def test_a_uk_car_park_reads_the_same_london_time_on_the_page_and_the_pdf(client, login, driver_user,
                                                                          make_booking):
    # 10:19 UTC on a summer day is 11:19 in London and 13:19 in Helsinki (what the PDF used to print)
    booking = make_booking(driver_user, kind="apds_session", provider="apds", title="Arndale Car Park",
                           status=Status.COMPLETED, currency="GBP", amount=Decimal("6.70"),
                           starts_at=datetime(2026, 7, 1, 10, 19, tzinfo=UTC),
                           ends_at=datetime(2026, 7, 1, 11, 49, tzinfo=UTC))
    login(driver_user)
    lines, _payments, pdf = receipt_of(client, booking, "en")
    assert lines["period"] == "01/07/2026, 11:19 – 01/07/2026, 12:49 (United Kingdom Time)"
    assert lines["period"] in pdf and "13:19" not in pdf
    assert zone_name(LONDON, "en_GB") == "United Kingdom Time"


def test_every_kind_names_its_seller_without_its_internal_key(app, driver_user, make_booking):
    """A booking whose detail row is gone still gets a readable seller (never ``apds`` or ``rentcar``)."""
    for kind, provider in (("apds_session", "apds"), ("rental", "rentcar")):
        booking = make_booking(driver_user, kind=kind, provider=provider)
        seller = resolve(f"webapp.{provider}.seller:seller_for")(booking, "en")
        assert seller.name and seller.name != provider and not seller.states_vat

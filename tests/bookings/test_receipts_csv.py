"""The CSV export an expense report can open: UTF-8 with a byte-order mark (Excel reads Korean and å ä ö
right), kinds and statuses in the driver's words, ISO 8601 times to the second with the place's offset,
and money from the ledger in each currency's minor units (KRW has none)."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from webapp.bookings.history import CSV_COLUMNS
from webapp.bookings.models import Status
from webapp.extensions import db

ISO_SECONDS_WITH_OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")
TIME_COLUMNS = ("booked_at", "starts_at", "ends_at")


@pytest.fixture
def driver(make_user):
    return make_user("driver@example.com", language="ko")


@pytest.fixture
def bookings(driver, make_booking):
    october = datetime(2026, 10, 3, 9, 0, 0, 123456, tzinfo=UTC)  # sub-second: the export cuts it
    valet = make_booking(driver, kind="valet", provider="parking247", title="=cmd|' /C calc'!A0",
                         status=Status.RESERVED, amount=Decimal("180.35"),
                         starts_at=datetime(2026, 10, 25, 6, tzinfo=UTC), ends_at=datetime(2026, 11, 1, 6, tzinfo=UTC))
    valet.status, valet.cancellation_fee = Status.CANCELLED, Decimal("7.95")  # the ledger refunds the rest
    db.session.commit()
    return {
        "street": make_booking(driver, status=Status.COMPLETED, amount=Decimal("4.20"), starts_at=october,
                               ends_at=datetime(2026, 10, 3, 10, 30, tzinfo=UTC)),
        "rental": make_booking(driver, kind="rental", provider="rentcar", title="모닝 · 한라렌트카",
                               plate="12가3456", status=Status.RESERVED, currency="KRW",
                               amount=Decimal("322600"), starts_at=datetime(2026, 10, 20, 1, tzinfo=UTC),
                               ends_at=datetime(2026, 10, 22, 1, tzinfo=UTC)),
        "valet": valet,
        "failed": make_booking(driver, title="Töölö", status=Status.FAILED, amount=Decimal("3.00"),
                               starts_at=datetime(2026, 10, 5, 9, tzinfo=UTC)),
    }


def export(client, **args) -> bytes:
    response = client.get("/bookings/export.csv", query_string={"from": "2026-10-01", "to": "2026-10-31", **args})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.mimetype_params.get("charset") == "utf-8"
    return response.data


def rows_of(data: bytes) -> dict[str, dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    return {row["reference"]: row for row in rows}


def test_the_file_starts_with_the_utf8_byte_order_mark_and_korean_round_trips(client, login, driver, bookings):
    login(driver)
    data = export(client)
    assert data.startswith(b"\xef\xbb\xbf") and not data.startswith(b"\xef\xbb\xbf\xef\xbb\xbf")
    rows = rows_of(data)
    assert list(next(iter(rows.values()))) == list(CSV_COLUMNS)
    rental = rows[bookings["rental"].public_ref]
    assert rental["title"] == "모닝 · 한라렌트카" and rental["vehicle"] == "12가3456"
    assert rows[bookings["failed"].public_ref]["title"] == "Töölö"


def test_kinds_and_statuses_are_in_the_drivers_language_not_codes(client, login, driver, bookings):
    login(driver)
    korean = rows_of(export(client))  # the driver's profile language
    assert korean[bookings["street"].public_ref]["kind"] == "노상 주차"
    assert korean[bookings["rental"].public_ref]["kind"] == "렌터카"
    english = rows_of(export(client, lang="en"))
    assert {row["kind"] for row in english.values()} == {"Street parking", "Rent-car", "Airport valet"}
    assert english[bookings["valet"].public_ref]["status"] == "Cancelled"
    assert not {"street_parking", "rental", "valet"} & {row["kind"] for row in english.values()}


def test_every_time_is_iso_8601_to_the_second_with_the_places_offset(client, login, driver, bookings):
    login(driver)
    rows = rows_of(export(client))
    for row in rows.values():
        for column in TIME_COLUMNS:
            assert row[column] == "" or ISO_SECONDS_WITH_OFFSET.match(row[column]), (column, row[column])
    street = rows[bookings["street"].public_ref]
    assert street["starts_at"] == "2026-10-03T12:00:00+03:00" and street["time_zone"] == "Europe/Helsinki"
    assert rows[bookings["rental"].public_ref]["starts_at"] == "2026-10-20T10:00:00+09:00"
    assert rows[bookings["valet"].public_ref]["ends_at"] == "2026-11-01T07:00:00+01:00"  # winter time by then


def test_money_is_in_minor_units_from_the_ledger(client, login, driver, bookings):
    login(driver)
    rows = rows_of(export(client, lang="en"))
    street, rental, valet, failed = (rows[bookings[name].public_ref]
                                     for name in ("street", "rental", "valet", "failed"))
    assert (street["total_minor"], street["paid_now_minor"], street["currency"]) == ("420", "420", "EUR")
    assert (rental["total_minor"], rental["currency"]) == ("322600", "KRW")
    # the cancelled valet: 180.35 charged, all but its 7.95 fee refunded, 21 % VAT in the fee
    assert (valet["total_minor"], valet["refunded_minor"]) == ("795", "17240")
    assert (valet["vat_rate_percent"], valet["vat_minor"]) == ("21", "138")
    assert failed["total_minor"] == "0" and street["vat_rate_percent"] == "" and street["vat_minor"] == ""
    for row in rows.values():
        for column in CSV_COLUMNS:
            if column.endswith("_minor") and row[column]:
                assert re.fullmatch(r"-?\d+", row[column]), (column, row[column])


def test_provider_and_driver_text_stays_text_in_a_spreadsheet(client, login, driver, bookings):
    login(driver)
    valet = rows_of(export(client))[bookings["valet"].public_ref]
    assert valet["title"].startswith("'=")

"""The driver's history across providers: filters, current vs past, paging, monthly totals, CSV, receipts."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader

from webapp.bookings.models import Status

NOW = datetime.now(UTC)


@pytest.fixture
def driver(make_user):
    return make_user("driver@example.com")


@pytest.fixture
def trips(driver, make_booking):
    return {
        "running": make_booking(driver, title="Kamppi", plate="ABC-123", starts_at=NOW - timedelta(minutes=10),
                                ends_at=NOW + timedelta(hours=1), amount=Decimal("4.20")),
        "october": make_booking(driver, title="Kallio", plate="ABC-123", status=Status.COMPLETED,
                                starts_at=datetime(2026, 10, 3, 9, tzinfo=UTC),
                                ends_at=datetime(2026, 10, 3, 11, tzinfo=UTC), amount=Decimal("8.40")),
        "rental": make_booking(driver, kind="rental", provider="rentcar", title="=HYPERLINK(\"x\")",
                               plate="12가3456", status=Status.COMPLETED, currency="KRW",
                               starts_at=datetime(2026, 10, 20, 9, tzinfo=UTC),
                               ends_at=datetime(2026, 10, 23, 9, tzinfo=UTC), amount=Decimal("210000")),
        "failed": make_booking(driver, title="Töölö", status=Status.FAILED,
                               starts_at=datetime(2026, 10, 5, 9, tzinfo=UTC), amount=Decimal("3.00")),
    }


def test_history_splits_current_and_past_and_totals_per_month_and_currency(client, login, driver, trips):
    login(driver)
    html = client.get("/bookings").get_data(as_text=True)
    assert html.index(trips["running"].public_ref) < html.index("Past") < html.index(trips["october"].public_ref)
    # October: 8.40 € paid (the failed 3.00 € is not), and 210,000 won in its own currency
    assert "October 2026" in html and "€8.40" in html and "₩210,000" in html
    assert "€11.40" not in html


@pytest.mark.parametrize(("args", "shown", "hidden"), [
    ({"kind": "rental"}, ["rental"], ["october", "running"]),
    ({"status": "failed"}, ["failed"], ["october", "rental"]),
    ({"plate": "12가3456"}, ["rental"], ["october"]),
    ({"from": "2026-10-04", "to": "2026-10-31"}, ["rental", "failed"], ["october", "running"]),
    ({"q": "kallio"}, ["october"], ["rental"]),
])
def test_history_filters(client, login, driver, trips, args, shown, hidden):
    login(driver)
    html = client.get("/bookings", query_string=args).get_data(as_text=True)
    for name in shown:
        assert f"/bookings/{trips[name].public_ref}" in html, name
    for name in hidden:
        assert f"/bookings/{trips[name].public_ref}" not in html, name


def test_a_fleet_types_the_plate_and_case_spaces_and_dashes_do_not_matter(client, login, driver, make_booking):
    """Up to 20 plates the vehicle filter is a list; more (a fleet) and it is a field, matched like the admin's
    search: "abc 103" finds ABC-103."""
    cars = [make_booking(driver, plate=f"ABC-{100 + n}", status=Status.COMPLETED,
                         starts_at=datetime(2026, 10, 1, tzinfo=UTC) + timedelta(days=n)) for n in range(21)]
    login(driver)
    html = client.get("/bookings").get_data(as_text=True)
    assert '<input type="search" name="plate"' in html and '<select name="plate">' not in html
    assert html.count("<option") < 20  # kinds and statuses only
    html = client.get("/bookings", query_string={"plate": "abc 103"}).get_data(as_text=True)
    assert f"/bookings/{cars[3].public_ref}" in html and f"/bookings/{cars[4].public_ref}" not in html
    assert 'value="abc 103"' in html  # the field keeps what was typed


def test_a_page_past_the_last_says_so(client, login, driver, trips):
    login(driver)
    html = client.get("/bookings", query_string={"page": 7}).get_data(as_text=True)
    assert "past the last one" in html and "No bookings yet" not in html


def test_csv_export_of_a_period_keeps_provider_text_as_text(client, login, driver, trips, make_user, make_booking):
    theirs = make_booking(make_user(), starts_at=datetime(2026, 10, 10, tzinfo=UTC))
    login(driver)
    response = client.get("/bookings/export.csv", query_string={"from": "2026-10-01", "to": "2026-10-31"})
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    refs = {row["reference"] for row in rows}
    assert refs == {trips["october"].public_ref, trips["rental"].public_ref, trips["failed"].public_ref}
    assert theirs.public_ref not in refs
    rental = next(row for row in rows if row["reference"] == trips["rental"].public_ref)
    assert rental["title"].startswith("'=") and rental["total_minor"] == "210000" and rental["currency"] == "KRW"


def test_receipt_page_and_pdf_for_a_finished_booking(client, login, driver, trips):
    login(driver)
    ref = trips["october"].public_ref
    html = client.get(f"/bookings/{ref}/receipt").get_data(as_text=True)
    assert "City of Helsinki" in html and "€8.40" in html and ref in html and "driver@example.com" in html
    pdf = client.get(f"/bookings/{ref}/receipt.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    text = PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    assert ref in text and "8.40" in text


def test_no_receipt_for_a_failed_booking(client, login, driver, trips):
    login(driver)
    assert client.get(f"/bookings/{trips['failed'].public_ref}/receipt").status_code == 404


def test_no_receipt_for_someone_elses_booking(client, login, trips, make_user):
    login(make_user())
    assert client.get(f"/bookings/{trips['october'].public_ref}/receipt.pdf").status_code == 404


def test_a_parking_is_titled_in_the_language_of_the_page(client, login, make_user):
    from tests.helsinki.conformance import HelsinkiDriver
    from webapp.extensions import db
    from webapp.helsinki.models import HelsinkiArea

    driver = HelsinkiDriver(client.application)
    user = make_user()
    driver.prepare_user(user)
    booking = driver.book(user, "title-1")  # booked in English
    area = db.session.get(HelsinkiArea, driver.area.area_id)
    login(user)
    client.post("/language", data={"language": "sv"})
    html = client.get("/bookings").get_data(as_text=True)
    assert f"{area.name['sv']} ({area.area_id})" in html
    assert area.name["sv"] != area.name["en"]
    assert booking.title.startswith(area.name["en"])


def test_a_period_that_ends_before_it_starts_says_so_beside_until(client, login, driver, trips):
    login(driver)
    html = client.get("/bookings", query_string={"from": "2026-10-31", "to": "2026-10-01"}).get_data(as_text=True)
    assert "Until is before From" in html and 'aria-describedby="to-error"' in html
    html = client.get("/bookings", query_string={"from": "2026-10-01", "to": "2026-10-31"}).get_data(as_text=True)
    assert "Until is before From" not in html

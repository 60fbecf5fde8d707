"""The admin's search page sends as many SQL statements for 25 rows as for 4 (issue 18).

Each row names its booking by its details (a street parking's area, a rental's car, a valet stay's
service) and shows its money from the ledger: every one of those is loaded for the whole page at
once, and nothing loaded is expired before the page is drawn (the search's audit is written first),
so no row loads anything of its own.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tests.maps.support import add_areas
from tests.support.statements import statements
from webapp.apds.models import ApdsSession
from webapp.bookings.models import AdminAuditEntry, Status
from webapp.extensions import db
from webapp.helsinki.models import StreetParking
from webapp.rentcar.models import Rental
from webapp.valet.models import ValetReservation


@pytest.fixture
def driver(make_user):
    return make_user("driver@example.com", phone="+358 40 123 4567")


@pytest.fixture
def add_bookings(app, driver, make_booking):
    """``add_bookings(n, first)``: n bookings of every kind in turn, each with its detail row, plates ABC-…"""
    add_areas(30)
    start = datetime(2026, 12, 20, 9, tzinfo=UTC)

    def add(count: int, first: int = 0) -> None:
        for n in range(first, first + count):
            kind = ("street_parking", "apds_session", "rental", "valet")[n % 4]
            provider = {"street_parking": "helsinki", "apds_session": "apds", "rental": "rentcar",
                        "valet": "parking247"}[kind]
            booking = make_booking(driver, kind=kind, provider=provider, plate=f"ABC-{n:03d}",
                                   status=Status.COMPLETED, starts_at=start - timedelta(days=n),
                                   ends_at=start - timedelta(days=n) + timedelta(hours=2),
                                   amount=Decimal(10 + n), currency="KRW" if kind == "rental" else "EUR")
            if kind == "street_parking":
                db.session.add(StreetParking(booking_id=booking.id, area_id=f"9{n % 30:05d}", zone=1,
                                             device_id=booking.public_ref))
            elif kind == "apds_session":
                db.session.add(ApdsSession(booking_id=booking.id, mode="phone", place_id="805432",
                                           transaction_id=f"parkgo:{booking.public_ref}"))
            elif kind == "rental":
                db.session.add(Rental(booking_id=booking.id, company_code="HALLA", company_name="한라렌트카",
                                      mid=7, model_name="아반떼", model_english="Avante",
                                      dealer_ref=booking.public_ref))
            else:
                db.session.add(ValetReservation(booking_id=booking.id, location="schiphol", service="shuttle",
                                                drop_off=booking.starts_at, arrival=booking.ends_at, persons=2,
                                                payment="ideal", quoted_total=booking.amount, sent={}))
        db.session.commit()

    return add


def _statements(client, path: str, **headers) -> tuple[int, str]:
    with statements() as sent:
        response = client.get(path, headers=headers)
    assert response.status_code == 200
    return len(sent), response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/admin?q=ABC", "/admin?q=abc-0", "/admin?status=completed",
                                  "/admin?q=driver%40example.com&sort=amount", "/admin?q=0401234567"])
@pytest.mark.parametrize("htmx", [False, True])
def test_the_search_page_sends_as_many_statements_for_25_rows_as_for_4(client, make_user, login, add_bookings,
                                                                        path, htmx):
    login(make_user("boss@example.com", role="admin"))
    headers = {"HX-Request": "true", "HX-Target": "results"} if htmx else {}
    add_bookings(4)
    client.get(path, headers=headers)  # warm: the session, the layout's own reads
    few, html = _statements(client, path, **headers)
    assert html.count('class="card booking-row"') == 4
    add_bookings(36, first=4)
    many, html = _statements(client, path, **headers)
    assert html.count('class="card booking-row"') == 25
    assert many == few
    assert "Testialue" in html and "Avante" in html  # the rows are named by their details


def test_a_search_is_audited_before_its_rows_are_loaded(client, make_user, login, add_bookings):
    login(make_user("boss@example.com", role="admin"))
    add_bookings(8)
    with statements() as sent:
        client.get("/admin?q=ABC")
    audit = next(n for n, sql in enumerate(sent) if sql.lstrip().upper().startswith("INSERT INTO ADMIN_AUDIT"))
    assert all("booking_ledger" not in sql for sql in sent[:audit])  # nothing of a row before the commit
    assert db.session.query(AdminAuditEntry).filter_by(action="search", target="ABC").count() == 1

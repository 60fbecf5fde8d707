"""The booking page says where the booking is and how its price was computed, for every provider that books."""

from __future__ import annotations

import html as html_lib
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from webapp.apds import places as apds_places
from webapp.apds import rate_text
from webapp.apds.models import ApdsPlace, ApdsSession
from webapp.extensions import db
from webapp.helsinki import areas as helsinki_areas
from webapp.helsinki.models import StreetParking
from webapp.rentcar.models import Rental
from webapp.valet.models import ValetReservation

HELSINKI = ZoneInfo("Europe/Helsinki")
#: a Tuesday morning inside every Helsinki zone's paid window
TUESDAY_10 = datetime(2026, 12, 1, 10, 0, tzinfo=HELSINKI).astimezone(UTC)


@pytest.fixture
def driver(make_user, login):
    user = make_user("driver@example.com")
    login(user)
    return user


def _page(client, booking, admin: bool = False, language: str = "en") -> str:
    path = f"/admin/bookings/{booking.public_ref}" if admin else f"/bookings/{booking.public_ref}"
    response = client.get(path, headers={"Accept-Language": language})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _section(html: str, section_id: str) -> str:
    start = html.index(f'id="{section_id}"')
    return html[start:html.index("</section>", start)]


def _map_links(html: str) -> list[dict[str, list[str]]]:
    """The query of every link to the map on the page."""
    import re
    from urllib.parse import parse_qs, urlsplit

    return [parse_qs(urlsplit(html_lib.unescape(href)).query)
            for href in re.findall(r'href="(/map\?[^"]*)"', html)]


def _text(html: str) -> str:
    """The section's text, tags and entities gone, white space collapsed (to compare words, not markup)."""
    import re

    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", html)).split())


# --- Helsinki street parking -------------------------------------------------------------


@pytest.fixture
def street_parking(app, driver, make_booking):
    helsinki_areas.sync_areas()
    area = next(a for a in helsinki_areas.list_areas() if a.zone == 1 and a.tariffs)
    booking = make_booking(driver, kind="street_parking", starts_at=TUESDAY_10,
                           ends_at=TUESDAY_10 + timedelta(minutes=90), amount=Decimal("6.30"))
    db.session.add(StreetParking(booking_id=booking.id, area_id=area.area_id, zone=area.zone,
                                 device_id=f"parkgo:{booking.public_ref}"))
    db.session.commit()
    return booking, area


def test_street_parking_page_shows_the_area_its_address_zone_and_map_link(client, street_parking):
    booking, area = street_parking
    html = _page(client, booking)
    place = _text(_section(html, "booking-place"))
    assert area.text("name", "en") in place and area.text("street", "en") in place
    assert f"Area code {area.area_id}" in place and "Zone 1" in place
    assert {"focus": ["helsinki"], "at": [f"{area.centre_lat:.6f},{area.centre_lon:.6f}"]} in _map_links(html)


def test_street_parking_page_shows_the_tariff_applied_to_its_time(client, street_parking):
    booking, area = street_parking
    hourly = next(Decimal(t["hourly_price"]) for t in area.tariffs if t["day_type"] == "BUSINESS_DAY")
    price = _text(_section(_page(client, booking), "booking-price"))
    assert "How the price was computed" in price
    assert f"1 hr 30 mins × €{hourly:.2f}/h" in price
    assert "10:00–11:30 (Mon–Fri)" in price  # Helsinki wall-clock hours, as the tariff windows
    assert f"€{hourly * Decimal('1.5'):.2f}" in price and "Total €6.30" in price


def test_a_total_other_than_the_sum_of_the_lines_is_said_to_be_the_providers(client, street_parking):
    booking, _area = street_parking
    assert "differs from the sum of the lines" not in _page(client, booking)
    booking.amount = Decimal("5.00")
    db.session.commit()
    price = _text(_section(_page(client, booking), "booking-price"))
    assert "Total €5.00" in price and "The total is what the provider charged" in price


def test_street_parking_place_is_in_the_pages_language(client, street_parking):
    booking, area = street_parking
    place = _text(_section(_page(client, booking, language="fi"), "booking-place"))
    assert area.text("name", "fi") in place and area.text("street", "fi") in place
    if area.text("street", "fi") != area.text("street", "sv"):
        assert area.text("street", "sv") not in place


# --- APDS car parks ------------------------------------------------------------------


@pytest.fixture
def car_park_session(app, driver, make_booking):
    apds_places.sync_places()
    place = db.session.get(ApdsPlace, next(p.place_id for p in apds_places.list_places()
                                           if apds_places.rate_tables(p)))
    start = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    quote = apds_places.quote_stay(place, start, timedelta(hours=2))
    booking = make_booking(driver, kind="apds_session", provider="apds", starts_at=start,
                           ends_at=start + timedelta(hours=2), amount=quote.total, currency=quote.currency)
    db.session.add(ApdsSession(booking_id=booking.id, mode="pay_by_phone", place_id=place.place_id,
                               transaction_id=f"parkgo:{booking.public_ref}"))
    db.session.commit()
    return booking, place, quote


def test_car_park_page_shows_the_place_its_address_and_map_link(client, car_park_session):
    booking, place, _quote = car_park_session
    html = _page(client, booking)
    text = _text(_section(html, "booking-place"))
    assert place.name in text and place.address in text
    assert {"focus": ["apds"], "at": [f"{place.latitude:.6f},{place.longitude:.6f}"]} in _map_links(html)


def test_car_park_page_shows_the_rate_table_and_its_lines(client, car_park_session):
    booking, place, quote = car_park_session
    rows = next(rows for _spec, table, rows in apds_places.rate_tables(place) if table.id == quote.rate_table_id)
    price = _text(_section(_page(client, booking), "booking-price"))
    assert quote.rate_name in price and "2 hr" in price
    with client.application.test_request_context():
        labels = [rate_text.row_label(row) for row in rows]
    for label in labels:  # each band as the engine charges it, once (not the platform's looser words as well)
        assert price.count(label) == 1, label
    assert f"Total £{quote.total:.2f}" in price
    finnish = _text(_section(_page(client, booking, language="fi"), "booking-price"))
    assert not any(label in finnish for label in labels)  # and in the page's language


def test_provider_text_on_the_page_is_escaped(client, car_park_session):
    booking, place, _quote = car_park_session
    place.name = '<img src=x onerror="alert(1)">Arndale'
    db.session.commit()
    html = _page(client, booking)
    assert "<img src=x" not in html and "&lt;img src=x onerror=" in html


# --- rent-cars -----------------------------------------------------------------------


@pytest.fixture
def rental(app, driver, make_booking):
    start = datetime(2026, 12, 10, 0, 0, tzinfo=UTC)
    booking = make_booking(driver, kind="rental", provider="rentcar", starts_at=start,
                           ends_at=start + timedelta(days=3), amount=Decimal(120000), currency="KRW", plate="",
                           provider_payload={"R출발장소": "제주공항 3번 게이트", "R반납장소": ""})
    db.session.add(Rental(booking_id=booking.id, company_code="HALLA", company_name="한라렌트카", mid=7,
                          model_name="아반떼", model_english="Avante", dealer_ref=booking.public_ref,
                          cover_name="완전자차", car_fee=90000, insurance_fee=20000, extras_fee=10000,
                          extras=[{"gid": 3, "name": "카시트", "fee": 10000}]))
    db.session.commit()
    return booking


def test_rental_page_shows_pick_up_and_return(client, rental):
    place = _text(_section(_page(client, rental), "booking-place"))
    # the company's name and its own words for the place, each with a Latin form beside the Hangul (issue 17)
    assert "Pick-up 한라렌트카 · Halla Rent-a-car Jejugonghang 3beon Geiteu (제주공항 3번 게이트)" in place
    assert "Return 한라렌트카 · Halla Rent-a-car At the company's office" in place


def test_rental_page_shows_daily_rate_times_days_cover_and_extras(client, rental):
    price = _text(_section(_page(client, rental), "booking-price"))
    assert "아반떼 · Avante 3 days × ₩30,000 ₩90,000" in price
    # the company's cover and extra in the reader's words, the Korean beside them (issue 17)
    assert "Full cover (완전자차) ₩20,000" in price and "Child seat (카시트) ₩10,000" in price
    assert "Total ₩120,000" in price


# --- 247Parking valet ------------------------------------------------------------------


@pytest.fixture
def valet(app, driver, make_booking):
    from webapp.valet import pricing

    drop_off = datetime.now(UTC).replace(microsecond=0) + timedelta(days=10)
    choice = pricing.ValetChoice(location="schiphol", service="shuttle", drop_off=drop_off,
                                 arrival=drop_off + timedelta(days=4), persons=2, payment="ideal", indoor=True)
    quote = pricing.quote(choice, datetime.now(UTC))
    booking = make_booking(driver, kind="valet", provider="parking247", starts_at=drop_off,
                           ends_at=choice.arrival, amount=quote.total)
    db.session.add(ValetReservation(booking_id=booking.id, location="schiphol", service="shuttle", drop_off=drop_off,
                                    arrival=choice.arrival, persons=2, payment="ideal", indoor=True,
                                    departure_flight="KL1001", quoted_total=quote.total, sent={}))
    db.session.commit()
    return booking, quote, pricing.price_list()


def test_valet_page_shows_the_schiphol_address(client, valet):
    booking, _quote, _prices = valet
    place = _text(_section(_page(client, booking), "booking-place"))
    assert "Schiphol Amsterdam Airport Evert van de Beekstraat 202 1118 CP Schiphol" in place
    assert "KL1001" in place


def test_valet_page_shows_days_times_the_day_rates_and_the_options(client, valet):
    booking, quote, prices = valet
    first, extra = prices.services["schiphol"]["shuttle"]
    price = _text(_section(_page(client, booking), "booking-price"))
    assert f"Parking, first day 1 day × €{first:.2f}" in price
    assert f"Parking, each further day 4 days × €{extra:.2f} €{extra * 4:.2f}" in price
    assert f"Indoor parking 5 days × €{prices.indoor_per_day:.2f} €{prices.indoor_per_day * 5:.2f}" in price
    assert f"Total €{quote.total:.2f}" in price and "Including VAT 21 %" in price


# --- the admin's booking page -------------------------------------------------------------


def test_admin_booking_page_shows_where_and_how_much_too(app, make_user, street_parking):
    from tests.conftest import DEFAULT_PASSWORD

    booking, area = street_parking
    make_user("admin@example.com", role="admin")
    admin = app.test_client()
    admin.post("/login", data={"email": "admin@example.com", "password": DEFAULT_PASSWORD})
    html = _page(admin, booking, admin=True)
    assert area.text("name", "en") in _text(_section(html, "booking-place"))
    assert "Total €6.30" in _text(_section(html, "booking-price"))


def test_a_booking_whose_feature_knows_nothing_more_shows_no_empty_sections(client, driver, make_booking):
    booking = make_booking(driver, kind="street_parking")  # no street-parking detail row
    html = _page(client, booking)
    assert 'id="booking-place"' not in html and 'id="booking-price"' not in html

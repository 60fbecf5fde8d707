"""A guest's form survives the login, every field of it, and the price with it (issue 22).

Each journey is a browser's: a guest fills the form on its page (CSRF on, as in production), sends it,
is sent to the login page, logs in and is sent back; the form on the page then holds every value sent —
names, remarks, a discount code, a cover as well as the choices — and shows the price the guest saw.
Nothing the guest typed travels in a URL, and nothing is kept once the form is back.
"""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from sqlalchemy import func, select

from tests.conftest import DEFAULT_PASSWORD, csrf_token_from
from tests.seoul.support import register_lot
from tests.web.form_state import differences, form_state
from webapp.accounts import users as accounts
from webapp.accounts.models import LoginFormStash
from webapp.accounts.vehicles import add_vehicle
from webapp.apds import places as apds_places
from webapp.bookings.models import Booking
from webapp.core.clock import AMSTERDAM, SEOUL, utcnow
from webapp.extensions import db
from webapp.helsinki import areas as helsinki_areas

EMAIL = "guest@example.com"


@pytest.fixture
def browser(csrf_app):
    return csrf_app.test_client()


def _register(csrf_app, with_car: bool = True):
    """The guest's account, in the CSRF app's own database (with a car: the booking forms offer one's vehicles)."""
    user = accounts.register_user(EMAIL, DEFAULT_PASSWORD, DEFAULT_PASSWORD)
    accounts.update_profile(user.id, "Someone Else", "+358 40 000 0000", None)
    if with_car:
        add_vehicle(user.id, "FI", "ABC-123")
    return user


@pytest.fixture
def account(csrf_app):
    return _register(csrf_app)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def _send_as_guest(browser, page_url: str, action: str, fields: dict):
    """Open the page, send its form as a guest; the answer is the way to the login."""
    token = csrf_token_from(browser.get(page_url).get_data(as_text=True))
    return browser.post(action, data={**fields, "csrf_token": token})


def _log_in(browser, login_url: str):
    """Log in on the login page the guest was sent to; returns where the login leads."""
    token = csrf_token_from(browser.get(login_url).get_data(as_text=True))
    answer = browser.post(login_url, data={"email": EMAIL, "password": DEFAULT_PASSWORD, "csrf_token": token})
    assert answer.status_code == 303, answer.get_data(as_text=True)[:500]
    return answer.headers["Location"]


def _nothing_typed_in(url: str) -> None:
    """The way to the login names the page and nothing more (a rental's dates); nothing the guest typed."""
    query = parse_qs(urlsplit(url).query)
    assert set(query) == {"next"}
    assert set(parse_qs(urlsplit(query["next"][0]).query)) <= {"start", "end"}, url


def _round_trip(browser, page_url: str, action: str, fields: dict) -> str:
    """Guest sends the form → login → back: the page the driver is back on (asserted to be the form's page)."""
    sent = _send_as_guest(browser, page_url, action, fields)
    assert sent.status_code == 302 and urlsplit(sent.headers["Location"]).path == "/login"
    back = parse_qs(urlsplit(sent.headers["Location"]).query)["next"][0]
    _nothing_typed_in(sent.headers["Location"])
    assert "csrf" not in back
    assert db.session.scalar(select(func.count()).select_from(LoginFormStash)) == 1
    assert _log_in(browser, sent.headers["Location"]) == back
    page = browser.get(back)
    assert page.status_code == 200
    return page.get_data(as_text=True)


# --- valet: the discount code, first name and remarks came back empty (the price rose silently) ---------


def _valet_fields() -> dict:
    drop_off = (utcnow() + timedelta(days=3)).astimezone(AMSTERDAM).replace(minute=0, second=0, microsecond=0)
    return {"location": "schiphol", "service": "valet", "drop_off": f"{drop_off:%Y-%m-%dT%H:%M}",
            "arrival": f"{drop_off + timedelta(days=7):%Y-%m-%dT%H:%M}", "departure_flight": "HV 123",
            "arrival_flight": "HV 456", "persons": "3", "hand_luggage": "y", "car": "Opel Astra, zwart",
            "wash": "2", "leather": "y", "keep_keys": "y", "insurance": "y", "remarks": "Baby seat in the back, please",
            "project_reference": "Project Tulip", "discount_code": "WELKOM10", "payment": "ideal",
            "first_name": "Anna", "last_name": "de Vries", "email": "anna.devries@example.com",
            "mobile": "0612345678", "idempotency_key": "guest-valet-key-1"}


def _valet_price(html: str) -> str:
    return _text(re.search(r'<div id="price-quote".*?<noscript>', html, re.S).group(0))


def test_the_valet_form_comes_back_whole_with_its_discount(browser, account):
    fields = _valet_fields()
    seen = _valet_price(browser.get("/valet/quote", query_string=fields).get_data(as_text=True))
    assert "WELKOM10" in seen
    html = _round_trip(browser, "/valet/", "/valet/", fields)
    assert differences(html, "/valet/", fields) == []
    assert _valet_price(html) == seen  # the same price, the discount in it
    assert db.session.scalar(select(func.count()).select_from(LoginFormStash)) == 0
    # and it books as it is (the guest's idempotency key, once)
    token = csrf_token_from(html)
    booked = browser.post("/valet/", data={**fields, "vehicle_id": str(account.vehicles[0].id), "csrf_token": token})
    assert booked.status_code == 303, booked.get_data(as_text=True)[:1000]
    assert db.session.scalar(select(Booking.amount)) is not None


def test_the_form_comes_back_once_then_the_page_is_fresh(browser, account):
    fields = _valet_fields()
    _round_trip(browser, "/valet/", "/valet/", fields)
    again = browser.get("/valet/").get_data(as_text=True)
    assert "Baby seat in the back" not in again and "WELKOM10" not in again
    assert "guest-valet-key-1" not in again  # a fresh key: the next booking is a new one


def test_a_driver_without_a_car_adds_one_and_finds_the_form_still_filled(csrf_app, browser):
    user = _register(csrf_app, with_car=False)
    fields = _valet_fields()
    sent = _send_as_guest(browser, "/valet/", "/valet/", fields)
    back = _log_in(browser, sent.headers["Location"])
    assert "Add your vehicle first" in browser.get(back).get_data(as_text=True)
    add_vehicle(user.id, "NL", "97-KGT-1")
    assert differences(browser.get(back).get_data(as_text=True), "/valet/", fields) == []


# --- rent-car: a chosen cover came back as "No damage cover" ------------------------------------------


def _rent_window() -> dict:
    day = (utcnow().astimezone(SEOUL) + timedelta(days=10)).replace(hour=10, minute=0, second=0, microsecond=0)
    return {"start": f"{day:%Y-%m-%dT%H:%M}", "end": f"{day + timedelta(days=3):%Y-%m-%dT%H:%M}"}


def _rent_total(html: str) -> str:
    return _text(re.search(r'<div class="price-preview" id="price-total".*?</div>', html, re.S).group(0))


def _hidden_fields(html: str, action: str) -> dict:
    """The reserve form's hidden fields (the quote's fees it is booked at), as a browser sends them."""
    values, kinds = form_state(html, action)
    return {name: values[name][0] for name, kind in kinds.items() if kind == "hidden" and name != "csrf_token"}


def test_the_rent_car_form_comes_back_with_its_cover_extras_and_driver(browser, account):
    detail_url = "/rentals/cars/HALLA/10106"
    page = browser.get(detail_url, query_string=_rent_window()).get_data(as_text=True)
    fields = _hidden_fields(page, detail_url)
    seat = re.search(r'name="extras" value="(\d+)"', page).group(1)
    fields.update(cover="option2", extras=[seat], pay="counter", name="Kim Minsu", phone="010-1234-5678",
                  email="kim@example.com", age="31", memo="Arriving on the late ferry")
    seen = _rent_total(browser.get(f"{detail_url}/total", query_string={**_rent_window(), **fields})
                       .get_data(as_text=True))
    url = f"{detail_url}?start={_rent_window()['start']}&end={_rent_window()['end']}"
    html = _round_trip(browser, url, detail_url, fields)
    assert differences(html, detail_url, fields) == []
    assert 'value="option2" checked' in html
    assert _rent_total(html) == seen


def test_a_stash_for_another_car_stays_for_that_car(browser, account):
    window = _rent_window()
    page = browser.get("/rentals/cars/HALLA/10106", query_string=window).get_data(as_text=True)
    fields = _hidden_fields(page, "/rentals/cars/HALLA/10106")
    fields.update(cover="option2", name="Kim Minsu", phone="010-1234-5678", age="31")
    sent = _send_as_guest(browser, "/rentals/cars/HALLA/10106?start={start}&end={end}".format(**window),
                          "/rentals/cars/HALLA/10106", fields)
    _log_in(browser, sent.headers["Location"])
    other = browser.get("/rentals/cars/HALLA/10101", query_string=window).get_data(as_text=True)
    assert "Kim Minsu" not in other
    assert db.session.scalar(select(func.count()).select_from(LoginFormStash)) == 1


# --- Helsinki street parking --------------------------------------------------------------------------


@pytest.fixture
def area(csrf_app):
    helsinki_areas.sync_areas()
    return next(a for a in helsinki_areas.list_areas() if a.zone == 1 and (a.max_time_in_minutes or 0) >= 120)


def _helsinki_price(html: str) -> str:
    return _text(re.search(r'<p class="price-total">.*?</p>', html, re.S).group(0))


@pytest.mark.parametrize("duration", ["120", "custom"])
def test_the_helsinki_start_form_comes_back_with_its_duration_or_end_time(browser, account, area, duration):
    with time_machine.travel(utcnow(), tick=False):
        end = (utcnow() + timedelta(hours=1, minutes=35)).astimezone(helsinki_areas.HELSINKI)
        fields = {"duration": duration, "end_at": f"{end:%Y-%m-%dT%H:%M}", "idempotency_key": "guest-street-key-1"}
        seen = _helsinki_price(browser.get(f"/parking/areas/{area.area_id}/quote", query_string=fields)
                               .get_data(as_text=True))
        html = _round_trip(browser, f"/parking/areas/{area.area_id}", f"/parking/areas/{area.area_id}", fields)
        assert differences(html, f"/parking/areas/{area.area_id}", fields) == []
        assert _helsinki_price(html) == seen


# --- GET calculators: the APDS car park and the Seoul lot -------------------------------------------


def _login_link(html: str, text: str) -> str:
    link = re.search(rf'<a[^>]*href="(/login[^"]*)"[^>]*>\s*{re.escape(text)}\s*</a>', html)
    assert link, f"no link {text!r}"
    return link.group(1).replace("&amp;", "&")


def _apds_price(html: str) -> str:
    return _text(re.search(r'<p class="price-total">.*?</p>', html, re.S).group(0))


def test_the_car_park_calculator_keeps_its_minutes_through_the_login(browser, account):
    apds_places.sync_places()
    with time_machine.travel(utcnow(), tick=False):
        page = browser.get("/carparks/805432/quote?minutes=60").get_data(as_text=True)
        seen = _apds_price(page)
        login_url = _login_link(page, "Log in to park here")
        back = _log_in(browser, login_url)
        html = browser.get(back).get_data(as_text=True)
    assert differences(html, "/carparks/805432/quote", {"minutes": "60"}) == []
    assert _apds_price(html) == seen
    assert form_state(html, "/carparks/805432/start")[0]["minutes"] == ["60"]  # the start form's preset too


def test_the_car_park_calculator_over_htmx_keeps_the_login_link_and_address_up_to_date(browser, account):
    apds_places.sync_places()
    block = browser.get("/carparks/805432/quote?minutes=75", headers={"HX-Request": "true"})
    assert block.headers["HX-Replace-Url"] == "/carparks/805432?minutes=75"
    login_url = _login_link(block.get_data(as_text=True), "Log in to park here")
    assert parse_qs(urlsplit(login_url).query)["next"] == ["/carparks/805432?minutes=75"]


def test_the_seoul_calculator_keeps_hours_minutes_and_discount_through_the_login(csrf_app, browser, account):
    lot_id = register_lot(csrf_app)
    choice = {"hours": "30", "minutes": "5", "discount": "compact"}
    page = browser.get(f"/seoul/lots/{lot_id}", query_string=choice).get_data(as_text=True)
    seen = _text(re.search(r'<p class="price-total">.*?</p>', page, re.S).group(0))
    back = _log_in(browser, _login_link(page, "Log in"))
    html = browser.get(back).get_data(as_text=True)
    assert differences(html, f"/seoul/lots/{lot_id}", choice) == []
    assert _text(re.search(r'<p class="price-total">.*?</p>', html, re.S).group(0)) == seen


def test_the_seoul_calculator_over_htmx_keeps_the_address_and_the_login_link_up_to_date(csrf_app, browser):
    lot_id = register_lot(csrf_app)
    block = browser.get(f"/seoul/lots/{lot_id}?hours=30&minutes=5&discount=compact",
                        headers={"HX-Request": "true", "HX-Target": "price-quote"})
    assert block.headers["HX-Replace-Url"] == f"/seoul/lots/{lot_id}?hours=30&minutes=5&discount=compact"
    login_url = _login_link(block.get_data(as_text=True), "Log in")
    assert parse_qs(urlsplit(login_url).query)["next"] == [f"/seoul/lots/{lot_id}?hours=30&minutes=5&discount=compact"]

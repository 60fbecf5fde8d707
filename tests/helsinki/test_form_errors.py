"""Each error of the start and extend forms is shown once, beside its field, and the form keeps the driver's values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest

from webapp.accounts.vehicles import add_vehicle
from webapp.helsinki import areas as helsinki_areas
from webapp.helsinki import parkings as parking

HELSINKI = ZoneInfo("Europe/Helsinki")
FUTURE = "Choose an end time in the future."


class _Inputs(HTMLParser):
    """Every element's attributes by id."""

    def __init__(self):
        super().__init__()
        self.by_id: dict[str, dict] = {}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "id" in attributes:
            self.by_id[attributes["id"]] = attributes


def _by_id(html: str) -> dict[str, dict]:
    parser = _Inputs()
    parser.feed(html)
    return parser.by_id


@pytest.fixture
def driver(make_user):
    user = make_user("driver@example.com")
    add_vehicle(user.id, "FI", "ABC-123")
    return user


@pytest.fixture
def area(app):
    helsinki_areas.sync_areas()
    return next(a for a in helsinki_areas.list_areas() if a.zone == 1 and (a.max_time_in_minutes or 0) >= 120)


def _past() -> str:
    return (datetime.now(HELSINKI) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")


def test_past_end_on_start_is_said_once_beside_the_field_and_kept(client, login, driver, area):
    login(driver)
    past = _past()
    response = client.post(f"/parking/areas/{area.area_id}", data={
        "vehicle_id": driver.vehicles[0].id, "duration": "custom", "end_at": past, "idempotency_key": "k-1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert html.count(FUTURE) == 1
    inputs = _by_id(html)
    assert inputs["end_at"]["value"] == past
    assert inputs["end_at"]["aria-invalid"] == "true"
    assert "end_at-error" in inputs["end_at"]["aria-describedby"].split()
    assert FUTURE in html.split('id="end_at-error"', 1)[1].split("</p>", 1)[0]
    assert "aria-invalid" not in inputs["vehicle_id"]


def test_past_end_in_the_htmx_price_preview_updates_the_field_message_once(client, login, driver, area):
    login(driver)
    response = client.get(f"/parking/areas/{area.area_id}/quote", headers={"HX-Request": "true"},
                          query_string={"duration": "custom", "end_at": _past()})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and html.count(FUTURE) == 1
    # the message goes into the slot beside the field (an out-of-band swap), not into the price box
    assert 'id="end_at-feedback"' in html and 'hx-swap-oob="true"' in html
    assert FUTURE in html.split('id="end_at-feedback"', 1)[1]


def test_a_good_preview_clears_the_field_message(client, login, driver, area):
    login(driver)
    future = (datetime.now(HELSINKI) + timedelta(minutes=50)).strftime("%Y-%m-%dT%H:%M")
    html = client.get(f"/parking/areas/{area.area_id}/quote", headers={"HX-Request": "true"},
                      query_string={"duration": "custom", "end_at": future}).get_data(as_text=True)
    feedback = html.split('id="end_at-feedback"', 1)[1].split("</div>", 1)[0]
    assert "error-message" not in feedback


def test_other_end_time_starts_filled_in_and_without_an_error(client, login, driver, area):
    login(driver)
    html = client.get(f"/parking/areas/{area.area_id}").get_data(as_text=True)
    value = _by_id(html)["end_at"].get("value")
    assert value, "the end time field starts empty"
    end = datetime.strptime(value, "%Y-%m-%dT%H:%M").replace(tzinfo=HELSINKI)
    assert timedelta(minutes=55) <= end - datetime.now(HELSINKI) <= timedelta(minutes=66)
    # choosing "Other end time" before typing anything: a price, no red message
    response = client.get(f"/parking/areas/{area.area_id}/quote", headers={"HX-Request": "true"},
                          query_string={"duration": "custom", "end_at": value})
    assert response.status_code == 200 and "error-message" not in response.get_data(as_text=True)
    response = client.get(f"/parking/areas/{area.area_id}/quote", headers={"HX-Request": "true"},
                          query_string={"duration": "custom", "end_at": ""})
    assert "error-message" not in response.get_data(as_text=True)


def test_other_end_time_left_empty_on_submit_is_one_error(client, login, driver, area):
    login(driver)
    html = client.post(f"/parking/areas/{area.area_id}", data={
        "vehicle_id": driver.vehicles[0].id, "duration": "custom", "end_at": "", "idempotency_key": "k-2",
    }).get_data(as_text=True)
    assert html.count("Choose when the parking ends.") == 1
    assert _by_id(html)["end_at"]["aria-invalid"] == "true"


def _running(driver, area):
    now = datetime.now(UTC)
    return parking.start_parking(driver.id, area.area_id, driver.vehicles[0].id, now + timedelta(minutes=60),
                                 "key-extend", contact_email=driver.email, now=now)


def test_past_end_on_extend_is_said_once_beside_the_field(client, login, driver, area):
    booking = _running(driver, area)
    login(driver)
    past = _past()
    response = client.post(f"/parking/{booking.public_ref}/extend", data={"end_at": past, "version": booking.version})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert html.count("Choose an end later than the current one.") + html.count(FUTURE) == 1
    inputs = _by_id(html)
    assert inputs["end_at"]["value"] == past and inputs["end_at"]["aria-invalid"] == "true"


def test_extend_preview_error_goes_beside_the_field_once(client, login, driver, area):
    booking = _running(driver, area)
    login(driver)
    response = client.get(f"/parking/{booking.public_ref}/extend/quote", headers={"HX-Request": "true"},
                          query_string={"end_at": _past(), "version": booking.version})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="end_at-feedback"' in html and 'hx-swap-oob="true"' in html
    assert html.count('class="error-message"') == 1

"""The car park pages through the test client: list, place page, calculator, occupancy, sessions, ticketless."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from webapp.accounts.vehicles import add_vehicle
from webapp.apds import events, place_search, places
from webapp.apds.models import ApdsPlace
from webapp.bookings.models import Booking, Status
from webapp.extensions import db

# prices spelled out here are daytime prices (the Arndale's evening flat rate starts at 18:00)
pytestmark = pytest.mark.usefixtures("business_hours")

ARNDALE = "805432"
HX = {"HX-Request": "true"}


@pytest.fixture
def driver(app, make_user, login):
    user = make_user()
    add_vehicle(user.id, "GB", "BD18 SMR")
    places.sync_places()
    login(user)
    return user


def test_list_shows_every_car_park_with_free_spaces_and_the_price(client, driver):
    page = client.get("/carparks/?minutes=180").get_data(as_text=True)
    # the platform's 40-odd places over two pages of 25, by name
    page += client.get("/carparks/?minutes=180&page=2").get_data(as_text=True)
    assert "Arndale Car Park" in page and "South Bank Car Park" in page
    assert "£12.20" in page  # Arndale, 3 h (10800 s: the "up to 4 hours" band)
    assert re.search(r"\d+ of 1400 free", page)


def test_list_filters_by_city_text_and_price(client, driver):
    london = client.get("/carparks/?city=London").get_data(as_text=True)
    assert "South Bank Car Park" in london and "Arndale Car Park" not in london
    cheap = client.get("/carparks/?minutes=180&max_price=10").get_data(as_text=True)
    assert "Arndale Car Park" not in cheap and "Printworks Car Park" in cheap  # £12.20 vs the £6.00 tier
    assert "Arndale" in client.get("/carparks/?q=arndale").get_data(as_text=True)


def test_only_with_free_spaces_leaves_out_full_car_parks_and_those_without_live_data(client, driver):
    arndale = db.session.get(ApdsPlace, ARNDALE)
    arndale.spaces_free = 0
    printworks = db.session.scalars(db.select(ApdsPlace).where(ApdsPlace.name.like("Printworks%"))).one()
    printworks.spaces_free = printworks.spaces_total = None
    db.session.commit()
    every = client.get("/carparks/?city=Manchester").get_data(as_text=True)
    assert "Arndale Car Park" in every and "Printworks Car Park" in every
    free = client.get("/carparks/?city=Manchester&free=1").get_data(as_text=True)
    assert "Arndale Car Park" not in free and "Printworks Car Park" not in free and "Car parks: 0" not in free


@pytest.mark.parametrize("limit", ["NaN", "sNaN", "-1", "Infinity", "abc", "1e999999"])
def test_an_odd_price_limit_is_no_limit_never_an_error(client, driver, limit):
    answer = client.get(f"/carparks/?minutes=180&max_price={limit}")
    assert answer.status_code == 200 and "Arndale Car Park" in answer.get_data(as_text=True)


def test_the_list_loads_one_page_and_counts_the_rest_every_word_matching(driver):
    found = place_search.search_places(minutes=180, limit=5)
    assert len(found.rows) == 5 and found.total == db.session.query(ApdsPlace).count() > 5
    assert [r.place.name for r in found.rows] == sorted(r.place.name for r in found.rows)
    words = place_search.search_places(text="ARNDALE  high street", minutes=180)  # words in any case, any order
    assert [r.place.place_id for r in words.rows] == [ARNDALE] and words.total == 1
    assert words.rows[0].quote.total == Decimal("12.20")


def test_list_refresh_is_a_block_for_htmx(client, driver):
    block = client.get("/carparks/", headers={**HX, "HX-Target": "place-list"}).get_data(as_text=True)
    assert block.lstrip().startswith('<section id="place-list"') and "<html" not in block


def test_place_page_has_rates_calculator_and_forms(client, driver):
    page = client.get(f"/carparks/{ARNDALE}").get_data(as_text=True)
    assert "Arndale General Public Tariff" in page and "Evening Flat Rate" in page
    assert "under 1 hr" in page and "£3.70" in page and "£20.50" in page
    assert "Pay by phone" in page and "Register my plate" in page and "Find my session" in page


def test_calculator_answers_as_a_block_and_refuses_nonsense(client, driver):
    block = client.get(f"/carparks/{ARNDALE}/quote?minutes=59", headers=HX)
    assert block.status_code == 200 and "£3.70" in block.get_data(as_text=True)
    assert "<html" not in block.get_data(as_text=True)
    assert client.get(f"/carparks/{ARNDALE}/quote?minutes=60", headers=HX).get_data(as_text=True).count("£6.70") == 1
    assert client.get(f"/carparks/{ARNDALE}/quote?minutes=0", headers=HX).status_code == 422
    assert client.get(f"/carparks/{ARNDALE}/quote?minutes=abc").status_code == 422


def test_occupancy_block_is_cached_briefly_and_shared(client, driver, app, monkeypatch):
    api = app.extensions["providers"].get("apds")
    calls = []
    real = api.occupancy
    monkeypatch.setattr(api, "occupancy", lambda place_id: calls.append(place_id) or real(place_id))
    place = db.session.get(ApdsPlace, ARNDALE)
    place.occupancy_fetched_at = datetime.now(UTC) - timedelta(minutes=5)
    db.session.commit()
    for _ in range(5):
        block = client.get(f"/carparks/{ARNDALE}/occupancy", headers=HX).get_data(as_text=True)
        assert block.lstrip().startswith('<dd id="occupancy"') and "free" in block
    assert calls == [ARNDALE]  # five polls, one platform call


def test_pages_polling_while_the_platform_is_asked_read_the_shared_figure(client, driver, app, monkeypatch):
    api = app.extensions["providers"].get("apds")
    calls, meanwhile = [], []
    real = api.occupancy

    def slow_platform(place_id):
        calls.append(place_id)
        if len(meanwhile) < 3:  # other pages (another worker's requests) poll while this call is under way
            meanwhile.append(app.test_client().get(f"/carparks/{ARNDALE}/occupancy", headers=HX).status_code)
        return real(place_id)

    monkeypatch.setattr(api, "occupancy", slow_platform)
    place = db.session.get(ApdsPlace, ARNDALE)
    place.occupancy_fetched_at = datetime.now(UTC) - timedelta(minutes=5)
    db.session.commit()
    assert client.get(f"/carparks/{ARNDALE}/occupancy", headers=HX).status_code == 200
    assert meanwhile == [200] and calls == [ARNDALE]


def test_unknown_place_is_404(client, driver):
    assert client.get("/carparks/no-such-place").status_code == 404


def test_start_extend_and_stop_a_session(client, driver):
    page = client.get(f"/carparks/{ARNDALE}").get_data(as_text=True)
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', page).group(1)
    vehicle = driver.vehicles[0].id
    started = client.post(f"/carparks/{ARNDALE}/start", data={"vehicle_id": vehicle, "minutes": "120",
                                                              "idempotency_key": key})
    assert started.status_code == 303
    booking = db.session.query(Booking).one()
    assert booking.status == Status.ACTIVE and started.headers["Location"].endswith(booking.public_ref)
    session_page = client.get(started.headers["Location"]).get_data(as_text=True)
    assert "£9.20" in session_page and "Price so far" in session_page
    assert "Enforcement sees your right until" in session_page  # the platform's assigned right (flow 2)
    preview = client.get(f"/carparks/sessions/{booking.public_ref}/extend/quote?minutes=60&version={booking.version}",
                         headers=HX).get_data(as_text=True)
    assert "£12.20" in preview and "£3.00" in preview
    assert client.post(f"/carparks/sessions/{booking.public_ref}/extend",
                       data={"minutes": "60", "version": booking.version}).status_code == 303
    db.session.refresh(booking)
    assert booking.amount is not None and str(booking.amount) == "12.20"
    assert client.post(f"/carparks/sessions/{booking.public_ref}/stop", data={"version": booking.version}
                       ).status_code == 303
    db.session.refresh(booking)
    assert booking.status == Status.COMPLETED


def test_register_plate_page_shows_entry_exit_amount_paid(client, driver, app):
    platform = app.extensions["providers"].sandbox_app("apds")
    events.ensure_subscription("https://parkgo.test" + events.RECEIVER_PATH)
    receiver = app.test_client()
    platform.extensions["apds_sender"] = lambda url, headers, body: receiver.post(
        url.removeprefix("https://parkgo.test"), data=body, headers=headers).status_code
    page = client.get(f"/carparks/{ARNDALE}").get_data(as_text=True)
    key = re.findall(r'name="idempotency_key" type="hidden" value="([^"]+)"', page)[1]
    until = (datetime.now(UTC) + timedelta(days=7)).date().isoformat()
    answer = client.post(f"/carparks/{ARNDALE}/register", data={"vehicle_id": driver.vehicles[0].id,
                                                                "expires_on": until, "idempotency_key": key})
    assert answer.status_code == 303
    ref = answer.headers["Location"].rsplit("/", 1)[-1]
    assert "Not yet" in client.get(f"/carparks/sessions/{ref}").get_data(as_text=True)
    now = datetime.now(UTC)
    control = platform.test_client()
    control.post("/_sandbox/operators/enter", json={"place": ARNDALE, "plate": "BD18SMR",
                                                    "at": (now + timedelta(minutes=1)).isoformat()})
    control.post("/_sandbox/deliveries")
    status = client.get(f"/carparks/sessions/{ref}", headers={**HX, "HX-Target": "session-status"})
    assert "You entered Arndale Car Park at" in status.get_data(as_text=True)
    # the polled block brings the timeline out of band, so the story grows without a reload
    assert 'id="session-timeline" hx-swap-oob="true"' in status.get_data(as_text=True)
    assert "Your vehicle entered the car park" in status.get_data(as_text=True)
    control.post("/_sandbox/operators/exit", json={"place": ARNDALE, "plate": "BD18SMR",
                                                   "at": (now + timedelta(minutes=40)).isoformat()})
    control.post("/_sandbox/deliveries")
    final = client.get(f"/carparks/sessions/{ref}").get_data(as_text=True)
    assert "£3.70" in final and "Paid at" in final and "Completed" in final


def test_im_parked_here_offers_to_pay_the_running_session(client, driver, app):
    platform = app.extensions["providers"].sandbox_app("apds")
    platform.test_client().post("/_sandbox/operators/enter", json={
        "place": ARNDALE, "plate": "BD18SMR", "at": (datetime.now(UTC) - timedelta(minutes=30)).isoformat()})
    found = client.post(f"/carparks/{ARNDALE}/parked-here", data={"vehicle_id": driver.vehicles[0].id})
    page = found.get_data(as_text=True)
    assert found.status_code == 200 and "£3.70" in page and "Pay this session" in page
    session_id = re.search(r'name="session_id" type="hidden" value="([^"]+)"', page).group(1)
    key = re.search(r'id="idempotency_key" name="idempotency_key" type="hidden" value="([^"]+)"', page) or \
        re.findall(r'name="idempotency_key" type="hidden" value="([^"]+)"', page)
    key = key.group(1) if hasattr(key, "group") else key[-1]
    paid = client.post(f"/carparks/{ARNDALE}/pay", data={"vehicle_id": driver.vehicles[0].id,
                                                         "session_id": session_id, "idempotency_key": key})
    assert paid.status_code == 303
    assert db.session.query(Booking).one().status == Status.COMPLETED


def test_im_parked_here_under_a_ticketless_registration_links_to_it_instead_of_paying(client, driver, app):
    from webapp.apds import sessions

    registration = sessions.register_plate(driver.id, ARNDALE, driver.vehicles[0].id,
                                           datetime.now(UTC) + timedelta(days=1), "tl-page-1")
    platform = app.extensions["providers"].sandbox_app("apds")
    platform.test_client().post("/_sandbox/operators/enter", json={
        "place": ARNDALE, "plate": "BD18SMR", "at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat()})
    page = client.post(f"/carparks/{ARNDALE}/parked-here",
                       data={"vehicle_id": driver.vehicles[0].id}).get_data(as_text=True)
    assert "paid automatically when you leave" in page and f"/carparks/sessions/{registration.public_ref}" in page
    assert "Pay this session" not in page


def test_paying_a_stay_already_covered_shows_the_other_booking_and_asks_first(client, driver, app):
    from webapp.apds import sessions

    covering = sessions.start_session(driver.id, ARNDALE, driver.vehicles[0].id, 120, "cover-page-1")
    platform = app.extensions["providers"].sandbox_app("apds")
    platform.test_client().post("/_sandbox/operators/enter", json={
        "place": ARNDALE, "plate": "BD18SMR", "at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat()})
    page = client.post(f"/carparks/{ARNDALE}/parked-here",
                       data={"vehicle_id": driver.vehicles[0].id}).get_data(as_text=True)
    session_id = re.search(r'name="session_id" type="hidden" value="([^"]+)"', page).group(1)
    key = re.findall(r'name="idempotency_key" type="hidden" value="([^"]+)"', page)[-1]
    form = {"vehicle_id": driver.vehicles[0].id, "session_id": session_id, "idempotency_key": key}
    warned = client.post(f"/carparks/{ARNDALE}/pay", data=form)
    text = warned.get_data(as_text=True)
    assert warned.status_code == 409 and covering.public_ref in text and 'name="confirm_overlap"' in text
    assert db.session.query(Booking).count() == 1  # nothing paid yet
    paid = client.post(f"/carparks/{ARNDALE}/pay", data={**form, "confirm_overlap": "y"})
    assert paid.status_code == 303 and db.session.query(Booking).count() == 2


def test_nobody_parked_says_so(client, driver):
    page = client.post(f"/carparks/{ARNDALE}/parked-here", data={"vehicle_id": driver.vehicles[0].id})
    assert "No running session for this vehicle here." in page.get_data(as_text=True)


@pytest.mark.parametrize(("method", "path"), [
    ("post", f"/carparks/{ARNDALE}/start"), ("post", f"/carparks/{ARNDALE}/register"),
    ("post", f"/carparks/{ARNDALE}/parked-here"), ("post", f"/carparks/{ARNDALE}/pay"),
    ("get", "/carparks/sessions/AP-XXXXXX"),
])
def test_booking_pages_need_a_login(client, app, method, path):
    places.sync_places()
    response = getattr(client, method)(path)
    assert response.status_code in (302, 303, 401)


def test_another_drivers_session_is_404(client, driver, make_user, login, app):
    from webapp.apds import sessions

    other = make_user()
    add_vehicle(other.id, "GB", "AB12 CDE")
    theirs = sessions.start_session(other.id, ARNDALE, other.vehicles[0].id, 60, "other-key-1")
    assert client.get(f"/carparks/sessions/{theirs.public_ref}").status_code == 404


def test_near_a_landmark_lists_only_car_parks_within_a_kilometre_nearest_first(client, driver):
    page = client.get("/carparks/?near=arndale").get_data(as_text=True)
    names = re.findall(r'<h2><a href="/carparks/[^"]+">([^<]+)</a></h2>', page)
    assert names[0] in ("Arndale Car Park", "Printworks Car Park") and "South Bank Car Park" not in names
    assert "Castlefield Car Park" not in names  # 1.6 km away
    assert "within 1000 m" in page


def test_near_a_point_lists_car_parks_within_a_kilometre_nearest_first(client, driver):
    page = client.get("/carparks/?lat=51.5080&lon=-0.1281").get_data(as_text=True)  # Trafalgar Square
    assert "within 1000 m, nearest first" in page and "Arndale Car Park" not in page and "Car parks: 0" not in page
    assert 'name="lat" value="51.508"' in page  # a new search keeps the point
    every = client.get("/carparks/").get_data(as_text=True)
    for odd in ("lat=nan&lon=0", "lat=91&lon=0", "lat=abc&lon=1", "lat=51.5"):
        answer = client.get(f"/carparks/?{odd}")
        assert answer.status_code == 200 and "Arndale Car Park" in answer.get_data(as_text=True)  # no point: all
    assert "Arndale Car Park" in every


def test_the_booking_history_links_to_the_car_park_session(client, driver):
    from webapp.apds import sessions

    booking = sessions.start_session(driver.id, ARNDALE, driver.vehicles[0].id, 60, "history-key-1")
    page = client.get(f"/bookings/{booking.public_ref}").get_data(as_text=True)
    assert f'href="/carparks/sessions/{booking.public_ref}"' in page


def test_times_are_the_car_parks_own_and_say_so_to_a_reader_elsewhere(client, driver, app):
    from webapp.core.clock import HELSINKI, LONDON

    platform = app.extensions["providers"].sandbox_app("apds")
    events.ensure_subscription("https://parkgo.test" + events.RECEIVER_PATH)
    receiver = app.test_client()
    platform.extensions["apds_sender"] = lambda url, headers, body: receiver.post(
        url.removeprefix("https://parkgo.test"), data=body, headers=headers).status_code
    page = client.get(f"/carparks/{ARNDALE}").get_data(as_text=True)
    assert 'id="local-time">' in page and "(United Kingdom Time)" in page
    key = re.findall(r'name="idempotency_key" type="hidden" value="([^"]+)"', page)[1]
    day = (datetime.now(UTC) + timedelta(days=7)).date()
    answer = client.post(f"/carparks/{ARNDALE}/register", data={"vehicle_id": driver.vehicles[0].id,
                                                                "expires_on": day.isoformat(), "idempotency_key": key})
    booking = db.session.query(Booking).one()
    # "until that day" is the end of that day on the car park's clock
    assert booking.ends_at == datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=LONDON)
    entered = (datetime.now(UTC) + timedelta(minutes=1)).replace(second=0, microsecond=0)
    control = platform.test_client()
    control.post("/_sandbox/operators/enter", json={"place": ARNDALE, "plate": "BD18SMR", "at": entered.isoformat()})
    control.post("/_sandbox/deliveries")
    ref = answer.headers["Location"].rsplit("/", 1)[-1]
    text = client.get(f"/carparks/sessions/{ref}").get_data(as_text=True)
    london, helsinki = f"{entered.astimezone(LONDON):%H:%M}", f"{entered.astimezone(HELSINKI):%H:%M}"  # en_GB: 24 h
    assert f"You entered Arndale Car Park at {london} (United Kingdom Time)" in text
    assert f"at {helsinki}" not in text


@pytest.mark.parametrize(("asked", "priced"), [("-5", "1 min"), ("3000", "1 day"), ("0", "1 min")])
def test_the_list_says_when_it_prices_another_stay_than_the_one_typed(client, asked, priced):
    html = client.get("/carparks/", query_string={"minutes": asked}).get_data(as_text=True)
    assert "Enter a stay of 1 to 1,440 minutes" in html and f"The prices below are for {priced}." in html
    assert 'aria-invalid="true" aria-describedby="minutes-error"' in html


def test_the_list_says_nothing_of_a_stay_it_can_price(client):
    html = client.get("/carparks/", query_string={"minutes": "90"}).get_data(as_text=True)
    assert "Enter a stay of" not in html and "minutes-error" not in html

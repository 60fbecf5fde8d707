"""Guests look, drivers book: which routes are public is written down here, and everything else asks for a login.

The route table is read at test time: a route a feature adds tomorrow must either be named in
``PUBLIC_ENDPOINTS`` (a decision someone made) or send a guest to the login page.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.seoul.support import register_lot
from webapp.apds import places as apds_places
from webapp.helsinki import areas as helsinki_areas

#: what a guest may open: browsing, prices, signing in, and the machine-to-machine receivers
PUBLIC_ENDPOINTS = frozenset({
    "static", "favicon", "locale.switch",
    "auth.login", "auth.logout", "auth.register", "auth.forgot_password", "auth.reset_password",
    # the map and the lists (H1's map and its layers)
    "maps.home", "maps.find_parking", "maps.layer_geojson",
    # place and lot pages with their price previews
    "parkings.start", "parkings.quote",
    "apds.index", "apds.place", "apds.occupancy", "apds.quote",
    "seoul_lots.index", "seoul_lots.lot", "seoul_lots.live",
    "rentals.search", "rentals.detail", "rentals.total",
    "valet.book", "valet.quote",
    # providers call these, authenticated by their own keys and signatures
    "seoul_ingest.push", "apds_webhooks.receive",
    # the installable app: the same for everybody (webapp/web/offline.py); the list of a driver's pages answers
    # a guest 401 and an empty list (the service worker then forgets what it kept), not a login page
    "offline.manifest", "offline.service_worker", "offline.page", "offline.pages",
})


def _path(rule) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", "1", rule.rule)


def _asks_for_login(response) -> bool:
    location = response.headers.get("Location", "") or response.headers.get("HX-Redirect", "")
    return response.status_code in (302, 401) and urlsplit(location).path == "/login"


def _rules(app):
    return [(rule, method) for rule in app.url_map.iter_rules()
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]


def test_every_route_not_named_public_asks_a_guest_to_log_in(app, client):
    leaks = [f"{method} {rule.rule} ({rule.endpoint}) -> {response.status_code}"
             for rule, method in _rules(app) if rule.endpoint not in PUBLIC_ENDPOINTS
             for response in [client.open(_path(rule), method=method)] if not _asks_for_login(response)]
    assert not leaks, "\n".join(leaks)


def test_the_public_list_names_only_routes_that_exist(app):
    missing = PUBLIC_ENDPOINTS - {rule.endpoint for rule in app.url_map.iter_rules()}
    assert not missing


def test_no_public_page_sends_a_guest_to_the_login(app, client):
    asked = [f"{rule.rule}" for rule, method in _rules(app) if rule.endpoint in PUBLIC_ENDPOINTS - {"auth.logout"}
             and method == "GET" and _asks_for_login(client.get(_path(rule)))]
    assert not asked


def test_the_start_page_leads_a_guest_to_the_map_not_to_the_login(client):
    response = client.get("/")
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/map"
    assert client.get("/map").status_code == 200


@pytest.fixture
def area(app):
    helsinki_areas.sync_areas()
    return next(a for a in helsinki_areas.list_areas() if a.zone == 1 and (a.max_time_in_minutes or 0) >= 120)


def test_a_guest_sees_a_street_area_and_its_price_and_is_asked_to_log_in_to_park(client, area):
    page = client.get(f"/parking/areas/{area.area_id}")
    assert page.status_code == 200 and "€" in page.get_data(as_text=True)
    quote = client.get(f"/parking/areas/{area.area_id}/quote", query_string={"duration": "60"},
                       headers={"HX-Request": "true"})
    assert quote.status_code == 200 and "€" in quote.get_data(as_text=True)
    booking = client.post(f"/parking/areas/{area.area_id}", data={"duration": "120", "vehicle_id": "7"},
                          headers={"Referer": f"http://localhost/parking/areas/{area.area_id}"})
    assert _asks_for_login(booking)
    back = parse_qs(urlsplit(booking.headers["Location"]).query)["next"][0]
    assert back == f"/parking/areas/{area.area_id}"  # the form's page: it shows the form again after the login
    login_page = client.get(booking.headers["Location"]).get_data(as_text=True)
    assert 'class="flash flash-info"' in login_page and "to book" in login_page
    # (every field coming back after the login: tests/web/test_form_after_login.py)


def test_a_guest_sees_car_parks_and_a_seoul_lot_with_prices(app, client):
    apds_places.sync_places()
    listing = client.get("/carparks/?minutes=180")
    assert listing.status_code == 200
    place_id = re.search(r'href="/carparks/([^"/?]+)"', listing.get_data(as_text=True)).group(1)
    assert client.get(f"/carparks/{place_id}").status_code == 200
    how_much = client.get(f"/carparks/{place_id}/quote", query_string={"minutes": "90"}, headers={"HX-Request": "true"})
    assert how_much.status_code == 200
    booking = client.post(f"/carparks/{place_id}/start", headers={
        "HX-Request": "true", "HX-Current-URL": f"http://localhost/carparks/{place_id}?minutes=90"})
    assert _asks_for_login(booking) and booking.status_code == 401
    assert parse_qs(urlsplit(booking.headers["HX-Redirect"]).query)["next"] == [f"/carparks/{place_id}?minutes=90"]
    lot_id = register_lot(app)
    assert client.get("/seoul/lots").status_code == 200
    lot = client.get(f"/seoul/lots/{lot_id}", query_string={"hours": "2", "minutes": "0"})
    html = lot.get_data(as_text=True)
    assert lot.status_code == 200 and ("원" in html or "₩" in html)


def test_a_guest_gets_valet_and_rent_car_prices_and_booking_asks_for_a_login(client):
    valet = client.get("/valet/")
    assert valet.status_code == 200 and "€" in valet.get_data(as_text=True)
    assert client.get("/rentals/").status_code == 200
    booking = client.post("/valet/", data={"location": "SPL", "persons": "3", "email": "guest@example.com",
                                           "first_name": "Anna"})
    assert _asks_for_login(booking)
    back = parse_qs(urlsplit(booking.headers["Location"]).query)["next"][0]
    assert back == "/valet/"  # the form's page; what was typed is kept on the server, never in a URL


def test_a_page_that_needs_a_login_comes_back_without_a_stray_question_mark(client):
    response = client.get("/bookings")
    assert response.headers["Location"].endswith("/login?next=/bookings")
    with_query = client.get("/bookings?page=2")
    assert parse_qs(urlsplit(with_query.headers["Location"]).query)["next"] == ["/bookings?page=2"]


def test_a_form_from_another_site_never_becomes_the_way_back(client):
    response = client.post("/rentals/cars/ABC/1", headers={"Referer": "https://evil.example/phish"})
    assert parse_qs(urlsplit(response.headers["Location"]).query)["next"] == ["/rentals/cars/ABC/1"]


def test_a_guest_who_signs_up_to_book_comes_back_after_logging_in(client):
    login_page = client.get("/login?next=/valet/").get_data(as_text=True)
    assert 'href="/register?next=/valet/"' in login_page
    signed_up = client.post("/register?next=/valet/", data={"email": "new@example.com", "password": "a long password",
                                                            "confirm": "a long password"})
    assert signed_up.status_code == 303
    assert parse_qs(urlsplit(signed_up.headers["Location"]).query)["next"] == ["/valet/"]
    logged_in = client.post(signed_up.headers["Location"], data={"email": "new@example.com",
                                                                 "password": "a long password"})
    assert logged_in.headers["Location"] == "/valet/"
    elsewhere = client.post("/register?next=//evil.example/", data={"email": "b@example.com",
                                                                    "password": "a long password",
                                                                    "confirm": "a long password"})
    assert "evil" not in elsewhere.headers["Location"]

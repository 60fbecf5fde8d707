"""The Helsinki sandbox alone (Flask test client): protocol, headers, languages, limits, data."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import jwt
import pytest

from webapp.core.sandbox_kit import DroppedReplyError
from webapp.helsinki.sandbox import create_sandbox
from webapp.helsinki.sandbox.protocol import HELSINKI

JSON = "application/json"
KAMPPI = "101001"
DEMO_PASSWORD = "secret password"  # the seed's demo operator (§3.1.1)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock():
    return Clock(datetime(2026, 11, 10, 10, 0, tzinfo=HELSINKI))


@pytest.fixture
def make_sandbox(tmp_path, clock):
    apps = []

    def make(credentials=None, state_dir=tmp_path):
        app = create_sandbox(state_dir, credentials or {})
        app.config["CLOCK"] = clock
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["helsinki_store"].dispose()


@pytest.fixture
def sandbox(make_sandbox):
    return make_sandbox()


@pytest.fixture
def api(sandbox):
    return sandbox.test_client()


def login(api, username="client_00", password=DEMO_PASSWORD) -> str:
    response = api.post("/api/v1/authenticate", json={"username": username, "password": password},
                        headers={"Accept": JSON})
    assert response.status_code == 200, response.json
    return response.json["token"]


def auth(token: str, **extra: str) -> dict:
    return {"Accept": JSON, "Authorization": f"Bearer {token}", **extra}


def parking_body(clock, **overrides) -> dict:
    body = {
        "area_id": KAMPPI, "device_id": "MobileDevice123",
        "location": {"address": {"city": "Helsinki", "postal_code": "00100", "street_address": "Fredrikinkatu 42"},
                     "geometry": {"type": "Point", "coordinates": [60.1661, 24.9351]}},
        "operator_id": "client_00", "register_number": "ABC-123",
        "start_parking_date_time": clock.now.isoformat(),
        "stop_parking_date_time": (clock.now + timedelta(hours=1)).isoformat(),
        "timestamp": clock.now.isoformat(), "zone": 1,
    }
    body.update(overrides)
    return body


def error_of(response) -> tuple[int, int, str | None]:
    body = response.json
    assert isinstance(body["links"], list)
    entry = body["errors"][0]
    assert isinstance(entry["message"], str) and isinstance(entry["visible_to_user"], bool)
    return response.status_code, entry["code"], entry.get("field")


# -- transport and headers ------------------------------------------------------------------

@pytest.mark.parametrize(("headers", "base_url", "expected"), [
    ({"X-Forwarded-Proto": "http"}, "http://localhost", 403),
    ({"X-Forwarded-Proto": "https"}, "http://localhost", 200),
    ({}, "http://localhost", 200),
    ({}, "https://localhost", 200),
])
def test_plain_http_is_forbidden(api, headers, base_url, expected):
    response = api.get("/api/v1", headers={"Accept": JSON, **headers}, base_url=base_url)
    assert response.status_code == expected
    if expected == 403:
        assert error_of(response) == (403, 1112, None)


@pytest.mark.parametrize("accept", [None, "text/html", "*/*", "application/json;q=0", "application/xml"])
def test_accept_must_name_json(api, accept):
    headers = {"Accept": accept} if accept else {}
    assert error_of(api.get("/api/v1", headers=headers)) == (406, 1106, None)


@pytest.mark.parametrize("accept", ["application/json", "application/json; charset=utf-8",
                                    "text/html, application/json;q=0.5"])
def test_accept_variants_naming_json_pass(api, accept):
    assert api.get("/api/v1", headers={"Accept": accept}).status_code == 200


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_bodies_need_json_content_type_415(api, content_type):
    headers = {"Accept": JSON}
    if content_type:
        headers["Content-Type"] = content_type
    response = api.post("/api/v1/authenticate", data=b'{"username": "client_00"}', headers=headers)
    assert error_of(response) == (415, 1107, None)


def test_json_content_type_with_charset_is_accepted(api):
    response = api.post("/api/v1/authenticate", data=b'{"username":"client_00","password":"secret password"}',
                        headers={"Accept": JSON, "Content-Type": "application/json; charset=UTF-8"})
    assert response.status_code == 200 and response.json["token"]


@pytest.mark.parametrize("body", [b"{not json", b"", b"[1, 2]", b'"text"'])
def test_invalid_json_is_1111(api, body):
    response = api.post("/api/v1/authenticate", data=body, headers={"Accept": JSON, "Content-Type": JSON})
    assert error_of(response) == (400, 1111, None)


def test_invalid_json_on_parking_create_is_1111(api):
    response = api.post("/api/v1/parkings", data=b"{", headers={**auth(login(api)), "Content-Type": JSON})
    assert error_of(response) == (400, 1111, None)


# -- authentication ----------------------------------------------------------------------------------

def test_entry_point_without_token_offers_only_authentication(api):
    body = api.get("/api/v1", headers={"Accept": JSON}).json
    assert [link["rel"] for link in body["links"]] == ["/authenticate"]
    assert body["version"] and "rate_limits" not in body and "status" not in body


@pytest.mark.parametrize("header", ["Bearer nonsense", "Bearer ", "Basic Y2xpZW50XzAwOnNlY3JldA=="])
def test_invalid_authorization_is_401(api, header):
    response = api.get("/api/v1/areas", headers={"Accept": JSON, "Authorization": header})
    assert error_of(response) == (401, 1104, None)


def test_missing_authorization_is_401(api):
    assert error_of(api.get("/api/v1/parkings?register_number=A-1", headers={"Accept": JSON}))[:2] == (401, 1104)


def test_wrong_password_is_401(api):
    response = api.post("/api/v1/authenticate", json={"username": "client_00", "password": "nope"},
                        headers={"Accept": JSON})
    assert error_of(response)[:2] == (401, 1104)


def test_token_expires_on_the_sandbox_clock(api, clock):
    token = login(api)
    assert api.get("/api/v1/areas", headers=auth(token)).status_code == 200
    clock.advance(seconds=3600)
    assert error_of(api.get("/api/v1/areas", headers=auth(token))) == (401, 1104, None)


def test_token_carries_rights_and_expiry(api):
    claims = jwt.decode(login(api), options={"verify_signature": False})
    assert claims["sub"] == "client_00" and "parkings:write" in claims["rights"]
    assert claims["exp"] - claims["iat"] == 3600


def test_jwt_secret_is_shared_through_the_state_dir(make_sandbox, tmp_path):
    first, second = make_sandbox(), make_sandbox()
    token = login(first.test_client())
    assert second.test_client().get("/api/v1/areas", headers=auth(token)).status_code == 200
    other_dir = make_sandbox(state_dir=tmp_path / "elsewhere")
    assert other_dir.test_client().get("/api/v1/areas", headers=auth(token)).status_code == 401


def test_given_credentials_and_jwt_secret_are_used(make_sandbox, tmp_path):
    app = make_sandbox({"username": "op_x", "password": "pw-x", "jwt_secret": "s" * 40}, tmp_path / "given")
    api = app.test_client()
    login(api, "op_x", "pw-x")
    assert app.config["HELSINKI_JWT_SECRET"] == "s" * 40


def test_missing_right_is_403_1000(api, clock):
    token = login(api, "viewer_00", "viewer password")
    assert api.get("/api/v1/areas", headers=auth(token)).status_code == 200
    assert error_of(api.get("/api/v1/parkings?register_number=A-1", headers=auth(token))) == (403, 1000, None)
    assert error_of(api.post("/api/v1/parkings", json=parking_body(clock), headers=auth(token)))[:2] == (403, 1000)
    body = api.get("/api/v1", headers=auth(token)).json
    assert {link["rel"] for link in body["links"]} == {"/areas", "/day_types"}


# -- languages -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("language", "message"), [
    (None, "Puutteelliset hakuehdot"),
    ("fi", "Puutteelliset hakuehdot"),
    ("sv-SE", "Bristfälliga sökvillkor"),
    ("en-GB", "Incomplete query"),
    ("en-US", "Incomplete query"),
    ("fi;q=0.2, en;q=0.9", "Incomplete query"),
    ("fi-FI, fi; q=0.8, en-US; q=0.6, en; q=0.4", "Puutteelliset hakuehdot"),
    ("de, sv;q=0.1", "Bristfälliga sökvillkor"),
    ("*", "Puutteelliset hakuehdot"),
])
def test_accept_language_chooses_message_language(api, language, message):
    headers = auth(login(api))
    if language:
        headers["Accept-Language"] = language
    response = api.get("/api/v1/parkings", headers=headers)
    assert response.json["errors"][0]["message"] == message


def test_unsupported_language_only_is_406_1105(api):
    response = api.get("/api/v1", headers={"Accept": JSON, "Accept-Language": "de-DE, ko"})
    assert error_of(response) == (406, 1105, None)


def test_link_titles_follow_language_and_area_names_keep_all(api):
    headers = auth(login(api), **{"Accept-Language": "sv"})
    body = api.get(f"/api/v1/areas/{KAMPPI}", headers=headers).json
    assert body["areas"][0]["area_name"] == {"fi": "Kamppi, Fredrikinkatu 42", "sv": "Kampen, Fredriksgatan 42",
                                             "en": "Kamppi, Fredrikinkatu 42"}
    assert {link["title"] for link in body["links"]} >= {"Parkeringsområden", "Parkeringar"}


@pytest.mark.parametrize(("code", "path", "finnish"), [
    (1200, "/api/v1/parkings/D8AF256C-B090-4A87-974E-477BCA08AF41", "Tuntematon pysäköinti"),
    (1202, "/api/v1/parkings/xyz", "Pakollinen tieto puuttuu tai on virheellinen: "
                                   "Pysäköinnin luonnista saatu yksilöivä tunniste (parking_id)"),
])
def test_finnish_messages_are_the_seeds(api, code, path, finnish):
    entry = api.delete(path, headers=auth(login(api))).json["errors"][0]
    assert (entry["code"], entry["message"]) == (code, finnish)


# -- rate limits ---------------------------------------------------------------------------------------

def test_rate_limit_from_credentials_429_with_retry_after(make_sandbox, clock):
    api = make_sandbox({"rate_limit_parkings": "2", "rate_window_parkings": "60"}).test_client()
    token = login(api)
    for _ in range(2):
        assert api.get("/api/v1/parkings?register_number=A-1", headers=auth(token)).status_code == 404
    response = api.get("/api/v1/parkings?register_number=A-1", headers=auth(token))
    assert error_of(response) == (429, 1001, None)
    assert response.headers["Retry-After"] == "60"
    other = login(api, "client_01", "other password")
    assert api.get("/api/v1/parkings?register_number=A-1", headers=auth(other)).status_code == 404
    limits = {row["resource"]: row for row in api.get("/api/v1", headers=auth(token)).json["rate_limits"]}
    assert (limits["/parkings"]["limit"], limits["/parkings"]["remaining"]) == (2, 0)
    assert limits["/areas"]["remaining"] == limits["/areas"]["limit"]
    clock.advance(seconds=60)
    assert api.get("/api/v1/parkings?register_number=A-1", headers=auth(token)).status_code == 404


def test_rate_counters_are_shared_by_processes_on_one_state_dir(make_sandbox):
    first, second = make_sandbox({"rate_limit_areas": "3"}), make_sandbox({"rate_limit_areas": "3"})
    token = login(first.test_client())
    for app in (first, second, first):
        assert app.test_client().get(f"/api/v1/areas/{KAMPPI}", headers=auth(token)).status_code == 200
    assert second.test_client().get(f"/api/v1/areas/{KAMPPI}", headers=auth(token)).status_code == 429


# -- reference data ------------------------------------------------------------------------------------

def _metres(a, b) -> float:
    dlat = (a[0] - b[0]) * 111_320
    dlon = (a[1] - b[1]) * 111_320 * math.cos(math.radians(a[0]))
    return math.hypot(dlat, dlon)


def test_areas_are_realistic_and_latitude_first(api):
    areas = api.get("/api/v1/areas", headers=auth(login(api))).json["areas"]
    assert len(areas) >= 60 and len({a["area_id"] for a in areas}) == len(areas)
    names = " ".join(a["area_name"]["fi"] + a["area_name"]["sv"] for a in areas)
    for place in ("Kamppi", "Rödbergen", "Berghäll", "Tölö", "Kronohagen", "Ulrikasborg", "Skatudden", "Hagnäs",
                  "Sörnäs", "Böle", "Munksnäs", "Drumsö", "Vallgård", "Etu-Töölö", "Eira"):
        assert place in names
    prices = {1: 4.2, 2: 2.8, 3: 1.2}
    for area in areas:
        ring = area["location"]["geometry"]["coordinates"][0]
        assert ring[0] == ring[-1] and len(ring) == 5
        assert all(60.1 < lat < 60.25 and 24.8 < lon < 25.0 for lat, lon in ring)  # seed §2.5: lat first
        assert 25 <= _metres(ring[0], ring[1]) <= 65
        assert {t["hourly_price"] for t in area["tariffs"]} == {prices[area["zone"]]}
        assert isinstance(area["area_id"], str) and area["resident_parking_codes"]
        assert area["max_capacity"] > 0


def test_zone_tariff_windows(api):
    headers = auth(login(api))
    windows = {}
    for area_id in (KAMPPI, "210001", "316001"):
        area = api.get(f"/api/v1/areas/{area_id}", headers=headers).json["areas"][0]
        windows[area["zone"]] = {t["day_type"]: (t["time"]["from"], t["time"]["until"]) for t in area["tariffs"]}
    assert windows == {1: {"BUSINESS_DAY": ("09", "21"), "SATURDAY": ("09", "18")},
                       2: {"BUSINESS_DAY": ("09", "18"), "SATURDAY": ("09", "15")},
                       3: {"BUSINESS_DAY": ("08", "18")}}


def test_unknown_area_is_404_1110(api):
    assert error_of(api.get("/api/v1/areas/000000", headers=auth(login(api)))) == (404, 1110, "area_id")


def test_day_types_include_holidays_and_default_horizon(api, clock):
    headers = auth(login(api))
    rows = api.get("/api/v1/day_types", headers=headers).json["day_types"]
    assert rows[0]["date"] == "2026-11-10" and len(rows) == 400
    by_date = {row["date"]: row["day_type"] for row in rows}
    assert by_date["2026-12-06"] == by_date["2026-12-24"] == by_date["2027-01-06"] == "SUNDAY"
    assert by_date["2026-12-05"] == "SATURDAY" and by_date["2026-12-07"] == "BUSINESS_DAY"
    rows = api.get("/api/v1/day_types?start_date=2027-05-06", headers=headers).json["day_types"]
    assert rows[0] == {"date": "2027-05-06", "day_type": "SUNDAY"} and len(rows) == 400
    rows = api.get("/api/v1/day_types?end_date=2026-11-12", headers=headers).json["day_types"]
    assert [row["date"] for row in rows] == ["2026-11-10", "2026-11-11", "2026-11-12"]
    assert error_of(api.get("/api/v1/day_types?start_date=14.10.2016", headers=headers)) == (400, 1201, "start_date")
    assert date.fromisoformat(rows[-1]["date"]) == date(2026, 11, 12)


# -- parkings ---------------------------------------------------------------------------------------------

def test_create_returns_201_with_whole_resource(api, clock):
    response = api.post("/api/v1/parkings", json=parking_body(clock), headers=auth(login(api)))
    assert response.status_code == 201
    body = response.json
    assert body["status"] == "valid" and body["parking_id"] in response.headers["Location"]
    assert body["start_parking_date_time"] == "2026-11-10T10:00:00+02:00"
    assert body["location"]["geometry"]["coordinates"] == [60.1661, 24.9351]
    assert {link["method"] for link in body["links"]} >= {"PUT", "DELETE", "GET", "POST"}


@pytest.mark.parametrize(("change", "expected"), [
    ({"area_id": None}, (400, 1201, "area_id")),
    ({"area_id": "424242"}, (400, 1201, "area_id")),
    ({"register_number": None}, (400, 1203, "register_number")),
    ({"register_number": "ABC_123!"}, (400, 1203, "register_number")),
    ({"start_parking_date_time": "soon"}, (400, 1206, "start_parking_date_time")),
    ({"start_parking_date_time": "2026-11-10T12:00:00+02:00"}, (400, 1206, "start_parking_date_time")),
    ({"stop_parking_date_time": None}, (400, 1207, "stop_parking_date_time")),
    ({"device_id": ""}, (400, 1201, "device_id")),
    ({"location": {"address": {}}}, (400, 1201, "location.geometry")),
    ({"location": {"geometry": {"type": "Line", "coordinates": []}}}, (400, 1201, "location.geometry")),
    ({"operator_id": None}, (400, 1201, "operator_id")),
    ({"timestamp": None}, (400, 1201, "timestamp")),
    ({"zone": None}, (400, 1201, "zone")),
    ({"zone": "1"}, (400, 1201, "zone")),
])
def test_create_checks_each_required_field(api, clock, change, expected):
    body = parking_body(clock)
    for key, value in change.items():
        if value is None:
            body.pop(key)
        else:
            body[key] = value
    assert error_of(api.post("/api/v1/parkings", json=body, headers=auth(login(api)))) == expected


def test_query_needs_a_filter_and_reports_no_results(api, clock):
    headers = auth(login(api))
    assert error_of(api.get("/api/v1/parkings", headers=headers)) == (400, 1201, None)
    response = api.get("/api/v1/parkings?register_number=NONE-1", headers=headers)
    assert error_of(response) == (404, 1110, None) and response.json["errors"][0]["visible_to_user"] is True
    assert error_of(api.get("/api/v1/parkings?status=maybe", headers=headers)) == (400, 1201, "status")
    assert error_of(api.get("/api/v1/parkings?start_parking_date_time=x", headers=headers))[1] == 1206
    assert error_of(api.get("/api/v1/parkings?stop_parking_date_time=x", headers=headers))[1] == 1207


def test_query_by_naive_time_reads_helsinki_local(api, clock):
    headers = auth(login(api))
    api.post("/api/v1/parkings", json=parking_body(clock), headers=headers)
    found = api.get("/api/v1/parkings?start_parking_date_time=2026-11-10T10:30:00", headers=headers)
    assert len(found.json["parkings"]) == 1
    none = api.get("/api/v1/parkings?start_parking_date_time=2026-11-10T11:30:00", headers=headers)
    assert none.status_code == 404


def _create(api, clock, token) -> dict:
    return api.post("/api/v1/parkings", json=parking_body(clock), headers=auth(token)).json


def test_update_and_cancel_need_a_parking_id(api):
    headers = auth(login(api))
    assert error_of(api.put("/api/v1/parkings", json={}, headers=headers)) == (400, 1202, "parking_id")
    assert error_of(api.delete("/api/v1/parkings", headers=headers)) == (400, 1202, "parking_id")
    assert error_of(api.put("/api/v1/parkings/123", json={}, headers=headers)) == (400, 1202, "parking_id")


def test_body_parking_id_must_match_path(api, clock):
    token = login(api)
    created = _create(api, clock, token)
    body = {"parking_id": "D8AF256C-B090-4A87-974E-477BCA08AF41"}
    response = api.put(f"/api/v1/parkings/{created['parking_id']}", json=body, headers=auth(token))
    assert error_of(response) == (400, 1202, "parking_id")


def test_after_regret_only_stop_changes_and_areaId_spelling_works(api, clock):
    token = login(api)
    created = _create(api, clock, token)
    url = f"/api/v1/parkings/{created['parking_id']}"
    clock.advance(minutes=5)
    new_stop = (clock.now + timedelta(hours=2)).isoformat()
    echo = {**created, "stop_parking_date_time": new_stop, "timestamp": clock.now.isoformat()}
    response = api.put(url, json=echo, headers=auth(token))
    assert response.status_code == 200 and response.json["stop_parking_date_time"] == "2026-11-10T12:05:00+02:00"
    seed_style = {"areaId": KAMPPI, "stop_parking_date_time": new_stop, "timestamp": clock.now.isoformat()}
    assert api.put(url, json=seed_style, headers=auth(token)).status_code == 200
    changed = {**seed_style, "register_number": "ZZZ-999"}
    assert error_of(api.put(url, json=changed, headers=auth(token))) == (400, 1204, "register_number")
    moved = {**seed_style, "start_parking_date_time": clock.now.isoformat()}
    assert error_of(api.put(url, json=moved, headers=auth(token))) == (400, 1204, "start_parking_date_time")
    no_area = {"stop_parking_date_time": new_stop, "timestamp": clock.now.isoformat()}
    assert error_of(api.put(url, json=no_area, headers=auth(token))) == (400, 1201, "areaId")
    no_time = {"areaId": KAMPPI, "stop_parking_date_time": new_stop}
    assert error_of(api.put(url, json=no_time, headers=auth(token))) == (400, 1201, "timestamp")
    past = {**seed_style, "stop_parking_date_time": (clock.now - timedelta(seconds=1)).isoformat()}
    assert error_of(api.put(url, json=past, headers=auth(token))) == (400, 1207, "stop_parking_date_time")


def test_within_regret_put_stop_in_past_is_1207(api, clock):
    token = login(api)
    created = _create(api, clock, token)
    clock.advance(seconds=30)
    body = {"stop_parking_date_time": (clock.now - timedelta(seconds=10)).isoformat(),
            "timestamp": clock.now.isoformat()}
    response = api.put(f"/api/v1/parkings/{created['parking_id']}", json=body, headers=auth(token))
    assert error_of(response) == (400, 1207, "stop_parking_date_time")


@pytest.mark.parametrize(("seconds", "status"), [(0, 204), (119, 204), (120, 400), (3000, 400)])
def test_cancel_only_within_two_minutes_of_start(api, clock, seconds, status):
    token = login(api)
    created = _create(api, clock, token)
    clock.advance(seconds=seconds)
    response = api.delete(f"/api/v1/parkings/{created['parking_id']}", headers=auth(token))
    assert response.status_code == status
    if status == 400:
        assert error_of(response) == (400, 1204, "parking_id")


def test_regret_time_counts_from_start_not_creation(api, clock):
    token = login(api)
    later = parking_body(clock, start_parking_date_time=(clock.now + timedelta(hours=1)).isoformat(),
                         stop_parking_date_time=(clock.now + timedelta(hours=2)).isoformat())
    created = api.post("/api/v1/parkings", json=later, headers=auth(token)).json
    assert created["status"] == "not_valid"
    clock.advance(minutes=30)
    assert api.delete(f"/api/v1/parkings/{created['parking_id']}", headers=auth(token)).status_code == 204


def test_other_operators_parking_is_1205(api, clock):
    created = _create(api, clock, login(api))
    other = login(api, "client_01", "other password")
    url = f"/api/v1/parkings/{created['parking_id']}"
    assert error_of(api.delete(url, headers=auth(other))) == (403, 1205, "parking_id")
    assert error_of(api.put(url, json={"timestamp": clock.now.isoformat()}, headers=auth(other)))[1] == 1205


# -- robustness ------------------------------------------------------------------------------------------

def test_every_answer_carries_links(api):
    for response in (api.get("/api/v1/nowhere", headers={"Accept": JSON}),
                     api.patch("/api/v1/areas", headers={"Accept": JSON, "Content-Type": JSON}, json={}),
                     api.get("/api/v1", headers={"Accept": JSON})):
        assert isinstance(response.json["links"], list) and response.json["links"]
    assert error_of(api.get("/api/v1/nowhere", headers={"Accept": JSON}))[:2] == (404, 1110)


def test_forced_fault_answers_in_seed_format(sandbox, api):
    sandbox.extensions["faults"].status = 503
    response = api.get("/api/v1", headers={"Accept": JSON, "Accept-Language": "en"})
    assert error_of(response) == (503, 9999, None)
    assert response.json["errors"][0]["message"] == "Temporary disruption, please try again."


def test_dropped_reply_happens_after_commit(sandbox, api, clock):
    token = login(api)
    sandbox.extensions["faults"].drop_after_commit = 1
    with pytest.raises(DroppedReplyError):
        api.post("/api/v1/parkings", json=parking_body(clock, register_number="LOST-1"), headers=auth(token))
    found = api.get("/api/v1/parkings?register_number=LOST-1", headers=auth(token)).json["parkings"]
    assert len(found) == 1

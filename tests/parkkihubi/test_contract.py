"""ParkkihubiClient against the hub sandbox, in process: every rule of shared/parkkihubi-operator-api.md.

The raw HTTP cases (status, body, headers) check the sandbox against the document; the client
cases check how each answer reaches the app (typed result or typed error).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from webapp.core.errors import (
    ProviderAuthError,
    ProviderBadResponseError,
    ProviderNotFoundError,
    ProviderRejectedError,
    ProviderTimeoutError,
    ProviderUnavailableError,
)
from webapp.core.http import HttpSettings, build_http_client
from webapp.core.sandbox_kit import SandboxTransport
from webapp.parkkihubi.client import GRACE_PERIOD_OVER, NOT_FOUND, ParkkihubiClient, error_from_response
from webapp.parkkihubi.sandbox import DEMO_API_KEY, ENFORCER_KEY, OTHER_OPERATOR_KEY, create_sandbox

BASE_URL = "https://parkkihubi.sandbox/"
PARKINGS = "/operator/v1/parking/"
SENATE_SQUARE = (24.9525, 60.1695)  # lon, lat
T0 = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


class Clock:
    """The hub sandbox's clock, moved by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def hub(tmp_path):
    app = create_sandbox(tmp_path, {})
    app.config["CLOCK"] = Clock(T0)
    return app


@pytest.fixture
def clock(hub):
    return hub.config["CLOCK"]


def _client(hub, key: str = DEMO_API_KEY) -> ParkkihubiClient:
    http = build_http_client(HttpSettings("parkkihubi", BASE_URL, retries=0), transport=SandboxTransport(hub))
    return ParkkihubiClient(http, key)


@pytest.fixture
def client(hub):
    return _client(hub)


@pytest.fixture
def raw(hub):
    """The sandbox over HTTP as any client would call it, with the demo operator's key."""
    http = httpx.Client(base_url=BASE_URL.rstrip("/"), transport=SandboxTransport(hub),
                        headers={"Authorization": f"ApiKey {DEMO_API_KEY}"})
    yield http
    http.close()


def _parking(**overrides) -> dict:
    body = {"registration_number": "PEER-636", "zone": "1", "time_start": "2026-12-07T10:00:00Z",
            "time_end": "2026-12-07T11:00:00Z", "location": {"type": "Point", "coordinates": list(SENATE_SQUARE)}}
    body.update(overrides)
    return body


def _create(client, **overrides):
    fields = {"registration_number": "ABC-123", "zone": "1", "time_start": T0, "time_end": T0 + timedelta(hours=1),
              "location": SENATE_SQUARE, "terminal_number": "parkgo:HP-TEST01"}
    fields.update(overrides)
    return client.create_parking(**fields)


# -- authentication ---------------------------------------------------------------------------


@pytest.mark.parametrize(("header", "detail"), [
    (None, "Authentication credentials were not provided."),
    (f"Token {DEMO_API_KEY}", "Authentication credentials were not provided."),
    ("ApiKey", "Invalid token header. No credentials provided."),
    ("ApiKey " + "0" * 40, "Invalid token."),
])
def test_refused_credentials_are_drfs_401_naming_the_apikey_scheme(hub, header, detail):
    headers = {"Authorization": header} if header else {}
    response = hub.test_client().post(PARKINGS, json=_parking(), headers=headers)
    assert response.status_code == 401
    assert response.json == {"detail": detail}
    assert response.headers["WWW-Authenticate"] == "ApiKey"


def test_the_keyword_is_case_insensitive(hub):
    response = hub.test_client().post(PARKINGS, json=_parking(), headers={"Authorization": f"apikey {DEMO_API_KEY}"})
    assert response.status_code == 201


def test_a_key_that_is_no_operators_is_403_permission_denied_and_an_auth_error_to_the_client(hub):
    with pytest.raises(ProviderAuthError) as raised:
        _create(_client(hub, ENFORCER_KEY))
    assert raised.value.code == "permission_denied" and raised.value.status_code == 403


def test_a_wrong_key_is_an_auth_error(hub):
    with pytest.raises(ProviderAuthError):
        _create(_client(hub, "f" * 40))


def test_the_client_needs_a_key(hub):
    with pytest.raises(ValueError):
        _client(hub, "")


# -- routes ---------------------------------------------------------------------------------


def test_a_path_without_its_slash_is_301_to_it_and_the_body_is_not_kept(raw):
    response = raw.post(PARKINGS.rstrip("/"), json=_parking())
    assert response.status_code == 301 and response.headers["Location"] == PARKINGS
    assert response.content == b""


def test_a_parking_cannot_be_read_back(raw, client):
    parking = _create(client)
    for path in (PARKINGS, f"{PARKINGS}{parking.id}/"):
        response = raw.get(path)
        assert response.status_code == 405 and response.json() == {"detail": 'Method "GET" not allowed.'}


def test_unknown_routes_are_an_html_404_and_the_client_calls_that_no_api(raw, hub):
    response = raw.get("/operator/v1/enforcement_domain/")
    assert response.status_code == 404 and response.headers["Content-Type"].startswith("text/html")
    error = error_from_response(response)
    assert isinstance(error, ProviderBadResponseError)


def test_the_api_root_is_for_admins_only(raw):
    response = raw.get("/operator/v1/")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"


def test_method_override_works_for_patch_and_delete_only(raw, client):
    parking = _create(client)
    patched = raw.post(f"{PARKINGS}{parking.id}/?method=PATCH", json={"time_end": "2026-12-07T12:00:00Z"})
    assert patched.status_code == 200 and patched.json()["time_end"] == "2026-12-07T12:00:00Z"
    refused = raw.post(f"{PARKINGS}?method=GET", json=_parking())
    assert refused.status_code == 405 and refused.content == b""
    assert raw.post(f"{PARKINGS}{parking.id}/?method=DELETE").status_code == 204


def test_payment_zones_are_paginated_codes_without_geometry_or_price(raw, client):
    page = raw.get("/operator/v1/payment_zone/").json()
    assert page["count"] == 3 and page["next"] is None and page["previous"] is None
    assert page["results"][0] == {"domain": "HKI", "code": "1", "name": "Maksuvyöhyke 1"}
    assert raw.get("/operator/v1/payment_zone/?page=2").json() == {"detail": "Invalid page."}
    assert [zone.code for zone in client.payment_zones()] == ["1", "2", "3"]


def test_permit_areas_are_the_operators_own(raw, hub):
    assert raw.get("/operator/v1/permit_area/").json()["results"] == [
        {"code": "A", "domain": "HKI", "name": "Asukaspysäköintialue A"}]
    other = hub.test_client().get("/operator/v1/permit_area/",
                                  headers={"Authorization": f"ApiKey {OTHER_OPERATOR_KEY}"})
    assert other.json["results"] == []


# -- the parking object -------------------------------------------------------------------------


def test_create_answers_the_whole_parking_with_an_integer_zone_and_no_location_header(raw):
    response = raw.post(PARKINGS, json=_parking())
    body = response.json()
    assert response.status_code == 201 and "Location" not in response.headers
    assert list(body) == ["id", "created_at", "modified_at", "location", "terminal_number", "registration_number",
                          "time_start", "time_end", "zone", "status", "domain"]
    assert uuid.UUID(body["id"]) and body["zone"] == 1 and body["terminal_number"] == "" and body["domain"] == "HKI"
    assert body["location"] == {"type": "Point", "coordinates": list(SENATE_SQUARE)}
    assert body["created_at"].endswith("Z") and body["status"] == "valid"


def test_the_client_reads_the_parking_and_keeps_the_zone_as_its_code(client):
    parking = _create(client)
    assert parking.zone == "1" and parking.terminal_number == "parkgo:HP-TEST01"
    assert parking.time_start == T0 and parking.time_end == T0 + timedelta(hours=1)
    assert parking.location.coordinates == SENATE_SQUARE and parking.status == "valid"


@pytest.mark.parametrize(("sent", "echoed"), [
    ("2026-12-07T12:00:00", "2026-12-07T12:00:00Z"),  # no offset: UTC
    ("2026-12-07T15:46:36.123456+02:00", "2026-12-07T13:46:36.123456Z"),
    ("2026-12-07 14:00:00+0200", "2026-12-07T12:00:00Z"),
    ("2026-12-08", "2026-12-08T00:00:00Z"),
])
def test_times_are_read_as_the_hub_reads_them(raw, sent, echoed):
    response = raw.post(PARKINGS, json=_parking(time_start="2026-12-07T00:00:00Z", time_end=sent))
    assert response.status_code == 201 and response.json()["time_end"] == echoed


@pytest.mark.parametrize("value", ["tomorrow", 1733480000])
def test_unreadable_times_are_refused(raw, value):
    response = raw.post(PARKINGS, json=_parking(time_start=value))
    assert response.status_code == 400
    assert response.json()["time_start"][0].startswith("Datetime has wrong format.")


@pytest.mark.parametrize(("overrides", "errors"), [
    ({"registration_number": "   "}, {"registration_number": ["This field may not be blank."]}),
    ({"registration_number": "X" * 21},
     {"registration_number": ["Ensure this field has no more than 20 characters."]}),
    ({"terminal_number": "T" * 51}, {"terminal_number": ["Ensure this field has no more than 50 characters."]}),
    ({"zone": "9"}, {"zone": ["Object with code=9 does not exist."]}),
    ({"zone": None}, {"zone": ["This field may not be null."]}),
    ({"domain": "XXX"}, {"zone": ["Object with code=1 does not exist."],
                         "domain": ["Object with code=XXX does not exist."]}),
    ({"time_end": "2026-12-07T09:00:00Z"}, {"non_field_errors": ['"time_start" cannot be after "time_end".']}),
    ({"location": "somewhere"}, {"location": [
        "Unable to convert to python object: String input unrecognized as WKT EWKT, and HEXEWKB."]}),
])
def test_field_errors_are_drfs_field_map(raw, overrides, errors):
    response = raw.post(PARKINGS, json=_parking(**overrides))
    assert response.status_code == 400 and response.json() == errors


def test_a_disc_parking_needs_a_location(raw):
    body = _parking(is_disc_parking=True)
    del body["location"]
    assert raw.post(PARKINGS, json=body).json() == {"location": ["This field is required."]}


def test_an_empty_body_names_every_required_field(raw):
    assert raw.post(PARKINGS, json={}).json() == {"registration_number": ["This field is required."],
                                                  "time_start": ["This field is required."],
                                                  "zone": ["This field is required."]}


def test_malformed_json_is_a_parse_error(raw):
    response = raw.post(PARKINGS, content=b'{"registration_number": ', headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["detail"].startswith("JSON parse error")


def test_a_form_encoded_create_is_accepted(raw):
    response = raw.post(PARKINGS, data={"registration_number": "FORM-1", "zone": "2",
                                        "time_start": "2026-12-07T10:00:00Z"})
    assert response.status_code == 201 and response.json()["zone"] == 2 and response.json()["time_end"] is None


def test_a_polygon_location_is_the_hubs_html_500(raw):
    polygon = {"type": "Polygon", "coordinates": [[[24.9, 60.1], [24.95, 60.1], [24.95, 60.2], [24.9, 60.1]]]}
    response = raw.post(PARKINGS, json=_parking(location=polygon))
    assert response.status_code == 500 and response.headers["Content-Type"].startswith("text/html")


def test_the_plate_is_kept_as_sent_and_numbers_become_text(raw):
    assert raw.post(PARKINGS, json=_parking(registration_number="åäö-1:x")).json()["registration_number"] == "åäö-1:x"
    assert raw.post(PARKINGS, json=_parking(registration_number=12345)).json()["registration_number"] == "12345"


def test_duplicates_are_two_parkings(client, hub):
    first, second = _create(client), _create(client)
    assert first.id != second.id
    assert len(hub.extensions["parkkihubi_store"].all_parkings("ABC-123")) == 2


def test_a_disc_parking_has_no_zone_and_says_so(raw):
    body = raw.post(PARKINGS, json=_parking(zone=None, is_disc_parking=True) | {"zone": None}).json()
    assert body == {"zone": ["This field may not be null."]}
    disc = _parking(is_disc_parking=True)
    del disc["zone"]
    created = raw.post(PARKINGS, json=disc).json()
    assert created["zone"] is None and created["is_disc_parking"] is True


def test_a_start_in_the_future_reads_not_valid(raw):
    body = raw.post(PARKINGS, json=_parking(time_start="2026-12-07T11:00:00Z", time_end=None)).json()
    assert body["status"] == "not_valid"


# -- the grace period ---------------------------------------------------------------------------


def test_within_the_grace_period_anything_may_change(client, clock):
    parking = _create(client)
    clock.advance(seconds=60)
    replaced = client.replace_parking(parking.id, registration_number="XYZ-789", zone="2", time_start=T0,
                                      time_end=None)
    assert replaced.registration_number == "XYZ-789" and replaced.zone == "2"
    # a PUT is a full replacement: what is left out goes back to its default
    assert replaced.location is None and replaced.terminal_number == "" and replaced.time_end is None


@pytest.mark.parametrize("body", [{"zone": "2"}, {}, {"time_end": "2026-12-07T12:00:00Z", "zone": "1"},
                                  {"registration_number": "NEW-1"}])
def test_after_the_grace_period_only_a_patch_of_time_end_is_accepted(raw, client, clock, body):
    parking = _create(client)
    clock.advance(seconds=121)
    response = raw.patch(f"{PARKINGS}{parking.id}/", json=body)
    assert response.status_code == 403
    assert response.json() == {"detail": 'Grace period has passed. Only "time_end" can be updated via PATCH.',
                               "code": "grace_period_over"}
    assert raw.put(f"{PARKINGS}{parking.id}/", json=_parking()).status_code == 403


def test_after_the_grace_period_the_client_can_extend_stop_and_reopen(client, clock):
    parking = _create(client)
    clock.advance(minutes=30)
    assert client.end_parking(parking.id, T0 + timedelta(hours=3)).time_end == T0 + timedelta(hours=3)
    stopped = client.end_parking(parking.id, clock.now)
    assert stopped.time_end == clock.now and stopped.status == "valid"  # valid until the very instant
    clock.advance(seconds=1)
    assert client.end_parking(parking.id, clock.now - timedelta(seconds=1)).status == "not_valid"
    assert client.end_parking(parking.id, None).time_end is None


def test_after_the_grace_period_a_grace_refusal_reaches_the_client_with_its_code(client, clock):
    parking = _create(client)
    clock.advance(minutes=3)
    with pytest.raises(ProviderRejectedError) as raised:
        client.replace_parking(parking.id, registration_number="ABC-123", zone="1", time_start=T0, time_end=None)
    assert raised.value.code == GRACE_PERIOD_OVER


def test_field_errors_come_before_the_grace_check(raw, client, clock):
    parking = _create(client)
    clock.advance(minutes=3)
    response = raw.patch(f"{PARKINGS}{parking.id}/", json={"zone": "9"})
    assert response.status_code == 400 and response.json() == {"zone": ["Object with code=9 does not exist."]}


def test_an_end_before_the_start_is_refused_even_after_the_grace_period(client, clock):
    parking = _create(client)
    clock.advance(minutes=3)
    with pytest.raises(ProviderRejectedError) as raised:
        client.end_parking(parking.id, T0 - timedelta(minutes=1))
    assert raised.value.code == "invalid" and raised.value.field == "non_field_errors"


def test_delete_is_allowed_at_any_time_and_a_repeat_is_not_found(client, clock):
    parking = _create(client)
    clock.advance(hours=2)
    client.delete_parking(parking.id)
    with pytest.raises(ProviderNotFoundError) as raised:
        client.delete_parking(parking.id)
    assert raised.value.code == NOT_FOUND


# -- whose parking ----------------------------------------------------------------------------


def test_another_operators_parking_is_not_found_never_forbidden(hub, client):
    theirs = _create(_client(hub, OTHER_OPERATOR_KEY))
    for call in (lambda: client.end_parking(theirs.id, T0), lambda: client.delete_parking(theirs.id)):
        with pytest.raises(ProviderNotFoundError):
            call()
    response = hub.test_client().delete(f"{PARKINGS}{theirs.id}/", headers={"Authorization": f"ApiKey {DEMO_API_KEY}"})
    assert response.status_code == 404 and response.json == {"detail": "No Parking matches the given query."}


def test_an_id_that_is_no_uuid_is_not_found(raw):
    response = raw.patch(f"{PARKINGS}not-a-uuid/", json={"time_end": None})
    assert response.status_code == 404 and response.json() == {"detail": "Not found."}


def test_the_client_never_puts_a_non_uuid_into_a_path(client):
    with pytest.raises(ValueError):
        client.delete_parking("../payment_zone")


# -- faults and answers that are not the API ---------------------------------------------------------


def test_a_5xx_is_unavailable_and_a_dropped_reply_a_timeout_after_the_commit(client, hub):
    faults = hub.extensions["faults"]
    faults.status = 503
    with pytest.raises(ProviderUnavailableError):
        _create(client)
    faults.reset()
    faults.drop_after_commit = 1
    with pytest.raises(ProviderTimeoutError):
        _create(client)
    assert len(hub.extensions["parkkihubi_store"].all_parkings("ABC-123")) == 1  # made, answer lost


def test_forced_statuses_come_in_the_hubs_own_shapes(raw, hub):
    faults = hub.extensions["faults"]
    faults.status = 401
    response = raw.post(PARKINGS, json=_parking())
    assert response.json() == {"detail": "Invalid token."} and response.headers["WWW-Authenticate"] == "ApiKey"
    faults.status = 500
    assert raw.post(PARKINGS, json=_parking()).headers["Content-Type"].startswith("text/html")


def test_a_redirect_is_a_bad_answer_never_followed():
    response = httpx.Response(301, headers={"Location": PARKINGS}, request=httpx.Request("POST", BASE_URL))
    assert isinstance(error_from_response(response), ProviderBadResponseError)


def test_an_answer_that_is_not_a_parking_is_a_bad_answer(hub):
    def broken(request: httpx.Request) -> httpx.Response:
        return httpx.Response(201, json={"id": "x"})

    http = build_http_client(HttpSettings("parkkihubi", BASE_URL), transport=httpx.MockTransport(broken))
    with pytest.raises(ProviderBadResponseError):
        _create(ParkkihubiClient(http, DEMO_API_KEY))


# -- what enforcement sees ------------------------------------------------------------------------


def test_enforcement_sees_valid_parkings_and_the_last_one_ended_within_15_minutes(hub, client, clock):
    headers = {"Authorization": f"ApiKey {ENFORCER_KEY}"}
    parking = _create(client, time_end=T0 + timedelta(minutes=30))
    seen = hub.test_client().get("/enforcement/v1/valid_parking/?reg_num=abc123", headers=headers).json
    assert [p["id"] for p in seen["results"]] == [parking.id] and seen["results"][0]["operator_name"] == "ParkGo"
    clock.advance(minutes=40)  # ended 10 minutes ago: still listed
    assert hub.test_client().get("/enforcement/v1/valid_parking/?reg_num=ABC-123", headers=headers).json["count"] == 1
    clock.advance(minutes=10)
    assert hub.test_client().get("/enforcement/v1/valid_parking/?reg_num=ABC-123", headers=headers).json["count"] == 0
    operator = hub.test_client().get("/enforcement/v1/valid_parking/?reg_num=ABC-123",
                                     headers={"Authorization": f"ApiKey {DEMO_API_KEY}"})
    assert operator.status_code == 403

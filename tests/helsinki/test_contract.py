"""HelsinkiClient against the Helsinki sandbox, in process: every endpoint, every error code."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from webapp.core.errors import (
    ProviderAuthError,
    ProviderBadResponseError,
    ProviderNotFoundError,
    ProviderRateLimitedError,
    ProviderRejectedError,
    ProviderTimeoutError,
    ProviderUnavailableError,
    shown_message,
)
from webapp.core.http import HttpSettings, build_http_client
from webapp.core.sandbox_kit import SandboxTransport
from webapp.helsinki.client import HELSINKI, HelsinkiClient, api_language, error_from_response, parse_timestamp
from webapp.helsinki.sandbox import create_sandbox

BASE_URL = "https://helsinki.sandbox/"
GUID = re.compile(r"^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$")
KAMPPI = "101001"
DEMO_PASSWORD = "secret password"  # the seed's demo operator (§3.1.1)  # zone 1, Fredrikinkatu
POINT = (24.9351, 60.1661)  # lon, lat


class Clock:
    """Sandbox clock the tests move by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class RecordingTransport(SandboxTransport):
    """Sandbox transport that remembers the paths it carried."""

    def __init__(self, app) -> None:
        super().__init__(app)
        self.paths: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return super().handle_request(request)


@pytest.fixture
def clock():
    return Clock(datetime(2026, 11, 10, 10, 0, tzinfo=HELSINKI))  # a Tuesday


@pytest.fixture
def sandbox(tmp_path, clock):
    app = create_sandbox(tmp_path, {"username": "client_00", "password": "secret password"})
    app.config["CLOCK"] = clock
    yield app
    app.extensions["helsinki_store"].dispose()


@pytest.fixture
def make_client(sandbox):
    opened = []

    def make(username="client_00", password=DEMO_PASSWORD, language="en", headers=None, retries=0):
        transport = RecordingTransport(sandbox)
        http = build_http_client(HttpSettings("helsinki", BASE_URL, retries=retries, backoff=0),
                                 transport=transport, headers=headers)
        opened.append(http)
        client = HelsinkiClient(http, username, password, language=language)
        client.transport = transport  # for assertions on the calls made
        return client

    yield make
    for http in opened:
        http.close()


@pytest.fixture
def client(make_client):
    return make_client()


def park(client, clock, **overrides):
    values = {"area_id": KAMPPI, "register_number": "ABC-123", "start": clock.now,
              "stop": clock.now + timedelta(hours=1), "zone": 1, "device_id": "device-1", "point": POINT}
    values.update(overrides)
    return client.start_parking(**values)


def rejected(call, code: str, kind=ProviderRejectedError):
    with pytest.raises(kind) as caught:
        call()
    assert caught.value.code == code
    return caught.value


# -- entry point, areas, day types ---------------------------------------------------

def test_entry_point_lists_links_rate_limits_and_status(client):
    entry = client.entry_point()
    assert entry.active and entry.version
    assert {(link.rel, link.method) for link in entry.links} >= {("/parkings", "GET"), ("/parkings", "POST"),
                                                                 ("/areas", "GET"), ("/day_types", "GET")}
    assert {limit.resource for limit in entry.rate_limits} == {"/areas", "/day_types", "/parkings"}
    assert all(limit.remaining <= limit.limit and limit.reset > 0 for limit in entry.rate_limits)


def test_areas_cover_central_helsinki_with_lon_lat_geometry(client):
    areas = client.areas()
    assert len(areas) >= 60
    assert {area.zone for area in areas} == {1, 2, 3}
    kamppi = next(area for area in areas if area.area_id == KAMPPI)
    assert kamppi.name.fi.startswith("Kamppi") and kamppi.name.sv.startswith("Kampen")
    assert kamppi.address.city.sv == "Helsingfors"
    lon, lat = kamppi.geometry.as_geojson()["coordinates"][0][0]
    assert 24.5 < lon < 25.5 and 60.0 < lat < 60.4  # RFC 7946 order after the seed's lat-first quirk
    feature = kamppi.geojson
    assert feature["type"] == "Feature" and feature["geometry"]["type"] == "Polygon"
    assert kamppi.tariffs[0].hourly_price == Decimal("4.20")
    assert (kamppi.tariffs[0].time_from, kamppi.tariffs[0].time_until) == ("09", "21")


def test_area_by_id_and_unknown_area(client):
    area = client.area("316001")
    assert area.zone == 3 and area.tariffs[0].hourly_price == Decimal("1.20")
    error = rejected(lambda: client.area("999999"), "1110", ProviderNotFoundError)
    assert error.visible_to_user


def test_day_types_mark_holidays_as_sunday(client):
    days = {row.date: row.day_type for row in client.day_types(date(2027, 1, 4), date(2027, 1, 10))}
    assert days[date(2027, 1, 6)] == "SUNDAY"  # Loppiainen, a Wednesday
    assert days[date(2027, 1, 5)] == "BUSINESS_DAY" and days[date(2027, 1, 9)] == "SATURDAY"
    assert len(days) == 7


def test_day_types_without_dates_start_today(client, clock):
    days = client.day_types()
    assert days[0].date == clock.now.date() and len(days) == 400


def test_day_types_with_inverted_range_are_rejected(client):
    rejected(lambda: client.day_types(date(2027, 1, 10), date(2027, 1, 4)), "1201")


# -- parkings ------------------------------------------------------------------------------

def test_start_parking_returns_the_whole_resource(client, clock):
    parking = park(client, clock)
    assert GUID.match(parking.parking_id)
    assert parking.is_valid and parking.zone == 1 and parking.area_id == KAMPPI
    assert parking.start == clock.now and parking.stop == clock.now + timedelta(hours=1)
    assert parking.operator_id == "client_00" and parking.area_name.en.startswith("Kamppi")
    assert parking.geometry.coordinates == POINT


def test_parkings_query_filters_and_status(client, clock):
    first = park(client, clock)
    second = park(client, clock, register_number="XYZ-9", area_id="210001", zone=2,
                  stop=clock.now + timedelta(minutes=30))
    assert [p.parking_id for p in client.parkings(register_number="abc-123")] == [first.parking_id]
    assert [p.parking_id for p in client.parkings(area_id="210001")] == [second.parking_id]
    assert len(client.parkings(status="valid")) == 2
    clock.advance(minutes=45)
    assert [p.parking_id for p in client.parkings(status="valid")] == [first.parking_id]
    assert [p.parking_id for p in client.parkings(status="not_valid")] == [second.parking_id]
    assert client.parkings(register_number="XYZ-9")[0].status == "not_valid"
    later = clock.now + timedelta(minutes=5)
    assert [p.parking_id for p in client.parkings(start=later)] == [first.parking_id]
    assert len(client.parkings(stop=later, register_number="ABC-123")) == 1


def test_parkings_without_matches_are_empty(client):
    assert client.parkings(register_number="NONE-1") == ()


def test_parkings_without_any_filter_are_rejected(client):
    rejected(lambda: client.parkings(), "1201")


def test_operator_sees_only_its_own_parkings(client, make_client, clock):
    park(client, clock)
    assert make_client("client_01", "other password").parkings(register_number="ABC-123") == ()


@pytest.mark.parametrize(("overrides", "code", "field"), [
    ({"area_id": "999999"}, "1201", "area_id"),
    ({"zone": 3}, "1201", "zone"),
    ({"register_number": "!!"}, "1203", "register_number"),
    ({"register_number": ""}, "1203", "register_number"),
    ({"stop": datetime(2026, 11, 10, 9, 0, tzinfo=HELSINKI)}, "1206", "start_parking_date_time"),
])
def test_start_parking_checks(client, clock, overrides, code, field):
    error = rejected(lambda: park(client, clock, **overrides), code)
    assert error.field == field and error.status_code == 400 and not error.visible_to_user


def test_update_within_regret_time_may_change_every_field(client, clock):
    parking = park(client, clock)
    clock.advance(seconds=90)
    changed = client.update_parking(parking.parking_id, area_id="210002", register_number="DEF-456",
                                    start=parking.start, stop=clock.now + timedelta(hours=2), zone=2,
                                    device_id="device-2", point=(24.95, 60.18))
    assert (changed.area_id, changed.register_number, changed.zone) == ("210002", "DEF-456", 2)
    assert changed.stop == clock.now + timedelta(hours=2)


def test_full_update_after_regret_time_is_refused(client, clock):
    parking = park(client, clock)
    clock.advance(minutes=2)
    error = rejected(lambda: client.update_parking(
        parking.parking_id, area_id=KAMPPI, register_number="DEF-456", start=parking.start,
        stop=parking.stop, zone=1, device_id="device-1", point=POINT), "1204")
    assert error.visible_to_user and error.user_message == "Cancellation is no longer possible"


def test_change_stop_after_regret_time(client, clock):
    parking = park(client, clock)
    clock.advance(minutes=10)
    changed = client.change_stop(parking.parking_id, KAMPPI, clock.now + timedelta(hours=3))
    assert changed.stop == clock.now + timedelta(hours=3) and changed.start == parking.start
    rejected(lambda: client.change_stop(parking.parking_id, KAMPPI, clock.now - timedelta(minutes=1)), "1207")
    rejected(lambda: client.change_stop(parking.parking_id, "210001", clock.now + timedelta(hours=1)), "1204")


def test_cancel_within_regret_time(client, clock):
    parking = park(client, clock)
    clock.advance(seconds=119)
    assert client.cancel_parking(parking.parking_id) is None
    assert client.parkings(register_number="ABC-123") == ()


def test_cancel_after_regret_time_is_refused_with_finnish_message(make_client, clock):
    client = make_client(language="fi")
    parking = park(client, clock)
    clock.advance(seconds=120)
    error = rejected(lambda: client.cancel_parking(parking.parking_id), "1204")
    assert shown_message(error) == "Peruuttaminen ei ole enää mahdollista"


def test_other_operators_parking_cannot_be_changed_or_cancelled(client, make_client, clock):
    parking = park(client, clock)
    other = make_client("client_01", "other password", language="sv")
    error = rejected(lambda: other.cancel_parking(parking.parking_id), "1205")
    assert error.user_message == "Annullering är inte tillåten" and error.status_code == 403
    rejected(lambda: other.change_stop(parking.parking_id, KAMPPI, clock.now + timedelta(hours=2)), "1205")


def test_unknown_and_malformed_parking_ids(client):
    rejected(lambda: client.cancel_parking("D8AF256C-B090-4A87-974E-477BCA08AF41"), "1200", ProviderNotFoundError)
    error = rejected(lambda: client.cancel_parking("not-a-guid"), "1202")
    assert error.field == "parking_id"


# -- authentication, rights, limits -------------------------------------------------------------

def test_wrong_password_is_an_auth_error(make_client):
    client = make_client(password="wrong")
    rejected(lambda: client.areas(), "1104", ProviderAuthError)


def test_expired_token_is_renewed_once_and_the_call_retried(client, clock):
    client.areas()
    clock.advance(hours=2)  # default token lifetime is one hour
    assert len(client.areas()) >= 60
    paths = client.transport.paths
    assert paths.count("/api/v1/authenticate") == 2
    assert paths[-3:] == ["/api/v1/areas", "/api/v1/authenticate", "/api/v1/areas"]


def test_token_still_refused_after_renewal_is_an_auth_error(client, sandbox):
    client.areas()
    store = sandbox.extensions["helsinki_store"]
    store.save_operator("client_00", "rotated password", ["areas:read"])
    sandbox.config["HELSINKI_JWT_SECRET"] = "a-rotated-secret-of-at-least-32-bytes"
    rejected(lambda: client.areas(), "1104", ProviderAuthError)


def test_missing_right_is_refused_with_1000(make_client, clock):
    viewer = make_client("viewer_00", "viewer password")
    assert len(viewer.areas()) >= 60
    error = rejected(lambda: viewer.parkings(register_number="ABC-123"), "1000")
    assert error.status_code == 403
    rejected(lambda: park(viewer, clock), "1000")


def test_inactive_operator_sees_status_and_is_refused(client, sandbox):
    sandbox.extensions["helsinki_store"].set_operator_status("client_00", "inactive")
    assert client.entry_point().status == "inactive"
    rejected(lambda: client.areas(), "1000")


def test_rate_limit_is_per_operator_and_resource(client, make_client, sandbox, clock):
    sandbox.config["HELSINKI_RATE_LIMITS"]["/areas"] = (2, 600)
    client.area(KAMPPI)
    client.area(KAMPPI)
    error = rejected(lambda: client.area(KAMPPI), "1001", ProviderRateLimitedError)
    assert error.retry_after and 0 < error.retry_after <= 600
    assert client.day_types(date(2027, 1, 1), date(2027, 1, 2))  # another resource still works
    assert make_client("client_01", "other password").area(KAMPPI)  # another operator too
    remaining = {limit.resource: limit.remaining for limit in client.entry_point().rate_limits}
    assert remaining["/areas"] == 0
    clock.advance(seconds=601)
    assert client.area(KAMPPI).area_id == KAMPPI


# -- faults ----------------------------------------------------------------------------------------

def test_transient_fault_is_unavailable_with_9999(client, sandbox):
    sandbox.extensions["faults"].status = 503
    error = rejected(lambda: client.areas(), "9999", ProviderUnavailableError)
    assert error.visible_to_user and error.user_message == "Temporary disruption, please try again."


def test_internal_error_is_unavailable(client, sandbox, monkeypatch):
    client.areas()

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(sandbox.extensions["helsinki_store"], "hit_rate", broken)
    error = rejected(lambda: client.areas(), "9999", ProviderUnavailableError)
    assert error.status_code == 500


def test_dropped_reply_is_a_timeout_and_the_parking_exists(client, sandbox, clock):
    client.areas()
    sandbox.extensions["faults"].drop_after_commit = 1
    with pytest.raises(ProviderTimeoutError):
        park(client, clock, register_number="LOST-1")
    found = client.parkings(register_number="LOST-1")
    assert len(found) == 1 and found[0].is_valid


def test_wrong_protocol_is_rejected_with_1112(make_client):
    client = make_client(headers={"X-Forwarded-Proto": "http"})
    error = rejected(lambda: client.areas(), "1112")
    assert error.status_code == 403


# -- mapping of errors the client never provokes itself ---------------------------------------

@pytest.fixture
def raw(sandbox):
    with httpx.Client(transport=SandboxTransport(sandbox), base_url=BASE_URL) as http:
        yield http


@pytest.mark.parametrize(("headers", "body", "code", "status"), [
    ({"Accept": "text/html"}, None, "1106", 406),
    ({"Accept": "application/json", "Accept-Language": "de"}, None, "1105", 406),
    ({"Accept": "application/json", "Content-Type": "text/plain"}, b"{}", "1107", 415),
    ({"Accept": "application/json", "Content-Type": "application/json"}, b"{not json", "1111", 400),
])
def test_header_and_body_errors_map_to_rejected(raw, headers, body, code, status):
    response = raw.post("api/v1/authenticate", headers=headers, content=body)
    error = error_from_response(response)
    assert type(error) is ProviderRejectedError
    assert (error.code, error.status_code, error.visible_to_user) == (code, status, False)


def test_error_without_visible_flag_falls_back_to_seed_table():
    response = httpx.Response(404, json={"errors": [{"code": 1200, "message": "Tuntematon pysäköinti"}]})
    error = error_from_response(response)
    assert isinstance(error, ProviderNotFoundError) and error.visible_to_user
    response = httpx.Response(429, json={"errors": [{"code": 1001, "message": "Käyttöoikeusraja on ylitetty"}]})
    error = error_from_response(response)
    assert isinstance(error, ProviderRateLimitedError) and not error.visible_to_user


def test_unparseable_answers_are_bad_responses():
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/authenticate"):
            return httpx.Response(200, json={"token": "t"})
        if request.url.path.endswith("/areas"):
            return httpx.Response(200, text="<html>maintenance</html>")
        if request.url.path.endswith("/day_types"):
            return httpx.Response(200, json={"day_types": [{"date": "not a date"}]})
        return httpx.Response(400, text="bad")

    http = build_http_client(HttpSettings("helsinki", BASE_URL, retries=0), transport=httpx.MockTransport(handler))
    client = HelsinkiClient(http, "client_00", "secret password")
    with pytest.raises(ProviderBadResponseError):
        client.areas()
    with pytest.raises(ProviderBadResponseError):
        client.day_types()
    with pytest.raises(ProviderBadResponseError):
        client.parkings(register_number="ABC-123")


def test_timestamps_and_languages_are_read_robustly():
    expected = datetime(2016, 7, 1, 8, 0, tzinfo=HELSINKI)
    for text in ("2016-07-01T08:00:00+03:00", "2016-07-01T 08:00:00+03:00", "2016-07-01 08:00:00",
                 "2016-07-01T05:00:00Z", "2016-07-01T08:00:00.000+0300"):
        assert parse_timestamp(text) == expected
    with pytest.raises(ValueError):
        parse_timestamp("yesterday")
    assert [api_language(code) for code in ("fi", "sv-SE", "en_GB", "ko", None)] == ["fi", "sv", "en", "en", "en"]


@pytest.mark.parametrize(("response", "kind", "code"), [
    # a gateway that gave up may have let the parking through: look it up, never call it failed
    (httpx.Response(504, json={"errors": [{"code": 9999, "message": "Hetkellinen häiriö"}]}),
     ProviderTimeoutError, "9999"),
    (httpx.Response(502, text="<html>bad gateway</html>"), ProviderUnavailableError, "502"),
    (httpx.Response(429, text="slow down", headers={"Retry-After": "Sun, 06 Nov 1994 08:49:37 GMT"}),
     ProviderRateLimitedError, "429"),
    (httpx.Response(404, json={"errors": [{"code": 4242, "message": "?"}]}), ProviderNotFoundError, "4242"),
    (httpx.Response(403, json={"errors": [{"code": 1205, "message": "Peruuttaminen ei ole sallittu"}]}),
     ProviderRejectedError, "1205"),
    (httpx.Response(401, text="<html>login</html>"), ProviderAuthError, "401"),
    (httpx.Response(409, text="<html>conflict</html>"), ProviderBadResponseError, "409"),
])
def test_statuses_fall_back_on_the_shared_table(response, kind, code):
    error = error_from_response(response)
    assert type(error) is kind and error.code == code and error.status_code == response.status_code


def test_rate_limit_retry_after_as_http_date_in_the_past_means_retry_now():
    response = httpx.Response(429, json={"errors": [{"code": 1001, "message": "Käyttöoikeusraja on ylitetty"}]},
                              headers={"Retry-After": "Sun, 06 Nov 1994 08:49:37 GMT"})
    assert error_from_response(response).retry_after == 0.0

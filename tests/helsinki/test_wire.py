"""The Helsinki wire models (seed 002) on their own, and the client's use of them on a mock city."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal

import httpx
import pydantic
import pytest

from webapp.core.errors import ProviderBadResponseError
from webapp.core.http import HttpSettings, build_http_client
from webapp.helsinki import client as client_module
from webapp.helsinki import wire
from webapp.helsinki.client import HelsinkiClient
from webapp.helsinki.wire import HELSINKI, Area, DayType, EntryPoint, Geometry, LocalizedText, Parking, lon_lat

BASE_URL = "https://helsinki.test/"

# The §6.3.3 example, completed: geometry beside ``location``, latitude first.
SEED_AREA = {
    "area_id": "123456",
    "area_name": {"fi": "Nimi", "sv": "Namn", "en": "Name"},
    "location": {"address": {"city": {"fi": "city", "sv": "city", "en": "city"}, "postal_code": "00100",
                             "street_address": {"fi": "street", "sv": "street", "en": "street"}}},
    "geometry": {"type": "Polygon", "coordinates": [[
        [60.193609, 24.951394], [60.194352, 24.949624], [60.194275, 24.949496],
        [60.193529, 24.951276], [60.193609, 24.951394]]]},
    "max_capacity": 10,
    "max_time_in_minutes": 120,
    "resident_parking_codes": ["A", "B"],
    "special_parking_codes": ["CD"],
    "tariffs": [{"day_type": "BUSINESS_DAY",
                 "name": {"fi": "Maanantaista perjantaihin 4 euroa / tunti", "sv": "Måndag till fredag",
                          "en": "Monday to Friday, EUR 4 / hour"},
                 "time": {"from": "09", "until": "21"}, "hourly_price": 4}],
    "zone": 1,
}

# The §6.5.3 example: addresses as plain strings, a lat-first point inside ``location``.
SEED_PARKING = {
    "area_id": "123456",
    "area_name": {"fi": "Nimi", "sv": "Namn", "en": "Name"},
    "device_id": "MobileDevice123",
    "location": {"address": {"city": "city", "postal_code": "00100", "street_address": "street"},
                 "geometry": {"coordinates": [60.193609, 24.951394], "type": "Point"}},
    "operator_id": "Operator123",
    "parking_id": "D8AF256C-B090-4A87-974E-477BCA08AF41",
    "register_number": "ABC-123",
    "resident_parking_code": "A",
    "special_parking_code": "CD",
    "start_parking_date_time": "2016-07-01T08:00:00+03:00",
    "status": "valid",
    "stop_parking_date_time": "2016-07-01T08:30:00+03:00",
    "timestamp": "2016-07-01T08:00:00+03:00",
    "zone": 1,
}


def with_changes(base: dict, **changes) -> dict:
    """A copy of ``base`` with keys replaced (a value of ``...`` removes the key)."""
    copy = json.loads(json.dumps(base))
    for key, value in changes.items():
        if value is ...:
            copy.pop(key, None)
        else:
            copy[key] = value
    return copy


# -- the models ------------------------------------------------------------------------------

def test_seed_area_polygon_is_turned_round_to_lon_lat():
    area = Area.model_validate(SEED_AREA)

    assert area.geometry.type == "Polygon"
    assert area.geometry.coordinates[0][0] == (24.951394, 60.193609)
    assert area.geojson["geometry"]["coordinates"][0][0] == [24.951394, 60.193609]
    lon, lat = area.geometry.centre
    assert 24.94 < lon < 24.96 and 60.19 < lat < 60.20


def test_area_reads_names_address_codes_and_tariffs():
    area = Area.model_validate(SEED_AREA)

    assert (area.area_id, area.zone, area.max_capacity, area.max_time_in_minutes) == ("123456", 1, 10, 120)
    assert area.name.get("sv") == "Namn" and area.address.city.fi == "city" and area.address.postal_code == "00100"
    assert area.resident_parking_codes == ("A", "B") and area.special_parking_codes == ("CD",)
    tariff = area.tariffs[0]
    assert (tariff.day_type, tariff.time_from, tariff.time_until) == ("BUSINESS_DAY", "09", "21")
    assert tariff.hourly_price == Decimal(4) and isinstance(tariff.hourly_price, Decimal)
    assert area.geojson["properties"] == {"area_id": "123456", "name": "Nimi", "zone": 1, "max_time_in_minutes": 120}


def test_area_geometry_inside_location_is_read_too():
    moved = with_changes(SEED_AREA, geometry=...)
    moved["location"]["geometry"] = SEED_AREA["geometry"]

    assert Area.model_validate(moved).geometry == Area.model_validate(SEED_AREA).geometry


def test_seed_parking_point_is_turned_round_and_plain_string_address_is_accepted():
    parking = Parking.model_validate(SEED_PARKING)

    assert parking.geometry.coordinates == (24.951394, 60.193609)
    assert parking.geometry.centre == (24.951394, 60.193609)
    assert parking.is_valid and parking.parking_id.startswith("D8AF")
    assert (parking.device_id, parking.operator_id, parking.zone) == ("MobileDevice123", "Operator123", 1)
    assert parking.stop - parking.start == timedelta(minutes=30)
    assert (parking.resident_parking_code, parking.special_parking_code) == ("A", "CD")


def test_parking_accepts_the_camel_case_area_id_of_the_update_table():
    parking = Parking.model_validate(with_changes(SEED_PARKING, area_id=..., areaId="210001"))

    assert parking.area_id == "210001"


@pytest.mark.parametrize("text", [
    "2016-07-01T08:00:00+03:00", "2016-07-01T05:00:00Z", "2016-07-01T08:00:00", "2016-07-01 08:00:00",
    "2016-07-01T 08:00:00+03:00",
])
def test_parking_timestamps_with_or_without_offset(text):
    parking = Parking.model_validate(with_changes(SEED_PARKING, start_parking_date_time=text))

    assert parking.start == datetime(2016, 7, 1, 8, 0, tzinfo=HELSINKI)
    assert parking.start.utcoffset() is not None


def test_optional_parking_fields_may_be_absent_or_null():
    parking = Parking.model_validate(with_changes(SEED_PARKING, location=..., device_id=None, area_name=None,
                                                  timestamp=..., resident_parking_code=..., zone=None))

    assert parking.geometry is None and parking.device_id == "" and parking.area_name == LocalizedText()
    assert parking.timestamp is None and parking.resident_parking_code is None and parking.zone is None


def test_unknown_fields_are_ignored():
    # every answer carries HATEOAS links (§2.4), and a v1 resource may grow
    parking = Parking.model_validate(with_changes(SEED_PARKING, links=[{"href": "/x"}], colour="blue"))

    assert parking == Parking.model_validate(SEED_PARKING)


@pytest.mark.parametrize(("changes", "where"), [
    ({"parking_id": ...}, "parking_id"),
    ({"stop_parking_date_time": ...}, "stop_parking_date_time"),
    ({"start_parking_date_time": "yesterday"}, "start_parking_date_time"),
    ({"zone": "one"}, "zone"),
    ({"status": 1}, "status"),
    ({"location": {"geometry": {"type": "Point", "coordinates": [[60.19, 24.95]]}}}, "location"),
    ({"location": {"geometry": {"type": "LineString", "coordinates": [60.19, 24.95]}}}, "location"),
])
def test_missing_or_malformed_parking_fields_are_refused(changes, where):
    with pytest.raises(pydantic.ValidationError) as caught:
        Parking.model_validate(with_changes(SEED_PARKING, **changes))

    assert any(where in map(str, error["loc"]) for error in caught.value.errors())


@pytest.mark.parametrize("geometry", [
    {"type": "Polygon", "coordinates": [60.19, 24.95]},
    {"type": "Polygon", "coordinates": []},
    {"type": "Polygon", "coordinates": [[]]},
    {"type": "Point", "coordinates": [60.19]},
    {"type": "Point", "coordinates": ["north", "east"]},
])
def test_geometry_whose_coordinates_do_not_fit_its_type_is_refused(geometry):
    with pytest.raises(pydantic.ValidationError):
        Geometry.model_validate(geometry)


def test_models_are_frozen():
    parking = Parking.model_validate(SEED_PARKING)

    with pytest.raises(pydantic.ValidationError):
        parking.status = "not_valid"
    assert hash(parking) == hash(Parking.model_validate(SEED_PARKING))


def test_models_can_be_built_in_code_by_field_name():
    start = datetime(2026, 11, 10, 10, 0, tzinfo=HELSINKI)
    parking = Parking(parking_id="p1", area_id="101001", register_number="ABC-123", start=start,
                      stop=start + timedelta(hours=1), status="valid", zone=1)

    assert parking.start == start and parking.device_id == "" and parking.geometry is None
    assert DayType(date=date(2027, 1, 6), day_type="SUNDAY").date == date(2027, 1, 6)


def test_localized_text_falls_back_to_english_then_finnish():
    assert LocalizedText(fi="Kamppi", en="").get("sv") == "Kamppi"
    assert LocalizedText(fi="Kamppi", sv="Kampen", en="Kamppi EN").get("ko") == "Kamppi EN"
    assert LocalizedText.model_validate("Mannerheimintie").get("sv") == "Mannerheimintie"


def test_lon_lat_keeps_rfc_7946_order_as_it_is():
    assert lon_lat([60.19, 24.95]) == (24.95, 60.19)
    assert lon_lat([24.95, 60.19]) == (24.95, 60.19)


def test_entry_point_reads_links_and_rate_limits():
    entry = EntryPoint.model_validate({
        "version": "1.0.0", "status": "active",
        "links": [{"href": "/api/v1/parkings", "method": "GET", "rel": "/parkings", "title": "Pysäköinnit"}],
        "rate_limits": [{"resource": "/parkings", "limit": 100, "remaining": 99, "reset": 60}],
    })

    assert entry.active and entry.links[0].title == "Pysäköinnit" and entry.rate_limits[0].remaining == 99


# -- the client on a mock city: only invalid answers become "bad response" ---------------------

def mock_client(answers: dict[str, httpx.Response]) -> HelsinkiClient:
    """A client whose city answers ``answers[path]`` (after a token for /authenticate)."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/authenticate"):
            return httpx.Response(200, json={"token": "t", "links": []})
        return answers[request.url.path]

    http = build_http_client(HttpSettings("helsinki", BASE_URL, retries=0), transport=httpx.MockTransport(handler))
    return HelsinkiClient(http, "client_00", "secret password")


def test_client_reads_the_seed_examples():
    client = mock_client({
        "/api/v1/areas": httpx.Response(200, json={"areas": [SEED_AREA], "links": []}),
        "/api/v1/parkings": httpx.Response(200, json={"parkings": [SEED_PARKING], "links": []}),
        "/api/v1/areas/123456": httpx.Response(200, json=SEED_AREA),
    })

    assert client.areas()[0].geometry.coordinates[0][0] == (24.951394, 60.193609)
    assert client.parkings(register_number="ABC-123")[0].geometry.coordinates == (24.951394, 60.193609)
    assert client.area("123456").area_id == "123456"  # a bare object as well as an ``areas`` list


def test_client_reads_prices_exactly_from_the_json_text():
    text = json.dumps({"areas": [SEED_AREA]}).replace('"hourly_price": 4', '"hourly_price": 4.20')
    client = mock_client({"/api/v1/areas": httpx.Response(200, content=text.encode())})

    assert str(client.areas()[0].tariffs[0].hourly_price) == "4.20"


@pytest.mark.parametrize("answer", [
    httpx.Response(200, json={"parkings": [with_changes(SEED_PARKING, register_number=...)]}),  # missing
    httpx.Response(200, json={"parkings": [with_changes(SEED_PARKING, zone={"nr": 1})]}),  # wrong type
    httpx.Response(200, json={"parking": []}),  # stray envelope instead of the seed's
    httpx.Response(200, json=[SEED_PARKING]),
    httpx.Response(200, text="<html>maintenance</html>"),
    httpx.Response(200, content=b"\xff\xfe not utf-8"),
])
def test_invalid_answer_is_a_bad_response(answer):
    client = mock_client({"/api/v1/parkings": answer})

    with pytest.raises(ProviderBadResponseError) as caught:
        client.parkings(register_number="ABC-123")

    assert caught.value.status_code == 200 and caught.value.code in {"json", "shape"}


def test_authenticate_without_a_token_is_a_bad_response():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"token": ""})

    http = build_http_client(HttpSettings("helsinki", BASE_URL, retries=0), transport=httpx.MockTransport(handler))
    with pytest.raises(ProviderBadResponseError):
        HelsinkiClient(http, "client_00", "secret password").areas()


def test_a_bug_in_our_parsing_is_raised_as_itself(monkeypatch):
    def broken(value):
        raise KeyError("a bug of ours, not the city's")

    monkeypatch.setattr(wire, "parse_timestamp", broken)
    client = mock_client({"/api/v1/parkings": httpx.Response(200, json={"parkings": [SEED_PARKING]})})

    with pytest.raises(KeyError):
        client.parkings(register_number="ABC-123")


def test_a_bug_while_mapping_an_error_answer_is_raised_as_itself(monkeypatch):
    def broken(*args, **kwargs):
        raise AttributeError("a bug of ours, not the city's")

    monkeypatch.setattr(client_module, "error_for_status", broken)
    refusal = httpx.Response(400, json={"errors": [{"code": 1203, "message": "register_number"}]})
    client = mock_client({"/api/v1/parkings": refusal})

    with pytest.raises(AttributeError):
        client.parkings(register_number="ABC-123")

"""The operator-side push client against tiny in-test receivers (httpx.WSGITransport)."""

from datetime import UTC, datetime, time
from urllib.parse import parse_qsl

import httpx
import pytest
from flask import Flask, jsonify, request

from webapp.core.errors import (
    ProviderAuthError,
    ProviderBadResponseError,
    ProviderNotFoundError,
    ProviderRateLimitedError,
    ProviderRejectedError,
    ProviderTimeoutError,
    ProviderUnavailableError,
)
from webapp.core.http import HttpSettings, build_http_client
from webapp.seoul.fields import DayTime
from webapp.seoul.mac import encrypt_infra_id, park_oper_mac, park_write_mac
from webapp.seoul.operator.push_client import KST, PushResult, SeoulPushClient, SpaceReport
from webapp.seoul.protocol import SeoulProtocolError, parse_push, resolve_infra_id, result_body

KEY = "G35N6FFJTB"
SECRET = b"0123456789ABCDEF"
SYNC = datetime(2013, 1, 8, 13, 24, 19, 543000)
SETTINGS = HttpSettings("seoul", "http://receiver.test", retries=0)


class Recorder:
    """A receiver that records each request and answers with a canned body."""

    def __init__(self, body: str = '{"result_state":"0000"}', status: int = 200) -> None:
        self.requests: list[dict] = []
        app = Flask(__name__)

        @app.post("/WCFB/ParklandWRT.svc/<method>")
        def push(method):
            self.requests.append(
                {
                    "method": method,
                    "content_type": request.content_type,
                    "body": request.get_data(),
                    "pairs": parse_qsl(request.get_data(as_text=True), keep_blank_values=True),
                }
            )
            return body, status, {"Content-Type": "application/json"}

        self.client = SeoulPushClient(build_http_client(SETTINGS, transport=httpx.WSGITransport(app=app)))

    @property
    def last(self) -> dict:
        return self.requests[-1]


def test_park_write_sends_the_documented_form_with_a_protected_infra_id():
    receiver = Recorder()
    fields = {
        "parking_lot_name": "세종로",
        "in_charge": "홍길동",
        "phone": "02-1313-1231",
        "capacity": 124,
        "bike_racks": 0,
        "nanumcar": 2,
        "sync_time": SYNC,
        "position_longitude": 126.97796919,
        "position_latitude": 37.566535,
        "bus": None,
    }
    result = receiver.client.park_write(KEY, "171702", SECRET, fields)
    assert result == PushResult("0000", "")
    assert result.ok
    sent = receiver.last
    assert sent["method"] == "ParkWritePost"
    assert sent["content_type"] == "application/x-www-form-urlencoded"
    mac = park_write_mac("세종로", "124", "2013-01-08 13:24:19.543")
    assert sent["pairs"] == [
        ("key", KEY),
        ("infra_id", encrypt_infra_id("171702", SECRET, mac)),
        ("parking_lot_name", "세종로"),
        ("in_charge", "홍길동"),
        ("phone", "02-1313-1231"),
        ("capacity", "124"),
        ("bike_racks", "0"),
        ("nanumcar", "2"),
        ("sync_time", "2013-01-08 13:24:19.543"),
        ("position_longitude", "126.97796919"),
        ("position_latitude", "37.566535"),
    ]
    # Korean travels as URL-encoded UTF-8 (seed 2.1), spaces as '+'.
    assert b"parking_lot_name=%EC%84%B8%EC%A2%85%EB%A1%9C" in sent["body"]
    assert b"sync_time=2013-01-08+13%3A24%3A19.543" in sent["body"]


def test_park_oper_renders_flags_times_and_uses_the_key_in_the_mac():
    receiver = Recorder()
    fields = {
        "visitor_access": True,
        "night_free_open": False,
        "weekday_begin_time": time(9, 0),
        "weekday_end_time": DayTime(24, 0),
        "weekend_begin_time": "0830",
        "rates": 1000,
        "time_rate": 30,
        "add_rates": 500,
        "add_time_rate": 10,
        "day_maximum": 12000,
        "no_driving_rotation_system": 2,
        "store_discount": True,
        "sync_time": SYNC.replace(tzinfo=KST),
    }
    receiver.client.park_oper(KEY, "171702", SECRET, fields)
    mac = park_oper_mac(KEY, "0900", "2013-01-08 13:24:19.543")
    assert mac == b"G35N6FFJ0900.543"
    assert receiver.last["method"] == "ParkOperPost"
    assert receiver.last["pairs"] == [
        ("key", KEY),
        ("infra_id", encrypt_infra_id("171702", SECRET, mac)),
        ("visitor_access", "Y"),
        ("night_free_open", "N"),
        ("weekday_begin_time", "0900"),
        ("weekday_end_time", "2400"),
        ("weekend_begin_time", "0830"),
        ("rates", "1000"),
        ("time_rate", "30"),
        ("add_rates", "500"),
        ("add_time_rate", "10"),
        ("day_maximum", "12000"),
        ("no_driving_rotation_system", "2"),
        ("store_discount", "Y"),
        ("sync_time", "2013-01-08 13:24:19.543"),
    ]


def test_aware_sync_time_is_sent_in_seoul_time():
    receiver = Recorder()
    utc = datetime(2013, 1, 8, 4, 24, 19, 543000, tzinfo=UTC)
    receiver.client.park_write(KEY, "1", SECRET, {"parking_lot_name": "A", "capacity": 1, "sync_time": utc})
    assert ("sync_time", "2013-01-08 13:24:19.543") in receiver.last["pairs"]


def test_park_stat_sends_infra_id_in_clear():
    receiver = Recorder()
    receiver.client.park_stat(KEY, "171702", 127)
    assert receiver.last["method"] == "ParkStatPost"
    assert receiver.last["pairs"] == [("key", KEY), ("infra_id", "171702"), ("current_parking", "127")]


def test_park_space_sends_each_list_whole_with_blanks_for_unknown_values():
    receiver = Recorder()
    spaces = [
        SpaceReport("10003", "F", 1, True),
        SpaceReport("10004", "B", 2, False),
        SpaceReport("10005", None, None, None),
    ]
    receiver.client.park_space(KEY, "171702", 40, spaces)
    assert receiver.last["method"] == "ParkSpacePost"
    assert receiver.last["pairs"] == [
        ("key", KEY),
        ("infra_id", "171702"),
        ("count", "40"),
        ("floor_class", "F"),
        ("floor_class", "B"),
        ("floor_class", ""),
        ("floor_number", "1"),
        ("floor_number", "2"),
        ("floor_number", ""),
        ("parking_space_id", "10003"),
        ("parking_space_id", "10004"),
        ("parking_space_id", "10005"),
        ("parking_space_status", "I"),
        ("parking_space_status", "O"),
        ("parking_space_status", ""),
    ]


def test_park_space_leaves_out_a_list_with_no_known_value():
    receiver = Recorder()
    receiver.client.park_space(KEY, "171702", 40, [SpaceReport("1", "F"), SpaceReport("2", "B")])
    names = [name for name, _ in receiver.last["pairs"]]
    assert names == ["key", "infra_id", "count", "floor_class", "floor_class", "parking_space_id", "parking_space_id"]


def test_park_stat2_renders_occur_time():
    receiver = Recorder()
    fields = {
        "current_parking": 127,
        "regular_parking": 27,
        "inout_gubun": "O",
        "car_num": "서울00가1234",
        "occur_time": datetime(2018, 1, 1, 12, 23, 34),
    }
    receiver.client.park_stat2(KEY, "171702", fields)
    assert receiver.last["method"] == "ParkStatPost2"
    assert receiver.last["pairs"] == [
        ("key", KEY),
        ("infra_id", "171702"),
        ("current_parking", "127"),
        ("regular_parking", "27"),
        ("inout_gubun", "O"),
        ("car_num", "서울00가1234"),
        ("occur_time", "20180101122334"),
    ]


@pytest.mark.parametrize(
    ("fields", "match"),
    [
        ({"parking_lot_name": "A", "capacity": 1, "sync_time": SYNC, "anumcar": 1}, "anumcar"),
        ({"parking_lot_name": "A", "sync_time": SYNC}, "capacity"),
        ({"parking_lot_name": "A", "capacity": 1, "sync_time": SYNC, "key": "x"}, "key"),
    ],
)
def test_unknown_or_missing_fields_are_refused_before_sending(fields, match):
    receiver = Recorder()
    with pytest.raises(ValueError, match=match):
        receiver.client.park_write(KEY, "1", SECRET, fields)
    assert receiver.requests == []


def test_infra_id_too_long_to_protect_is_refused_before_sending():
    receiver = Recorder()
    with pytest.raises(ValueError):
        receiver.client.park_write(KEY, "X" * 17, SECRET, {"parking_lot_name": "A", "capacity": 1, "sync_time": SYNC})
    assert receiver.requests == []


# --- answers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "expected"),
    [
        ('{"result_state": "0020", "message": "Unregistered key"}', 200, PushResult("0020", "Unregistered key")),
        ('{"result_state":"0020", "message"="Unregistered key" }', 200, PushResult("0020", "Unregistered key")),
        ('{"result_state": "0011", "message": "capacity is missing"}', 400, PushResult("0011", "capacity is missing")),
        ('{"result_state": "0001", "message": "System error"}', 500, PushResult("0001", "System error")),
        ('{"result_state": "0000", "message": null}', 200, PushResult("0000", "")),
    ],
)
def test_protocol_answers_are_returned_not_raised(body, status, expected):
    result = Recorder(body, status).client.park_stat(KEY, "1", 3)
    assert result == expected
    assert result.ok is (expected.result_state == "0000")


def test_result_description_comes_from_the_seeds_table():
    assert PushResult("0200").description == "Not match symmetric key cryptosystem"
    assert PushResult("7777", "custom").description == "custom"


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ("<html>maintenance</html>", 503, ProviderUnavailableError),
        ("", 500, ProviderUnavailableError),
        ("slow down", 429, ProviderRateLimitedError),
        ("Endpoint not found", 404, ProviderNotFoundError),
        ("<html>ok</html>", 200, ProviderBadResponseError),
        ('{"status": "fine"}', 200, ProviderBadResponseError),
    ],
)
def test_answers_without_a_result_raise_provider_errors(body, status, error):
    with pytest.raises(error):
        Recorder(body, status).client.park_stat(KEY, "1", 3)


@pytest.mark.parametrize(
    ("exc", "error"),
    [(httpx.ConnectError("refused"), ProviderUnavailableError), (httpx.ReadTimeout("slow"), ProviderTimeoutError)],
)
def test_transport_failures_raise_provider_errors(exc, error):
    def fail(request):
        raise exc

    client = SeoulPushClient(build_http_client(SETTINGS, transport=httpx.MockTransport(fail)))
    with pytest.raises(error):
        client.park_stat(KEY, "1", 3)


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, ProviderAuthError),
        (403, ProviderAuthError),
        (400, ProviderRejectedError),
        (408, ProviderTimeoutError),
        (504, ProviderTimeoutError),  # the gateway gave up: the receiver may have stored the push
        (429, ProviderRateLimitedError),
    ],
)
def test_statuses_without_a_result_map_through_the_shared_table(status, error):
    answer = httpx.Response(status, text="no result here", headers={"Retry-After": "45"})
    client = SeoulPushClient(build_http_client(SETTINGS, transport=httpx.MockTransport(lambda request: answer)))

    with pytest.raises(error) as caught:
        client.park_stat(KEY, "1", 3)

    assert caught.value.status_code == status and caught.value.code == str(status)
    if error is ProviderRateLimitedError:
        assert caught.value.retry_after == 45.0


# --- client against the receiver's own parser -----------------------------------


def receiver_app(lots: list[tuple[str, bytes]]) -> Flask:
    """A receiver built on services.seoul_protocol, with the lots of one key in memory."""
    app = Flask(__name__)

    @app.post("/WCFB/ParklandWRT.svc/<method>")
    def push(method):
        try:
            parsed = parse_push(method, request.form)
            resolve_infra_id(parsed, lots)
        except SeoulProtocolError as exc:
            return jsonify(exc.body())
        return jsonify(result_body())

    return app


@pytest.mark.parametrize(("secret", "expected"), [(SECRET, "0000"), (b"not-the-secret!!", "0200")])
def test_protected_pushes_round_trip_through_the_receiver(secret, expected):
    lots = [("171701", b"1111111111111111"), ("171702", SECRET)]
    transport = httpx.WSGITransport(app=receiver_app(lots))
    client = SeoulPushClient(build_http_client(SETTINGS, transport=transport))
    write = {"parking_lot_name": "A세종로주차장", "capacity": 124, "sync_time": SYNC, "nanumcar": 1}
    oper = {
        "visitor_access": True,
        "weekday_begin_time": "0900",
        "weekday_end_time": "2200",
        "rates": 1000,
        "time_rate": 30,
        "add_rates": 500,
        "add_time_rate": 10,
        "day_maximum": 12000,
        "sync_time": SYNC,
    }
    assert client.park_write(KEY, "171702", secret, write).result_state == expected
    assert client.park_oper(KEY, "171702", secret, oper).result_state == expected


def test_clear_pushes_round_trip_through_the_receiver():
    client = SeoulPushClient(
        build_http_client(SETTINGS, transport=httpx.WSGITransport(app=receiver_app([("171702", SECRET)])))
    )
    assert client.park_stat(KEY, "171702", 3).ok
    assert client.park_space(KEY, "171702", 40, [SpaceReport("1", "B", 2, True)]).ok
    assert client.park_stat2(KEY, "171702", {"current_parking": 3, "occur_time": SYNC}).ok
    assert client.park_stat(KEY, "999999", 3) == PushResult(
        "0100", "Invalid code value: infra_id is not a lot of this key"
    )

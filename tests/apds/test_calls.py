"""Every client call against the platform sandbox, and every refusal (seed 003 flows 1-4, the spec's rules)."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from webapp.apds.client import ApdsClient
from webapp.apds.sandbox import create_sandbox
from webapp.apds.sandbox.occupancy import demand, occupied
from webapp.apds.sandbox.store import distance_m
from webapp.apds.wire import assigned_right_body, format_instant, session_body
from webapp.core.errors import ProviderBadResponseError, ProviderNotFoundError, ProviderRejectedError
from webapp.core.http import HttpSettings, build_http_client
from webapp.core.sandbox_kit import SandboxTransport

TOKEN = "apds-demo-token"
ARNDALE = "805432"
ARNDALE_RIGHT = "6091d5d0-5264-4d66-a31a-1a9e2c9eed89"
ARNDALE_RATE = "0376c349-ed20-4f6f-9551-1a82f9f5f734"
PICCADILLY = "220001"
NOON = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # a Wednesday


@pytest.fixture
def sandbox(tmp_path):
    app = create_sandbox(tmp_path, {"token": TOKEN})
    app.extensions["apds_clock"] = lambda: NOON
    return app


@pytest.fixture
def http(sandbox):
    with build_http_client(HttpSettings("apds", "https://apds.sandbox/"), transport=SandboxTransport(sandbox)) as c:
        yield c


@pytest.fixture
def apds(http):
    return ApdsClient(http, TOKEN)


def _session(plate="BD18SMR", place=PICCADILLY, start=NOON - timedelta(hours=1), end=None, **money):
    return session_body(session_id=str(uuid.uuid4()), version=1, plate=plate, place_id=place, start=start, end=end,
                        segment_id=str(uuid.uuid4()), service_provider="ParkGo", **money)


# -- flow 1 ---------------------------------------------------------------------------


def test_search_is_a_true_great_circle_radius_nearest_first(apds):
    page = apds.places_near(53.4806, -2.2428, 600)
    distances = [distance_m(53.4806, -2.2428, p.latitude, p.longitude) for p in page.items]
    assert distances == sorted(distances) and all(d <= 600 for d in distances)
    everything = apds.places_near(53.4806, -2.2428, 600_000).items
    outside = [p for p in everything if distance_m(53.4806, -2.2428, p.latitude, p.longitude) > 600]
    assert outside and not {p.id for p in outside} & {p.id for p in page.items}


def test_the_world_has_forty_places_in_manchester_and_london(apds):
    places = apds.all_places()
    assert len(places) >= 40
    assert sum(1 for p in places if p.latitude > 53) >= 20 and sum(1 for p in places if p.latitude < 52) >= 10
    assert all(p.occupancy is not None and p.occupancy.total for p in places)


def test_place_by_id_with_occupancy_follows_the_clock(apds, sandbox):
    noon = apds.place(ARNDALE)
    sandbox.extensions["apds_clock"] = lambda: datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
    night = apds.occupancy(ARNDALE)
    assert noon.name == "Arndale Car Park" and "High Street" in noon.address
    assert noon.occupancy.total == 1400 and night.occupancy.total == 1400
    assert noon.occupancy.occupied > 3 * night.occupancy.occupied
    assert noon.occupancy.available == 1400 - noon.occupancy.occupied
    assert noon.occupancy.observed_at == NOON


def test_unknown_place_is_not_found(apds):
    with pytest.raises(ProviderNotFoundError):
        apds.place("no-such-place")


def test_right_specification_on_the_seed_and_the_spec_path(apds, http):
    spec = apds.right_specification(ARNDALE_RIGHT)
    assert spec.type == "oneTimeUseParking" and spec.rate_ids == (ARNDALE_RATE,)
    assert spec.hierarchy_elements[0].id == ARNDALE
    assert spec.periods[0].applicable_days[0] == "monday"
    same = http.get(f"v1/parking/rights/specs/{ARNDALE_RIGHT}", headers={"Authorization": f"Bearer {TOKEN}"})
    assert same.json()["id"] == ARNDALE_RIGHT
    with pytest.raises(ProviderNotFoundError):
        apds.right_specification("nope")


def test_rate_table_is_the_seeds(apds):
    table = apds.rate_table(ARNDALE_RATE)
    assert table.name == "Arndale General Public Tariff"
    lines = table.collections[0].lines
    assert [str(line.value) for line in lines] == ["3.7", "6.7", "9.2", "12.2", "15.2", "20.5"]
    assert lines[0].duration_end == "P3599S" and lines[1].duration_start == "P3600S"
    # the seed's body id answers too
    assert apds.rate_table("2a00f59e-50b0-4ac1-8733-1b3d23482403").name == table.name
    with pytest.raises(ProviderNotFoundError):
        apds.rate_table("nope")


# -- sessions (flows 2 and 4) ----------------------------------------------------------


def test_post_session_then_find_it_running_by_plate_and_place(apds):
    body = _session(value=Decimal("4.50"), transaction_id="AP-TEST01", date_collected=NOON)
    apds.create_session(body)
    running = apds.sessions(credential_id="BD18SMR", place=PICCADILLY, start_before="now", end_after="now")
    assert [s.id for s in running.items] == [body["id"]] and running.total == 1
    found = running.items[0]
    assert found.amount == Decimal("4.5") and found.transactions[0].transaction_id == "AP-TEST01"
    assert found.place.id == PICCADILLY and found.plate == "BD18SMR"
    assert apds.session(body["id"]).version == 1
    assert apds.sessions(credential_id="OTHER1").total == 0
    assert apds.sessions(credential_id="BD18SMR", start_before=NOON - timedelta(hours=2)).total == 0


def test_a_session_creates_its_assigned_right(apds):
    body = _session(end=NOON + timedelta(hours=1))
    apds.create_session(body)
    rights = apds.assigned_rights(place=PICCADILLY, credential_id="BD18SMR")
    assert rights.total == 1 and rights.items[0].expiry == NOON + timedelta(hours=1)


def test_duplicate_session_id_is_409(apds):
    body = _session()
    apds.create_session(body)
    with pytest.raises(ProviderRejectedError) as raised:
        apds.create_session(body)
    assert raised.value.status_code == 409


@pytest.mark.parametrize("change", [
    {"hierarchyElement": {"id": "nowhere", "version": 1}},
    {"credentials": []},
    {"segments": []},
    {"actualStart": "yesterday"},
    {"version": "one"},
    {"actualEnd": "2020-01-01T00:00:00Z"},
])
def test_malformed_session_is_400(apds, change):
    with pytest.raises(ProviderRejectedError) as raised:
        apds.create_session({**_session(), **change})
    assert raised.value.status_code == 400


def test_put_with_the_version_read_bumps_it_and_a_stale_one_is_409(apds):
    body = apds.create_session(_session()).raw
    ended = {**body, "actualEnd": format_instant(NOON)}
    stored = apds.update_session(ended)
    assert stored.version == 2 and apds.session(body["id"]).actual_end == NOON
    with pytest.raises(ProviderRejectedError) as raised:
        apds.update_session(ended)  # still says version 1
    assert raised.value.status_code == 409
    with pytest.raises(ProviderNotFoundError):
        apds.update_session({**ended, "id": "no-such-session"})


def test_stray_space_in_timestamps_is_read(apds):
    body = apds.create_session(_session()).raw
    paid = json.loads(json.dumps(body))
    paid["segments"][0]["financialTransactions"] = [{"dateCollected": "2026-11-25T 12:00:00Z", "segmentValue": 10.8,
                                                     "taxIncluded": True, "transactionId": "t-1"}]
    paid["segments"][0]["actualStart"] = "2026-11-25T 11:00:00Z"
    apds.update_session(paid)
    session = apds.session(body["id"])
    assert session.transactions[0].date_collected == NOON and session.paid
    assert session.segments[0].actual_start == NOON - timedelta(hours=1)


def test_create_accepts_200_as_well_as_201():
    answer = {"code": 200, "status": "OK", "message": "session created"}
    http = build_http_client(HttpSettings("apds", "https://apds.sandbox/", retries=0),
                             transport=httpx.MockTransport(lambda r: httpx.Response(200, json=answer)))
    body = _session()
    assert ApdsClient(http, TOKEN).create_session(body).id == body["id"]


def test_a_garbled_answer_is_a_bad_response():
    http = build_http_client(HttpSettings("apds", "https://apds.sandbox/", retries=0),
                             transport=httpx.MockTransport(lambda r: httpx.Response(200, json={"id": 1})))
    with pytest.raises(ProviderBadResponseError):
        ApdsClient(http, TOKEN).session("x")


# -- assigned rights (flow 3) ---------------------------------------------------------


def _right(plate="BD18SMR", expiry=NOON + timedelta(days=30), spec="0ab95c73-4c2b-4fe3-8528-0403c7734b92"):
    return assigned_right_body(right_id=str(uuid.uuid4()), plate=plate, right_specification_id=spec,
                               issued=NOON, expiry=expiry, issuer="SP0001")


def test_assigned_rights_post_and_paged_query(apds):
    for n in range(5):
        apds.create_assigned_right(_right(plate=f"AB{n:02d}XYZ"))
    first = apds.assigned_rights(place=PICCADILLY)
    assert first.total == 5 and first.offset == 0 and first.page_size == 100 and first.reference_instant > 0
    later = apds.assigned_rights(place=PICCADILLY, offset=3)
    assert [r.plate for r in later.items] == ["AB03XYZ", "AB04XYZ"]
    assert apds.assigned_rights(place=ARNDALE).total == 0
    assert apds.assigned_rights(credential_id="AB01XYZ").items[0].right_specification.id.startswith("0ab95c73")
    assert apds.assigned_rights(start_after=NOON + timedelta(days=31)).total == 0


def test_assigned_right_refusals(apds):
    body = _right()
    apds.create_assigned_right(body)
    with pytest.raises(ProviderRejectedError) as duplicate:
        apds.create_assigned_right(body)
    with pytest.raises(ProviderRejectedError) as unknown_spec:
        apds.create_assigned_right(_right(spec="no-such-spec"))
    assert duplicate.value.status_code == 409 and unknown_spec.value.status_code == 400


def test_seed_query_written_into_the_path_is_understood(apds, http):
    apds.create_assigned_right(_right())
    answer = http.get(f"v1/parking/rights/assigned/place={PICCADILLY}&identifier_id=BD18SMR",
                      headers={"Authorization": f"Bearer {TOKEN}"}).json()
    assert answer["meta"]["total"] == 1


def test_bad_paging_and_times_are_400(http):
    headers = {"Authorization": f"Bearer {TOKEN}"}
    for params in ({"offset": "-1"}, {"limit": "0"}, {"start_before": "soon"}):
        assert http.get("v1/parking/sessions", params=params, headers=headers).status_code == 400


# -- webhooks and event delivery ---------------------------------------------------------


def test_webhook_subscriptions_crud_and_refusals(apds):
    sub = apds.subscribe("https://sp.example/hooks", ["SessionCreated", "SessionUpdated"], "s3cret")
    assert sub.secret == "s3cret" and apds.subscription(sub.id).topics == ("SessionCreated", "SessionUpdated")
    assert [s.id for s in apds.subscriptions()] == [sub.id]
    changed = apds.update_subscription(sub.id, 1, "https://sp.example/v2", ["AssignedRightCreated"])
    assert changed.version == 2 and changed.endpoint.endswith("/v2")
    with pytest.raises(ProviderRejectedError) as stale:
        apds.update_subscription(sub.id, 1, "https://sp.example/v3", ["SessionCreated"])
    assert stale.value.status_code == 409
    with pytest.raises(ProviderRejectedError):
        apds.subscribe("https://sp.example/hooks", ["CarArrived"], "x")
    with pytest.raises(ProviderRejectedError):
        apds.subscribe("ftp://sp.example/hooks", ["SessionCreated"], "x")
    apds.unsubscribe(sub.id)
    with pytest.raises(ProviderNotFoundError):
        apds.subscription(sub.id)


def test_events_are_signed_delivered_once_and_retried_with_backoff(apds, sandbox):
    apds.subscribe("https://sp.example/hooks", ["SessionCreated", "SessionUpdated"], "s3cret")
    received, answers = [], [503, 200]

    def sender(url, headers, body):
        received.append((url, headers, body))
        return answers.pop(0) if answers else 200

    sandbox.extensions["apds_sender"] = sender
    control = sandbox.test_client()
    control.post("/_sandbox/operators/enter", json={"place": ARNDALE, "plate": "MS00MS"})
    first = control.post("/_sandbox/deliveries").get_json()
    assert first == {"delivered": 0, "failed": 1, "pending": 1}
    assert control.post("/_sandbox/deliveries").get_json()["failed"] == 0  # not due yet: back-off
    sandbox.extensions["apds_clock"] = lambda: NOON + timedelta(minutes=5)
    assert control.post("/_sandbox/deliveries").get_json() == {"delivered": 1, "failed": 0, "pending": 0}
    (_, h1, b1), (url, h2, b2) = received
    assert h1["APDS-Event-Id"] == h2["APDS-Event-Id"] and b1 == b2  # a retry is the same event
    assert h2["APDS-Signature"] == "sha256=" + hmac.new(b"s3cret", b2, hashlib.sha256).hexdigest()
    event = json.loads(b2)
    assert event["topic"] == "SessionCreated" and event["data"][0]["credentials"][0]["identifier"]["id"] == "MS00MS"
    assert url == "https://sp.example/hooks"


def test_operator_exit_closes_the_session_with_the_rate_tables_amount(apds, sandbox):
    control = sandbox.test_client()
    entered = control.post("/_sandbox/operators/enter", json={
        "place": ARNDALE, "plate": "BD18SMR", "at": "2026-11-25T09:05:00Z"}).get_json()
    assert control.post("/_sandbox/operators/enter", json={"place": ARNDALE, "plate": "BD18SMR"}).status_code == 409
    left = control.post("/_sandbox/operators/exit", json={
        "place": ARNDALE, "plate": "BD18SMR", "at": "2026-11-25T12:05:00Z"}).get_json()
    assert left["version"] == 2
    session = apds.session(entered["id"])
    assert session.actual_end == datetime(2026, 11, 25, 12, 5, tzinfo=UTC)
    assert session.amount == Decimal("12.2") and not session.paid  # exactly 3 h: the "up to 4 hours" band
    assert control.post("/_sandbox/operators/exit", json={"place": ARNDALE, "plate": "BD18SMR"}).status_code == 404


def test_occupancy_curve_is_busy_at_noon_and_empty_at_night():
    wednesday = datetime(2026, 11, 25, tzinfo=UTC)
    assert demand(wednesday.replace(hour=13)) > 0.85 > 0.1 > demand(wednesday.replace(hour=3))
    assert demand(datetime(2026, 11, 29, 13)) < demand(wednesday.replace(hour=13))  # Sunday
    noon = wednesday.replace(hour=12)
    assert occupied("p", 100, noon) == occupied("p", 100, noon + timedelta(seconds=30))  # stable in a slot
    assert occupied("p", 100, noon, cars_inside=500) == 100  # never above capacity


def test_operator_console_drives_a_car_in_and_out(sandbox):
    console = sandbox.test_client()
    page = console.get("/_sandbox/operators").get_data(as_text=True)
    assert "Arndale Car Park" in page and "none" in page
    entered = console.post("/_sandbox/operators", data={"place": ARNDALE, "plate": "<b>X1</b>", "action": "enter"})
    html = entered.get_data(as_text=True)
    # the camera reads letters and digits only, so markup never reaches the page (and the page escapes anyway)
    assert "BX1B at 805432" in html and "<b>" not in html
    left = console.post("/_sandbox/operators", data={"place": ARNDALE, "plate": "<b>X1</b>", "action": "exit"})
    assert "version 2" in left.get_data(as_text=True)


def test_a_reply_dropped_after_commit_is_a_timeout_and_the_session_exists(apds, sandbox):
    from webapp.core.errors import ProviderTimeoutError

    sandbox.extensions["faults"].drop_after_commit = 1
    body = _session()
    with pytest.raises(ProviderTimeoutError):
        apds.create_session(body)
    assert apds.session(body["id"]).id == body["id"]

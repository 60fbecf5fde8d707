"""The ParklandWRT.svc receiver end to end: push client -> HTTP -> receiver -> database (seed 000)."""

from __future__ import annotations

import json
import logging
import re
import threading
from datetime import datetime, timedelta
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from tests.conftest import make_app
from tests.seoul.support import (
    INFRA_ID,
    KEY,
    OPER_FIELDS,
    SECRET,
    SECRET_HEX,
    SYNC,
    WRITE_FIELDS,
    push_client,
    register_lot,
)
from tests.seoul.test_protocol import SEED_SAMPLES
from webapp.core.clock import utcnow
from webapp.extensions import db
from webapp.seoul import admin as seoul_admin
from webapp.seoul import ingest as seoul_ingest
from webapp.seoul.mac import encrypt_infra_id, park_oper_mac, park_write_mac
from webapp.seoul.models import SeoulLot, SeoulLotOperation, SeoulOccupancySample, SeoulSpace
from webapp.seoul.operator.push_client import KST, SpaceReport

PATH = "/WCFB/ParklandWRT.svc/"


@pytest.fixture
def lot_id(app):
    return register_lot(app)


@pytest.fixture
def pusher(app):
    return push_client(app)


def _lot(lot_id: int) -> SeoulLot:
    db.session.expire_all()
    return db.session.get(SeoulLot, lot_id)


def _post(client, method: str, body: str):
    return client.post(PATH + method, data=body.encode("utf-8"),
                       content_type="application/x-www-form-urlencoded")


# --- every method, round trip ---------------------------------------------------------


def test_park_write_stores_lot_information(app, lot_id):
    lot = _lot(lot_id)
    assert (lot.name, lot.capacity, lot.disabled, lot.electcar, lot.women, lot.compact) == \
        ("세종로 공영주차장", 124, 4, 6, 12, 12)
    assert (lot.latitude, lot.longitude) == (37.5730, 126.9769)
    assert lot.sync_time == SYNC
    assert lot.phone == "02-2133-1234" and lot.in_charge == "홍길동"


def test_park_oper_stores_hours_fees_passes_and_discounts(app, lot_id):
    operation = db.session.get(SeoulLotOperation, lot_id)
    assert (operation.weekday_begin, operation.weekday_end) == (8 * 60, 22 * 60 + 30)
    assert (operation.holiday_begin, operation.holiday_end) == (8 * 60 + 30, 21 * 60 + 30)
    assert (operation.rates, operation.time_rate, operation.add_rates, operation.add_time_rate) == (1000, 30, 500, 10)
    assert operation.day_maximum == 12000 and operation.all_day_monthly == 68000
    assert (operation.discount_compact, operation.discount_disabled, operation.discount_national_merit,
            operation.discount_many_children) == (50, 20, 30, 25)
    assert operation.rotation_code == 2 and operation.visitor_access is True and operation.store_discount is True
    assert operation.notify_memo == OPER_FIELDS["notify_memo"]


def test_park_stat_adds_a_sample_and_moves_the_live_figure(app, lot_id, pusher):
    assert pusher.park_stat(KEY, INFRA_ID, 99).ok
    lot = _lot(lot_id)
    assert lot.current_parking == 99
    samples = db.session.scalars(select(SeoulOccupancySample).where(SeoulOccupancySample.lot_id == lot_id)).all()
    assert [s.current_parking for s in samples] == [57, 99]
    assert lot.last_method == "ParkStatPost" and lot.last_result_state == "0000"


def test_park_space_updates_named_spaces_and_keeps_the_others(app, lot_id, pusher):
    assert pusher.park_space(KEY, INFRA_ID, 124, [SpaceReport("B1-001", None, None, True)]).ok
    spaces = {s.space_id: s for s in db.session.scalars(select(SeoulSpace).where(SeoulSpace.lot_id == lot_id))}
    assert len(spaces) == 9
    assert spaces["B1-001"].occupied is True and spaces["B1-001"].floor_class == "B"  # floor kept
    assert spaces["B1-003"].occupied is True and spaces["B2-001"].occupied is False
    assert _lot(lot_id).space_count == 124


def test_park_stat2_files_the_sample_at_its_past_occur_time(app, lot_id, pusher):
    occurred = (utcnow() - timedelta(hours=3)).replace(microsecond=0)
    result = pusher.park_stat2(KEY, INFRA_ID, {"current_parking": 40, "disabled_parking": 2, "regular_parking": 5,
                                               "elect_parking": 1, "inout_gubun": "I", "car_num": "12가3456",
                                               "occur_time": occurred})
    assert result.ok
    sample = db.session.scalars(select(SeoulOccupancySample).where(SeoulOccupancySample.method == "ParkStatPost2"))\
        .one()
    assert sample.at == occurred and sample.disabled_parking == 2 and sample.inout == "I"
    # an older sample goes into the history only: the live figure stays the newer one
    assert _lot(lot_id).current_parking == 57


def test_park_stat2_with_future_occur_time_is_filed_now(app, lot_id, pusher):
    before = utcnow()
    assert pusher.park_stat2(KEY, INFRA_ID, {"current_parking": 70,
                                             "occur_time": datetime.now(KST) + timedelta(days=2)}).ok
    lot = _lot(lot_id)
    assert lot.current_parking == 70 and before <= lot.current_at <= utcnow()


def test_answers_are_the_seeds_json_exactly(app, client, lot_id):
    ok = _post(client, "ParkStatPost", f"key={KEY}&infra_id={INFRA_ID}&current_parking=3")
    assert ok.status_code == 200 and ok.content_type.startswith("application/json")
    assert ok.data == b'{"result_state":"0000"}'
    refused = _post(client, "ParkStatPost", f"key=NOPE1234&infra_id={INFRA_ID}&current_parking=3")
    assert refused.data == b'{"result_state":"0020","message":"Unregistered key"}'


# --- the seed's own samples, misprints and all ---------------------------------------------


def _with_our_infra_id(method: str) -> str:
    sample = SEED_SAMPLES[method]
    if method == "ParkWritePost":
        mac = park_write_mac("발산주차장", "140", "2013-01-08 13:24:19.543")
    else:
        mac = park_oper_mac(KEY, "0800", "2013-01-08 13:24:19.543")
    protected = quote(encrypt_infra_id(INFRA_ID, SECRET, mac), safe="")
    return re.sub(r"infra_id=[^&]+", f"infra_id={protected}", sample, count=1)


def _described_before_2013(lot_id: int) -> None:
    lot = _lot(lot_id)
    lot.sync_time = lot.operation.sync_time = datetime(2012, 12, 31, tzinfo=KST)
    db.session.commit()


@pytest.mark.parametrize("method", ["ParkWritePost", "ParkOperPost", "ParkStatPost", "ParkSpacePost",
                                    "ParkStatPost2"])
def test_seed_samples_with_misprinted_names_are_accepted(app, client, lot_id, method):
    body = _with_our_infra_id(method) if method in ("ParkWritePost", "ParkOperPost") else SEED_SAMPLES[method]
    _described_before_2013(lot_id)  # the samples' sync_time is of 2013: an older one would be refused
    response = _post(client, method, body)
    assert response.get_json() == {"result_state": "0000"}, response.get_data(as_text=True)
    lot = _lot(lot_id)
    if method == "ParkWritePost":  # anumcar, garden and position_lititude arrived under their real names
        assert (lot.name, lot.capacity, lot.nanumcar, lot.motorbike, lot.latitude) == \
            ("발산주차장", 140, 0, 0, 37.566535)
    sample = db.session.scalars(select(SeoulOccupancySample).order_by(SeoulOccupancySample.id.desc())).first()
    if method in ("ParkStatPost", "ParkStatPost2"):  # "¤t_parking" glued into infra_id, split again
        assert sample.current_parking == 127
    if method == "ParkStatPost":
        assert lot.current_parking == 127
    if method == "ParkStatPost2":  # "®ular_parking"; its occur_time of 2018 files it in the past
        assert sample.regular_parking == 27
        assert sample.at == datetime(2018, 1, 1, 12, 23, 34, tzinfo=KST)
        assert lot.current_parking == 57


def test_capitalised_key_fields_of_the_park_oper_table_are_accepted(app, client, lot_id):
    body = _with_our_infra_id("ParkOperPost").replace("key=", "Key=", 1).replace("infra_id=", "Infra_id=", 1)
    body = body.replace("visitor_access=N", "Visitor_access=N")
    _described_before_2013(lot_id)
    assert _post(client, "ParkOperPost", body).get_json() == {"result_state": "0000"}
    assert db.session.get(SeoulLotOperation, lot_id).visitor_access is False


# --- every result code ----------------------------------------------------------------


def test_missing_field_is_0011_naming_it(app, client, lot_id):
    answer = _post(client, "ParkStatPost", f"key={KEY}&infra_id={INFRA_ID}").get_json()
    assert answer["result_state"] == "0011" and "current_parking" in answer["message"]


def test_unregistered_key_is_0020(app, pusher, lot_id):
    assert pusher.park_stat("UNKNOWNKEY", INFRA_ID, 1).result_state == "0020"


def test_suspended_key_is_refused_with_0021_until_reactivated(app, pusher, lot_id):
    key = seoul_admin.find_key(KEY)
    seoul_admin.set_key_status(key.id, "suspended")
    refused = pusher.park_write(KEY, INFRA_ID, SECRET, WRITE_FIELDS)
    assert (refused.result_state, refused.message) == ("0021", "Your key is temporary unavailable")
    seoul_admin.set_key_status(key.id, "issued")
    assert pusher.park_stat(KEY, INFRA_ID, 1).ok


def test_key_over_its_daily_limit_is_0010(app, pusher):
    register_lot(app, key="LIMITED1", limit=6)  # the registration makes 4 requests
    assert [pusher.park_stat("LIMITED1", INFRA_ID, n).result_state for n in range(4)] == \
        ["0000", "0000", "0010", "0010"]


def test_limit_counts_per_seoul_day(app, pusher):
    register_lot(app, key="LIMITED2", limit=4)
    assert pusher.park_stat("LIMITED2", INFRA_ID, 1).result_state == "0010"
    tomorrow = utcnow() + timedelta(days=1)
    outcome = seoul_ingest.receive_push("ParkStatPost", {"key": ["LIMITED2"], "infra_id": [INFRA_ID],
                                                         "current_parking": ["1"]}, now=tomorrow)
    assert outcome.result_state == "0000"


INVALID = [
    ("ParkStatPost", f"key={KEY}&infra_id={INFRA_ID}&current_parking=12345", "current_parking"),  # 5 digits
    ("ParkStatPost", f"key={KEY}&infra_id={INFRA_ID}&current_parking=", "current_parking"),  # empty
    ("ParkStatPost", f"key={KEY}&infra_id=999999&current_parking=1", "infra_id"),  # not a lot of the key
    ("ParkSpacePost", f"key={KEY}&infra_id={INFRA_ID}&count=3&floor_class=C&parking_space_id=1", "floor_class"),
    ("ParkSpacePost", f"key={KEY}&infra_id={INFRA_ID}&count=3&parking_space_status=Z&parking_space_id=1",
     "parking_space_status"),
    ("ParkStatPost2", f"key={KEY}&infra_id={INFRA_ID}&current_parking=1&inout_gubun=X", "inout_gubun"),
    ("ParkStatPost2", f"key={KEY}&infra_id={INFRA_ID}&current_parking=1&occur_time=20261399000000", "occur_time"),
]


@pytest.mark.parametrize(("method", "body", "field"), INVALID)
def test_invalid_code_values_are_0100(app, client, lot_id, method, body, field):
    answer = _post(client, method, body).get_json()
    assert answer["result_state"] == "0100" and field in answer["message"]


@pytest.mark.parametrize(("field", "value"), [
    ("visitor_access", "X"), ("position_class", "6"), ("no_driving_rotation_system", "0"),
    ("weekday_begin_time", "2500"), ("weekday_end_time", "1260"), ("store_discount", "y"), ("rates", "1,000"),
])
def test_invalid_park_oper_codes_are_0100(app, pusher, lot_id, field, value):
    result = pusher.park_oper(KEY, INFRA_ID, SECRET, {**OPER_FIELDS, field: value})
    assert result.result_state == "0100" and field in result.message


def test_refused_push_is_noted_on_the_lot_for_the_admin(app, client, lot_id):
    _post(client, "ParkStatPost", f"key={KEY}&infra_id={INFRA_ID}&current_parking=lots")
    lot = _lot(lot_id)
    assert (lot.last_method, lot.last_result_state) == ("ParkStatPost", "0100")
    assert "current_parking" in lot.last_message


def test_infra_id_under_a_wrong_secret_is_0200(app, pusher, lot_id):
    assert pusher.park_write(KEY, INFRA_ID, b"FEDCBA9876543210", WRITE_FIELDS).result_state == "0200"
    assert pusher.park_oper(KEY, INFRA_ID, b"FEDCBA9876543210", OPER_FIELDS).result_state == "0200"


def test_infra_id_protected_for_other_fields_is_0200(app, client, lot_id):
    """A name changed after the MAC was made does not verify: the MAC binds the fields."""
    mac = park_write_mac("세종로 공영주차장", "124", "2026-11-23 09:00:00.123")
    protected = quote(encrypt_infra_id(INFRA_ID, SECRET, mac), safe="")
    body = (f"key={KEY}&infra_id={protected}&parking_lot_name={quote('종묘 공영주차장')}&capacity=124"
            "&sync_time=2026-11-23+09%3A00%3A00.123")
    assert _post(client, "ParkWritePost", body).get_json()["result_state"] == "0200"


def test_database_failure_is_0001_without_a_stack_trace(app, client, lot_id, monkeypatch, caplog):
    def broken(*_args):
        raise OperationalError("INSERT INTO seoul_occupancy_samples", {}, Exception("disk I/O error"))

    monkeypatch.setitem(seoul_ingest._STORE, "ParkStatPost", broken)
    with caplog.at_level(logging.ERROR):
        response = _post(client, "ParkStatPost", f"key={KEY}&infra_id={INFRA_ID}&current_parking=3")
    assert response.status_code == 500
    assert response.data == b'{"result_state":"0001","message":"System error"}'
    assert "disk I/O error" in caplog.text  # logged for us, not sent to the operator


def test_unreadable_sealed_secret_is_0001(app, pusher, lot_id):
    lot = _lot(lot_id)
    lot.sealed_secret = lot.sealed_secret[:-4] + "AAAA"
    db.session.commit()
    result = pusher.park_write(KEY, INFRA_ID, SECRET, WRITE_FIELDS)
    assert result.result_state == "0001"


def test_unexpected_failure_is_0990_and_hides_the_detail(app, client, lot_id, monkeypatch, caplog):
    def broken(*_args):
        raise RuntimeError("internal detail /srv/app/secret.py line 12")

    monkeypatch.setitem(seoul_ingest._STORE, "ParkStatPost", broken)
    with caplog.at_level(logging.ERROR):
        response = _post(client, "ParkStatPost", f"key={KEY}&infra_id={INFRA_ID}&current_parking=3")
    body = response.get_data(as_text=True)
    assert json.loads(body) == {"result_state": "0990", "message": "Undefined error occurred"}
    assert "Traceback" not in body and "internal detail" not in body
    assert "internal detail" in caplog.text
    assert _lot(lot_id).current_parking == 57  # rolled back


def test_unknown_method_is_404_and_get_is_405(client):
    assert client.post(PATH + "ParkDeletePost", data={"key": KEY}).status_code == 404
    assert client.get(PATH + "ParkStatPost").status_code == 405


def test_receiver_needs_no_login_and_no_csrf_token(csrf_app):
    register_lot(csrf_app)
    response = csrf_app.test_client().post(PATH + "ParkStatPost",
                                           data={"key": KEY, "infra_id": INFRA_ID, "current_parking": "5"})
    assert response.get_json() == {"result_state": "0000"}


def test_lot_secret_is_stored_sealed_and_never_logged(app, caplog):
    with caplog.at_level(logging.DEBUG):
        lot_id = register_lot(app)
    sealed = _lot(lot_id).sealed_secret
    assert sealed.startswith("v1:") and SECRET_HEX not in sealed and SECRET.decode() not in sealed
    assert SECRET_HEX not in caplog.text and SECRET.decode() not in caplog.text


# --- the limit holds across processes ------------------------------------------------------


@pytest.fixture
def second_app(app, tmp_path):
    """Another app instance (another worker or machine) on the same database."""
    other = make_app(tmp_path / "second", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    yield other
    with other.app_context():
        db.engine.dispose()


def _stat_via(app_instance, value: int) -> str:
    # a fresh httpx client per call, outside the test's app context: like a request from outside
    with httpx.Client(transport=httpx.WSGITransport(app=app_instance), base_url="http://testserver") as http:
        response = http.post(PATH + "ParkStatPost", data={"key": "SHARED01", "infra_id": INFRA_ID,
                                                          "current_parking": str(value)})
    return response.json()["result_state"]


def test_limit_is_shared_by_two_app_instances_on_one_database(app, second_app):
    register_lot(app, key="SHARED01", limit=8)  # 4 requests used by the registration
    results = [_stat_via(app, 1), _stat_via(second_app, 2), _stat_via(app, 3), _stat_via(second_app, 4),
               _stat_via(second_app, 5), _stat_via(app, 6)]
    assert results == ["0000", "0000", "0000", "0000", "0010", "0010"]


def test_limit_holds_under_concurrent_pushes_from_two_instances(app, second_app):
    register_lot(app, key="SHARED01", limit=4 + 15)
    db.session.commit()
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker(instance, n):
        for i in range(n):
            state = _stat_via(instance, i)
            with lock:
                outcomes.append(state)

    threads = [threading.Thread(target=worker, args=(instance, 6)) for instance in (app, second_app) * 3]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(outcomes) == 36
    assert outcomes.count("0000") == 15 and outcomes.count("0010") == 21, sorted(outcomes)



def test_mac_cut_inside_a_korean_character_verifies_on_both_sides(app):
    """"세종로 공영주차장" in CP949: the 8-byte cut keeps only the lead byte of 공 (0xB0); both sides cut alike."""
    mac = park_write_mac("세종로 공영주차장", "124", "2026-11-23 09:00:00.123")
    assert mac[:8] == "세종로 ".encode("cp949") + "공".encode("cp949")[:1]
    lot_id = register_lot(app, key="CUTKEY01")  # its ParkWritePost carries that name
    assert _lot(lot_id).name == "세종로 공영주차장"

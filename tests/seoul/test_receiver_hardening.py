"""The receiver under hostile and careless input: linear parsing, every refusal in the protocol's JSON,
every push counted, and no older description rolling a lot back (issue 11)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.seoul.support import INFRA_ID, KEY, OPER_FIELDS, SECRET, SYNC, WRITE_FIELDS, push_client, register_lot
from tests.support.lines import lines_run
from webapp.extensions import db
from webapp.seoul import admin as seoul_admin
from webapp.seoul.models import SeoulLot, SeoulLotOperation, SeoulRequestCounter
from webapp.seoul.protocol import SeoulProtocolError, parse_push

#: the receiver's code: the lines counted by the parsing test
SEOUL_PACKAGE = str(Path(parse_push.__code__.co_filename).parent)

PATH = "/WCFB/ParklandWRT.svc/"


@pytest.fixture
def lot_id(app):
    return register_lot(app)


@pytest.fixture
def pusher(app):
    return push_client(app)


def _post(client, method: str, body: str | bytes):
    data = body.encode("utf-8") if isinstance(body, str) else body
    return client.post(PATH + method, data=data, content_type="application/x-www-form-urlencoded")


def _lot(lot_id: int) -> SeoulLot:
    db.session.expire_all()
    return db.session.get(SeoulLot, lot_id)


# --- linear in its input --------------------------------------------------------------


@pytest.mark.parametrize("markers", [1_000, 50_000])
def test_a_value_full_of_misprinted_markers_is_0100_not_a_recursion(markers):
    value = "1" + "¤t_parking=1" * markers
    with pytest.raises(SeoulProtocolError) as refused:
        parse_push("ParkStatPost", {"key": KEY, "infra_id": INFRA_ID + "¤t_parking=" + value})
    assert refused.value.result_code == "0100"


def test_parsing_work_grows_linearly_with_the_markers():
    """Counted in lines of the protocol modules run, not in seconds: the same on a loaded machine."""
    def lines(markers: int) -> int:
        form = {"key": KEY, "infra_id": INFRA_ID + "¤t_parking=1" * markers}
        with lines_run(lambda filename: filename.startswith(SEOUL_PACKAGE)) as counted, \
                pytest.raises(SeoulProtocolError):
            parse_push("ParkStatPost", form)
        return counted[0]

    assert lines(10_000) < lines(1_000) * 12  # ten times the markers, at most about ten times the work


def test_a_thousand_markers_over_http_answer_0100_in_json(client, lot_id):
    response = _post(client, "ParkStatPost", f"key={KEY}&infra_id={INFRA_ID}" + "¤t_parking=1" * 1_000)
    assert response.status_code == 200
    assert response.get_json()["result_state"] == "0100"


def test_glued_markers_still_split_into_their_fields():
    parsed = parse_push("ParkStatPost2", {"key": KEY, "infra_id": INFRA_ID + "¤t_parking=12®ular_parking=3"})
    assert (parsed.infra_id, parsed.current_parking, parsed.regular_parking) == (INFRA_ID, 12, 3)


# --- times no calendar of ours can hold --------------------------------------------------


@pytest.mark.parametrize("occur_time", ["00010101000000", "19691231235959", "99991231235959"])
def test_occur_time_outside_the_years_is_0100(client, lot_id, occur_time):
    answer = _post(client, "ParkStatPost2",
                   f"key={KEY}&infra_id={INFRA_ID}&current_parking=1&occur_time={occur_time}").get_json()
    assert answer["result_state"] == "0100" and "occur_time" in answer["message"]


@pytest.mark.parametrize("sync_time", ["0001-01-01 00:00:00.000", "0001-11-23 09:00:00.123", "9999-12-31 23:59:59.999"])
def test_sync_time_outside_the_years_is_0100(pusher, lot_id, sync_time):
    assert pusher.park_write(KEY, INFRA_ID, SECRET, {**WRITE_FIELDS, "sync_time": sync_time}).result_state == "0100"
    assert pusher.park_oper(KEY, INFRA_ID, SECRET, {**OPER_FIELDS, "sync_time": sync_time}).result_state == "0100"


# --- every refusal is the protocol's JSON ---------------------------------------------------


@pytest.mark.parametrize(("method", "body", "status", "code"), [
    ("ParkStatPost", f"key={KEY}&infra_id={INFRA_ID}&current_parking=1%00", 400, "0100"),
    ("ParkStatPost", f"key={KEY}&infra_id={INFRA_ID}&current_parking=" + "1" * (1024 * 1024 + 1), 413, "0100"),
    ("ParkDeletePost", f"key={KEY}", 404, "0990"),
    ("ParkStatPost/extra", f"key={KEY}", 404, "0990"),
])
def test_refusals_before_the_receiver_runs_are_json_with_a_result_code(client, method, body, status, code):
    response = _post(client, method, body)
    assert response.status_code == status
    assert response.content_type.startswith("application/json")
    assert response.get_json()["result_state"] == code and response.get_json()["message"]


def test_more_form_parts_than_allowed_is_json(client):
    fields = {f"field{i}": "1" for i in range(1_200)}
    response = client.post(PATH + "ParkStatPost", data=fields, content_type="multipart/form-data")
    assert response.status_code == 413
    assert response.get_json()["result_state"] == "0100"


def test_a_get_is_json_too(client):
    response = client.get(PATH + "ParkStatPost")
    assert response.status_code == 405 and response.get_json()["result_state"] == "0990"


def test_an_unexpected_error_before_the_receiver_is_json(app, client, monkeypatch):
    from webapp.seoul import ingest

    def broken(*_args, **_kwargs):
        raise RuntimeError("internal detail")

    monkeypatch.setattr(ingest, "receive_push", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = _post(client, "ParkStatPost", f"key={KEY}&infra_id={INFRA_ID}&current_parking=1")
    assert response.status_code == 500
    assert response.get_json()["result_state"] == "0990" and "internal" not in response.get_data(as_text=True)


def test_pages_outside_the_receiver_keep_their_html_errors(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and response.content_type.startswith("text/html")


# --- every push counts ---------------------------------------------------------------------


def _count(key: str = KEY) -> int:
    db.session.expire_all()
    return sum(db.session.scalars(select(SeoulRequestCounter.n)).all())


def test_pushes_refused_while_parsing_count_against_the_limit(app, client, pusher):
    register_lot(app, key="LIMITED3", limit=7)  # the registration makes 4 requests
    assert _count() == 4
    assert _post(client, "ParkStatPost", f"key=LIMITED3&infra_id={INFRA_ID}&current_parking=x").get_json()[
        "result_state"] == "0100"
    assert _post(client, "ParkStatPost", f"key=LIMITED3&infra_id={INFRA_ID}").get_json()["result_state"] == "0011"
    assert _count() == 6
    assert pusher.park_stat("LIMITED3", INFRA_ID, 1).result_state == "0000"
    # over the limit, a malformed push is answered 0010 like any other
    assert _post(client, "ParkStatPost", f"key=LIMITED3&infra_id={INFRA_ID}").get_json()["result_state"] == "0010"
    assert pusher.park_stat("LIMITED3", INFRA_ID, 1).result_state == "0010"


def test_malformed_pushes_of_an_unknown_key_count_nothing(client, lot_id):
    before = _count()
    _post(client, "ParkStatPost", f"key=NOSUCHKEY&infra_id={INFRA_ID}&current_parking=x")
    assert _count() == before


# --- an older description never rolls a lot back ---------------------------------------------


def test_an_older_park_write_is_refused_and_changes_nothing(app, pusher, lot_id):
    newer = SYNC + timedelta(hours=1)
    assert pusher.park_write(KEY, INFRA_ID, SECRET, {**WRITE_FIELDS, "parking_lot_name": "새 이름",
                                                     "sync_time": newer}).ok
    replay = pusher.park_write(KEY, INFRA_ID, SECRET, {**WRITE_FIELDS, "sync_time": SYNC})
    assert replay.result_state == "0100" and "sync_time" in replay.message
    lot = _lot(lot_id)
    assert lot.name == "새 이름" and lot.sync_time == newer
    assert (lot.last_method, lot.last_result_state) == ("ParkWritePost", "0100")


def test_the_same_park_write_sent_again_is_accepted(pusher, lot_id):
    assert pusher.park_write(KEY, INFRA_ID, SECRET, WRITE_FIELDS).ok


def test_an_older_park_oper_is_refused_and_keeps_the_fees(app, pusher, lot_id):
    newer = SYNC + timedelta(minutes=5)
    assert pusher.park_oper(KEY, INFRA_ID, SECRET, {**OPER_FIELDS, "rates": 2000, "sync_time": newer}).ok
    assert pusher.park_oper(KEY, INFRA_ID, SECRET, OPER_FIELDS).result_state == "0100"
    db.session.expire_all()
    assert db.session.get(SeoulLotOperation, lot_id).rates == 2000


def _used_today(key: str = KEY) -> int:
    """The key's requests today as the admin sees them (far from its limit a worker writes its count in batches)."""
    return next(k.used_today for k in seoul_admin.list_keys() if k.key == key)


def test_a_refused_older_push_still_counts(app, pusher, lot_id):
    assert pusher.park_write(KEY, INFRA_ID, SECRET, {**WRITE_FIELDS, "sync_time": SYNC + timedelta(hours=1)}).ok
    before = _used_today()
    pusher.park_write(KEY, INFRA_ID, SECRET, WRITE_FIELDS)
    assert _used_today() == before + 1


def test_a_sync_time_days_ahead_is_refused(pusher, lot_id):
    from webapp.core.clock import utcnow

    ahead = utcnow() + timedelta(days=3)
    assert pusher.park_write(KEY, INFRA_ID, SECRET, {**WRITE_FIELDS, "sync_time": ahead}).result_state == "0100"
    assert _lot(lot_id).sync_time == SYNC

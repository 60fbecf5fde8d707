"""The receiver's fast path (issue 10): SQLite pragmas, the key and lot cache and its bound, two statements
per occupancy push, and the daily request count in Redis with its database fallback."""

from __future__ import annotations

import logging
import os
import uuid
from contextlib import contextmanager
from datetime import timedelta

import pytest
import redis
from sqlalchemy import delete, event, select, text, update
from sqlalchemy.exc import OperationalError

from tests.seoul.support import INFRA_ID, KEY, push_client, register_lot
from webapp.core.clock import utcnow
from webapp.extensions import db
from webapp.seoul import admin as seoul_admin
from webapp.seoul import ingest as seoul_ingest
from webapp.seoul import receiver_cache, request_counts
from webapp.seoul.ingest import seoul_day
from webapp.seoul.models import SeoulLot, SeoulOccupancySample, SeoulOperatorKey, SeoulRequestCounter

PATH = "/WCFB/ParklandWRT.svc/"
ON_POSTGRESQL = (os.environ.get("DATABASE_URL") or "").startswith("postgresql")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def pusher(app):
    return push_client(app)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(app):
    """The receiver cache of ``app`` on a clock the test moves (bound: 5 s)."""
    fake = FakeClock()
    app.extensions["seoul_receiver_cache"] = receiver_cache.TtlCache(5.0, clock=fake)
    return fake


@contextmanager
def statements(app):
    """The SQL statements the app's engine runs inside the block (their first word each)."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement.split()[0].upper())

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def _suspend_elsewhere(key: str) -> None:
    """Suspend a key the way another worker or the CLI does: in the database, not through this app's cache."""
    db.session.execute(update(SeoulOperatorKey).where(SeoulOperatorKey.key == key).values(status="suspended"))
    db.session.commit()


# --- SQLite ---------------------------------------------------------------------------------------


@pytest.mark.skipif(ON_POSTGRESQL, reason="SQLite pragmas")
def test_every_sqlite_connection_is_wal_with_synchronous_normal_and_a_busy_timeout(app):
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL (FULL is 2)
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


# --- round trips -----------------------------------------------------------------------------------


def test_an_occupancy_push_is_two_writes_without_a_read_between_writes_of_the_count(app, pusher):
    lot_id = register_lot(app)
    assert pusher.park_stat(KEY, INFRA_ID, 10).ok  # key and lot are now cached, the count written once
    with statements(app) as seen:
        assert pusher.park_stat(KEY, INFRA_ID, 11).ok
        assert pusher.park_stat2(KEY, INFRA_ID, {"current_parking": 12, "inout_gubun": "I"}).ok
    # the lot and the sample (PostgreSQL: both in one WITH … INSERT statement); the day's count waits
    assert seen == (["WITH"] if ON_POSTGRESQL else ["UPDATE", "INSERT"]) * 2
    db.session.expire_all()
    assert db.session.get(SeoulLot, lot_id).current_parking == 12


def test_the_count_is_written_every_few_requests_and_the_admin_sees_every_one(app, pusher, monkeypatch):
    monkeypatch.setattr(request_counts, "FLUSH_EVERY", 5)
    register_lot(app, limit=10_000)  # 4 requests: the first one written, the next three waiting
    written = []
    for n in range(13):
        assert pusher.park_stat(KEY, INFRA_ID, n).ok
        written.append(_db_count())
    # requests 5 to 17: the 6th, 11th and 16th write the five waiting
    assert written == [1, 6, 6, 6, 6, 6, 11, 11, 11, 11, 11, 16, 16]
    assert seoul_admin.list_keys()[0].used_today == 17  # the written ones and this worker's waiting one


def test_a_count_waits_at_most_a_second(app, pusher, monkeypatch):
    clock = FakeClock()
    app.extensions["seoul_request_batches"] = request_counts.Batches(clock=clock)
    register_lot(app, limit=10_000)  # 4 requests within the second: the first written, three waiting
    assert _db_count() == 1
    assert pusher.park_stat(KEY, INFRA_ID, 1).ok and _db_count() == 1
    clock.now += request_counts.FLUSH_SECONDS
    assert pusher.park_stat(KEY, INFRA_ID, 2).ok and _db_count() == 6  # a second on: the five waiting


def test_near_its_limit_a_key_is_counted_exactly_and_refused_past_it(app, pusher, monkeypatch):
    monkeypatch.setattr(request_counts, "NEAR_LIMIT", 3)
    register_lot(app, limit=4 + 30)
    states = [pusher.park_stat(KEY, INFRA_ID, n).result_state for n in range(32)]
    assert states == ["0000"] * 30 + ["0010"] * 2
    assert _db_count() == 4 + 32  # near the limit every request was written at once


def test_counts_written_by_a_push_that_failed_are_written_again(app, pusher, monkeypatch):
    register_lot(app, limit=10_000)
    monkeypatch.setattr(request_counts, "FLUSH_EVERY", 1)  # this push writes its count
    failing = seoul_ingest._STORE[seoul_ingest.PARK_STAT]

    def fail(*_args):
        raise OperationalError("INSERT", {}, Exception("disk I/O error"))

    monkeypatch.setitem(seoul_ingest._STORE, seoul_ingest.PARK_STAT, fail)
    assert _db_count() == 1  # the registration's first request; three wait
    assert pusher.park_stat(KEY, INFRA_ID, 1).result_state == "0001"
    assert _db_count() == 1  # the four it wrote rolled back with the push …
    monkeypatch.setitem(seoul_ingest._STORE, seoul_ingest.PARK_STAT, failing)
    assert pusher.park_stat(KEY, INFRA_ID, 2).ok
    assert _db_count() == 6  # … and written with the next one: every request so far


@pytest.mark.skipif(not ON_POSTGRESQL, reason="PostgreSQL's synchronous_commit")
def test_on_postgresql_only_the_push_transaction_skips_the_wal_flush(app):
    lot_id = register_lot(app)
    now = utcnow()
    assert seoul_ingest._add_sample(lot_id, now, now, "ParkStatPost", 3)
    assert db.session.execute(text("SHOW synchronous_commit")).scalar() == "off"
    db.session.commit()
    assert db.session.execute(text("SHOW synchronous_commit")).scalar() == "on"


@pytest.mark.skipif(not ON_POSTGRESQL, reason="PostgreSQL's round trips")
def test_on_postgresql_a_push_while_the_count_waits_is_one_statement_in_a_transaction_of_its_own(app, pusher):
    register_lot(app)
    assert pusher.park_stat(KEY, INFRA_ID, 1).ok  # key and lot cached, the count written
    db.session.remove()  # as at the start of every request: nothing of the push in the session yet
    seen = []

    def record(connection, _cursor, statement, *_args):
        seen.append((statement.split()[0].upper(), connection.connection.dbapi_connection.autocommit))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert pusher.park_stat(KEY, INFRA_ID, 2).ok
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert seen == [("WITH", True)]  # in autocommit: no BEGIN, no COMMIT, one round trip
    db.session.remove()
    assert db.session.scalar(select(SeoulLot.current_parking)) == 2


def test_an_older_sample_goes_into_the_history_and_leaves_the_live_figure(app, pusher):
    lot_id = register_lot(app, current=57)
    earlier = (utcnow() - timedelta(hours=1)).replace(microsecond=0)
    assert pusher.park_stat2(KEY, INFRA_ID, {"current_parking": 5, "occur_time": earlier}).ok
    db.session.expire_all()
    lot = db.session.get(SeoulLot, lot_id)
    assert lot.current_parking == 57 and lot.current_at > earlier
    assert (lot.last_method, lot.last_result_state) == ("ParkStatPost2", "0000")
    assert 5 in db.session.scalars(select(SeoulOccupancySample.current_parking)).all()


# --- the cache and its bound ---------------------------------------------------------------------------


def test_a_suspension_elsewhere_is_in_force_once_the_cached_key_is_five_seconds_old(app, pusher, clock):
    register_lot(app)
    assert pusher.park_stat(KEY, INFRA_ID, 1).ok  # read at 1000.0
    _suspend_elsewhere(KEY)
    clock.now += 4.9
    assert pusher.park_stat(KEY, INFRA_ID, 2).ok  # the cached key: the documented bound, not longer
    clock.now += 0.1
    assert pusher.park_stat(KEY, INFRA_ID, 3).result_state == "0021"


def test_using_a_cached_key_does_not_extend_its_life(app, pusher, clock):
    register_lot(app)
    assert pusher.park_stat(KEY, INFRA_ID, 1).ok
    _suspend_elsewhere(KEY)
    for _ in range(4):  # a push every second keeps the entry in use, not fresh
        clock.now += 1
        assert pusher.park_stat(KEY, INFRA_ID, 2).ok
    clock.now += 1
    assert pusher.park_stat(KEY, INFRA_ID, 3).result_state == "0021"


def test_a_suspension_made_by_this_worker_is_in_force_at_once(app, pusher, clock):
    register_lot(app)
    assert pusher.park_stat(KEY, INFRA_ID, 1).ok
    seoul_admin.set_key_status(seoul_admin.find_key(KEY).id, "suspended")
    assert pusher.park_stat(KEY, INFRA_ID, 2).result_state == "0021"
    seoul_admin.set_key_status(seoul_admin.find_key(KEY).id, "issued")
    assert pusher.park_stat(KEY, INFRA_ID, 3).ok


def test_a_lower_limit_set_by_this_worker_is_in_force_at_once(app, pusher, clock):
    register_lot(app, limit=100)  # 4 requests
    assert pusher.park_stat(KEY, INFRA_ID, 1).ok
    seoul_admin.set_key_limit(seoul_admin.find_key(KEY).id, 5)
    assert pusher.park_stat(KEY, INFRA_ID, 2).result_state == "0010"


def test_a_lot_removed_while_cached_is_refused_not_a_failure(app, pusher, clock):
    lot_id = register_lot(app)
    assert pusher.park_stat(KEY, INFRA_ID, 1).ok
    db.session.execute(delete(SeoulLot).where(SeoulLot.id == lot_id))
    db.session.commit()
    result = pusher.park_stat(KEY, INFRA_ID, 2)
    assert result.result_state == "0100" and "infra_id" in result.message
    assert db.session.scalar(select(SeoulOccupancySample.id).where(SeoulOccupancySample.lot_id == lot_id)) is None


def test_unknown_keys_are_not_kept():
    cache = receiver_cache.TtlCache(5.0, clock=FakeClock())
    loads = []
    assert cache.get("nobody", lambda: loads.append(1)) is None
    assert cache.get("nobody", lambda: loads.append(1)) is None
    assert len(loads) == 2


# --- the daily count in Redis ----------------------------------------------------------------------------


@pytest.fixture
def redis_counts(app):
    """``app`` counting in Redis under a prefix of its own (deleted afterwards); skipped without Redis."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip(f"Redis does not answer at {REDIS_URL}")
    prefix = f"test:seoul-requests:{uuid.uuid4().hex}"
    app.config.update(REDIS_URL=REDIS_URL, SEOUL_REQUEST_COUNT_PREFIX=prefix)
    yield client, prefix
    for name in client.scan_iter(prefix + ":*"):
        client.delete(name)


def _db_count() -> int:
    db.session.expire_all()
    return sum(db.session.scalars(select(SeoulRequestCounter.n)).all())


def test_with_redis_the_count_is_in_redis_and_expires(app, pusher, redis_counts):
    client, prefix = redis_counts
    register_lot(app, limit=6)  # 4 requests
    key_id = seoul_admin.find_key(KEY).id
    name = f"{prefix}:{key_id}:{seoul_day(utcnow()).isoformat()}"
    assert int(client.get(name)) == 4
    assert 0 < client.ttl(name) <= 2 * 24 * 3600
    assert _db_count() == 0
    assert [pusher.park_stat(KEY, INFRA_ID, n).result_state for n in range(3)] == ["0000", "0000", "0010"]
    assert int(client.get(name)) == 7
    assert seoul_admin.list_keys()[0].used_today == 7


def test_with_redis_the_count_is_written_in_batches_too(app, pusher, redis_counts, monkeypatch):
    client, prefix = redis_counts
    monkeypatch.setattr(request_counts, "FLUSH_EVERY", 5)
    register_lot(app, limit=10_000)  # 4 requests: the first written, three waiting
    name = f"{prefix}:{seoul_admin.find_key(KEY).id}:{seoul_day(utcnow()).isoformat()}"
    written = []
    for n in range(7):
        assert pusher.park_stat(KEY, INFRA_ID, n).ok
        written.append(int(client.get(name)))
    assert written == [1, 6, 6, 6, 6, 6, 11]  # no round trip to Redis between two writes
    assert _db_count() == 0 and seoul_admin.list_keys()[0].used_today == 11


def test_with_redis_malformed_pushes_still_count(app, client, redis_counts):
    register_lot(app, limit=6)
    body = f"key={KEY}&infra_id={INFRA_ID}&current_parking=lots".encode()
    answers = [client.post(PATH + "ParkStatPost", data=body, content_type="application/x-www-form-urlencoded")
               .get_json()["result_state"] for _ in range(3)]
    assert answers == ["0100", "0100", "0010"]


def test_with_redis_two_workers_share_the_count(app, redis_counts, tmp_path):
    from tests.conftest import make_app

    register_lot(app, limit=6)
    other = make_app(tmp_path / "other", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                     REDIS_URL=REDIS_URL, SEOUL_REQUEST_COUNT_PREFIX=app.config["SEOUL_REQUEST_COUNT_PREFIX"])
    try:
        with other.app_context():
            assert push_client(other).park_stat(KEY, INFRA_ID, 1).ok
            db.session.remove()
        assert push_client(app).park_stat(KEY, INFRA_ID, 2).ok
        with other.app_context():
            assert push_client(other).park_stat(KEY, INFRA_ID, 3).result_state == "0010"
            db.session.remove()
    finally:
        with other.app_context():
            db.engine.dispose()


def test_when_redis_stops_answering_pushes_are_counted_in_the_database(app, pusher, caplog):
    register_lot(app, limit=7)  # 4 requests, in the database
    with socket_closed_port() as port:
        app.config["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
        with caplog.at_level(logging.WARNING):
            assert [pusher.park_stat(KEY, INFRA_ID, n).result_state for n in range(4)] == \
                ["0000", "0000", "0000", "0010"]
    assert "counting in the database" in caplog.text
    assert _db_count() == 8


@contextmanager
def socket_closed_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    yield port  # nothing listens there any more


def test_the_bound_comes_from_the_environment_and_zero_turns_the_cache_off(app, pusher, tmp_path):
    from webapp.config import TestingConfig

    environ = {"INSTANCE_PATH": str(tmp_path), "SEOUL_RECEIVER_CACHE_SECONDS": "2"}
    assert TestingConfig(environ).SEOUL_RECEIVER_CACHE_SECONDS == 2.0
    assert TestingConfig({"INSTANCE_PATH": str(tmp_path)}).SEOUL_RECEIVER_CACHE_SECONDS == 5.0
    app.config["SEOUL_RECEIVER_CACHE_SECONDS"] = 0
    register_lot(app)
    assert pusher.park_stat(KEY, INFRA_ID, 1).ok
    _suspend_elsewhere(KEY)
    assert pusher.park_stat(KEY, INFRA_ID, 2).result_state == "0021"

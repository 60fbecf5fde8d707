"""Without Redis — unset, or set and not answering — the abuse limits count in the database, so every
worker sees the same attempts (issue 21: in memory, 25 of 25 sign-ups got through a limit of 10)."""

from __future__ import annotations

import logging
import socket

import pytest

from tests.conftest import DEFAULT_PASSWORD, make_app
from webapp.accounts import users as accounts
from webapp.extensions import db, limiter
from webapp.web.rate_limits import RateLimitHit

WRONG = {"email": "shared@example.com", "password": "wrong password!"}


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _worker(folder, **settings):
    """One worker process's app on the shared database (its own limiter storage object)."""
    return make_app(folder, LOGIN_LIMIT_PER_ACCOUNT="3 per 10 minutes", **settings)


@pytest.fixture
def shared_account(app):
    accounts.register_user("shared@example.com", DEFAULT_PASSWORD, DEFAULT_PASSWORD)
    yield
    limiter._storage_dead = False  # one limiter object for every app of the session


def _three_failures_then_a_new_worker(tmp_path, **settings) -> int:
    first = _worker(tmp_path / "one", **settings)
    client = first.test_client()
    for _ in range(3):
        assert client.post("/login", data=WRONG).status_code == 422
    second = _worker(tmp_path / "two", **settings)
    return second.test_client().post("/login", data=WRONG).status_code


def _same_database(app) -> dict:
    # both workers on the test's database: the app fixture's (a SQLite file in its folder, or PostgreSQL)
    return {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]}


def test_without_redis_the_limit_holds_across_workers(app, tmp_path, shared_account):
    assert app.config["RATELIMIT_STORAGE_URI"] == "parkgo-db://"
    assert _three_failures_then_a_new_worker(tmp_path, **_same_database(app)) == 429
    assert db.session.query(RateLimitHit).count() >= 3


def test_with_redis_unreachable_the_limit_holds_across_workers_and_the_log_says_so(app, tmp_path, shared_account,
                                                                                    caplog):
    settings = {**_same_database(app), "RATELIMIT_STORAGE_URI": f"parkgo-redis://127.0.0.1:{_closed_port()}/0"}
    with caplog.at_level(logging.WARNING):
        assert _three_failures_then_a_new_worker(tmp_path, **settings) == 429
    assert "rate limits: Redis failed" in caplog.text
    assert db.session.query(RateLimitHit).count() >= 3


def test_sign_ups_from_one_address_are_limited_across_workers_without_redis(app, tmp_path):
    settings = {**_same_database(app), "REGISTER_LIMIT_PER_IP": "3 per hour"}
    statuses = []
    for n in range(5):  # each sign-up lands on another worker
        worker = _worker(tmp_path / f"w{n}", **settings)
        statuses.append(worker.test_client().post("/register", data={
            "email": f"new{n}@example.com", "name": "", "password": DEFAULT_PASSWORD,
            "confirm": DEFAULT_PASSWORD}).status_code)
    assert statuses == [303, 303, 303, 429, 429]


def test_the_config_counts_in_redis_with_the_database_behind_it():
    from webapp.config import Config

    assert Config({"REDIS_URL": "redis://127.0.0.1:6379/0", "SECRET_KEY": "x"}).RATELIMIT_STORAGE_URI == \
        "parkgo-redis://127.0.0.1:6379/0"
    assert Config({"SECRET_KEY": "x"}).RATELIMIT_STORAGE_URI == "parkgo-db://"

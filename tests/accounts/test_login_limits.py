"""Login and registration limits that slow an attacker without locking out the owner (issue 11)."""

from __future__ import annotations

import logging
import socket

import pytest

from tests.conftest import DEFAULT_PASSWORD, make_app
from webapp.extensions import db

WRONG = "wrong password!"


def _closed_port() -> int:
    # bind and close: nothing listens there for the test's duration
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_down_app(app, tmp_path):
    """An app whose REDIS_URL points at a closed port, as when Redis is stopped (``app`` empties the tables)."""
    app = make_app(tmp_path, RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{_closed_port()}/0",
                   LOGIN_LIMIT_PER_ACCOUNT="3 per 10 minutes")
    with app.app_context():
        db.create_all()
        from webapp.accounts import users as accounts

        accounts.register_user("owner@example.com", DEFAULT_PASSWORD, DEFAULT_PASSWORD)
        yield app
        db.session.remove()
    # the limiter is one object for every app of the test session, and flask-limiter's init_app does
    # not clear its "storage is dead" flag: later apps would count half in memory, half in storage
    from webapp.extensions import limiter

    limiter._storage_dead = False


def test_login_works_with_redis_stopped_and_says_so_in_the_log(redis_down_app, caplog):
    client = redis_down_app.test_client()
    with caplog.at_level(logging.WARNING):
        response = client.post("/login", data={"email": "owner@example.com", "password": DEFAULT_PASSWORD})
    assert response.status_code == 303
    assert "falling back to in-memory storage" in caplog.text


def test_limits_still_hold_in_memory_while_redis_is_stopped(redis_down_app):
    client = redis_down_app.test_client()
    statuses = [client.post("/login", data={"email": "owner@example.com", "password": WRONG}).status_code
                for _ in range(4)]
    assert statuses == [422, 422, 422, 429]


def _login(client, email, password, ip):
    return client.post("/login", data={"email": email, "password": password},
                       environ_overrides={"REMOTE_ADDR": ip}).status_code


def test_another_clients_failures_do_not_lock_out_the_owner(app, make_user):
    make_user("owner@example.com")
    attacker, owner = app.test_client(), app.test_client()
    assert [_login(attacker, "owner@example.com", WRONG, "203.0.113.9") for _ in range(7)][-1] == 429
    assert _login(owner, "owner@example.com", DEFAULT_PASSWORD, "198.51.100.7") == 303


def test_one_client_is_slowed_after_five_failures_even_with_the_right_password(app, make_user):
    make_user("owner@example.com")
    client = app.test_client()
    assert [_login(client, "owner@example.com", WRONG, "203.0.113.9") for _ in range(5)] == [422] * 5
    assert _login(client, "owner@example.com", DEFAULT_PASSWORD, "203.0.113.9") == 429


def test_a_known_device_logs_in_behind_an_ip_that_others_abused(app, make_user):
    make_user("owner@example.com")
    owner = app.test_client()
    assert _login(owner, "owner@example.com", DEFAULT_PASSWORD, "192.0.2.1") == 303
    owner.post("/logout")
    # failures from the same shared address (an office NAT) on other accounts, past the address's limit
    app.config["LOGIN_LIMIT_PER_IP"] = "3 per 10 minutes"
    neighbour = app.test_client()
    for n in range(3):
        _login(neighbour, f"someone{n}@example.com", WRONG, "192.0.2.1")
    assert _login(neighbour, "someone99@example.com", WRONG, "192.0.2.1") == 429
    assert _login(owner, "owner@example.com", DEFAULT_PASSWORD, "192.0.2.1") == 303


def test_many_clients_failing_on_one_account_are_slowed_together(app, make_user):
    app.config["LOGIN_LIMIT_PER_ACCOUNT_ANY_CLIENT"] = "4 per hour"
    make_user("owner@example.com")
    attacker = app.test_client()
    for n in range(4):
        _login(attacker, "owner@example.com", WRONG, f"203.0.113.{n}")
    assert _login(attacker, "owner@example.com", WRONG, "203.0.113.200") == 429


def test_limiter_lines_carry_no_email_address(app, make_user, caplog):
    make_user("owner@example.com")
    client = app.test_client()
    with caplog.at_level(logging.DEBUG):
        statuses = [_login(client, "owner@example.com", WRONG, "203.0.113.9") for _ in range(6)]
    assert statuses[-1] == 429
    assert "exceeded" in caplog.text  # the limiter's line is there, without the address
    assert "owner@example.com" not in caplog.text

"""With REDIS_URL set, login limits live in Redis, so every worker sees the same counts."""

from __future__ import annotations

import socket
import uuid

import pytest
import redis

from tests.conftest import DEFAULT_PASSWORD, make_app
from webapp.accounts import users as accounts
from webapp.extensions import db

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def redis_prefix():
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    prefix = f"parkgo-test-{uuid.uuid4().hex}"
    yield prefix
    server = redis.Redis.from_url(REDIS_URL)
    for key in server.scan_iter(f"*{prefix}*"):
        server.delete(key)


def _worker(tmp_path, prefix, memory=False):
    storage = "memory://" if memory else REDIS_URL
    return make_app(tmp_path, RATELIMIT_STORAGE_URI=storage, RATELIMIT_KEY_PREFIX=prefix,
                    LOGIN_LIMIT_PER_ACCOUNT="3 per 10 minutes")


def _three_failures_then_new_worker(tmp_path, prefix, memory):
    first = _worker(tmp_path, prefix, memory)
    with first.app_context():
        db.create_all()
        if accounts.find_user_by_email("shared@example.com") is None:
            accounts.register_user("shared@example.com", DEFAULT_PASSWORD, DEFAULT_PASSWORD)
    wrong = {"email": "shared@example.com", "password": "wrong password!"}
    client = first.test_client()
    for _ in range(3):
        assert client.post("/login", data=wrong).status_code == 422
    # a second worker process starts with its own limiter storage connection
    second = _worker(tmp_path, prefix, memory)
    return second.test_client().post("/login", data=wrong).status_code


def test_failed_logins_are_counted_in_redis_across_workers(tmp_path, _schema_ready, redis_prefix):
    assert _three_failures_then_new_worker(tmp_path, redis_prefix, memory=False) == 429
    assert any(redis.Redis.from_url(REDIS_URL).scan_iter(f"*{redis_prefix}*"))


def test_in_memory_limits_are_per_worker(tmp_path, _schema_ready, redis_prefix):
    # the contrast that makes the Redis test meaningful: memory storage forgets across workers
    assert _three_failures_then_new_worker(tmp_path, redis_prefix, memory=True) == 422

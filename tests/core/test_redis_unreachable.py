"""Every use of Redis keeps its page working while Redis does not answer (issue 21).

``REDIS_URL`` points at a closed port (127.0.0.1:1), as when Redis is stopped: the rent-car answer reuse
falls back to the database, jobs run in the process that queued them, the abuse limits count in the
database (tests/accounts/test_limits_without_redis.py), the Seoul request counts in the database
(tests/seoul/test_receiver_speed.py) — each with a warning in the log, never a 500.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from webapp.core.clock import SEOUL, utcnow
from webapp.extensions import db
from webapp.rentcar import availability, rentals
from webapp.rentcar.models import RentcarAvailability

UNREACHABLE = "redis://127.0.0.1:1/0"


def _day(days: int = 10, hour: int = 10):
    return (utcnow().astimezone(SEOUL) + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


START, END = _day(), _day(13)
WINDOW = {"start": f"{START:%Y-%m-%dT%H:%M}", "end": f"{END:%Y-%m-%dT%H:%M}"}


@pytest.fixture
def redis_down(app, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", UNREACHABLE)
    app.extensions.pop("rentcar_redis", None)
    yield app
    app.extensions.pop("rentcar_redis", None)


def test_rentcar_search_and_car_page_answer_with_redis_unreachable(redis_down, client, caplog):
    with caplog.at_level(logging.WARNING):
        search = client.get("/rentals/", query_string=WINDOW)
        car = client.get("/rentals/cars/HALLA/10106", query_string=WINDOW)
    assert search.status_code == 200 and car.status_code == 200
    assert "rent-car answer reuse: Redis failed" in caplog.text
    # the answers were kept in the database instead, and are reused from there
    assert db.session.query(RentcarAvailability).count() > 0


def test_the_reuse_falls_back_to_the_database_and_invalidates_there(redis_down, make_user):
    user = make_user()
    first = rentals.search_rentals(user.id, rentals.SearchCriteria(START, END))
    assert not first.reused
    assert rentals.search_rentals(user.id, rentals.SearchCriteria(START, END)).reused
    availability.invalidate(START, END)
    db.session.commit()
    assert not rentals.search_rentals(user.id, rentals.SearchCriteria(START, END)).reused


def test_a_job_queued_while_redis_is_down_runs_in_this_process_with_a_warning(tmp_path, caplog):
    import threading
    import uuid

    from flask import current_app

    from webapp import create_app
    from webapp.config import Config
    from webapp.core.jobs import AppHuey

    app = create_app(Config({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "jobs-test", "REDIS_URL": UNREACHABLE}))
    queue = AppHuey(f"test-{uuid.uuid4().hex[:8]}")
    queue.bind(app)
    ran = threading.Event()
    seen = {}

    @queue.app_task()
    def deliver(value):
        seen["value"], seen["app"] = value, current_app._get_current_object()
        ran.set()

    with caplog.at_level(logging.WARNING), app.test_request_context():
        deliver("mail")  # a page queues a job: the page must not fail
    assert ran.wait(10)
    assert seen == {"value": "mail", "app": app}
    assert "jobs: Redis failed" in caplog.text

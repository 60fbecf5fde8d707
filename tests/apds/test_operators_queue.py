"""The operators' console answers at once: the platform's event backlog goes out through the job runner,
never inside the admin's request (issue 21: ~700 queued events made one POST take 52.6 s, ~900 webhook
posts sent from inside it, past gunicorn's timeout)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.apds.test_operators import ARNDALE, CONSOLE, admin, platform  # noqa: F401 - the fixtures, reused
from webapp.accounts.vehicles import add_vehicle
from webapp.apds import operator_side, sessions
from webapp.core.jobs import JobSettings, huey
from webapp.extensions import db


@pytest.fixture
def queued_jobs(app, tmp_path):
    """The job runner as in production: jobs wait in a queue file until a consumer takes them."""
    huey.configure(JobSettings(None, tmp_path / "jobs.sqlite3", immediate=False))
    try:
        yield huey
    finally:
        huey.flush()
        huey.configure(JobSettings.from_config(app.config))


def test_a_move_on_the_console_queues_the_delivery_instead_of_sending_it(
        client, admin, make_user, platform, queued_jobs, monkeypatch):  # noqa: F811 - the imported fixtures
    driver = make_user()
    add_vehicle(driver.id, "GB", "BD18 SMR")
    registration = sessions.register_plate(driver.id, ARNDALE, driver.vehicles[0].id,
                                           datetime.now(UTC) + timedelta(days=1), "op-q-1")
    sent_in_request = []
    real = operator_side.deliver_events_now
    monkeypatch.setattr(operator_side, "deliver_events_now", lambda: sent_in_request.append(1) or real())

    answer = client.post(CONSOLE, data={"place": ARNDALE, "plate": "BD18SMR", "action": "enter"})

    assert answer.status_code == 303 and sent_in_request == []
    assert queued_jobs.pending_count() == 1
    db.session.refresh(registration)
    assert registration.apds.entered_at is None  # not yet: the job sends it
    task = queued_jobs.dequeue()
    queued_jobs.execute(task)  # what a consumer does
    db.session.refresh(registration)
    assert registration.apds.entered_at is not None

"""Rotating the sealing key: ``keys rotate`` re-seals our webhook subscription's secret, and deliveries still verify."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tests.conftest import make_app
from webapp.apds import events
from webapp.extensions import db

OLD, NEW = "the-old-secret-key-0123456789", "the-new-secret-key-9876543210"
ENDPOINT = "https://parkgo.test" + events.RECEIVER_PATH
ARNDALE = "805432"


@pytest.fixture
def subscribed_under_old_key(app, tmp_path):  # app: the same database, emptied before and after
    old = make_app(tmp_path, SECRET_KEY=OLD)
    with old.app_context():
        db.create_all()
        events.ensure_subscription(ENDPOINT)
        db.session.remove()
    return old


def _delivery_status(app, plate: str) -> int:
    """Let the platform deliver the SessionCreated of a car entering; the receiver's answer."""
    with app.app_context():
        platform = app.extensions["providers"].sandbox_app("apds")
        answers = []
        client = app.test_client()

        def sender(url, headers, body):
            response = client.post(url.removeprefix("https://parkgo.test"), data=body, headers=headers)
            answers.append((json.loads(body)["topic"], response.status_code))
            return response.status_code

        platform.extensions["apds_sender"] = sender
        entered = platform.test_client().post("/_sandbox/operators/enter", json={
            "place": ARNDALE, "plate": plate, "at": datetime.now(UTC).isoformat()})
        assert entered.status_code == 201
        platform.test_client().post("/_sandbox/deliveries")
        db.session.remove()
    return [status for topic, status in answers if topic == "SessionCreated"][-1]


def _rotate(app):
    with app.app_context():
        return app.test_cli_runner().invoke(args=["keys", "rotate"])


def test_keys_rotate_reseals_the_webhook_secret_and_deliveries_still_verify(subscribed_under_old_key, tmp_path):
    result = _rotate(make_app(tmp_path, SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[OLD]))
    assert result.exit_code == 0, result.output
    assert "APDS webhook secrets: 1 re-sealed, 0 unreadable" in result.output
    assert _delivery_status(make_app(tmp_path, SECRET_KEY=NEW), "AB12CDE") == 200  # the old key is gone
    assert _delivery_status(make_app(tmp_path, SECRET_KEY=OLD), "FG34HJK") == 401  # sealed anew: old key opens nothing


def test_a_webhook_secret_under_no_configured_key_is_refused_not_a_crash(subscribed_under_old_key, tmp_path):
    stranger = make_app(tmp_path, SECRET_KEY=NEW)
    assert _delivery_status(stranger, "LM56NOP") == 401
    result = _rotate(stranger)
    assert result.exit_code == 1 and "APDS webhook secrets: 0 re-sealed, 1 unreadable" in result.output


def test_a_separate_sealing_key_seals_new_subscriptions(app, tmp_path):
    sealing = make_app(tmp_path, SECRET_KEY="session-key-1", SEALING_KEY="a-sealing-key")
    with sealing.app_context():
        db.create_all()
        events.ensure_subscription(ENDPOINT)
        db.session.remove()
    assert _delivery_status(make_app(tmp_path, SECRET_KEY="session-key-2", SEALING_KEY="a-sealing-key"),
                            "QR78STU") == 200

"""Rotating SECRET_KEY: fallbacks from the environment, and `keys rotate` re-seals the lots' secrets (issue 11)."""

from __future__ import annotations

import pytest

from tests.conftest import make_app
from tests.seoul.support import INFRA_ID, KEY, SECRET, WRITE_FIELDS, push_client, register_lot
from webapp.config import TestingConfig
from webapp.extensions import db
from webapp.seoul.models import SeoulLot

OLD, NEW = "the-old-secret-key-0123456789", "the-new-secret-key-9876543210"


def test_fallback_keys_are_read_from_the_environment(tmp_path):
    config = TestingConfig({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": NEW,
                            "SECRET_KEY_FALLBACKS": f" {OLD}, older-key ,,", "SEALING_KEY_FALLBACKS": "s1,s2"})
    assert config.SECRET_KEY_FALLBACKS == [OLD, "older-key"]
    assert config.SEALING_KEY_FALLBACKS == ["s1", "s2"] and config.SEALING_KEY is None


@pytest.fixture
def old_app(app, tmp_path):  # app: the same database, emptied before and after (PostgreSQL)
    old = make_app(tmp_path, SECRET_KEY=OLD)
    with old.app_context():
        db.create_all()
        register_lot(old)
        db.session.remove()
    return old


def _write(app) -> str:
    with app.app_context():
        result = push_client(app).park_write(KEY, INFRA_ID, SECRET, WRITE_FIELDS).result_state
        db.session.remove()
        return result


def _rotate(app):
    # the command runs in the app context already pushed: push this app's, as `flask --app app` would
    with app.app_context():
        return app.test_cli_runner().invoke(args=["keys", "rotate"])


def test_a_new_key_without_the_old_one_cannot_open_the_lots_secrets(old_app, tmp_path):
    assert _write(make_app(tmp_path, SECRET_KEY=NEW)) == "0001"


def test_the_old_key_as_a_fallback_keeps_the_lots_working(old_app, tmp_path):
    assert _write(make_app(tmp_path, SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[OLD])) == "0000"


def test_keys_rotate_reseals_so_the_old_key_can_go(old_app, tmp_path):
    rotating = make_app(tmp_path, SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[OLD])
    result = _rotate(rotating)
    assert result.exit_code == 0, result.output
    assert "Seoul lot secrets: 1 re-sealed, 0 unreadable" in result.output
    assert _write(make_app(tmp_path, SECRET_KEY=NEW)) == "0000"
    assert _write(make_app(tmp_path, SECRET_KEY=OLD)) == "0001"


def test_keys_rotate_fails_loudly_when_a_secret_opens_under_no_key(old_app, tmp_path):
    stranger = make_app(tmp_path, SECRET_KEY=NEW)
    result = _rotate(stranger)
    assert result.exit_code == 1 and "1 unreadable" in result.output
    with stranger.app_context():
        assert db.session.query(SeoulLot).count() == 1  # left as it was


def test_a_separate_sealing_key_rotates_on_its_own(old_app, tmp_path):
    rotating = make_app(tmp_path, SECRET_KEY=OLD, SEALING_KEY="a-sealing-key", SEALING_KEY_FALLBACKS=[OLD])
    assert _rotate(rotating).exit_code == 0
    assert _write(make_app(tmp_path, SECRET_KEY="any-session-key", SEALING_KEY="a-sealing-key")) == "0000"



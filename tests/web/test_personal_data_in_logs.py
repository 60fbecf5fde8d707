"""Personal data stays out of the logs: database errors without their parameters (issue 11)."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.exc import IntegrityError

from tests.conftest import make_app
from webapp.accounts.models import User
from webapp.config import TestingConfig
from webapp.extensions import db


def _duplicate_user_error() -> str:
    db.session.add(User(email="private.person@example.com", password_hash="x"))
    db.session.commit()
    db.session.add(User(email="private.person@example.com", password_hash="x"))
    with pytest.raises(IntegrityError) as failed:
        db.session.commit()
    db.session.rollback()
    return str(failed.value)


def test_a_database_error_does_not_carry_its_parameters(app):
    text = _duplicate_user_error()
    assert "private.person@example.com" not in text and "hidden" in text


def test_an_unexpected_error_page_logs_no_parameters(app, client, caplog, monkeypatch):
    from webapp.accounts import users

    def broken(*_args, **_kwargs):
        db.session.add(User(email="private.person@example.com", password_hash="x"))
        db.session.add(User(email="private.person@example.com", password_hash="x"))
        db.session.commit()

    monkeypatch.setattr(users, "authenticate", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    with caplog.at_level(logging.ERROR):
        response = client.post("/login", data={"email": "someone@example.com", "password": "whatever pw"})
    assert response.status_code == 500
    assert "IntegrityError" in caplog.text and "private.person@example.com" not in caplog.text


def test_parameters_can_be_logged_for_a_debugging_session(tmp_path, _schema_ready):
    assert TestingConfig({"INSTANCE_PATH": str(tmp_path), "LOG_SQL_PARAMETERS": "1"}).SQLALCHEMY_ENGINE_OPTIONS == \
        {"hide_parameters": False}
    app = make_app(tmp_path, SQLALCHEMY_ENGINE_OPTIONS={"hide_parameters": False})
    with app.app_context():
        db.create_all()
        assert "private.person@example.com" in _duplicate_user_error()
        db.session.remove()

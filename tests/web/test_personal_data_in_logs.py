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
    # (PostgreSQL's own message may still quote the value: the log masking below covers that)
    assert "SQL parameters hidden" in _duplicate_user_error()


def test_any_log_line_masks_email_addresses(app, caplog):
    log = logging.getLogger("webapp.test")
    with caplog.at_level(logging.INFO):
        log.info("signed up %s from %s", "Private.Person@Example.com", "/register?email=a.b@mail.example.fi")
        try:
            raise ValueError("Key (email)=(private.person@example.com) already exists")
        except ValueError:
            log.exception("failed for %s", "x@example.com")
    assert "P***@Example.com" in caplog.text and "a***@mail.example.fi" in caplog.text
    assert "p***@example.com" in caplog.text  # inside the traceback too
    for address in ("Private.Person@Example.com", "a.b@mail.example.fi", "private.person@example.com",
                    "x@example.com"):
        assert address not in caplog.text


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


def test_parameters_can_be_logged_for_a_debugging_session(app, tmp_path):
    assert TestingConfig({"INSTANCE_PATH": str(tmp_path), "LOG_SQL_PARAMETERS": "1"}).SQLALCHEMY_ENGINE_OPTIONS == \
        {"hide_parameters": False}
    app = make_app(tmp_path, SQLALCHEMY_ENGINE_OPTIONS={"hide_parameters": False})
    with app.app_context():
        db.create_all()
        assert "SQL parameters hidden" not in _duplicate_user_error()
        db.session.remove()

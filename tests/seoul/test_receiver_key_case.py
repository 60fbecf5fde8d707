"""Operator keys are unique whatever their case, in the database itself (issue 11; migration 0013)."""

from __future__ import annotations

import flask_migrate
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from webapp import create_app
from webapp.config import TestingConfig
from webapp.core.clock import utcnow
from webapp.extensions import db
from webapp.seoul.models import SeoulOperatorKey


def _key(text_: str) -> SeoulOperatorKey:
    return SeoulOperatorKey(key=text_, status="issued", request_limit=10, created_at=utcnow())


def test_two_keys_differing_only_in_case_are_refused_by_the_database(app):
    db.session.add(_key("ABCKEY12"))
    db.session.commit()
    db.session.add(_key("abckey12"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    db.session.add(_key("ABCKEY13"))  # a different key is still welcome
    db.session.commit()


def _insert(connection, key: str, key_id: int) -> None:
    connection.execute(text("INSERT INTO seoul_operator_keys (id, key, status, request_limit, created_at) "
                            "VALUES (:id, :key, 'issued', 10, CURRENT_TIMESTAMP)"), {"id": key_id, "key": key})


def test_the_migration_makes_the_index(tmp_path, empty_database_url):
    """On SQLite autogenerate cannot compare expression indexes, so the migration's index is checked here."""
    app = create_app(TestingConfig({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": empty_database_url}))
    with app.app_context():
        flask_migrate.upgrade()
        with db.engine.begin() as connection:
            _insert(connection, "ABCKEY12", 1)
        with pytest.raises(IntegrityError), db.engine.begin() as connection:
            _insert(connection, "abckey12", 2)
        flask_migrate.downgrade(revision="0012")
        with db.engine.begin() as connection:
            _insert(connection, "abckey12", 2)  # the index is gone again
        db.engine.dispose()


def test_the_migration_stops_on_keys_that_already_clash_and_names_them(tmp_path, empty_database_url, caplog):
    app = create_app(TestingConfig({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": empty_database_url}))
    with app.app_context():
        flask_migrate.upgrade(revision="0012")
        with db.engine.begin() as connection:
            _insert(connection, "MYKEY123", 1)
            _insert(connection, "mykey123", 2)
        with pytest.raises(SystemExit):  # Flask-Migrate logs the error and exits
            flask_migrate.upgrade()
        assert "Seoul operator keys differ only in case (myke…)" in caplog.text
        db.engine.dispose()


def test_a_key_issued_by_another_request_meanwhile_is_a_form_error_not_a_failure(app, monkeypatch):
    """Both requests pass the admin's check; the database's index refuses the second."""
    from webapp.core.errors import ValidationError
    from webapp.seoul import admin as seoul_admin

    seoul_admin.add_key("RACEKEY1", 10)
    monkeypatch.setattr(seoul_admin.db.session, "scalar", lambda *_args, **_kwargs: None)  # the check saw nothing
    with pytest.raises(ValidationError) as refused:
        seoul_admin.add_key("racekey1", 10)
    assert "exists already" in str(refused.value.errors)

"""A request that only read ends with COMMIT on PostgreSQL, so psycopg keeps its prepared statements; one that
wrote and did not commit is still rolled back (webapp/web/read_commits.py)."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import event, select, text, update

from webapp.accounts.models import User
from webapp.extensions import db

ON_POSTGRESQL = (os.environ.get("DATABASE_URL") or "").startswith("postgresql")


@pytest.fixture
def ends(app):
    """How each transaction of the app's engine ended: "commit" or "rollback", in order."""
    seen: list[str] = []
    with app.app_context():
        engine = db.engine
    listeners = {name: (lambda _conn, name=name: seen.append(name)) for name in ("commit", "rollback")}
    for name, listener in listeners.items():
        event.listen(engine, name, listener)
    yield seen
    for name, listener in listeners.items():
        event.remove(engine, name, listener)


def _add_routes(app) -> None:
    @app.get("/_test/read")
    def read_only():
        return {"users": db.session.scalar(select(User.id).limit(1))}

    @app.get("/_test/write-without-commit")
    def write_without_commit():
        db.session.execute(update(User).values(name="Changed"))  # in SQL, not through the session's objects
        return {"ok": True}

    @app.get("/_test/text-write")
    def text_write_without_commit():
        db.session.execute(text("UPDATE users SET name = 'Changed'"))
        return {"ok": True}

    @app.get("/_test/fails")
    def fails():
        db.session.scalar(select(User.id).limit(1))
        raise RuntimeError("boom")


@pytest.mark.parametrize("path", ["/_test/write-without-commit", "/_test/text-write"])
def test_a_write_the_view_did_not_commit_is_rolled_back(app, client, make_user, ends, path):
    _add_routes(app)
    user = make_user(name="Kept Name")
    ends.clear()
    assert client.get(path).status_code == 200
    assert "commit" not in ends
    db.session.expire_all()
    assert db.session.get(User, user.id).name == "Kept Name"


@pytest.mark.skipif(not ON_POSTGRESQL, reason="only PostgreSQL ends a read with COMMIT")
def test_on_postgresql_a_read_only_request_commits_and_a_failed_one_rolls_back(app, client, make_user, ends):
    _add_routes(app)
    make_user()
    ends.clear()
    assert client.get("/_test/read").status_code == 200
    assert ends == ["commit"]
    ends.clear()
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert client.get("/_test/fails").status_code == 500
    assert "commit" not in ends


@pytest.mark.skipif(not ON_POSTGRESQL, reason="psycopg's prepared statements")
def test_on_postgresql_a_page_read_again_and_again_is_served_by_prepared_statements(app, client, make_user, login):
    login(make_user())
    with app.app_context():
        engine = db.engine
    used = []

    def listener(connection, *_args):
        used.append(connection.connection.dbapi_connection)

    event.listen(engine, "after_cursor_execute", listener)
    try:
        for _ in range(16):  # psycopg prepares at a statement's fifth run on a connection (the pool may use two)
            assert client.get("/bookings").status_code == 200
    finally:
        event.remove(engine, "after_cursor_execute", listener)
    last = used[-1]  # the connection the last request ran on, straight from psycopg (no new transaction)
    prepared = last.execute("SELECT count(*) FROM pg_prepared_statements").fetchone()[0]
    last.rollback()
    assert prepared >= 2

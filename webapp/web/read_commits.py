"""PostgreSQL: a request that only read ends its transaction with COMMIT, so psycopg keeps its prepared statements.

psycopg prepares a statement the fifth time a connection runs it (``prepare_threshold``) and forgets
every one at a ROLLBACK (a rollback may undo DDL: ``psycopg/_preparing.py``). Flask-SQLAlchemy ends
every request's session with a rollback, so no statement was ever prepared and PostgreSQL planned
each one at every visit: the history's query of a page with its details joined spent 3 ms planning
and 0.7 ms running (bench/pages.py, EXPLAIN ANALYZE at 100,000 bookings).

For a transaction that only read, COMMIT and ROLLBACK end it alike. A request that wrote anything it
did not commit itself — through the ORM or in SQL — or that failed is still rolled back, as before.
SQLite prepares nothing across statements this way; it is left as it was.
"""

from __future__ import annotations

import logging

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from webapp.extensions import db

log = logging.getLogger(__name__)

#: set on a connection (its ``info``) by any statement of the transaction that may have written
WROTE = "parkgo_wrote_in_transaction"


def init_app(app: Flask) -> None:
    """Watch every statement for writes, and commit a clean read-only session at the end of each request."""
    if not event.contains(Engine, "before_cursor_execute", _note_writes):
        event.listen(Engine, "begin", _new_transaction)
        event.listen(Engine, "before_cursor_execute", _note_writes)
    app.teardown_request(_end_reads_with_commit)


def _new_transaction(connection) -> None:
    connection.info.pop(WROTE, None)


def _note_writes(connection, _cursor, statement: str, _parameters, context, _executemany) -> None:
    if getattr(context, "compiled", None) is not None and not context.is_text:
        if not (context.isinsert or context.isupdate or context.isdelete or context.isddl):
            return  # a SELECT built in SQLAlchemy
    elif statement.lstrip()[:6].upper() == "SELECT":
        return  # SQL text that reads (anything else, a function call included, counts as a write)
    connection.info[WROTE] = True


def _end_reads_with_commit(error: BaseException | None) -> None:
    if error is not None or db.engine.dialect.name != "postgresql":
        return
    session = db.session()
    if not session.in_transaction() or session.new or session.dirty or session.deleted:
        return
    if session.connection().info.get(WROTE):
        return
    try:
        session.commit()
    except Exception:  # the teardown's rollback follows; a read-only request has nothing to lose
        log.warning("ending a read-only transaction with COMMIT failed", exc_info=True)
        session.rollback()

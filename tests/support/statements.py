"""Count the SQL statements a block sends: the tests that fail when a page's statements grow with its rows."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from webapp.extensions import db


@contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL statements sent inside the block, in order (on the current app's engine)."""
    sent: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", count)

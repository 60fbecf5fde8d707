"""The sandboxes' own SQLite files: WAL mode, so several server processes share one provider."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event


def open_sqlite(path: Path) -> Engine:
    """An engine on ``path`` with WAL journaling and a busy timeout on every connection."""
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

    return engine

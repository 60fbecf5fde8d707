"""State of the 247Parking sandbox: its own SQLite file with the used nonces.

A nonce may be used once (seed 004 "Nonce"); the primary key makes the check
atomic across server processes. Nonces older than the accepted clock window
can be forgotten: a request that old is refused as expired anyway.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, delete
from sqlalchemy.exc import IntegrityError

from webapp.core.sandbox_kit import open_sqlite

DB_FILENAME = "parking247.sqlite3"

metadata = MetaData()

nonces = Table(
    "nonces",
    metadata,
    Column("api_key", String, primary_key=True),
    Column("nonce", String, primary_key=True),
    Column("timestamp", Integer, nullable=False, index=True),
)


def open_store(state_dir: Path) -> Engine:
    """Open (and create if new) the sandbox's SQLite file in WAL mode."""
    engine = open_sqlite(state_dir / DB_FILENAME)

    metadata.create_all(engine)
    return engine


def use_nonce(engine: Engine, api_key: str, nonce: str, timestamp: int, oldest_accepted: int) -> bool:
    """Record ``nonce`` for ``api_key``; False if it was used before.

    Args:
        timestamp: the request's signed timestamp.
        oldest_accepted: the oldest timestamp the API still accepts; nonces of
            older requests are pruned, since replaying them fails as expired.
    """
    with engine.connect() as conn:
        conn.execute(delete(nonces).where(nonces.c.timestamp < oldest_accepted))
        try:
            conn.execute(nonces.insert().values(api_key=api_key, nonce=nonce, timestamp=timestamp))
        except IntegrityError:
            conn.rollback()
            return False
        conn.commit()
    return True

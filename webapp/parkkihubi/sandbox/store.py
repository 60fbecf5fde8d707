"""The hub sandbox's state in its own SQLite file (SQLAlchemy Core): API keys and parkings.

Several processes may share the file (the app's in-process sandbox and one served on a port),
so nothing lives in module globals. Times are integers: microseconds since the epoch, UTC, so
the precision a client sent is kept and echoed as the hub does.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Boolean, Column, Integer, MetaData, String, Table, Text, delete, insert, select, update

from webapp.core.sandbox_kit import open_sqlite

metadata = MetaData()

api_keys = Table(
    "api_keys", metadata,
    Column("key", String(64), primary_key=True),
    Column("username", String(64), nullable=False),
    Column("name", String(100), nullable=False),
    Column("role", String(16), nullable=False),  # operator | enforcer
)

parkings = Table(
    "parkings", metadata,
    Column("id", String(36), primary_key=True),
    Column("operator", String(64), nullable=False, index=True),
    Column("registration_number", String(20), nullable=False),
    Column("normalized_reg_num", String(20), nullable=False, index=True),
    Column("time_start", Integer, nullable=False),
    Column("time_end", Integer),
    Column("zone", String(20)),
    Column("domain", String(10), nullable=False),
    Column("location", Text),  # GeoJSON text, or NULL
    Column("terminal_number", String(50), nullable=False),
    Column("is_disc_parking", Boolean, nullable=False),
    Column("created_at", Integer, nullable=False),
    Column("modified_at", Integer, nullable=False),
)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_micros(value: datetime) -> int:
    """An aware instant as microseconds since the epoch (exact: no float on the way)."""
    delta = value.astimezone(UTC) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(value: int | None) -> datetime | None:
    """The aware UTC instant of ``to_micros``; None stays None."""
    return None if value is None else _EPOCH + timedelta(microseconds=value)


def normalize_reg_num(registration_number: str) -> str:
    """The plate as enforcement matches it: upper case, no ``-`` and no spaces (parkkihubi's ``Parking``)."""
    return (registration_number or "").upper().replace("-", "").replace(" ", "")


class Store:
    """Access to one hub sandbox file.

    Args:
        path: the SQLite file (created with its tables when missing).
    """

    def __init__(self, path: Path) -> None:
        self.engine = open_sqlite(path)
        metadata.create_all(self.engine, checkfirst=True)

    # -- keys -----------------------------------------------------------------------------

    def save_key(self, key: str, username: str, name: str, role: str) -> None:
        """Register (or re-register) an API key."""
        with self.engine.begin() as conn:
            conn.execute(delete(api_keys).where((api_keys.c.key == key) | (api_keys.c.username == username)))
            conn.execute(insert(api_keys).values(key=key, username=username, name=name, role=role))

    def user_for_key(self, key: str) -> dict | None:
        """The user a key belongs to (``username``, ``name``, ``role``), or None."""
        with self.engine.connect() as conn:
            row = conn.execute(select(api_keys).where(api_keys.c.key == key)).mappings().first()
        return dict(row) if row else None

    # -- parkings -------------------------------------------------------------------------

    def insert(self, row: dict) -> dict:
        """Store a new parking row (every column given) and return it."""
        with self.engine.begin() as conn:
            conn.execute(insert(parkings).values(**row))
        return row

    def get(self, parking_id: str, operator: str) -> dict | None:
        """The operator's parking ``parking_id`` (another operator's is None, as the hub's 404)."""
        with self.engine.connect() as conn:
            row = conn.execute(select(parkings).where(parkings.c.id == parking_id,
                                                      parkings.c.operator == operator)).mappings().first()
        return dict(row) if row else None

    def update(self, parking_id: str, changes: dict) -> dict:
        """Apply ``changes`` (columns) to a parking and return the row."""
        with self.engine.begin() as conn:
            conn.execute(update(parkings).where(parkings.c.id == parking_id).values(**changes))
            return dict(conn.execute(select(parkings).where(parkings.c.id == parking_id)).mappings().one())

    def delete(self, parking_id: str) -> None:
        """Remove a parking."""
        with self.engine.begin() as conn:
            conn.execute(delete(parkings).where(parkings.c.id == parking_id))

    def all_parkings(self, registration_number: str | None = None, operator: str | None = None) -> list[dict]:
        """Every parking (of one plate as enforcement matches it, of one operator), oldest first.

        For tests and the served sandbox's control endpoint: the hub itself has no such read.
        """
        query = select(parkings).order_by(parkings.c.created_at)
        if registration_number is not None:
            query = query.where(parkings.c.normalized_reg_num == normalize_reg_num(registration_number))
        if operator is not None:
            query = query.where(parkings.c.operator == operator)
        with self.engine.connect() as conn:
            return [dict(row) for row in conn.execute(query).mappings()]

    def valid_at(self, registration_number: str, when: datetime) -> list[dict]:
        """The plate's parkings valid at ``when``: started, and not ended before it (the hub's ``valid_at``)."""
        at = to_micros(when)
        return [row for row in self.all_parkings(registration_number)
                if row["time_start"] <= at and (row["time_end"] is None or row["time_end"] >= at)]

    @staticmethod
    def location_of(row: dict) -> dict | None:
        """The stored GeoJSON of a row."""
        return json.loads(row["location"]) if row["location"] else None

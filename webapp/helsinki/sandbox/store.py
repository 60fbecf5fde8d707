"""State of the Helsinki sandbox in its own SQLite file (SQLAlchemy Core).

Several sandbox processes may share one file (gunicorn workers, a sandbox
served on its own port next to in-process tests), so nothing lives in module
globals: operators, the JWT secret, rate-limit counters and parkings are all
rows. WAL mode lets readers run beside a writer; state changes that read
before they write run in ``BEGIN IMMEDIATE`` transactions so two processes can
never both pass the same check.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import (
    Column,
    Connection,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    case,
    create_engine,
    delete,
    event,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.schema import CreateIndex, CreateTable, Index

metadata = MetaData()

meta = Table("meta", metadata, Column("key", String(64), primary_key=True), Column("value", Text, nullable=False))

operators = Table(
    "operators", metadata,
    Column("username", String(64), primary_key=True),
    Column("salt", String(64), nullable=False),
    Column("password_hash", String(128), nullable=False),
    Column("rights", Text, nullable=False),  # space-separated right names
    Column("status", String(16), nullable=False),  # active | inactive (seed §6.1.4)
)

rate_counters = Table(
    "rate_counters", metadata,
    Column("username", String(64), primary_key=True),
    Column("resource", String(64), primary_key=True),
    Column("window_start", Integer, nullable=False),
    Column("hits", Integer, nullable=False),
)

parkings = Table(
    "parkings", metadata,
    Column("parking_id", String(36), primary_key=True),
    Column("owner", String(64), nullable=False),  # authenticated operator (JWT sub)
    Column("operator_id", String(128), nullable=False),  # as sent in the body
    Column("area_id", String(32), nullable=False),
    Column("device_id", String(128), nullable=False),
    Column("location", Text, nullable=False),  # JSON, stored as sent (lat-first)
    Column("register_number", String(16), nullable=False),
    Column("resident_parking_code", String(16)),
    Column("special_parking_code", String(16)),
    Column("start_ts", Integer, nullable=False),  # epoch seconds
    Column("stop_ts", Integer, nullable=False),
    Column("timestamp_ts", Integer, nullable=False),
    Column("zone", Integer, nullable=False),
    Column("created_ts", Integer, nullable=False),
)
Index("ix_parkings_owner_register", parkings.c.owner, parkings.c.register_number)
Index("ix_parkings_owner_area", parkings.c.owner, parkings.c.area_id)


def hash_password(password: str, salt: str) -> str:
    """PBKDF2 so the sandbox file never holds a reusable password."""
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), 50_000).hex()


class Store:
    """Access to one sandbox SQLite file.

    Args:
        path: the database file (created with its tables if missing).
    """

    def __init__(self, path: Path) -> None:
        self.engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 30})
        event.listen(self.engine, "connect", self._on_connect)
        event.listen(self.engine, "begin", self._on_begin)
        self._create_schema()

    @staticmethod
    def _on_connect(dbapi_connection, _record) -> None:
        # Take transaction control away from the sqlite3 module so "begin"
        # below decides between deferred and immediate transactions.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @staticmethod
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get("sandbox_immediate", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    def _create_schema(self) -> None:
        # IF NOT EXISTS: several processes may start on the same file at once.
        with self.write() as conn:
            for table in metadata.sorted_tables:
                conn.execute(CreateTable(table, if_not_exists=True))
                for index in table.indexes:
                    conn.execute(CreateIndex(index, if_not_exists=True))

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A deferred (read) transaction."""
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """An immediate transaction: holds the write lock from its first statement."""
        with self.engine.connect() as conn:
            conn = conn.execution_options(sandbox_immediate=True)
            with conn.begin():
                yield conn

    def dispose(self) -> None:
        """Close pooled connections (tests create many sandboxes)."""
        self.engine.dispose()

    # -- secrets and operators -------------------------------------------------

    def jwt_secret(self, given: str | None = None) -> str:
        """The JWT signing secret: ``given``, else one generated once per file."""
        if given:
            return given
        with self.write() as conn:
            conn.execute(sqlite_insert(meta).values(key="jwt_secret", value=secrets.token_urlsafe(32))
                         .on_conflict_do_nothing(index_elements=["key"]))
            return conn.execute(select(meta.c.value).where(meta.c.key == "jwt_secret")).scalar_one()

    def save_operator(self, username: str, password: str, rights: list[str], status: str = "active") -> None:
        """Create or replace an operator account."""
        salt = secrets.token_hex(16)
        values = {"salt": salt, "password_hash": hash_password(password, salt),
                  "rights": " ".join(rights), "status": status}
        with self.write() as conn:
            conn.execute(sqlite_insert(operators).values(username=username, **values)
                         .on_conflict_do_update(index_elements=["username"], set_=values))

    def set_operator_status(self, username: str, status: str) -> None:
        """Mark an operator active or inactive (seed §6.1.4)."""
        with self.write() as conn:
            conn.execute(update(operators).where(operators.c.username == username).values(status=status))

    def operator(self, username: str) -> dict | None:
        """The operator row as a dict, or ``None``."""
        with self.read() as conn:
            row = conn.execute(select(operators).where(operators.c.username == username)).mappings().first()
        if row is None:
            return None
        result = dict(row)
        result["rights"] = result["rights"].split()
        return result

    def check_password(self, username: str, password: str) -> dict | None:
        """The operator if ``password`` is right, else ``None``."""
        found = self.operator(username)
        if found is None:
            return None
        if not hmac.compare_digest(found["password_hash"], hash_password(password, found["salt"])):
            return None
        return found

    # -- rate limits ----------------------------------------------------------------

    def hit_rate(self, username: str, resource: str, window: int, now_ts: int) -> tuple[int, int]:
        """Count one request in a fixed window; one atomic statement.

        Returns:
            (hits in the current window including this one, window start).
        """
        expired = rate_counters.c.window_start + window <= now_ts
        stmt = (sqlite_insert(rate_counters)
                .values(username=username, resource=resource, window_start=now_ts, hits=1)
                .on_conflict_do_update(
                    index_elements=["username", "resource"],
                    set_={"hits": case((expired, 1), else_=rate_counters.c.hits + 1),
                          "window_start": case((expired, now_ts), else_=rate_counters.c.window_start)})
                .returning(rate_counters.c.hits, rate_counters.c.window_start))
        with self.write() as conn:
            hits, start = conn.execute(stmt).one()
        return hits, start

    def peek_rate(self, username: str, resource: str, window: int, now_ts: int) -> tuple[int, int]:
        """(hits, window start) without counting; an expired window reads as empty."""
        with self.read() as conn:
            row = conn.execute(select(rate_counters.c.hits, rate_counters.c.window_start).where(
                rate_counters.c.username == username, rate_counters.c.resource == resource)).first()
        if row is None or row.window_start + window <= now_ts:
            return 0, now_ts
        return row.hits, row.window_start

    # -- parkings (callers pass the connection of their transaction) ----------------

    @staticmethod
    def insert_parking(conn: Connection, row: dict) -> None:
        conn.execute(insert(parkings).values(**_to_db(row)))

    @staticmethod
    def get_parking(conn: Connection, parking_id: str) -> dict | None:
        row = conn.execute(select(parkings).where(parkings.c.parking_id == parking_id)).mappings().first()
        return _from_db(row) if row else None

    @staticmethod
    def update_parking(conn: Connection, parking_id: str, row: dict) -> None:
        values = _to_db(row)
        values.pop("parking_id", None)
        conn.execute(update(parkings).where(parkings.c.parking_id == parking_id).values(**values))

    @staticmethod
    def delete_parking(conn: Connection, parking_id: str) -> None:
        conn.execute(delete(parkings).where(parkings.c.parking_id == parking_id))

    @staticmethod
    def find_parkings(conn: Connection, owner: str, *, area_id: str | None = None,
                      register_number: str | None = None, status: str | None = None,
                      start_ts: int | None = None, stop_ts: int | None = None, now_ts: int = 0) -> list[dict]:
        """The owner's parkings matching every given filter, oldest start first.

        ``start_ts``/``stop_ts`` select parkings overlapping that period (our
        reading of seed §6.5.2 "according to the given time parameters").
        Status is evaluated at query time (seed §6.5.4).
        """
        query = select(parkings).where(parkings.c.owner == owner)
        if area_id is not None:
            query = query.where(parkings.c.area_id == area_id)
        if register_number is not None:
            query = query.where(parkings.c.register_number == register_number)
        if start_ts is not None:
            query = query.where(parkings.c.stop_ts >= start_ts)
        if stop_ts is not None:
            query = query.where(parkings.c.start_ts <= stop_ts)
        if status == "valid":
            query = query.where(parkings.c.start_ts <= now_ts, parkings.c.stop_ts > now_ts)
        elif status == "not_valid":
            query = query.where((parkings.c.start_ts > now_ts) | (parkings.c.stop_ts <= now_ts))
        query = query.order_by(parkings.c.start_ts, parkings.c.parking_id)
        return [_from_db(row) for row in conn.execute(query).mappings()]


def _to_db(row: dict) -> dict:
    values = dict(row)
    values["location"] = json.dumps(row["location"], ensure_ascii=False, sort_keys=True)
    return values


def _from_db(row) -> dict:
    values = dict(row)
    values["location"] = json.loads(values["location"])
    return values

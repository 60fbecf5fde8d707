"""Column types, and SQL functions over them, shared by the models (kept apart from ``core.clock`` so that
pure modules — clients, wire models, pricing rules — can use the clock without importing SQLAlchemy)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, DateTime, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime on every database.

    SQLite drops the offset, so values are stored as naive UTC and given their
    ``UTC`` tzinfo back on load; PostgreSQL stores ``timestamptz``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: give a timezone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class epoch_seconds(FunctionElement):
    """Whole seconds since 1970 of a ``UTCDateTime`` column, as an integer in SQL on SQLite and PostgreSQL
    alike: a long series read as numbers skips making a datetime of each value (``seoul.lots``)."""

    type = BigInteger()
    inherit_cache = True
    name = "epoch_seconds"


@compiles(epoch_seconds, "sqlite")
def _epoch_seconds_sqlite(element, compiler, **kw):
    # SQLite keeps UTCDateTime as naive UTC text, "2026-12-06 23:59:59.999999": its first 19 characters are the
    # whole seconds (strftime itself rounds the fraction to milliseconds, and .9999995 up to the next second)
    return f"CAST(strftime('%s', substr({compiler.process(element.clauses, **kw)}, 1, 19)) AS INTEGER)"


@compiles(epoch_seconds, "postgresql")
def _epoch_seconds_postgresql(element, compiler, **kw):
    # timestamptz: the epoch does not depend on the session's zone; floor drops the fraction as SQLite does
    return f"CAST(floor(extract(epoch FROM {compiler.process(element.clauses, **kw)})) AS BIGINT)"


class month_of(FunctionElement):
    """``YYYY-MM`` of a UTC timestamp column, in SQL on SQLite and PostgreSQL alike."""

    type = String()
    inherit_cache = True
    name = "month_of"


@compiles(month_of, "sqlite")
def _month_of_sqlite(element, compiler, **kw):
    # SQLite keeps UTCDateTime as naive UTC text ("2026-12-06 12:39:30.000000")
    return f"strftime('%Y-%m', {compiler.process(element.clauses, **kw)})"


@compiles(month_of, "postgresql")
def _month_of_postgresql(element, compiler, **kw):
    # timestamptz: the month in UTC, as SQLite's text has it, whatever the session's time zone
    return f"to_char(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'UTC', 'YYYY-MM')"

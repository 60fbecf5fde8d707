"""Where the abuse limits count: Redis when it answers, else the app's database — never one worker's memory.

Flask-Limiter reads ``RATELIMIT_STORAGE_URI`` (``config.py``):

- ``parkgo-db://``: no ``REDIS_URL``. Each hit is a row of ``rate_limit_hits`` in the app's database, so
  every worker and every machine on that database counts the same attempts (the in-memory storage
  counted per process: 25 of 25 sign-ups got through with a limit of 10 under four workers).
- ``parkgo-redis://…`` (``REDIS_URL`` with our prefix): Redis, and while Redis does not answer, the
  database, with one warning per outage (Redis is left alone for ``REDIS_REST_SECONDS`` after a failure).

Both support the moving window (``RATELIMIT_STRATEGY``). A hit is taken under a lock on its key (an
advisory lock on PostgreSQL; SQLite's one writer), so two workers cannot both take the last place.
"""

from __future__ import annotations

import hashlib
import logging
import random
import threading
import time

from limits.storage import MovingWindowSupport, Storage, storage_from_string
from sqlalchemy import Float, Index, String, delete, func, insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db

log = logging.getLogger(__name__)

#: seconds Redis is not tried again after it failed (each worker tries again on its own)
REDIS_REST_SECONDS = 10.0
#: a limit check waits at most this long for Redis before counting in the database
REDIS_TIMEOUT_SECONDS = 0.5
#: the share of hits that also sweep every key's expired rows (a key's own rows go at each of its hits)
_SWEEP_SHARE = 0.01
_KEY_MAX = 200


class RateLimitHit(db.Model):
    """One counted attempt under one limiter key (moving window: a row per hit, gone once it expires)."""

    __tablename__ = "rate_limit_hits"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(_KEY_MAX))
    at: Mapped[float] = mapped_column(Float)  # Unix time of the hit
    expires_at: Mapped[float] = mapped_column(Float, index=True)

    __table_args__ = (Index("ix_rate_limit_hits_key_at", "key", "at"),)


def _stored_key(key: str) -> str:
    # limiter keys hold tags and addresses, rarely long; a long one is stored by its digest
    return key if len(key) <= _KEY_MAX else "sha256:" + hashlib.sha256(key.encode()).hexdigest()


class DatabaseStorage(Storage, MovingWindowSupport):
    """A ``limits`` storage in the app's database (``rate_limit_hits``), shared by every worker."""

    STORAGE_SCHEME = ["parkgo-db"]  # noqa: RUF012 (read once by the limits registry)

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    @staticmethod
    def _engine():
        return db.engine  # of the current app: the limiter runs inside a request

    def _locked(self, connection, key: str) -> None:
        """Serialise hits on ``key``: an advisory lock on PostgreSQL; on SQLite the DELETE that follows
        takes the database's one write lock before anything is read."""
        if connection.dialect.name == "postgresql":
            connection.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        """Take ``amount`` places in ``key``'s moving window of ``expiry`` seconds, if ``limit`` allows."""
        if amount > limit:
            return False
        key, now = _stored_key(key), time.time()
        with self._engine().begin() as connection:
            self._locked(connection, key)
            connection.execute(delete(RateLimitHit).where(RateLimitHit.key == key, RateLimitHit.at <= now - expiry))
            if random.random() < _SWEEP_SHARE:  # housekeeping, not security
                connection.execute(delete(RateLimitHit).where(RateLimitHit.expires_at < now))
            taken = connection.scalar(select(func.count()).select_from(RateLimitHit).where(
                RateLimitHit.key == key, RateLimitHit.at > now - expiry))
            if taken + amount > limit:
                return False
            connection.execute(insert(RateLimitHit), [{"key": key, "at": now, "expires_at": now + expiry}] * amount)
        return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        """(the oldest hit in the window, or now; the hits in it)."""
        key, now = _stored_key(key), time.time()
        with self._engine().connect() as connection:
            oldest, count = connection.execute(select(func.min(RateLimitHit.at), func.count()).where(
                RateLimitHit.key == key, RateLimitHit.at > now - expiry)).one()
        return (oldest if count else now), count

    # the fixed-window calls (a limit declared with another strategy): a counter is the rows of the key
    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        key, now = _stored_key(key), time.time()
        with self._engine().begin() as connection:
            self._locked(connection, key)
            connection.execute(delete(RateLimitHit).where(RateLimitHit.key == key, RateLimitHit.expires_at <= now))
            first = connection.scalar(select(func.min(RateLimitHit.expires_at)).where(RateLimitHit.key == key))
            expires = first or now + expiry
            connection.execute(insert(RateLimitHit), [{"key": key, "at": now, "expires_at": expires}] * amount)
            return connection.scalar(select(func.count()).select_from(RateLimitHit).where(RateLimitHit.key == key))

    def get(self, key: str) -> int:
        key, now = _stored_key(key), time.time()
        with self._engine().connect() as connection:
            return connection.scalar(select(func.count()).select_from(RateLimitHit).where(
                RateLimitHit.key == key, RateLimitHit.expires_at > now)) or 0

    def get_expiry(self, key: str) -> float:
        key, now = _stored_key(key), time.time()
        with self._engine().connect() as connection:
            return connection.scalar(select(func.max(RateLimitHit.expires_at)).where(
                RateLimitHit.key == key, RateLimitHit.expires_at > now)) or now

    def check(self) -> bool:
        try:
            with self._engine().connect() as connection:
                connection.execute(select(1))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with self._engine().begin() as connection:
            return connection.execute(delete(RateLimitHit)).rowcount

    def clear(self, key: str) -> None:
        with self._engine().begin() as connection:
            connection.execute(delete(RateLimitHit).where(RateLimitHit.key == _stored_key(key)))


class RedisWithDatabaseFallback(Storage, MovingWindowSupport):
    """Redis (``limits``' own storage) while it answers; the database while it does not, with a warning.

    ``parkgo-redis://host:6379/0`` is ``redis://host:6379/0`` with our fallback around it.
    """

    STORAGE_SCHEME = ["parkgo-redis", "parkgo-rediss", "parkgo-redis+unix"]  # noqa: RUF012

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        redis_uri = uri.removeprefix("parkgo-")
        options.setdefault("socket_timeout", REDIS_TIMEOUT_SECONDS)
        options.setdefault("socket_connect_timeout", REDIS_TIMEOUT_SECONDS)
        self.redis = storage_from_string(redis_uri, **options)
        self.database = DatabaseStorage()
        self._resting_until = 0.0
        self._lock = threading.Lock()

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    def _redis_errors(self):
        base = self.redis.base_exceptions
        return (*(base if isinstance(base, tuple) else (base,)), OSError)

    def _call(self, name: str, *args, **kwargs):
        if time.monotonic() >= self._resting_until:
            try:
                return getattr(self.redis, name)(*args, **kwargs)
            except self._redis_errors() as error:
                with self._lock:
                    first = time.monotonic() >= self._resting_until
                    self._resting_until = time.monotonic() + REDIS_REST_SECONDS
                if first:
                    log.warning("rate limits: Redis failed (%s); counting in the database for %.0f s",
                                type(error).__name__, REDIS_REST_SECONDS)
        return getattr(self.database, name)(*args, **kwargs)

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        return self._call("acquire_entry", key, limit, expiry, amount)

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        return self._call("get_moving_window", key, limit, expiry)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        return self._call("incr", key, expiry, amount)

    def get(self, key: str) -> int:
        return self._call("get", key)

    def get_expiry(self, key: str) -> float:
        return self._call("get_expiry", key)

    def check(self) -> bool:
        return self._call("check")

    def reset(self) -> int | None:
        return self._call("reset")

    def clear(self, key: str) -> None:
        return self._call("clear", key)


def storage_uri(redis_url: str | None) -> str:
    """The limiter's storage for a ``REDIS_URL`` (or none): Redis with the database behind it, or the database."""
    return f"parkgo-{redis_url}" if redis_url else "parkgo-db://"


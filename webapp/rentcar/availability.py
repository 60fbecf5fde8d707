"""A short-lived, shared reuse of availability answers (searches cost the agency per company asked).

Repeated searches for the same window within ``RENTCAR_REUSE_SECONDS`` (60 by
default) reuse the previous answer instead of asking every company again.
Shared across workers: in Redis when ``REDIS_URL`` is set, else in the
database (``rentcar_availability``). Our own bookings and changes invalidate
the windows they touch, so a car we just took is never shown as free from
the reuse.

While Redis does not answer, the reuse is the database's, with one warning
(Redis is left alone for ``REDIS_REST_SECONDS``; a stopped Redis made the
search and the car page answer 500). An invalidation always clears the
database's windows too, and a worker that could not reach Redis moves Redis
to a new generation when it gets through again, so an answer kept from
before the outage is never reused after a booking made during it.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from webapp.extensions import db
from webapp.rentcar.models import RentcarAvailability

log = logging.getLogger(__name__)

DEFAULT_REUSE_SECONDS = 60
_REDIS_PREFIX = "rentcar:availability:"
_REDIS_GENERATION = _REDIS_PREFIX + "generation"


def reuse_seconds() -> int:
    """How long an answer is reused (0 turns the reuse off)."""
    return int(current_app.config.get("RENTCAR_REUSE_SECONDS", DEFAULT_REUSE_SECONDS))


#: seconds Redis is not tried again after it failed (per worker)
REDIS_REST_SECONDS = 10.0
#: a search waits at most this long for Redis before using the database
REDIS_TIMEOUT_SECONDS = 0.5


def _state() -> dict:
    return current_app.extensions.setdefault("rentcar_redis_state", {"resting_until": 0.0, "missed": False})


def _redis():
    """This app's Redis client, or None without ``REDIS_URL`` or while Redis rests after a failure."""
    url = current_app.config.get("REDIS_URL")
    if not url or time.monotonic() < _state()["resting_until"]:
        return None
    clients = current_app.extensions.setdefault("rentcar_redis", {})
    if url not in clients:
        import redis  # only with REDIS_URL

        clients[url] = redis.Redis.from_url(url, socket_timeout=REDIS_TIMEOUT_SECONDS,
                                            socket_connect_timeout=REDIS_TIMEOUT_SECONDS)
    client = clients[url]
    if _state()["missed"]:
        try:
            client.incr(_REDIS_GENERATION)  # what Redis kept from before the outage is never reused
        except _redis_errors() as error:
            _failed(error)
            return None
        _state()["missed"] = False
    return client


def _redis_errors() -> tuple[type[Exception], ...]:
    import redis

    return (redis.RedisError, OSError)


def _failed(error: Exception) -> None:
    state = _state()
    first = time.monotonic() >= state["resting_until"]
    state["resting_until"] = time.monotonic() + REDIS_REST_SECONDS
    state["missed"] = True  # an invalidation may have been missed: a new generation once Redis answers
    if first:
        log.warning("rent-car answer reuse: Redis failed (%s); using the database for %.0f s",
                    type(error).__name__, REDIS_REST_SECONDS)


def get(key: str, now: datetime, ttl: int | None = None):
    """The reused answer for ``key``, or None when there is none younger than ``ttl`` seconds."""
    ttl = reuse_seconds() if ttl is None else ttl
    if ttl <= 0:
        return None
    client = _redis()
    if client is not None:
        try:
            generation = int(client.get(_REDIS_GENERATION) or 0)
            raw = client.get(f"{_REDIS_PREFIX}{generation}:{key}")
            return json.loads(raw) if raw else None
        except _redis_errors() as error:
            _failed(error)
    row = db.session.scalar(select(RentcarAvailability).where(
        RentcarAvailability.key == key, RentcarAvailability.fetched_at >= now - timedelta(seconds=ttl)))
    return row.payload if row is not None else None


def put(key: str, starts_at: datetime, ends_at: datetime, payload, now: datetime, ttl: int | None = None) -> None:
    """Keep ``payload`` for ``key`` (flushed; the use case commits)."""
    ttl = reuse_seconds() if ttl is None else ttl
    if ttl <= 0:
        return
    client = _redis()
    if client is not None:
        try:
            generation = int(client.get(_REDIS_GENERATION) or 0)
            client.setex(f"{_REDIS_PREFIX}{generation}:{key}", ttl, json.dumps(payload, ensure_ascii=False))
            return
        except _redis_errors() as error:
            _failed(error)
    # old answers are removed as new ones come in: the table stays as small as the traffic of a minute
    db.session.execute(delete(RentcarAvailability).where(
        RentcarAvailability.fetched_at < now - timedelta(seconds=max(ttl, 3600))))
    # an upsert, not a read-then-write: two workers storing the same window at once must both succeed
    dialect = db.session.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
        values = {"key": key, "starts_at": starts_at, "ends_at": ends_at, "payload": payload, "fetched_at": now}
        statement = insert(RentcarAvailability).values(**values)
        db.session.execute(statement.on_conflict_do_update(
            index_elements=[RentcarAvailability.key],
            set_={"starts_at": starts_at, "ends_at": ends_at, "payload": payload, "fetched_at": now}))
    else:
        db.session.merge(RentcarAvailability(key=key, starts_at=starts_at, ends_at=ends_at, payload=payload,
                                             fetched_at=now))


def invalidate(starts_at: datetime, ends_at: datetime) -> None:
    """Forget every answer whose window overlaps ``starts_at``–``ends_at`` (flushed)."""
    client = _redis()
    if client is not None:
        try:
            client.incr(_REDIS_GENERATION)  # every key of the old generation is unreachable (and expires)
        except _redis_errors() as error:
            _failed(error)
    # the database's windows too, whatever Redis did: they are what a search reads while Redis is down
    db.session.execute(delete(RentcarAvailability).where(
        RentcarAvailability.starts_at < ends_at, RentcarAvailability.ends_at > starts_at))

"""Each operator key's requests per Seoul day, counted for its daily limit (seed 2.1, result 0010).

Two stores, one meaning:

- **Redis**, when ``REDIS_URL`` is set: ``INCR`` and ``EXPIRE`` in one
  ``MULTI``/``EXEC`` (atomic: two workers never read the same number, and no
  counter outlives its day by more than ``_REDIS_KEEP``). One round trip,
  no database write, no hot row.
- **The database** otherwise: one ``seoul_request_counters`` row per key and
  day, bumped with ``UPDATE … SET n = n + 1 … RETURNING n`` (the row lock
  orders concurrent pushes on PostgreSQL; on SQLite the write lock does).
  The update is the push transaction's first write, so it commits or rolls
  back with the push.

If Redis stops answering, counting falls back to the database row with a
logged warning (and Redis is left alone for ``_REDIS_RETRY_AFTER`` seconds
rather than costing every push a failed connection): pushes go on being
answered. The day's usage is then the Redis count plus the row's, and the
limit is checked against the store in use, so on a day Redis fails a key can
make up to its limit in each store. The admin's "used today" adds both.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from datetime import date

from flask import current_app
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError

from webapp.extensions import db
from webapp.seoul.models import SeoulRequestCounter

log = logging.getLogger(__name__)

#: Redis key prefix of the counters; ``<prefix>:<key id>:<Seoul day, ISO>``
DEFAULT_REDIS_PREFIX = "seoul:requests"
#: a counter expires this long after its last request: the day, plus a day for the admin pages to show it
_REDIS_KEEP = 2 * 24 * 3600
#: seconds Redis is not tried again after it failed
_REDIS_RETRY_AFTER = 10.0
#: a push waits at most this long for Redis before counting in the database
_REDIS_TIMEOUT = 0.5


def count_request(key_id: int, day: date) -> int | None:
    """Count one request of key ``key_id`` on Seoul day ``day``.

    Returns:
        The day's count, this request included; None when the key no longer
        exists (its counter row cannot be made).
    """
    client = _redis()
    if client is not None:
        try:
            return _count_in_redis(client, key_id, day)
        except _redis_errors() as error:
            _redis_failed(error)
    return _count_in_database(key_id, day)


def used_on(day: date, key_ids: Iterable[int]) -> dict[int, int]:
    """Requests of each of ``key_ids`` on Seoul day ``day`` (both stores added up)."""
    key_ids = list(key_ids)
    used = dict.fromkeys(key_ids, 0)
    rows = db.session.execute(select(SeoulRequestCounter.key_id, SeoulRequestCounter.n)
                              .where(SeoulRequestCounter.day == day))
    for key_id, n in rows:
        if key_id in used:
            used[key_id] += n
    client = _redis()
    if client is not None and key_ids:
        try:
            counts = client.mget([_redis_name(key_id, day) for key_id in key_ids])
        except _redis_errors() as error:
            _redis_failed(error)
        else:
            for key_id, n in zip(key_ids, counts, strict=True):
                used[key_id] += int(n or 0)
    return used


def _redis_name(key_id: int, day: date) -> str:
    prefix = current_app.config.get("SEOUL_REQUEST_COUNT_PREFIX", DEFAULT_REDIS_PREFIX)
    return f"{prefix}:{key_id}:{day.isoformat()}"


def _count_in_redis(client, key_id: int, day: date) -> int:
    name = _redis_name(key_id, day)
    with client.pipeline(transaction=True) as pipe:
        count, _ = pipe.incr(name).expire(name, _REDIS_KEEP).execute()
    return int(count)


_COUNTERS = SeoulRequestCounter.__table__
#: built once (a compiled statement from the cache, no ORM on the way: this runs on every push)
_BUMP = (update(_COUNTERS)
         .where(_COUNTERS.c.key_id == bindparam("counted_key"), _COUNTERS.c.day == bindparam("counted_day"))
         .values(n=_COUNTERS.c.n + 1)
         .returning(_COUNTERS.c.n))


def _count_in_database(key_id: int, day: date) -> int | None:
    params = {"counted_key": key_id, "counted_day": day}
    count = db.session.connection().execute(_BUMP, params).scalar()
    if count is not None:
        return count
    try:
        with db.session.begin_nested():
            db.session.add(SeoulRequestCounter(key_id=key_id, day=day, n=1))
        return 1
    except IntegrityError:
        # another worker inserted the day's row first (count on it), or the key is gone (None)
        return db.session.connection().execute(_BUMP, params).scalar()


def _redis():
    """This app's Redis client, or None without ``REDIS_URL`` or while Redis is resting after a failure."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    state = current_app.extensions.setdefault("seoul_request_counts", {"client": None, "url": None,
                                                                       "resting_until": 0.0})
    if state["resting_until"] > time.monotonic():
        return None
    if state["client"] is None or state["url"] != url:
        import redis  # only with REDIS_URL

        state["client"] = redis.Redis.from_url(url, socket_timeout=_REDIS_TIMEOUT,
                                               socket_connect_timeout=_REDIS_TIMEOUT)
        state["url"] = url
    return state["client"]


def _redis_errors() -> tuple[type[Exception], ...]:
    import redis

    return (redis.RedisError, OSError)


def _redis_failed(error: Exception) -> None:
    state = current_app.extensions["seoul_request_counts"]
    state["resting_until"] = time.monotonic() + _REDIS_RETRY_AFTER
    log.warning("Seoul request counts: Redis failed (%s); counting in the database for %.0f s",
                type(error).__name__, _REDIS_RETRY_AFTER)

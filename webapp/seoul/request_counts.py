"""Each operator key's requests per Seoul day, counted for its daily limit (seed 2.1, result 0010).

Two stores, one meaning:

- **Redis**, when ``REDIS_URL`` is set: ``INCRBY`` and ``EXPIRE`` in one
  ``MULTI``/``EXEC`` (atomic: two workers never read the same number, and no
  counter outlives its day by more than ``_REDIS_KEEP``). One round trip,
  no database write, no hot row.
- **The database** otherwise: one ``seoul_request_counters`` row per key and
  day, bumped with ``UPDATE … SET n = n + k … RETURNING n`` (the row lock
  orders concurrent pushes on PostgreSQL; on SQLite the write lock does).
  Such a write joins the push's transaction: if the push is rolled back,
  its counts are kept to be written again.

Either store is written **in batches**: the protocol needs the count at once
only to refuse a key over its limit, so each worker adds its requests to the
store every ``FLUSH_EVERY`` requests of a key, or ``FLUSH_SECONDS`` after the
first it has not written, and at every request once the key is within
``NEAR_LIMIT`` of its limit (or on a worker's first request of the key and
day). In between a request costs no write and no round trip: an occupancy push
is then the sample and the lot's note alone (bench/seoul.py). The bound: a key
passes its limit by fewer than ``FLUSH_EVERY`` requests per worker, and the
admin's "used today" lags by as many per worker (a worker that gets no more
requests keeps its last few until it does; one that stops loses them — in
the operator's favour).

If Redis stops answering, counting falls back to the database row with a
logged warning (and Redis is left alone for ``_REDIS_RETRY_AFTER`` seconds
rather than costing every push a failed connection): pushes go on being
answered. The day's usage is then the Redis count plus the row's, and the
limit is checked against the store in use, so on a day Redis fails a key can
make up to its limit in each store. The admin's "used today" adds both.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from flask import current_app, g
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


#: a worker writes a key's count to the database at least every this many of its requests …
FLUSH_EVERY = 20
#: … and this many seconds after the first one it has not written
FLUSH_SECONDS = 1.0
#: within this many requests of its limit, a key's every request is written at once
NEAR_LIMIT = 10 * FLUSH_EVERY


def count_request(key_id: int, day: date, limit: int | None = None) -> int | None:
    """Count one request of key ``key_id`` on Seoul day ``day``.

    Args:
        limit: the key's daily limit: near it, the count is written at once (module docstring).

    Returns:
        The day's count as far as this worker knows it, this request included (exact
        near the limit); None when the key no longer exists (its counter row cannot be made).
    """
    return _batches().count(key_id, day, limit)


def _write(key_id: int, day: date, by: int) -> tuple[int | None, bool]:
    """Add ``by`` requests to the store in use; (the store's total, whether it was the push's transaction)."""
    client = _redis()
    if client is not None:
        try:
            return _count_in_redis(client, key_id, day, by), False
        except _redis_errors() as error:
            _redis_failed(error)
    return _count_in_database(key_id, day, by), True


def committed() -> None:
    """The push's transaction was committed, with the counts it wrote."""
    g.pop("seoul_counts_written", None)


def rolled_back() -> None:
    """The push's transaction was rolled back: the counts it wrote are kept to be written again."""
    written = g.pop("seoul_counts_written", None)
    if written is not None:
        _batches().restore(*written)


@dataclass
class _Pending:
    """A key's requests on one day in this worker: those not yet written, and the row's total when last written."""

    unwritten: int = 0
    since: float = 0.0
    total: int | None = None


@dataclass
class Batches:
    """This worker's unwritten counts, by key and day (one per app; guarded for threaded servers)."""

    clock: Callable[[], float] = time.monotonic
    pending: dict[tuple[int, date], _Pending] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, key_id: int, day: date, limit: int | None) -> int | None:
        """Count one request; write the key's unwritten ones (in the caller's transaction) when due."""
        now = self.clock()
        with self.lock:
            self._write_other_days(day)
            entry = self.pending.setdefault((key_id, day), _Pending(since=now))
            if not entry.unwritten:
                entry.since = now
            entry.unwritten += 1
            estimate = (entry.total or 0) + entry.unwritten
            due = (entry.total is None or entry.unwritten >= FLUSH_EVERY or now - entry.since >= FLUSH_SECONDS
                   or (limit is not None and estimate >= limit - NEAR_LIMIT))
            if not due:
                return estimate
            by, entry.unwritten = entry.unwritten, 0
        g.seoul_counts_written = (key_id, day, by)  # taken back if the transaction does not commit
        total, in_transaction = _write(key_id, day, by)
        if not in_transaction:  # Redis keeps them whatever becomes of the push
            g.pop("seoul_counts_written", None)
        with self.lock:
            if total is None:  # the key is gone
                self.pending.pop((key_id, day), None)
                g.pop("seoul_counts_written", None)
                return None
            entry.total = total
        return total

    def restore(self, key_id: int, day: date, by: int) -> None:
        """Take back ``by`` written requests as unwritten (their transaction was rolled back)."""
        with self.lock:
            entry = self.pending.setdefault((key_id, day), _Pending(since=self.clock()))
            entry.unwritten += by

    def unwritten(self, day: date) -> dict[int, int]:
        """This worker's requests of ``day`` not yet in the database, by key."""
        with self.lock:
            return {key_id: entry.unwritten for (key_id, counted), entry in self.pending.items() if counted == day}

    def _write_other_days(self, day: date) -> None:
        # a new Seoul day: what is left of the previous one goes to its own row (best effort), then is forgotten
        for (key_id, counted), entry in list(self.pending.items()):
            if counted != day:
                del self.pending[(key_id, counted)]
                if entry.unwritten:
                    _write(key_id, counted, entry.unwritten)


def _batches() -> Batches:
    batches = current_app.extensions.get("seoul_request_batches")
    if batches is None:
        batches = current_app.extensions["seoul_request_batches"] = Batches()
    return batches


def used_on(day: date, key_ids: Iterable[int]) -> dict[int, int]:
    """Requests of each of ``key_ids`` on Seoul day ``day`` (both stores added up)."""
    key_ids = list(key_ids)
    used = dict.fromkeys(key_ids, 0)
    rows = db.session.execute(select(SeoulRequestCounter.key_id, SeoulRequestCounter.n)
                              .where(SeoulRequestCounter.day == day))
    for key_id, n in rows:
        if key_id in used:
            used[key_id] += n
    for key_id, n in _batches().unwritten(day).items():  # this worker's, not yet written
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


def _count_in_redis(client, key_id: int, day: date, by: int = 1) -> int:
    name = _redis_name(key_id, day)
    with client.pipeline(transaction=True) as pipe:
        count, _ = pipe.incrby(name, by).expire(name, _REDIS_KEEP).execute()
    return int(count)


_COUNTERS = SeoulRequestCounter.__table__
#: built once (a compiled statement from the cache, no ORM on the way)
_BUMP = (update(_COUNTERS)
         .where(_COUNTERS.c.key_id == bindparam("counted_key"), _COUNTERS.c.day == bindparam("counted_day"))
         .values(n=_COUNTERS.c.n + bindparam("counted"))
         .returning(_COUNTERS.c.n))


def _count_in_database(key_id: int, day: date, by: int = 1) -> int | None:
    """Add ``by`` requests to the key's row of ``day`` (made if missing); its new total, None if the key is gone."""
    params = {"counted_key": key_id, "counted_day": day, "counted": by}
    count = db.session.connection().execute(_BUMP, params).scalar()
    if count is not None:
        return count
    try:
        with db.session.begin_nested():
            db.session.add(SeoulRequestCounter(key_id=key_id, day=day, n=by))
        return by
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

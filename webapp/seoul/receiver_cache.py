"""What the receiver looks up on every push, kept briefly by each worker: operator keys and lot ids.

Every push names its key and lot; reading both from the database was two of
the five statements of a ParkStatPost. Each app (one per worker process)
keeps what it read for ``SEOUL_RECEIVER_CACHE_SECONDS`` (default 5 s, 0 turns
the cache off):

- a key's id, status and daily limit, by the key's text;
- a lot's id, by its key's id and its ``infra_id``.

The bound: **an admin change is in force everywhere within that many
seconds.** A change made through ``webapp.seoul.admin`` empties the cache of
the process that made it at once (``forget_all``); every other worker, and
every other machine, reads the key again when its entry expires, so a
suspended key is refused by every worker at most that long after the
suspension, and a new limit holds within the same time. An entry's age is
measured on a monotonic clock from when it was read, never extended by use.

Unknown keys and lots are not kept (garbage from the internet must not fill
the memory), and the cache holds at most ``MAX_ENTRIES`` entries.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import select

from webapp.extensions import db
from webapp.seoul.models import SeoulLot, SeoulOperatorKey

DEFAULT_SECONDS = 5.0
MAX_ENTRIES = 10_000
_EXTENSION = "seoul_receiver_cache"


@dataclass(frozen=True)
class KeyEntry:
    """An operator key as the receiver needs it."""

    id: int
    status: str
    request_limit: int


class TtlCache:
    """A dict whose entries are used for at most ``seconds`` after they were loaded."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._entries: dict[Hashable, tuple[float, Any]] = {}

    def get(self, name: Hashable, load: Callable[[], Any]) -> Any:
        """The entry for ``name`` while it is fresh, else ``load()`` (kept unless it is None)."""
        now = self._clock()
        entry = self._entries.get(name)
        if entry is not None and now < entry[0]:
            return entry[1]
        value = load()
        if value is None or self.seconds <= 0:
            self._entries.pop(name, None)
            return value
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
        self._entries[name] = (now + self.seconds, value)
        return value

    def forget(self, name: Hashable) -> None:
        """Drop one entry (it is read again on next use)."""
        self._entries.pop(name, None)

    def clear(self) -> None:
        """Drop every entry."""
        self._entries.clear()


def _cache() -> TtlCache:
    cache = current_app.extensions.get(_EXTENSION)
    if cache is None:
        seconds = float(current_app.config.get("SEOUL_RECEIVER_CACHE_SECONDS", DEFAULT_SECONDS))
        cache = current_app.extensions[_EXTENSION] = TtlCache(seconds)
    return cache


def operator_key(key_text: str) -> KeyEntry | None:
    """The key whose text is exactly ``key_text``, or None when there is none."""

    def load() -> KeyEntry | None:
        row = db.session.execute(
            select(SeoulOperatorKey.id, SeoulOperatorKey.status, SeoulOperatorKey.request_limit)
            .where(SeoulOperatorKey.key == key_text)
        ).first()
        return KeyEntry(*row) if row is not None else None

    return _cache().get(("key", key_text), load)


def lot_id(key_id: int, infra_id: str) -> int | None:
    """The id of key ``key_id``'s lot ``infra_id``, or None when the key has no such lot."""

    def load() -> int | None:
        return db.session.scalar(select(SeoulLot.id).where(SeoulLot.key_id == key_id,
                                                           SeoulLot.infra_id == infra_id))

    return _cache().get(("lot", key_id, infra_id), load)


def forget_lot(key_id: int, infra_id: str) -> None:
    """Drop one lot's entry (it turned out to be gone)."""
    _cache().forget(("lot", key_id, infra_id))


def forget_all() -> None:
    """Empty this process's cache: called after every admin change of a key or a lot."""
    _cache().clear()

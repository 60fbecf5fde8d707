"""What a map layer served for a view, kept by each worker: computed once per change of the layer's data.

A layer answer is named by its ETag, a hash of the layer, its data version, the language and the
view (``views.layer_geojson``), so an entry never goes stale: a change of the data is a new
version, hence a new name, and the old entries age out of the LRU order. Each entry keeps the
body once and each compressed form the first time a browser asks for it, so a hit costs neither
the layer's queries nor the compression (Flask-Compress leaves a response with a
``Content-Encoding`` alone).

Bounded twice: at most ``MAX_ENTRIES`` answers (``MAP_LAYER_CACHE_ENTRIES``; 0 keeps none, which
bench/map.py uses to measure what an answer costs to compute) and ``MAX_BYTES`` of bodies and
compressed forms together per worker (a layer's whole answer is under a megabyte raw; a view's is a
few kilobytes).
"""

from __future__ import annotations

import gzip
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import brotli
from flask import current_app

MAX_ENTRIES = 512
MAX_BYTES = 64 * 1024 * 1024
#: what the answers are offered in, best first (the browser's Accept-Encoding chooses)
ENCODINGS = ("br", "gzip")


@dataclass
class Answer:
    """One layer answer: the body as sent without compression, and its compressed forms made so far."""

    body: bytes
    encoded: dict[str, bytes] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(value) for value in self.encoded.values())

    def in_encoding(self, encoding: str | None) -> bytes:
        """The body in ``encoding`` (``br``, ``gzip``; None: as it is), compressed on first use."""
        if encoding is None:
            return self.body
        if encoding not in self.encoded:
            config = current_app.config
            if encoding == "br":
                self.encoded[encoding] = brotli.compress(self.body, quality=config.get("COMPRESS_BR_LEVEL", 4))
            else:
                self.encoded[encoding] = gzip.compress(self.body, compresslevel=config.get("COMPRESS_LEVEL", 6))
        return self.encoded[encoding]


class AnswerCache:
    """An LRU of ``Answer``s by name, bounded by count and by bytes; safe across threads."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES) -> None:
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self._entries: OrderedDict[str, Answer] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, name: str) -> Answer | None:
        """The answer called ``name`` (now the most recently used), or None."""
        with self._lock:
            answer = self._entries.get(name)
            if answer is not None:
                self._entries.move_to_end(name)
            return answer

    def put(self, name: str, body: bytes) -> Answer:
        """Keep ``body`` under ``name``; returns its ``Answer``."""
        answer = Answer(body)
        with self._lock:
            self._entries[name] = answer
            self._entries.move_to_end(name)
            self._trim()
        return answer

    def trim(self) -> None:
        """Drop the least recently used answers beyond the bounds (after an answer grew a compressed form)."""
        with self._lock:
            self._trim()

    def _trim(self) -> None:
        while len(self._entries) > max(self.max_entries, 0) or (
                len(self._entries) > 1 and sum(a.size for a in self._entries.values()) > self.max_bytes):
            self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget every answer (tests that count queries start from nothing)."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


def answers() -> AnswerCache:
    """This app's cache of layer answers (one per app, hence per worker process)."""
    cache = current_app.extensions.get("map_layer_answers")
    if cache is None:
        cache = current_app.extensions["map_layer_answers"] = AnswerCache(
            int(current_app.config.get("MAP_LAYER_CACHE_ENTRIES", MAX_ENTRIES)))
    return cache

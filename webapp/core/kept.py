"""Answers kept per state of their data: a small, per-app, least-recently-used store.

A key names one state of the data an answer was computed from (a stamp that changes with every
write: a driver's history stamp, a Seoul lot's ``data_version``), so a kept answer is never
stale, only unused. Each gunicorn worker keeps its own: a worker computes an answer once per
change of its data, not once per visit. Values must be immutable (tuples, frozen dataclasses,
``Markup``): every request that finds one gets the same object.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import current_app

T = TypeVar("T")

#: answers kept per store; an answer is a few kilobytes at most (a chart, a page of totals)
DEFAULT_SIZE = 2048


class KeptAnswers:
    """A thread-safe least-recently-used mapping of keys to answers, of at most ``size`` entries."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self._answers: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()
        self.size = size

    def get(self, key: Hashable) -> object | None:
        with self._lock:
            found = self._answers.get(key)
            if found is not None:
                self._answers.move_to_end(key)
            return found

    def put(self, key: Hashable, answer: object) -> None:
        with self._lock:
            self._answers[key] = answer
            self._answers.move_to_end(key)
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)

    def __len__(self) -> int:
        return len(self._answers)


def kept(store: str, key: Hashable, compute: Callable[[], T], size: int = DEFAULT_SIZE) -> T:
    """The answer kept under ``key`` in the app's store ``store``, else ``compute()``'s, kept.

    ``key`` must hold a stamp of every piece of data the answer depends on (see the module
    docstring); None is never kept (a caller with nothing to show asks again next time). ``size``
    bounds the store when its first answer is kept: the entries a worker may hold of it.
    """
    answers = current_app.extensions.get(f"kept:{store}")
    if answers is None:
        answers = current_app.extensions.setdefault(f"kept:{store}", KeptAnswers(size))
    answer = answers.get(key)
    if answer is None:
        answer = compute()
        if answer is not None:
            answers.put(key, answer)
    return answer

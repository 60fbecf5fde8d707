"""Count the lines of our code a call runs: a measure of work that, unlike a time, is the same on a loaded
machine (tests that check work grows linearly, not quadratically)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import contextmanager


@contextmanager
def lines_run(counts_file: Callable[[str], bool]):
    """Count, in the list it yields (one number), the lines run in the block in files ``counts_file`` accepts."""
    counted = [0]

    def trace(frame, event, _arg):
        if not counts_file(frame.f_code.co_filename):
            return None  # no line events inside frames of other files
        if event == "line":
            counted[0] += 1
        return trace

    sys.settrace(trace)
    try:
        yield counted
    finally:
        sys.settrace(None)

"""Hypothesis profiles for the fuzz suite.

``make test`` runs the short profile (a few dozen cases a test, seconds in all);
``make fuzz`` sets ``HYPOTHESIS_PROFILE=fuzz`` for thousands of cases and prints,
per test, the cases tried and the failures (``--hypothesis-show-statistics``).
The tests reuse one app per test function across examples on purpose: state
piles up the way it does on a live server, and the assertion is the same
whatever came before (no 500, no stack trace).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_COMMON = {"deadline": None, "database": None, "derandomize": False,
           "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.data_too_large]}
settings.register_profile("short", max_examples=25, **_COMMON)
settings.register_profile("fuzz", max_examples=1_000, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "short"))

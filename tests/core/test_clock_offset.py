"""The app's clock moves only in tests (``core.clock.move_clock_for_tests``, used by the browser journeys)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask

from webapp.core import clock


def test_an_app_that_is_not_testing_keeps_the_real_clock():
    deployed = Flask(__name__)  # TESTING is off, as in every deployment
    with pytest.raises(RuntimeError):
        clock.move_clock_for_tests(deployed, timedelta(hours=1))
    assert abs(clock.utcnow() - datetime.now(UTC)) < timedelta(minutes=1)


def test_a_testing_app_moves_it_and_puts_it_back(app):
    try:
        clock.move_clock_for_tests(app, timedelta(hours=3))
        assert clock.utcnow() - datetime.now(UTC) > timedelta(hours=2, minutes=59)
    finally:
        clock.move_clock_for_tests(app, timedelta(0))
    assert abs(clock.utcnow() - datetime.now(UTC)) < timedelta(minutes=1)

"""Durations as each language writes them (core.clock.format_duration): no app, no database."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from webapp.core.clock import format_duration

CASES = [timedelta(0), timedelta(seconds=59), timedelta(minutes=1), timedelta(minutes=90), timedelta(hours=24),
         timedelta(days=2)]


@pytest.mark.parametrize(("locale", "expected"), [
    ("en_GB", ["0 mins", "59 secs", "1 min", "1 hr 30 mins", "1 day", "2 days"]),  # the app's English
    ("en", ["0 min", "59 sec", "1 min", "1 hr 30 min", "1 day", "2 days"]),
    ("fi", ["0 min", "59 s", "1 min", "1 t 30 min", "1 pv", "2 pv"]),
    ("sv", ["0 min", "59 s", "1 min", "1 tim 30 min", "1 d", "2 d"]),
    ("ko", ["0분", "59초", "1분", "1시간 30분", "1일", "2일"]),
])
def test_format_duration_in_each_language(locale, expected):
    assert [format_duration(value, locale) for value in CASES] == expected


@pytest.mark.parametrize(("locale", "expected"), [
    ("en_GB", "1 day 1 hr 5 mins"), ("fi", "1 pv 1 t 5 min"), ("sv", "1 d 1 tim 5 min"), ("ko", "1일 1시간 5분"),
])
def test_format_duration_joins_days_hours_and_minutes(locale, expected):
    assert format_duration(25 * 60 + 5, locale) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (90, "1 hr 30 mins"),  # a number is minutes
    (90.0, "1 hr 30 mins"),
    (Decimal("90"), "1 hr 30 mins"),
    (Decimal("89.5"), "1 hr 30 mins"),  # a started minute counts
    (timedelta(seconds=61), "2 mins"),
    (timedelta(seconds=59.4), "1 min"),  # 59.4 s is no longer "59 secs"
    (timedelta(minutes=-5), "0 mins"),  # a deadline already past
])
def test_format_duration_takes_minutes_or_timedelta_and_rounds_up_to_the_minute(value, expected):
    assert format_duration(value, "en_GB") == expected

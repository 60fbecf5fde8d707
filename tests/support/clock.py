"""Time that passes in a test: the app's clock and every in-process sandbox's clock move together.

``webapp.core.clock.utcnow()`` and the sandboxes all read ``datetime.now`` (247Parking's signature check
reads ``time.time()``, the rent-car sandbox its ``state["now"]`` when a test set one); time-machine moves
all of them at once, in this process, so a booking's page, the provider's store and the signed calls
between them keep agreeing about "now". Use the ``moving_clock`` fixture (tests/conftest.py)::

    def test_something(moving_clock):
        moving_clock.start_at(datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
        ...
        moving_clock.advance(minutes=3)   # the regret time is over, for us and for the city

Time stands still between moves (``tick=False``), so what a page shows can be computed exactly.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from flask import Flask

#: the in-process sandboxes whose clocks follow ours, and how to read each one's "now"
_SANDBOX_CLOCKS = {
    "helsinki": lambda sandbox: sandbox.config["CLOCK"](),
    "parkkihubi": lambda sandbox: sandbox.config["CLOCK"](),
    "apds": lambda sandbox: sandbox.extensions["apds_clock"](),
    "parking247": lambda sandbox: sandbox.extensions["parking247"].now(),
}


class MovingClock:
    """One "now" for the app and its sandboxes, moved by the test."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._traveller: time_machine.travel | None = None
        self._coordinates = None

    def start_at(self, moment: datetime) -> datetime:
        """Stop time at ``moment`` (an aware datetime) for the app and every sandbox; returns it."""
        self.stop()
        self._traveller = time_machine.travel(moment.astimezone(UTC), tick=False)
        self._coordinates = self._traveller.start()
        self._follow_sandboxes()
        return self.now()

    def now(self) -> datetime:
        """The current instant, as the app reads it."""
        from webapp.core.clock import utcnow

        return utcnow()

    def advance(self, delta: timedelta | None = None, **parts: float) -> datetime:
        """Let ``delta`` (or ``timedelta(**parts)``) pass; returns the new now."""
        assert self._coordinates is not None, "start_at() first"
        self._coordinates.shift(delta if delta is not None else timedelta(**parts))
        return self.now()

    def move_to(self, moment: datetime) -> datetime:
        """Jump to ``moment`` (forward or back); returns it."""
        assert self._coordinates is not None, "start_at() first"
        self._coordinates.move_to(moment.astimezone(UTC))
        return self.now()

    def stop(self) -> None:
        """Let real time run again."""
        if self._traveller is not None:
            self._traveller.stop()
            self._traveller = self._coordinates = None

    def _follow_sandboxes(self) -> None:
        """Make sure each sandbox reads the moved clock, not a fixed one an earlier step set."""
        providers = self.app.extensions["providers"]
        rentcar = providers.sandbox_app("rentcar").extensions["rentcar_state"]
        rentcar["now"] = None  # the sandbox then reads datetime.now(KST), which time-machine moves
        now = self.now()
        for name, read in _SANDBOX_CLOCKS.items():
            if name in self.app.config["PROVIDERS"]:
                sandbox_now = read(providers.sandbox_app(name))
                assert sandbox_now == now, f"the {name} sandbox's clock does not follow time-machine"


#: days on which the tariffs of our sandboxes are those of an ordinary working day (no holidays near)
_HOLIDAYS = {(12, 24), (12, 25), (12, 26), (12, 31), (1, 1), (1, 6)}


def business_hours(now: datetime | None = None) -> datetime:
    """The next working day (Monday to Friday, no holiday near) at 10:00 in London, 12:00 in Helsinki.

    Prices that a test spells out (the Arndale's £3.70 for an hour, a Helsinki extension to pay now) are
    daytime prices: from 18:00 the Arndale charges its evening flat rate and Helsinki's Sunday tariff
    ends at 20:00. A test that states them runs at this hour, whatever the hour of the run.
    """
    from zoneinfo import ZoneInfo

    london = ZoneInfo("Europe/London")
    day = (now or datetime.now(UTC)).astimezone(london).date() + timedelta(days=1)
    while day.weekday() >= 5 or (day.month, day.day) in _HOLIDAYS:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=london).astimezone(UTC)

"""Time: the current UTC instant, the zones of our providers, and durations as people read them.

Pure (the standard library and babel only), so clients, wire models and pricing rules
import it too; the database column type lives in ``core.columns``.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import lru_cache, reduce
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_time, get_timezone_location
from babel.lists import format_list
from babel.units import format_unit

#: The zones of the places we serve, defined once. Local times are shown and parsed in
#: these; everything stored is UTC. (A sandbox keeps its own copy: it imports nothing of the app.)
HELSINKI = ZoneInfo("Europe/Helsinki")
SEOUL = ZoneInfo("Asia/Seoul")
LONDON = ZoneInfo("Europe/London")
AMSTERDAM = ZoneInfo("Europe/Amsterdam")

#: The local time of each provider's bookings, by ``Booking.provider``: the time on the street sign,
#: at the car-park barrier, at the rental counter or on the valet voucher.
#: (parkkihubi: Helsinki street parkings reported to the city's parking hub)
PROVIDER_ZONES = {"helsinki": HELSINKI, "parkkihubi": HELSINKI, "apds": LONDON, "seoul": SEOUL, "rentcar": SEOUL,
                  "parking247": AMSTERDAM}


#: how far the app's clock runs ahead of the real one: zero, except while a test moves it
#: (``move_clock_for_tests``, refused for an app that is not testing)
_test_offset = timedelta(0)


def utcnow() -> datetime:
    """The current time as an aware UTC datetime."""
    now = datetime.now(UTC)
    return now + _test_offset if _test_offset else now


def move_clock_for_tests(app, offset: timedelta) -> None:
    """Run ``utcnow()`` ``offset`` ahead of the real clock in this process, for a test whose server runs in
    a thread of it (a browser test keeping a page open while time passes); ``timedelta(0)`` puts it back.

    The sandboxes keep the real time; a test that moves them too uses time-machine (tests/support/clock.py).

    Raises:
        RuntimeError: ``app`` is not testing — a deployed app's clock is never moved.
    """
    global _test_offset
    if not app.config.get("TESTING"):
        raise RuntimeError("the app's clock can be moved only in tests (TESTING)")
    _test_offset = offset


def format_moment(value: datetime, locale: Locale | str, zone: ZoneInfo, part: str = "datetime") -> str:
    """An instant as people of ``locale`` write it, in ``zone``'s wall-clock time — the one format of
    each language everywhere in the app: CLDR's short date and short time (``27/11/2026, 14:28``,
    ``27.11.2026 14.28``, ``2026-11-27 14:28``, ``26. 11. 27. 오후 2:28``), never an ISO stamp.

    Args:
        value: an aware datetime (a naive one is taken as UTC, as the database stores it).
        locale: a babel ``Locale`` or an identifier such as ``"fi"`` or ``"en_GB"``.
        zone: the zone whose local time is shown.
        part: ``"datetime"``, ``"date"`` or ``"time"``.

    Returns:
        The text.
    """
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if part == "date":
        return format_date(value.astimezone(zone).date(), "short", locale=locale)
    if part == "time":
        return format_time(value, "short", tzinfo=zone, locale=locale)
    return format_datetime(value, "short", tzinfo=zone, locale=locale)


def locale_for(language: str | None) -> str:
    """The Babel locale of one of our languages: English is written the British way (24-hour clock, day
    first), as drivers in Europe expect — babel's bare ``en`` is American (``12/6/26, 11:08 AM``)."""
    return "en_GB" if language in (None, "", "en") else language


def zone_name(zone: ZoneInfo, locale: Locale | str) -> str:
    """A zone as ``locale`` names it, from CLDR: ``Finland Time``, ``aikavyöhyke: Suomi``,
    ``Finlandtid``, ``핀란드 시간`` — said beside a time read far from where it applies (a mail, a receipt)."""
    return get_timezone_location(zone, locale=locale)


def format_moment_in_zone(value: datetime, locale: Locale | str, zone: ZoneInfo) -> str:
    """``format_moment`` with the zone named: ``06/12/2026, 14:52 (Finland Time)``."""
    return f"{format_moment(value, locale, zone)} ({zone_name(zone, locale)})"


def format_duration(value: timedelta | int | float | Decimal, locale: Locale | str) -> str:
    """A duration as the language writes it in a short space: ``1 hr 30 mins`` (en),
    ``1 t 30 min`` (fi), ``1 tim 30 min`` (sv), ``1시간 30분`` (ko).

    The words come from CLDR through babel (its "short" unit names, joined with the
    locale's narrow unit-list pattern, a space in all four languages), not from our
    catalogs, so they are right in every language babel knows. Under a minute the
    seconds are shown (``59 secs``); from a minute on, a started minute counts as a
    whole one — as tariffs count it, and so a countdown never shows less than is
    left — and whole days, hours and minutes are shown (24 hours is ``1 day``).
    A negative duration (a deadline already past) reads as zero.

    Args:
        value: a ``timedelta``, or a number of minutes.
        locale: a babel ``Locale`` or an identifier such as ``"fi"`` or ``"en_GB"``.

    Returns:
        The text, e.g. ``"2 days"``, ``"0 mins"``, ``"59초"``.
    """
    locale = Locale.parse(locale)
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value) * 60
    seconds = max(0, math.ceil(round(seconds, 6)))  # round first: 90 min as a float is not 5400.000001 s
    if 0 < seconds < 60:
        return _unit(seconds, "second", locale)
    days, minutes = divmod(math.ceil(seconds / 60), 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [_unit(count, unit, locale) for count, unit in ((days, "day"), (hours, "hour"), (minutes, "minute"))
             if count]
    if not parts:
        return _unit(0, "minute", locale)
    # pairwise: babel's own 3-item "unit-narrow" list data is incomplete for some locales (fi)
    return reduce(lambda left, right: format_list([left, right], style="unit-narrow", locale=locale), parts)


def _unit(count: int, unit: str, locale: Locale) -> str:
    return _unit_text(count, unit, str(locale))


@lru_cache(maxsize=4096)
def _unit_text(count: int, unit: str, locale: str) -> str:
    # CLDR's words do not change while the app runs: a list of a hundred places says "3 mins" once, not 100 times
    return format_unit(count, f"duration-{unit}", length="short", locale=Locale.parse(locale))

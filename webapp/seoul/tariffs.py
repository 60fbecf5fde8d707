"""Tariff and opening-hour rules of Seoul lots, from what ParkOperPost sends (seed 2.2.1.2).

Pure functions of plain values (no database), so the rules are unit-tested
on their own and the pages, the map and the calculator agree.

Readings of the seed where it is silent:

* A stay pays ``rates`` for the first ``time_rate`` minutes, then ``add_rates``
  for every started ``add_time_rate`` minutes (extra units round up).
* ``day_maximum`` caps what is charged within each 24 hours from arrival: the
  base fee and the extra units that start in that period. 0 means no maximum
  (a lot that sends 0 as its maximum would otherwise be free).
* ``add_time_rate`` 0 means there are no extra units: the base fee covers the day.
* A discount (compact car, disabled driver, national merit, many children) is
  a percentage off the total; the won amount is rounded down, in the driver's
  favour.
* Hours: HHMM begin/end, as minutes after midnight (0..1440). ``begin ==
  end`` is open all day (0000-0000 and 0000-2400 both mean 24 hours); ``end <
  begin`` runs past midnight into the next day. A day without hours of its
  own falls back: holiday -> weekend -> weekday hours, because the seed marks
  only the weekday hours 필수 and an operator who sends no separate schedule
  keeps the one it has.
* Days are Seoul days (Asia/Seoul); public holidays come from the maintained
  ``holidays`` package (``holidays.KR``: Seollal, Chuseok, substitute holidays …).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays
from babel import Locale
from babel.dates import format_skeleton
from flask_babel import get_locale
from flask_babel import gettext as _

from webapp.core.clock import SEOUL
from webapp.core.money import format_money, format_money_per

DAY_MINUTES = 24 * 60

WEEKDAY, WEEKEND, HOLIDAY = "weekday", "weekend", "holiday"


@dataclass(frozen=True)
class Tariff:
    """A lot's fees in KRW: base fee per base minutes, extra fee per extra minutes, daily maximum."""

    rates: int
    time_rate: int
    add_rates: int
    add_time_rate: int
    day_maximum: int

    @property
    def free(self) -> bool:
        return self.rates == 0 and self.add_rates == 0


@dataclass(frozen=True)
class OpeningHours:
    """Begin/end minutes after midnight for each kind of day; None where the operator sent none."""

    weekday: tuple[int, int]
    weekend: tuple[int, int] | None = None
    holiday: tuple[int, int] | None = None

    def for_kind(self, kind: str) -> tuple[int, int]:
        """The hours that apply on a ``kind`` of day, with the fallbacks of the module docstring."""
        if kind == HOLIDAY:
            return self.holiday or self.weekend or self.weekday
        if kind == WEEKEND:
            return self.weekend or self.weekday
        return self.weekday


@dataclass(frozen=True)
class DayCharge:
    """What one 24-hour period of a stay costs."""

    index: int  # 0 for the first 24 hours
    charged: int
    uncapped: int
    base: int = 0  # the base fee, paid in the first period only
    units: int = 0  # extra units that start in this period

    @property
    def capped(self) -> bool:
        return self.charged < self.uncapped


@dataclass(frozen=True)
class PriceLine:
    """One line of a quote's breakdown; the amounts of all lines add up to the quote's total.

    Attributes:
        kind: ``"base"`` (the base fee), ``"extra"`` (``units`` extra units of ``unit_fee``),
            ``"day_maximum"`` (the cut down to a period's maximum, negative) or ``"discount"`` (negative).
        day: the 24-hour period the line belongs to (0 for the first), None for the discount.
        amount: signed won.
    """

    kind: str
    day: int | None
    amount: int
    units: int = 0
    unit_fee: int = 0


@dataclass(frozen=True)
class Quote:
    """The price of a stay, with its parts for the breakdown (``lines`` add up to ``total``)."""

    minutes: int
    base_fee: int
    extra_units: int
    extra_fee: int
    days: tuple[DayCharge, ...]
    discount_percent: int
    subtotal: int
    discount: int
    total: int
    lines: tuple[PriceLine, ...] = ()

    @property
    def capped(self) -> bool:
        return any(day.capped for day in self.days)


def fee_summary(tariff: Tariff, locale: Locale | str | None = None) -> str:
    """One line for lists and popups, in the page's language unless ``locale`` is given:
    "₩1,000/30 mins, then ₩500/10 mins, day max ₩12,000" (en), "1,000원/30분, …" (ko)."""
    if tariff.free:
        return _("Free")
    locale = locale or get_locale() or "en_GB"
    base = _rate(tariff.rates, tariff.time_rate, locale)
    if tariff.add_time_rate > 0 and tariff.add_rates > 0:
        extra = _rate(tariff.add_rates, tariff.add_time_rate, locale)
        base = _("%(base)s, then %(extra)s", base=base, extra=extra)
    if tariff.day_maximum > 0:
        base = _("%(fees)s, day max %(maximum)s", fees=base, maximum=format_money(tariff.day_maximum, "KRW", locale))
    return base


def _rate(fee: int, minutes: int, locale: Locale | str) -> str:
    # a base fee covering 0 minutes (the seed does not forbid it) is just the fee
    return format_money_per(fee, "KRW", minutes, locale) if minutes > 0 else format_money(fee, "KRW", locale)


def _units_started(first: int, step: int, since: int, until: int) -> int:
    """How many of the unit starts ``first, first + step, …`` fall in ``[since, until)``."""
    if until <= first or until <= since:
        return 0

    def started_before(t: int) -> int:  # units with start < t
        return 0 if t <= first else math.ceil((t - first) / step)

    return started_before(until) - started_before(max(since, first))


def quote_stay(tariff: Tariff, minutes: int, discount_percent: int = 0) -> Quote:
    """Price a stay of ``minutes`` (the rules are in the module docstring).

    Args:
        tariff: the lot's fees.
        minutes: length of the stay; 0 or less costs nothing.
        discount_percent: 0..100, off the total.

    Returns:
        The quote with the base fee, extra units, per-day charges and total.

    Raises:
        ValueError: ``discount_percent`` outside 0..100.
    """
    if not 0 <= discount_percent <= 100:
        raise ValueError("a discount is 0 to 100 percent")
    minutes = max(0, int(minutes))
    if minutes == 0:
        return Quote(0, 0, 0, 0, (), discount_percent, 0, 0, 0)
    has_extra = tariff.add_time_rate > 0
    days = []
    total_units = 0
    for index in range(math.ceil(minutes / DAY_MINUTES)):
        since, until = index * DAY_MINUTES, min((index + 1) * DAY_MINUTES, minutes)
        units = _units_started(tariff.time_rate, tariff.add_time_rate, since, until) if has_extra else 0
        total_units += units
        uncapped = (tariff.rates if index == 0 else 0) + units * tariff.add_rates
        charged = min(uncapped, tariff.day_maximum) if tariff.day_maximum > 0 else uncapped
        days.append(DayCharge(index, charged, uncapped, tariff.rates if index == 0 else 0, units))
    subtotal = sum(day.charged for day in days)
    total = subtotal * (100 - discount_percent) // 100
    return Quote(minutes, tariff.rates, total_units, total_units * tariff.add_rates, tuple(days),
                 discount_percent, subtotal, subtotal - total, total,
                 _lines(days, tariff.add_rates, subtotal - total))


def _lines(days: list[DayCharge], unit_fee: int, discount: int) -> tuple[PriceLine, ...]:
    """Every period's base fee, extra units and cut to the day maximum, then the discount.

    Every period gets its own lines (a stay of 30 hours shows what its second day adds), so
    the lines always add up to the total.
    """
    lines = []
    for day in days:
        if day.index == 0:
            lines.append(PriceLine("base", 0, day.base))
        if day.units:
            lines.append(PriceLine("extra", day.index, day.units * unit_fee, day.units, unit_fee))
        if day.capped:
            lines.append(PriceLine("day_maximum", day.index, day.charged - day.uncapped))
    if discount:
        lines.append(PriceLine("discount", None, -discount))
    return tuple(lines)


@lru_cache(maxsize=16)
def _korean_holidays(year: int, language: str = "en_US") -> holidays.HolidayBase:
    # one table per year; the package computes lunar holidays (Seollal, Chuseok) and substitutes
    return holidays.KR(years=year, language=language)


def holiday_name(day: date, language: str = "en") -> str | None:
    """The Korean public holiday on ``day`` (its Korean name for ``language`` "ko", else English), or None."""
    return _korean_holidays(day.year, "ko" if language == "ko" else "en_US").get(day)


def day_kind(day: date) -> str:
    """"holiday" for a Korean public holiday, "weekend" for Saturday/Sunday, else "weekday"."""
    if holiday_name(day):
        return HOLIDAY
    return WEEKEND if day.weekday() >= 5 else WEEKDAY


def _within(hours: tuple[int, int], minute: int, *, spill: bool) -> bool:
    """Whether ``minute`` of a day is open under ``hours`` (``spill``: the part past midnight)."""
    begin, end = hours
    if begin == end or (begin == 0 and end >= DAY_MINUTES):
        return not spill
    if begin < end:
        return not spill and begin <= minute < end
    # runs past midnight: the evening part today, the early part tomorrow
    return minute < end if spill else minute >= begin


def is_open(hours: OpeningHours, when: datetime) -> bool:
    """Whether the lot is open at ``when`` (any timezone; judged in Seoul time).

    A schedule that runs past midnight is judged by the day it began on, so
    Friday 22:00-06:00 still covers Saturday 02:00.
    """
    local = when.astimezone(SEOUL)
    minute = local.hour * 60 + local.minute
    today = hours.for_kind(day_kind(local.date()))
    yesterday = hours.for_kind(day_kind(local.date() - timedelta(days=1)))
    return _within(today, minute, spill=False) or _within(yesterday, minute, spill=True)


def clock_text(minutes: int, locale: Locale | str) -> str:
    """Minutes after midnight on a 24-hour clock as ``locale`` writes it: ``"08:30"`` (en, sv, ko),
    ``"8.30"`` (fi); the end of the day (1440) is ``"24:00"`` / ``"24.00"``, as the seed and signs write it."""
    return _clock_text(minutes, str(locale))


@lru_cache(maxsize=4096)
def _clock_text(minutes: int, locale: str) -> str:
    # a few hundred times of day in four languages; each lot page writes six of them, and CLDR's skeleton
    # lookup was a tenth of the page (issue 18, bench/seoul.py)
    if minutes >= DAY_MINUTES:
        # no time of day is 24:00, so write 23:00 the language's way and put the 24 in
        return format_skeleton("Hm", time(23, 0), locale=locale).replace("23", "24", 1)
    hour, minute = divmod(minutes, 60)
    return format_skeleton("Hm", time(hour, minute), locale=locale)


def hours_text(hours: tuple[int, int] | None, locale: Locale | str | None = None) -> str:
    """``(480, 1350)`` -> ``"08:00–22:30"`` (``"8.00–22.30"`` in Finnish), in the page's language
    unless ``locale`` is given; all day -> "24 hours"."""
    if hours is None:
        return "–"
    begin, end = hours
    if begin == end or (begin == 0 and end >= DAY_MINUTES):
        return _("24 hours")
    locale = locale or get_locale() or "en_GB"
    return f"{clock_text(begin, locale)}–{clock_text(end, locale)}"

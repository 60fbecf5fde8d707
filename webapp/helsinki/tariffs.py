"""Street-parking price of a stay under Helsinki-style tariffs (seed 002 §6.3.3, §6.4).

Pure functions: no Flask, no database, no provider types. The service layer
adapts the client's ``Tariff``/``DayType`` results into ``TariffWindow`` and a
``{date: day_type}`` mapping.

Rules:

* Windows are local wall-clock hours in Europe/Helsinki ("09"–"21"); "24" or
  "00" as the end means midnight at the end of the day; an end before the
  start wraps past midnight into the next day.
* Each date's day type comes from the city's day types (so public holidays are
  SUNDAY); a date missing from the mapping falls back to the weekday rule.
* Time outside every window is free and appears in the breakdown at 0.00.
  Where windows overlap, the higher hourly price applies (never charged twice).
* Durations are real elapsed time (a DST night has 23 or 25 hours); the
  hourly price is prorated per minute, exactly (fractions of a minute too).
* Rounding: the exact total is rounded once, half up, to 0.01 EUR; segment
  amounts are left unrounded so rounding never accumulates.
* Length: a stay longer than the area's ``max_time_in_minutes`` — or, where
  the area sets none, than ``MAX_STAY_MINUTES`` (30 days) — is refused before
  any pricing work. The work is one sweep over the stay's days, each day's few
  windows kept in a short active list, so a quote costs at most the cap's
  31 days of arithmetic (an unbounded stay once took a minute: issue 11).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from zoneinfo import ZoneInfo

from webapp.core.clock import HELSINKI

#: the longest stay priced where an area sets no maximum: a month covers every real street parking,
#: and bounds the work of a quote (the city's API documents no limit of its own)
MAX_STAY_MINUTES = 30 * 24 * 60
CURRENCY = "EUR"
CENT = Decimal("0.01")
DAY_TYPES = ("BUSINESS_DAY", "SATURDAY", "SUNDAY")
_HOUR = re.compile(r"^(\d{1,2})(?::?(\d{2}))?$")


class PricingError(ValueError):
    """A stay or a tariff that cannot be priced."""


class InvalidStayError(PricingError):
    """The stay's times are unusable (end not after start, or naive datetimes)."""


class InvalidTariffError(PricingError):
    """A tariff window whose hours or price cannot be read."""


class StayTooLongError(PricingError):
    """The stay exceeds the area's ``max_time_in_minutes``.

    Attributes:
        minutes: length of the requested stay in minutes.
        max_minutes: the area's limit.
    """

    def __init__(self, minutes: Decimal, max_minutes: int) -> None:
        self.minutes = minutes
        self.max_minutes = max_minutes
        super().__init__(f"stay of {minutes} min exceeds the area's maximum of {max_minutes} min")


def _offset(text: str, *, is_end: bool) -> timedelta:
    """Offset from local midnight of an hour string: "09" → 9 h; end "24"/"00" → 24 h."""
    match = _HOUR.match(str(text).strip())
    if not match:
        raise InvalidTariffError(f"unreadable tariff hour {text!r}")
    hours, minutes = int(match.group(1)), int(match.group(2) or 0)
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise InvalidTariffError(f"tariff hour out of range {text!r}")
    if hours == 24 and not is_end:
        raise InvalidTariffError("a tariff window cannot start at 24")
    if is_end and hours == 0 and minutes == 0:
        hours = 24
    return timedelta(hours=hours, minutes=minutes)


@dataclass(frozen=True)
class TariffWindow:
    """One priced window of an area, as in the seed's ``tariffs`` rows.

    Attributes:
        day_type: BUSINESS_DAY, SATURDAY or SUNDAY.
        time_from: local start hour, "09" or "09:30".
        time_until: local end hour; "24" or "00" is midnight.
        hourly_price: euros per hour (converted to ``Decimal``).
    """

    day_type: str
    time_from: str
    time_until: str
    hourly_price: Decimal

    def __post_init__(self) -> None:
        if self.day_type not in DAY_TYPES:
            raise InvalidTariffError(f"unknown day type {self.day_type!r}")
        try:
            price = Decimal(str(self.hourly_price))
        except ArithmeticError as exc:
            raise InvalidTariffError(f"unreadable hourly price {self.hourly_price!r}") from exc
        if not price.is_finite() or price < 0:
            raise InvalidTariffError(f"hourly price must be a non-negative amount, got {self.hourly_price!r}")
        object.__setattr__(self, "hourly_price", price)
        _offset(self.time_from, is_end=False)
        _offset(self.time_until, is_end=True)

    def bounds(self, day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """The window on local date ``day`` as UTC instants (wall-clock hours, so DST is respected)."""
        begin = _offset(self.time_from, is_end=False)
        end = _offset(self.time_until, is_end=True)
        if end <= begin:  # e.g. 21–07: wraps into the next morning
            end += timedelta(days=1)
        return _wall(day, begin, tz), _wall(day, end, tz)


@dataclass(frozen=True)
class PriceSegment:
    """A stretch of the stay with one date, day type and hourly price.

    Attributes:
        date: local date the stretch lies on.
        day_type: that date's day type (or the priced window's, past midnight).
        starts_at: local start (aware, Europe/Helsinki).
        ends_at: local end (aware).
        minutes: elapsed minutes, exact.
        hourly_price: euros per hour; 0 for free time.
        amount: exact, unrounded euros.
    """

    date: date
    day_type: str
    starts_at: datetime
    ends_at: datetime
    minutes: Decimal
    hourly_price: Decimal
    amount: Decimal


@dataclass(frozen=True)
class PriceQuote:
    """The price of a stay.

    Attributes:
        total: euros, rounded half up to cents.
        currency: always "EUR".
        segments: breakdown in time order, free stretches included.
        minutes: the stay's elapsed minutes.
    """

    total: Decimal
    currency: str
    segments: tuple[PriceSegment, ...]
    minutes: Decimal

    @property
    def chargeable_minutes(self) -> Decimal:
        """Minutes inside a priced window."""
        return sum((segment.minutes for segment in self.segments if segment.hourly_price), Decimal(0))


def weekday_day_type(day: date) -> str:
    """Day type by weekday alone: the fallback when the city's day types lack a date."""
    return {5: "SATURDAY", 6: "SUNDAY"}.get(day.weekday(), "BUSINESS_DAY")


def _wall(day: date, offset: timedelta, tz: ZoneInfo) -> datetime:
    # wall-clock arithmetic on purpose: 09:00 local stays 09:00 on DST days
    return (datetime.combine(day, time(0), tzinfo=tz) + offset).astimezone(UTC)


def quote_stay(start: datetime, end: datetime, tariffs: Sequence[TariffWindow],
               day_types: Mapping[date, str] | None = None, *, max_time_in_minutes: int | None = None,
               tz: ZoneInfo = HELSINKI) -> PriceQuote:
    """Price a stay from ``start`` to ``end`` in one area.

    Args:
        start: aware start of the stay.
        end: aware end of the stay.
        tariffs: the area's tariff windows.
        day_types: local date → day type, from the city's ``/day_types``.
        max_time_in_minutes: the area's longest allowed stay; None means ``MAX_STAY_MINUTES``.
        tz: time zone of the tariff hours (Helsinki).

    Returns:
        A ``PriceQuote`` with the rounded total and the breakdown.

    Raises:
        InvalidStayError: naive datetimes, or ``end`` not after ``start``.
        StayTooLongError: the stay is longer than ``max_time_in_minutes`` (or the cap).
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidStayError("start and end must be timezone-aware")
    # subtract in UTC: two datetimes sharing a ZoneInfo would subtract wall clocks
    begin, finish = start.astimezone(UTC), end.astimezone(UTC)
    if finish <= begin:
        raise InvalidStayError("the stay must end after it starts")
    minutes = Decimal(int((finish - begin).total_seconds() * 1_000_000)) / Decimal(60_000_000)
    longest = max_time_in_minutes if max_time_in_minutes is not None else MAX_STAY_MINUTES
    if minutes > longest:
        raise StayTooLongError(minutes, longest)
    day_types = day_types or {}

    def kind(day: date) -> str:
        return day_types.get(day) or weekday_day_type(day)

    windows: list[tuple[datetime, datetime, Decimal, str]] = []
    cuts = {begin, finish}
    day = begin.astimezone(tz).date() - timedelta(days=1)  # yesterday's window may wrap into today
    last = finish.astimezone(tz).date()
    while day <= last:
        midnight = _wall(day, timedelta(0), tz)
        if begin < midnight < finish:
            cuts.add(midnight)
        for tariff in tariffs:
            if tariff.day_type != kind(day):
                continue
            low, high = tariff.bounds(day, tz)
            low, high = max(low, begin), min(high, finish)
            if low < high:
                windows.append((low, high, tariff.hourly_price, tariff.day_type))
                cuts.update((low, high))
        day += timedelta(days=1)

    segments: list[PriceSegment] = []
    ordered = sorted(cuts)
    # sweep: windows enter when the sweep reaches their start and leave at their end, so each stretch
    # looks only at the few windows open then (not at every window of the stay: that was quadratic)
    pending = sorted(windows, key=lambda w: w[0])
    active: list[tuple[datetime, datetime, Decimal, str]] = []
    entered = 0
    for low, high in pairwise(ordered):
        while entered < len(pending) and pending[entered][0] <= low:
            active.append(pending[entered])
            entered += 1
        active = [w for w in active if high <= w[1]]
        price, day_type = max(((w[2], w[3]) for w in active), default=(Decimal(0), None))
        local_day = low.astimezone(tz).date()
        day_type = day_type or kind(local_day)
        seconds = Decimal(int((high - low).total_seconds() * 1_000_000)) / Decimal(1_000_000)
        previous = segments[-1] if segments else None
        if previous and (previous.date, previous.day_type, previous.hourly_price) == (local_day, day_type, price):
            seconds += previous.minutes * 60
            low = previous.starts_at
            segments.pop()
        segments.append(PriceSegment(
            date=local_day, day_type=day_type, starts_at=low.astimezone(tz), ends_at=high.astimezone(tz),
            minutes=seconds / 60, hourly_price=price, amount=price * seconds / 3600))
    total = sum((segment.amount for segment in segments), Decimal(0)).quantize(CENT, rounding=ROUND_HALF_UP)
    return PriceQuote(total=total, currency=CURRENCY, segments=tuple(segments), minutes=minutes)

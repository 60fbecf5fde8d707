"""The rate engine: the price of a stay from an APDS rate table (pure: no Flask, no database).

How a rate table is read (spec RateLine / RateLineCollection, seed 003 §➋):

- **Durations** are ISO 8601 (``PT1H30M``, ``P1D``; the seed's ``P3599S`` without the
  ``T`` is accepted too) or ``hh:mm[:ss]`` (APDS v4). A band ``[durationStart,
  durationEnd]`` is inclusive at both ends, to the second: ``P0S``–``P3599S`` is the
  first hour, ``P3600S`` starts the second. An ``hh:mm`` end names the last *minute*
  of its band (``01:59`` covers up to 01:59:59), so ``00:00``–``01:59`` and
  ``02:00``–``23:59`` tile a day without a gap.
- **A stay** is counted in started seconds (3599.2 s is 3600 s: the driver pays
  for every second begun), and never below the collection's ``minTime``; a stay
  longer than ``maxTime`` is not allowed under that table (``StayNotAllowedError``).
- **Rate lines** (RateLineTypeEnum):
  ``flatRate`` — charged once, whatever the length (from its ``durationStart`` if given);
  ``flatRateTier`` — the tier the stay ends in is the price (its ``value`` is the tier's total);
  ``incrementingRate`` with ``incrementPeriod`` — ``value`` per started period of the
  stay's time inside the band; without ``incrementPeriod`` (as in the seed's Arndale
  table: "up to 1 hour" 3.70, "up to 2 hours" 6.70 …) it increments once per band,
  which the spec says is a flat-rate tier — so it is read as one.
  A stay past the last tier is priced at the last tier. Line ``minValue``/``maxValue``
  bound that line's charge.
- **Days**: the table describes one cycle of a day (or its longest band, if longer);
  longer stays pay whole cycles at the cycle's price, then the rest.
  ``maxValueCollection`` caps each cycle (a day maximum); ``minValueCollection`` is
  the least any stay pays.
- **Tax**: with ``taxIncluded`` false and a ``taxRate``, tax is added on top.
- **Validity**: of a place's right specifications, the ones whose valid periods
  (days of the week, times of day — an evening window may wrap past midnight)
  cover the entry time apply; one with a time-of-day window is more specific than
  an all-day one and wins, unless the stay is not allowed under it.
- Amounts are exact Decimals, rounded once to the currency's minor unit.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from webapp.apds.wire import RateLine, RateLineCollection, RateTable, RightSpecification
from webapp.core.money import amount

DAY = 86_400
_ISO = re.compile(r"^P(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?(?:T(?=\d)(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?"
                  r"(?:(?P<s>\d+)S)?)?$")
_SEED_SECONDS = re.compile(r"^P(?:(?P<d>\d+)D)?(?P<s>\d+)S$")  # seed 003 §➋ writes P3599S (no T)
_CLOCK = re.compile(r"^(?P<h>\d{1,3}):(?P<m>[0-5]\d)(?::(?P<s>[0-5]\d))?$")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class StayNotAllowedError(ValueError):
    """The stay is longer than the rate table allows (its ``maxTime``)."""


def parse_duration(text: str) -> int:
    """Seconds in an ISO 8601 (``PT1H``, ``P1D``, seed ``P3599S``) or ``hh:mm[:ss]`` duration.

    Raises:
        ValueError: anything else (also months and years, whose length is not fixed).
    """
    value = (text or "").strip()
    match = _CLOCK.match(value)
    if match:
        return int(match["h"]) * 3600 + int(match["m"]) * 60 + int(match["s"] or 0)
    match = _SEED_SECONDS.match(value)
    if match:
        return int(match["d"] or 0) * DAY + int(match["s"])
    match = _ISO.match(value)
    if not match or value == "P":
        raise ValueError(f"not a duration: {text!r}")
    weeks, days, hours, minutes, seconds = (int(match[g] or 0) for g in "wdhms")
    return (weeks * 7 + days) * DAY + hours * 3600 + minutes * 60 + seconds


def band_end(text: str | None) -> int | None:
    """The last second of a band ending at ``text`` (an ``hh:mm`` end covers its whole minute)."""
    if text is None:
        return None
    seconds = parse_duration(text)
    clock = _CLOCK.match(text.strip())
    return seconds + 59 if clock and clock["s"] is None else seconds


def _start(line: RateLine) -> int:
    return parse_duration(line.duration_start) if line.duration_start else 0


def _is_tier(line: RateLine) -> bool:
    if line.kind == "flatRateTier":
        return True
    if line.kind != "incrementingRate":
        return False
    if not line.increment_period:
        return True
    end = band_end(line.duration_end)
    return end is not None and parse_duration(line.increment_period) == end + 1 - _start(line)


@dataclass(frozen=True)
class Quote:
    """The price of one stay.

    Attributes:
        total: what the driver pays (tax included), in ``currency``.
        currency: ISO 4217.
        tax: the tax added on top (zero when the table's prices include it).
        tax_included: whether the table's prices include tax.
        stay_seconds: the stay as charged (started seconds, at least ``minTime``).
        rate_table_id: the table used.
        rate_name: its name.
    """

    total: Decimal
    currency: str
    tax: Decimal
    tax_included: bool
    stay_seconds: int
    rate_table_id: str
    rate_name: str


def _collection(table: RateTable, at: datetime | None) -> RateLineCollection:
    """The collection valid at ``at`` (validStart/validEnd), else the first in sequence."""
    ordered = sorted(table.collections, key=lambda c: c.sequence)
    if at is not None:
        for collection in ordered:
            if (collection.valid_start is None or collection.valid_start <= at) and \
                    (collection.valid_end is None or at < collection.valid_end):
                return collection
    return ordered[0]


def _line_charge(line: RateLine, stay: int, last_tier_end: int | None) -> Decimal:
    start = _start(line)
    end = band_end(line.duration_end)
    if line.kind == "flatRate":
        charge = line.value if stay >= start else Decimal(0)
    elif _is_tier(line):
        inside = stay >= start and (end is None or stay <= end)
        beyond_last = end is not None and end == last_tier_end and stay > end
        charge = line.value if inside or beyond_last else Decimal(0)
    else:
        covered = min(stay, end + 1) if end is not None else stay
        periods = math.ceil(max(0, covered - start) / parse_duration(line.increment_period))
        charge = line.value * periods
    if charge:
        if line.min_value is not None:
            charge = max(charge, line.min_value)
        if line.max_value is not None:
            charge = min(charge, line.max_value)
    return charge


def _cycle_price(collection: RateLineCollection, stay: int) -> Decimal:
    tier_ends = [band_end(line.duration_end) for line in collection.lines if _is_tier(line) and line.duration_end]
    last_tier_end = max(tier_ends) if tier_ends else None
    total = sum((_line_charge(line, stay, last_tier_end) for line in collection.lines), Decimal(0))
    if collection.max_value is not None:
        total = min(total, collection.max_value)
    return total


def _cycle(collection: RateLineCollection) -> int:
    ends = [band_end(line.duration_end) for line in collection.lines if line.duration_end]
    return max([DAY, *(end + 1 for end in ends)])


def price_stay(table: RateTable, stay: timedelta | float | int, *, at: datetime | None = None) -> Quote:
    """The price of a stay of ``stay`` (a timedelta or seconds) under ``table``.

    Args:
        at: when the stay starts (picks the collection valid then; default the first).

    Raises:
        StayNotAllowedError: the stay is longer than the table's ``maxTime``.
        ValueError: a negative stay, or a malformed duration in the table.
    """
    seconds = stay.total_seconds() if isinstance(stay, timedelta) else float(stay)
    if seconds < 0:
        raise ValueError("a stay cannot be negative")
    collection = _collection(table, at)
    charged = math.ceil(round(seconds, 6))
    if charged and collection.min_time:
        charged = max(charged, parse_duration(collection.min_time))
    if collection.max_time and charged > parse_duration(collection.max_time):
        raise StayNotAllowedError(f"longer than {collection.max_time} under {table.id}")
    net = Decimal(0)
    if charged:
        cycle = _cycle(collection)
        cycles, rest = divmod(charged, cycle)
        net = cycles * _cycle_price(collection, cycle - 1) + (_cycle_price(collection, rest) if rest else 0)
        if collection.min_value is not None:
            net = max(net, collection.min_value)
    tax = Decimal(0)
    if not collection.tax_included and collection.tax_rate:
        tax = net * collection.tax_rate / 100
    currency = collection.currency or "GBP"
    return Quote(total=amount(net + tax, currency), currency=currency, tax=amount(tax, currency),
                 tax_included=collection.tax_included, stay_seconds=charged, rate_table_id=table.id,
                 rate_name=table.name)


# -- which right specification applies ------------------------------------------------


def _clock_time(text: str) -> time:
    hours, minutes = (int(part) for part in text.split(":")[:2])
    return time(23, 59, 59) if hours == 24 else time(hours, minutes)


def _in_window(start: str, end: str, at: time) -> bool:
    begin, finish = _clock_time(start), _clock_time(end)
    if begin <= finish:
        return begin <= at < finish
    return at >= begin or at < finish  # a window past midnight (18:00–06:00)


def applies_at(spec: RightSpecification, local: datetime) -> bool:
    """Whether ``spec`` can be used for a stay entering at ``local`` (the place's local time)."""
    if spec.expiry is not None and local >= spec.expiry:
        return False
    periods = spec.periods
    if not periods:
        return True
    for period in periods:
        days = period.applicable_days
        # a window past midnight belongs to the day it started on
        day = WEEKDAYS[local.weekday()]
        previous_day = WEEKDAYS[(local.weekday() - 1) % 7]
        if not period.times:
            if not days or day in days:
                return True
            continue
        for window in period.times:
            if not _in_window(window.start, window.end, local.time()):
                continue
            wraps = _clock_time(window.start) > _clock_time(window.end)
            started_on = previous_day if wraps and local.time() < _clock_time(window.end) else day
            if not days or started_on in days:
                return True
    return False


def _specific(spec: RightSpecification) -> bool:
    return any(period.times for period in spec.periods)


def price_at_place(options: list[tuple[RightSpecification, RateTable]], local_start: datetime,
                   stay: timedelta | float | int) -> Quote:
    """The price of a stay entering at ``local_start``, under the right specification that applies.

    Args:
        options: the place's right specifications, each with its rate table.
        local_start: entry time in the place's time zone (aware).

    Raises:
        StayNotAllowedError: no applicable table allows a stay this long (or none applies at all).
    """
    applicable = [(spec, table) for spec, table in options if applies_at(spec, local_start)]
    applicable.sort(key=lambda option: not _specific(option[0]))
    for _spec, table in applicable:
        try:
            return price_stay(table, stay, at=local_start)
        except StayNotAllowedError:
            continue
    raise StayNotAllowedError("no rate of this place allows that stay at that time")


@dataclass(frozen=True)
class RateRow:
    """One line of a rate table as a driver reads it: its band exactly as ``price_stay`` charges it.

    Attributes:
        description: the platform's own words for the line (as sent; they may be looser than the
            band: seed 003 calls ``P3600S``–``P7199S`` "up to 2 hours").
        kind: the rate-line type.
        charge: how the line charges: ``"stay"`` — a stay from ``from_seconds`` to ``to_seconds``
            costs ``value`` (a tier); ``"time"`` — every started ``per_seconds`` of the stay's time
            between ``from_seconds`` and ``to_seconds`` costs ``value``; ``"once"`` — ``value``
            once per stay (for stays of ``from_seconds`` or more, when given).
        value: the line's amount (before tax the table adds).
        from_seconds: the band's first second (a stay that long is in it), None for no start.
        to_seconds: the band's end, exclusive (a stay that long is in the next band), None for no end.
        to_inclusive: ``to_seconds`` is the band's last second, not the next band's first: the last
            tier, which prices every stay past its end up to a whole cycle (``price_stay`` prices a
            whole cycle as its last second), or up to ``maxTime`` when that is shorter.
        per_seconds: the period of a ``"time"`` line.
    """

    description: str
    kind: str
    value: Decimal
    from_seconds: int | None
    to_seconds: int | None
    per_seconds: int | None
    charge: str = "stay"
    to_inclusive: bool = False

    def covers(self, seconds: int) -> bool:
        """Whether a stay of ``seconds`` falls in this row's band (a ``"stay"`` row; one cycle at most)."""
        if self.charge != "stay":
            return False
        if self.from_seconds is not None and seconds < self.from_seconds:
            return False
        if self.to_seconds is None:
            return True
        return seconds <= self.to_seconds if self.to_inclusive else seconds < self.to_seconds


@dataclass(frozen=True)
class TableTerms:
    """What a rate table says besides its lines, as ``price_stay`` applies it.

    Attributes:
        cycle_seconds: the length of one cycle (a day, or the longest band).
        cycle_price: what one whole cycle costs (net, as the lines are written); a longer stay
            pays it for every whole cycle, then the lines for the rest.
        longest_seconds: the longest stay the table sells (``maxTime``), None for no limit.
        shortest_seconds: a shorter stay is charged as this long (``minTime``), None for none.
    """

    cycle_seconds: int
    cycle_price: Decimal
    longest_seconds: int | None
    shortest_seconds: int | None

    @property
    def sells_longer_than_a_cycle(self) -> bool:
        return self.longest_seconds is None or self.longest_seconds > self.cycle_seconds


def readable_rows(table: RateTable) -> list[RateRow]:
    """The lines of the table's first collection, in sequence, each with its band as the engine reads it."""
    collection = _collection(table, None)
    cycle = _cycle(collection)
    longest = parse_duration(collection.max_time) if collection.max_time else None
    tier_ends = [band_end(line.duration_end) for line in collection.lines if _is_tier(line) and line.duration_end]
    last_tier_end = max(tier_ends) if tier_ends else None
    rows = []
    for line in sorted(collection.lines, key=lambda line: line.sequence):
        end = band_end(line.duration_end)
        start = _start(line) if line.duration_start else None
        if line.kind == "flatRate":
            rows.append(RateRow(description=line.description, kind=line.kind, value=line.value, charge="once",
                                from_seconds=start or None, to_seconds=None, per_seconds=None))
        elif _is_tier(line):
            to, inclusive = (end + 1 if end is not None else None), False
            if end is None or end == last_tier_end:  # the last tier: up to a whole cycle (or maxTime)
                to, inclusive = (min(cycle, longest) if longest else cycle), True
            rows.append(RateRow(description=line.description, kind=line.kind, value=line.value, charge="stay",
                                from_seconds=start or 0, to_seconds=to, to_inclusive=inclusive, per_seconds=None))
        else:
            rows.append(RateRow(description=line.description, kind=line.kind, value=line.value, charge="time",
                                from_seconds=start or 0, to_seconds=end + 1 if end is not None else None,
                                per_seconds=parse_duration(line.increment_period)))
    return rows


def table_terms(table: RateTable) -> TableTerms:
    """The cycle, its price and the stay limits of the table's first collection."""
    collection = _collection(table, None)
    cycle = _cycle(collection)
    return TableTerms(cycle_seconds=cycle, cycle_price=_cycle_price(collection, cycle - 1),
                      longest_seconds=parse_duration(collection.max_time) if collection.max_time else None,
                      shortest_seconds=parse_duration(collection.min_time) or None if collection.min_time else None)

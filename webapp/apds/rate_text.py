"""A rate table in the reader's language, written from its structure (its bands, days and hours), not from
the platform's English descriptions.

Why not the platform's words: they are looser than the engine — seed 003 §➋ calls the band
``P3600S``–``P7199S`` "up to 2 hours" while a stay of exactly one hour is in it — and they come in
English only. Each label here is derived from the band boundaries ``rates.readable_rows`` reads
the way ``rates.price_stay`` charges, so the table says what the stay costs:

- a tier ``[a, b)``: "under b" (from zero), "a to under b";
- the last tier, which prices every stay up to a whole cycle (or ``maxTime``): "a up to and
  including b";
- a per-period line over ``[a, b)`` of the stay's time: "the first b", "time from a to b";
- a flat rate: "once per stay".

Boundaries are written to the second when they are not whole minutes (``P3598S`` is "59 mins 58 secs",
never rounded up to "1 hr").
"""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal
from functools import reduce

from babel import Locale
from babel.dates import format_skeleton, get_day_names
from babel.lists import format_list
from babel.units import format_unit
from flask_babel import get_locale
from flask_babel import gettext as _

from webapp.apds.rates import DAY, WEEKDAYS, RateRow, TableTerms
from webapp.apds.wire import ValidPeriod
from webapp.core.clock import format_duration
from webapp.core.money import format_money


def _locale() -> Locale:
    return Locale.parse(get_locale() or "en_GB")


def boundary(seconds: int, locale: Locale | str | None = None) -> str:
    """A band boundary, exact: ``1 hr``, ``24 hrs``, ``7 days``; ``59 mins 58 secs`` when it is not a whole minute."""
    locale = Locale.parse(locale) if locale else _locale()
    minutes, rest = divmod(int(seconds), 60)
    if not rest and seconds % 3600 == 0 and 0 < seconds <= 2 * DAY:
        # "24 hrs", not "1 day": a band of a day's tariff reads in hours ("5 hrs up to and including 24 hrs")
        return format_unit(seconds // 3600, "duration-hour", length="short", locale=locale)
    if not rest:
        return format_duration(timedelta(minutes=minutes), locale)
    secs = format_unit(rest, "duration-second", length="short", locale=locale)
    if not minutes:
        return secs
    return reduce(lambda left, right: format_list([left, right], style="unit-narrow", locale=locale),
                  [format_duration(timedelta(minutes=minutes), locale), secs])


def row_label(row: RateRow) -> str:
    """Which stays (or which part of a stay) the row prices, exactly as the engine does."""
    start, end = row.from_seconds, row.to_seconds
    if row.charge == "once":
        return _("once per stay") if not start else _("once, for a stay of %(start)s or more",
                                                          start=boundary(start))
    if row.charge == "time":
        if end is None:
            return _("every stay") if not start else _("time after %(start)s", start=boundary(start))
        return (_("the first %(end)s", end=boundary(end)) if not start
                else _("time from %(start)s to %(end)s", start=boundary(start), end=boundary(end)))
    if end is None:
        return _("every stay") if not start else _("from %(start)s", start=boundary(start))
    if row.to_inclusive:
        return (_("up to and including %(end)s", end=boundary(end)) if not start
                else _("%(start)s up to and including %(end)s", start=boundary(start), end=boundary(end)))
    return (_("under %(end)s", end=boundary(end)) if not start
            else _("%(start)s to under %(end)s", start=boundary(start), end=boundary(end)))


def _clock(text: str, locale: Locale) -> str:
    hours, minutes = (int(part) for part in text.split(":")[:2])
    if hours >= 24:  # the end of the day, as the platform may write it
        return format_skeleton("Hm", time(23, 0), locale=locale).replace("23", "24", 1)
    return format_skeleton("Hm", time(hours, minutes), locale=locale)


def period_label(period: ValidPeriod) -> str:
    """When a right specification applies, from its days and times of day: "Every day",
    "Monday, Tuesday · entering 18:00–06:00" (a window past midnight belongs to the day it starts on)."""
    locale = _locale()
    days = [day for day in WEEKDAYS if day in period.applicable_days]
    if not days or len(days) == len(WEEKDAYS):
        text = _("Every day")
    else:
        names = get_day_names("wide", locale=locale)
        text = format_list([names[WEEKDAYS.index(day)] for day in days], locale=locale)
    windows = [f"{_clock(window.start, locale)}–{_clock(window.end, locale)}" for window in period.times]
    if windows:
        text = _("%(days)s · entering %(hours)s", days=text, hours=format_list(windows, style="or", locale=locale))
    return text


def terms_notes(terms: TableTerms, currency: str, max_value: Decimal | None = None,
                min_value: Decimal | None = None) -> list[str]:
    """The table's terms besides its lines: longer stays, the shortest charged and longest sold stay,
    the cycle's maximum and the least any stay pays."""
    locale = _locale()
    notes = []
    day = terms.cycle_seconds == DAY
    if terms.sells_longer_than_a_cycle:
        price = format_money(terms.cycle_price, currency, locale)
        notes.append(_("Longer stays: %(price)s for every whole day (24 hours), then the lines above for the rest.",
                       price=price) if day else
                     _("Longer stays: %(price)s for every whole %(cycle)s, then the lines above for the rest.",
                       price=price, cycle=boundary(terms.cycle_seconds)))
    if terms.longest_seconds is not None:
        notes.append(_("Longest stay: %(time)s.", time=boundary(terms.longest_seconds)))
    if terms.shortest_seconds:
        notes.append(_("A shorter stay than %(time)s is charged as %(time)s.", time=boundary(terms.shortest_seconds)))
    if max_value is not None:
        amount = format_money(max_value, currency, locale)
        notes.append(_("Day maximum %(amount)s.", amount=amount) if day else
                     _("At most %(amount)s for every %(cycle)s.", amount=amount, cycle=boundary(terms.cycle_seconds)))
    if min_value is not None:
        notes.append(_("Minimum charge %(amount)s.", amount=format_money(min_value, currency, locale)))
    return notes

"""The lot page's 24-hour occupancy chart as plain numbers for an inline SVG.

Server-rendered so it reads without JavaScript; the template adds a
``<title>``/``<desc>``, a sentence and an hourly table for screen readers.
Samples are thinned to the last one of every 5 minutes (at most 288 points),
which keeps a day of one-minute samples light in the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from babel import Locale
from babel.dates import format_time

from webapp.core.clock import SEOUL
from webapp.seoul.tariffs import clock_text

WIDTH, HEIGHT = 360, 190
LEFT, RIGHT, TOP, BOTTOM = 34, 8, 10, 24
BUCKET = timedelta(minutes=5)


@dataclass(frozen=True)
class HourRow:
    label: str  # "14:00" Seoul time, as the page's language writes a 24-hour clock ("14.00" in Finnish)
    average: int | None
    peak: int | None


@dataclass(frozen=True)
class Chart:
    """Coordinates in a ``WIDTH`` x ``HEIGHT`` viewBox and the figures of the text summary."""

    width: int
    height: int
    line: str  # polyline points "x,y x,y …"
    area: str  # closed path under the line
    x_ticks: tuple[tuple[float, str], ...]
    y_ticks: tuple[tuple[float, int], ...]
    capacity_y: float | None
    plot: tuple[float, float, float, float]  # left, top, right, bottom
    lowest: int
    highest: int
    latest: int
    busiest_at: str
    samples: int
    hours: tuple[HourRow, ...]


def _thin(series: list[tuple[float, int]], start: float) -> list[tuple[float, int]]:
    buckets: dict[int, tuple[float, int]] = {}
    bucket = BUCKET.total_seconds()
    for at, cars in series:
        buckets[int((at - start) / bucket)] = (at, cars)  # the bucket's last sample wins
    return [buckets[k] for k in sorted(buckets)]


def _clock(at: datetime, locale: Locale | str) -> str:
    # a 24-hour clock in the language's way ("06:00", "6.00"): the axis and the table stay short (the
    # opening hours' clock, kept per time and language: 29 labels per chart)
    local = at.astimezone(SEOUL)
    return clock_text(local.hour * 60 + local.minute, locale)


def occupancy_chart(series, capacity: int | None, now: datetime,
                    window: timedelta = timedelta(hours=24), locale: Locale | str = "en_GB") -> Chart | None:
    """Build the chart of ``series`` ((time, cars) oldest first) over ``window`` up to ``now``,
    its times written in Seoul time as ``locale`` writes them.

    A time is a datetime or seconds since the epoch (``lots.occupancy_series`` reads them as seconds: a
    day of one-minute samples spent more time becoming datetimes and being subtracted as such than in
    the database, issue 18).

    Returns:
        The chart, or None when there is no sample to draw.
    """
    if not series:
        return None
    if isinstance(series[0][0], datetime):
        series = [(at.timestamp(), cars) for at, cars in series]
    start_dt = now - window
    start, span = start_dt.timestamp(), window.total_seconds()
    top_value = max(capacity or 0, max(cars for _at, cars in series), 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(at: float) -> float:
        return round(LEFT + plot_w * min(1.0, max(0.0, (at - start) / span)), 1)

    def y(cars: int) -> float:
        return round(TOP + plot_h * (1 - cars / top_value), 1)

    points = [(x(at), y(cars)) for at, cars in _thin(series, start)]
    line = " ".join(f"{px},{py}" for px, py in points)
    base = TOP + plot_h
    area = f"M{points[0][0]},{base} " + " ".join(f"L{px},{py}" for px, py in points) + f" L{points[-1][0]},{base} Z"
    first_tick = (start_dt.astimezone(SEOUL) + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    x_ticks = []
    tick = first_tick
    while tick <= now:
        if tick.hour % 6 == 0:
            x_ticks.append((x(tick.timestamp()), _clock(tick, locale)))
        tick += timedelta(hours=1)
    y_values = sorted({0, top_value // 2, top_value})
    busiest = max(series, key=lambda sample: sample[1])
    return Chart(
        width=WIDTH, height=HEIGHT, line=line, area=area, x_ticks=tuple(x_ticks),
        y_ticks=tuple((y(v), v) for v in y_values), capacity_y=y(capacity) if capacity else None,
        plot=(LEFT, TOP, WIDTH - RIGHT, base), lowest=min(c for _a, c in series), highest=busiest[1],
        latest=series[-1][1],
        busiest_at=format_time(datetime.fromtimestamp(busiest[0], UTC), "short", tzinfo=SEOUL, locale=locale),
        samples=len(series),
        hours=_hourly(series, start_dt, locale),
    )


def _hourly(series: list[tuple[float, int]], start: datetime, locale: Locale | str) -> tuple[HourRow, ...]:
    # one pass: each sample into its Seoul clock hour (the first row is the hour containing ``start``)
    first = start.astimezone(SEOUL).replace(minute=0, second=0, microsecond=0)
    first_s = first.timestamp()
    buckets: list[list[int]] = [[] for _ in range(25)]
    for at, cars in series:
        index = int((at - first_s) / 3600)
        if 0 <= index < 25:
            buckets[index].append(cars)
    return tuple(
        HourRow(_clock(first + timedelta(hours=h), locale),
                round(sum(values) / len(values)) if values else None, max(values) if values else None)
        for h, values in enumerate(buckets) if h > 0 or values
    )

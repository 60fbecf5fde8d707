"""The operators' till: what a car owes at the exit barrier, from the place's rate table.

The platform's own small implementation (a sandbox imports nothing of the app, and a
client's rate engine checked against itself would prove nothing). It reads the
seeded tables: bands ``[durationStart, durationEnd]`` in whole seconds, ISO 8601
(``P3599S``, ``PT1H``) or ``hh:mm``; a stay is counted in started seconds.
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal

_ISO = re.compile(r"^P(?:(\d+)D)?(?:T?(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")


def seconds(text: str) -> int:
    """``P3599S`` / ``PT1H30M`` / ``P1D`` / ``01:30`` -> seconds."""
    text = text.strip()
    if ":" in text:
        parts = [int(p) for p in text.split(":")]
        return parts[0] * 3600 + parts[1] * 60 + (parts[2] if len(parts) > 2 else 0)
    match = _ISO.match(text)
    if not match or text == "P":
        raise ValueError(f"bad duration {text!r}")
    days, hours, minutes, secs = (int(g or 0) for g in match.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60 + secs


def _end(line: dict) -> int:
    # hh:mm ends name the last minute of the band: 01:59 covers up to 01:59:59
    text = line.get("durationEnd")
    if text is None:
        return 10**9
    return seconds(text) + (59 if ":" in text else 0)


def _day_price(collection: dict, stay: int) -> Decimal:
    total = Decimal(0)
    for line in collection["rateLines"]:
        value = Decimal(str(line["value"]))
        start = seconds(line.get("durationStart", "PT0S"))
        end = _end(line)
        kind = line["rateLineType"]
        if kind == "flatRate":
            total += value if stay >= start else 0
        elif "incrementPeriod" in line and kind == "incrementingRate":
            inside = min(stay, end + 1) - start
            if inside > 0:
                total += value * math.ceil(inside / seconds(line["incrementPeriod"]))
        elif start <= stay <= end:
            total += value
    if "maxValueCollection" in collection:
        total = min(total, Decimal(str(collection["maxValueCollection"])))
    return total


def price(rate_table: dict, stay_seconds: float) -> Decimal:
    """The amount for a stay of ``stay_seconds`` (tax added when not included), rounded to the penny."""
    collection = rate_table["rateLineCollections"][0]
    stay = math.ceil(stay_seconds)
    stay = max(stay, seconds(collection.get("minTime", "PT0S")))
    cycle = 86400
    days, rest = divmod(stay, cycle)
    total = days * _day_price(collection, cycle - 1) + (_day_price(collection, rest) if rest else 0)
    if "minValueCollection" in collection and stay > 0:
        total = max(total, Decimal(str(collection["minValueCollection"])))
    if not collection.get("taxIncluded", True) and collection.get("taxRate"):
        total = total * (1 + Decimal(str(collection["taxRate"])) / 100)
    return Decimal(total).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

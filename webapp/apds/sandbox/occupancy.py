"""How full a car park is: a daily curve like a real city-centre car park, with noise.

Busy around noon and early afternoon, nearly empty at night, quieter on Sundays;
the noise is a hash of the place and the five-minute slot, so the figure is stable
within a slot and the same in every process. The cars the operators' cameras saw
come in (open sessions) are added on top.
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Europe/London")


def demand(local: datetime) -> float:
    """Share of spaces taken at a local time (0..1), without noise."""
    hour = local.hour + local.minute / 60
    peak = 0.92 if local.weekday() < 5 else 0.85
    if local.weekday() == 6:
        peak = 0.6
    # a broad bump centred on 13:00, and a floor of night-time residents
    return 0.05 + (peak - 0.05) * math.exp(-(((hour - 13.0) / 3.6) ** 2))


def noise(place_id: str, when: datetime) -> float:
    """A stable pseudo-random offset in [-0.06, 0.06] for a place and a five-minute slot."""
    slot = int(when.timestamp()) // 300
    digest = hashlib.sha256(f"{place_id}:{slot}".encode()).digest()
    return (digest[0] / 255 - 0.5) * 0.12


def occupied(place_id: str, capacity: int, when: datetime, cars_inside: int = 0) -> int:
    """Spaces taken at ``when`` (UTC-aware) at a place of ``capacity`` spaces."""
    share = demand(when.astimezone(LOCAL)) + noise(place_id, when)
    return max(0, min(capacity, round(capacity * share) + cars_inside))

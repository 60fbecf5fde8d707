"""Synthetic places for the map tests (rows written through the ORM, so the search column is filled)."""

from __future__ import annotations

from datetime import UTC, datetime

from webapp.extensions import db
from webapp.helsinki.models import HelsinkiArea


def add_areas(count: int, lat: float = 60.17, lon: float = 24.93, prefix: str = "Testialue", first: int = 0,
              fetched_at: datetime | None = None) -> None:
    """``count`` small square areas in a row eastwards from (lat, lon), zones 1-3 in turn."""
    now = fetched_at or datetime.now(UTC)
    for n in range(first, first + count):
        west = lon + n * 0.001
        ring = [[west, lat], [west + 0.0008, lat], [west + 0.0008, lat + 0.0003], [west, lat + 0.0003], [west, lat]]
        db.session.add(HelsinkiArea(
            area_id=f"9{n:05d}", zone=1 + n % 3, name={"fi": f"{prefix} {n}", "sv": f"{prefix} {n} sv",
                                                       "en": f"{prefix} {n}"},
            street={"fi": f"Testikatu {n}", "sv": f"Testgatan {n}", "en": f"Testikatu {n}"}, postal_code="00100",
            geometry={"type": "Polygon", "coordinates": [ring]}, centre_lon=west + 0.0004, centre_lat=lat + 0.00015,
            max_capacity=20, max_time_in_minutes=240, resident_parking_codes=[], special_parking_codes=[],
            tariffs=[], fetched_at=now))
    db.session.commit()

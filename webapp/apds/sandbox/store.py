"""State of the APDS sandbox: its own SQLite file with the seeded places.

Places are kept as the JSON document the platform serves plus the point used
for radius searches, so later issues can add rights, rates and sessions as
tables next to them without touching this one.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Column, Engine, Float, Integer, MetaData, String, Table, Text, select

from webapp.core.sandbox_kit import open_sqlite

DB_FILENAME = "apds.sqlite3"
EARTH_RADIUS_M = 6_371_000.0

metadata = MetaData()

places = Table(
    "places",
    metadata,
    Column("id", String, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("latitude", Float, nullable=False),
    Column("longitude", Float, nullable=False),
    Column("document", Text, nullable=False),
)

# Seed 003 §➊ searches 1000 m around Manchester city centre (53.4806, -2.2428);
# the ids are the ones the seed's examples use ("805432" in the Arndale right
# specification, "001702e7-…" and "220001" in the session examples). The London
# place lies outside every Manchester radius, so the search has something to leave out.
SEED_PLACES = (
    ("805432", "Arndale Car Park", 53.4838, -2.2418, ("6091d5d0-5264-4d66-a31a-1a9e2c9eed89",)),
    ("001702e7-99f6-4e48-ac7c-df412907b29b", "Deansgate Surface Car Park", 53.4790, -2.2500,
     ("a298d061-a30c-4a5a-bfe0-308f20d3ddc7",)),
    ("220001", "Piccadilly On-Street Zone", 53.4775, -2.2309, ("0ab95c73-4c2b-4fe3-8528-0403c7734b92",)),
    ("5b0c9f1e-3f57-4f57-9d0e-2c7f5e0a1b11", "South Bank Car Park", 51.5055, -0.1160, ()),
)


@dataclass(frozen=True)
class PlaceRow:
    """One stored place and its distance from the search point (metres)."""

    document: dict
    distance_m: float | None


def open_store(state_dir: Path) -> Engine:
    """Open (and create and seed if new) the sandbox's SQLite file in WAL mode."""
    engine = open_sqlite(state_dir / DB_FILENAME)

    metadata.create_all(engine)
    with engine.begin() as conn:
        if conn.execute(select(places.c.id).limit(1)).first() is None:
            conn.execute(places.insert(), [_seed_row(*seed) for seed in SEED_PLACES])
    return engine


def _seed_row(place_id: str, name: str, latitude: float, longitude: float, right_ids: tuple[str, ...]) -> dict:
    # Shape: the spec's Place (HierarchyElementGeneral + timeZone + point
    # location); names are {"en": …} objects as in seed 003, not the spec's
    # [{language, string}] arrays (the seed decides, PROVIDERS.md §2).
    document = {
        "id": place_id,
        "version": 1,
        "name": {"en": name},
        "layer": 0,
        "type": "parkingPlace",
        "hierarchyElementRecord": {"creationTime": "2021-01-01T00:00:00Z"},
        "timeZone": "Europe/London",
        # EPSG:4326 with x = longitude, y = latitude (the GeoJSON axis order).
        "indicativePlacePointLocation": [
            {"pointCoordinates": {"epsgCode": "EPSG:4326", "x": longitude, "y": latitude}}
        ],
        "rightSpecifications": [{"id": right_id, "version": 1} for right_id in right_ids],
    }
    return {"id": place_id, "version": 1, "latitude": latitude, "longitude": longitude,
            "document": json.dumps(document)}


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in metres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def find_places(engine: Engine, near: tuple[float, float, int] | None) -> list[PlaceRow]:
    """All places, or those within ``radius`` metres of ``(lat, lon, radius)``, nearest first."""
    with engine.connect() as conn:
        rows = conn.execute(select(places.c.latitude, places.c.longitude, places.c.document)).all()
    if near is None:
        return [PlaceRow(json.loads(row.document), None) for row in rows]
    latitude, longitude, radius = near
    found = []
    for row in rows:
        distance = distance_m(latitude, longitude, row.latitude, row.longitude)
        if distance <= radius:
            found.append(PlaceRow(json.loads(row.document), distance))
    return sorted(found, key=lambda place: place.distance_m)

"""State of the APDS platform sandbox: its own SQLite file.

Places, right specifications and rate tables are the seeded world (``data.py``),
kept as the JSON documents the platform serves. Sessions and assigned rights are
versioned documents with the columns their queries filter on. Webhook
subscriptions and an outbox of events to deliver make the notifications durable:
an event is written in the same transaction as the change that caused it, and
stays in the outbox until its subscriber answered 2xx (or the retries ran out).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Column, Engine, Float, Integer, MetaData, String, Table, Text, select

from webapp.apds.sandbox.data import seeded_world
from webapp.core.sandbox_kit import open_sqlite

# a new file name: the first sandbox kept only places, in a different layout
DB_FILENAME = "apds_platform.sqlite3"
EARTH_RADIUS_M = 6_371_000.0

metadata = MetaData()

places = Table(
    "places", metadata,
    Column("id", String, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("latitude", Float, nullable=False),
    Column("longitude", Float, nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("document", Text, nullable=False),
)
rights = Table("rights", metadata, Column("id", String, primary_key=True), Column("document", Text, nullable=False))
rates = Table("rates", metadata, Column("id", String, primary_key=True), Column("document", Text, nullable=False))
sessions = Table(
    "sessions", metadata,
    Column("id", String, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("place_id", String, index=True),
    Column("plate", String, index=True),
    Column("start_ts", Integer, nullable=False),
    Column("end_ts", Integer),  # null: the car is still in
    Column("document", Text, nullable=False),
)
assigned = Table(
    "assigned_rights", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String, unique=True, nullable=False),
    Column("version", Integer, nullable=False),
    Column("place_id", String, index=True),
    Column("plate", String, index=True),
    Column("issued_ts", Integer),
    Column("expiry_ts", Integer),
    Column("document", Text, nullable=False),
)
webhooks = Table(
    "webhooks", metadata,
    Column("id", String, primary_key=True),
    Column("secret", String, nullable=False),
    Column("document", Text, nullable=False),
)
outbox = Table(
    "outbox", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String, unique=True, nullable=False),
    Column("subscription_id", String, nullable=False, index=True),
    Column("endpoint", String, nullable=False),
    Column("topic", String, nullable=False),
    Column("body", Text, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_ts", Integer, nullable=False),
    Column("delivered_ts", Integer),
    Column("last_status", Integer),
)


@dataclass(frozen=True)
class PlaceRow:
    """One stored place and its distance from the search point (metres)."""

    document: dict
    distance_m: float | None
    capacity: int = 0


def open_store(state_dir: Path) -> Engine:
    """Open (and create and seed if new) the sandbox's SQLite file in WAL mode."""
    engine = open_sqlite(state_dir / DB_FILENAME)
    metadata.create_all(engine)
    with engine.begin() as conn:
        if conn.execute(select(places.c.id).limit(1)).first() is None:
            world_places, world_rights, world_rates = seeded_world()
            conn.execute(places.insert(), [
                {"id": p["id"], "version": 1, "latitude": p["latitude"], "longitude": p["longitude"],
                 "capacity": p["capacity"], "document": json.dumps(p["document"])} for p in world_places])
            conn.execute(rights.insert(), [{"id": k, "document": json.dumps(v)} for k, v in world_rights.items()])
            conn.execute(rates.insert(), [{"id": k, "document": json.dumps(v)} for k, v in world_rates.items()])
    return engine


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in metres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def find_places(engine: Engine, near: tuple[float, float, int] | None) -> list[PlaceRow]:
    """All places, or those within ``radius`` metres of ``(lat, lon, radius)``, nearest first."""
    with engine.connect() as conn:
        rows = conn.execute(select(places.c.latitude, places.c.longitude, places.c.capacity,
                                   places.c.document)).all()
    if near is None:
        return [PlaceRow(json.loads(row.document), None, row.capacity) for row in rows]
    latitude, longitude, radius = near
    found = []
    for row in rows:
        distance = distance_m(latitude, longitude, row.latitude, row.longitude)
        if distance <= radius:
            found.append(PlaceRow(json.loads(row.document), distance, row.capacity))
    return sorted(found, key=lambda place: place.distance_m)


def get_place(engine: Engine, place_id: str) -> PlaceRow | None:
    """One place by id."""
    with engine.connect() as conn:
        row = conn.execute(select(places.c.capacity, places.c.document).where(places.c.id == place_id)).first()
    return None if row is None else PlaceRow(json.loads(row.document), None, row.capacity)


def get_document(engine: Engine, table: Table, object_id: str) -> dict | None:
    """A right specification or rate table by id."""
    with engine.connect() as conn:
        row = conn.execute(select(table.c.document).where(table.c.id == object_id)).first()
    return None if row is None else json.loads(row.document)

"""A city of synthetic places for the benches: Helsinki areas, Seoul lots and APDS car parks, and bookings.

Rows go in with SQLAlchemy Core in chunks (the ORM would take minutes for 10,000 of each), so the
columns the models' listeners fill on an ORM write (the search columns, the romanised names) are
filled here with the same functions. The generator is seeded: every run builds the same city.

- Helsinki: areas in a 9 × 9 km square over the city centre (three zones, a handful of tariffs, as
  the city's 89 real areas share a handful), with small polygon geometries.
- Seoul: lots over Seoul under one operator key, each described (name, position) and with its
  operation (a dozen fee tables and timetables shared between them), live counts a minute old.
- APDS: car parks over Manchester and London with the tariff sets of the platform's real places
  (the sandbox's, synced first), free-space figures fresh.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

CHUNK = 2000


def _insert(table, rows: list[dict], place_set: str | None = None) -> None:
    """Insert ``rows`` in chunks; a Core insert, so it stamps ``place_set`` anew itself, as an ORM write would
    (``maps.place_sets``: the map's kept counts and groups must not outlive it)."""
    from sqlalchemy import insert

    from webapp.extensions import db
    from webapp.maps.place_sets import renew

    with db.engine.begin() as connection:
        for start in range(0, len(rows), CHUNK):
            connection.execute(insert(table), rows[start:start + CHUNK])
        if place_set is not None:
            renew(connection, place_set)


def _count(model) -> int:
    from sqlalchemy import func, select

    from webapp.extensions import db

    return db.session.scalar(select(func.count()).select_from(model)) or 0


def add_areas(total: int) -> None:
    """Helsinki areas up to ``total``."""
    from webapp.helsinki.models import PLACE_SET, HelsinkiArea
    from webapp.maps.search import search_text

    have = _count(HelsinkiArea)
    rng, now = random.Random(have), datetime.now(UTC)
    tariffs = [[{"day_type": "BUSINESS_DAY", "name": {"fi": "Arkisin", "sv": "Vardagar", "en": "Weekdays"},
                 "from": "09", "until": until, "hourly_price": price}]
               for until, price in (("21", "4.20"), ("18", "3.00"), ("20", "1.80"), ("21", "5.10"))]
    rows = []
    for n in range(have, total):
        lat, lon = 60.13 + rng.random() * 0.081, 24.86 + rng.random() * 0.162
        ring = [[round(lon, 6), round(lat, 6)], [round(lon + 0.0008, 6), round(lat, 6)],
                [round(lon + 0.0008, 6), round(lat + 0.0003, 6)], [round(lon, 6), round(lat + 0.0003, 6)],
                [round(lon, 6), round(lat, 6)]]
        name = {"fi": f"Testialue {n}", "sv": f"Testområde {n}", "en": f"Test area {n}"}
        street = {"fi": f"Testikatu {n % 400}", "sv": f"Testgatan {n % 400}", "en": f"Testikatu {n % 400}"}
        area_id = f"9{n:05d}"
        rows.append({"area_id": area_id, "zone": 1 + n % 3, "name": name, "street": street, "postal_code": "00100",
                     "geometry": {"type": "Polygon", "coordinates": [ring]}, "centre_lon": lon + 0.0004,
                     "centre_lat": lat + 0.00015, "max_capacity": 10 + n % 4 * 10, "max_time_in_minutes": 240,
                     "resident_parking_codes": [], "special_parking_codes": [], "tariffs": tariffs[n % len(tariffs)],
                     "fetched_at": now,
                     "search_text": search_text(area_id, *name.values(), *street.values(), "00100")})
    _insert(HelsinkiArea.__table__, rows, PLACE_SET)


def add_lots(total: int, key: str = "BENCHKEY01") -> None:
    """Seoul lots up to ``total``, described and with their operation, under operator key ``key``."""
    from webapp.seoul import admin as seoul_admin
    from webapp.seoul.models import PLACE_SET, SeoulLot, SeoulLotOperation

    have = _count(SeoulLot)
    if total <= have:
        return
    key_row = seoul_admin.find_key(key) or seoul_admin.add_key(key, 100_000_000)
    rng, now = random.Random(have + 1), datetime.now(UTC)
    lots, operations = [], []
    from sqlalchemy import func, select

    from webapp.extensions import db

    first_id = (db.session.scalar(select(func.max(SeoulLot.id))) or 0) + 1
    for offset, n in enumerate(range(have, total)):
        lot_id = first_id + offset
        lots.append({"id": lot_id, "key_id": key_row.id, "infra_id": f"B{n:06d}", "sealed_secret": "-",
                     "created_at": now, "name": f"벤치 공영주차장 {n}", "name_roman": f"Benchi Gongyeongjuchajang {n}",
                     "capacity": 100, "current_parking": rng.randrange(0, 101),
                     "current_at": now - timedelta(seconds=rng.randrange(0, 60)), "last_push_at": now,
                     "latitude": 37.45 + rng.random() * 0.2, "longitude": 126.85 + rng.random() * 0.3,
                     "info_updated_at": now, "sync_time": now, "last_method": "ParkStatPost",
                     "last_result_state": "0000"})
        kind = n % 12
        operations.append({"lot_id": lot_id, "visitor_access": True, "weekday_begin": 0 if kind % 3 else 540,
                           "weekday_end": 1440 if kind % 3 else 1260, "weekend_begin": 600, "weekend_end": 1200,
                           "rates": 500 + 100 * kind, "time_rate": 30, "add_rates": 250 + 50 * kind,
                           "add_time_rate": 10, "day_maximum": 10_000 + 1000 * kind, "notify_memo": f"서울 벤치로 {n}",
                           "memo_roman": f"Seoul Benchiro {n}", "sync_time": now, "updated_at": now})
    _insert(SeoulLot.__table__, lots)
    _insert(SeoulLotOperation.__table__, operations, PLACE_SET)
    if db.engine.dialect.name == "postgresql":
        db.session.execute(db.text("SELECT setval(pg_get_serial_sequence('seoul_lots', 'id'), "
                                   "(SELECT max(id) FROM seoul_lots))"))
        db.session.commit()


def add_places(total: int) -> None:
    """APDS car parks up to ``total``: the platform's own (synced from the sandbox), then synthetic ones."""
    from webapp.apds import places
    from webapp.apds.models import PLACE_SET, ApdsPlace
    from webapp.extensions import db
    from webapp.maps.search import search_text

    if _count(ApdsPlace) == 0:
        places.sync_places()
    have = _count(ApdsPlace)
    keys = sorted({row.tariff_key for row in db.session.scalars(db.select(ApdsPlace))})
    rng, now = random.Random(have + 2), datetime.now(UTC)
    rows = []
    for n in range(have, total):
        london = n % 3 == 0
        name, address = f"Bench Car Park {n}", f"{n} Bench Street, {'London' if london else 'Manchester'}"
        rows.append({"place_id": f"bench-{n:05d}", "version": 1, "name": name, "address": address,
                     "latitude": (51.45 if london else 53.43) + rng.random() * 0.1,
                     "longitude": (-0.2 if london else -2.3) + rng.random() * 0.15, "time_zone": "Europe/London",
                     "tariff_key": keys[n % len(keys)], "fetched_at": now, "spaces_total": 400,
                     "spaces_free": rng.randint(0, 400), "occupancy_indicator": "available",
                     "occupancy_observed_at": now, "occupancy_fetched_at": now,
                     "search_text": search_text(name, address)})
    _insert(ApdsPlace.__table__, rows, PLACE_SET)


def analyse() -> None:
    """``ANALYZE`` (on PostgreSQL ``VACUUM ANALYZE``), as autovacuum or a maintenance job would after a bulk load.

    PostgreSQL's vacuum also sets the visibility map, without which a count cannot be answered from an
    index alone (a database in use has it: autovacuum runs after this many new rows).
    """
    from sqlalchemy import text

    from webapp.extensions import db

    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE" if connection.dialect.name == "postgresql" else "ANALYZE"))


def build(app, areas: int, lots: int, places: int) -> None:
    """Grow ``app``'s database to the given numbers of each kind of place."""
    with app.app_context():
        add_areas(areas)
        add_lots(lots)
        add_places(places)
        analyse()

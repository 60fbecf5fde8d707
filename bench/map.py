"""The "Find parking" map: the page, a layer endpoint and the list search, each beside a trivial page.

The page carries no feature data (each layer is fetched from ``/map/layers/<key>.geojson``),
so its cost should not grow with the number of places: it is measured with 100, 2,000 and
10,000 Helsinki areas and with 36 and 1,000 Seoul lots (synthetic rows). Bytes are shown as
sent to a browser that accepts compression (gzip/brotli when compression is on) and raw.
Goal: the map page within 3x the trivial page at every size.

    .venv/bin/python bench/map.py
"""

from __future__ import annotations

import random
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._harness import measure, report, temporary_app

COMPRESSED = {"Accept-Encoding": "br, gzip"}
LIST = {"HX-Request": "true", "HX-Target": "place-list"}


def _areas(first: int, count: int) -> list:
    from webapp.helsinki.models import HelsinkiArea

    rng = random.Random(first)
    now = datetime.now(UTC)
    tariffs = [{"day_type": "BUSINESS_DAY", "name": {"fi": "Arkisin", "sv": "Vardagar", "en": "Weekdays"},
                "from": "09", "until": "21", "hourly_price": "4.20"}]
    rows = []
    for n in range(first, first + count):
        lat, lon = 60.15 + rng.random() * 0.08, 24.88 + rng.random() * 0.14
        ring = [[lon, lat], [lon + 0.0008, lat], [lon + 0.0008, lat + 0.0003], [lon, lat + 0.0003], [lon, lat]]
        rows.append(HelsinkiArea(
            area_id=f"9{n:05d}", zone=1 + n % 3, name={"fi": f"Testialue {n}", "sv": f"Testområde {n}",
                                                         "en": f"Test area {n}"},
            street={"fi": f"Testikatu {n}", "sv": f"Testgatan {n}", "en": f"Testikatu {n}"}, postal_code="00100",
            geometry={"type": "Polygon", "coordinates": [ring]}, centre_lon=lon + 0.0004, centre_lat=lat + 0.00015,
            max_capacity=20, max_time_in_minutes=240, resident_parking_codes=[], special_parking_codes=[],
            tariffs=tariffs, fetched_at=now))
    return rows


def _lots(key_id: int, first: int, count: int) -> list:
    from webapp.seoul.models import SeoulLot

    rng = random.Random(first)
    now = datetime.now(UTC)
    return [SeoulLot(key_id=key_id, infra_id=f"B{n:06d}", sealed_secret="-", name=f"벤치 공영주차장 {n}",  # noqa: S106 - never read
                     capacity=100, current_parking=rng.randrange(0, 100), current_at=now, last_push_at=now,
                     latitude=37.45 + rng.random() * 0.2, longitude=126.85 + rng.random() * 0.3)
            for n in range(first, first + count)]


def _grow(app, areas: int = 0, lots: int = 0) -> None:
    from sqlalchemy import func, select

    from webapp.extensions import db
    from webapp.helsinki.models import HelsinkiArea
    from webapp.seoul import admin as seoul_admin
    from webapp.seoul.models import SeoulLot

    with app.app_context():
        have_areas = db.session.scalar(select(func.count()).select_from(HelsinkiArea))
        if areas > have_areas:
            db.session.add_all(_areas(have_areas, areas - have_areas))
        have_lots = db.session.scalar(select(func.count()).select_from(SeoulLot))
        if lots > have_lots:
            key = seoul_admin.find_key("BENCHKEY01") or seoul_admin.add_key("BENCHKEY01", 10_000)
            db.session.add_all(_lots(key.id, have_lots, lots - have_lots))
        db.session.commit()


def _beside(name: str, client, url: str, headers: dict | None = None, repeat: int = 30) -> None:
    """``url`` and, just before it, the trivial page with the same headers: the machine's load
    changes within a run (other processes), so each row has its own baseline."""
    baseline = measure(client, "/login", repeat=repeat, headers=headers)
    report(name, measure(client, url, repeat=repeat, headers=headers), baseline)


def main() -> None:
    app = temporary_app()
    guest = app.test_client()
    print("Map bench, in-process test client, median; (x) is the ratio to the trivial page (GET /login)"
          " measured just before each row with the same headers")
    for areas, lots in ((100, 36), (2000, 36), (2000, 1000), (10000, 1000)):
        _grow(app, areas, lots)
        _beside(f"map page, {areas} areas, {lots} lots (sent)", guest, "/map", COMPRESSED)
        _beside(f"map page, {areas} areas, {lots} lots (raw)", guest, "/map")
    # 10,000 areas and 1,000 lots now
    _beside("helsinki layer, a street-level view (bbox)", guest,
            "/map/layers/helsinki.geojson?lang=en&bbox=24.93,60.16,24.95,60.17", COMPRESSED, repeat=10)
    _beside("helsinki layer, capped at 2,000 (no bbox)", guest, "/map/layers/helsinki.geojson?lang=en",
            COMPRESSED, repeat=5)
    first = guest.get("/map/layers/helsinki.geojson?lang=en")
    report("helsinki layer revalidated (304)",
           _measure_304(guest, "/map/layers/helsinki.geojson?lang=en", first.headers["ETag"]),
           measure(guest, "/login"))
    _beside("seoul layer, 1,000 lots", guest, "/map/layers/seoul.geojson?lang=en", COMPRESSED, repeat=5)
    _beside("list search (htmx), 10,000 areas, q=Testialue 17", guest, "/map?focus=helsinki&q=Testialue+17",
            {**LIST, **COMPRESSED}, repeat=10)
    _beside("list page 3 (htmx), 10,000 areas, near a point", guest,
            "/map?focus=helsinki&page=3&near=60.17,24.94", {**LIST, **COMPRESSED}, repeat=10)
    _beside("list search (htmx), 1,000 lots, romanised q=byenchi", guest, "/map?focus=seoul&q=byenchi",
            {**LIST, **COMPRESSED}, repeat=10)


def _measure_304(client, url: str, etag: str) -> dict:
    import statistics
    import time

    timings = []
    for _ in range(20):
        started = time.perf_counter()
        response = client.get(url, headers={"If-None-Match": etag})
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 304, response.status_code
    timings.sort()
    return {"median_ms": statistics.median(timings), "p90_ms": timings[17], "bytes": len(response.data) or 1,
            "peak_kib": 0}


if __name__ == "__main__":
    main()

"""Helsinki figures: the map page with the demo areas and with 2,000 areas, and the price preview.

Each figure is printed beside a trivial page (the login form) measured in the
same run, as a ratio, so the numbers travel between machines.

    .venv/bin/python bench/helsinki.py
"""

from __future__ import annotations

import random
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._harness import measure, report, temporary_app


def _synthetic_areas(count: int) -> list:
    from webapp.helsinki.models import HelsinkiArea

    rng = random.Random(2026)
    now = datetime.now(UTC)
    tariffs = [{"day_type": "BUSINESS_DAY", "name": {"fi": "Arkisin", "sv": "Vardagar", "en": "Weekdays"},
                "from": "09", "until": "21", "hourly_price": "4.20"}]
    rows = []
    for n in range(count):
        lat, lon = 60.15 + rng.random() * 0.08, 24.88 + rng.random() * 0.14
        ring = [[lon, lat], [lon + 0.0008, lat], [lon + 0.0008, lat + 0.0003], [lon, lat + 0.0003], [lon, lat]]
        rows.append(HelsinkiArea(
            area_id=f"9{n:05d}", zone=1 + n % 3, name={"fi": f"Testialue {n}", "sv": f"Testområde {n}",
                                                         "en": f"Test area {n}"},
            street={"fi": f"Testikatu {n}", "sv": f"Testgatan {n}", "en": f"Testikatu {n}"}, postal_code="00100",
            geometry={"type": "Polygon", "coordinates": [ring]}, centre_lon=lon, centre_lat=lat, max_capacity=20,
            max_time_in_minutes=240, resident_parking_codes=[], special_parking_codes=[], tariffs=tariffs,
            fetched_at=now))
    return rows


def main() -> None:
    from webapp.accounts import users as accounts
    from webapp.accounts import vehicles
    from webapp.extensions import db
    from webapp.helsinki import areas as helsinki_areas
    from webapp.helsinki.models import HelsinkiArea

    app = temporary_app()
    with app.app_context():
        user = accounts.register_user("bench@example.com", "bench password", "bench password")
        vehicles.add_vehicle(user.id, "FI", "ABC-123")
        demo_count = helsinki_areas.sync_areas()
        area_id = helsinki_areas.list_areas()[0].area_id
    anonymous = app.test_client()
    driver = app.test_client()
    driver.post("/login", data={"email": "bench@example.com", "password": "bench password"})

    print(f"Helsinki bench ({demo_count} demo areas), in-process test client, median of 20")
    baseline = measure(anonymous, "/login")
    report("trivial page (GET /login)", baseline, baseline)
    report(f"map page, {demo_count} demo areas", measure(driver, "/map"), baseline)
    report("price preview fragment (htmx)",
           measure(driver, f"/parking/areas/{area_id}/quote?duration=120", headers={"HX-Request": "true"}),
           baseline)

    with app.app_context():
        db.session.add_all(_synthetic_areas(2000 - demo_count))
        db.session.commit()
        total = db.session.query(HelsinkiArea).count()
    report(f"map page, {total} areas", measure(driver, "/map", repeat=5), baseline)
    report(f"list search fragment, {total} areas",
           measure(driver, "/map?q=Testialue+17", headers={"HX-Request": "true", "HX-Target": "place-list"},
                   repeat=5), baseline)


if __name__ == "__main__":
    main()

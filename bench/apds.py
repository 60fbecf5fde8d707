"""APDS figures: the car-park list with 40-odd and with 5,000 places, what a thousand open pages'
occupancy polls cost the platform, and the webhook receiver's latency.

Each figure is printed beside a trivial page (the login form) measured in the same run.

    .venv/bin/python bench/apds.py
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._harness import measure, report, temporary_app

ARNDALE = "805432"


def _synthetic_places(template, count: int) -> list:
    from webapp.apds.models import ApdsPlace

    rng = random.Random(2026)
    now = datetime.now(UTC)
    rows = []
    for n in range(count):
        rows.append(ApdsPlace(
            place_id=f"bench-{n:05d}", version=1, name=f"Bench Car Park {n}", address=f"{n} Bench Street, Manchester",
            latitude=53.45 + rng.random() * 0.06, longitude=-2.28 + rng.random() * 0.08, time_zone="Europe/London",
            tariff_key=template.tariff_key, fetched_at=now, spaces_total=400, spaces_free=rng.randint(0, 400),
            occupancy_indicator="available", occupancy_observed_at=now, occupancy_fetched_at=now))
    return rows


def main() -> None:
    from webapp.accounts import users as accounts
    from webapp.accounts import vehicles
    from webapp.apds import events, places
    from webapp.apds.models import ApdsPlace
    from webapp.extensions import db

    app = temporary_app()
    with app.app_context():
        user = accounts.register_user("bench@example.com", "bench password", "bench password")
        vehicles.add_vehicle(user.id, "GB", "BD18 SMR")
        demo_count = places.sync_places()
        subscription = events.ensure_subscription("https://bench.test" + events.RECEIVER_PATH)
        secret = events._secret(subscription)
        subscription_id = subscription.subscription_id
    anonymous, driver = app.test_client(), app.test_client()
    driver.post("/login", data={"email": "bench@example.com", "password": "bench password"})

    print(f"APDS bench ({demo_count} platform places), in-process test client, median of 20")
    baseline = measure(anonymous, "/login")
    report("trivial page (GET /login)", baseline, baseline)
    report(f"car-park list, {demo_count} places", measure(driver, "/carparks/?minutes=180"), baseline)
    report("place page (rates, calculator, forms)", measure(driver, f"/carparks/{ARNDALE}"), baseline)
    report("price calculator fragment (htmx)",
           measure(driver, f"/carparks/{ARNDALE}/quote?minutes=200", headers={"HX-Request": "true"}), baseline)

    # a thousand open place pages polling the occupancy block: platform calls made
    api = app.extensions["providers"].get("apds")
    calls = {"occupancy": 0, "all_places": 0}
    real_occupancy, real_all = api.occupancy, api.all_places
    api.occupancy = lambda place_id: calls.__setitem__("occupancy", calls["occupancy"] + 1) or real_occupancy(place_id)
    api.all_places = lambda **kw: calls.__setitem__("all_places", calls["all_places"] + 1) or real_all(**kw)
    with app.app_context():
        for place in db.session.query(ApdsPlace):
            place.occupancy_fetched_at = None  # every figure stale: the first poll must ask
        db.session.commit()
    started = time.perf_counter()
    for _ in range(1000):
        driver.get(f"/carparks/{ARNDALE}/occupancy", headers={"HX-Request": "true"})
    elapsed = (time.perf_counter() - started) * 1000
    print(f"{'1,000 occupancy polls of one place':<44} {elapsed / 1000:8.2f} ms each;"
          f" platform calls made: {calls['occupancy']} (cache {places.OCCUPANCY_TTL.total_seconds():.0f} s, shared)")
    for _ in range(100):
        driver.get("/carparks/", headers={"HX-Request": "true", "HX-Target": "place-list"})
    print(f"{'100 list refreshes (all places stale at first)':<44} platform calls made: {calls['all_places']}"
          " (one paged call per cache window, for every place at once)")
    api.occupancy, api.all_places = real_occupancy, real_all

    # the webhook receiver
    timings = []
    for _ in range(200):
        body = json.dumps({"eventId": str(uuid.uuid4()), "eventSubscriptionId": subscription_id,
                           "eventTime": "2026-11-27T10:00:00Z", "topic": "AssignedRightCreated",
                           "data": [{"id": str(uuid.uuid4()), "version": 1}]}).encode()
        headers = {"APDS-Signature": events.sign(body, secret), "Content-Type": "application/json"}
        started = time.perf_counter()
        answer = anonymous.post(events.RECEIVER_PATH, data=body, headers=headers)
        timings.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, answer.get_data(as_text=True)
    print(f"{'webhook receive (verify, dedupe, store)':<44} median {statistics.median(timings):8.1f} ms"
          f" ({statistics.median(timings) / baseline['median_ms']:6.1f}x)  p90 {sorted(timings)[179]:8.1f} ms")

    with app.app_context():
        template = db.session.get(ApdsPlace, ARNDALE)
        db.session.add_all(_synthetic_places(template, 5000 - demo_count))
        db.session.commit()
        total = db.session.query(ApdsPlace).count()
    report(f"car-park list, {total} places", measure(driver, "/carparks/?minutes=180", repeat=3), baseline)
    report(f"list search fragment, {total} places",
           measure(driver, "/carparks/?q=Bench+Car+Park+17&minutes=180",
                   headers={"HX-Request": "true", "HX-Target": "place-list"}, repeat=3), baseline)


if __name__ == "__main__":
    main()

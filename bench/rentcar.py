"""Rent-car figures: search latency over the 5 linked companies, and the API cost of one driver's journey.

The journey is search → filter (a second search with a fuel filter) → detail
(the quote) → reserve, as the use cases run it, against the embedded
sandbox. It runs twice in the same process: with the short-lived reuse of
availability answers off (``RENTCAR_REUSE_SECONDS=0``), then on (60 s), so
the saving is measured, not assumed. Costs are in API calls as seed 001 prices
them ("API 목록과 비용"), read back from the sandbox's own meter.

    .venv/bin/python bench/rentcar.py
"""

from __future__ import annotations

import logging
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._harness import temporary_app


def _sandbox_cost(app) -> dict[str, float]:
    sandbox = app.extensions["providers"].sandbox_app("rentcar")
    rows = sandbox.test_client().get("/_sandbox/cost").get_json()["rows"]
    costs: dict[str, float] = {}
    for row in rows:
        costs[row["cmd"]] = costs.get(row["cmd"], 0) + row["cost"]
    return costs


def journey(reuse_seconds: int) -> tuple[dict[str, float], float, list[float]]:
    """One driver's journey; returns (sandbox cost by cmd, our own meter's total, search times in ms)."""
    from webapp.accounts import users
    from webapp.core.clock import SEOUL, utcnow
    from webapp.extensions import db
    from webapp.rentcar import rentals
    from webapp.rentcar.models import RentcarApiCost
    from webapp.rentcar.pricing import Filters

    app = temporary_app(RENTCAR_REUSE_SECONDS=reuse_seconds)
    timings = []
    with app.app_context():
        user = users.register_user("bench@example.com", "bench password 1", "bench password 1")
        start = (utcnow().astimezone(SEOUL) + timedelta(days=14)).replace(hour=10, minute=0, second=0,
                                                                          microsecond=0)
        end = start + timedelta(days=3)
        for filters in (Filters(), Filters(fuels=frozenset({"전기"}))):  # search, then filter
            began = time.perf_counter()
            result = rentals.search_rentals(user.id, rentals.SearchCriteria(start, end, filters))
            timings.append((time.perf_counter() - began) * 1000)
        offer = result.groups[0].cheapest
        quote = rentals.quote_rental(user.id, offer.company_code, offer.mid, start, end)  # detail
        cover = quote.cover("option2") or quote.cover("none")
        request = rentals.ReserveRequest(
            company_code=offer.company_code, mid=offer.mid, start=start, end=end, cover=cover.key, extras=(),
            seen_car_fee=cover.car_fee, seen_insurance_fee=cover.insurance_fee, seen_extras_fee=0,
            model_name=offer.name, company_name=offer.company, min_age=offer.min_age, name="Bench", phone="010")
        booking = rentals.reserve_rental(user.id, request, "bench-key-1")
        assert booking.status.value == "reserved", booking.status
        ours = sum(row.units for row in db.session.query(RentcarApiCost)) / rentals.COST_UNITS
    return _sandbox_cost(app), ours, timings


def search_latency(repeat: int = 15) -> dict:
    """Median and p90 of a fresh search over all 5 companies (reuse off: every search asks them all)."""
    from webapp.accounts import users
    from webapp.core.clock import SEOUL, utcnow
    from webapp.rentcar import rentals

    app = temporary_app(RENTCAR_REUSE_SECONDS=0)
    timings = []
    with app.app_context():
        user = users.register_user("latency@example.com", "bench password 1", "bench password 1")
        base = (utcnow().astimezone(SEOUL) + timedelta(days=20)).replace(hour=10, minute=0, second=0, microsecond=0)
        rentals.search_rentals(user.id, rentals.SearchCriteria(base, base + timedelta(days=2)))  # warm
        for n in range(repeat):
            start = base + timedelta(hours=n % 8)
            began = time.perf_counter()
            result = rentals.search_rentals(user.id, rentals.SearchCriteria(start, start + timedelta(days=3)))
            timings.append((time.perf_counter() - began) * 1000)
    timings.sort()
    return {"median_ms": statistics.median(timings), "p90_ms": timings[int(len(timings) * 0.9) - 1],
            "offers": result.offers, "companies": len(result.companies)}


def main() -> None:
    logging.disable(logging.INFO)  # one line per provider call would drown the table
    latency = search_latency()
    print(f"search over {latency['companies']} companies ({latency['offers']} offers, in-process sandbox): "
          f"median {latency['median_ms']:.1f} ms, p90 {latency['p90_ms']:.1f} ms")
    print()
    print(f"{'journey: search → filter → detail → reserve':<48}{'without reuse':>16}{'with reuse (60 s)':>20}")
    without, ours_without, _ = journey(0)
    with_reuse, ours_with, _ = journey(60)
    for cmd in sorted(set(without) | set(with_reuse)):
        print(f"  {cmd:<46}{without.get(cmd, 0):>16.3f}{with_reuse.get(cmd, 0):>20.3f}")
    total_without, total_with = sum(without.values()), sum(with_reuse.values())
    print(f"  {'total API cost (calls), the server meter':<46}{total_without:>16.3f}{total_with:>20.3f}")
    print(f"  {'total API cost (calls), our own meter':<46}{ours_without:>16.3f}{ours_with:>20.3f}")
    print(f"  saving with reuse: {(1 - total_with / total_without) * 100:.0f} %")


if __name__ == "__main__":
    main()

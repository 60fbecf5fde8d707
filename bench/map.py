"""The "Find parking" map at the size of a real deployment, served by gunicorn, each figure beside a trivial page.

Issue 18's method: a throw-away database (a SQLite file, or with ``--database-url``/``DATABASE_URL`` a fresh
PostgreSQL database, dropped at the end) gets the schema by ``flask db upgrade`` and ``--places`` (10,000)
Helsinki areas, Seoul lots and APDS car parks each (``bench/_city.py``); gunicorn serves it with 2 sync
workers.

1. Headless Chromium (Debian's, as bench/assets.py) opens the map's views as a first-time visitor —
   ``/map`` (Helsinki), ``/map?focus=seoul``, ``/map?focus=apds`` and a street-level ``/map?at=…`` — at
   1280 × 800 and records what each costs over the wire (DevTools' transferred bytes, compressed bodies plus
   headers) and which layer requests the map script made for that view.
2. Each of those layer requests, the pages and the list under the map are then timed over HTTP beside the
   trivial page (``GET /login``) in alternating rounds (``bench/_server.py``): the median time and its ratio,
   the workers' CPU per request and its ratio, bytes raw and sent (brotli/gzip).
3. The layer requests again on a server whose answer cache is off (``MAP_LAYER_CACHE_ENTRIES=0``): what an
   answer costs to compute, i.e. the first request for a view after the layer's live data changed; then
   every request on a server that keeps nothing per stamp of a set of places either
   (``PLACE_SET_KEPT_ANSWERS=0``): the first request after a place was added, moved or renamed.

Goals (issue 18): every request within 3× the trivial page; /map's first load under 150 KB.

    .venv/bin/python bench/map.py [--places 10000] [--rounds 5] [--per-run 20]
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test .venv/bin/python bench/map.py
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._harness import throwaway_database
from bench._server import HEADER, Endpoint, app_environment, compare, migrate, serve

LIST = {"HX-Request": "true", "HX-Target": "place-list"}
#: the views a first-time visitor opens: (label, path)
VIEWS = [("/map", "/map"), ("/map?focus=seoul", "/map?focus=seoul"), ("/map?focus=apds", "/map?focus=apds"),
         ("street level (/map?at=)", "/map?at=60.1699,24.9384")]
GOAL_FIRST_KB = 150


def browse(base: str, verbose: bool = False) -> dict[str, tuple[float, list[str]]]:
    """Each view's first-load kilobytes and the layer requests (paths) the map script made for it."""
    from playwright.sync_api import sync_playwright

    from bench.assets import CHROMIUM, CHROMIUM_FLAGS, Visit

    found = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        try:
            for label, path in VIEWS:
                context = browser.new_context(viewport={"width": 1280, "height": 800})  # a fresh cache
                page = context.new_page()
                cdp = context.new_cdp_session(page)
                log = Visit(cdp)
                cdp.send("Network.enable")
                page.goto(base + path, wait_until="networkidle")
                sent = log.totals()[0]
                layers = [url.split(base, 1)[1] for url in log.urls.values() if "/map/layers/" in url]
                if verbose:
                    print(label, *log.lines(), sep="\n")
                found[label] = (sent / 1024, layers)
                context.close()
        finally:
            browser.close()
    return found


def _layer_name(path: str) -> str:
    return path.split("/map/layers/", 1)[1].split(".geojson", 1)[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--places", type=int, default=10_000, help="areas, lots and car parks, each (10,000)")
    parser.add_argument("--rounds", type=int, default=5, help="alternating pairs of runs per endpoint (5)")
    parser.add_argument("--per-run", type=int, default=20, help="requests per run (20)")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                        help="postgresql+psycopg://… : a throw-away database is created on that server")
    parser.add_argument("--no-browser", action="store_true", help="skip Chromium (layer requests of the demo "
                                                                   "views are then not known)")
    parser.add_argument("--no-cold", action="store_true", help="skip the layer requests with the answer cache off")
    parser.add_argument("-v", action="store_true", help="every request of every browser visit")
    args = parser.parse_args()

    import httpx

    from bench import _city
    from webapp import create_app
    from webapp.config import TestingConfig

    folder = Path(tempfile.mkdtemp(prefix="parkgo-bench-map-"))
    try:
        with throwaway_database(args.database_url, folder, "bench_map") as (database_url, label):
            env = app_environment(database_url, folder / "instance")
            migrate(env)
            app = create_app(TestingConfig({"INSTANCE_PATH": str(folder / "instance"), "DATABASE_URL": database_url,
                                            "LOG_LEVEL": "WARNING"}))
            _city.build(app, args.places, args.places, args.places)
            with app.app_context():
                from webapp.extensions import db

                db.engine.dispose()
            app.extensions["providers"].close()
            print(f"Map bench on {label}: {args.places:,} Helsinki areas, Seoul lots and APDS car parks each; "
                  f"gunicorn -w 2 (sync); {args.rounds} alternating rounds of {args.per_run} requests; "
                  f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
            with serve(env) as server:
                views = {} if args.no_browser else browse(server.base, args.v)
                for view, (kb, layers) in views.items():
                    print(f"first load of {view:<26} {kb:7.1f} KB  layer requests: {len(layers)}")
                if "/map" in views:
                    kb = views["/map"][0]
                    print(f"goal: /map first load < {GOAL_FIRST_KB} KB: {'met' if kb < GOAL_FIRST_KB else 'NOT met'}")
                endpoints = [Endpoint("/map (guest)", "/map"), Endpoint("/map?focus=seoul", "/map?focus=seoul"),
                             Endpoint("/map?focus=apds", "/map?focus=apds"),
                             Endpoint("list search (htmx), q=Testialue 17", "/map?focus=helsinki&q=Testialue+17",
                                      LIST),
                             Endpoint("list page 3 (htmx), seoul", "/map?focus=seoul&page=3", LIST)]
                seen = set()
                for view, (_kb, layers) in views.items():
                    for path in layers:
                        if path not in seen:
                            seen.add(path)
                            endpoints.append(Endpoint(f"{_layer_name(path)} layer, view of {view}", path))
                for key in ("helsinki", "seoul", "apds"):
                    endpoints.append(Endpoint(f"{key} layer, no view (whole layer)",
                                              f"/map/layers/{key}.geojson?lang=en"))
                with httpx.Client(timeout=120) as guest:
                    print(HEADER)
                    compare(server, {"guest": guest}, endpoints, Endpoint("trivial page (GET /login)", "/login"),
                            rounds=args.rounds, per_run=args.per_run)
            layers = [endpoint for endpoint in endpoints if "/map/layers/" in endpoint.path]
            if layers and not args.no_cold:
                # what an answer costs to compute, per worker: the first request after the layer's live data
                # changed (the answer cache off, webapp/maps/cache.py; counts and groups still kept per stamp
                # of the set), then the first after a place was added, moved or renamed (nothing kept at all)
                for title, target, measured, label in (
                        ("the same layer requests with the answer cache off (each answer computed after a change "
                         "of live data):", "webapp:create_app(MAP_LAYER_CACHE_ENTRIES=0)", layers, "computed"),
                        ("the pages and layer requests keeping nothing (each computed after a place changed):",
                         "webapp:create_app(MAP_LAYER_CACHE_ENTRIES=0, PLACE_SET_KEPT_ANSWERS=0)", endpoints,
                         "place changed")):
                    print(title)
                    with serve(env, target=target) as server, httpx.Client(timeout=120) as guest:
                        print(HEADER)
                        compare(server, {"guest": guest}, [Endpoint(f"{e.name} ({label})", e.path, e.headers)
                                                           for e in measured],
                                Endpoint("trivial page (GET /login)", "/login"), rounds=max(2, args.rounds // 2),
                                per_run=max(5, args.per_run // 2))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

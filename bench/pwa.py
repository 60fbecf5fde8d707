"""What the installable app costs: the service worker's cache per driver, and what it adds to a first visit.

The app (testing config, embedded sandboxes) is served on a loopback port and opened in headless Chromium
(Debian's, as in tests/browser), each time in a fresh persistent profile (an incognito context is never
installable). Bytes are counted at the server, around the app (response bodies as sent, compressed where
the browser accepts it; headers not counted), so that the worker's own requests — which the page's
DevTools network log does not see — are counted too.

1. First visit of the login page, without the worker (service workers blocked: the baseline, measured in
   the same run) and with it: the extra requests and bytes (``/sw.js``, the precache, the offline pages).
2. For drivers with N = 1, 5, 20 running or upcoming bookings (street parkings, valet bookings with their
   vouchers, rent-cars, car-park sessions, in turn, each booked through the feature's own use case
   against its sandbox): after the login, the worker fetches the list and every page on it; the private
   cache's entries and bytes (stored decoded), and what that fetch cost over the wire.

    .venv/bin/python bench/pwa.py
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._harness import temporary_app

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--no-first-run", "--disable-sync", "--disable-quic"]
PASSWORD = "bench-password-pwa"  # noqa: S105 - a throw-away account of a throw-away database
DRIVER_COUNTS = (1, 5, 20)
#: the private cache's kept pages: entries and their decoded bytes, read in the page
PRIVATE_CACHE_SIZE = """async () => {
  if (!(await caches.keys()).includes("parkgo-private")) return {entries: 0, bytes: 0};
  const cache = await caches.open("parkgo-private");
  let bytes = 0;
  const requests = await cache.keys();
  for (const request of requests) bytes += (await (await cache.match(request)).blob()).size;
  return {entries: requests.length, bytes};
}"""
STATIC_CACHE_SIZE = """async () => {
  let entries = 0, bytes = 0;
  for (const name of (await caches.keys()).filter((n) => n.startsWith("parkgo-static-"))) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      entries += 1;
      bytes += (await (await cache.match(request)).blob()).size;
    }
  }
  return {entries, bytes};
}"""


class Counting:
    """WSGI middleware: the requests that reached the app and the body bytes it sent, since ``reset``."""

    def __init__(self, app) -> None:
        self.app = app
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.requests: list[str] = []
            self.sizes: dict[int, int] = {}

    @property
    def bytes(self) -> int:
        return sum(self.sizes.values())

    def bytes_of(self, paths) -> int:
        """The body bytes of the requests for ``paths`` since ``reset``."""
        wanted = set(paths)
        return sum(self.sizes.get(n, 0) for n, path in enumerate(self.requests) if path in wanted)

    def __call__(self, environ, start_response):
        with self.lock:
            number = len(self.requests)
            self.requests.append(environ["PATH_INFO"])
        for chunk in self.app(environ, start_response):
            with self.lock:
                self.sizes[number] = self.sizes.get(number, 0) + len(chunk)
            yield chunk


def _serve(app):
    from werkzeug.serving import make_server

    counting = Counting(app.wsgi_app)
    app.wsgi_app = counting
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, counting


def _driver(app, email: str, count: int) -> list[str]:
    """A driver with ``count`` running or upcoming bookings, each made through its feature's use case."""
    from webapp.accounts import users as accounts
    from webapp.accounts import vehicles
    from webapp.apds import sessions as apds_sessions
    from webapp.core.clock import SEOUL
    from webapp.helsinki import areas as helsinki_areas
    from webapp.helsinki import parkings
    from webapp.rentcar import rentals
    from webapp.valet import reservations as valet
    from webapp.valet.pricing import ValetChoice

    driver = accounts.register_user(email, PASSWORD, PASSWORD, name="Bench Driver")
    accounts.update_profile(driver.id, "Bench Driver", "+358 40 123 4567", None)
    fi = vehicles.add_vehicle(driver.id, "FI", "ABC-123", make_default=True)
    gb = vehicles.add_vehicle(driver.id, "GB", "BD18 SMR")
    nl = vehicles.add_vehicle(driver.id, "NL", "97-KGT-1")
    area = next(a for a in helsinki_areas.list_areas() if (a.max_time_in_minutes or 0) >= 120)
    now = datetime.now(UTC)
    refs = []
    for n in range(count):
        key = f"bench-pwa-{count}-{n}"
        kind = n % 4
        if kind == 0:
            booking = parkings.start_parking(driver.id, area.area_id, fi.id, now + timedelta(minutes=90), key,
                                             contact_email=email, now=now, confirm_overlap=True)
        elif kind == 1:
            drop_off = now.replace(second=0, microsecond=0) + timedelta(days=3 + n)
            choice = ValetChoice(location="schiphol", service="valet", drop_off=drop_off,
                                 arrival=drop_off + timedelta(days=7), persons=2, payment="ideal")
            booking = valet.book_valet(driver.id, valet.ValetRequest(choice=choice, vehicle_id=nl.id, email=email),
                                       key, confirm_overlap=True)
        elif kind == 2:
            day = (now.astimezone(SEOUL) + timedelta(days=10 + n)).replace(hour=10, minute=0, second=0, microsecond=0)
            quote = rentals.quote_rental(None, "HALLA", 10101, day, day + timedelta(days=2))
            request = rentals.ReserveRequest(
                company_code="HALLA", mid=10101, start=day, end=day + timedelta(days=2), cover="option2", extras=(),
                seen_car_fee=quote.cover("option2").car_fee, seen_insurance_fee=0, seen_extras_fee=0,
                model_name="모닝", company_name="한라렌트카", min_age=21, name="Kim Minsu", phone="010-1234-5678",
                email=email, cutoff_hours=24, same_day_minutes=60)
            booking = rentals.reserve_rental(driver.id, request, key, confirm_overlap=True)
        else:
            booking = apds_sessions.start_session(driver.id, "805432", gb.id, 90, key, confirm_overlap=True)
        refs.append(booking.public_ref)
    return refs


def _context(playwright, folder: Path, workers: str):
    return playwright.chromium.launch_persistent_context(
        str(folder), executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS, service_workers=workers,
        viewport={"width": 390, "height": 844})


def _settle(counting: Counting, quiet: float = 0.8, timeout: float = 30) -> None:
    """Wait until no request has reached the server for ``quiet`` seconds (the worker's fetches done)."""
    deadline, seen, since = time.monotonic() + timeout, -1, time.monotonic()
    while time.monotonic() < deadline:
        now_seen = len(counting.requests)
        if now_seen != seen:
            seen, since = now_seen, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
        time.sleep(0.1)


def _first_visit(playwright, base: str, counting: Counting, workers: str) -> tuple[int, int, list[str]]:
    with tempfile.TemporaryDirectory() as folder:
        context = _context(playwright, Path(folder), workers)
        page = context.pages[0] if context.pages else context.new_page()
        counting.reset()
        page.goto(f"{base}/login", wait_until="networkidle")
        if workers == "allow":
            page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
        _settle(counting)
        figures = (len(counting.requests), counting.bytes, list(counting.requests))
        context.close()
    return figures


def _log_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("form button[type=submit]", has_text="Log in").click()
    page.wait_for_url(lambda url: "/login" not in url)


def main() -> int:
    if not os.path.exists(CHROMIUM):
        print(f"no Chromium at {CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)")
        return 1
    from playwright.sync_api import sync_playwright

    from webapp.apds import places as apds_places
    from webapp.extensions import db
    from webapp.helsinki import areas as helsinki_areas

    app = temporary_app()
    drivers = {}
    with app.app_context():
        helsinki_areas.sync_areas()
        apds_places.sync_places()
        for count in DRIVER_COUNTS:
            drivers[count] = (f"driver{count}@bench.example", _driver(app, f"driver{count}@bench.example", count))
        db.session.remove()
    server, counting = _serve(app)
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        with sync_playwright() as playwright:
            baseline = _first_visit(playwright, base, counting, "block")
            with_worker = _first_visit(playwright, base, counting, "allow")
            print("first visit of /login (a fresh profile), bytes of response bodies as sent:")
            print(f"  {'without the worker (baseline)':<34} {baseline[0]:3d} requests {baseline[1] / 1024:8.1f} KB")
            print(f"  {'with the worker':<34} {with_worker[0]:3d} requests {with_worker[1] / 1024:8.1f} KB")
            extra = [path for path in with_worker[2] if path not in baseline[2]] + \
                [path for path in with_worker[2] if path in baseline[2] and with_worker[2].count(path) >
                 baseline[2].count(path)]
            print(f"  {'added by the worker':<34} {with_worker[0] - baseline[0]:3d} requests "
                  f"{(with_worker[1] - baseline[1]) / 1024:8.1f} KB "
                  f"({(with_worker[1] / max(baseline[1], 1)):.1f}x the baseline): {', '.join(sorted(set(extra)))}")
            print()
            print(f"{'driver':<28} {'kept pages':>10} {'private cache':>14} {'per page':>9} {'fetched':>9}"
                  f" {'requests':>9} {'static cache':>13}")
            for count, (email, refs) in drivers.items():
                with tempfile.TemporaryDirectory() as folder:
                    context = _context(playwright, Path(folder), "allow")
                    page = context.pages[0] if context.pages else context.new_page()
                    page.goto(f"{base}/login")
                    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
                    _settle(counting)
                    counting.reset()
                    _log_in(page, base, email)
                    _settle(counting, quiet=1.5)
                    # the worker's part: the list and the pages on it (their assets are the static cache's)
                    listed = ["/offline/pages.json"] + [path for path in counting.requests if any(
                        ref in path for ref in refs)]
                    fetched = counting.bytes_of(listed)
                    requests = sum(1 for path in counting.requests if path in set(listed))
                    private = page.evaluate(PRIVATE_CACHE_SIZE)
                    static = page.evaluate(STATIC_CACHE_SIZE)
                    context.close()
                label = f"{count} running/upcoming"
                per_page = private["bytes"] / max(private["entries"], 1)
                print(f"{label:<28} {private['entries']:>10d} {private['bytes'] / 1024:11.1f} KB"
                      f" {per_page / 1024:6.1f} KB {fetched / 1024:6.1f} KB {requests:>9d}"
                      f" {static['bytes'] / 1024:10.1f} KB")
            print("(kept pages: a valet booking keeps two, its page and its voucher. private cache: the pages as"
                  " stored, decoded. fetched/requests: the list and its pages over the wire, compressed. static"
                  " cache: the precache plus every fingerprinted asset the pages used, the map's included)")
    finally:
        server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())

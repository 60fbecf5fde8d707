"""Underground without signal: after one online visit the service worker has kept the driver's running
parking, the valet voucher and the rental (fetched ahead, never opened on this phone), shows them offline
"as of" their time, refuses a form sent without signal (nothing reaches the server, nothing is replayed when
the signal returns), and forgets everything at logout. Chromium's installability check passes."""

from __future__ import annotations

import os
import re
import threading
import time
from collections import Counter

import pytest

from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS, open_menu, shot
from tests.conftest import DEFAULT_PASSWORD
from tests.web.journey_data import DRIVER_EMAIL, make_journey_data
from webapp.bookings.history import get_booking_for_user
from webapp.extensions import db

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

PRIVATE_CACHE = "parkgo-private"
#: the kept pages in the private cache (paths with their query), read in the page
KEPT = f"""async () => {{
  if (!(await caches.keys()).includes("{PRIVATE_CACHE}")) return [];
  const cache = await caches.open("{PRIVATE_CACHE}");
  return (await cache.keys()).map((request) => new URL(request.url).pathname + new URL(request.url).search);
}}"""


def _browser_fetch(url: str) -> bool:
    return "/manifest.webmanifest" in url or "/static/icons/" in url


@pytest.fixture
def phone(tmp_path):
    """A phone-sized page in a persistent Chromium profile: an incognito context (``browser.new_context``) is
    never installable ("in-incognito"), and a driver's phone is no incognito window either."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM} (CI installs Debian's chromium; `apt-get install chromium`)")
    playwright_sync = pytest.importorskip("playwright.sync_api")
    with playwright_sync.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS,
            viewport={"width": 360, "height": 780}, locale="en-GB", timezone_id="Europe/Helsinki",
            service_workers="allow")
        page = context.pages[0] if context.pages else context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        # a request of the page that fails (an asset not kept for offline use); the browser's own fetches of
        # the manifest and its icons (its installability check) do not go through the service worker
        page.on("requestfailed", lambda request: None if _browser_fetch(request.url)
                else errors.append(f"failed: {request.url}"))
        page.js_errors = errors
        yield page
        context.close()


@pytest.fixture
def journey(live_server):
    """The driver of tests/web/journey_data.py: a running Helsinki parking, an APDS session, a rent-car and an
    upcoming valet booking with its voucher, all made through the features' own use cases."""
    app = live_server.app
    with app.app_context():
        data = make_journey_data(app, seoul_lots=False)
        db.session.remove()
    return data


@pytest.fixture
def posts(live_server):
    """The POST requests that reach the server, by path."""
    seen: Counter = Counter()
    lock = threading.Lock()
    app = live_server.app
    inner = app.wsgi_app

    def counting(environ, start_response):
        if environ["REQUEST_METHOD"] == "POST":
            with lock:
                seen[environ["PATH_INFO"]] += 1
        return inner(environ, start_response)

    app.wsgi_app = counting
    yield seen
    app.wsgi_app = inner


def log_in(page, base: str, email: str = DRIVER_EMAIL) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/map"))


def wait_for_worker(page) -> None:
    """The worker is active and controls this page. A page whose navigation began while the worker was still
    installing (the login's redirect) stays uncontrolled (the worker's claim came before the page): the next
    page load, as a driver's next tap, is controlled."""
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    if not page.evaluate("() => navigator.serviceWorker.controller !== null"):
        page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15000)


def wait_for_kept(page, paths: list[str], timeout: float = 20) -> list[str]:
    """Poll the private cache until it holds every one of ``paths``; its contents then."""
    deadline = time.monotonic() + timeout
    while True:
        kept = page.evaluate(KEPT)
        if all(path in kept for path in paths) or time.monotonic() > deadline:
            return kept
        page.wait_for_timeout(200)


def booking_pages(data) -> dict[str, str]:
    refs = data.refs
    return {"parking": f"/parking/{refs['parkings']}", "apds": f"/carparks/sessions/{refs['apds']}",
            "rental": f"/rentals/{refs['rentals']}", "valet": f"/valet/{refs['valet']}",
            "voucher": f"/valet/{refs['valet']}/voucher"}


def test_booking_pages_are_readable_offline_and_forgotten_at_logout(live_server, phone, journey, posts):
    page, base = phone, live_server.url
    context = page.context
    page.set_viewport_size({"width": 360, "height": 780})
    log_in(page, base)
    wait_for_worker(page)

    # Chromium would offer to install the app: manifest, icons and worker pass its check
    cdp = context.new_cdp_session(page)
    assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["url"].endswith("/manifest.webmanifest?lang=en") and not manifest["errors"]

    # one online visit (the map after the login) is enough: the worker fetched the running and upcoming
    # bookings' pages itself, none of which was opened on this phone
    pages = booking_pages(journey)
    listed = page.evaluate("fetch('/offline/pages.json').then((response) => response.json())")["pages"]
    assert sorted(listed) == sorted(pages.values())
    kept = wait_for_kept(page, listed)
    assert sorted(kept) == sorted(listed), "only the listed pages, nothing else of the visit"
    done_ref = journey.refs["helsinki_done"]
    assert not any(done_ref in path for path in kept)

    context.set_offline(True)
    for name in ("parking", "voucher", "rental", "apds", "valet"):
        page.goto(base + pages[name])
        assert page.get_attribute("html", "data-offline-as-of"), name
        note = page.locator("[data-offline-note]")
        expect(note).to_be_visible()
        expect(note).to_contain_text(re.compile(r"You are offline\. This page is as of \d\d:\d\d\."))
        expect(note).to_contain_text("nothing is sent until you are back online")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{name} overflows by {overflow}px offline"
    # turning notifications on needs the network: the offer after a booking is not shown on a kept copy
    page.goto(base + pages["parking"])
    assert page.locator("[data-push-opt-in]").count() == 1
    expect(page.locator("[data-push-opt-in]")).to_be_hidden()
    # nor to install the app: the browser's offer (dispatched here, as Chromium would) is not shown
    page.evaluate("window.dispatchEvent(new Event('beforeinstallprompt'))")
    expect(page.locator("[data-install-offer]")).to_be_hidden()
    # the voucher's QR code and reservation number are there without signal
    page.goto(base + pages["voucher"])
    expect(page.locator("svg").first).to_be_visible()
    # the rent-car reservation shows where to pick the car up
    page.goto(base + pages["rental"])
    expect(page.locator("main")).to_contain_text(re.compile(r"\S"))
    shot(page, "offline-rental-en-360")

    # a form sent without signal is refused with a sentence, in view and focused; nothing is queued
    posts.clear()  # the login's
    page.goto(base + pages["parking"])
    with app_context(live_server):
        before = _booking_state(journey.refs["parkings"])
    page.get_by_role("button", name="Extend parking").click()
    refused = page.locator("[data-offline-refused]")
    expect(refused).to_be_visible()
    expect(refused).to_have_text("Not sent: you are offline. Try again when you are back online.")
    assert page.evaluate("document.activeElement.hasAttribute('data-offline-refused')")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Stop now").click()  # no "Stop the parking now?" question either
    expect(page.locator("#stop [data-offline-refused]")).to_be_visible()
    assert not dialogs
    shot(page, "offline-parking-refused-en-360")

    # back online: nothing is replayed
    context.set_offline(False)
    page.wait_for_timeout(1500)
    assert not posts, dict(posts)
    with app_context(live_server):
        assert _booking_state(journey.refs["parkings"]) == before

    # a page loaded online is no offline copy and shows no note; the install offer is shown there
    page.goto(base + pages["parking"])
    assert page.get_attribute("html", "data-offline-as-of") is None
    expect(page.locator("[data-offline-note]")).to_be_hidden()
    page.evaluate("window.dispatchEvent(new Event('beforeinstallprompt'))")
    expect(page.locator("[data-install-offer]")).to_be_visible()

    # logout: the kept pages go; the worker and its assets stay (Clear-Site-Data "cache" spares them)
    open_menu(page)
    assert page.locator("form[data-logout] input[name=push_endpoint]").count() == 1
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/login"))
    assert posts["/logout"] == 1
    assert page.evaluate(KEPT) == []
    assert page.evaluate("caches.keys().then((names) => names.some((name) => name.startsWith('parkgo-static-')))")
    assert page.evaluate("navigator.serviceWorker.getRegistration('/').then((registration) => !!registration)")
    # and offline after the logout, a booking page is not there any more
    context.set_offline(True)
    page.goto(base + pages["voucher"])
    expect(page.locator("h1")).to_have_text("You are offline")
    assert page.locator("svg").count() == 0
    context.set_offline(False)
    assert not page.js_errors, page.js_errors


def test_a_page_without_a_kept_copy_shows_the_offline_page_listing_what_is_kept(live_server, phone,
                                                                                 journey):
    page, base = phone, live_server.url
    page.set_viewport_size({"width": 360, "height": 780})
    log_in(page, base)
    wait_for_worker(page)
    pages = booking_pages(journey)
    wait_for_kept(page, list(pages.values()))
    page.context.set_offline(True)
    page.goto(f"{base}/bookings?source=pwa")  # the installed app's start page, never opened online
    expect(page.locator("h1")).to_have_text("You are offline")
    expect(page.locator("main")).to_contain_text("Finding parking, the map and new bookings need a connection.")
    kept = page.locator("[data-offline-kept-list] a")
    expect(kept).to_have_count(len(pages))
    links = sorted(kept.evaluate_all("(links) => links.map((link) => link.getAttribute('href'))"))
    assert links == sorted(pages.values())
    shot(page, "offline-page-en-360")
    kept.first.click()  # a kept page opens from the list
    assert page.get_attribute("html", "data-offline-as-of")
    page.context.set_offline(False)


def test_a_guest_page_forgets_the_kept_pages(live_server, phone, journey):
    page, base = phone, live_server.url
    log_in(page, base)
    wait_for_worker(page)
    wait_for_kept(page, list(booking_pages(journey).values()))
    # the session ends elsewhere (another tab logged out, the cookie expired): the next page is a guest's
    page.context.clear_cookies()
    page.goto(f"{base}/map")
    deadline = time.monotonic() + 10
    while page.evaluate(KEPT) and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert page.evaluate(KEPT) == []


class app_context:
    """``with app_context(live_server):`` the served app's context, its session removed afterwards."""

    def __init__(self, server):
        self.context = server.app.app_context()

    def __enter__(self):
        self.context.push()

    def __exit__(self, *exc):
        db.session.remove()
        self.context.pop()


def _booking_state(ref: str) -> tuple:
    booking = get_booking_for_user(_driver_id(), ref)
    return booking.status, booking.version, booking.ends_at


def _driver_id() -> int:
    from webapp.accounts.users import find_user_by_email

    return find_user_by_email(DRIVER_EMAIL).id

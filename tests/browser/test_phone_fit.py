"""Every page of every journey fits a 360 px phone in English, Finnish, Swedish and Korean.

A driver with demo-like data (a running street parking and a finished one, an APDS session, a
rent-car reservation, a valet booking, Seoul lots), an admin and a guest open every GET page of the app's
url_map (ids filled in from that data; files, JSON and webhooks are not pages) at 360×780 in each
language, switched with the page's own language menu. The document must be no wider than the
window (a wide table scrolls inside its own wrapper), and no attribute may read "None".
The widest pages are photographed at 360 and 1280 px into tests/browser/screenshots/.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS, open_menu, shot
from tests.conftest import DEFAULT_PASSWORD
from tests.web.journey_data import ADMIN_EMAIL, DRIVER_EMAIL, make_journey_data, page_urls

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 780}
DESKTOP = {"width": 1280, "height": 900}
LANGUAGES = ("en", "fi", "sv", "ko")

#: the document's width, the outermost elements that stick out of the window, and "None" attributes
MEASURE = """() => {
  const width = window.innerWidth;
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + (typeof el.className === "string" && el.className.trim()
       ? "." + el.className.trim().split(/\\s+/).join(".") : "");
  const over = [];
  if (document.documentElement.scrollWidth > width) {
    for (const el of document.body.querySelectorAll("*")) {
      const right = el.getBoundingClientRect().right;
      const parent = el.parentElement.getBoundingClientRect().right;
      if (right > width + 0.5 && parent <= width + 0.5) over.push(describe(el) + " → " + Math.round(right) + "px");
    }
  }
  const none = [];
  for (const el of document.querySelectorAll("*")) {
    for (const attribute of el.attributes) {
      if (attribute.value === "None") none.push(describe(el) + "[" + attribute.name + "]");
    }
  }
  // the widest content a wrapper scrolls sideways (a wide table; not the map's own panes): the pages to look at
  let content = 0;
  for (const el of document.body.querySelectorAll("*")) {
    const x = getComputedStyle(el).overflowX;
    const scrolls = (x === "auto" || x === "scroll") && !el.closest(".leaflet-container");
    if (scrolls) content = Math.max(content, el.scrollWidth);
  }
  return {scrollWidth: document.documentElement.scrollWidth, width, over: over.slice(0, 6), none, content};
}"""


@pytest.fixture
def phone(live_server):
    """One headless Chromium with one phone-sized context, reused for every page."""
    import os
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM}")
    playwright_sync = pytest.importorskip("playwright.sync_api")
    with playwright_sync.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        context = browser.new_context(viewport=PHONE, locale="en-GB")
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        context.close()
        browser.close()


def _switch_language(page, base: str, language: str) -> None:
    """The language menu of the page (it submits itself on change)."""
    if page.url == "about:blank":
        page.goto(f"{base}/login")
    if page.evaluate("document.documentElement.lang") == language:
        return
    open_menu(page)
    with page.expect_navigation():
        page.select_option("#language-select", language)
    assert page.evaluate("document.documentElement.lang") == language


def _log_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    with page.expect_navigation():
        page.click("form:has(input[name=password]) button[type=submit]")


def _visit(page, base: str, urls, language: str, found: dict, widths: dict) -> None:
    for url in urls:
        response = page.goto(base + url, wait_until="load")
        if response is None or "text/html" not in (response.headers.get("content-type") or ""):
            continue
        assert response.status < 500, f"{url} in {language}: {response.status}"
        measured = page.evaluate(MEASURE)
        widths[(url, language)] = max(measured["scrollWidth"], measured["content"])
        if measured["scrollWidth"] > measured["width"]:
            found[f"{url} [{language}] {measured['scrollWidth']}px"] = measured["over"]
        if measured["none"]:
            found[f"{url} [{language}] None"] = measured["none"]


def _photograph(page, base: str, widths: dict, who: str, reported: tuple = (), count: int = 3) -> None:
    """The pages with the widest content, and those once reported too wide, at 360 and 1280 px."""
    widest = [key for key, _width in sorted(widths.items(), key=lambda item: -item[1])[:count]]
    for url, language in widest + [key for key in reported if key not in widest]:
        _switch_language(page, base, language)
        page.goto(base + url)
        name = re.sub(r"[^a-z0-9]+", "-", url.lower()).strip("-") or "home"
        for label, viewport in (("360", PHONE), ("1280", DESKTOP)):
            page.set_viewport_size(viewport)
            shot(page, f"fit-{who}-{name}-{language}-{label}")
        page.set_viewport_size(PHONE)


def test_every_page_fits_a_phone_in_every_language(live_server, phone):
    app, base, page = live_server.app, live_server.url, phone
    with app.app_context():
        data = make_journey_data(app)
        driver_urls = page_urls(app, data, admin=False)
        admin_urls = page_urls(app, data, admin=True)
        guest_urls = page_urls(app, data, guest=True)
    found: dict[str, list] = {}
    widths: dict[str, dict] = {"guest": {}, "driver": {}, "admin": {}}
    for language in LANGUAGES:
        _switch_language(page, base, language)
        _visit(page, base, guest_urls, language, found, widths["guest"])
    for who, email, urls in (("driver", DRIVER_EMAIL, driver_urls), ("admin", ADMIN_EMAIL, admin_urls)):
        page.context.clear_cookies()
        _log_in(page, base, email)
        for language in LANGUAGES:
            _switch_language(page, base, language)
            _visit(page, base, urls, language, found, widths[who])
        reported = ((f"/parking/{data.refs['parkings']}", "fi"), (f"/parking/areas/{data.area_id}", "fi"),
                    (f"/seoul/lots/{data.lot_id}", "sv"), ("/bookings", "fi"),
                    (f"/rentals/{data.refs['rentals']}", "ko")) if who == "driver" \
            else (("/admin/seoul/keys", "fi"),)
        _photograph(page, base, widths[who], who, reported)
    visited = sum(len(w) for w in widths.values())
    assert visited >= 4 * (len(guest_urls) + 25), visited
    assert not found, "\n".join(f"{where}: {what}" for where, what in found.items())

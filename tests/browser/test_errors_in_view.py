"""After a refused submit the error is in view: on a 360 px phone, each provider's booking form submitted
empty comes back with its error summary focused and on screen (issue 17: the valet error was 3,066 px
down the page, and the focus on <body>)."""

from __future__ import annotations

import os
import re
from datetime import timedelta

import pytest

from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS, shot
from tests.conftest import DEFAULT_PASSWORD
from tests.web.journey_data import ARNDALE, DRIVER_EMAIL, make_journey_data
from webapp.core.clock import SEOUL, utcnow
from webapp.extensions import db

pytestmark = pytest.mark.browser

#: (name, page, the form's CSS selector) for each provider that books
FORMS = [
    ("helsinki", "/parking/areas/{area_id}", "#start-form"),
    ("apds", f"/carparks/{ARNDALE}", f"form[action='/carparks/{ARNDALE}/register']"),
    ("rentcar", None, "#reserve-form"),
    ("valet", "/valet/", "#valet-form"),
]

CLEAR_AND_SUBMIT = """(selector) => {
  const form = document.querySelector(selector);
  for (const field of form.querySelectorAll("input, select, textarea")) {
    field.removeAttribute("required");
    if (field.type === "hidden" || field.type === "submit") continue;
    if (field.type === "checkbox" || field.type === "radio") { field.checked = false; continue; }
    if (field.tagName === "SELECT") { field.selectedIndex = -1; continue; }
    field.value = "";
  }
  form.noValidate = true;
  const button = form.querySelector("button[type=submit]:not([formaction]), input[type=submit]");
  button.click();
}"""


@pytest.fixture
def phone_page():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM}")
    playwright_sync = pytest.importorskip("playwright.sync_api")
    with playwright_sync.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        context = browser.new_context(viewport={"width": 360, "height": 740})
        page = context.new_page()
        page.set_default_timeout(20_000)
        yield page
        context.close()
        browser.close()


def test_each_providers_refused_form_puts_its_errors_in_view(live_server, phone_page):
    with live_server.app.app_context():
        journey = make_journey_data(live_server.app, seoul_lots=False)
        db.session.remove()
    page, base = phone_page, live_server.url
    page.goto(f"{base}/login")
    page.fill("input[name=email]", DRIVER_EMAIL)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    with page.expect_navigation():
        page.click("form:has(input[name=password]) button[type=submit]")
    for name, path, selector in FORMS:
        if name == "rentcar":
            pickup = (utcnow().astimezone(SEOUL) + timedelta(days=12)).replace(hour=10, minute=0, second=0,
                                                                               microsecond=0)
            page.goto(f"{base}/rentals/")
            page.get_by_label("Where").select_option("jeju")
            page.get_by_label("Pick-up (Korean time)").fill(f"{pickup:%Y-%m-%dT%H:%M}")
            page.get_by_label("Return (Korean time)").fill(f"{pickup + timedelta(days=3):%Y-%m-%dT%H:%M}")
            page.get_by_role("button", name="Search cars").click()
            page.locator(".rentcar-model a[href*='/rentals/cars/']").first.click()
            page.wait_for_url(re.compile(r"/rentals/cars/"))
        else:
            page.goto(base + path.format(area_id=journey.area_id))
        page.locator(selector).wait_for()
        page.evaluate(CLEAR_AND_SUBMIT, selector)
        page.locator("[data-error-summary]").first.wait_for()
        page.wait_for_load_state()
        page.wait_for_timeout(300)  # htmx settles the swapped form
        focused = page.evaluate("""() => {
            const el = document.activeElement;
            const box = el.getBoundingClientRect();
            return {summary: el.hasAttribute("data-error-summary"), top: box.top, bottom: box.bottom,
                    text: el.innerText, height: window.innerHeight};
        }""")
        shot(page, f"errors-in-view-{name}")
        assert focused["summary"], (name, focused)
        assert 0 <= focused["top"] < focused["height"], (name, focused)
        assert focused["text"].strip(), name

"""The phone header: one line (brand and a menu button) at 360×740 in every language, and a menu that
opens, closes with Escape and can be used by keyboard; a running parking's banner stays one line."""

from __future__ import annotations

import os
import re
from datetime import timedelta

import pytest

from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS, shot
from tests.conftest import DEFAULT_PASSWORD
from webapp.core.clock import utcnow

pytestmark = pytest.mark.browser

LANGUAGES = ("en", "fi", "sv", "ko")
#: one line of a 44 px button and its padding; the old wrapping navigation took 188-272 px
ONE_LINE = 64


@pytest.fixture
def phone_page():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM}")
    playwright_sync = pytest.importorskip("playwright.sync_api")
    with playwright_sync.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        context = browser.new_context(viewport={"width": 360, "height": 740})
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        context.close()
        browser.close()


def test_the_header_is_one_line_with_a_menu_button_in_every_language(live_server, phone_page, make_booking):
    page, base = phone_page, live_server.url
    with live_server.app.app_context():
        from webapp.accounts import users as accounts
        driver = accounts.register_user("header@example.com", DEFAULT_PASSWORD, DEFAULT_PASSWORD)
        now = utcnow()
        for plate in ("ABC-123", "XYZ-987"):  # two running parkings: the banner must not grow a line each
            make_booking(driver, plate=plate, title="Kamppi, Fredrikinkatu, a long street name for a phone",
                         starts_at=now - timedelta(minutes=5), ends_at=now + timedelta(hours=2))
    page.goto(f"{base}/login")
    page.fill("input[name=email]", "header@example.com")
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    with page.expect_navigation():
        page.click("form:has(input[name=password]) button[type=submit]")
    heights = {}
    for language in LANGUAGES:
        page.goto(f"{base}/bookings")
        toggle = page.locator(".menu-toggle")
        if page.evaluate("document.documentElement.lang") != language:
            toggle.click()
            with page.expect_navigation():
                page.select_option("#language-select", language)
        assert page.locator("#site-menu").is_hidden()
        shot(page, f"phone-header-{language}")
        heights[language] = page.evaluate("document.querySelector('.site-header').getBoundingClientRect().height")
        banner = page.evaluate("document.querySelector('.session-banner').getBoundingClientRect().height")
        assert heights[language] <= ONE_LINE, heights
        assert banner <= 2 * 40 + 12, (language, banner)  # one pill per running parking, each one line
        pill = page.locator(".session-pill").first.inner_text()
        assert re.match(r"\S+\s+\D*\d{1,2}[.:]\d{2}", pill), pill  # the plate, then the end time, then the place

        toggle.focus()
        page.keyboard.press("Enter")
        assert toggle.get_attribute("aria-expanded") == "true"
        assert page.locator("#site-menu nav a").first.is_visible()
        page.keyboard.press("Escape")
        assert toggle.get_attribute("aria-expanded") == "false"
        assert page.evaluate("document.activeElement.classList.contains('menu-toggle')")
    print("header height at 360 px:", heights)


def test_without_javascript_the_menu_stays_open(live_server):
    page = live_server.app.test_client().get("/map").get_data(as_text=True)
    # the button is hidden until the script shows it; the menu has no "hidden" of its own
    assert 'class="menu-toggle" aria-expanded="false" aria-controls="site-menu" hidden' in page
    assert 'class="site-menu" id="site-menu">' in page

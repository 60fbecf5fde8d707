"""A newcomer's first visit: register → log in → add a vehicle → map → empty history."""

import re

import pytest

from tests.browser.conftest import shot

pytestmark = pytest.mark.browser


def test_register_login_add_vehicle_map_and_empty_history(live_server, browser_page):
    page = browser_page
    base = live_server.url

    page.goto(f"{base}/register")
    page.get_by_label("Email").fill("new.driver@example.com")
    page.get_by_label("Password (at least 10 characters)").fill("a long password")
    page.get_by_label("Repeat the password").fill("a long password")
    shot(page, "01-register")
    page.get_by_role("button", name="Create account").click()
    # the sign-up answers alike for new and taken addresses (issue 11): the new driver logs in next
    page.wait_for_url(re.compile(r"/login"))
    page.get_by_label("Email").fill("new.driver@example.com")
    page.get_by_label("Password", exact=True).fill("a long password")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/map"))
    page.goto(f"{base}/vehicles")

    # a bad plate first: the form comes back (through htmx) with the typed value and a message
    page.get_by_label("Country of registration").select_option("FI")
    page.get_by_label("Licence plate").fill("ABCD-12345")
    page.get_by_role("button", name="Add vehicle").click()
    error = page.locator(".error-message")
    error.wait_for()
    assert "not a valid" in error.inner_text()
    assert page.get_by_label("Licence plate").input_value() == "ABCD-12345"
    shot(page, "02-vehicle-error")

    page.get_by_label("Licence plate").fill("abc123")
    page.get_by_label("Name (optional, e.g. “Family car”)").fill("Family car")
    page.get_by_role("button", name="Add vehicle").click()
    page.locator("#vehicle-list").wait_for()
    assert "ABC-123" in page.locator("#vehicle-list").inner_text()
    shot(page, "03-vehicles")

    page.get_by_role("link", name="Find parking").first.click()
    page.wait_for_url(re.compile(r"/map"))
    page.locator(".leaflet-container").wait_for()
    assert page.evaluate("typeof L") == "object"  # Leaflet came from our own origin
    shot(page, "04-map")

    page.get_by_role("link", name="My bookings").click()
    page.wait_for_url(re.compile(r"/bookings$"))
    assert "No bookings yet" in page.locator("main").inner_text()
    shot(page, "05-empty-history")

    assert not [e for e in page.js_errors if "Content Security Policy" in e or "Refused" in e], page.js_errors

"""A newcomer's first visit: register → log in → add a vehicle → map → empty history."""

import re

import pytest

from tests.browser.conftest import open_menu, shot

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

    open_menu(page)
    page.get_by_role("link", name="Find parking").first.click()
    page.wait_for_url(re.compile(r"/map"))
    page.locator(".leaflet-container").wait_for()
    assert page.evaluate("typeof L") == "object"  # Leaflet came from our own origin
    shot(page, "04-map")

    open_menu(page)
    page.get_by_role("link", name="My bookings").click()
    page.wait_for_url(re.compile(r"/bookings$"))
    assert "No bookings yet" in page.locator("main").inner_text()
    shot(page, "05-empty-history")

    assert not [e for e in page.js_errors if "Content Security Policy" in e or "Refused" in e], page.js_errors


def test_a_guest_sees_the_map_and_prices_and_is_asked_to_sign_in_only_to_book(live_server, browser_page):
    from webapp.accounts import users as accounts
    from webapp.accounts.vehicles import add_vehicle

    page = browser_page
    base = live_server.url
    with live_server.app.app_context():
        driver = accounts.register_user("guest.later@example.com", "a long password", "a long password")
        add_vehicle(driver.id, "FI", "ABC-123")

    page.goto(f"{base}/")
    page.wait_for_url(re.compile(r"/map"))  # the map, not a warning-coloured "Please log in"
    page.locator(".leaflet-container").wait_for()
    assert "/login" not in page.url and not page.locator(".flash").count()
    assert page.locator("link[rel=icon]").count() == 1
    place = page.locator("#place-list a[href*='/parking/areas/']").first
    place.wait_for()
    shot(page, "06-guest-map")
    place.click()
    page.wait_for_url(re.compile(r"/parking/areas/[^/?]+$"))
    area_path = page.url.removeprefix(base)
    preview = page.locator("#price-preview")
    assert "€" in preview.inner_text()  # the price without an account
    shot(page, "07-guest-price")

    choice = page.locator("input[name=duration]:not(:checked)").first
    chosen = choice.get_attribute("value")
    choice.check()
    page.get_by_role("button", name="Start parking").click()
    page.wait_for_url(re.compile(r"/login\?next="))
    note = page.locator(".flash-info")
    assert "to book" in note.inner_text()
    assert note.evaluate("e => getComputedStyle(e).backgroundColor") != "rgb(255, 247, 230)"  # not the warning
    shot(page, "08-guest-asked-to-sign-in")
    page.get_by_label("Email").fill("guest.later@example.com")
    page.get_by_label("Password", exact=True).fill("a long password")
    page.get_by_role("button", name="Log in").click()
    # back at the form (its fields kept on the server while the guest logged in), now able to park
    page.wait_for_url(re.compile(re.escape(f"{base}{area_path}") + r"(/quote)?(\?.*)?$"))
    assert page.get_by_role("button", name="Start parking").is_visible()
    assert page.locator(f"input[name=duration][value='{chosen}']").is_checked()  # with the guest's choice
    assert not [e for e in page.js_errors if "Content Security Policy" in e or "Refused" in e], page.js_errors

"""A driver parks on a Helsinki street: find an area by code → preview → start → extend → stop."""

import re

import pytest

from tests.browser.conftest import shot
from tests.conftest import DEFAULT_PASSWORD
from webapp.accounts import users as accounts
from webapp.accounts import vehicles
from webapp.helsinki import areas as helsinki_areas

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect


@pytest.fixture
def parked_driver(live_server):
    with live_server.app.app_context():
        user = accounts.register_user("parker@example.com", DEFAULT_PASSWORD, DEFAULT_PASSWORD)
        vehicles.add_vehicle(user.id, "FI", "XYZ-789", "Work car")
        helsinki_areas.sync_areas()
        area = next(a for a in helsinki_areas.list_areas() if (a.max_time_in_minutes or 0) >= 240)
        return {"email": user.email, "area_id": area.area_id}


def test_find_area_by_code_preview_start_extend_stop(business_hours, live_server, browser_page, parked_driver):
    page, base = browser_page, live_server.url
    page.clock.install(time=business_hours)  # a weekday's tariff: an extension has a price (the browser's too)
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(parked_driver["email"])
    page.get_by_label("Password", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/map"))

    # a driver who knows the area code types it instead of using the map
    page.get_by_label("Search by name, street or area code").fill(parked_driver["area_id"])
    # htmx swaps in the filtered list after a short pause in typing
    expect(page.locator("#place-list li.place")).to_have_count(1)
    listed = page.locator(f'#place-list a[href="/parking/areas/{parked_driver["area_id"]}"]')
    shot(page, "10-find-by-code")
    listed.click()
    page.wait_for_url(re.compile(r"/parking/areas/"))

    # the price preview follows the chosen duration before anything is booked
    page.locator("label.chip", has_text="2 h").click()
    expect(page.locator("#price-preview")).to_contain_text("2 h")
    assert "Price" in page.locator("#price-preview").inner_text()
    shot(page, "11-price-preview")
    page.get_by_role("button", name="Start parking").click()
    page.wait_for_url(re.compile(r"/parking/HP-"))
    assert "Parking started" in page.locator("#flash-area").inner_text()
    assert page.locator(".session-banner").count() == 1
    assert page.get_by_role("button", name="Cancel parking").is_visible()
    shot(page, "12-session")

    # extend: the difference is shown first
    end = page.get_by_label("New end time")
    current = end.input_value()
    later = current[:11] + f"{(int(current[11:13]) + 1) % 24:02d}" + current[13:]
    end.fill(later)
    end.dispatch_event("change")
    expect(page.locator("#extension-preview")).to_contain_text("to pay now")
    shot(page, "13-extend-preview")
    page.get_by_role("button", name="Extend parking").click()
    expect(page.locator("#flash-area")).to_contain_text("extended")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Stop now").click()
    expect(page.locator("#flash-area")).to_contain_text("Parking stopped")
    assert "Completed" in page.locator("#session-status").inner_text()
    assert page.locator(".session-banner").count() == 0
    shot(page, "14-stopped")
    assert not [e for e in page.js_errors if "Content Security Policy" in e or "Refused" in e], page.js_errors

"""A driver rents a car on Jeju: search 3 days → electric → full cover and a child seat → change the return → cancel.

Screenshots at 1280 px and 360 px wide at each step (tests/browser/screenshots/rentcar-*.png).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.browser.conftest import open_menu, shot
from tests.conftest import DEFAULT_PASSWORD
from webapp.accounts import users as accounts
from webapp.core.clock import SEOUL, utcnow

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

WIDTHS = (1280, 360)


def _shots(page, name: str) -> None:
    """The same step at desktop and phone width; the page never scrolls sideways."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{name} at {width} px is {overflow} px too wide"
        shot(page, f"rentcar-{name}-{width}")


@pytest.fixture
def renter(live_server):
    with live_server.app.app_context():
        user = accounts.register_user("renter@example.com", DEFAULT_PASSWORD, DEFAULT_PASSWORD)
        accounts.update_profile(user.id, "Kim Minsu", "010-1234-5678", None)
        return {"email": user.email}


def test_jeju_three_days_electric_full_cover_child_seat_change_cancel(live_server, browser_page, renter):
    page, base = browser_page, live_server.url
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(renter["email"])
    page.get_by_label("Password", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/map"))

    open_menu(page)
    page.get_by_role("link", name="Rent a car").click()
    page.wait_for_url(re.compile(r"/rentals/"))
    pickup = (utcnow().astimezone(SEOUL) + timedelta(days=12)).replace(hour=10, minute=0, second=0, microsecond=0)
    page.get_by_label("Where").select_option("jeju")
    page.get_by_label("Pick-up (Korean time)").fill(f"{pickup:%Y-%m-%dT%H:%M}")
    page.get_by_label("Return (Korean time)").fill(f"{pickup + timedelta(days=3):%Y-%m-%dT%H:%M}")
    _shots(page, "01-search")
    page.get_by_role("button", name="Search cars").click()
    expect(page.locator("#rentcar-results")).to_be_visible()
    assert page.locator(".rentcar-model").count() >= 8
    _shots(page, "02-results")

    # filter: electric only
    page.locator("details.rentcar-filters summary").click()
    page.locator("label.chip", has_text="Electric").click()
    page.get_by_role("button", name="Search cars").click()
    expect(page.locator("#rentcar-results")).to_contain_text("아이오닉5")
    assert "모닝" not in page.locator("#rentcar-results").inner_text()
    _shots(page, "03-electric")

    # the cheapest Ioniq 5 → full cover and a child seat
    ioniq = page.locator(".rentcar-model", has_text="아이오닉5")
    ioniq.get_by_role("link", name="Choose").first.click()
    page.wait_for_url(re.compile(r"/rentals/cars/"))
    assert page.get_by_label("Driver's name").input_value() == "Kim Minsu"  # from the profile
    page.locator("label", has_text="완전자차").first.click()
    before = page.locator("#price-total").inner_text()
    page.locator(".rentcar-extras label", has_text="infant seat").click()  # 카시트 · 유아용 (0~4세), in English
    expect(page.locator("#price-total")).not_to_have_text(before)  # the total follows the ticks (htmx)
    page.get_by_label("Driver's age").fill("34")
    _shots(page, "04-detail")
    page.get_by_role("button", name="Reserve").click()
    page.wait_for_url(re.compile(r"/rentals/RC-"))
    expect(page.locator("#rental-summary")).to_contain_text("Reserved")
    expect(page.locator("#deadline")).to_contain_text("Free change or cancellation until")
    assert "완전자차" in page.locator("#rental-summary").inner_text()
    assert "카시트" in page.locator("#rental-summary").inner_text()  # the Korean beside "Child seat" for the counter
    assert "Child seat · infant seat, ages 0–4" in page.locator("#rental-summary").inner_text()
    _shots(page, "05-confirmation")

    # change the return day: one day later, the new price first
    page.get_by_label("New return (Korean time)").fill(f"{pickup + timedelta(days=4):%Y-%m-%dT%H:%M}")
    page.get_by_role("button", name="See the new price").click()
    expect(page.locator("#change-preview")).to_contain_text("New total")
    _shots(page, "06-change-preview")
    page.get_by_role("button", name="Confirm the change").click()
    page.wait_for_url(re.compile(r"/rentals/RC-"))
    expect(page.locator("#flash-area")).to_contain_text("Your rental was changed.")

    # cancel with a reason
    page.get_by_label("Reason (optional)").fill("Flight moved")
    page.get_by_role("button", name="Cancel the rental").click()
    expect(page.locator("#flash-area")).to_contain_text("Your rental was cancelled.")
    expect(page.locator("#rental-summary")).to_contain_text("Cancelled")
    _shots(page, "07-cancelled")
    # the site has no favicon yet (a 404 the browser logs as "Failed to load resource"); no script failed
    # a request superseded by the next tick (hx-sync="this:replace") is aborted by design; htmx logs that pair
    aborted = any(e.startswith("htmx:sendAbort") for e in page.js_errors)
    assert not [e for e in page.js_errors if not e.startswith("Failed to load resource")
                and not (aborted and e.startswith(("htmx:sendAbort", "htmx:afterRequest")))]

"""A driver in Seoul: log in → map → find a lot in the list → lot page (free spaces, floors, chart) → price."""

import re

import pytest

from tests.browser.conftest import shot
from webapp.accounts import users as accounts
from webapp.seoul.operator import feed as seoul_feed

pytestmark = pytest.mark.browser

PASSWORD = "a long password"


def test_find_a_seoul_lot_and_price_a_stay(live_server, browser_page):
    from playwright.sync_api import expect  # the browser_page fixture skipped already if it is missing

    page = browser_page
    base = live_server.url
    with live_server.app.app_context():
        accounts.register_user("seoul.driver@example.com", PASSWORD, PASSWORD)
        # the demo operator's lots, registered through ParklandWRT.svc with 6 hours of history
        assert seoul_feed.load_demo(history_hours=6, history_step=30) >= 30

    page.goto(f"{base}/login")
    page.get_by_label("Email").fill("seoul.driver@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/map"))

    page.goto(f"{base}/map?focus=seoul")
    page.locator(".leaflet-container").wait_for()
    # the lots come from the layer's GeoJSON endpoint (map.js marks the count it drew)
    page.locator("#map[data-loadedseoul]").wait_for(state="attached")
    assert page.locator("#map").get_attribute("data-loadedseoul") == "36"
    assert page.locator("#place-list li").count() == 25  # the first page of the Seoul tab
    assert "1–25 of 36" in page.locator("#place-list").inner_text()
    page.get_by_label("Search by name, street or area code").fill("세종로")
    # htmx swaps in the matching places only
    expect(page.locator("#place-list li")).to_have_count(1)
    lot_link = page.locator("#place-list").get_by_role("link", name="Sejong-ro public car park")
    shot(page, "seoul-01-map-search")
    lot_link.click()
    page.wait_for_url(re.compile(r"/seoul/lots/\d+$"))

    live = page.locator("#live-figures")
    assert re.search(r"\d+ of 124 free", live.inner_text())
    assert page.locator(".space-grid").count() == 2 and page.locator(".space-grid li").count() == 124
    assert page.locator("svg.occupancy-chart polyline").count() == 1
    assert "Cars parked over the last 24 hours" in page.locator("svg.occupancy-chart title").text_content()
    shot(page, "seoul-02-lot")

    quote = page.locator("#price-quote")
    assert "2 hrs: ₩12,000" in quote.inner_text()  # location class 1: ₩1,000/10 mins, then ₩500/5 mins
    page.get_by_label("Hours", exact=True).fill("0")
    page.get_by_label("Minutes", exact=True).fill("30")
    expect(quote).to_contain_text("30 mins: ₩3,000")
    page.get_by_label("Discount", exact=True).select_option("disabled")
    expect(quote).to_contain_text("30 mins: ₩600")
    # htmx swapped the price without a reload, and the address keeps the stay (a login brings it back)
    assert "minutes=30" in page.url and "#price" not in page.url
    page.locator("#price").scroll_into_view_if_needed()
    shot(page, "seoul-03-price")

    assert not [e for e in page.js_errors if "Content Security Policy" in e or "Refused" in e], page.js_errors

"""The install offer: Chromium offers to install the app (beforeinstallprompt), the app holds the offer back
and shows it only where a page has a place for it — a booking's page, after booking — never on the first
screen; "Not now" is remembered for 30 days."""

from __future__ import annotations

import pytest

from tests.browser.test_offline import booking_pages, journey, log_in, phone, wait_for_worker  # noqa: F401

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect


def test_install_offer_appears_after_a_booking_and_not_now_is_remembered(live_server, phone, journey):  # noqa: F811
    page, base = phone, live_server.url
    page.goto(f"{base}/map")  # the first screen: no offer, whatever the browser offers
    assert page.locator("[data-install-offer]").count() == 0
    log_in(page, base)
    wait_for_worker(page)
    parking = booking_pages(journey)["parking"]
    page.goto(base + parking)
    offer = page.locator("[data-install-offer]")
    expect(offer).to_be_visible(timeout=15000)  # Chromium found the app installable and offered it
    expect(offer.locator("[data-install-button]")).to_be_visible()  # its own prompt: no Share-menu steps
    expect(offer.locator("[data-install-how]")).to_be_hidden()
    # "Not now": hidden, and still hidden on the next booking page
    offer.locator("[data-install-dismiss]").click()
    expect(offer).to_be_hidden()
    dismissed_at = page.evaluate("Number(localStorage.getItem('parkgo.installDismissedAt'))")
    assert dismissed_at > 0
    page.goto(base + booking_pages(journey)["rental"])
    page.wait_for_timeout(1500)  # time for the browser's offer, which must stay unused
    expect(page.locator("[data-install-offer]")).to_be_hidden()
    # 31 days later the offer may come back
    page.evaluate(f"localStorage.setItem('parkgo.installDismissedAt', String({dismissed_at} - 31 * 86400000))")
    page.goto(base + parking)
    expect(page.locator("[data-install-offer]")).to_be_visible(timeout=15000)


def test_safari_on_an_iphone_is_told_how_to_add_the_app(live_server, phone, journey):  # noqa: F811
    """Safari has no install prompt; it alone has ``navigator.standalone`` (false in the browser): the offer
    says how to add the app from the Share menu, without a button that could do nothing."""
    page, base = phone, live_server.url
    page.add_init_script("Object.defineProperty(navigator, 'standalone', {get: () => false})")
    log_in(page, base)
    page.goto(base + booking_pages(journey)["parking"])
    offer = page.locator("[data-install-offer]")
    expect(offer).to_be_visible()
    expect(offer).to_contain_text("tap Share, then Add to Home Screen")
    expect(offer.locator("[data-install-button]")).to_be_hidden()
    page.goto(f"{base}/map")  # never on the first screen
    assert page.locator("[data-install-offer]").count() == 0

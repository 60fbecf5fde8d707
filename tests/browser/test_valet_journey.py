"""A traveller books Schiphol valet: quote with a wash → book with a discount code → change the return
flight → cancel → open the voucher; screenshots at 1280 and 360 px wide."""

import re

import pytest

from tests.browser.conftest import open_menu, shot
from tests.conftest import DEFAULT_PASSWORD
from webapp.accounts import users as accounts
from webapp.accounts import vehicles

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 360, "height": 800}}


@pytest.fixture
def traveller(live_server):
    with live_server.app.app_context():
        user = accounts.register_user("traveller@example.com", DEFAULT_PASSWORD, DEFAULT_PASSWORD)
        accounts.update_profile(user.id, "Anna de Vries", "0612345678", None)
        vehicles.add_vehicle(user.id, "NL", "97-KGT-1", "Opel Astra, black")
        return user.email


def shots(page, name: str) -> None:
    """The page at both widths, with nothing wider than the window."""
    for label, size in WIDTHS.items():
        page.set_viewport_size(size)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{name} overflows by {overflow}px at {size['width']}px"
        shot(page, f"valet-{name}-{label}")
    page.set_viewport_size(WIDTHS["phone"])


def test_quote_book_change_cancel_voucher(live_server, browser_page, traveller):
    page, base = browser_page, live_server.url
    page.set_viewport_size(WIDTHS["phone"])
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(traveller)
    page.get_by_label("Password", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/map"))

    open_menu(page)
    page.get_by_role("link", name="Airport valet").click()
    page.wait_for_url(re.compile(r"/valet/$"))
    # quote Schiphol valet with a wash: the price follows the options
    page.get_by_label("Where").select_option("schiphol")
    page.locator("label.service-option", has_text="Valet out").locator("input").check()
    page.locator("label.service-option", has_text=re.compile(r"^\s*Valet\s+A driver")).locator("input").check()
    page.locator("label.chip", has_text="Car wash: inside and outside").click()
    expect(page.locator("#price-quote")).to_contain_text("Car wash")
    # an invalid combination is explained beside the option before anything is sent
    page.get_by_label("Indoor parking").check()
    expect(page.locator("#indoor-rule")).to_contain_text("only possible with the shuttle")
    shots(page, "01-quote-rule")
    page.get_by_label("Indoor parking").uncheck()
    expect(page.locator("#indoor-rule")).to_be_empty()
    page.get_by_label("Departure flight number").fill("HV 123")
    page.get_by_label("Return flight number").fill("HV 456")
    page.get_by_label("Discount code").fill("WELKOM10")
    expect(page.locator("#price-quote")).to_contain_text("WELKOM10")
    shots(page, "02-quote")

    page.get_by_role("button", name="Book with 247Parking").click()
    page.wait_for_url(re.compile(r"/valet/VP-"))
    expect(page.locator("#flash-area")).to_contain_text("Reserved with 247Parking")
    number = page.locator(".resnr").inner_text()
    assert re.fullmatch(r"S\d{6}", number)
    shots(page, "03-confirmation")

    # change the return flight: the difference is shown before confirming
    arrival = page.get_by_label("Your return flight lands")
    current = arrival.input_value()
    day = int(current[8:10])
    later = current[:8] + f"{day + 1:02d}" + current[10:] if day < 28 else current[:11] + "23:30"
    arrival.fill(later)
    page.locator("#change-form").get_by_label("Return flight number").fill("KL 1234")
    page.locator("#change-form").get_by_label("Return flight number").dispatch_event("change")
    expect(page.locator("#change-preview")).to_contain_text("Difference")
    shots(page, "04-change-preview")
    page.get_by_role("button", name="Change the reservation").click()
    expect(page.locator("#flash-area")).to_contain_text("Reservation changed")
    expect(page.locator("#reservation-summary")).to_contain_text("KL 1234")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cancel the reservation").click()
    expect(page.locator("#flash-area")).to_contain_text("Reservation cancelled with 247Parking")
    expect(page.locator("#reservation-summary")).to_contain_text("Cancelled")
    shots(page, "05-cancelled")

    page.get_by_role("link", name="Open the voucher").click()
    page.wait_for_url(re.compile(r"/voucher$"))
    expect(page.locator(".voucher svg")).to_be_visible()
    expect(page.locator(".voucher")).to_contain_text(number)
    shots(page, "06-voucher")
    assert not [e for e in page.js_errors if "Content Security Policy" in e or "Refused" in e], page.js_errors


@pytest.mark.parametrize("language", ["fi", "sv", "ko"])
def test_book_and_voucher_pages_fit_a_phone_in_every_language(live_server, browser_page, traveller, language):
    page, base = browser_page, live_server.url
    page.set_viewport_size(WIDTHS["phone"])
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(traveller)
    page.get_by_label("Password", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/map"))
    open_menu(page)
    page.locator("#language-select").select_option(language)
    page.wait_for_load_state("networkidle")
    page.goto(f"{base}/valet/")
    assert page.locator("html").get_attribute("lang") == language
    page.locator("#wash-2").check()
    expect(page.locator("#price-quote")).to_contain_text("€")
    shots(page, f"10-book-{language}")
    page.locator("#valet-form button.primary").click()
    page.wait_for_url(re.compile(r"/valet/VP-"))
    shots(page, f"11-reservation-{language}")

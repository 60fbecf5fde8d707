"""A guest's choices survive the login in a real browser (issue 22): a Seoul stay priced over htmx, and a
valet booking form with a discount code, a name and remarks."""

import re

import pytest

from tests.browser.conftest import open_menu, shot
from tests.seoul.support import register_lot
from webapp.accounts import users as accounts
from webapp.accounts.vehicles import add_vehicle

pytestmark = pytest.mark.browser

EMAIL, PASSWORD = "guest.driver@example.com", "a long password"


def _log_in(page) -> None:
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_a_seoul_stay_priced_over_htmx_is_there_after_the_login(live_server, browser_page):
    from playwright.sync_api import expect

    page, base = browser_page, live_server.url
    with live_server.app.app_context():
        accounts.register_user(EMAIL, PASSWORD, PASSWORD)
        lot_id = register_lot(live_server.app)

    page.goto(f"{base}/seoul/lots/{lot_id}")
    quote = page.locator("#price-quote")
    page.get_by_label("Hours", exact=True).fill("30")
    page.get_by_label("Minutes", exact=True).fill("5")
    page.get_by_label("Discount", exact=True).select_option("compact")
    expect(quote).to_contain_text("1 day 6 hrs 5 mins: ₩12,000")
    expect(page).to_have_url(re.compile(r"hours=30&minutes=5&discount=compact"))  # the address names the stay
    priced = quote.inner_text()

    open_menu(page)
    page.get_by_role("link", name="Log in", exact=True).click()
    _log_in(page)
    page.wait_for_url(re.compile(rf"/seoul/lots/{lot_id}\?hours=30&minutes=5&discount=compact$"))
    assert page.get_by_label("Hours", exact=True).input_value() == "30"
    assert page.get_by_label("Minutes", exact=True).input_value() == "5"
    assert page.get_by_label("Discount", exact=True).input_value() == "compact"
    assert page.locator("#price-quote").inner_text() == priced
    shot(page, "form-after-login-seoul")


def test_a_valet_form_sent_as_a_guest_comes_back_whole_after_the_login(live_server, browser_page):
    from playwright.sync_api import expect

    page, base = browser_page, live_server.url
    with live_server.app.app_context():
        user = accounts.register_user(EMAIL, PASSWORD, PASSWORD)
        add_vehicle(user.id, "NL", "97-KGT-1", "Opel Astra")

    page.goto(f"{base}/valet/")
    page.get_by_label("Discount code").fill("WELKOM10")
    page.get_by_label("First name").fill("Anna")
    page.get_by_label("Last name").fill("de Vries")
    page.get_by_label("Email").fill("anna@example.com")
    page.get_by_label("Remarks for the driver").fill("Baby seat in the back")
    quote = page.locator("#price-quote")
    expect(quote).to_contain_text("WELKOM10")
    priced = quote.inner_text()
    page.get_by_role("button", name="Book with 247Parking").click()

    page.wait_for_url(re.compile(r"/login\?next=/valet/$"))
    _log_in(page)
    page.wait_for_url(re.compile(r"/valet/$"))
    assert page.get_by_label("Discount code").input_value() == "WELKOM10"
    assert page.get_by_label("First name").input_value() == "Anna"
    assert page.get_by_label("Last name").input_value() == "de Vries"
    assert page.get_by_label("Email").input_value() == "anna@example.com"
    assert page.get_by_label("Remarks for the driver").input_value() == "Baby seat in the back"
    assert page.locator("#price-quote").inner_text() == priced
    shot(page, "form-after-login-valet")

"""Car parks (APDS) in the browser, at 1280 and 360 px.

1. Find a place near Manchester Arndale → compare 3 h prices → start → watch occupancy refresh → end.
2. Register a plate → the operator CLI drives the car in and out → the page shows entry, exit, amount, paid.
"""

import re

import pytest

from tests.browser.conftest import open_menu, shot
from tests.conftest import DEFAULT_PASSWORD
from webapp.accounts import users as accounts
from webapp.accounts import vehicles
from webapp.apds import events, places

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

ARNDALE = "805432"
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 360, "height": 780}}


@pytest.fixture
def apds_driver(live_server):
    with live_server.app.app_context():
        user = accounts.register_user("carpark@example.com", DEFAULT_PASSWORD, DEFAULT_PASSWORD)
        vehicles.add_vehicle(user.id, "GB", "BD18 SMR", "Family car")
        places.sync_places()
        # the platform delivers to our receiver over a real loopback socket
        events.ensure_subscription(live_server.url + events.RECEIVER_PATH)
        email = user.email
    return {"email": email}


def _login(page, base, email):
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/map"))


@pytest.mark.parametrize("size", sorted(WIDTHS))
def test_find_compare_start_watch_occupancy_and_end(business_hours, live_server, browser_page, apds_driver, size):
    page, base = browser_page, live_server.url
    page.clock.install(time=business_hours)  # the daytime prices below (the browser's clock too)
    page.set_viewport_size(WIDTHS[size])
    _login(page, base, apds_driver["email"])
    open_menu(page)
    page.get_by_role("link", name="Car parks").first.click()
    page.wait_for_url(re.compile(r"/carparks/"))
    page.get_by_label("City").select_option("Manchester")
    page.get_by_label("Price for a stay of (minutes)").fill("180")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#place-list")).to_contain_text("Arndale Car Park")
    expect(page.locator("#place-list")).to_contain_text("3 hr")
    shot(page, f"apds-{size}-10-compare-3h")

    page.locator("#place-list").get_by_role("link", name="Arndale Car Park").click()
    page.wait_for_url(re.compile(rf"/carparks/{ARNDALE}"))
    calculator = page.get_by_label("How much for (minutes)")
    calculator.fill("59")
    expect(page.locator("#price-calc")).to_contain_text("£3.70")
    calculator.fill("60")
    expect(page.locator("#price-calc")).to_contain_text("£6.70")  # 3600 s starts the second band
    shot(page, f"apds-{size}-11-place")

    # the live figure is re-fetched by htmx without reloading the page
    before = page.locator("#occupancy").inner_text()
    page.evaluate("htmx.ajax('GET', document.querySelector('#occupancy').getAttribute('hx-get'),"
                  " {target: '#occupancy', swap: 'outerHTML'})")
    expect(page.locator("#occupancy")).to_contain_text("free")
    assert "free" in before

    page.locator("#start label.chip", has_text=re.compile(r"^\s*2 hrs · £9.20")).click()  # not "2 hrs 59 mins would be"
    page.get_by_role("button", name="Start parking").click()
    page.wait_for_url(re.compile(r"/carparks/sessions/AP-"))
    expect(page.locator("#flash-area")).to_contain_text("Parking started")
    expect(page.locator("#session-status")).to_contain_text("£9.20")
    shot(page, f"apds-{size}-12-session")
    page.get_by_role("button", name="Stop now").click()
    expect(page.locator("#flash-area")).to_contain_text("Parking stopped")
    expect(page.locator("#session-status")).to_contain_text("Completed")
    shot(page, f"apds-{size}-13-stopped")
    assert not [e for e in page.js_errors if "Content Security Policy" in e or "Refused" in e], page.js_errors


@pytest.mark.parametrize("size", sorted(WIDTHS))
def test_register_plate_then_the_camera_drives_in_and_out(business_hours, live_server, browser_page, apds_driver,
                                                          size):
    page, base = browser_page, live_server.url
    page.clock.install(time=business_hours)  # the daytime prices below (the browser's clock too)
    page.set_viewport_size(WIDTHS[size])
    _login(page, base, apds_driver["email"])
    page.goto(f"{base}/carparks/{ARNDALE}")
    page.get_by_role("button", name="Register my plate").click()
    page.wait_for_url(re.compile(r"/carparks/sessions/AP-"))
    expect(page.locator("#entered")).to_contain_text("Not yet")
    shot(page, f"apds-{size}-20-registered")

    runner = live_server.app.test_cli_runner()
    entered = runner.invoke(args=["apds", "operator", "enter", ARNDALE, "BD18 SMR"])
    assert entered.exit_code == 0, entered.output
    # pushed by the webhook; the page polls its status block
    expect(page.locator("#entered")).to_contain_text("You entered Arndale Car Park at", timeout=15000)
    expect(page.locator("#entered")).to_contain_text("(United Kingdom Time)")  # the car park's clock, named
    expect(page.locator("#session-timeline")).to_contain_text("Your vehicle entered the car park")  # no reload
    shot(page, f"apds-{size}-21-entered")

    left = runner.invoke(args=["apds", "operator", "leave", ARNDALE, "BD18 SMR"])
    assert left.exit_code == 0, left.output
    expect(page.locator("#paid")).to_contain_text("Paid at", timeout=15000)
    expect(page.locator("#amount")).to_contain_text("£3.70")
    expect(page.locator("#session-status")).to_contain_text("Completed")
    expect(page.locator("#session-timeline")).to_contain_text("Your vehicle left the car park")
    shot(page, f"apds-{size}-22-paid")


@pytest.mark.parametrize("size", sorted(WIDTHS))
def test_an_admin_drives_a_car_in_with_the_operators_console(live_server, browser_page, apds_driver, size):
    page, base = browser_page, live_server.url
    page.set_viewport_size(WIDTHS[size])
    with live_server.app.app_context():
        accounts.create_admin("operators@example.com", DEFAULT_PASSWORD)
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill("operators@example.com")
    page.get_by_label("Password", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/map"))
    page.goto(f"{base}/carparks/")
    page.get_by_role("link", name="Car-park operators").click()
    page.wait_for_url(re.compile(r"/admin/carparks/operators"))
    expect(page.locator("#inside")).to_contain_text("No car inside.")
    page.get_by_label("Car park").select_option(ARNDALE)
    page.get_by_label("Plate").fill("MA19 PKG")
    page.locator("#camera label.chip", has_text="enter").click()
    page.get_by_role("button", name="Read the plate").click()
    expect(page.locator("#flash-area")).to_contain_text("The camera read MA19 PKG")
    expect(page.locator("#inside")).to_contain_text("MA19PKG")
    expect(page.locator("#inside")).to_contain_text("Arndale Car Park")
    expect(page.get_by_label("Car park")).to_have_value(ARNDALE)  # the next car is read at the same car park
    shot(page, f"apds-{size}-30-operators")
    page.locator("#inside").get_by_role("button", name="leave").click()
    expect(page.locator("#inside")).to_contain_text("No car inside.")
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[size]["width"]  # no sideways scroll

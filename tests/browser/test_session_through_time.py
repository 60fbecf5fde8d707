"""A Helsinki session page kept open across the end of the 2-minute regret time (issue 22).

The page refreshes its status box every minute (htmx, the block alone). The browser's clock is
Playwright's (``page.clock``): a minute passes there and the refresh fires; the server's clock runs
2.5 minutes ahead (``core.clock.move_clock_for_tests``, the server being a thread of this process), so the
refreshed box must be the one after the regret time — time left and price so far still shown, the free
cancellation gone — and not "Something went wrong".
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.browser.conftest import shot
from tests.conftest import DEFAULT_PASSWORD
from webapp.accounts import users as accounts
from webapp.accounts import vehicles
from webapp.core import clock
from webapp.helsinki import areas as helsinki_areas

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect


@pytest.fixture
def server_clock(live_server):
    """Moves the served app's clock; puts it back whatever the test did."""
    yield lambda offset: clock.move_clock_for_tests(live_server.app, offset)
    clock.move_clock_for_tests(live_server.app, timedelta(0))


@pytest.fixture
def driver(live_server):
    with live_server.app.app_context():
        user = accounts.register_user("regret@example.com", DEFAULT_PASSWORD, DEFAULT_PASSWORD)
        vehicles.add_vehicle(user.id, "FI", "REG-120")
        helsinki_areas.sync_areas()
        area = next(a for a in helsinki_areas.list_areas() if (a.max_time_in_minutes or 0) >= 120)
        return {"email": user.email, "area_id": area.area_id}


def test_the_status_box_outlives_the_regret_time(live_server, browser_page, driver, server_clock):
    page, base = browser_page, live_server.url
    page.clock.install(time=datetime.now(UTC))  # the browser's timers and Date follow page.clock from here
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(driver["email"])
    page.get_by_label("Password", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/map"))
    page.goto(f"{base}/parking/areas/{driver['area_id']}")
    page.locator("label.chip", has_text="1 h").click()
    page.get_by_role("button", name="Start parking").click()
    page.wait_for_url(re.compile(r"/parking/HP-"))
    status = page.locator("#session-status")
    expect(status.get_by_role("button", name="Cancel parking")).to_be_visible()

    server_clock(timedelta(seconds=150))  # the regret time is over on the server
    with page.expect_response(lambda r: "/parking/HP-" in r.url and r.request.headers.get("hx-request")) as answer:
        page.clock.run_for(61_000)  # a minute in the browser: the box refreshes itself (every 60 s)
    assert answer.value.status == 200
    expect(status.get_by_role("button", name="Cancel parking")).to_have_count(0)
    expect(status).to_contain_text("Time left")
    expect(status).to_contain_text("Price so far")
    expect(status).not_to_contain_text("Something went wrong")
    assert page.locator(".flash-error, [role=alert]").count() == 0
    shot(page, "15-session-after-regret-time")

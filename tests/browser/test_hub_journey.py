"""A driver parks on a Helsinki street with the parkings reported to the city's parking hub (parkkihubi):
start → extend → stop, then start → cancel within the regret time; the hub holds what the pages say."""

import re
from datetime import timedelta

import pytest

from tests.browser.conftest import shot
from tests.conftest import DEFAULT_PASSWORD
from webapp.accounts import users as accounts
from webapp.accounts import vehicles
from webapp.bookings.models import Booking, Status
from webapp.extensions import db
from webapp.helsinki import areas as helsinki_areas
from webapp.parkkihubi.sandbox.store import from_micros

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect


@pytest.fixture
def hub_driver(live_server):
    live_server.app.config["HELSINKI_BACKEND"] = "parkkihubi"
    with live_server.app.app_context():
        user = accounts.register_user("hub-parker@example.com", DEFAULT_PASSWORD, DEFAULT_PASSWORD)
        vehicles.add_vehicle(user.id, "FI", "HUB-123", "Work car")
        helsinki_areas.sync_areas()
        area = next(a for a in helsinki_areas.list_areas() if (a.max_time_in_minutes or 0) >= 240)
        return {"email": user.email, "area_id": area.area_id}


def _hub_rows(live_server):
    store = live_server.app.extensions["providers"].sandbox_app("parkkihubi").extensions["parkkihubi_store"]
    return {row["id"]: from_micros(row["time_end"]) for row in store.all_parkings("HUB-123")}


def _start(page, base, area_id, chip):
    page.goto(f"{base}/parking/areas/{area_id}")
    page.locator("label.chip", has_text=chip).click()
    expect(page.locator("#price-preview")).to_contain_text(chip)
    page.get_by_role("button", name="Start parking").click()
    page.wait_for_url(re.compile(r"/parking/HP-"))
    expect(page.locator("#flash-area")).to_contain_text("Parking started")
    return page.url.rsplit("/", 1)[-1]


def test_start_extend_stop_and_cancel_reported_to_the_hub(business_hours, live_server, browser_page, hub_driver):
    page, base = browser_page, live_server.url
    page.clock.install(time=business_hours)  # a weekday's tariff: an extension has a price (the browser's too)
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(hub_driver["email"])
    page.get_by_label("Password", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/map"))

    first = _start(page, base, hub_driver["area_id"], "2 h")
    shot(page, "40-hub-session")
    end = page.get_by_label("New end time")
    current = end.input_value()
    end.fill(current[:11] + f"{(int(current[11:13]) + 1) % 24:02d}" + current[13:])
    end.dispatch_event("change")
    expect(page.locator("#extension-preview")).to_contain_text("to pay now")
    page.get_by_role("button", name="Extend parking").click()
    expect(page.locator("#flash-area")).to_contain_text("extended")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Stop now").click()
    expect(page.locator("#flash-area")).to_contain_text("Parking stopped")
    assert "Completed" in page.locator("#session-status").inner_text()
    shot(page, "41-hub-stopped")

    second = _start(page, base, hub_driver["area_id"], "1 h")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cancel parking").click()
    expect(page.locator("#flash-area")).to_contain_text("Parking cancelled")
    shot(page, "42-hub-cancelled")

    with live_server.app.app_context():
        stopped = db.session.scalar(db.select(Booking).where(Booking.public_ref == first))
        cancelled = db.session.scalar(db.select(Booking).where(Booking.public_ref == second))
        assert stopped.provider == cancelled.provider == "parkkihubi"
        assert stopped.status == Status.COMPLETED and cancelled.status == Status.CANCELLED
        # the hub holds the stopped parking, ending when it was stopped, and nothing of the cancelled one
        assert _hub_rows(live_server) == {stopped.provider_ref: stopped.ends_at}
        assert stopped.ends_at - stopped.starts_at < timedelta(minutes=5)
    page.goto(f"{base}/bookings")
    expect(page.locator("main")).to_contain_text(first)
    expect(page.locator("main")).to_contain_text(second)
    assert not [e for e in page.js_errors if "Content Security Policy" in e or "Refused" in e], page.js_errors

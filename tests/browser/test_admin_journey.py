"""Support: find a driver's parking by a partial plate → re-check it with the city → settle a lost one → audit log.

Two Helsinki street parkings end *unknown*: the city carried the first out
after our client gave up (a late commit), and never got the second (a 503).
Every step is photographed at 1280 and 360 px.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.browser.conftest import open_menu, shot
from tests.conftest import DEFAULT_PASSWORD
from webapp.accounts import users as accounts
from webapp.accounts import vehicles
from webapp.bookings.models import Booking, Status
from webapp.extensions import db
from webapp.helsinki import areas as helsinki_areas
from webapp.helsinki import parkings

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

WIDTHS = {"1280": {"width": 1280, "height": 900}, "360": {"width": 360, "height": 780}}
NOTE = "Called the city's support: no parking under this plate at that time."


def shots(page, name: str) -> None:
    """The page at each width (the journey itself runs at 1280)."""
    for width, viewport in reversed(WIDTHS.items()):
        page.set_viewport_size(viewport)
        shot(page, f"admin-{name}-{width}")


def _city_faults(app):
    return app.extensions["providers"].sandbox_app("helsinki").extensions["faults"]


@pytest.fixture
def lost_parkings(live_server):
    """An admin, a driver with two cars, and two unknown parkings: one the city has (late), one it never got."""
    app = live_server.app
    faults = _city_faults(app)
    with app.app_context():
        accounts.create_admin("support@example.com", DEFAULT_PASSWORD)
        driver = accounts.register_user("driver@example.com", DEFAULT_PASSWORD, DEFAULT_PASSWORD)
        family_car = vehicles.add_vehicle(driver.id, "FI", "ABC-123", "Family car")
        van = vehicles.add_vehicle(driver.id, "FI", "XYZ-789", "Van")
        helsinki_areas.sync_areas()
        area = next(a for a in helsinki_areas.list_areas() if (a.max_time_in_minutes or 0) >= 120)
        now = datetime.now(UTC)
        faults.late_commit = 1  # the city carries the start out after our client gave up
        late = parkings.start_parking(driver.id, area.area_id, family_car.id, now + timedelta(minutes=90),
                                      "admin-journey-late", contact_email=driver.email, now=now)
        faults.status = 503  # the city's gateway answers 503 to the start and to the look-up after it
        try:
            never = parkings.start_parking(driver.id, area.area_id, van.id, now + timedelta(minutes=90),
                                           "admin-journey-never", contact_email=driver.email, now=now)
        finally:
            faults.reset()
        assert (late.status, never.status) == (Status.UNKNOWN, Status.UNKNOWN)
        return {"late": late.public_ref, "never": never.public_ref, "faults": faults}


def test_admin_finds_rechecks_and_settles_lost_parkings(live_server, browser_page, lost_parkings):
    page, base, app = browser_page, live_server.url, live_server.app
    late, never = lost_parkings["late"], lost_parkings["never"]
    page.set_viewport_size(WIDTHS["1280"])
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill("support@example.com")
    page.get_by_label("Password", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/map"))
    open_menu(page)
    page.get_by_role("link", name="Admin").first.click()
    page.wait_for_url(re.compile(r"/admin$"))

    # a partial plate typed with a space finds ABC-123 (and not the van)
    page.get_by_label("Reference, plate, email or phone").fill("abc 12")
    page.get_by_role("button", name="Search").click()
    results = page.locator("#results li.booking-row")
    expect(results).to_have_count(1)
    assert "1 booking" in page.locator("#results").inner_text()
    assert f"{late} · ABC-123" in results.inner_text() and never not in page.locator("#results").inner_text()
    assert "Checking with the provider" in results.inner_text()
    assert re.search(r"[?&]q=abc(\+|%20)12", page.url)  # htmx pushed the search into the address bar
    shots(page, "01-search-partial-plate")

    results.get_by_role("link").click()
    page.wait_for_url(re.compile(rf"/admin/bookings/{late}$"))
    facts = page.locator("#booking-facts")
    expect(facts).to_contain_text("Checking with the provider")
    assert "ABC-123" in facts.inner_text() and "driver@example.com" in facts.inner_text()
    assert page.get_by_role("group", name="Settle by hand: what does the provider say?").is_visible()
    shots(page, "02-booking-unknown")

    # the city commits the parking late; support asks it again
    with app.app_context():
        assert lost_parkings["faults"].commit_late(app.extensions["providers"].sandbox_app("helsinki")) == 1
    page.set_viewport_size(WIDTHS["1280"])
    page.get_by_role("button", name="Re-check with the provider").click()
    # the POST answers 303 back to the booking (a reload does not re-check), with what changed
    page.wait_for_url(re.compile(rf"/admin/bookings/{late}$"))
    rechecked = page.locator(".flash-info")
    assert "Status Checking with the provider → Active." in rechecked.inner_text()
    assert "Active" in facts.locator(".badge").inner_text()
    with app.app_context():
        city_id = db.session.scalar(db.select(Booking.provider_ref).where(Booking.public_ref == late))
    assert city_id and f"City of Helsinki · their reference {city_id}" in facts.inner_text()  # linked now
    assert page.locator(".settle-form").count() == 0  # settled: nothing left to settle by hand
    shots(page, "03-rechecked-active")

    # the other one is still waiting for someone (the booking page has no support menu: back to the search first)
    page.set_viewport_size(WIDTHS["1280"])
    page.get_by_role("link", name="Find a booking").first.click()
    page.get_by_role("link", name="Needs attention").click()
    page.wait_for_url(re.compile(r"/admin/attention$"))
    waiting = page.locator("li.booking-row")
    expect(waiting).to_have_count(1)
    assert never in waiting.inner_text() and "XYZ-789" in waiting.inner_text()
    shots(page, "04-needs-attention")

    page.set_viewport_size(WIDTHS["1280"])
    waiting.get_by_role("link").click()
    page.wait_for_url(re.compile(rf"/admin/bookings/{never}$"))
    settle = page.locator("form.settle-form")
    settle.get_by_role("button", name="Settle").click()
    page.wait_for_url(re.compile(rf"/admin/bookings/{never}/settle$"))
    settle = page.locator("form.settle-form")
    choice = settle.locator("fieldset")
    note = settle.get_by_label("Note")
    assert page.locator(".error-message").count() == 2
    assert choice.locator(".error-message").inner_text() == "Choose what the provider says."
    assert page.locator("#note-error").inner_text() == "Write what you found out and how."
    assert note.get_attribute("aria-invalid") == "true" and note.get_attribute("aria-describedby") == "note-error"
    assert page.get_by_text("Choose what the provider says.").count() == 1
    assert page.get_by_text("Write what you found out and how.").count() == 1
    shots(page, "05-settle-empty")

    # "reserved" needs the city's reference: the choice and the note are kept
    page.set_viewport_size(WIDTHS["1280"])
    choice.get_by_label("Reserved").check()
    note.fill(NOTE)
    settle.get_by_role("button", name="Settle").click()
    page.wait_for_url(re.compile(rf"/admin/bookings/{never}/settle$"))
    settle = page.locator("form.settle-form")
    assert settle.get_by_label("Reserved").is_checked()
    assert settle.get_by_label("Note").input_value() == NOTE
    assert page.locator(".error-message").all_inner_texts() == ["Give the provider's reference of the booking."]
    assert settle.get_by_label("The provider's reference").get_attribute("aria-invalid") == "true"
    shots(page, "06-settle-needs-reference")

    page.set_viewport_size(WIDTHS["1280"])
    settle.get_by_label("Failed").check()
    settle.get_by_role("button", name="Settle").click()
    page.wait_for_url(re.compile(rf"/admin/bookings/{never}$"))
    expect(page.locator("#flash-area")).to_contain_text("The booking is settled.")
    assert "Failed" in page.locator("#booking-facts .badge").inner_text()
    assert page.locator(".settle-form").count() == 0
    assert "Settled by our support team" in page.locator("main").inner_text()
    shots(page, "07-settled-failed")

    page.set_viewport_size(WIDTHS["1280"])
    page.get_by_role("link", name="Find a booking").first.click()
    page.get_by_role("link", name="Needs attention").click()
    expect(page.get_by_text("Nothing needs attention.")).to_be_visible()  # (the sweep table has its own note)

    # every view and action, newest first, with who and from where
    page.get_by_role("link", name="Audit log").click()
    page.wait_for_url(re.compile(r"/admin/audit$"))
    rows = [" | ".join(cell.strip() for cell in row.split("\t"))
            for row in page.locator("table.audit tbody tr").all_inner_texts()]
    assert all("support@example.com" in row and "127.0.0.1" in row for row in rows), rows
    entries = [(row.split(" | ")[2].split(" ")[0], row.split(" | ")[3]) for row in reversed(rows)]
    # in this order (a page shown again after an action is not a second view)
    wanted = iter(entries)
    # (each action in words: "Re-checked", not "recheck"; the first word is enough to tell them apart)
    assert all(step in wanted for step in [("Searched", "abc 12"), ("Viewed", late), ("Re-checked", late),
                                           ("Viewed", never), ("Settled", never)]), entries
    assert next(r for r in rows if " | Re-checked " in r).split(" | ")[2] == \
        "Re-checked Status Checking with the provider → Active."
    assert next(r for r in rows if " | Settled " in r).split(" | ")[2] == f"Settled by hand failed: {NOTE}"
    shots(page, "08-audit-log")
    assert not [e for e in page.js_errors if "Content Security Policy" in e or "Refused" in e], page.js_errors

"""A table wider than a phone scrolls in its wrapper, and the wrapper can be reached by keyboard
(issue 17: the audit log at 360 px could not be scrolled without a mouse)."""

from __future__ import annotations

import pytest

from tests.conftest import DEFAULT_PASSWORD

pytestmark = pytest.mark.browser


def test_a_wide_table_on_a_phone_is_a_focusable_named_region(live_server, browser_page):
    with live_server.app.app_context():
        from webapp.accounts import users as accounts
        from webapp.bookings import admin as admin_lookup
        from webapp.bookings import admin_search
        admin = accounts.create_admin("audit-admin@example.com", DEFAULT_PASSWORD)
        for query in ("ABC-123", "someone@example.com", "+358 40 123 4567"):
            admin_lookup.audit_search(admin.id, admin_search.SearchFilters(query=query), "127.0.0.1")
    page = browser_page
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/login")
    page.fill("input[name=email]", "audit-admin@example.com")
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    with page.expect_navigation():
        page.click("form:has(input[name=password]) button[type=submit]")
    page.goto(f"{live_server.url}/admin/audit")
    wrapper = page.locator(".table-scroll").first
    assert page.evaluate("(el) => el.scrollWidth > el.clientWidth", wrapper.element_handle())
    assert wrapper.get_attribute("tabindex") == "0" and wrapper.get_attribute("role") == "region"
    assert wrapper.get_attribute("aria-label")
    for _ in range(40):  # Tab until the region has the focus, as a keyboard user would
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('table-scroll')"):
            break
    else:
        pytest.fail("the table's region never took the focus")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.wait_for_timeout(400)  # (the keyboard scroll is animated)
    assert page.evaluate("document.activeElement.scrollLeft") > 0
    page.set_viewport_size({"width": 1280, "height": 900})  # wide enough: no longer a scrolling region
    page.wait_for_timeout(200)
    assert wrapper.get_attribute("tabindex") is None

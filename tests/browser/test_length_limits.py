"""A field with a length limit says so as it fills (issue 17: a vehicle's name was cut at 40 characters and a
message to the rent-car company at 300 without a word)."""

from __future__ import annotations

import pytest

from tests.conftest import DEFAULT_PASSWORD

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("language", "said"), [("en", "40 of 40 characters"), ("fi", "40/40 merkkiä")])
def test_the_vehicle_name_counts_its_characters_near_the_limit(live_server, browser_page, language, said):
    with live_server.app.app_context():
        from webapp.accounts import users as accounts
        accounts.register_user("limits@example.com", DEFAULT_PASSWORD, DEFAULT_PASSWORD)
    page = browser_page
    page.goto(f"{live_server.url}/login")
    page.fill("input[name=email]", "limits@example.com")
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    with page.expect_navigation():
        page.click("form:has(input[name=password]) button[type=submit]")
    page.goto(f"{live_server.url}/vehicles?lang={language}")
    name = page.locator("input[name=nickname]").first
    name.fill("Family car")
    note = page.locator(f".char-count[data-for='{name.get_attribute('id')}']")
    assert note.inner_text() == ""  # far from the limit: nothing to say
    name.fill("x" * 60)  # a paste longer than the field takes
    assert name.input_value() == "x" * 40
    assert note.inner_text() == said
    assert note.get_attribute("aria-live") == "polite"

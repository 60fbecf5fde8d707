"""The offline pages in every language at 360 px: the running parking, the voucher and the rental as kept by
the service worker, with the "as of" note in the page's language and nothing wider than the phone; and the
offline page in the language of the last page. Screenshots go to tests/browser/screenshots/ (git-ignored)."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _

from tests.browser.conftest import open_menu, shot
from tests.browser.test_offline import booking_pages, journey, log_in, phone, wait_for_kept, wait_for_worker  # noqa: F401

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

LANGUAGES = ("en", "fi", "sv", "ko")


def _texts(app, language: str) -> dict[str, str]:
    with app.test_request_context(), force_locale(language):
        return {"as_of": _("You are offline. This page is as of %(time)s.", time="{time}"),
                "offline": _("You are offline"),
                "refused": _("Not sent: you are offline. Try again when you are back online.")}


def test_offline_pages_speak_the_page_s_language_and_fit_a_phone(live_server, phone, journey):  # noqa: F811
    page, base, app = phone, live_server.url, live_server.app
    log_in(page, base)
    wait_for_worker(page)
    pages = booking_pages(journey)
    wait_for_kept(page, list(pages.values()))
    for language in LANGUAGES:
        texts = _texts(app, language)
        page.goto(f"{base}/bookings")
        open_menu(page)
        page.select_option("#language-select", language)  # the switcher changes the driver's language
        page.wait_for_function(f"() => document.documentElement.lang === '{language}'")
        for name in ("parking", "voucher", "rental"):
            page.goto(base + pages[name])  # online: the kept copy is replaced by this language's page
        page.context.set_offline(True)
        for name in ("parking", "voucher", "rental"):
            page.goto(base + pages[name])
            assert page.get_attribute("html", "lang") == language
            assert page.get_attribute("html", "data-offline-as-of"), name
            note = page.locator("[data-offline-note]")
            expected = re.escape(texts["as_of"]).replace(re.escape("{time}"), r"\d\d[:.]\d\d")
            expect(note).to_contain_text(re.compile(expected))
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{name} [{language}] overflows by {overflow}px"
            shot(page, f"offline-{name}-{language}-360")
        page.goto(f"{base}/map")  # not kept: the offline page, in the last page's language
        expect(page.locator("h1")).to_have_text(texts["offline"])
        assert page.get_attribute("html", "lang") == language
        shot(page, f"offline-page-{language}-360")
        page.context.set_offline(False)
    assert not [error for error in page.js_errors if "net::ERR" not in error], page.js_errors

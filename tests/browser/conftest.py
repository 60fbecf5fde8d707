"""Headless Chromium against the app served on a loopback port.

Uses Debian's /usr/bin/chromium through Python Playwright (no browser
download). Without Chromium the browser journeys skip with the reason.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import dispose_engines, empty_tables, make_app
from webapp.extensions import db

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--no-first-run", "--disable-sync", "--disable-quic"]
SCREENSHOTS = Path(__file__).parent / "screenshots"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def live_server(tmp_path, _schema_ready):
    """Serve the app (CSRF on, as in production) on 127.0.0.1 and a free port."""
    app = make_app(tmp_path, WTF_CSRF_ENABLED=True)
    with app.app_context():
        if os.environ.get("DATABASE_URL"):
            empty_tables(app)
        else:
            db.create_all()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.app = app
    server.url = f"http://127.0.0.1:{server.server_port}"
    yield server
    server.shutdown()
    thread.join(timeout=5)
    if os.environ.get("DATABASE_URL"):
        empty_tables(app)
    dispose_engines(app)


@pytest.fixture
def browser_page():
    """A phone-sized page in headless Chromium; skips when Chromium is missing."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM} (CI installs Debian's chromium; `apt-get install chromium`)")
    playwright_sync = pytest.importorskip("playwright.sync_api")
    with playwright_sync.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        context = browser.new_context(viewport=PHONE, locale="en-GB")
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.js_errors = errors
        yield page
        context.close()
        browser.close()


def open_menu(page) -> None:
    """Open the site menu where a phone folds it behind its button (a wide page shows it already)."""
    toggle = page.locator(".menu-toggle")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()


def shot(page, name: str) -> None:
    """Save a screenshot into the git-ignored screenshots folder."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

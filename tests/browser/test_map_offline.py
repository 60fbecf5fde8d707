"""A configured base map that cannot load (no signal, a tile server down) leaves no grey map: the
names come back as labels, as without a base map, and the driver sees no note meant for a developer."""

from __future__ import annotations

import socket

import pytest

from tests.browser.conftest import shot
from tests.maps.support import add_areas
from webapp.extensions import db

pytestmark = pytest.mark.browser


def _closed_port() -> int:
    with socket.socket() as sock:  # bound then released: nothing listens there afterwards
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_tiles_that_fail_to_load_turn_the_names_into_labels(live_server, browser_page):
    app = live_server.app
    app.config["MAP_TILE_URL"] = f"http://127.0.0.1:{_closed_port()}/{{z}}/{{x}}/{{y}}.png"
    with app.app_context():
        add_areas(3, lat=60.1690, lon=24.9340, prefix="Testialue")
        db.session.remove()
    page = browser_page
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/map?at=60.1690,24.9340")
    page.locator("#map[data-loadedhelsinki]").wait_for(state="attached")
    page.locator("#map .map-no-tiles").wait_for(state="attached")  # the failed tiles switched the labels on
    assert page.locator(".map-label").count() >= 3
    assert "MAP_TILE_URL" not in page.locator("main").inner_text()
    shot(page, "map-tiles-unreachable")

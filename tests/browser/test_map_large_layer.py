"""A layer too large to load whole, in a browser: the map asks for its view by tiles, draws the server's
numbered groups when the view holds more places than a map shows, and the places themselves once zoomed in
(issue 18). The thresholds are lowered so that a few dozen areas make a large layer."""

from __future__ import annotations

import pytest

from tests.browser.conftest import shot
from tests.maps.support import add_areas
from webapp.extensions import db
from webapp.maps import views as map_views

pytestmark = pytest.mark.browser


def test_a_large_layer_is_loaded_by_view_as_groups_then_places(live_server, browser_page, monkeypatch):
    monkeypatch.setattr(map_views, "VIEWPORT_THRESHOLD", 10)
    monkeypatch.setattr(map_views, "CLUSTER_ABOVE", 15)
    with live_server.app.app_context():
        add_areas(40, lat=60.1690, lon=24.9200)
        db.session.remove()
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 780})
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url) if "/map/layers/helsinki" in request.url else None)
    page.goto(f"{live_server.url}/map")  # zoom 13 over the centre: all 40 in view, more than 15
    page.locator("#map[data-groupshelsinki]").wait_for(state="attached")
    assert all("&view=" in url for url in requests), requests
    assert page.locator("#map").get_attribute("data-loadedhelsinki") == "0"
    groups = page.locator(".leaflet-marker-pane .map-cluster >> visible=true")
    groups.first.wait_for()
    assert sum(int(text) for text in groups.all_inner_texts()) == 40
    assert "Zoom in" in page.locator("#map-status").inner_text()
    title = page.locator(".leaflet-marker-pane .leaflet-marker-icon").first.get_attribute("title")
    assert title.startswith("Places here: ") and title.endswith("Zoom in to see them.")
    shot(page, "map-large-layer-groups")
    # a click on a group zooms in; close enough, the areas themselves are drawn
    zoom = page.evaluate("window.parkgoMap.getZoom()")
    groups.first.click()
    page.wait_for_timeout(800)  # the zoom animation
    assert page.evaluate("window.parkgoMap.getZoom()") == zoom + 2
    page.evaluate("window.parkgoMap.setView([60.16915, 24.9230], 17, {animate: false})")
    page.locator("#map[data-loadedhelsinki]:not([data-loadedhelsinki='0'])").wait_for(state="attached")
    assert page.locator(".leaflet-overlay-pane path.leaflet-interactive").count() > 0
    assert page.locator("#map").get_attribute("data-groupshelsinki") == "0"
    assert page.locator("#map-status").inner_text() == ""
    assert not page.js_errors, page.js_errors

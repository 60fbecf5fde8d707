"""The "Find parking" map in a browser: folium's map shell, features from the layers' GeoJSON
endpoints, a popup that shows the provider's text as text, fits a 360 px phone clear of the
controls, and nothing errs."""

from __future__ import annotations

import pytest

from tests.browser.conftest import shot
from tests.maps.support import add_areas
from tests.seoul.support import register_lot
from webapp.extensions import db

pytestmark = pytest.mark.browser

MARKUP_NAME = "<b>bold</b> {{ 7*7 }}"


def _seed(app) -> None:
    with app.app_context():
        add_areas(12, lat=60.1690, lon=24.9340, prefix="Testialue")
        add_areas(1, lat=60.1700, lon=24.9300, prefix=MARKUP_NAME, first=40)
        register_lot(app)
        db.session.remove()


def _wait_for_layers(page) -> None:
    # (wait_for_function would evaluate a string, which the page's CSP rightly refuses)
    page.locator("#map[data-loadedhelsinki][data-loadedseoul]").wait_for(state="attached")


@pytest.mark.parametrize("width", [360, 1280])
def test_map_draws_endpoint_features_and_opens_a_text_popup(live_server, browser_page, width):
    _seed(live_server.app)
    page = browser_page
    page.set_viewport_size({"width": width, "height": 780})
    geojson = []
    page.on("response", lambda response: geojson.append(response.url) if ".geojson" in response.url else None)
    page.goto(f"{live_server.url}/map?at=60.1695,24.9345")
    _wait_for_layers(page)
    assert any("/map/layers/helsinki.geojson" in url for url in geojson)
    assert page.locator("#map").get_attribute("data-loadedhelsinki") == "13"
    # the map is folium's (webapp/maps/shell.py), moved by map.js to the ?at= point
    view = page.evaluate("""() => {
        const map = window[document.getElementById('map').dataset.mapName];
        return {same: map === window.parkgoMap, centre: map.getCenter(), zoom: map.getZoom(),
                containers: document.querySelectorAll('.leaflet-container').length,
                folium: map.getContainer().classList.contains('folium-map')};
    }""")
    assert view["same"] and view["folium"] and view["containers"] == 1, view
    assert view["zoom"] == 16 and abs(view["centre"]["lat"] - 60.1695) < 1e-4, view
    assert abs(view["centre"]["lng"] - 24.9345) < 1e-4, view
    assert page.locator(".leaflet-control-scale").count() == 1
    assert page.locator(".leaflet-overlay-pane path.leaflet-interactive").count() >= 10
    # the popup of the area named with markup shows the markup as text
    page.evaluate("""() => {
        const map = window.parkgoMap;
        map.eachLayer((layer) => {
            if (layer.feature && layer.feature.properties.title.indexOf('<b>') === 0) layer.fire('click',
                {latlng: layer.getBounds().getCenter()});
        });
    }""")
    popup = page.locator(".leaflet-popup-content .popup")
    popup.wait_for()
    assert popup.locator("h3").inner_text() == f"{MARKUP_NAME} 40" and popup.locator("b").count() == 0
    # the permanent label (no tile server here) is text too
    assert page.locator(".map-label", has_text="{{ 7*7 }} 40").first.inner_text() == f"{MARKUP_NAME} 40"
    assert page.locator(".leaflet-container b").count() == 0
    assert popup.get_by_role("link", name="Park here").get_attribute("href") == "/parking/areas/900040"
    shot(page, f"map-popup-{width}")
    map_box = page.locator("#map").bounding_box()
    popup_box = page.locator(".leaflet-popup").bounding_box()
    assert popup_box["x"] >= map_box["x"] - 1
    assert popup_box["x"] + popup_box["width"] <= map_box["x"] + map_box["width"] + 1
    title_box = popup.locator("h3").bounding_box()
    for control in page.locator(".leaflet-top .leaflet-control").all():
        box = control.bounding_box()
        overlaps = not (title_box["x"] > box["x"] + box["width"] or title_box["x"] + title_box["width"] < box["x"]
                        or title_box["y"] > box["y"] + box["height"] or title_box["y"] + title_box["height"] < box["y"])
        assert not overlaps, "the popup's title sits under a map control"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert not page.js_errors, page.js_errors


def test_seoul_lots_are_clustered_markers_with_the_legend(live_server, browser_page):
    _seed(live_server.app)
    page = browser_page
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto(f"{live_server.url}/map?focus=seoul")
    _wait_for_layers(page)
    assert page.locator("#map").get_attribute("data-loadedseoul") == "1"
    # the one lot in view: a circle marker drawn by the cluster group (Helsinki's paths are far off screen)
    page.locator(".leaflet-marker-pane .map-cluster, .leaflet-overlay-pane path.leaflet-interactive"
                 " >> visible=true").first.wait_for()
    legend = page.locator(".map-legend").inner_text()
    assert "Plenty of spaces" in legend and "Zone 1" in legend
    assert "Sejong-ro public car park" in page.locator("#place-list").inner_text()
    shot(page, "map-seoul-360")
    assert not page.js_errors, page.js_errors


def test_a_cluster_shows_its_count_centred_in_its_circle(live_server, browser_page):
    app = live_server.app
    with app.app_context():
        for number in range(4):  # four lots a few hundred metres apart: one cluster at the Seoul view's zoom
            register_lot(app, infra_id=str(2001 + number),
                         write={"position_latitude": 37.5730 + number * 0.002, "position_longitude": 126.9769})
        db.session.remove()
    page = browser_page
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto(f"{live_server.url}/map?focus=seoul")
    _wait_for_layers(page)
    icon = page.locator(".leaflet-marker-pane .map-cluster >> visible=true").first
    icon.wait_for()
    assert icon.inner_text() == "4"
    # Leaflet's own stylesheet makes every marker icon a block; the count must still sit in the middle
    box, label = icon.bounding_box(), icon.locator("span").bounding_box()
    assert abs((box["x"] + box["width"] / 2) - (label["x"] + label["width"] / 2)) < 3
    assert abs((box["y"] + box["height"] / 2) - (label["y"] + label["height"] / 2)) < 3
    assert not page.js_errors, page.js_errors

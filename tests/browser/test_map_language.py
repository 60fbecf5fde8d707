"""Leaflet's own controls speak the page's language (their titles were English on every page)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

TITLES = {"fi": ("Lähennä", "Loitonna", "Karttatasot"), "ko": ("확대", "축소", "레이어"),
          "sv": ("Zooma in", "Zooma ut", "Kartlager")}


@pytest.mark.parametrize("language", sorted(TITLES))
def test_zoom_and_layer_controls_are_titled_in_the_pages_language(live_server, browser_page, language):
    page = browser_page
    page.goto(f"{live_server.url}/map?lang={language}")
    page.locator("#map .leaflet-control-zoom-in").wait_for(state="attached")
    page.locator("#map[data-loadedhelsinki]").wait_for(state="attached")
    titles = tuple(page.locator(f"#map {selector}").get_attribute("title") for selector in
                   (".leaflet-control-zoom-in", ".leaflet-control-zoom-out", ".leaflet-control-layers-toggle"))
    assert titles == TITLES[language]

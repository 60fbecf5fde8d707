"""The "Find parking" page: a public page with the map's configuration (no feature data in it) and a
paged list filtered in SQL, limited to the focused provider."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.maps.support import add_areas
from tests.seoul.support import register_lot

CDN = re.compile(r"cdn\.jsdelivr|unpkg\.com|cdnjs\.|code\.jquery\.com|bootstrapcdn|googleapis|https?://(?!127\.0\.0\.1)")


def _config(html: str) -> dict:
    found = re.search(r"data-config='([^']*)'", html)
    assert found, "the map element carries its configuration"
    return json.loads(found.group(1).replace("&#39;", "'").replace("&amp;", "&"))


def _list(html: str) -> str:
    return html.split('id="place-list"', 1)[1]


def test_map_page_is_public_and_uses_only_local_assets(client):
    response = client.get("/map")
    assert response.status_code == 200  # a guest: no redirect to the login page
    html = response.get_data(as_text=True)
    assert "/static/vendor/leaflet/leaflet.js" in html and "/static/js/map.js" in html
    assert "/static/vendor/leaflet-markercluster/leaflet.markercluster.js" in html
    # folium builds the map, with our own copies of its assets: none of its CDN defaults
    assert "jquery" not in html.lower() and "bootstrap" not in html.lower()
    assert not CDN.search(re.sub(r'xmlns="[^"]+"', "", html)), CDN.search(html)
    assert "<iframe" not in html


def test_page_names_each_layer_endpoint_and_carries_no_features(app, client):
    add_areas(30)
    html = client.get("/map", headers={"Accept-Language": "fi"}).get_data(as_text=True)
    config = _config(html)
    urls = {layer["key"]: layer["url"] for layer in config["layers"]}
    assert urls["helsinki"] == "/map/layers/helsinki.geojson?lang=fi"
    assert {"seoul", "apds"} <= set(urls)
    assert "Polygon" not in html and "coordinates" not in html and "popup" not in html.split("<main", 1)[-1]
    assert config["styles"]["zone-1"]["fillColor"] and config["tiles"] is None


def test_legend_is_html_and_a_missing_base_map_is_the_admins_concern_not_the_drivers(client, app, make_user,
                                                                                      login):
    html = client.get("/map").get_data(as_text=True)
    legend = html.split('class="map-legend"', 1)[1].split("</section>", 1)[0]
    for label in ("Zone 1", "Zone 2", "Zone 3", "Plenty of spaces", "Few spaces", "Full", "No live data"):
        assert label in legend
    assert "MAP_TILE_URL" not in html  # a note for the developer was shown to every driver (issue 17)
    login(make_user("admin@example.com", role="admin"))
    assert "MAP_TILE_URL" in client.get("/admin").get_data(as_text=True)
    app.config["MAP_TILE_URL"] = "http://127.0.0.1:8080/{z}/{x}/{y}.png"
    assert "MAP_TILE_URL" not in client.get("/admin").get_data(as_text=True)
    html = client.get("/map").get_data(as_text=True)
    assert _config(html)["tiles"]["url"] == "http://127.0.0.1:8080/{z}/{x}/{y}.png"


@pytest.mark.parametrize(("url", "origin"), [
    ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
    ("https://{s}.tiles.example.org/{z}/{x}/{y}.png", "https://*.tiles.example.org"),
    ("http://127.0.0.1:8080/{z}/{x}/{y}.png", "http://127.0.0.1:8080"),
    ("/tiles/{z}/{x}/{y}.png", None),  # our own origin: 'self' covers it
    (None, None),
])
def test_the_csp_allows_the_tile_servers_origin_derived_from_its_url(url, origin):
    from webapp.config import tile_origin
    assert tile_origin(url) == origin


def test_make_run_configures_an_openly_licensed_base_map_with_its_attribution():
    makefile = (Path(__file__).parents[2] / "Makefile").read_text()
    assert "MAP_TILE_URL ?= https://tile.openstreetmap.org/{z}/{x}/{y}.png" in makefile
    assert "OpenStreetMap</a> contributors" in makefile
    assert "export MAP_TILE_URL" not in makefile  # the tests run without tiles (offline)


def test_provider_tab_lists_25_per_page_with_links_that_work_without_javascript(app, client):
    add_areas(60)
    html = client.get("/map", query_string={"focus": "helsinki"}).get_data(as_text=True)
    listed = _list(html)
    assert listed.count('class="card place"') == 25
    assert "Testialue 0<" in listed and "Testialue 25<" not in listed
    next_link = re.search(r'<a class="button" rel="next" href="([^"]+)"', listed).group(1).replace("&amp;", "&")
    assert "page=2" in next_link and "focus=helsinki" in next_link
    last = _list(client.get("/map?focus=helsinki&page=3").get_data(as_text=True))
    assert last.count('class="card place"') == 10 and 'rel="next"' not in last and 'rel="prev"' in last
    assert "51–60 of 60" in last


def test_next_page_answers_htmx_with_the_list_only(app, client):
    add_areas(30)
    response = client.get("/map?focus=helsinki&page=2", headers={"HX-Request": "true", "HX-Target": "place-list"})
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="place-list"') and "data-config" not in html
    assert html.count('class="card place"') == 5
    assert "HX-Request" in response.headers["Vary"]


def test_search_filters_in_sql_by_code_street_and_name_without_accents(app, client):
    add_areas(30)
    add_areas(1, prefix="Töölö", first=500)
    by_code = _list(client.get("/map?focus=helsinki&q=900017").get_data(as_text=True))
    assert by_code.count('class="card place"') == 1 and "Testialue 17<" in by_code
    by_street = _list(client.get("/map?focus=helsinki&q=testgatan+2").get_data(as_text=True))
    assert "Testialue 2<" in by_street and "Testialue 20<" in by_street and "Testialue 3<" not in by_street
    plain = _list(client.get("/map?q=toolo").get_data(as_text=True))
    assert "Töölö 500" in plain and "Testialue" not in plain
    assert "Nothing matches" in client.get("/map?q=%25").get_data(as_text=True)  # LIKE wildcards are text


def test_all_providers_view_shows_a_few_of_each_and_a_link_to_its_tab(app, client):
    add_areas(12)
    register_lot(app)
    listed = _list(client.get("/map").get_data(as_text=True))
    assert listed.count('class="card place"') >= 6  # five areas and the lot
    assert "All 12 in Helsinki street parking" in listed
    assert "Sejong-ro public car park" in listed  # the name in the reader's words (webapp/seoul/glossary.py)


def test_focus_seoul_lists_only_seoul_and_opens_the_map_over_seoul(app, client):
    add_areas(5)
    register_lot(app)
    html = client.get("/map?focus=seoul").get_data(as_text=True)
    listed = _list(html)
    assert "세종로 공영주차장" in listed and "Testialue" not in listed
    assert _config(html)["centre"] == [37.54, 126.99]
    assert 'aria-current="page">Seoul parking lots' in html


def test_seoul_lots_are_found_by_their_romanised_name(app, client):
    register_lot(app)
    listed = _list(client.get("/map?focus=seoul&q=sejongro").get_data(as_text=True))
    assert "세종로 공영주차장" in listed and 'lang="ko"' in listed
    assert "Nothing matches" in client.get("/map?focus=seoul&q=gangnam").get_data(as_text=True)


def test_at_opens_the_map_on_a_point_and_lists_the_nearest_first(app, client):
    add_areas(10)
    html = client.get("/map?focus=helsinki&at=60.1702,24.9385").get_data(as_text=True)
    config = _config(html)
    assert config["centre"] == [60.1702, 24.9385] and config["zoom"] == 16 and config["marker"]
    names = re.findall(r"<strong>(Testialue \d+)</strong>", _list(html))
    assert names[:4] == ["Testialue 8", "Testialue 9", "Testialue 7", "Testialue 6"]
    assert "km away" in _list(html)


def test_bbox_limits_the_list_to_the_map_view(app, client):
    add_areas(10)
    listed = _list(client.get("/map?focus=helsinki&bbox=24.929,60.16,24.932,60.18").get_data(as_text=True))
    assert re.findall(r"<strong>(Testialue \d+)</strong>", listed) == ["Testialue 0", "Testialue 1"]
    assert "Show all" in listed


def test_nonsense_arguments_are_ignored_not_errors(client):
    for query in ("page=abc", "page=-4", "page=99999999", "at=north", "at=91,0", "bbox=1,2,3", "near=nan,nan",
                  "focus=nowhere", "q=" + "x" * 5000):
        assert client.get(f"/map?{query}").status_code == 200, query

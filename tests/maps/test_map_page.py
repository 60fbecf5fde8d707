import re

from webapp.maps.layers import MapFeature, MapLayer, register_layer

CDN = re.compile(r"cdn\.jsdelivr|unpkg\.com|cdnjs\.|code\.jquery\.com|bootstrapcdn|googleapis|https?://(?!127\.0\.0\.1)")


def _demo_layer():
    features = [
        MapFeature(geometry={"type": "Point", "coordinates": [24.9384, 60.1699]}, title="Kamppi P1",
                   subtitle="Fredrikinkatu 10", search_text="area 1001", url="/places/1",
                   popup_html="<strong>Kamppi &lt;P1&gt;</strong>"),
        MapFeature(geometry={"type": "Polygon", "coordinates": [[[24.95, 60.17], [24.951, 60.17], [24.951, 60.171],
                                                                  [24.95, 60.17]]]},
                   title="Kallio", subtitle="Fleminginkatu", search_text="area 2002"),
    ]
    return MapLayer(key="demo", title=lambda: "Demo layer", features=lambda language: features)


def test_map_page_uses_only_local_assets(client, make_user, login):
    login(make_user())
    html = client.get("/map").get_data(as_text=True)
    assert "/static/vendor/leaflet/leaflet.js" in html
    assert "/static/vendor/htmx/htmx.min.js" in html
    assert not CDN.search(re.sub(r'xmlns="[^"]+"', "", html)), CDN.search(html)
    assert "bootstrap" not in html and "awesome-markers" not in html and "glyphicons" not in html
    assert "<iframe" not in html


def test_map_page_without_layers_shows_empty_list(app, client, make_user, login):
    app.extensions["map_layers"] = {}
    login(make_user())
    html = client.get("/map").get_data(as_text=True)
    assert "No parking places to show yet" in html
    assert 'class="folium-map"' in html


def test_each_layer_is_one_geojson_layer_with_toggle_and_list(app, client, make_user, login):
    app.extensions["map_layers"] = {}
    register_layer(app, _demo_layer())
    login(make_user())
    html = client.get("/map").get_data(as_text=True)
    assert html.count("L.geoJson(") == 1
    assert "L.control.layers" in html and '"Demo layer"' in html
    assert "Kamppi P1" in html and 'href="/places/1"' in html and "Fredrikinkatu 10" in html


def test_list_search_matches_codes_and_answers_htmx_with_list_only(app, client, make_user, login):
    register_layer(app, _demo_layer())
    login(make_user())
    response = client.get("/map", query_string={"q": "2002"},
                          headers={"HX-Request": "true", "HX-Target": "place-list"})
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="place-list"')
    assert "Kallio" in html and "Kamppi P1" not in html
    assert "HX-Request" in response.headers["Vary"]


def test_popup_html_is_passed_as_escaped_data(app, client, make_user, login):
    register_layer(app, _demo_layer())
    login(make_user())
    html = client.get("/map").get_data(as_text=True)
    assert "Kamppi &lt;P1&gt;" in html or "Kamppi \\u0026lt;P1\\u0026gt;" in html

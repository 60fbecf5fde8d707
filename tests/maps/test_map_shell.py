"""The map shell: folium makes the Leaflet map (tiles, our own assets) once, and the page places it.

Nothing that depends on the request or on a provider goes into it: folium compiles its output
as a Jinja template again (webapp/maps/shell.py)."""

from __future__ import annotations

import re

import folium
import pytest
from folium.plugins import MarkerCluster

from webapp.maps import shell

MAP_NAME = re.compile(r'data-map-name="(map_[0-9a-f]{32})"')
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", re.S)
HOSTILE = "{{ 7*7 }} <script>alert(1)</script> {% if true %}TAKEN{% endif %}"


@pytest.fixture(autouse=True)
def _fresh_shell():
    shell.clear_cache()
    yield
    shell.clear_cache()


def _inline_scripts(html: str) -> list[tuple[str, str]]:
    return INLINE_SCRIPT.findall(html)


def _shell_script(html: str) -> str:
    scripts = _inline_scripts(html)
    assert len(scripts) == 1, scripts
    return scripts[0][1]


def _without_folium_names(script: str) -> str:
    # folium's variable names end in random hex digits, which may well contain "49"
    return re.sub(r"\b[a-z_]+_[0-9a-f]{32}\b", "NAME", script)


def test_the_pages_map_is_made_by_folium(client):
    response = client.get("/map")
    html = response.get_data(as_text=True)
    name = MAP_NAME.search(html).group(1)
    # folium's element sits in our map element, and its script assigns the map to that global
    frame = html.split('id="map"', 1)[1].split("</div>", 1)[0]
    assert f'<div class="folium-map" id="{name}"' in frame
    attrs, script = _inline_scripts(html)[0]
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    assert f'nonce="{nonce}"' in attrs
    assert f"var {name} = L.map(" in script and f"L.control.scale().addTo({name})" in script
    # Leaflet and MarkerCluster (folium's asset list, made ours) load before that script; map.js after it
    head = html.split("</head>", 1)[0]
    assert re.search(r'<script src="/static/vendor/leaflet/leaflet\.js\?v=[0-9a-f]{16}">', head)
    assert re.search(r'<script src="/static/vendor/leaflet-markercluster/leaflet\.markercluster\.js\?v=[0-9a-f]{16}"',
                     head)
    assert '<link rel="stylesheet" href="/static/vendor/leaflet/leaflet.css?v=' in head
    assert html.index(f"var {name} = L.map(") < html.index("/static/js/map.js")


def test_the_shell_and_its_assets_come_from_our_origin_only(client, app):
    app.config["MAP_TILE_URL"] = "/tiles/{z}/{x}/{y}.png"
    html = client.get("/map").get_data(as_text=True)
    with app.test_request_context():
        built = shell.map_shell()
    for piece in (built.assets, built.html, built.script):
        assert not re.search(r"https?://|(?:src|href)=\"//", piece), piece
    assert "jquery" not in html.lower() and "bootstrap" not in html.lower() and "awesome" not in html
    # folium's page-wide styles (html, body, #map) are left out
    assert "position:absolute" not in html and "L_NO_TOUCH" not in html


def test_folium_asking_for_a_cdn_is_refused(app, monkeypatch):
    original = folium.Map.__init__

    def with_a_cdn_plugin(self, *args, **kwargs):
        original(self, *args, **kwargs)
        MarkerCluster().add_to(self)  # brings its CDN scripts along

    monkeypatch.setattr(folium.Map, "__init__", with_a_cdn_plugin)
    with app.test_request_context(), pytest.raises(ValueError, match=r"cdnjs|jsdelivr"):
        shell.map_shell()


def test_the_shell_carries_nothing_from_the_request_or_a_provider(app, client):
    from tests.seoul.support import register_lot

    register_lot(app, write={"parking_lot_name": "PROBE {{ 7*7 }} <b>x</b>"})
    plain = _shell_script(client.get("/map").get_data(as_text=True))
    for query in ({"at": "61.5,25.5", "q": HOSTILE}, {"at": HOSTILE, "focus": "seoul", "near": HOSTILE},
                  {"focus": "seoul", "q": "PROBE"}):
        html = client.get("/map", query_string=query).get_data(as_text=True)
        script = _shell_script(html)
        assert script == plain, query  # the same text for every request
        for text in ("61.5", "37.54", "49", "PROBE", "alert", "TAKEN", "<script"):
            assert text not in _without_folium_names(script), (query, text)
    # the page's view is data for map.js, not folium's: ?at= moves the view, the shell's centre stays
    assert "center: [60.1699, 24.9384]" in plain


def test_the_shell_is_rendered_once_across_requests(app, client, monkeypatch):
    renders = []
    original = folium.Figure.render

    def counted(self, **kwargs):
        renders.append(self)
        return original(self, **kwargs)

    monkeypatch.setattr(folium.Figure, "render", counted)
    names = {MAP_NAME.search(client.get("/map", query_string=query).get_data(as_text=True)).group(1)
             for query in ({}, {"focus": "seoul"}, {"at": "60.2,24.9"}, {"q": "x"}, {})}
    assert len(renders) == 1 and len(names) == 1
    client.get("/map", headers={"Accept-Language": "fi"})
    assert len(renders) == 1  # translated nothing: one shell for every language
    app.config["MAP_TILE_URL"] = "/tiles/{z}/{x}/{y}.png"
    client.get("/map")
    client.get("/map")
    assert len(renders) == 2  # a new configuration is a new shell, once


def test_a_configured_tile_server_is_a_folium_tile_layer(app, client):
    html = client.get("/map").get_data(as_text=True)
    assert "L.tileLayer(" not in _shell_script(html)
    app.config["MAP_TILE_URL"] = "http://127.0.0.1:8080/{z}/{x}/{y}.png"
    app.config["MAP_TILE_ATTRIBUTION"] = "© Test tiles"
    html = client.get("/map").get_data(as_text=True)
    script = _shell_script(html)
    name = MAP_NAME.search(html).group(1)
    layer = re.search(r'var (tile_layer_[0-9a-f]+) = L\.tileLayer\(\s*"http://127\.0\.0\.1:8080/\{z\}/\{x\}/\{y\}\.png"',
                      script)
    assert layer and f"{layer.group(1)}.addTo({name})" in script
    assert '"attribution": "\\u00a9 Test tiles"' in script or '"attribution": "© Test tiles"' in script
    assert '"maxZoom": 19' in script


def test_tile_configuration_with_template_syntax_is_not_evaluated(app, client):
    app.config["MAP_TILE_URL"] = "http://127.0.0.1:8080/{z}/{x}/{y}.png"
    app.config["MAP_TILE_ATTRIBUTION"] = "tiles {{ 7*7 }}"
    response = client.get("/map")
    assert response.status_code == 200
    script = _without_folium_names(_shell_script(response.get_data(as_text=True)))
    assert "L.tileLayer(" not in script and "49" not in script

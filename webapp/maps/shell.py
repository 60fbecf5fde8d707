"""The map shell: folium builds the Leaflet map, its base tiles and its asset tags, and nothing else.

Only our own configuration goes through folium (the tile URL and its attribution, fixed numbers):
folium compiles its rendered script as a Jinja template again (an attribution ``{{ 7*7 }}`` comes
out as ``49``), so provider and user text never may, and configuration with template syntax is
refused. The layers, popups, the ``?at=`` point and the initial view come to static/js/map.js as data
(the map element's ``data-config``) and are applied to the map folium made (``window[map_name]``).

folium's default assets (Leaflet, jQuery and Bootstrap from CDNs) are replaced with our own
fingerprinted copies of Leaflet and MarkerCluster. The shell does not depend on the request, so
it is rendered once per (tile URL, attribution, asset URLs) and a page costs a dict lookup.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

import folium
from flask import current_app, url_for
from markupsafe import Markup

#: where folium opens the map before static/js/map.js moves it to the page's own view
DEFAULT_CENTRE = (60.1699, 24.9384)
DEFAULT_ZOOM = 13
#: MarkerCluster needs a maxZoom on the map when no tile layer gives one
MIN_ZOOM, MAX_ZOOM = 2, 19

_SCRIPTS = ("vendor/leaflet/leaflet.js", "vendor/leaflet-markercluster/leaflet.markercluster.js")
_STYLESHEETS = ("vendor/leaflet/leaflet.css", "vendor/leaflet-markercluster/MarkerCluster.css")
_ASSET_TAG = re.compile(r"<(?:script|link)\b[^>]*(?:src|href)=\"([^\"]+)\"[^>]*>(?:</script>)?")
_EXTERNAL_URL = re.compile(r"(?:https?:)?//[^\s\"'<>]+")
#: what folium's second Jinja pass would evaluate; even our own configuration must not carry it
_JINJA_SYNTAX = re.compile(r"\{[{%#]|[}%#]\}")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MapShell:
    """The pieces find.html places: asset tags (head), the map element, its script (inline, nonce)."""

    assets: Markup
    html: Markup
    script: Markup
    #: the global variable folium's script assigns the Leaflet map to
    map_name: str


def _build(tile_url: str | None, attribution: str, scripts: tuple[str, ...], stylesheets: tuple[str, ...]) -> MapShell:
    figure_map = folium.Map(location=list(DEFAULT_CENTRE), zoom_start=DEFAULT_ZOOM, tiles=None,
                            control_scale=True, width="100%", height="100%")
    figure_map.options.update(minZoom=MIN_ZOOM, maxZoom=MAX_ZOOM)
    # (name, url) pairs as folium keeps them; names are only keys for de-duplication
    figure_map.default_js = [(f"js{n}", url) for n, url in enumerate(scripts)]
    figure_map.default_css = [(f"css{n}", url) for n, url in enumerate(stylesheets)]
    if tile_url and _JINJA_SYNTAX.search(tile_url + attribution):
        # folium would evaluate it (see the module docstring): a configuration mistake, not a reason for a 500
        log.error("MAP_TILE_URL or MAP_TILE_ATTRIBUTION holds template syntax; the map is drawn without tiles")
    elif tile_url:
        # folium refuses custom tiles without an attribution; the tile server's name is the honest minimum
        folium.TileLayer(tiles=tile_url, attr=attribution or urlsplit(tile_url).netloc or tile_url,
                         max_zoom=MAX_ZOOM, max_native_zoom=MAX_ZOOM).add_to(figure_map)
    root = figure_map.get_root()
    root.render()
    header = root.header.render()
    # only the asset tags: folium's header also sets page-wide styles (html, body, #map) we do not want
    tags = list(dict.fromkeys(tag.group(0) for tag in _ASSET_TAG.finditer(header)))
    external = [url for tag in tags for url in _EXTERNAL_URL.findall(tag)]
    if external:
        raise ValueError(f"folium asked for assets from elsewhere: {external}")
    # folium's output holds only our code and configuration (see the module docstring)
    return MapShell(assets=Markup("\n".join(tags)), html=Markup(root.html.render().strip()),  # noqa: S704
                    script=Markup(root.script.render().strip()), map_name=figure_map.get_name())  # noqa: S704


#: one rendered shell per configuration; the asset URLs carry the files' hashes, so a changed file is a new key
_cached_build = lru_cache(maxsize=8)(_build)


def map_shell() -> MapShell:
    """The folium map shell for this app's configuration (rendered on first use, then cached)."""
    config = current_app.config
    tile_url = config.get("MAP_TILE_URL") or None
    return _cached_build(tile_url, config.get("MAP_TILE_ATTRIBUTION", "") if tile_url else "",
                         tuple(url_for("static", filename=name) for name in _SCRIPTS),
                         tuple(url_for("static", filename=name) for name in _STYLESHEETS))


def clear_cache() -> None:
    """Forget the rendered shells (tests that count renders start from nothing)."""
    _cached_build.cache_clear()

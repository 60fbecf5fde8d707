"""Folium map rendered into our own page template (no iframe).

Folium builds the Leaflet JavaScript; we take its parts apart: the map
``<div>`` goes into the page, its script runs under the page's CSP nonce, and
its asset list is replaced with files served from our own origin (Leaflet,
MarkerCluster and jQuery from the xstatic packages), trimmed to what we use:
no Bootstrap, no glyphicons, no awesome-markers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import folium
from flask import current_app, url_for
from folium.plugins import FastMarkerCluster
from folium.utilities import JsCode
from markupsafe import Markup

from webapp.maps.layers import MapFeature, MapLayer

HELSINKI_CENTRE = (60.1699, 24.9384)

# a feature's popup is HTML we escaped on the server; Leaflet only inserts it
_BIND_POPUP = JsCode(
    "function(feature, layer) {"
    " if (feature.properties.popup_html) { layer.bindPopup(feature.properties.popup_html, {maxWidth: 320}); }"
    " if (feature.properties.title) { layer.bindTooltip(feature.properties.title); } }"
)
_POINT_TO_LAYER = JsCode(
    "function(feature, latlng) {"
    " return L.circleMarker(latlng, Object.assign({radius: 8, weight: 2}, feature.properties.style || {})); }"
)
_EMPTY_COLLECTION = {"type": "FeatureCollection", "features": []}
_ASSET_TAG = re.compile(r"<(?:script|link)\b[^>]*(?:src|href)=\"([^\"]+)\"[^>]*>(?:</script>)?")


@dataclass(frozen=True)
class RenderedMap:
    """The pieces our template places: asset tags, the map element and its script."""

    assets: Markup
    html: Markup
    script: Markup
    map_name: str
    #: folium layer variable -> its GeoJSON FeatureCollection; the page embeds it as JSON
    #: data and static/js/map.js adds it to the layer
    layer_data: dict = field(default_factory=dict)


def _local_assets() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    js = [("leaflet", url_for("static", filename="vendor/leaflet/leaflet.js")),
          ("jquery", url_for("static", filename="vendor/jquery/jquery.min.js"))]
    css = [("leaflet_css", url_for("static", filename="vendor/leaflet/leaflet.css"))]
    return js, css


def _cluster_assets(plugin) -> None:
    plugin.default_js = [("markerclusterjs",
                          url_for("static", filename="vendor/leaflet-markercluster/leaflet.markercluster.js"))]
    plugin.default_css = [
        ("markerclustercss", url_for("static", filename="vendor/leaflet-markercluster/MarkerCluster.css")),
        ("markerclusterdefaultcss",
         url_for("static", filename="vendor/leaflet-markercluster/MarkerCluster.Default.css")),
    ]


def feature_collection(features: list[MapFeature]) -> dict:
    """A layer's features as one GeoJSON FeatureCollection."""
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": f.geometry,
             "properties": {"title": f.title, "popup_html": f.popup(), "style": f.style}}
            for f in features
        ],
    }


def render_map(layers: list[tuple[MapLayer, list[MapFeature]]], centre=HELSINKI_CENTRE, zoom: int = 13) -> RenderedMap:
    """Build the folium map with one GeoJSON layer per provider and toggles.

    Args:
        layers: each registered layer with the features to show.
        centre: (latitude, longitude) of the initial view.
        zoom: initial zoom level.
    """
    tile_url = current_app.config.get("MAP_TILE_URL")
    m = folium.Map(location=list(centre), zoom_start=zoom, tiles=None, control_scale=True,
                   width="100%", height="100%")
    layer_data: dict[str, dict] = {}
    js, css = _local_assets()
    m.default_js, m.default_css = js, css
    if tile_url:
        folium.TileLayer(tiles=tile_url, attr=current_app.config.get("MAP_TILE_ATTRIBUTION", ""),
                         name="Map").add_to(m)
    for layer, features in layers:
        points = [f for f in features if f.geometry.get("type") == "Point"]
        if layer.cluster_points and len(points) == len(features) and features:
            # one clustered layer fed with coordinates only; the list view carries the details
            cluster = FastMarkerCluster([[f.geometry["coordinates"][1], f.geometry["coordinates"][0]] for f in points],
                                        name=layer.title())
            _cluster_assets(cluster)
            cluster.add_to(m)
            continue
        # folium compiles its rendered script as a Jinja template again (Element(text)), so
        # no provider text may go through it: the layer starts empty and the features
        # travel as JSON data in the page, added by static/js/map.js
        geojson = folium.GeoJson(_EMPTY_COLLECTION, name=layer.title(),
                                 on_each_feature=_BIND_POPUP, point_to_layer=_POINT_TO_LAYER).add_to(m)
        layer_data[geojson.get_name()] = feature_collection(features)
    if layers:
        folium.LayerControl(collapsed=False).add_to(m)
    root = m.get_root()
    root.render()
    header = root.header.render()
    assets = "\n".join(dict.fromkeys(tag.group(0) for tag in _ASSET_TAG.finditer(header)))
    # folium's own output holds only our code, coordinates and our translated layer titles
    return RenderedMap(assets=Markup(assets), html=Markup(root.html.render()),  # noqa: S704
                       script=Markup(root.script.render()), map_name=m.get_name(),  # noqa: S704
                       layer_data=layer_data)


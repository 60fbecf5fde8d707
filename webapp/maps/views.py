"""Find parking: one map with a layer per provider, each layer served as GeoJSON, and a list in SQL.

The page is server-rendered and works without JavaScript as a paged, searchable
list. folium builds the map shell (webapp/maps/shell.py: the Leaflet map, the base
tiles from our configuration, our own asset files), rendered once and reused by every
request; it holds no provider or user text. The map script (static/js/map.js) takes
that map, sets the page's view (``?at=``, a provider's centre) from the element's
``data-config``, fetches each layer from ``/map/layers/<key>.geojson`` and builds
popups in the browser from plain properties, so no provider text ever goes through
a template compiler or ``innerHTML``. The map and the list are public: signing in is
asked only to book.
"""

from __future__ import annotations

import hashlib
import json
import logging

from flask import Blueprint, Response, abort, current_app, redirect, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from webapp.maps.layers import LayerFeatures, ListPage, ListQuery, RawJSON, find_layer, registered_layers
from webapp.maps.search import BBox, parse_point, search_words
from webapp.maps.shell import map_shell
from webapp.maps.styles import STYLES, legend
from webapp.web.hypermedia import page_or_block
from webapp.web.locale import current_language

log = logging.getLogger(__name__)

bp = Blueprint("maps", __name__)

HELSINKI_CENTRE = (60.1699, 24.9384)
#: places per page of a provider's tab; the "all providers" view shows the first few of each
PAGE_SIZE = 25
PREVIEW_SIZE = 5
MAX_PAGE = 400
#: a layer with more features than this is loaded by the map's viewport (the script sends ``bbox`` and
#: fetches again after each move). Up to here one response is a few hundred KiB of GeoJSON, compressed
#: well under 100 KiB, and Leaflet draws it without stutter on a phone; beyond it both grow linearly.
VIEWPORT_THRESHOLD = 2000
#: the most features one endpoint response carries (a zoomed-out view of a large layer says "zoom in")
MAX_FEATURES = 2000
#: browsers and proxies may reuse a layer this long; after that they revalidate with the ETag (a 304)
LAYER_MAX_AGE = 30
#: zoom of ``/map?at=lat,lon`` (a street and its neighbours)
POINT_ZOOM = 16


@bp.get("/")
def home():
    return redirect(url_for("maps.find_parking"))


def _page_number() -> int:
    try:
        return min(MAX_PAGE, max(1, int(request.args.get("page", "1"))))
    except ValueError:
        return 1


def _list_sections(layers, focus, query: ListQuery):
    """Each layer shown in the list with its page of places (one layer on a provider's tab)."""
    shown = [focus] if focus else layers
    sections = []
    for layer in shown:
        try:
            page = layer.listing(query)
        except Exception:  # one provider's failure must not take the page down
            log.exception("map list of %s failed", layer.key)
            page = ListPage([], 0)
        sections.append((layer, page))
    return sections


def _link(**changes) -> str:
    """This page's URL with some arguments changed (None removes one)."""
    args = {key: value for key, value in request.args.items() if key in {"q", "focus", "bbox", "near", "at", "page"}}
    args.update(changes)
    return url_for("maps.find_parking", **{k: v for k, v in args.items() if v not in (None, "")})


def _map_config(layers, focus, at, language: str, known_totals: dict[str, int]) -> dict:
    """What the map script needs, read from one data attribute (our own values and translated labels)."""
    if at is not None:
        centre, zoom = at, POINT_ZOOM
    elif focus is not None and focus.centre:
        centre, zoom = focus.centre, focus.zoom
    else:
        centre, zoom = HELSINKI_CENTRE, 13
    tile_url = current_app.config.get("MAP_TILE_URL")
    entries = []
    for layer in layers:
        try:
            size = known_totals[layer.key] if layer.key in known_totals else layer.count()
            large = size > VIEWPORT_THRESHOLD
        except Exception:
            log.exception("map layer %s could not be counted", layer.key)
            continue
        entries.append({"key": layer.key, "title": layer.title(), "kind": layer.kind, "large": large,
                        "url": url_for("maps.layer_geojson", key=layer.key, lang=language)})
    return {
        "centre": list(centre), "zoom": zoom, "marker": list(at) if at else None,
        "tiles": {"url": tile_url, "attribution": current_app.config.get("MAP_TILE_ATTRIBUTION", "")}
        if tile_url else None,
        "layers": entries, "styles": STYLES, "label_zoom": 15,
        # Leaflet's own control titles are English: the script puts these in their place
        "controls": {"zoom_in": _("Zoom in"), "zoom_out": _("Zoom out"), "layers": _("Layers")},
    }


@bp.get("/map")
def find_parking():
    language = current_language()
    layers = registered_layers()
    focus = find_layer(request.args.get("focus"))
    query_text = request.args.get("q", "")[:100]
    page = _page_number()
    near = parse_point(request.args.get("near")) or parse_point(request.args.get("at"))
    bbox = BBox.parse(request.args.get("bbox"))
    size = PAGE_SIZE if focus else PREVIEW_SIZE
    query = ListQuery(words=search_words(query_text), language=language,
                      offset=(page - 1) * PAGE_SIZE if focus else 0, limit=size, bbox=bbox, near=near)
    sections = _list_sections(layers, focus, query)
    context = {"sections": sections, "layers": layers, "focus": focus, "query": query_text, "page": page,
               "page_size": size, "bbox": bbox, "near": near, "link": _link,
               "total": sum(section.total for _layer, section in sections)}
    if request.headers.get("HX-Target") == "place-list":
        return page_or_block("maps/find.html", "place_list", ("place_list",), **context)
    at = parse_point(request.args.get("at"))
    # an unfiltered list already counted its layer: the map's "large" test needs no second COUNT
    known_totals = {} if query.words or query.bbox else {layer.key: section.total for layer, section in sections}
    return page_or_block("maps/find.html", None, (), map_config=_map_config(layers, focus, at, language, known_totals),
                         map_shell=map_shell(), legend=legend(), **context)


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _feature_json(feature: dict) -> str:
    geometry = feature.get("geometry")
    if not isinstance(geometry, RawJSON):
        return _dumps(feature)
    rest = _dumps({key: value for key, value in feature.items() if key != "geometry"})
    return f'{rest[:-1]},"geometry":{geometry}}}'


def _collection_json(found: LayerFeatures) -> str:
    """The FeatureCollection's text; stored geometries (``RawJSON``) go in without a decode and encode."""
    features = ",".join(_feature_json(feature) for feature in found.features)
    return f'{{"type":"FeatureCollection","truncated":{_dumps(found.truncated)},"features":[{features}]}}'


def _layer_language() -> str:
    language = request.args.get("lang", "")
    return language if language in current_app.config["LANGUAGES"] else current_language()


@bp.get("/map/layers/<key>.geojson")
def layer_geojson(key: str):
    """One layer as a GeoJSON FeatureCollection (``bbox=minlon,minlat,maxlon,maxlat`` for a part of it).

    The ETag is derived from the layer's data version, the language and the box, so an
    unchanged layer costs one small query and a 304. The response is the same for every
    visitor (the language is in the URL), hence ``public``.
    """
    layer = find_layer(key)
    if layer is None:
        abort(404)
    bbox_text = request.args.get("bbox")
    bbox = BBox.parse(bbox_text) if bbox_text else None
    if bbox_text and bbox is None:
        abort(400)
    language = _layer_language()
    version = layer.version()
    tag = hashlib.sha256(f"{key}|{language}|{version}|{bbox.key() if bbox else ''}".encode()).hexdigest()[:24]
    cache_control = f"public, max-age={LAYER_MAX_AGE}"
    if tag in request.if_none_match:
        response = Response(status=304)
    else:
        # "en_GB" for English: British dates and money, as the pages show them
        with force_locale("en_GB" if language == "en" else language):
            found = layer.features(language, bbox, MAX_FEATURES)
        response = Response(_collection_json(found), mimetype="application/geo+json")
    response.set_etag(tag)
    response.headers["Cache-Control"] = cache_control
    return response

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
import uuid

from flask import Blueprint, Response, abort, current_app, redirect, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from webapp.maps.cache import ENCODINGS
from webapp.maps.cache import answers as answer_cache
from webapp.maps.layers import (
    LayerFeatures,
    ListPage,
    ListQuery,
    RawJSON,
    extent,
    find_layer,
    registered_layers,
    view_groups,
)
from webapp.maps.search import BBox, TileView, parse_point, search_words
from webapp.maps.shell import map_shell
from webapp.maps.styles import STYLES, legend
from webapp.web.hypermedia import page_or_block
from webapp.web.locale import current_language
from webapp.web.static_files import sessionless

log = logging.getLogger(__name__)

bp = Blueprint("maps", __name__)

HELSINKI_CENTRE = (60.1699, 24.9384)
#: places per page of a provider's tab; the "all providers" view shows the first few of each
PAGE_SIZE = 25
PREVIEW_SIZE = 5
MAX_PAGE = 400
#: a layer with more places than this is loaded by the map's view (the script sends the view's tiles and
#: fetches again when a move shows other tiles); a smaller one is loaded whole, once. Up to here a whole
#: layer is some 30 KB compressed (Helsinki's polygons are the largest), so three of them and the page stay
#: under the 150 KB a first visit may cost (bench/map.py), whatever the size of the city.
VIEWPORT_THRESHOLD = 500
#: a view holding more places than this is answered with groups of them, counted on a grid in SQL
#: (``layers.view_groups``): a map cannot show more places apart, and the answer stays a few kilobytes
CLUSTER_ABOVE = 500
#: the most features a request to a layer without positions carries (then ``truncated``)
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
        "layers": entries, "styles": STYLES, "label_zoom": 15, "tiles_span": TileView.MAX_SPAN,
        # a numbered circle of places the server grouped (a view holding more than CLUSTER_ABOVE), for screen readers
        "group_label": _("Places here: %(count)s. Zoom in to see them."),
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


#: one encoder for every answer (``json.dumps`` with options builds a new one per call)
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _collection_json(found: LayerFeatures, clustered: bool = False) -> str:
    """The FeatureCollection's text, encoded in one pass (C's encoder over the whole list: one call per
    feature was a third of a street-level answer). A JSON text already written (``RawJSON``: a whole
    feature, or a stored geometry) goes in as it is, without a decode and an encode: it is encoded as a
    placeholder of this answer's own random text, which no provider can send, and the text then takes each
    placeholder's place in order."""
    placeholder = f"raw-{uuid.uuid4().hex}"
    written = []
    features = []
    for feature in found.features:
        if isinstance(feature, RawJSON):
            written.append(feature)
            feature = placeholder
        elif isinstance(geometry := feature.get("geometry"), RawJSON):
            written.append(geometry)
            feature = {**feature, "geometry": placeholder}
        features.append(feature)
    text = _ENCODER.encode({"type": "FeatureCollection", "truncated": found.truncated, "clustered": clustered,
                            "features": features})
    if not written:
        return text
    parts = text.split(f'"{placeholder}"')
    if len(parts) != len(written) + 1:  # never: the placeholder is this answer's own
        raise RuntimeError("a layer answer's placeholder was not found once per written text")
    return "".join(part for pair in zip(parts, [*written, ""], strict=True) for part in pair)


def _layer_language() -> tuple[str, bool]:
    """The URL's ``lang`` (the map script always sends it), else the browser's (then the answer varies on it).

    Never the profile's or the session's: a layer's answer is the same for every visitor who sends the same
    request, so shared caches may keep it and it does not read the session.
    """
    supported = current_app.config["LANGUAGES"]
    language = request.args.get("lang", "")
    if language in supported:
        return language, False
    return request.accept_languages.best_match(supported) or current_app.config["BABEL_DEFAULT_LOCALE"], True


def _answer(layer, language: str, bbox: BBox | None, view: TileView | None) -> str:
    """What the layer shows for a view: its places, or groups of them when the view holds more than
    ``CLUSTER_ABOVE`` (a map cannot show more apart). A request by box groups the places inside it on the
    grid of the tiles that cover it, and one for the whole layer on the tiles that cover all its places, so
    that no request costs more than a view of ``CLUSTER_ABOVE`` places (a layer without positions is capped
    at ``MAX_FEATURES``)."""
    grid = None  # a layer without positions cannot be grouped
    if layer.positions is not None:
        grid = view
        if grid is None:
            around = bbox if bbox is not None else extent(layer.positions)
            grid = TileView.covering(around) if around is not None else None
    groups = view_groups(layer.positions, grid, CLUSTER_ABOVE, bbox) if grid is not None else None
    if groups is not None:  # a group holds no text: only ``cluster`` and ``count``
        return _collection_json(LayerFeatures([
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [longitude, latitude]},
             "properties": {"cluster": True, "count": places}} for longitude, latitude, places in groups]),
            clustered=True)
    # "en_GB" for English: British dates and money, as the pages show them
    with force_locale("en_GB" if language == "en" else language):
        found = layer.features(language, bbox, CLUSTER_ABOVE if grid is not None else MAX_FEATURES)
    return _collection_json(found)


def _encoding() -> str | None:
    """The compression the browser accepts, best first (None: none of ours)."""
    accepted = request.accept_encodings
    return next((encoding for encoding in ENCODINGS if accepted[encoding]), None)


def _encoding_for(body: bytes, encoding: str | None) -> str | None:
    # below Flask-Compress's minimum a compressed body plus its header saves nothing (as for every other response)
    return encoding if len(body) >= current_app.config.get("COMPRESS_MIN_SIZE", 500) else None


@bp.get("/map/layers/<key>.geojson")
@sessionless
def layer_geojson(key: str):
    """One layer as a GeoJSON FeatureCollection, for a view or for all of it.

    ``view=zoom/x0/y0/x1/y1`` (the tiles of the map's view, as the map script sends it) answers the
    places of that view, or groups of them (``clustered``) when there are more than a map can show;
    ``bbox=minlon,minlat,maxlon,maxlat`` a part of the layer; neither the whole layer. A box and the whole
    layer are grouped the same way, on the tiles that cover them (``_answer``).

    The ETag is derived from the layer's data version, the language and the view, and names the
    answer in this worker's cache (``webapp.maps.cache``): an unchanged layer costs its version
    query and a 304, or the cached (and already compressed) body — never its places' queries again.
    The response is the same for every visitor (the language is in the URL): ``public``, and it
    neither reads nor sets the session, so it does not vary on the cookie.
    """
    layer = find_layer(key)
    if layer is None:
        abort(404)
    view_text, bbox_text = request.args.get("view"), request.args.get("bbox")
    view = TileView.parse(view_text) if view_text else None
    bbox = view.bbox() if view is not None else BBox.parse(bbox_text) if bbox_text else None
    if (view_text and view is None) or (bbox_text and not view_text and bbox is None):
        abort(400)
    language, by_browser = _layer_language()
    version = layer.version()
    where = f"v{view.key()}" if view is not None else bbox.key() if bbox is not None else ""
    tag = hashlib.sha256(f"{key}|{language}|{version}|{where}".encode()).hexdigest()[:24]
    encoding = _encoding()
    # a browser sends back the tag of the form it holds ("<tag>:br" for a compressed one, as Flask-Compress
    # names them): the same data in any form is still fresh
    held = next((held for held in request.if_none_match.as_set(include_weak=True)
                 if held.split(":", 1)[0] == tag), None)
    if held is not None:
        response = Response(status=304)
        response.set_etag(held)
    else:
        answers = answer_cache()
        answer = answers.get(tag)
        if answer is None:
            answer = answers.put(tag, _answer(layer, language, bbox, view).encode())
        encoding = _encoding_for(answer.body, encoding)
        body = answer.in_encoding(encoding)
        answers.trim()
        response = Response(body, mimetype="application/geo+json")
        if encoding is not None:
            response.headers["Content-Encoding"] = encoding
        response.set_etag(f"{tag}:{encoding}" if encoding else tag)
    response.vary.add("Accept-Encoding")
    if by_browser:
        response.vary.add("Accept-Language")
    response.headers["Cache-Control"] = f"public, max-age={LAYER_MAX_AGE}"
    return response

"""Find parking: one map with a layer per provider, and the same places as a list."""

from __future__ import annotations

from flask import Blueprint, redirect, request, url_for
from flask_login import login_required

from webapp.maps.layers import MapFeature, registered_layers
from webapp.maps.render import render_map
from webapp.web.hypermedia import page_or_block
from webapp.web.locale import current_language

bp = Blueprint("maps", __name__)

MAX_LIST_ROWS = 200


def _matches(feature: MapFeature, words: list[str]) -> bool:
    haystack = f"{feature.title} {feature.subtitle} {feature.search_text}".casefold()
    return all(word in haystack for word in words)


@bp.get("/")
def home():
    return redirect(url_for("maps.find_parking"))


@bp.get("/map")
@login_required
def find_parking():
    language = current_language()
    query = request.args.get("q", "")[:100]
    words = query.casefold().split()
    layers = [(layer, layer.features(language)) for layer in registered_layers()]
    listed = [
        (layer, [f for f in features if _matches(f, words)][:MAX_LIST_ROWS]) for layer, features in layers
    ]
    total = sum(len(features) for _layer, features in listed)
    if request.headers.get("HX-Target") == "place-list":
        return page_or_block("maps/find.html", "place_list", ("place_list",), listed=listed, query=query,
                             total=total, rendered=None)
    # ?focus=<layer key> opens the map over that layer (Seoul is far from the default Helsinki view)
    focus = next((layer for layer, _f in layers if layer.key == request.args.get("focus") and layer.centre), None)
    rendered = render_map(layers, centre=focus.centre, zoom=focus.zoom) if focus else render_map(layers)
    return page_or_block("maps/find.html", None, (), rendered=rendered, listed=listed, query=query, total=total)

"""The registry of map layers: each feature adds one layer, served as data.

A layer answers three questions, each with a bounded SQL query of its own
(never by loading every place): its data ``version`` (the ETag of its GeoJSON
endpoint), its ``features`` as GeoJSON with plain properties (the browser
builds the popups; no HTML leaves the server), and a page of its ``listing``
for the list under the map (filtered by the search column, without geometry).

A layer also says where its places are (``Positions``), so that a view holding
more places than a map can show is answered with groups counted in SQL
(``count_in``, ``clusters``) instead of the places themselves. Groups depend on
positions alone, so they are kept per stamp of the layer's set of places
(``place_sets``), not per data version: the Seoul layer's version changes every
minute with the live counts, its places' positions hardly ever.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Flask, current_app
from sqlalchemy import and_, case, func, literal, select

from webapp.extensions import db
from webapp.maps.place_sets import kept_count, kept_for_set
from webapp.maps.search import BBox, TileView

#: the kinds of layer the map script knows: polygons coloured by zone, points clustered and coloured by free space
AREAS, POINTS = "areas", "points"


@dataclass(frozen=True)
class ListQuery:
    """One page of a layer's list.

    Attributes:
        words: normalised words (``search.search_words``); every one must match.
        language: the page's language (names of Helsinki areas come in three).
        offset: rows to skip; ``limit``: rows to return.
        bbox: only places inside the map's view (sent by the script).
        near: ``(lat, lon)``: nearest first.
    """

    words: tuple[str, ...] = ()
    language: str = "en"
    offset: int = 0
    limit: int = 25
    bbox: BBox | None = None
    near: tuple[float, float] | None = None


@dataclass(frozen=True)
class ListItem:
    """One place in the list: text only (escaped by the list's template)."""

    title: str
    subtitle: str = ""
    url: str | None = None
    title_lang: str | None = None
    distance_m: float | None = None
    #: the name in another script, shown beside the title (a Seoul lot's Hangul or romanised name)
    alt_title: str | None = None
    alt_title_lang: str | None = None


@dataclass(frozen=True)
class ListPage:
    """A page of a layer's list and how many places match in all."""

    items: list[ListItem]
    total: int


class RawJSON(str):
    """A JSON text taken as it is stored or was kept (a geometry, a whole feature), spliced into the answer
    without decoding."""


@dataclass(frozen=True)
class LayerFeatures:
    """GeoJSON features of a layer (at most the requested number) and whether some were left out: each a
    dict, or its finished JSON text as ``RawJSON``."""

    features: list[dict | RawJSON]
    truncated: bool = False


@dataclass(frozen=True)
class Positions:
    """Where a layer's places are, for counting and grouping them in SQL.

    Attributes:
        longitude, latitude: the columns of a place's point (an area's centre).
        shown: ``shown()`` is the condition that makes a row a place on the map (a described lot).
        place_set: the set (``place_sets.watch``) whose stamp changes with these columns and that condition.
    """

    longitude: object
    latitude: object
    shown: Callable[[], object]
    place_set: str

    def inside(self, bbox: BBox):
        """The rows shown and inside ``bbox`` (an index on longitude, latitude answers it)."""
        return and_(self.shown(), self.longitude.between(bbox.min_lon, bbox.max_lon),
                    self.latitude.between(bbox.min_lat, bbox.max_lat))


@dataclass(frozen=True)
class MapLayer:
    """A feature's layer on the "Find parking" map.

    Attributes:
        key: the layer's name in URLs (``/map/layers/<key>.geojson``, ``/map?focus=<key>``).
        title: its translated name (layer toggle, tabs, list headings).
        kind: ``AREAS`` or ``POINTS``.
        version: a short text that changes whenever the layer's data (or what it shows of it) changes.
        count: how many places the layer has (the map loads a large layer by viewport).
        features: ``features(language, bbox, limit)``: GeoJSON features with properties only
            (``title``, ``subtitle``, ``url``, ``action``, ``style``, ``details`` …).
        listing: ``listing(ListQuery)``: one page of the list.
        centre, zoom: where the map opens for ``/map?focus=<key>``.
    """

    key: str
    title: Callable[[], str]
    kind: str
    version: Callable[[], str]
    count: Callable[[], int]
    features: Callable[[str, BBox | None, int], LayerFeatures]
    listing: Callable[[ListQuery], ListPage]
    centre: tuple[float, float] | None = None
    zoom: int = 13
    positions: Positions | None = None


#: cells along each side of a tile when a view's places are grouped (a tile of 512 px: groups 128 px apart)
CELLS_PER_TILE = 4


def count_in(positions: Positions, bbox: BBox) -> int:
    """How many places are inside ``bbox`` (one COUNT over the position index)."""
    return db.session.scalar(select(func.count()).where(positions.inside(bbox))) or 0


def extent(positions: Positions) -> BBox | None:
    """The box around every place of the layer (None: it has none), kept per stamp of its set."""
    def compute() -> BBox | tuple[()]:
        edges = db.session.execute(select(func.min(positions.longitude), func.min(positions.latitude),
                                          func.max(positions.longitude), func.max(positions.latitude))
                                   .where(positions.shown())).one()
        return () if edges[0] is None else BBox(*(float(edge) for edge in edges))

    return kept_for_set(positions.place_set, ("extent",), compute) or None


def view_groups(positions: Positions, view: TileView, above: int,
                within: BBox | None = None) -> tuple[tuple[float, float, int], ...] | None:
    """The groups (longitude, latitude, places) of the places inside ``within`` (by default the whole view) on
    ``view``'s grid when there are more than ``above`` of them, else None.

    Kept per stamp of the positions' set and view: a view's COUNT and grouping (8-10 ms at 10,000 places on
    PostgreSQL) run once per change of where the places are, not once per change of their live figures.
    """
    box = within or view.bbox()

    def compute() -> tuple[tuple[float, float, int], ...]:
        if count_in(positions, box) <= above:
            return ()  # not grouped (kept as an empty answer: None is never kept)
        return clusters(positions, view, box)

    return kept_for_set(positions.place_set, ("groups", view.key(), box.key(), above), compute) or None


def clusters(positions: Positions, view: TileView, within: BBox | None = None) -> tuple[tuple[float, float, int], ...]:
    """The places of ``view`` grouped on a grid of the map's own tiles: (longitude, latitude, places) each.

    One grouped query: each place's column and row on the grid are CASE expressions over the
    cells' edges (the same SQL on SQLite and PostgreSQL, no math functions), and each group is
    drawn at the mean position of its places (5 decimals, about a metre). A group holds no text.
    Only the places inside ``within`` (by default the view) are grouped.
    """
    bbox = within or view.bbox()
    west, width, edges = view.grid(CELLS_PER_TILE)
    columns = (view.x1 - view.x0 + 1) * CELLS_PER_TILE
    column = case(*((positions.longitude < west + width * (n + 1), literal(n)) for n in range(columns - 1)),
                  else_=literal(columns - 1)).label("cell_x")
    row = case(*((positions.latitude >= edges[n + 1], literal(n)) for n in range(len(edges) - 2)),
               else_=literal(len(edges) - 2)).label("cell_y")
    groups = db.session.execute(
        select(column, row, func.count().label("n"), func.avg(positions.longitude).label("lon"),
               func.avg(positions.latitude).label("lat"))
        .where(positions.inside(bbox)).group_by(column, row).order_by(column, row)).all()
    return tuple((round(float(group.lon), 5), round(float(group.lat), 5), int(group.n)) for group in groups)


def page_total(query: ListQuery, shown: int, count: Callable[[], int]) -> int:
    """How many places match in all: known without a COUNT when this page is the last one."""
    if shown < query.limit and (shown or query.offset == 0):
        return query.offset + shown
    return count()


def matching(place_set: str, query: ListQuery, counted) -> int:
    """How many places match ``query`` (``counted``: its ``SELECT count(*)``), kept per stamp of the set unless
    the query is bounded by the map's view (never the same twice). A search by words is a LIKE over every
    place's words, 10 ms at 10,000 areas on PostgreSQL, and what it matches changes only with the set."""
    if query.bbox is not None:
        return db.session.scalar(counted) or 0
    return kept_count(place_set, ("matches", query.words), counted)


def fresh_until(key: str, check: Callable[[], datetime | None]) -> None:
    """Run a layer's freshness ``check`` unless it said, in this app, that its data is fresh until later.

    ``check`` refreshes what is stale and returns until when the data stays fresh (None: ask
    again next time). Data only gets fresher, so skipping the check before that moment never
    shows anything older than the check would allow; it saves the page its freshness queries.
    """
    memo = current_app.extensions.setdefault("map_fresh_until", {})
    now = datetime.now(UTC)
    if memo.get(key) is not None and now < memo[key]:
        return
    memo[key] = check()


def register_layer(app: Flask, layer: MapLayer) -> None:
    """Add (or replace) a provider's layer on ``app``; called from the app factory."""
    app.extensions.setdefault("map_layers", {})[layer.key] = layer


def registered_layers() -> list[MapLayer]:
    """The current app's layers in registration order."""
    return list(current_app.extensions.get("map_layers", {}).values())


def find_layer(key: str | None) -> MapLayer | None:
    """The registered layer called ``key``, if any."""
    return current_app.extensions.get("map_layers", {}).get(key or "")

"""The APDS layer of the "Find parking" map: car parks as markers coloured by free space, and their list.

Reads the local copy of the places (``places`` keeps it and the shared occupancy
figures fresh); the list matches the ``search_text`` column in SQL.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from urllib.parse import quote as quote_path

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select

from webapp.apds import places as apds_places
from webapp.apds.models import PLACE_SET, ApdsPlace
from webapp.core.clock import utcnow
from webapp.core.errors import ProviderError, ValidationError
from webapp.extensions import db
from webapp.maps.layers import (
    POINTS,
    LayerFeatures,
    ListItem,
    ListPage,
    ListQuery,
    MapLayer,
    Positions,
    fresh_until,
    matching,
    page_total,
)
from webapp.maps.place_sets import kept_count, set_version
from webapp.maps.search import BBox, distance_m, nearness
from webapp.web.locale import money

log = logging.getLogger(__name__)

MANCHESTER = (53.4806, -2.2428)
#: the stay priced in each popup
COMPARE_MINUTES = 180


def _check_fresh():
    """Refresh a stale copy and stale figures; until when both stay fresh (the sooner of the two)."""
    now = utcnow()
    apds_places.fresh_copy(now)  # the copy's freshness rules live there
    apds_places.refresh_occupancy(now)
    fetched, occupancy = db.session.execute(select(
        func.min(ApdsPlace.fetched_at), func.min(ApdsPlace.occupancy_fetched_at))).one()
    if fetched is None or occupancy is None:
        return None
    return min(fetched + apds_places.PLACES_TTL, occupancy + apds_places.OCCUPANCY_TTL)


def _fresh() -> None:
    """Refresh a stale copy and stale free-space figures (each at most once per TTL, shared by all workers)."""
    try:
        fresh_until("apds", _check_fresh)
    except ProviderError as error:  # the map shows the other layers when the platform is away
        db.session.rollback()
        log.warning("APDS car parks unavailable for the map: %s", error)


class _FreeWords:
    """"12 of 40 free", "Full" …, with each translation looked up once per answer, not per car park."""

    def __init__(self) -> None:
        self.levels = {"plenty": _("Plenty of spaces"), "few": _("Few spaces"), "full": _("Full"),
                       "unknown": _("No live data")}
        self.template = _("%(free)s of %(total)s free")  # no arguments: the translated template

    def __call__(self, availability: apds_places.Availability) -> str:
        if availability.free is None or availability.level == "full":
            return self.levels[availability.level]
        return self.template % {"free": availability.free, "total": availability.total}


def _located(bbox: BBox | None):
    located = and_(ApdsPlace.latitude.is_not(None), ApdsPlace.longitude.is_not(None))
    if bbox is None:
        return located
    return and_(located, ApdsPlace.longitude.between(bbox.min_lon, bbox.max_lon),
                ApdsPlace.latitude.between(bbox.min_lat, bbox.max_lat))


#: the count of every place of the layer (a set's count: kept per stamp)
_EVERY = select(func.count()).select_from(ApdsPlace)


def version() -> str:
    """Changes with the copy, with every new free-space figure, and when a car park is added, removed, moved
    or renamed (the set's stamp, in place of a count, which PostgreSQL answers by visiting every row).

    One statement of sub-selects: each newest time is read from the end of its index (one aggregate query
    over both would read every row).
    """
    _fresh()
    return set_version(PLACE_SET, _EVERY, select(func.max(ApdsPlace.fetched_at)).scalar_subquery(),
                       select(func.max(ApdsPlace.occupancy_fetched_at)).scalar_subquery())


def count() -> int:
    """How many car parks the map has (kept per stamp of the set)."""
    return kept_count(PLACE_SET, "every", _EVERY)


#: the columns a marker needs (no ORM objects: ``Availability.of`` and ``quote_stay`` read them by name)
_MARKER_COLUMNS = (ApdsPlace.place_id, ApdsPlace.name, ApdsPlace.address, ApdsPlace.latitude, ApdsPlace.longitude,
                   ApdsPlace.tariff_key, ApdsPlace.time_zone, ApdsPlace.spaces_free, ApdsPlace.spaces_total,
                   ApdsPlace.occupancy_observed_at)


def features(language: str, bbox: BBox | None, limit: int) -> LayerFeatures:
    """The car parks (inside ``bbox``) as GeoJSON points with free spaces and a 3-hour price.

    Reads only the columns shown; every text is written once per answer (a translated template,
    the link with a placeholder), and the price once per tariff set and time zone (a few).
    """
    _fresh()
    now = utcnow()
    places = db.session.execute(select(*_MARKER_COLUMNS).where(_located(bbox)).order_by(ApdsPlace.name)
                                .limit(limit + 1)).all()
    prices: dict[tuple[str, str], str | None] = {}  # one quote per tariff set and time zone
    label, action = _("3 hours"), _("Prices and parking")
    free_words = _FreeWords()
    place_url = url_for("apds.place", place_id="PLACE-ID")
    result = []
    for place in places[:limit]:
        availability = apds_places.Availability.of(place)
        key = (place.tariff_key, place.time_zone)
        if key not in prices:
            try:
                quote = apds_places.quote_stay(place, now, timedelta(minutes=COMPARE_MINUTES))
                prices[key] = f"{label}: {money(quote.total, quote.currency)}"
            except ValidationError:
                prices[key] = None
        result.append({"type": "Feature", "geometry": {"type": "Point",
                                                       "coordinates": [place.longitude, place.latitude]},
                       "properties": {"title": place.name, "subtitle": place.address,
                                      "details": [free_words(availability), *filter(None, [prices[key]])],
                                      "url": place_url.replace("PLACE-ID", quote_path(place.place_id, safe="")),
                                      "action": action, "style": f"level-{availability.level}",
                                      "free": availability.free, "total": availability.total}})
    return LayerFeatures(result, truncated=len(places) > limit)


def listing(query: ListQuery) -> ListPage:
    """One page of car parks matching the query (name or address)."""
    _fresh()
    conditions = [ApdsPlace.search_text.contains(word, autoescape=True) for word in query.words]
    if query.bbox is not None:
        conditions.append(_located(query.bbox))
    statement = select(ApdsPlace.place_id, ApdsPlace.name, ApdsPlace.address, ApdsPlace.latitude,
                       ApdsPlace.longitude, ApdsPlace.spaces_free, ApdsPlace.spaces_total,
                       ApdsPlace.occupancy_observed_at).where(*conditions)
    if query.near is not None:
        statement = statement.order_by(ApdsPlace.latitude.is_(None),
                                       nearness(ApdsPlace.latitude, ApdsPlace.longitude, query.near))
    statement = statement.order_by(ApdsPlace.name, ApdsPlace.place_id).offset(query.offset).limit(query.limit)
    items = []
    place_url = url_for("apds.place", place_id="PLACE-ID")
    free_words = _FreeWords()
    for place in db.session.execute(statement):  # columns only: Availability.of reads them by name
        distance = (distance_m(*query.near, place.latitude, place.longitude)
                    if query.near is not None and place.latitude is not None else None)
        words = free_words(apds_places.Availability.of(place))
        items.append(ListItem(title=place.name, subtitle=f"{place.address} · {words}" if place.address else words,
                              url=place_url.replace("PLACE-ID", quote_path(place.place_id, safe="")),
                              distance_m=distance))
    counted = select(func.count()).select_from(ApdsPlace).where(*conditions)
    return ListPage(items, page_total(query, len(items), lambda: matching(PLACE_SET, query, counted)))


def apds_layer() -> MapLayer:
    """The registry entry for APDS car parks."""
    return MapLayer(key="apds", title=lambda: str(_l("Car parks (Manchester, London)")), kind=POINTS,
                    version=version, count=count, features=features, listing=listing, centre=MANCHESTER, zoom=15,
                    positions=Positions(ApdsPlace.longitude, ApdsPlace.latitude, lambda: _located(None), PLACE_SET))

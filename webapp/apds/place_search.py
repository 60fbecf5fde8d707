"""The car-park list's search: one page of car parks matching the driver's words, city, budget, free
spaces or position, each with its live availability and the price of the chosen stay.

Split from ``places`` (the local copy, occupancy and prices): this module only reads that copy. Every
filter is a WHERE clause and a page is an OFFSET/LIMIT; prices come once per tariff set, zone, stay and
minute (``_quote``), and a search by words keeps its matches per stamp of the set (``_text_matches``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import false, func, select, tuple_

from webapp.apds import rates
from webapp.apds.models import PLACE_SET, ApdsPlace
from webapp.apds.places import (
    EARTH_RADIUS_M,
    Availability,
    fresh_copy,
    load_tariff_sets,
    quote_stay,
    refresh_occupancy,
)
from webapp.core.clock import utcnow
from webapp.core.errors import ValidationError
from webapp.extensions import db
from webapp.maps.place_sets import kept_count, kept_for_set
from webapp.maps.search import distance_m, search_words


@dataclass(frozen=True)
class PlaceRow:
    """One car park in the list: free spaces and the price of the chosen stay (None: not sold)."""

    place: ApdsPlace
    availability: Availability
    quote: rates.Quote | None


@dataclass(frozen=True)
class PlaceSearch:
    """One page of the list: its rows, how many car parks match in all, the page and how many there are."""

    rows: list[PlaceRow]
    total: int
    page: int = 1
    pages: int = 1


def search_places(text: str = "", city: str = "", minutes: int = 180, free_only: bool = False,
                  max_price: Decimal | None = None, near: tuple[float, float, int] | None = None,
                  limit: int = 25, page: int = 1, now: datetime | None = None) -> PlaceSearch:
    """The list page: car parks matching ``text``/``city``, with free spaces and the price of ``minutes``.

    Every filter is a WHERE clause and a page is an OFFSET/LIMIT, so a list of thousands loads only
    the rows it shows. A price is computed once per tariff set, zone, stay and minute (``_quote``:
    a few sets serve thousands of places), and the dearer tariffs are left out by key.

    Args:
        text: every word must occur in the name or the address (``maps.search``: case and accents folded).
        free_only: only car parks known to have a free space (full ones and those without live data are left out).
        max_price: leave out car parks dearer than this for the stay (or not selling it).
        near: ``(latitude, longitude, radius in metres)``: only car parks that close, nearest first.
        limit: rows per page; ``page``: which page (1-based; one past the last gives the last).
    """
    now = now or utcnow()
    refresh_occupancy(now)
    fresh_copy(now)
    stay = timedelta(minutes=max(1, minutes))
    limit = max(1, limit)
    where = [ApdsPlace.search_text.contains(word, autoescape=True) for word in search_words(text)]
    if city:
        where.append(func.lower(ApdsPlace.address).contains(city.lower(), autoescape=True))
    if free_only:
        where += [ApdsPlace.spaces_free > 0, ApdsPlace.spaces_total > 0]
    if max_price is not None:
        pairs = list(db.session.execute(select(ApdsPlace.tariff_key, ApdsPlace.time_zone).distinct()))
        load_tariff_sets(key for key, _zone in pairs)
        affordable = [(key, zone) for key, zone in pairs
                      if (quote := _quote(key, zone, now, stay)) is not None and quote.total <= max_price]
        where.append(tuple_(ApdsPlace.tariff_key, ApdsPlace.time_zone).in_(affordable) if affordable else false())
    if near is not None:
        where += _box_around(*near)
    query = select(ApdsPlace).where(*where)
    ordered = query.order_by(ApdsPlace.name, ApdsPlace.place_id)
    if near is None and (text.strip() or city) and not free_only and max_price is None:
        # a search by name or street alone: what matches changes only with the set of places, so the
        # matches (in the list's order) are kept per stamp of the set and a page reads its 25 rows by key
        ids = _text_matches(tuple(search_words(text)), city, where)
        total = len(ids)
        pages = max(1, math.ceil(total / limit))
        page = min(max(1, page), pages)
        shown = ids[(page - 1) * limit:page * limit]
        loaded = {p.place_id: p for p in db.session.scalars(select(ApdsPlace).where(ApdsPlace.place_id.in_(shown)))}
        found = [loaded[place_id] for place_id in shown if place_id in loaded]
    elif near is None and (text.strip() or city):
        # words match anywhere in a name or address: no index answers that, so the page and the count come
        # from one pass over the places (a window count), not from two
        page = max(1, page)
        answer = db.session.execute(ordered.add_columns(func.count().over())
                                    .offset((page - 1) * limit).limit(limit)).all()
        total = answer[0][1] if answer else \
            db.session.scalar(select(func.count()).select_from(ApdsPlace).where(*where)) or 0
        pages = max(1, math.ceil(total / limit))
        if page > pages:  # past the last page: the last one
            page = pages
            answer = db.session.execute(ordered.offset((page - 1) * limit).limit(limit)).all()
        found = [row[0] for row in answer]
    elif near is None:  # the count and the page each from the name index
        total = _count(where)
        pages = max(1, math.ceil(total / limit))
        page = min(max(1, page), pages)
        found = list(db.session.scalars(ordered.offset((page - 1) * limit).limit(limit)))
    else:  # the box holds a few: the exact great-circle test and the order by distance are done here
        close = sorted((p for p in db.session.scalars(query)
                        if distance_m(near[0], near[1], p.latitude, p.longitude) <= near[2]),
                       key=lambda p: distance_m(near[0], near[1], p.latitude, p.longitude))
        total = len(close)
        pages = max(1, math.ceil(total / limit))
        page = min(max(1, page), pages)
        found = close[(page - 1) * limit:page * limit]
    load_tariff_sets(p.tariff_key for p in found)  # one statement for the sets not parsed yet, not one per set
    rows = [PlaceRow(p, Availability.of(p), _quote(p.tariff_key, p.time_zone, now, stay)) for p in found]
    return PlaceSearch(rows, total, page, pages)


def _count(where: list) -> int:
    """How many places ``where`` selects; with no condition, the count of them all kept per stamp of the set
    (``maps.place_sets``): PostgreSQL visits every row to count them."""
    counted = select(func.count()).select_from(ApdsPlace).where(*where)
    # with no condition, the same kept count as the map layer's ("every")
    return (db.session.scalar(counted) or 0) if where else kept_count(PLACE_SET, "every", counted)


def _text_matches(words: tuple[str, ...], city: str, where: list) -> tuple[str, ...]:
    """The ids of the places ``where`` selects (words and city only), by name: kept per stamp of the set.

    Names and addresses are watched columns of the set (``models.PLACE_SET``), so the LIKE over every
    name and address (2-3 ms at 10,000 places on SQLite) runs once per state of the set and search,
    not on every keystroke's request.
    """
    return kept_for_set(PLACE_SET, ("matches", words, city), lambda: tuple(db.session.scalars(
        select(ApdsPlace.place_id).where(*where).order_by(ApdsPlace.name, ApdsPlace.place_id))))


def _quote(tariff_key: str, zone: str, now: datetime, stay: timedelta) -> rates.Quote | None:
    """The price of ``stay`` entering within the minute of ``now`` under a tariff set and zone (None: not sold).

    Kept per process for the minute (``_QUOTES``): the key is the tariff set's content hash, so a
    price never goes stale with the data, and a list page prices its few sets once a minute, not
    on every request. Every stay entering in the same minute is priced from the minute's start.
    """
    start = now.replace(second=0, microsecond=0)
    key = (tariff_key, zone, start, stay)
    if key not in _QUOTES:
        if len(_QUOTES) >= 1024:
            _QUOTES.clear()
        sample = ApdsPlace(place_id="", tariff_key=tariff_key, time_zone=zone)  # only its tariff and zone are read
        try:
            _QUOTES[key] = quote_stay(sample, start, stay)
        except ValidationError:
            _QUOTES[key] = None
    return _QUOTES[key]


#: prices by (tariff set, zone, minute entered, stay): see ``_quote``
_QUOTES: dict[tuple[str, str, datetime, timedelta], rates.Quote | None] = {}


def _box_around(latitude: float, longitude: float, radius_m: int) -> list:
    """WHERE clauses of a latitude/longitude box that holds the circle (a little more, never less)."""
    lat_span = math.degrees(radius_m / EARTH_RADIUS_M) * 1.01
    lon_span = lat_span / max(math.cos(math.radians(min(abs(latitude) + lat_span, 89.9))), 1e-6)
    return [ApdsPlace.latitude.is_not(None), ApdsPlace.longitude.is_not(None),
            ApdsPlace.latitude.between(latitude - lat_span, latitude + lat_span),
            ApdsPlace.longitude.between(longitude - lon_span, longitude + lon_span)]

"""The Helsinki layer of the "Find parking" map: areas as polygons coloured by zone, and their list.

Every answer is one SQL query on the local copy of the areas (``areas.list_areas``
keeps it fresh); the list reads no geometry and matches the ``search_text`` column.
"""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace
from urllib.parse import quote

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Text, and_, cast, func, select

from webapp.core.clock import utcnow
from webapp.core.errors import ProviderError
from webapp.extensions import db
from webapp.helsinki import areas as helsinki_areas
from webapp.helsinki.models import PLACE_SET, HelsinkiArea
from webapp.maps.layers import (
    AREAS,
    LayerFeatures,
    ListItem,
    ListPage,
    ListQuery,
    MapLayer,
    Positions,
    RawJSON,
    fresh_until,
    matching,
    page_total,
)
from webapp.maps.place_sets import kept_count, set_version, store_for_stamp
from webapp.maps.search import BBox, distance_m, nearness
from webapp.web.locale import duration, money

log = logging.getLogger(__name__)

HELSINKI_CENTRE = (60.1699, 24.9384)


def _check_fresh():
    """Refresh a stale copy; until when it is fresh (the oldest area's fetch plus the copy's lifetime)."""
    helsinki_areas._ensure_fresh(utcnow())  # the copy's freshness rule lives there
    oldest = db.session.scalar(select(func.min(HelsinkiArea.fetched_at)))
    return None if oldest is None else oldest + helsinki_areas.AREA_MAX_AGE


def _fresh() -> bool:
    """Refresh a stale copy from the city; False when there is no copy and the city cannot be asked."""
    try:
        fresh_until("helsinki", _check_fresh)
    except ProviderError as error:
        log.warning("Helsinki areas unavailable for the map: %s", error)
        return False
    return True


def _in_language(column, language: str):
    """The text of a JSON column of texts by language (``name``, ``street``) in ``language``, else English,
    else Finnish (as ``HelsinkiArea.text``), extracted in SQL: decoding two JSON values per area in Python
    was a third of a street-level answer's time on PostgreSQL."""
    return func.coalesce(*(func.nullif(column[key].as_string(), "") for key in dict.fromkeys([language, "en", "fi"])),
                         "")


def _in_box(bbox: BBox | None):
    if bbox is None:
        return True
    return and_(HelsinkiArea.centre_lon.between(bbox.min_lon, bbox.max_lon),
                HelsinkiArea.centre_lat.between(bbox.min_lat, bbox.max_lat))


#: the count of every place of the layer (a set's count: kept per stamp)
_EVERY = select(func.count()).select_from(HelsinkiArea)


def version() -> str:
    """Changes when the copy is refreshed or an area is added, removed, moved or renamed (the set's stamp).

    One statement: the newest fetch is read from the end of its index, and the stamp replaces a count of
    the areas, which PostgreSQL answers by visiting every row (``place_sets``).
    """
    _fresh()
    return set_version(PLACE_SET, _EVERY, select(func.max(HelsinkiArea.fetched_at)).scalar_subquery())


def count() -> int:
    """How many areas the map has (kept per stamp of the set)."""
    return kept_count(PLACE_SET, "every", _EVERY)


def features(language: str, bbox: BBox | None, limit: int) -> LayerFeatures:
    """The areas (inside ``bbox``) as GeoJSON polygons with the popup's facts as properties.

    A view reads only each area's code, fetch time and stored geometry (passed on as its JSON text:
    decoding and encoding it again was most of a large answer's time). The properties of an area are
    written once per fetch of it and language and kept per stamp of the set (``_kept_properties``):
    writing them for every view was two thirds of a street-level answer's time (issue 18, bench/map.py).
    """
    if not _fresh():
        return LayerFeatures([])
    rows = db.session.execute(
        select(HelsinkiArea.area_id, _fetched_text(), cast(HelsinkiArea.geometry, Text))
        .where(HelsinkiArea.geometry.is_not(None), _in_box(bbox))
        # by code, not zone first: a capped (zoomed-out) answer then still shows every zone
        .order_by(HelsinkiArea.area_id).limit(limit + 1)).all()
    shown = rows[:limit]
    properties = _kept_properties(language, {area_id: fetched for area_id, fetched, _geometry in shown})
    result = [RawJSON(f'{{"type":"Feature","geometry":{geometry},"properties":{properties[area_id]}}}')
              for area_id, _fetched, geometry in shown
              if area_id in properties]  # an area the city dropped between the two reads is left out
    return LayerFeatures(result, truncated=len(rows) > limit)


def _fetched_text():
    # compared as the database writes it: no datetime is made per row
    return cast(HelsinkiArea.fetched_at, Text).label("fetched")


def _kept_properties(language: str, fetched: dict[str, str]) -> dict[str, str]:
    """The properties (JSON text) in ``language`` of each area of ``fetched`` (code: its fetch time), from
    the worker's store for the set's current stamp; the areas it lacks, or holds from an older fetch, are
    read and written now. A refresh writes every area's fetch time, and a change of a name, street or zone
    renews the stamp, so a kept text is never older than its area."""
    # each holds up to every area, some 300 bytes each: one per language, of the current stamp only
    known: dict[str, tuple[str, str]] = store_for_stamp(PLACE_SET, "properties", language)
    missing = [area_id for area_id, at in fetched.items() if known.get(area_id, ("",))[0] != at]
    if missing:
        known.update(_write_properties(language, missing))
    return {area_id: known[area_id][1] for area_id in fetched if area_id in known}


def _write_properties(language: str, area_ids: list[str]) -> dict[str, tuple[str, str]]:
    """(fetch time, properties as JSON text) of each of ``area_ids``: tariff lines and limits written once
    per distinct value (thousands of areas share a handful), the subtitle and link from one translated
    template each."""
    rows = db.session.execute(
        select(HelsinkiArea.area_id, _fetched_text(), HelsinkiArea.zone,
               _in_language(HelsinkiArea.name, language).label("name"),
               _in_language(HelsinkiArea.street, language).label("street"),
               cast(HelsinkiArea.tariffs, Text).label("tariffs"),
               HelsinkiArea.max_time_in_minutes, HelsinkiArea.max_capacity)
        .where(HelsinkiArea.area_id.in_(area_ids))).all()
    park_here = _("Park here")
    subtitle = _("%(street)s · zone %(zone)s · area %(code)s")  # no arguments: the translated template
    start_url = url_for("parkings.start", area_id="AREA-ID")
    tariff_lines: dict[str, list[str]] = {}
    limits: dict[tuple, str] = {}
    written = {}
    for area in rows:
        if area.tariffs not in tariff_lines:
            tariffs = SimpleNamespace(tariffs=json.loads(area.tariffs or "[]"))
            # the day in our words, as the area's page says it (the city's tariff names repeat the price)
            tariff_lines[area.tariffs] = [
                f"{helsinki_areas.day_type_words(t.day_type)} {t.time_from}–{t.time_until}: "
                f"{money(t.hourly_price, 'EUR', per=60)}" for t in helsinki_areas.area_tariffs(tariffs)]
        limit_key = (area.max_time_in_minutes, area.max_capacity)
        if limit_key not in limits:
            facts = []
            if area.max_time_in_minutes:
                facts.append(_("Max. %(time)s", time=duration(area.max_time_in_minutes)))
            if area.max_capacity:
                facts.append(_("%(count)s spaces", count=area.max_capacity))
            limits[limit_key] = " · ".join(facts)
        written[area.area_id] = (area.fetched, _PROPERTIES.encode({
            "title": area.name,
            "subtitle": subtitle % {"street": area.street, "zone": area.zone, "code": area.area_id},
            "details": [*tariff_lines[area.tariffs], *filter(None, [limits[limit_key]])],
            "url": start_url.replace("AREA-ID", quote(area.area_id, safe="")),
            "action": park_here, "style": f"zone-{area.zone if area.zone in (1, 2, 3) else 3}",
        }))
    return written


#: the properties' encoder (as the answer's: ``maps.views``)
_PROPERTIES = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def listing(query: ListQuery) -> ListPage:
    """One page of areas matching the query (code, name or street, in any language)."""
    if not _fresh():
        return ListPage([], 0)
    conditions = [HelsinkiArea.search_text.contains(word, autoescape=True) for word in query.words]
    conditions.append(_in_box(query.bbox))
    statement = select(HelsinkiArea.area_id, HelsinkiArea.zone,
                       _in_language(HelsinkiArea.name, query.language).label("name"),
                       _in_language(HelsinkiArea.street, query.language).label("street"),
                       HelsinkiArea.centre_lat, HelsinkiArea.centre_lon).where(*conditions)
    if query.near is not None:
        statement = statement.order_by(HelsinkiArea.centre_lat.is_(None),
                                       nearness(HelsinkiArea.centre_lat, HelsinkiArea.centre_lon, query.near))
    statement = statement.order_by(HelsinkiArea.zone, HelsinkiArea.area_id).offset(query.offset).limit(query.limit)
    items = []
    subtitle = _("%(street)s · zone %(zone)s · area %(code)s")  # the translated template, filled per row
    start_url = url_for("parkings.start", area_id="AREA-ID")
    for row in db.session.execute(statement):
        distance = (distance_m(*query.near, row.centre_lat, row.centre_lon)
                    if query.near is not None and row.centre_lat is not None else None)
        items.append(ListItem(title=row.name,
                              subtitle=subtitle % {"street": row.street,
                                                   "zone": row.zone, "code": row.area_id},
                              url=start_url.replace("AREA-ID", quote(row.area_id, safe="")), distance_m=distance))
    counted = select(func.count()).select_from(HelsinkiArea).where(*conditions)
    return ListPage(items, page_total(query, len(items), lambda: matching(PLACE_SET, query, counted)))


def helsinki_layer() -> MapLayer:
    """The registry entry for Helsinki street parking."""
    return MapLayer(key="helsinki", title=lambda: str(_l("Helsinki street parking")), kind=AREAS, version=version,
                    count=count, features=features, listing=listing, centre=HELSINKI_CENTRE, zoom=14,
                    positions=Positions(HelsinkiArea.centre_lon, HelsinkiArea.centre_lat,
                                        lambda: HelsinkiArea.centre_lat.is_not(None), PLACE_SET))

"""The Seoul layer of the "Find parking" map: lots as markers coloured by free space, and their list.

A lot is shown once its operator has described it (a name and a position). The
list matches the Hangul name, its romanised form, the lot id and the memo (where
operators write the address, also romanised) in SQL, so "Gangnam" finds 강남역 공영주차장.
"""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select

from webapp.core.clock import utcnow
from webapp.extensions import db
from webapp.maps.layers import (
    POINTS,
    LayerFeatures,
    ListItem,
    ListPage,
    ListQuery,
    MapLayer,
    Positions,
    matching,
    page_total,
)
from webapp.maps.place_sets import kept_count, set_version
from webapp.maps.search import BBox, distance_m, nearness
from webapp.seoul import lots as seoul_lots
from webapp.seoul.models import PLACE_SET, DisplayName, SeoulLot, SeoulLotOperation
from webapp.seoul.tariffs import fee_summary, is_open

SEOUL_CENTRE = (37.5400, 126.9900)
#: a lot with at least this share of its spaces free shows as "plenty"
PLENTY_SHARE = 0.2


def _described(bbox: BBox | None = None):
    described = and_(SeoulLot.name.is_not(None), SeoulLot.latitude.is_not(None), SeoulLot.longitude.is_not(None))
    if bbox is None:
        return described
    return and_(described, SeoulLot.longitude.between(bbox.min_lon, bbox.max_lon),
                SeoulLot.latitude.between(bbox.min_lat, bbox.max_lat))


def _level(availability: seoul_lots.Availability) -> str:
    share = availability.share_free
    if share is None:
        return "unknown"
    return "plenty" if share >= PLENTY_SHARE else "few" if share > 0 else "full"


class _FreeWords:
    """"12 of 40 free" or "No live data", with each translation looked up once per answer, not per lot."""

    def __init__(self) -> None:
        self.no_data = _("No live data")
        self.template = _("%(free)s of %(capacity)s free")  # no arguments: the translated template

    def __call__(self, availability: seoul_lots.Availability) -> str:
        if not availability.live:
            return self.no_data
        return self.template % {"free": availability.free, "capacity": availability.capacity}


#: the count of every place of the layer (a set's count: kept per stamp)
_EVERY = select(func.count()).select_from(SeoulLot).where(_described())


def version() -> str:
    """Changes when a lot is added, removed, moved or renamed (the set's stamp), and each minute.

    Lots push all the time (at 10,000 lots, hundreds of pushes a second), so a version that followed
    every push would never let an answer be served twice. The map's figures are therefore those of
    the minute (a count goes stale, a lot opens or closes, new fees show within it); the lot's own
    page is live. The stamp replaces a count of the described lots, which PostgreSQL answers by
    visiting every row (``place_sets``).
    """
    return f"{set_version(PLACE_SET, _EVERY)}:{utcnow().strftime('%Y%m%d%H%M')}"


def count() -> int:
    """How many described lots the map has (kept per stamp of the set)."""
    return kept_count(PLACE_SET, "every", _EVERY)


def _names(shown: DisplayName) -> dict:
    names = {"title": shown.first, "title_lang": shown.first_lang}
    if shown.second:
        names.update(alt_title=shown.second, alt_title_lang=shown.second_lang)
    return names


#: the operation columns a popup needs (fees and opening hours), read beside the lot's own
_OPERATION_COLUMNS = (SeoulLotOperation.lot_id.label("operation_of"), SeoulLotOperation.rates,
                      SeoulLotOperation.time_rate, SeoulLotOperation.add_rates, SeoulLotOperation.add_time_rate,
                      SeoulLotOperation.day_maximum, SeoulLotOperation.weekday_begin, SeoulLotOperation.weekday_end,
                      SeoulLotOperation.weekend_begin, SeoulLotOperation.weekend_end,
                      SeoulLotOperation.holiday_begin, SeoulLotOperation.holiday_end)


def features(language: str, bbox: BBox | None, limit: int) -> LayerFeatures:
    """The lots (inside ``bbox``) as GeoJSON points with free spaces, fees and opening.

    Reads only the columns shown (no ORM objects) and writes each distinct fee table and
    timetable once: many lots share them.
    """
    now = utcnow()
    rows = db.session.execute(
        select(SeoulLot.id, SeoulLot.name, SeoulLot.name_roman, SeoulLot.latitude, SeoulLot.longitude,
               SeoulLot.capacity, SeoulLot.current_parking, SeoulLot.current_at, *_OPERATION_COLUMNS)
        .outerjoin(SeoulLot.operation).where(_described(bbox)).order_by(SeoulLot.id).limit(limit + 1)).all()
    action = _("Lot details and prices")
    free_words = _FreeWords()
    open_words = {True: _("Open now"), False: _("Closed now"), None: _("Hours unknown")}
    lot_url = url_for("seoul_lots.lot", lot_id=0)[:-1]
    fees: dict[tuple, str] = {}
    opening: dict[tuple, str] = {}
    result = []
    for lot in rows[:limit]:
        availability = seoul_lots.Availability(lot.capacity, lot.current_parking, lot.current_at, now)
        details = [free_words(availability)]
        if lot.operation_of is not None:
            tariff = seoul_lots.tariff_of(lot)
            if tariff not in fees:
                fees[tariff] = fee_summary(tariff)
            hours = seoul_lots.opening_hours_of(lot)
            if hours not in opening:
                opening[hours] = open_words[is_open(hours, now)]
            details += [fees[tariff], opening[hours]]
        else:
            details.append(open_words[None])
        result.append({"type": "Feature",
                       "geometry": {"type": "Point", "coordinates": [lot.longitude, lot.latitude]},
                       "properties": {**_names(DisplayName.of(lot.name, lot.name_roman, language)), "subtitle": "",
                                      "details": details, "url": f"{lot_url}{lot.id}", "action": action,
                                      "style": f"level-{_level(availability)}", "free": availability.free,
                                      "total": availability.capacity}})
    return LayerFeatures(result, truncated=len(rows) > limit)


def listing(query: ListQuery) -> ListPage:
    """One page of lots matching the query (Hangul or romanised name, lot id, memo); columns only."""
    now = utcnow()
    conditions = [_described(query.bbox)]
    for word in query.words:
        conditions.append(or_(*(column.icontains(word, autoescape=True) for column in (
            SeoulLot.name, SeoulLot.name_roman, SeoulLot.infra_id,
            SeoulLotOperation.notify_memo, SeoulLotOperation.memo_roman))))
    statement = (select(SeoulLot.id, SeoulLot.name, SeoulLot.name_roman, SeoulLot.latitude, SeoulLot.longitude,
                        SeoulLot.capacity, SeoulLot.current_parking, SeoulLot.current_at, *_OPERATION_COLUMNS)
                 .outerjoin(SeoulLot.operation).where(*conditions))
    if query.near is not None:
        statement = statement.order_by(nearness(SeoulLot.latitude, SeoulLot.longitude, query.near))
    by_name = SeoulLot.name if query.language == "ko" else SeoulLot.name_roman
    statement = statement.order_by(by_name, SeoulLot.name, SeoulLot.id).offset(query.offset).limit(query.limit)
    lot_url = url_for("seoul_lots.lot", lot_id=0)[:-1]
    free_words = _FreeWords()
    fees: dict[tuple, str] = {}
    items = []
    for lot in db.session.execute(statement):
        availability = seoul_lots.Availability(lot.capacity, lot.current_parking, lot.current_at, now)
        shown = DisplayName.of(lot.name, lot.name_roman, query.language)
        parts = [free_words(availability)]
        if lot.operation_of is not None:
            tariff = seoul_lots.tariff_of(lot)
            if tariff not in fees:
                fees[tariff] = fee_summary(tariff)
            parts.append(fees[tariff])
        distance = distance_m(*query.near, lot.latitude, lot.longitude) if query.near is not None else None
        items.append(ListItem(title=shown.first, title_lang=shown.first_lang, subtitle=" · ".join(parts),
                              url=f"{lot_url}{lot.id}", distance_m=distance,
                              alt_title=shown.second, alt_title_lang=shown.second_lang))
    # the memo columns are only needed to match words: without any, the count reads the lots' index alone
    counted = select(func.count()).select_from(SeoulLot)
    if query.words:
        counted = counted.outerjoin(SeoulLot.operation)
    counted = counted.where(*conditions)
    return ListPage(items, page_total(query, len(items), lambda: matching(PLACE_SET, query, counted)))


def seoul_layer() -> MapLayer:
    """The registry entry for Seoul parking lots."""
    return MapLayer(key="seoul", title=lambda: str(_l("Seoul parking lots")), kind=POINTS, version=version,
                    count=count, features=features, listing=listing, centre=SEOUL_CENTRE, zoom=11,
                    positions=Positions(SeoulLot.longitude, SeoulLot.latitude, _described, PLACE_SET))

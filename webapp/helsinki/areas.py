"""Helsinki areas and day types, cached from the city, and price quotes for a stay.

The map and the start form read the local cache; it is refreshed from the city
when it is older than ``AREA_MAX_AGE`` (and by ``flask --app app helsinki
sync``), so a page view never waits for the city unless the cache is empty.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from webapp.core.clock import HELSINKI, format_duration, utcnow
from webapp.core.errors import NotFoundError, ProviderError, ValidationError
from webapp.core.provider import provider_client
from webapp.extensions import db
from webapp.helsinki.models import HelsinkiArea, HelsinkiDayType
from webapp.helsinki.tariffs import MAX_STAY_MINUTES, PriceQuote, StayTooLongError, TariffWindow, quote_stay

log = logging.getLogger(__name__)

AREA_MAX_AGE = timedelta(hours=6)
DAY_TYPE_HORIZON_DAYS = 400


@dataclass(frozen=True)
class AreaTariff:
    """One tariff row as shown to drivers (the day in our words: ``day_type_words``)."""

    day_type: str
    time_from: str
    time_until: str
    hourly_price: Decimal


def _helsinki():
    return provider_client("helsinki")


def sync_areas(now: datetime | None = None) -> int:
    """Fetch every area and the coming day types from the city into the cache.

    Returns:
        The number of areas stored.

    Raises:
        ProviderError: the city could not be asked; the old cache stays.
    """
    now = now or utcnow()
    client = _helsinki()
    areas = client.areas()
    today = now.astimezone(HELSINKI).date()
    day_types = client.day_types(today - timedelta(days=1), today + timedelta(days=DAY_TYPE_HORIZON_DAYS))
    existing = {area.area_id: area for area in db.session.scalars(select(HelsinkiArea))}
    for area in areas:
        row = existing.pop(area.area_id, None) or HelsinkiArea(area_id=area.area_id)
        lon, lat = area.geometry.centre if area.geometry else (None, None)
        address = area.address
        row.zone = area.zone
        row.name = {"fi": area.name.fi, "sv": area.name.sv, "en": area.name.en}
        row.street = ({"fi": address.street_address.fi, "sv": address.street_address.sv,
                       "en": address.street_address.en} if address else {})
        row.postal_code = address.postal_code if address else ""
        row.geometry = area.geometry.as_geojson() if area.geometry else None
        row.centre_lon, row.centre_lat = lon, lat
        row.max_capacity = area.max_capacity
        row.max_time_in_minutes = area.max_time_in_minutes
        row.resident_parking_codes = list(area.resident_parking_codes)
        row.special_parking_codes = list(area.special_parking_codes)
        row.tariffs = [{"day_type": t.day_type, "name": {"fi": t.name.fi, "sv": t.name.sv, "en": t.name.en},
                        "from": t.time_from, "until": t.time_until, "hourly_price": str(t.hourly_price)}
                       for t in area.tariffs]
        row.fetched_at = now
        db.session.add(row)
    for gone in existing.values():  # areas the city no longer lists
        db.session.delete(gone)
    known_days = {row.day: row for row in db.session.scalars(select(HelsinkiDayType))}
    for item in day_types:
        row = known_days.get(item.date) or HelsinkiDayType(day=item.date)
        row.day_type, row.fetched_at = item.day_type, now
        db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:
        # another worker stored the same rows a moment ago: its copy is as fresh as ours
        db.session.rollback()
        log.info("helsinki area sync raced with another process; keeping its rows")
    return len(areas)


def _ensure_fresh(now: datetime) -> None:
    oldest = db.session.scalar(select(func.min(HelsinkiArea.fetched_at)))
    if oldest is not None and now - oldest < AREA_MAX_AGE:
        return
    try:
        sync_areas(now)
    except ProviderError as error:
        if oldest is None:
            raise
        log.warning("helsinki areas are stale (since %s) and the city did not answer: %s", oldest, error)


def list_areas(now: datetime | None = None) -> list[HelsinkiArea]:
    """All cached areas by zone and name, refreshing the cache when stale.

    Raises:
        ProviderError: only when there is no cache at all and the city fails.
    """
    _ensure_fresh(now or utcnow())
    return list(db.session.scalars(select(HelsinkiArea).order_by(HelsinkiArea.zone, HelsinkiArea.area_id)))


def get_area(area_id: str, now: datetime | None = None) -> HelsinkiArea:
    """One cached area. Raises NotFoundError for an unknown area id."""
    _ensure_fresh(now or utcnow())
    area = db.session.get(HelsinkiArea, (area_id or "").strip()[:40])
    if area is None:
        raise NotFoundError("no such area")
    return area


#: our words for the city's day types (``tariffs.DAY_TYPES``). The city's own tariff names repeat the price
#: and come in Finnish, Swedish and English only: a Korean popup showed "Monday to Friday, EUR 4.20 / hour".
_DAY_TYPE_WORDS = {"BUSINESS_DAY": _l("Mon–Fri"), "SATURDAY": _l("Saturday"), "SUNDAY": _l("Sunday and holidays")}


def day_type_words(day_type: str) -> str:
    """When a tariff applies (``BUSINESS_DAY``, ``SATURDAY``, ``SUNDAY``), in the current locale's words."""
    words = _DAY_TYPE_WORDS.get(day_type)
    return str(words) if words is not None else day_type


def area_tariffs(area: HelsinkiArea) -> list[AreaTariff]:
    """The area's tariffs in display order: working days, Saturdays, Sundays, each by its first hour."""
    order = {"BUSINESS_DAY": 0, "SATURDAY": 1, "SUNDAY": 2}
    rows = [AreaTariff(t["day_type"], t["from"], t["until"], Decimal(t["hourly_price"])) for t in area.tariffs]
    return sorted(rows, key=lambda t: (order.get(t.day_type, 9), t.time_from))


def _day_types(first: date, last: date) -> dict[date, str]:
    rows = db.session.execute(
        select(HelsinkiDayType.day, HelsinkiDayType.day_type).where(HelsinkiDayType.day.between(first, last))
    )
    known = dict(rows.all())
    if len(known) < (last - first).days + 1:
        try:
            for item in _helsinki().day_types(first, last):
                known[item.date] = item.day_type
        except ProviderError as error:
            # the weekday rule is the fallback; the city's own price check still applies
            log.warning("day types %s..%s not available from the city: %s", first, last, error)
    return known


def quote_area_stay(area: HelsinkiArea, start: datetime, end: datetime) -> PriceQuote:
    """Price a stay in ``area`` from ``start`` to ``end`` (aware datetimes).

    Raises:
        ValidationError: end not after start, or longer than the area allows.
    """
    if end <= start:
        raise ValidationError({"end_at": str(_l("The parking must end after it starts."))})
    # refused before the day types are fetched or anything is priced: both grow with the stay's length
    longest = area.max_time_in_minutes if area.max_time_in_minutes is not None else MAX_STAY_MINUTES
    if end - start > timedelta(minutes=longest):
        raise _too_long(longest)
    windows = [TariffWindow(t["day_type"], t["from"], t["until"], Decimal(t["hourly_price"])) for t in area.tariffs]
    local_first = start.astimezone(HELSINKI).date() - timedelta(days=1)
    local_last = end.astimezone(HELSINKI).date()
    try:
        return quote_stay(start, end, windows, _day_types(local_first, local_last),
                          max_time_in_minutes=area.max_time_in_minutes)
    except StayTooLongError as error:
        raise _too_long(error.max_minutes) from None


def _too_long(max_minutes: int) -> ValidationError:
    longest = format_duration(max_minutes, get_locale() or "en_GB")
    return ValidationError({"end_at": str(_l("This area allows at most %(time)s of parking.", time=longest))})


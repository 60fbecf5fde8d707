"""Car parks of the APDS platform: the local copy, live occupancy (a short shared cache) and prices.

The places, their right specifications and rate tables change rarely: they are
copied into ``apds_places`` (``sync_places``; refreshed by itself when older than
``PLACES_TTL``). Free spaces change by the minute: ``occupancy`` answers from the
same row when the figure is younger than ``OCCUPANCY_TTL`` and otherwise asks the
platform once and stores the answer — the row is in the database, so every worker
and every open page shares it (see bench/apds.py for a thousand polls).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update

from webapp.apds import rate_text, rates
from webapp.apds.models import ApdsPlace, ApdsTariffSet
from webapp.apds.wire import RateTable, RightSpecification
from webapp.core.clock import LONDON, utcnow
from webapp.core.errors import NotFoundError, ProviderError, ValidationError
from webapp.core.provider import provider_client
from webapp.extensions import db

log = logging.getLogger(__name__)

EARTH_RADIUS_M = 6_371_000.0
PLACES_TTL = timedelta(hours=6)
OCCUPANCY_TTL = timedelta(seconds=20)
#: free share at or under which a car park shows as "few spaces"
FEW_SHARE = 0.10


def _platform():
    return provider_client("apds")


@dataclass(frozen=True)
class Availability:
    """Free spaces at a place and how old the figure is."""

    free: int | None
    total: int | None
    observed_at: datetime | None
    level: str  # plenty | few | full | unknown

    @classmethod
    def of(cls, place: ApdsPlace) -> Availability:
        free, total = place.spaces_free, place.spaces_total
        if free is None or not total:
            level = "unknown"
        elif free <= 0:
            level = "full"
        elif free / total <= FEW_SHARE:
            level = "few"
        else:
            level = "plenty"
        return cls(free=free, total=total, observed_at=place.occupancy_observed_at, level=level)


def sync_places(now: datetime | None = None) -> int:
    """Copy every platform place with its right specifications and rate tables (committed).

    Returns:
        How many places are stored.

    Raises:
        ProviderError: the platform could not be read (nothing is changed).
    """
    now = now or utcnow()
    client = _platform()
    found = client.all_places(occupancy=True)
    specs: dict[str, RightSpecification] = {}
    tables: dict[str, dict] = {}
    for place in found:
        for spec_id in place.right_specification_ids:
            if spec_id not in specs:
                spec = specs[spec_id] = client.right_specification(spec_id)
                for rate_id in spec.rate_ids:
                    if rate_id not in tables:
                        tables[rate_id] = _raw_table(client.rate_table(rate_id))
    existing = {p.place_id: p for p in db.session.scalars(select(ApdsPlace))}
    for place in found:
        row = existing.get(place.id) or ApdsPlace(place_id=place.id)
        row.version, row.name, row.address = place.version, place.name, place.address
        row.latitude, row.longitude = place.latitude, place.longitude
        row.time_zone = place.time_zone or LONDON.key
        tariffs = [{"right": _raw_spec(specs[s]), "rate": tables[specs[s].rate_ids[0]]}
                   for s in place.right_specification_ids if specs[s].rate_ids]
        row.tariff_key = _store_tariffs(tariffs)
        row.fetched_at = now
        if place.occupancy is not None:
            _store_occupancy(row, place.occupancy, now)
        db.session.add(row)
    db.session.commit()
    return len(found)


def _store_tariffs(tariffs: list) -> str:
    """Keep a tariff set once under the hash of its content; returns the key."""
    key = hashlib.sha256(json.dumps(tariffs, sort_keys=True).encode()).hexdigest()[:40]
    if db.session.get(ApdsTariffSet, key) is None:
        db.session.add(ApdsTariffSet(tariff_key=key, tariffs=tariffs))
        db.session.flush()
    return key


def _raw_spec(spec: RightSpecification) -> dict:
    return {"id": spec.id, "version": spec.version, "type": spec.type, "description": {"en": spec.description},
            "hierarchyElements": [{"id": r.id, "version": r.version} for r in spec.hierarchy_elements],
            "rateEligibility": [{"id": e.id, "version": e.version, "rate": {"id": e.rate.id, "version": e.rate.version}}
                                for e in spec.rate_eligibility],
            "validity": spec.validity, **({"expiry": spec.expiry.isoformat()} if spec.expiry else {})}


def _raw_table(table: RateTable) -> dict:
    """The table in the platform's field names (what ``RateTable.model_validate`` reads back)."""
    return {
        "id": table.id, "version": table.version, "rateTableName": {"en": table.name},
        "rateResponsibleParty": table.responsible_party,
        "rateLineCollections": [{
            "collectionSequence": c.sequence, "applicableCurrency": c.currency, "minTime": c.min_time,
            "maxTime": c.max_time, "minValueCollection": _num(c.min_value), "maxValueCollection": _num(c.max_value),
            "taxIncluded": c.tax_included, "taxRate": _num(c.tax_rate),
            "validStart": c.valid_start.isoformat() if c.valid_start else None,
            "validEnd": c.valid_end.isoformat() if c.valid_end else None,
            "rateLines": [{"sequence": ln.sequence, "rateLineType": ln.kind, "value": str(ln.value),
                           "description": {"en": ln.description}, "durationStart": ln.duration_start,
                           "durationEnd": ln.duration_end, "incrementPeriod": ln.increment_period,
                           "minValue": _num(ln.min_value), "maxValue": _num(ln.max_value)} for ln in c.lines],
        } for c in table.collections],
    }


def _num(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _store_occupancy(row: ApdsPlace, occupancy, now: datetime) -> None:
    row.spaces_total, row.spaces_free = occupancy.total, occupancy.available
    row.occupancy_indicator = occupancy.indicator or ""
    row.occupancy_observed_at = occupancy.observed_at or now
    row.occupancy_fetched_at = now


def fresh_copy(now: datetime) -> None:
    """Copy the platform's places again when the local copy is older than ``PLACES_TTL`` (or empty)."""
    newest = db.session.scalar(select(ApdsPlace.fetched_at).order_by(ApdsPlace.fetched_at.desc()).limit(1))
    if newest is None or now - newest > PLACES_TTL:
        try:
            sync_places(now)
        except ProviderError as error:
            db.session.rollback()
            if newest is None:
                raise
            log.warning("APDS places refresh failed, keeping the copy from %s: %s", newest, error)


def list_places(now: datetime | None = None) -> list[ApdsPlace]:
    """Every stored place by name (refreshing the copy first when it is stale)."""
    fresh_copy(now or utcnow())
    return list(db.session.scalars(select(ApdsPlace).order_by(ApdsPlace.name)))


def get_place(place_id: str, now: datetime | None = None) -> ApdsPlace:
    """One stored place.

    Raises:
        NotFoundError: no such place.
    """
    fresh_copy(now or utcnow())
    place = db.session.get(ApdsPlace, place_id)
    if place is None:
        raise NotFoundError(str(_l("No such car park.")))
    return place


def occupancy(place_id: str, now: datetime | None = None) -> Availability:
    """Free spaces now: from the shared cache when younger than ``OCCUPANCY_TTL``, else asked once.

    A platform that cannot be asked leaves the last figure (its age shows how old it is).
    """
    now = now or utcnow()
    place = get_place(place_id, now)
    stale = place.occupancy_fetched_at is None or now - place.occupancy_fetched_at >= OCCUPANCY_TTL
    if stale and _claim_refresh(now, ApdsPlace.place_id == place_id):
        try:
            answer = _platform().occupancy(place_id)
        except ProviderError as error:
            log.info("APDS occupancy of %s unavailable: %s", place_id, error)
        else:
            if answer.occupancy is not None:
                _store_occupancy(place, answer.occupancy, now)
                db.session.commit()
    return Availability.of(place)


def _claim_refresh(now: datetime, *which) -> bool:
    """Take this worker's turn to ask the platform for the stale figures of the places ``which`` selects.

    A conditional UPDATE marks them fetched now, committed before the platform is
    called: the database lets one worker through, and the pages polling meanwhile, in
    every worker, read the shared figure (with its age) instead of asking too — one
    platform call per ``OCCUPANCY_TTL``, not one per worker that saw the figure stale.
    """
    stale = or_(ApdsPlace.occupancy_fetched_at.is_(None), ApdsPlace.occupancy_fetched_at <= now - OCCUPANCY_TTL)
    claimed = db.session.execute(update(ApdsPlace).where(stale, *which).values(occupancy_fetched_at=now)
                                 .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return claimed > 0


def rate_options(place: ApdsPlace) -> list[tuple[RightSpecification, RateTable]]:
    """The place's right specifications, each with its rate table (wire models)."""
    key = place.tariff_key
    if key not in _PARSED_TARIFFS:
        load_tariff_sets([key])
    return list(_PARSED_TARIFFS.get(key, ()))


def load_tariff_sets(keys) -> None:
    """Parse the tariff sets of ``keys`` not parsed yet, read in one statement (a list page's few)."""
    missing = sorted({key for key in keys if key not in _PARSED_TARIFFS})
    if not missing:
        return
    if len(_PARSED_TARIFFS) + len(missing) > 256:
        _PARSED_TARIFFS.clear()
    for tariff_set in db.session.scalars(select(ApdsTariffSet).where(ApdsTariffSet.tariff_key.in_(missing))):
        _PARSED_TARIFFS[tariff_set.tariff_key] = tuple(
            (RightSpecification.model_validate(t["right"]), RateTable.model_validate(t["rate"]))
            for t in tariff_set.tariffs)


#: parsed tariff sets by key. Safe as per-process state: a key is the hash of its content, so
#: a parsed copy never goes stale and every worker computes the same one.
_PARSED_TARIFFS: dict[str, tuple[tuple[RightSpecification, RateTable], ...]] = {}


def place_zone(place: ApdsPlace | None) -> ZoneInfo:
    """The place's own time zone (its rates, its clocks); London when the platform named none we know."""
    try:
        return ZoneInfo(place.time_zone) if place is not None and place.time_zone else LONDON
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("APDS place %s: unknown time zone %r", place.place_id, place.time_zone)
        return LONDON


def zone_of(place_id: str) -> ZoneInfo:
    """The time zone of a stored place, without refreshing the copy (London for a place no longer listed)."""
    return place_zone(db.session.get(ApdsPlace, place_id))


def quote_stay(place: ApdsPlace, start: datetime, stay: timedelta) -> rates.Quote:
    """The price of a stay entering ``place`` at ``start`` (local rules: the place's time zone).

    Raises:
        ValidationError: the stay is not allowed (too long for every rate, or no rate applies).
    """
    local = start.astimezone(place_zone(place))
    try:
        return rates.price_at_place(rate_options(place), local, stay)
    except rates.StayNotAllowedError:
        raise ValidationError({"minutes": str(_l("This car park does not sell a stay that long at that time."))})\
            from None


def quote_minutes(place_id: str, minutes: int, now: datetime | None = None) -> rates.Quote:
    """"How much for …": the price of ``minutes`` from now at a place.

    Raises:
        NotFoundError: no such place.
        ValidationError: not a positive number of minutes, or a stay the place does not sell.
    """
    if minutes <= 0:
        raise ValidationError({"minutes": str(_l("Enter a number of minutes greater than zero."))})
    now = now or utcnow()
    return quote_stay(get_place(place_id, now), now, timedelta(minutes=minutes))


def rate_tables(place: ApdsPlace) -> list[tuple[RightSpecification, RateTable, list[rates.RateRow]]]:
    """Each right specification of the place, its table and its readable rows."""
    return [(spec, table, rates.readable_rows(table)) for spec, table in rate_options(place)]


@dataclass(frozen=True)
class ReadableRate:
    """A rate table as the place page shows it, in the reader's language (``rate_text``).

    Attributes:
        name: the table's name (the platform's, a proper name).
        when: when it applies (each period of its right specification).
        rows: each line's band label with the line.
        notes: longer stays, stay limits, the day maximum, the minimum charge.
        currency: the table's currency.
        tax_included: whether the lines include VAT; ``tax_rate`` the rate added when not.
    """

    name: str
    when: tuple[str, ...]
    rows: tuple[tuple[str, rates.RateRow], ...]
    notes: tuple[str, ...]
    currency: str
    tax_included: bool
    tax_rate: Decimal | None


def readable_rates(place: ApdsPlace) -> list[ReadableRate]:
    """The place's rate tables written from their bands, days and hours (what the engine charges)."""
    readable = []
    for spec, table in rate_options(place):
        collection = table.collections[0] if table.collections else None
        currency = collection.currency if collection else "GBP"
        rows = rates.readable_rows(table)
        readable.append(ReadableRate(
            name=table.name, when=tuple(rate_text.period_label(period) for period in spec.periods),
            rows=tuple((rate_text.row_label(row), row) for row in rows),
            notes=tuple(rate_text.terms_notes(rates.table_terms(table), currency,
                                              max_value=collection.max_value if collection else None,
                                              min_value=collection.min_value if collection else None)),
            currency=currency, tax_included=collection.tax_included if collection else True,
            tax_rate=collection.tax_rate if collection else None))
    return readable


#: a shorter stay in the band below is offered when the chosen one is at most this far into its band
CHEAPER_WITHIN = timedelta(minutes=15)


@dataclass(frozen=True)
class StayPrice:
    """The price of a stay of whole minutes, the band it falls in, and a cheaper stay just shorter.

    Attributes:
        minutes: the stay.
        quote: its price (None: the place does not sell it then).
        band: the label of the tier the stay is in (its table's band), None for rates charged by time.
        cheaper_minutes: the longest stay of the band below, when the chosen stay is no more than
            ``CHEAPER_WITHIN`` into its band and that stay costs less ("1 hr £6.70 — 59 mins £3.70").
        cheaper: that stay's price.
    """

    minutes: int
    quote: rates.Quote | None
    band: str | None = None
    cheaper_minutes: int | None = None
    cheaper: rates.Quote | None = None


def price_stay_minutes(place: ApdsPlace, start: datetime, minutes: int) -> StayPrice:
    """The price of ``minutes`` entering at ``start``, with its band and a cheaper shorter stay.

    Raises:
        ValidationError: the place does not sell that stay then.
    """
    quote = quote_stay(place, start, timedelta(minutes=minutes))
    table = next((table for _spec, table in rate_options(place) if table.id == quote.rate_table_id), None)
    row = next((row for row in rates.readable_rows(table) if row.covers(quote.stay_seconds)), None) \
        if table is not None and quote.stay_seconds <= rates.table_terms(table).cycle_seconds else None
    if row is None:
        return StayPrice(minutes, quote)
    shorter = (row.from_seconds - 1) // 60 if row.from_seconds else 0
    if shorter < 1 or timedelta(minutes=minutes - shorter) > CHEAPER_WITHIN + timedelta(minutes=1):
        return StayPrice(minutes, quote, band=rate_text.row_label(row))
    try:
        cheaper = quote_stay(place, start, timedelta(minutes=shorter))
    except ValidationError:
        cheaper = None
    if cheaper is None or cheaper.total >= quote.total:
        return StayPrice(minutes, quote, band=rate_text.row_label(row))
    return StayPrice(minutes, quote, band=rate_text.row_label(row), cheaper_minutes=shorter, cheaper=cheaper)


def price_minutes(place_id: str, minutes: int, now: datetime | None = None) -> StayPrice:
    """"How much for …": the price of ``minutes`` from now at a place, its band and a cheaper stay.

    Raises:
        NotFoundError: no such place.
        ValidationError: not a positive number of minutes, or a stay the place does not sell.
    """
    if minutes <= 0:
        raise ValidationError({"minutes": str(_l("Enter a number of minutes greater than zero."))})
    now = now or utcnow()
    return price_stay_minutes(get_place(place_id, now), now, minutes)


def preset_prices(place_id: str, choices, now: datetime | None = None) -> dict[int, StayPrice]:
    """The price of each preset stay (minutes) from now; a stay the place does not sell has no quote."""
    now = now or utcnow()
    place = get_place(place_id, now)
    prices = {}
    for minutes in choices:
        try:
            prices[minutes] = price_stay_minutes(place, now, minutes)
        except ValidationError:
            prices[minutes] = StayPrice(minutes, None)
    return prices


def refresh_occupancy(now: datetime | None = None) -> None:
    """Refresh every place's free spaces with one paged platform call, when the shared figures are stale.

    The list page polls this: however many pages are open, the platform is asked
    at most once per ``OCCUPANCY_TTL`` (the freshness is read from the shared rows).
    """
    now = now or utcnow()
    # a place never asked is the oldest of all; else the oldest figure. Two lookups in the figures' index
    # (one ORDER BY over both would sort every place on every list request)
    never = db.session.scalar(select(ApdsPlace.place_id).where(ApdsPlace.occupancy_fetched_at.is_(None)).limit(1))
    oldest = None if never is not None else db.session.scalar(select(func.min(ApdsPlace.occupancy_fetched_at)))
    if (oldest is not None and now - oldest < OCCUPANCY_TTL) or not _claim_refresh(now):
        return
    try:
        found = {p.id: p for p in _platform().all_places(occupancy=True)}
    except ProviderError as error:
        log.info("APDS occupancy refresh failed: %s", error)
        return
    # only the places the platform answered for (not every stored one as objects: thousands, once per TTL)
    answered = [place_id for place_id, place in found.items() if place.occupancy is not None]
    for start in range(0, len(answered), 500):
        for row in db.session.scalars(select(ApdsPlace).where(ApdsPlace.place_id.in_(answered[start:start + 500]))):
            _store_occupancy(row, found[row.place_id].occupancy, now)
    db.session.commit()

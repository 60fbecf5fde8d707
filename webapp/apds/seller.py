"""Who sells an APDS car-park stay, as its receipt names it, and what its rate table says of VAT.

The place's rate tables are the platform's own data (seed 003 §➋ step 2): the table names the party
responsible for the rate (``rateResponsibleParty``, "Manchester City Council" for the Arndale), which is
who charges the stay, and its rate line collection says whether the prices include tax (``taxIncluded``)
and, where the operator gives it, the rate (``taxRate``, a percentage; spec RateLineCollection). The seed's
Arndale table says the prices include tax and gives no rate: the receipt then says VAT is included
without inventing a figure.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from webapp.apds import places, rates
from webapp.apds.models import ApdsPlace, ApdsSession
from webapp.apds.wire import RateLineCollection, RateTable
from webapp.bookings.adapter import Seller
from webapp.bookings.models import Booking
from webapp.extensions import db

#: a booking whose car park is no longer known (the platform dropped it)
UNKNOWN_OPERATOR = _l("The car park's operator")


def seller_for(booking: Booking, language: str) -> Seller:
    """The party responsible for the rate that priced the stay, and its table's tax terms.

    The table is the one the rate engine applies to the stay (entry to exit where the cameras saw them,
    else the booked times), as the booking page's price breakdown computes it; a stay that has not ended
    takes the table that applies at its start.
    """
    detail = booking.apds
    place = _place_of(detail) if detail is not None else None
    if place is None:
        return Seller(name=str(UNKNOWN_OPERATOR))
    start, end = ((detail.entered_at, detail.exited_at) if detail.entered_at
                  else (booking.starts_at, booking.ends_at))
    table = _table_applied(place, start, end)
    if table is None:
        return Seller(name=place.name)
    collection = _collection(table, start)
    rate = collection.tax_rate / 100 if collection is not None and collection.tax_rate is not None else None
    # with taxIncluded false and no taxRate the engine adds nothing: the amount holds no tax
    included = rate is not None or (collection is not None and collection.tax_included)
    return Seller(name=table.responsible_party or place.name, vat_included=included, vat_rate=rate)


#: car parks read in one statement at most (a bound on the IN list)
PLACES_PER_READ = 500


def _place_of(detail: ApdsSession) -> ApdsPlace | None:
    """The session's car park. The first one asked for in a database session brings the car parks of
    every APDS session that session holds, a few hundred per statement, kept in it until it ends (the
    request): the CSV export of 1,000 bookings asked for them one row at a time (200 statements,
    bench/pages.py). A car park the platform dropped stays None."""
    known: dict[str, ApdsPlace | None] = db.session.info.setdefault(_PLACES_HELD, {})
    if detail.place_id not in known:
        held = {held.place_id for held in list(db.session.identity_map.values()) if isinstance(held, ApdsSession)}
        missing = sorted((held | {detail.place_id}) - known.keys())
        for start in range(0, len(missing), PLACES_PER_READ):
            chunk = missing[start:start + PLACES_PER_READ]
            found = {place.place_id: place for place in db.session.scalars(
                select(ApdsPlace).where(ApdsPlace.place_id.in_(chunk)))}
            known.update({place_id: found.get(place_id) for place_id in chunk})
            places.load_tariff_sets({place.tariff_key for place in found.values()})  # their rate tables, at once
    return known[detail.place_id]


#: the key of the car parks a database session has read for sellers (``Session.info``)
_PLACES_HELD = "apds_seller_places"


def _table_applied(place: ApdsPlace, start: datetime | None, end: datetime | None) -> RateTable | None:
    """The rate table the engine charges the stay under (``rates.price_at_place``), else the one table
    all the place's options share, else None."""
    options = places.rate_options(place)
    tables = {table.id: table for _spec, table in options}
    if len(tables) == 1:
        # the engine can only have charged under it (or refused the stay, and then it is the answer too): not
        # pricing the stay again halves what the CSV export of 1,000 bookings spends on sellers (issue 18)
        return next(iter(tables.values()))
    if start is not None:
        local_start = start.astimezone(places.place_zone(place))
        try:
            if end is not None and end >= start:
                quote = rates.price_at_place(options, local_start, end - start)
                return next(table for _spec, table in options if table.id == quote.rate_table_id)
            applicable = [table for spec, table in options if rates.applies_at(spec, local_start)]
            if applicable:
                return applicable[0]
        except (ValueError, StopIteration):  # StayNotAllowedError is a ValueError
            pass
    return None


def _collection(table: RateTable, at: datetime | None) -> RateLineCollection | None:
    """The table's rate line collection valid at ``at``, else its first (as the rate engine picks it)."""
    ordered = sorted(table.collections, key=lambda c: c.sequence)
    for collection in ordered:
        if at is not None and (collection.valid_start is None or collection.valid_start <= at) and \
                (collection.valid_end is None or at < collection.valid_end):
            return collection
    return ordered[0] if ordered else None

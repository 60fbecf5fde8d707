"""Search and compare: the linked companies, the cars free for a window, grouped by model cheapest first.

Answers are reused for a short while (``availability.py``) and a search asks
only the companies the driver filtered to, to keep the API cost down.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction

from webapp.core.clock import utcnow
from webapp.core.errors import ProviderError, ProviderFailedError
from webapp.extensions import db
from webapp.rentcar import availability
from webapp.rentcar.messages import driver_message
from webapp.rentcar.pricing import FEW_MONTHS_AHEAD, Filters, ModelGroup, Offer, group_offers, to_korean
from webapp.rentcar.rentals.catalogue import ROMANISED
from webapp.rentcar.rentals.shared import Meter, rentcar_client, validate_window
from webapp.rentcar.wire import Car, Company

COMPANIES_REUSE_SECONDS = 3600


@dataclass(frozen=True)
class SearchCriteria:
    """A search as the driver asked it (times aware)."""

    start: datetime | None
    end: datetime | None
    filters: Filters = field(default_factory=Filters)
    sort: str = "price"


@dataclass
class SearchResult:
    """Groups of offers (cheapest company first) and what the search cost."""

    groups: list[ModelGroup]
    companies: list[Company]
    offers: int
    reused: bool
    cost: Fraction
    #: the pick-up is far enough ahead that some companies may not take bookings for it yet (0112)
    far_ahead: bool = False



def linked_companies(meter: Meter, now: datetime) -> list[Company]:
    """The companies linked to us (companylist, reused for an hour: it changes with contracts, not bookings)."""
    cached = availability.get("companylist", now, ttl=COMPANIES_REUSE_SECONDS)
    if cached is not None:
        return [Company.model_validate(item) for item in cached]
    companies = rentcar_client().company_list()
    meter.add("companylist")
    epoch = datetime(2000, 1, 1, tzinfo=now.tzinfo)
    availability.put("companylist", epoch, epoch, [c.model_dump(mode="json", by_alias=True) for c in companies],
                     now, ttl=COMPANIES_REUSE_SECONDS)
    return companies


def search_key(start: datetime, end: datetime, codes: tuple[str, ...]) -> str:
    """The reuse key of a search for the window at ``codes`` (the quote looks its car up there too)."""
    return f"cars:{to_korean(start):%Y%m%d%H%M}:{to_korean(end):%Y%m%d%H%M}:{','.join(codes) or '*'}"


def available_cars(start: datetime, end: datetime, codes: tuple[str, ...], meter: Meter, now: datetime,
                   n_companies: int) -> tuple[list[Car], bool]:
    """Cars free for the window at ``codes`` (every company when empty); reused when recent.

    Returns:
        ``(cars, reused)``.
    """
    key = search_key(start, end, codes)
    cached = availability.get(key, now)
    if cached is not None:
        return [Car.model_validate(item) for item in cached], True
    try:
        cars = rentcar_client().search_cars(to_korean(start), to_korean(end), companies=codes, with_covers=True)
    finally:
        meter.add("carsearch_r", len(codes) or n_companies)
    availability.put(key, start, end, [c.model_dump(mode="json", by_alias=True) for c in cars], now)
    return cars, False


def _english(car: Car) -> str:
    return car.agency_model_name or ROMANISED.get(car.name, "")


def offer_of(car: Car) -> Offer:
    """The pure view of a wire car."""
    return Offer(company_code=car.company_code, company=car.company, mid=car.mid, name=car.name,
                 english=_english(car), fuel=car.fuel, seats=car.seats, transmission=car.transmission,
                 newest_year=car.newest_year, min_age=car.min_age, licence_years=car.licence_years,
                 available=car.available, fee=car.fee, fee_option1=car.fee_option1, fee_option2=car.fee_option2,
                 covers=car.covers, options=car.model_options)


def search_rentals(user_id: int | None, criteria: SearchCriteria, now: datetime | None = None) -> SearchResult:
    """Cars for the window, filtered, grouped by model with the cheapest company first.

    Asks only the companies the driver filtered to (cost 1/10 per company),
    and reuses a recent answer for the same window.

    Raises:
        ValidationError: a bad window (nothing is sent).
        ProviderFailedError: the companies could not be asked.
    """
    now = now or utcnow()
    validate_window(criteria.start, criteria.end, now)
    meter = Meter()
    try:
        companies = linked_companies(meter, now)
        codes = tuple(sorted(criteria.filters.companies))
        cars, reused = available_cars(criteria.start, criteria.end, codes, meter, now, len(companies))
    except ProviderError as error:
        meter.save(user_id, "search", now)
        db.session.commit()
        raise ProviderFailedError(driver_message(error)) from error
    meter.save(user_id, "search", now)
    db.session.commit()
    groups = group_offers([offer_of(car) for car in cars], criteria.filters, criteria.sort)
    return SearchResult(groups=groups, companies=companies, offers=sum(len(g.offers) for g in groups),
                        reused=reused, cost=meter.cost, far_ahead=criteria.start - now > FEW_MONTHS_AHEAD)


def linked_company_list(user_id: int | None, now: datetime | None = None) -> list[Company]:
    """The companies to filter by (companylist, reused for an hour).

    Raises:
        ProviderFailedError: the companies could not be asked.
    """
    now = now or utcnow()
    meter = Meter()
    try:
        companies = linked_companies(meter, now)
    except ProviderError as error:
        raise ProviderFailedError(driver_message(error)) from error
    finally:
        meter.save(user_id, "companies", now)
        db.session.commit()
    return companies

"""Rent-car rules on our side, pure: the rental window, fee checks, deadlines, and search results.

Times: the companies speak Korean wall-clock time (Asia/Seoul, no zone on the
wire); we keep UTC and convert at this edge, so a deadline just after
midnight in Seoul is the right day whatever the server's zone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from webapp.core.clock import SEOUL

#: seed 001, 0310: the server accepts a fee within 100 KRW of our check ("오차범위 100원")
FEE_TOLERANCE = 100
#: the longest rental any linked company takes (0113 is the company's own, shorter, rule)
MAX_RENTAL = timedelta(days=30)
MIN_RENTAL = timedelta(hours=1)
#: the furthest ahead any linked company takes a booking: each company refuses a pick-up beyond its own
#: horizon with 0112 (seed 001, "예약가능기간 확인(a~b)"), and a search of all companies then finds
#: nothing at all; the sandbox's companies take bookings 60 to 365 days ahead
MAX_AHEAD = timedelta(days=365)
#: beyond this, some companies may not take the booking yet (the sandbox's shortest horizon: 60 days)
FEW_MONTHS_AHEAD = timedelta(days=60)
SORTS = ("price", "seats", "newest")


def to_korean(moment: datetime) -> datetime:
    """An aware time as naive Korean wall-clock time (what the API speaks)."""
    return moment.astimezone(SEOUL).replace(tzinfo=None)


def from_korean(moment: datetime) -> datetime:
    """Naive Korean wall-clock time (from the API) as an aware time."""
    return moment.replace(tzinfo=SEOUL)


def window_errors(start: datetime | None, end: datetime | None, now: datetime) -> dict[str, str]:
    """Field -> problem code for a rental window (empty when it is fine).

    Codes: ``missing``, ``past``, ``far`` (a pick-up beyond ``MAX_AHEAD``), ``order`` (return not after
    pick-up), ``short`` (under an hour), ``long`` (over 30 days).
    """
    errors = {}
    if start is None:
        errors["start"] = "missing"
    if end is None:
        errors["end"] = "missing"
    if errors:
        return errors
    if start <= now:
        errors["start"] = "past"
    elif start - now > MAX_AHEAD:
        errors["start"] = "far"
    if end <= start:
        errors["end"] = "order"
    elif end - start < MIN_RENTAL:
        errors["end"] = "short"
    elif end - start > MAX_RENTAL:
        errors["end"] = "long"
    return errors


def fee_matches(current: int, seen: int) -> bool:
    """Whether the server would take ``seen`` as the check for ``current`` (within 100 KRW)."""
    return abs(int(current) - int(seen)) <= FEE_TOLERANCE


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Half-open intervals: a return at 10:00 and a pick-up at 10:00 do not overlap."""
    return a_start < b_end and b_start < a_end


def change_deadline(accepted_at: datetime, starts_at: datetime, cutoff_hours: int,
                    same_day_minutes: int) -> datetime:
    """Until when the API may change or cancel a rental (the companies' R예약변경가능시간 rule).

    Args:
        accepted_at, starts_at: aware times.
        cutoff_hours: R취소가능시간.
        same_day_minutes: R당일취소허용시간, for a rental booked on its pick-up day (Seoul date);
            negative: such a rental cannot be changed at all (its deadline is when it was booked).

    Returns:
        The deadline, aware.
    """
    if to_korean(accepted_at).date() == to_korean(starts_at).date():
        if same_day_minutes < 0:
            return accepted_at
        return starts_at - timedelta(minutes=same_day_minutes)
    return starts_at - timedelta(hours=cutoff_hours)


@dataclass(frozen=True)
class Offer:
    """One company's offer of one model for the searched window."""

    company_code: str
    company: str
    mid: int
    name: str
    english: str
    fuel: str
    seats: int
    transmission: str
    newest_year: int
    min_age: int
    licence_years: int
    available: int
    fee: int  # car only
    fee_option1: int
    fee_option2: int
    covers: tuple = ()  # wire CoverOption
    options: str = ""

    @property
    def insured(self) -> bool:
        """Whether a damage-cover option can be added."""
        return bool(self.fee_option1 or self.fee_option2)

    @property
    def best_total(self) -> int:
        """The total with the best cover offered (what most drivers book)."""
        return self.fee_option2 or self.fee_option1 or self.fee


@dataclass(frozen=True)
class Filters:
    """What the driver narrowed the search to (empty: anything)."""

    fuels: frozenset = frozenset()
    min_seats: int | None = None
    transmission: str = ""
    price_min: int | None = None
    price_max: int | None = None
    companies: frozenset = frozenset()
    insured_only: bool = False
    driver_age: int | None = None
    licence_years: int | None = None


def keep(offer: Offer, filters: Filters) -> bool:
    """Whether ``offer`` passes ``filters`` (the driver's age and licence against the model's minimums)."""
    checks = (
        not filters.fuels or offer.fuel in filters.fuels,
        filters.min_seats is None or offer.seats >= filters.min_seats,
        not filters.transmission or offer.transmission == filters.transmission,
        filters.price_min is None or offer.fee >= filters.price_min,
        filters.price_max is None or offer.fee <= filters.price_max,
        not filters.companies or offer.company_code in filters.companies,
        not filters.insured_only or offer.insured,
        filters.driver_age is None or offer.min_age <= filters.driver_age,
        filters.licence_years is None or offer.licence_years <= filters.licence_years,
    )
    return all(checks)


@dataclass
class ModelGroup:
    """The offers of one model, cheapest company first."""

    name: str
    english: str
    fuel: str
    seats: int
    transmission: str
    newest_year: int
    offers: list[Offer] = field(default_factory=list)

    @property
    def cheapest(self) -> Offer:
        return self.offers[0]


def group_offers(offers: list[Offer], filters: Filters, sort: str = "price") -> list[ModelGroup]:
    """Filter, group by model (Korean name), cheapest company first, groups sorted by ``sort``."""
    groups: dict[str, ModelGroup] = {}
    for offer in offers:
        if not keep(offer, filters):
            continue
        group = groups.setdefault(offer.name, ModelGroup(offer.name, offer.english, offer.fuel, offer.seats,
                                                         offer.transmission, offer.newest_year))
        group.offers.append(offer)
    for group in groups.values():
        group.offers.sort(key=lambda o: (o.fee, o.company_code))
    keys = {
        "price": lambda g: (g.cheapest.fee, g.name),
        "seats": lambda g: (-g.seats, g.cheapest.fee, g.name),
        "newest": lambda g: (-g.newest_year, g.cheapest.fee, g.name),
    }
    return sorted(groups.values(), key=keys.get(sort, keys["price"]))

"""Rent-cars: search and compare, quote, reserve, change, extras, cancel — on the booking core.

Every rental is a ``Booking`` (kind ``rental``) with a ``Rental`` detail row,
written through ``bookings.operations``: pending and committed before
``revadd``, unknown when its reply is lost, settled reserved with the
company's R예약번호. Our public reference travels as ``dealerrevnum``, so a
lost reservation is found exactly by it (``adapter.py``).

The fee checks of ``revadd`` are the fees of the quote the driver saw: if the
company's price moved (0310) the booking fails, a fresh quote is made and the
driver is asked again — never booked at a price they did not see.

Every action's API cost (seed 001 "API 목록과 비용") is metered and stored
per user and action (``RentcarApiCost``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction

from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from webapp.bookings import history, operations
from webapp.bookings.lifecycle import transition
from webapp.bookings.models import KIND_RENTAL, Action, Booking, Outcome, Status
from webapp.bookings.operations import PlateConflictError
from webapp.bookings.reconcile import reconcile
from webapp.core.clock import SEOUL, utcnow
from webapp.core.errors import (
    ConflictError,
    NotFoundError,
    ProviderError,
    ProviderFailedError,
    ServiceError,
    ValidationError,
)
from webapp.core.provider import provider_client
from webapp.extensions import db
from webapp.rentcar import availability
from webapp.rentcar.adapter import apply_reservation, reservation_payload
from webapp.rentcar.client import api_cost
from webapp.rentcar.messages import driver_message
from webapp.rentcar.models import Rental, RentcarApiCost
from webapp.rentcar.pricing import (
    Filters,
    ModelGroup,
    Offer,
    change_deadline,
    group_offers,
    overlaps,
    to_korean,
    window_errors,
)
from webapp.rentcar.wire import Car, Company, Extra, Insurance

log = logging.getLogger(__name__)

PROVIDER = "rentcar"
CURRENCY = "KRW"
COST_UNITS = 400  # the meter stores whole 1/400ths of a call (every price of the seed is one)
COMPANIES_REUSE_SECONDS = 3600
MAX_REASON = 200

_WINDOW_MESSAGES = {
    "missing": _l("Choose a date and time."),
    "past": _l("Choose a pick-up time in the future."),
    "order": _l("The return must be after the pick-up."),
    "short": _l("A rental lasts at least one hour."),
    "long": _l("A rental can last at most 30 days."),
}


class PriceChangedError(ServiceError):
    """0310: the company's price moved since the driver's quote; ``quote`` has the new one."""

    status_code = 409

    def __init__(self, quote: Quote) -> None:
        self.quote = quote
        super().__init__(driver_message(ProviderError(PROVIDER, "0310")))


# -- the cost meter --------------------------------------------------------------------------


class Meter:
    """The API cost of one driver action, stored with the action's transaction."""

    def __init__(self) -> None:
        self.cost = Fraction(0)
        self.calls = 0

    def add(self, cmd: str, companies: int = 1, models: int = 1) -> None:
        self.cost += api_cost(cmd, companies, models)
        self.calls += 1

    def save(self, user_id: int | None, action: str, now: datetime) -> None:
        """Add the row (flushed with the caller's transaction); nothing for a free action."""
        if self.calls:
            db.session.add(RentcarApiCost(day=to_korean(now).date(), user_id=user_id, action=action,
                                          units=int(self.cost * COST_UNITS), calls=self.calls, created_at=now))


def cost_by_day(days: int = 14, now: datetime | None = None) -> list[dict]:
    """API cost per Seoul day and action over the last ``days`` days, newest first (the admins' view)."""
    first = to_korean(now or utcnow()).date() - timedelta(days=days - 1)
    rows = db.session.execute(
        select(RentcarApiCost.day, RentcarApiCost.action, func.count(), func.sum(RentcarApiCost.calls),
               func.sum(RentcarApiCost.units))
        .where(RentcarApiCost.day >= first)
        .group_by(RentcarApiCost.day, RentcarApiCost.action)
        .order_by(RentcarApiCost.day.desc(), RentcarApiCost.action)
    ).all()
    return [{"day": day, "action": action, "actions": count, "calls": calls, "cost": units / COST_UNITS}
            for day, action, count, calls, units in rows]


# -- search ----------------------------------------------------------------------------------


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


def _rentcar():
    return provider_client(PROVIDER)


def validate_window(start: datetime | None, end: datetime | None, now: datetime) -> None:
    """Refuse a missing, past, reversed, too short or too long window before any call.

    Raises:
        ValidationError: on ``start``/``end``.
    """
    errors = window_errors(start, end, now)
    if errors:
        raise ValidationError({name: str(_WINDOW_MESSAGES[code]) for name, code in errors.items()})


def linked_companies(meter: Meter, now: datetime) -> list[Company]:
    """The companies linked to us (companylist, reused for an hour: it changes with contracts, not bookings)."""
    cached = availability.get("companylist", now, ttl=COMPANIES_REUSE_SECONDS)
    if cached is not None:
        return [Company.model_validate(item) for item in cached]
    companies = _rentcar().company_list()
    meter.add("companylist")
    epoch = datetime(2000, 1, 1, tzinfo=now.tzinfo)
    availability.put("companylist", epoch, epoch, [c.model_dump(mode="json", by_alias=True) for c in companies],
                     now, ttl=COMPANIES_REUSE_SECONDS)
    return companies


def _search_key(start: datetime, end: datetime, codes: tuple[str, ...]) -> str:
    return f"cars:{to_korean(start):%Y%m%d%H%M}:{to_korean(end):%Y%m%d%H%M}:{','.join(codes) or '*'}"


def available_cars(start: datetime, end: datetime, codes: tuple[str, ...], meter: Meter, now: datetime,
                   n_companies: int) -> tuple[list[Car], bool]:
    """Cars free for the window at ``codes`` (every company when empty); reused when recent.

    Returns:
        ``(cars, reused)``.
    """
    key = _search_key(start, end, codes)
    cached = availability.get(key, now)
    if cached is not None:
        return [Car.model_validate(item) for item in cached], True
    try:
        cars = _rentcar().search_cars(to_korean(start), to_korean(end), companies=codes, with_covers=True)
    finally:
        meter.add("carsearch_r", len(codes) or n_companies)
    availability.put(key, start, end, [c.model_dump(mode="json", by_alias=True) for c in cars], now)
    return cars, False


def _english(car: Car) -> str:
    return car.agency_model_name or ROMANISED.get(car.name, "")


#: romanised / English forms of the model names the companies use (R모델명 has Korean only)
ROMANISED = {
    "모닝": "Kia Morning", "레이": "Kia Ray", "캐스퍼": "Hyundai Casper", "아반떼": "Hyundai Avante",
    "아반떼 (수동)": "Hyundai Avante (manual)", "K5 LPG": "Kia K5 LPG", "쏘나타 하이브리드": "Hyundai Sonata Hybrid",
    "그랜저": "Hyundai Grandeur", "아이오닉5": "Hyundai Ioniq 5", "EV6": "Kia EV6",
    "코나 일렉트릭": "Hyundai Kona Electric", "니로 EV": "Kia Niro EV", "투싼": "Hyundai Tucson",
    "싼타페": "Hyundai Santa Fe", "카니발": "Kia Carnival", "스타리아": "Hyundai Staria",
    "테슬라 모델3": "Tesla Model 3", "벤츠 E300": "Mercedes-Benz E300",
}
#: romanised company names, by company code
COMPANY_ROMANISED = {
    "HALLA": "Halla Rent-a-car", "TAMRA": "Tamra Rent-a-car", "OREUM": "Jeju Oreum Rent-a-car",
    "BADANG": "Badang Rent-a-car", "SEOULMOB": "Seoul Mobility Rent-a-car", "HANGANG": "Hangang Rent-a-car",
}
#: English glosses of the covers and extras the companies name in Korean (shown beside the Korean name)
GLOSSES = {
    "일반자차": _l("Basic damage cover"), "완전자차": _l("Full damage cover"), "슈퍼자차": _l("Super cover, no excess"),
    "고급자차": _l("Plus damage cover"), "실속자차": _l("Value damage cover"), "카시트": _l("Child seat"),
    "포켓 와이파이": _l("Pocket Wi-Fi"), "유모차": _l("Pushchair"), "스노우체인": _l("Snow chains"),
    "타이어·휠 보장": _l("Tyre and wheel cover"), "유아용 (0~4세)": _l("for babies and toddlers (0–4)"),
    "아동용 부스터 (4~12세)": _l("booster for children (4–12)"),
}
#: where the companies hand cars over (the search's "where")
REGIONS = {"jeju": frozenset({"HALLA", "TAMRA", "OREUM"}), "seoul": frozenset({"SEOULMOB", "HANGANG"})}
FUELS = {"휘발유": _l("Petrol"), "경유": _l("Diesel"), "전기": _l("Electric"), "LPG": _l("LPG"),
         "하이브리드": _l("Hybrid")}
TRANSMISSIONS = {"자동": _l("Automatic"), "수동": _l("Manual")}


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
                        reused=reused, cost=meter.cost)


# -- quote -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverChoice:
    """One way to insure the car, with its part of the price."""

    key: str  # "none", "option1", "option2", "ins:<insid>"
    name: str
    limit: str = ""
    deductible: str = ""
    loss_of_use: str = ""
    min_age: int = 0
    licence_years: int = 0
    car_fee: int = 0  # car incl. the option (carfeechk)
    insurance_fee: int = 0  # the product's fee (insfeechk)
    capped_7_days: bool = False

    @property
    def total(self) -> int:
        return self.car_fee + self.insurance_fee


@dataclass
class Quote:
    """What the detail page shows: the car, every cover side by side, the extras, the company's rules."""

    offer: Offer
    company: Company
    start: datetime
    end: datetime
    covers: list[CoverChoice]
    extras: list[Extra]
    deadline: datetime

    def cover(self, key: str) -> CoverChoice | None:
        return next((c for c in self.covers if c.key == key), None)

    def total_for(self, cover: str, gids) -> tuple[int, int]:
        """(car with cover, extras) for the driver's current choice; unknown keys count as nothing."""
        choice = self.cover(cover) or self.covers[0]
        chosen = {int(g) for g in gids if str(g).isdigit()}
        return choice.total, sum(e.fee for e in self.extras if e.gid in chosen)

    @property
    def company_english(self) -> str:
        return COMPANY_ROMANISED.get(self.company.agency_code, "")


def quote_rental(user_id: int | None, company_code: str, mid: int, start: datetime | None, end: datetime | None,
                 now: datetime | None = None, meter: Meter | None = None) -> Quote:
    """The car, its covers and extras with their prices for the window (reuses the search when recent).

    Raises:
        ValidationError: a bad window.
        NotFoundError: the car is not offered (any more) for the window.
        ProviderFailedError: the company could not be asked.
    """
    now = now or utcnow()
    validate_window(start, end, now)
    key = f"quote:{company_code}:{mid}:{to_korean(start):%Y%m%d%H%M}:{to_korean(end):%Y%m%d%H%M}"
    cached = availability.get(key, now)
    if cached is not None:
        company = Company.model_validate(cached["company"])
        car = Car.model_validate(cached["car"])
        insurances = [Insurance.model_validate(i) for i in cached["insurances"]]
        extras = [Extra.model_validate(e) for e in cached["extras"]]
        return _build_quote(company, car, insurances, extras, start, end, now)
    own_meter = meter is None
    meter = meter or Meter()
    try:
        companies = linked_companies(meter, now)
        company = next((c for c in companies if c.agency_code == company_code), None)
        if company is None:
            raise NotFoundError("no such company")
        car = _find_car(company_code, mid, start, end, meter, now, len(companies))
        insurances = _rentcar().insurance_list(to_korean(start), to_korean(end), models=[f"{company_code}${mid}"])
        meter.add("inslist_r")
        extras = _rentcar().extra_list(to_korean(start), to_korean(end), models=[f"{company_code}${mid}"])
        meter.add("etclist_r")
    except ProviderError as error:
        if own_meter:
            meter.save(user_id, "quote", now)
            db.session.commit()
        raise ProviderFailedError(driver_message(error)) from error
    availability.put(key, start, end, {
        "company": company.model_dump(mode="json", by_alias=True), "car": car.model_dump(mode="json", by_alias=True),
        "insurances": [i.model_dump(mode="json", by_alias=True) for i in insurances],
        "extras": [e.model_dump(mode="json", by_alias=True) for e in extras]}, now)
    if own_meter:
        meter.save(user_id, "quote", now)
    db.session.commit()
    return _build_quote(company, car, insurances, extras, start, end, now)


def cached_quote(company_code: str, mid: int, start: datetime | None, end: datetime | None) -> Quote:
    """The quote the driver just saw, to show the form again (from the reuse: no call when recent).

    Raises:
        as ``quote_rental``.
    """
    return quote_rental(None, company_code, mid, start, end)


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


def _build_quote(company: Company, car: Car, insurances: list, extras: list, start: datetime, end: datetime,
                 now: datetime) -> Quote:
    mid = car.mid
    covers = [CoverChoice("none", str(_l("No damage cover")), car_fee=car.fee)]
    for option in car.covers:
        covers.append(CoverChoice(f"option{option.code}", option.name, option.limit, option.deductible,
                                  option.loss_of_use, option.min_age, option.licence_years,
                                  car_fee=option.fee_with_cover))
    days = max(1, -(-int((end - start).total_seconds()) // 86400))
    for ins in insurances:
        if ins.applies_to(mid):
            covers.append(CoverChoice(f"ins:{ins.insid}", ins.name, ins.limit, ins.deductible, ins.loss_of_use,
                                      ins.min_age, ins.licence_years, car_fee=car.fee, insurance_fee=ins.fee,
                                      capped_7_days=days > 7 and ins.kind == "완전면책"))
    deadline = change_deadline(now, start, company.change_cutoff_hours, company.same_day_cancel_minutes)
    return Quote(offer=offer_of(car), company=company, start=start, end=end, covers=covers,
                 extras=[e for e in extras if e.applies_to(mid)], deadline=deadline)


def _find_car(code: str, mid: int, start, end, meter: Meter, now: datetime, n_companies: int) -> Car:
    for codes in ((), (code,)):
        cached = availability.get(_search_key(start, end, codes), now)
        if cached is not None:
            car = next((Car.model_validate(c) for c in cached if c["R모델번호"] == mid
                        and c.get("L렌트회사코드") == code), None)
            if car is not None:
                return car
    cars = _rentcar().search_cars(to_korean(start), to_korean(end), models=[f"{code}${mid}"])
    meter.add("carsearchbymodelnumbers_r", 1, 1)
    car = next((c for c in cars if c.mid == mid and c.company_code == code), None)
    if car is None:
        raise NotFoundError(str(_l("This car is not available for these dates any more.")))
    return car


# -- reserve -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReserveRequest:
    """What the reserve form posts: the driver's choices and the fees of the quote they saw."""

    company_code: str
    mid: int
    start: datetime
    end: datetime
    cover: str
    extras: tuple[int, ...]
    seen_car_fee: int
    seen_insurance_fee: int
    seen_extras_fee: int
    model_name: str
    company_name: str
    min_age: int = 0
    name: str = ""
    phone: str = ""
    email: str = ""
    driver_age: int | None = None
    pay_at_counter: bool = False
    memo: str = ""
    extra_names: tuple[str, ...] = ()
    extra_fees: tuple[int, ...] = ()
    cutoff_hours: int = 24
    same_day_minutes: int = 0

    @property
    def total(self) -> int:
        return self.seen_car_fee + self.seen_insurance_fee + self.seen_extras_fee


def parse_cover(key: str) -> tuple[int | None, int | None]:
    """``(option_ins, insid)`` of a cover key.

    Raises:
        ValidationError: an unknown key.
    """
    if key == "none":
        return None, None
    if key in ("option1", "option2"):
        return int(key[-1]), None
    if key.startswith("ins:") and key[4:].isdigit():
        return None, int(key[4:])
    raise ValidationError({"cover": str(_l("Choose a cover."))})


def own_overlapping(user_id: int, start: datetime, end: datetime) -> list[Booking]:
    """The driver's rentals that hold a car for part of the window (one driver, one car at a time)."""
    rows = db.session.scalars(select(Booking).where(
        Booking.user_id == user_id, Booking.kind == KIND_RENTAL, Booking.status.in_(operations.HOLDING),
        Booking.starts_at < end, Booking.ends_at > start))
    return [b for b in rows if overlaps(b.starts_at, b.ends_at, start, end)]


def reserve_rental(user_id: int, request: ReserveRequest, idempotency_key: str | None, *,
                   confirm_overlap: bool = False, now: datetime | None = None) -> Booking:
    """Book the car at the company with ``revadd``, at the fees of the driver's quote.

    Returns:
        The booking: reserved, or unknown when the reply was lost and the
        company does not show it yet (the sweeper keeps looking by our reference).

    Raises:
        ValidationError: bad key, window, driver details, or a driver younger than the car allows.
        PlateConflictError: the driver has another rental for part of the window (until confirmed).
        PriceChangedError: 0310 — the booking failed; ``quote`` is the new price to ask again with.
        ProviderFailedError: the company refused; the booking is recorded as failed.
    """
    now = now or utcnow()
    key = operations.check_idempotency_key(idempotency_key)
    existing = operations.find_by_key(user_id, key)
    if existing is not None:
        return existing
    errors = {}
    try:
        validate_window(request.start, request.end, now)
    except ValidationError as error:
        errors.update(error.errors)
    if not request.name.strip():
        errors["name"] = str(_l("Enter the driver's name."))
    if not request.phone.strip():
        errors["phone"] = str(_l("Enter a phone number the company can call."))
    if request.driver_age is not None and request.driver_age < request.min_age:
        errors["driver_age"] = str(_l("The company rents this car only to drivers aged %(age)s or more.",
                                      age=request.min_age))
    try:
        option_ins, insid = parse_cover(request.cover)
    except ValidationError as error:
        errors.update(error.errors)
    if errors:
        raise ValidationError(errors)
    if not confirm_overlap:
        others = own_overlapping(user_id, request.start, request.end)
        if others:
            raise PlateConflictError(others)
    custfee = request.total if request.pay_at_counter else 0
    draft = operations.Draft(
        kind=KIND_RENTAL, provider=PROVIDER, title=f"{request.model_name} · {request.company_name}"[:200],
        starts_at=request.start, ends_at=request.end, amount=request.total, currency=CURRENCY,
        contact_phone=request.phone.strip()[:32], contact_email=request.email.strip() or None,
    )

    def add_detail(booking: Booking) -> None:
        db.session.add(Rental(
            booking=booking, company_code=request.company_code, company_name=request.company_name,
            mid=request.mid, model_name=request.model_name, model_english=ROMANISED.get(request.model_name, ""),
            dealer_ref=booking.public_ref, option_ins=option_ins or 0, insid=insid,
            extras=[{"gid": g, "name": n, "fee": f}
                    for g, n, f in zip(request.extras, request.extra_names, request.extra_fees, strict=False)],
            car_fee=request.seen_car_fee, insurance_fee=request.seen_insurance_fee,
            extras_fee=request.seen_extras_fee, custfee=custfee, cutoff_hours=request.cutoff_hours,
            same_day_minutes=request.same_day_minutes,
            change_deadline=change_deadline(now, request.start, request.cutoff_hours, request.same_day_minutes),
            driver_name=request.name.strip()[:50], driver_phone=request.phone.strip()[:32]))

    booking, created = operations.open_pending(user_id, draft, key, confirm_overlap=True, add_details=add_detail)
    if not created:
        return booking
    meter = Meter()
    meter.add("revadd")
    try:
        reservation = operations.call(booking, "revadd", lambda: _rentcar().reserve(
            request.company_code, to_korean(request.start), to_korean(request.end), request.mid,
            car_fee_check=request.seen_car_fee, name=request.name.strip()[:50], phone=request.phone.strip(),
            dealer_ref=booking.public_ref, option_ins=option_ins, insid=insid,
            insurance_fee_check=request.seen_insurance_fee if insid else None, gids=request.extras,
            extras_fee_check=request.seen_extras_fee if request.extras else None, custfee=custfee,
            email=request.email.strip()[:100], memo=request.memo.strip()[:300]))
    except ProviderError as error:
        meter.save(user_id, "reserve", now)
        db.session.commit()
        if booking.status == Status.UNKNOWN:
            return reconcile(booking, now=utcnow())  # ask the company by our reference before telling anything
        if error.code == "0310":
            raise PriceChangedError(quote_rental(user_id, request.company_code, request.mid, request.start,
                                                 request.end, now=now)) from error
        raise ProviderFailedError(driver_message(error)) from error
    apply_reservation(booking, reservation)
    operations.settle(booking, reservation.revnum, Status.RESERVED, payload=reservation_payload(reservation),
                      message=f"revadd: {reservation.revnum} {reservation.state}")
    availability.invalidate(request.start, request.end)
    meter.save(user_id, "reserve", now)
    db.session.commit()
    return booking


# -- manage ------------------------------------------------------------------------------------


@dataclass
class RentalView:
    """The manage page's figures."""

    booking: Booking
    rental: Rental
    deadline: datetime | None
    can_change: bool
    company_english: str


def get_rental(user_id: int | None, public_ref: str, now: datetime | None = None) -> RentalView:
    """The rental and whether it can still be changed online (the company's deadline first).

    Raises:
        NotFoundError: not the user's rental.
    """
    now = now or utcnow()
    booking = _load(user_id, public_ref)
    rental = booking.rental
    deadline = rental.change_deadline
    can_change = booking.status == Status.RESERVED and deadline is not None and now <= deadline
    return RentalView(booking, rental, deadline, can_change, COMPANY_ROMANISED.get(rental.company_code, ""))


@dataclass(frozen=True)
class ChangePreview:
    """The new price of a change, before anything is sent."""

    start: datetime
    end: datetime
    cover: str
    car_fee: int
    insurance_fee: int
    extras_fee: int
    total: int
    difference: int
    mid: int | None = None  # another model of the same company, or None to keep the car
    model_name: str = ""


def cover_key(rental: Rental) -> str:
    """The cover key of a rental's current cover."""
    if rental.option_ins:
        return f"option{rental.option_ins}"
    if rental.insid:
        return f"ins:{rental.insid}"
    return "none"


def preview_change(user_id: int, public_ref: str, start: datetime | None, end: datetime | None,
                   cover: str | None = None, now: datetime | None = None, mid: int | None = None) -> ChangePreview:
    """The new total for moving the rental to ``start``–``end`` (and ``cover``), asked of the company.

    Raises:
        ConflictError: past the company's deadline, or not reserved.
        ValidationError: a bad window or cover.
        NotFoundError: the car is not free for the new window.
        ProviderFailedError: the company could not be asked.
    """
    now = now or utcnow()
    view = _changeable(user_id, public_ref, now)
    rental = view.rental
    validate_window(start, end, now)
    cover = cover or cover_key(rental)
    option_ins, insid = parse_cover(cover)
    new_mid = mid if mid and mid != rental.mid else None
    model = new_mid or rental.mid
    meter = Meter()
    try:
        cars = _rentcar().search_cars(to_korean(start), to_korean(end), models=[f"{rental.company_code}${model}"])
        meter.add("carsearchbymodelnumbers_r")
        car = next((c for c in cars if c.mid == model), None)
        if car is None and new_mid:
            raise NotFoundError(str(_l("This car is not free for the new dates.")))
        if car is None:
            # our own reservation holds one car: a car that is "sold out" may be ours alone
            car = _own_car_fee(rental, start, end, meter)
        car_fee = {1: car.fee_option1, 2: car.fee_option2}.get(option_ins or 0, car.fee) or car.fee
        ins_fee = 0
        if insid:
            insurances = _rentcar().insurance_list(to_korean(start), to_korean(end),
                                                   models=[f"{rental.company_code}${model}"])
            meter.add("inslist_r")
            ins = next((i for i in insurances if i.insid == insid), None)
            if ins is None:
                raise ValidationError({"cover": str(_l("Choose a cover."))})
            ins_fee = ins.fee
        extras_fee = 0
        if rental.extras:
            extras = _rentcar().extra_list(to_korean(start), to_korean(end),
                                           models=[f"{rental.company_code}${model}"])
            meter.add("etclist_r")
            fees = {e.gid: e.fee for e in extras}
            extras_fee = sum(fees.get(e["gid"], e["fee"]) for e in rental.extras)
    except ProviderError as error:
        raise ProviderFailedError(driver_message(error)) from error
    finally:
        meter.save(user_id, "change preview", now)
        db.session.commit()
    total = car_fee + ins_fee + extras_fee
    return ChangePreview(start, end, cover, car_fee, ins_fee, extras_fee, total, total - rental.total,
                         mid=new_mid, model_name=car.name if new_mid else "")


def _own_car_fee(rental: Rental, start, end, meter: Meter) -> Car:
    """The model's fee for a window where only our own reservation holds the last car (block search)."""
    cars = _rentcar().search_cars(to_korean(start), to_korean(end), models=[f"{rental.company_code}${rental.mid}"],
                                  blocks=True)
    meter.add("carNblocksearchbymodelnumbers_r")
    car = next((c for c in cars if c.mid == rental.mid), None)
    if car is None:
        raise NotFoundError(str(_l("This car is not free for the new dates.")))
    return car


def change_rental(user_id: int, public_ref: str, expected_version: int, preview: ChangePreview,
                  now: datetime | None = None) -> Booking:
    """Move the rental to the previewed window and cover (``revupdate`` with the final state and ``feesumchk``).

    Raises:
        ConflictError: another tab changed it first, or the deadline passed.
        ProviderFailedError: the company refused (0310: the price moved — preview again); nothing changed.
    """
    now = now or utcnow()
    view = _changeable(user_id, public_ref, now)
    booking, rental = view.booking, view.rental
    option_ins, insid = parse_cover(preview.cover)
    booking = _claim(user_id, booking, expected_version, Action.CHANGE_REQUESTED)
    meter = Meter()
    meter.add("revupdate")
    old = (booking.starts_at, booking.ends_at)
    try:
        reservation = _rentcar().update_reservation(
            rental.company_code, rental.revnum, start=to_korean(preview.start), end=to_korean(preview.end),
            mid=preview.mid or rental.mid, option_ins=option_ins, insid=insid, fee_sum_check=preview.total,
            dealer_ref=rental.dealer_ref)
    except ProviderError as error:
        _note_failure(booking, error, "revupdate", user_id, meter, now)
        raise ProviderFailedError(driver_message(error)) from error
    rental.option_ins, rental.insid = option_ins or 0, insid
    if preview.mid:
        rental.mid = preview.mid
        rental.model_english = ROMANISED.get(reservation.model_name, "")
        booking.title = f"{reservation.model_name} · {rental.company_name}"[:200]
    apply_reservation(booking, reservation)
    operations.record(booking, Action.CHANGED, actor=operations.actor_for(user_id),
                      message=f"revupdate: {reservation.starts_at:%Y-%m-%d %H:%M}–{reservation.ends_at:%Y-%m-%d %H:%M}"
                              f" KST, total {reservation.total}", payload=reservation_payload(reservation))
    availability.invalidate(min(old[0], booking.starts_at), max(old[1], booking.ends_at))
    meter.save(user_id, "change", now)
    db.session.commit()
    return booking


def confirm_change(user_id: int, public_ref: str, expected_version: int, start: datetime | None,
                   end: datetime | None, cover: str, car_fee: int, insurance_fee: int, extras_fee: int,
                   now: datetime | None = None, mid: int | None = None) -> Booking:
    """Book the change the driver previewed, at the previewed total (``feesumchk``).

    Raises:
        as ``change_rental``; ValidationError for a bad window.
    """
    now = now or utcnow()
    validate_window(start, end, now)
    total = car_fee + insurance_fee + extras_fee
    preview = ChangePreview(start, end, cover, car_fee, insurance_fee, extras_fee, total, 0, mid=mid)
    return change_rental(user_id, public_ref, expected_version, preview, now=now)


def rental_extras(user_id: int, public_ref: str, now: datetime | None = None) -> list[Extra]:
    """The extras the company offers for this rental's car and window (``etclist_r``).

    Raises:
        ProviderFailedError: the company could not be asked.
    """
    now = now or utcnow()
    view = get_rental(user_id, public_ref, now)
    rental, booking = view.rental, view.booking
    meter = Meter()
    meter.add("etclist_r")
    try:
        extras = _rentcar().extra_list(to_korean(booking.starts_at), to_korean(booking.ends_at),
                                       models=[f"{rental.company_code}${rental.mid}"])
    except ProviderError as error:
        raise ProviderFailedError(driver_message(error)) from error
    finally:
        meter.save(user_id, "extras", now)
        db.session.commit()
    booked = {e["gid"] for e in rental.extras}
    return [e for e in extras if e.applies_to(rental.mid) and e.gid not in booked]


def add_extra(user_id: int, public_ref: str, expected_version: int, gid: int, seen_fee: int, name: str,
              now: datetime | None = None) -> Booking:
    """Add an extra at the fee the driver saw (``addetcitem``, paid at the counter with the car).

    Raises:
        ConflictError: another tab, or past the deadline.
        ProviderFailedError: the company refused (0127/0128/0310 …).
    """
    now = now or utcnow()
    view = _changeable(user_id, public_ref, now)
    rental = view.rental
    booking = _claim(user_id, view.booking, expected_version, Action.CHANGE_REQUESTED)
    meter = Meter()
    meter.add("addetcitem")
    try:
        reservation = _rentcar().add_extra(rental.company_code, rental.revnum, gid, seen_fee,
                                           paid_directly=bool(rental.custfee), dealer_ref=rental.dealer_ref)
    except ProviderError as error:
        _note_failure(booking, error, "addetcitem", user_id, meter, now)
        raise ProviderFailedError(driver_message(error)) from error
    rental.extras = [*rental.extras, {"gid": gid, "name": name[:60], "fee": seen_fee}]
    apply_reservation(booking, reservation)
    operations.record(booking, Action.CHANGED, actor=operations.actor_for(user_id), message=f"addetcitem {gid}",
                      payload=reservation_payload(reservation))
    meter.save(user_id, "add extra", now)
    db.session.commit()
    return booking


def remove_extra(user_id: int, public_ref: str, expected_version: int, gid: int,
                 now: datetime | None = None) -> Booking:
    """Remove a booked extra (``deletcitem``, by its name as the seed asks).

    Raises:
        ConflictError: another tab, or past the deadline.
        NotFoundError: the extra is not on the rental.
        ProviderFailedError: the company refused (0510/0511 …).
    """
    now = now or utcnow()
    view = _changeable(user_id, public_ref, now)
    rental = view.rental
    extra = next((e for e in rental.extras if e["gid"] == gid), None)
    if extra is None:
        raise NotFoundError(str(_l("This extra is not on your booking.")))
    booking = _claim(user_id, view.booking, expected_version, Action.CHANGE_REQUESTED)
    meter = Meter()
    meter.add("deletcitem")
    try:
        reservation = _rentcar().delete_extra(rental.company_code, rental.revnum, extra["name"],
                                              dealer_ref=rental.dealer_ref)
    except ProviderError as error:
        _note_failure(booking, error, "deletcitem", user_id, meter, now)
        raise ProviderFailedError(driver_message(error)) from error
    rental.extras = [e for e in rental.extras if e is not extra and e["gid"] != gid]
    apply_reservation(booking, reservation)
    operations.record(booking, Action.CHANGED, actor=operations.actor_for(user_id), message=f"deletcitem {gid}",
                      payload=reservation_payload(reservation))
    meter.save(user_id, "remove extra", now)
    db.session.commit()
    return booking


def cancel_rental(user_id: int, public_ref: str, expected_version: int, reason: str = "",
                  now: datetime | None = None) -> Booking:
    """Cancel with a reason (``revcancel``) before the company's deadline.

    Raises:
        ValidationError: a reason over 200 characters (nothing is sent).
        ConflictError: another tab, or past the deadline.
        ProviderFailedError: the company refused.
    """
    now = now or utcnow()
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": str(_l("Please keep the reason under 200 characters."))})
    view = _changeable(user_id, public_ref, now)
    rental = view.rental
    booking = _claim(user_id, view.booking, expected_version, Action.CANCEL_REQUESTED)
    meter = Meter()
    meter.add("revcancel")
    try:
        _rentcar().cancel_reservation(rental.company_code, rental.revnum, dealer_ref=rental.dealer_ref,
                                      reason=reason)
    except ProviderError as error:
        _note_failure(booking, error, "revcancel", user_id, meter, now)
        raise ProviderFailedError(driver_message(error)) from error
    transition(booking, Action.CANCELLED, to=Status.CANCELLED, actor=operations.actor_for(user_id),
               message=f"revcancel: {reason}"[:2000])
    availability.invalidate(booking.starts_at, booking.ends_at)
    meter.save(user_id, "cancel", now)
    db.session.commit()
    return booking


def check_rental(user_id: int, public_ref: str, now: datetime | None = None) -> Booking:
    """Ask the company (by our reference) about a rental whose reply was lost, and settle it."""
    return reconcile(_load(user_id, public_ref), now=now or utcnow())


def format_deadline(deadline: datetime) -> str:
    """The deadline in Korean time, in the page's language ("12 Dec 2026, 10:00")."""
    return format_datetime(deadline.astimezone(SEOUL), "medium")


def ensure_own_rental(user_id: int, public_ref: str) -> None:
    """Raise NotFoundError unless ``public_ref`` is one of the user's rentals."""
    _load(user_id, public_ref)


# -- internals ---------------------------------------------------------------------------------


def _load(user_id: int | None, public_ref: str) -> Booking:
    booking = (history.get_booking_for_user(user_id, public_ref) if user_id is not None
               else history.get_booking_for_admin(public_ref))
    if booking.kind != KIND_RENTAL or booking.rental is None:
        raise NotFoundError("not a rental")
    return booking


def _changeable(user_id: int, public_ref: str, now: datetime) -> RentalView:
    view = get_rental(user_id, public_ref, now)
    if view.booking.status != Status.RESERVED:
        raise ConflictError(str(_l("This rental is not reserved any more.")))
    if not view.can_change:
        raise ConflictError(str(_l("It is too late to change or cancel this booking online. "
                                   "Please call the company.")))
    return view


def _claim(user_id: int, booking: Booking, expected_version: int, action: Action) -> Booking:
    try:
        return operations.claim(booking, expected_version, action, operations.actor_for(user_id))
    except ConflictError:
        raise ConflictError(str(_l("This rental was changed in another window. Reload the page to see it.")))\
            from None


def _note_failure(booking: Booking, error: ProviderError, what: str, user_id: int, meter: Meter,
                  now: datetime) -> None:
    unknown = operations.is_unknown_outcome(error)
    operations.record(booking, Action.PROVIDER_CALL, outcome=Outcome.UNKNOWN if unknown else Outcome.ERROR,
                      provider_code=error.code, message=f"{what}: {error.detail}")
    meter.save(user_id, what, now)
    db.session.commit()
    log.info("rentcar %s refused for %s: %s", what, booking.public_ref, error)


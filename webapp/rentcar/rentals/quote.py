"""The quote of one car: every cover side by side, the extras, the company's change deadline.

Also owns the cover keys the forms post (``none``, ``option1``/``option2``,
``ins:<insid>``) and their reading back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l

from webapp.core.clock import utcnow
from webapp.core.errors import NotFoundError, ProviderError, ProviderFailedError, ValidationError
from webapp.extensions import db
from webapp.rentcar import availability
from webapp.rentcar.messages import driver_message
from webapp.rentcar.models import Rental
from webapp.rentcar.pricing import Offer, change_deadline, to_korean
from webapp.rentcar.rentals.catalogue import COMPANY_ROMANISED
from webapp.rentcar.rentals.search import linked_companies, offer_of, search_key
from webapp.rentcar.rentals.shared import Meter, rentcar_client, validate_window
from webapp.rentcar.wire import Car, Company, Extra, Insurance


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
        insurances = rentcar_client().insurance_list(to_korean(start), to_korean(end), models=[f"{company_code}${mid}"])
        meter.add("inslist_r")
        extras = rentcar_client().extra_list(to_korean(start), to_korean(end), models=[f"{company_code}${mid}"])
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
        cached = availability.get(search_key(start, end, codes), now)
        if cached is not None:
            car = next((Car.model_validate(c) for c in cached if c["R모델번호"] == mid
                        and c.get("L렌트회사코드") == code), None)
            if car is not None:
                return car
    cars = rentcar_client().search_cars(to_korean(start), to_korean(end), models=[f"{code}${mid}"])
    meter.add("carsearchbymodelnumbers_r", 1, 1)
    car = next((c for c in cars if c.mid == mid and c.company_code == code), None)
    if car is None:
        raise NotFoundError(str(_l("This car is not available for these dates any more.")))
    return car


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


def cover_key(rental: Rental) -> str:
    """The cover key of a rental's current cover."""
    if rental.option_ins:
        return f"option{rental.option_ins}"
    if rental.insid:
        return f"ins:{rental.insid}"
    return "none"

"""247Parking's rules and prices as we apply them before anything is sent (pure).

The seed has no quote call, so the price the traveller sees is computed here
from the published price list (``data/price_list.json``, the same data the
sandbox reads with its own code) — and after booking, 247Parking's
``totaalprijs`` is the truth (``reservations.py`` records a difference).

Rules (seed 004 "POST /reservering/", PROVIDERS.md §5): drop-off before the
flight's arrival and not in the past; a service offered at the location;
flight numbers only at Schiphol; indoor parking only with the shuttle, never
with a car wash, never paid in cash; leather care only with wash 2–4; 1 to
``max_persons`` persons; a discount code from the list (case-sensitive) and
valid today.

Prices: calendar days in Amsterdam, drop-off and arrival day included; the
service's first day and extra days, indoor parking per day, a discount (per
cent or amount) off that parking part, then wash, leather care, cancellation
insurance and the card surcharge, all with 21 % VAT included.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

from webapp.core.clock import AMSTERDAM

PRICE_LIST = Path(__file__).resolve().parent / "data" / "price_list.json"
CENT = Decimal("0.01")
SERVICES = ("valet", "shuttle", "combi_vs", "combi_sv")
LOCATIONS = ("schiphol", "pta", "amsterdam_centrum")
PAYMENTS = ("ideal", "mc", "visa", "maestro", "contant", "via_partner")
WASH_LEVELS = (0, 1, 2, 3, 4)
#: cancelled at least this long before the drop-off, everything is refunded (the price list's
#: ``free_cancellation_hours``; this is its default)
FREE_CANCELLATION = timedelta(hours=24)


@dataclass(frozen=True)
class PriceList:
    """The published price list, amounts as ``Decimal``."""

    currency: str
    vat_percent: Decimal
    max_persons: int
    services: dict[str, dict[str, tuple[Decimal, Decimal]]]  # location -> service -> (first day, extra day)
    indoor_per_day: Decimal
    wash: dict[int, Decimal]
    leather_care: Decimal
    cancellation_insurance: Decimal
    card_surcharge: dict[str, Decimal]
    discount_codes: dict[str, dict]
    free_cancellation: timedelta = FREE_CANCELLATION


@cache
def price_list(path: Path = PRICE_LIST) -> PriceList:
    """Read the published price list (once per process)."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    return PriceList(
        currency=raw["currency"], vat_percent=Decimal(raw["vat_percent"]), max_persons=int(raw["max_persons"]),
        services={location: {service: (Decimal(t["first_day"]), Decimal(t["extra_day"]))
                             for service, t in offered.items()} for location, offered in raw["services"].items()},
        indoor_per_day=Decimal(raw["indoor_per_day"]),
        wash={int(level): Decimal(amount) for level, amount in raw["wash"].items()},
        leather_care=Decimal(raw["leather_care"]), cancellation_insurance=Decimal(raw["cancellation_insurance"]),
        card_surcharge={method: Decimal(amount) for method, amount in raw["card_surcharge"].items()},
        discount_codes=raw["discount_codes"],
        free_cancellation=timedelta(hours=int(raw.get("free_cancellation_hours", 24))),
    )


@dataclass(frozen=True)
class ValetChoice:
    """What the traveller chose: everything that decides whether it may be booked and its price."""

    location: str
    service: str
    drop_off: datetime  # aware; when the car is handed over
    arrival: datetime  # aware; when the return flight lands
    persons: int
    payment: str
    indoor: bool = False
    wash: int = 0
    leather: bool = False
    insurance: bool = False
    discount_code: str = ""
    departure_flight: str = ""
    arrival_flight: str = ""


@dataclass(frozen=True)
class Line:
    """One line of a quote: ``what`` names it (parking, indoor, discount, wash, leather, insurance, surcharge)."""

    what: str
    amount: Decimal
    detail: str = ""  # the service, the wash level, the code, the payment method


@dataclass(frozen=True)
class Quote:
    """A priced choice: its lines, the total (VAT included) and the VAT in it."""

    lines: tuple[Line, ...]
    total: Decimal
    vat: Decimal
    days: int
    currency: str


class RuleError(Exception):
    """The choice breaks rules; ``problems`` maps a field of ``ValetChoice`` to a rule code."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = problems
        super().__init__(", ".join(f"{field}: {code}" for field, code in problems.items()))


def services_at(location: str, prices: PriceList | None = None) -> tuple[str, ...]:
    """The services offered at ``location``, in the list's order."""
    offered = (prices or price_list()).services.get(location, {})
    return tuple(service for service in SERVICES if service in offered)


def days_of(drop_off: datetime, arrival: datetime) -> int:
    """Calendar days in Amsterdam, the drop-off and the arrival day included."""
    return (arrival.astimezone(AMSTERDAM).date() - drop_off.astimezone(AMSTERDAM).date()).days + 1


def problems_of(choice: ValetChoice, now: datetime, prices: PriceList | None = None, *,
                keep_drop_off: bool = False) -> dict[str, str]:
    """Every rule the choice breaks, as ``{field: rule code}`` (empty when it may be booked).

    Args:
        keep_drop_off: a change that keeps the booked drop-off, which may have passed.
    """
    prices = prices or price_list()
    problems: dict[str, str] = {}
    if choice.location not in LOCATIONS:
        problems["location"] = "unknown_location"
    if choice.service not in SERVICES:
        problems["service"] = "unknown_service"
    elif choice.location in LOCATIONS and choice.service not in services_at(choice.location, prices):
        problems["service"] = "service_not_here"
    if choice.payment not in PAYMENTS:
        problems["payment"] = "unknown_payment"
    if choice.drop_off <= now and not keep_drop_off:
        problems["drop_off"] = "drop_off_past"
    if choice.arrival <= choice.drop_off:
        problems["arrival"] = "arrival_before_drop_off"
    if not 1 <= choice.persons <= prices.max_persons:
        problems["persons"] = "persons_range"
    if choice.location != "schiphol":
        for field in ("departure_flight", "arrival_flight"):
            if getattr(choice, field).strip():
                problems[field] = "flight_schiphol_only"
    if choice.wash not in WASH_LEVELS:
        problems["wash"] = "unknown_wash"
    if choice.indoor:
        if choice.service != "shuttle":
            problems["indoor"] = "indoor_needs_shuttle"
        elif choice.wash:
            problems["indoor"] = "indoor_no_wash"
        elif choice.payment == "contant":
            problems["indoor"] = "indoor_no_cash"
    if choice.leather and choice.wash not in (2, 3, 4):
        problems["leather"] = "leather_needs_wash"
    if choice.discount_code:
        problems.update(_discount_problem(choice.discount_code, now.astimezone(AMSTERDAM).date(), prices))
    return problems


def _discount_problem(code: str, today: date, prices: PriceList) -> dict[str, str]:
    entry = prices.discount_codes.get(code)  # case-sensitive, as 247Parking checks it
    if entry is None:
        return {"discount_code": "discount_unknown"}
    if not date.fromisoformat(entry["valid_from"]) <= today <= date.fromisoformat(entry["valid_until"]):
        return {"discount_code": "discount_expired"}
    return {}


def quote(choice: ValetChoice, now: datetime, prices: PriceList | None = None, *,
          keep_drop_off: bool = False, check_discount: bool = True) -> Quote:
    """The price of ``choice`` with a line per item.

    Args:
        keep_drop_off: a change that keeps the booked drop-off (it may have passed).
        check_discount: whether the code must be valid today (a change keeps the code it was booked with).

    Raises:
        RuleError: the choice breaks a rule; nothing is priced.
    """
    prices = prices or price_list()
    problems = problems_of(choice, now, prices, keep_drop_off=keep_drop_off)
    if not check_discount and problems.get("discount_code") == "discount_expired":
        del problems["discount_code"]
    if problems:
        raise RuleError(problems)
    days = days_of(choice.drop_off, choice.arrival)
    first, extra = prices.services[choice.location][choice.service]
    lines = [Line("parking", first + extra * (days - 1), choice.service)]
    if choice.indoor:
        lines.append(Line("indoor", prices.indoor_per_day * days))
    if choice.discount_code:
        parking = sum((line.amount for line in lines), Decimal(0))
        lines.append(Line("discount", -_discount(prices.discount_codes[choice.discount_code], parking),
                          choice.discount_code))
    if choice.wash:
        lines.append(Line("wash", prices.wash[choice.wash], str(choice.wash)))
    if choice.leather:
        lines.append(Line("leather", prices.leather_care))
    if choice.insurance:
        lines.append(Line("insurance", prices.cancellation_insurance))
    if choice.payment in prices.card_surcharge:
        lines.append(Line("surcharge", prices.card_surcharge[choice.payment], choice.payment))
    total = sum((line.amount for line in lines), Decimal(0)).quantize(CENT, ROUND_HALF_UP)
    return Quote(lines=tuple(lines), total=total, vat=vat_in(total, prices.vat_percent), days=days,
                 currency=prices.currency)


def _discount(entry: dict, parking: Decimal) -> Decimal:
    if "percent" in entry:
        return (parking * Decimal(entry["percent"]) / 100).quantize(CENT, ROUND_HALF_UP)
    return min(Decimal(entry["amount"]), parking)


def vat_in(total: Decimal, vat_percent: Decimal) -> Decimal:
    """The VAT contained in a price that includes it."""
    return (total - total / (1 + vat_percent / 100)).quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class CancellationTerms:
    """What a cancellation now gives back."""

    refund: Decimal
    free_until: datetime  # until then everything (but an insurance premium) is refunded
    possible: bool  # False from the drop-off on

    def fee(self, total: Decimal) -> Decimal:
        """What a cancellation on these terms still costs: the total less the refund."""
        return max(total - self.refund, Decimal(0)).quantize(CENT)


def cancellation_terms(total: Decimal, insured: bool, drop_off: datetime, now: datetime,
                       prices: PriceList | None = None) -> CancellationTerms:
    """The refund of a cancellation at ``now``.

    Up to 24 hours before the drop-off everything is refunded but an insurance
    premium; after that only an insured booking is refunded (again minus the
    premium); from the drop-off on 247Parking cancels nothing.
    """
    prices = prices or price_list()
    premium = prices.cancellation_insurance if insured else Decimal(0)
    free_until = drop_off - prices.free_cancellation
    if now >= drop_off:
        return CancellationTerms(Decimal("0.00"), free_until, possible=False)
    refund = total - premium if (now < free_until or insured) else Decimal(0)
    return CancellationTerms(max(refund, Decimal(0)).quantize(CENT), free_until, possible=True)

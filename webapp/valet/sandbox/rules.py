"""247Parking's side of the reservation rules and prices (seed 004 "POST /reservering/").

Written apart from the app's ``webapp/valet/pricing.py`` on purpose: the two
read the same published price list (``webapp/valet/data/price_list.json``) and
the contract tests check that they agree; a client tested against its own
rules would prove nothing.

Every refusal is a ``Refusal`` with the Dutch message 247Parking answers with
(the seed documents only the discount-code one; the others are ours, in the
same voice).
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from zoneinfo import ZoneInfo

#: times on the wire are local Amsterdam times (seed 004: "dd-mm-yyyy hh:mm")
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
PRICE_LIST = Path(__file__).resolve().parent.parent / "data" / "price_list.json"
CENT = Decimal("0.01")

SERVICES = ("valet", "shuttle", "combi_vs", "combi_sv")
LOCATIONS = ("schiphol", "pta", "amsterdam_centrum")
PAYMENTS = ("contant", "ideal", "mc", "visa", "maestro", "via_partner")
STATUSES = ("active", "canceled", "deleted", "noshow")
REQUIRED_CREATE = ("vertrek_timestamp", "aankomst_timestamp", "parkeerservice", "parkeerlocatie", "aantal_personen",
                   "betalingswijze")
REQUIRED_UPDATE = ("vertrek_timestamp", "aankomst_timestamp", "parkeerservice", "parkeerlocatie", "betalingswijze",
                   "totaalprijs")
FLAGS = ("overdektparkeren", "handbagage", "leerverzorging", "sleutel_houden", "annuleringsverzekering")
TEXTS = ("aankomst_vluchtnummer", "vertrek_vluchtnummer", "auto_merk_type", "auto_kenteken", "opmerkingen",
         "referentienummer", "kortingscode", "klant_voornaam", "klant_achternaam", "klant_email", "klant_mobiel",
         # not in the parameter list, but in the seed's own POST example: accepted and kept
         "klant_land")
#: every parameter a reservation keeps (anything else in a body is ignored)
FIELDS = (*REQUIRED_CREATE, *FLAGS, *TEXTS, "wasservice", "label_id")
LABELS = (1,)  # 1 = 247Parking, the default (seed 004 "label_id")

DISCOUNT_MESSAGE = "De ingevoerde kortingscode bestaat niet of is verlopen."  # seed 004, verbatim


class Refusal(Exception):
    """A request 247Parking refuses: ``status`` (400/404) and its message."""

    def __init__(self, message: str, status: int = 400) -> None:
        self.message = message
        self.status = status
        super().__init__(message)


def load_price_list(path: Path = PRICE_LIST) -> dict:
    """The published price list as stored (amounts stay strings until used)."""
    return json.loads(path.read_text(encoding="utf-8"))


def parse_time(value, name: str) -> datetime:
    """A ``dd-mm-yyyy hh:mm`` Amsterdam time. Raises Refusal."""
    try:
        return datetime.strptime(str(value).strip(), "%d-%m-%Y %H:%M").replace(tzinfo=AMSTERDAM)
    except ValueError:
        raise Refusal(f"Ongeldige datum/tijd voor {name}: gebruik dd-mm-jjjj uu:mm") from None


def _flag(fields: dict, name: str) -> bool:
    value = fields.get(name)
    if value in (None, "", 0, "0", False):
        return False
    if value in (1, "1", True):
        return True
    raise Refusal(f"Ongeldige waarde voor {name}: gebruik 0 of 1")


def _integer(value, name: str) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        raise Refusal(f"Ongeldige waarde voor {name}") from None


def normalise(body: dict, required: tuple[str, ...]) -> dict:
    """The known parameters of a request body, with the required ones checked for presence."""
    missing = [name for name in required if body.get(name) in (None, "")]
    if missing:
        raise Refusal(f"Verplicht veld ontbreekt: {', '.join(missing)}")
    return {name: body[name] for name in FIELDS if name in body and body[name] is not None}


def check(fields: dict, prices: dict, now: datetime, *, departure_fixed: bool = False,
          check_discount: bool = True) -> Decimal:
    """Check every rule of a reservation's parameters and return its total price.

    Args:
        fields: the reservation's parameters (after an update: old and new merged).
        departure_fixed: an update that keeps the drop-off time (it may have passed).
        check_discount: whether the discount code is (re)checked against today's validity.

    Raises:
        Refusal: the first rule broken, with 247Parking's message.
    """
    departure = parse_time(fields["vertrek_timestamp"], "vertrek_timestamp")
    arrival = parse_time(fields["aankomst_timestamp"], "aankomst_timestamp")
    if departure <= now and not departure_fixed:
        raise Refusal("De vertrektijd ligt in het verleden")
    if arrival <= departure:
        raise Refusal("De aankomsttijd moet na de vertrektijd liggen")
    service, location, payment = fields["parkeerservice"], fields["parkeerlocatie"], fields["betalingswijze"]
    if service not in SERVICES:
        raise Refusal("Ongeldige parkeerservice: kies valet, shuttle, combi_vs of combi_sv")
    if location not in LOCATIONS:
        raise Refusal("Ongeldige parkeerlocatie: kies schiphol, pta of amsterdam_centrum")
    if payment not in PAYMENTS:
        raise Refusal("Ongeldige betalingswijze")
    tariff = prices["services"].get(location, {}).get(service)
    if tariff is None:
        raise Refusal("Deze parkeerservice is niet beschikbaar op deze parkeerlocatie")
    persons = _integer(fields.get("aantal_personen", 1), "aantal_personen")
    if not 1 <= persons <= prices["max_persons"]:
        raise Refusal(f"Het aantal personen moet tussen 1 en {prices['max_persons']} liggen")
    if location != "schiphol" and (fields.get("aankomst_vluchtnummer") or fields.get("vertrek_vluchtnummer")):
        raise Refusal("Vluchtnummers zijn alleen mogelijk bij parkeerlocatie schiphol")
    wash = _integer(fields.get("wasservice") or 0, "wasservice")
    if not 0 <= wash <= 4:
        raise Refusal("Ongeldige wasservice: kies 0 tot en met 4")
    indoor, leather = _flag(fields, "overdektparkeren"), _flag(fields, "leerverzorging")
    insured = _flag(fields, "annuleringsverzekering")
    for name in ("handbagage", "sleutel_houden"):
        _flag(fields, name)
    if indoor and service != "shuttle":
        raise Refusal("Overdekt parkeren is alleen mogelijk met parkeerservice shuttle")
    if indoor and wash:
        raise Refusal("Wasservice is niet mogelijk in combinatie met overdekt parkeren")
    if indoor and payment == "contant":
        raise Refusal("Overdekt parkeren kan niet contant worden betaald")
    if leather and wash not in (2, 3, 4):
        raise Refusal("Leerverzorging is alleen mogelijk bij wasservice 2, 3 of 4")
    if "label_id" in fields and _integer(fields["label_id"], "label_id") not in LABELS:
        raise Refusal("Onbekend label_id")

    days = (arrival.date() - departure.date()).days + 1
    parking = Decimal(tariff["first_day"]) + Decimal(tariff["extra_day"]) * (days - 1)
    if indoor:
        parking += Decimal(prices["indoor_per_day"]) * days
    code = fields.get("kortingscode")
    total = parking - _discount(prices, code, parking, now.date() if check_discount else None) if code else parking
    if wash:
        total += Decimal(prices["wash"][str(wash)])
    if leather:
        total += Decimal(prices["leather_care"])
    if insured:
        total += Decimal(prices["cancellation_insurance"])
    total += Decimal(prices["card_surcharge"].get(payment, "0"))
    return total.quantize(CENT, ROUND_HALF_UP)


def _discount(prices: dict, code: str, parking: Decimal, today: date | None) -> Decimal:
    """The discount of ``code`` on the parking part; case-sensitive (seed 004 "kortingscode")."""
    entry = prices["discount_codes"].get(code)
    if entry is None:
        raise Refusal(DISCOUNT_MESSAGE)
    if today is not None and not date.fromisoformat(entry["valid_from"]) <= today <= date.fromisoformat(
            entry["valid_until"]):
        raise Refusal(DISCOUNT_MESSAGE)
    if "percent" in entry:
        return (parking * Decimal(entry["percent"]) / 100).quantize(CENT, ROUND_HALF_UP)
    return min(Decimal(entry["amount"]), parking)


def price_text(value) -> Decimal:
    """A ``totaalprijs`` as sent ("39.99" or 39.99). Raises Refusal."""
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise Refusal("Ongeldige totaalprijs") from None
    if not amount.is_finite():
        raise Refusal("Ongeldige totaalprijs")
    return amount


def check_status_change(current: str, target: str, departure: datetime, now: datetime) -> None:
    """Allowed moves: no un-cancelling, nothing after deleted, no noshow before the drop-off time.

    Raises:
        Refusal: the move is not allowed (400), or the status is unknown.
    """
    if target not in STATUSES:
        raise Refusal("Ongeldige status: kies active, canceled, deleted of noshow")
    if target == current:
        return  # repeating a change is harmless (a partner whose reply was lost asks again)
    if current == "deleted":
        raise Refusal("Een verwijderde reservering kan niet meer worden gewijzigd")
    if target == "active":
        raise Refusal(f"Een reservering met status {current} kan niet opnieuw actief worden")
    if target == "canceled" and current != "active":
        raise Refusal(f"Een reservering met status {current} kan niet worden geannuleerd")
    if target == "canceled" and departure <= now:
        raise Refusal("Annuleren kan alleen voor de vertrektijd")
    if target == "noshow" and departure > now:
        raise Refusal("Noshow kan pas na de vertrektijd worden gemeld")
    if target == "noshow" and current != "active":
        raise Refusal(f"Een reservering met status {current} kan geen noshow worden")


def refund_on_cancel(fields: dict, total: Decimal, prices: dict, now: datetime) -> Decimal:
    """What 247Parking gives back for a cancellation at ``now``, by the terms published with its prices.

    Cancelled at least ``free_cancellation_hours`` before the drop-off: everything but the cancellation
    insurance; later, only an insured reservation is refunded (less the premium). The seed's status
    answer does not carry it: it is 247Parking's own record (the sandbox keeps it, tests read it).
    """
    departure = parse_time(fields["vertrek_timestamp"], "vertrek_timestamp")
    insured = _flag(fields, "annuleringsverzekering")
    premium = Decimal(prices["cancellation_insurance"]) if insured else Decimal(0)
    free_until = departure - timedelta(hours=int(prices.get("free_cancellation_hours", 24)))
    refund = total - premium if (now < free_until or insured) else Decimal(0)
    return max(refund, Decimal(0)).quantize(CENT, ROUND_HALF_UP)


def days_of(fields: dict) -> int:
    """Calendar days of the stay, drop-off and arrival day included (for the voucher)."""
    departure = parse_time(fields["vertrek_timestamp"], "vertrek_timestamp")
    arrival = parse_time(fields["aankomst_timestamp"], "aankomst_timestamp")
    return (arrival.date() - departure.date()).days + 1


_RESNR = re.compile(r"[Ss]\d{6}")


def valid_number(number: str) -> bool:
    """Whether ``number`` looks like a reservation number (``S123456``, any case)."""
    return bool(_RESNR.fullmatch(number or ""))

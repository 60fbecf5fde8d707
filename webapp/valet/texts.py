"""The traveller's words for 247Parking's options, price lines, rules and refusals (in the page's language).

The price rules (``pricing``) and the client name things with codes; this is
the one place that says them in English, Finnish, Swedish or Korean.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

LOCATIONS = {
    "schiphol": _l("Schiphol Amsterdam Airport"),
    "pta": _l("Passenger Terminal Amsterdam"),
    "amsterdam_centrum": _l("Amsterdam City Centre"),
}

SERVICES = {
    "valet": _l("Valet"),
    "shuttle": _l("Shuttle"),
    "combi_vs": _l("Valet out, shuttle back"),
    "combi_sv": _l("Shuttle out, valet back"),
}

#: one line per service, shown beside the choice
SERVICE_HINTS = {
    "valet": _l("A driver takes your car at the terminal and brings it back when you land."),
    "shuttle": _l("You park at the lot; a shuttle bus takes you to the terminal and back."),
    "combi_vs": _l("Hand your car over at the terminal; take the shuttle back to the lot."),
    "combi_sv": _l("Park at the lot and take the shuttle; your car waits at the terminal when you land."),
}

PAYMENTS = {
    "ideal": _l("iDEAL"),
    "mc": _l("Mastercard (surcharge)"),
    "visa": _l("Visa (surcharge)"),
    "maestro": _l("Maestro (surcharge)"),
    "contant": _l("Cash on arrival"),
    "via_partner": _l("Through ParkGo"),
}

WASH = {
    0: _l("No car wash"),
    1: _l("Car wash: outside"),
    2: _l("Car wash: inside and outside"),
    3: _l("VIP Superpolish"),
    4: _l("VIP Showroom"),
}

LINES = {
    "parking": _l("Parking"),
    "indoor": _l("Indoor parking"),
    "discount": _l("Discount"),
    "wash": _l("Car wash"),
    "leather": _l("Leather care"),
    "insurance": _l("Cancellation insurance"),
    "surcharge": _l("Card payment surcharge"),
}

#: rule codes of ``pricing.problems_of`` and of the client's refusals
RULES = {
    "unknown_location": _l("Choose one of the locations."),
    "unknown_service": _l("Choose one of the services."),
    "service_not_here": _l("This service is not offered at this location."),
    "unknown_payment": _l("Choose how you pay."),
    "drop_off_past": _l("Choose a drop-off time in the future."),
    "arrival_before_drop_off": _l("Your flight must land after you drop the car off."),
    "persons_range": _l("Between 1 and 8 persons."),
    "flight_schiphol_only": _l("Flight numbers are only used at Schiphol."),
    "unknown_wash": _l("Choose one of the car wash levels."),
    "indoor_needs_shuttle": _l("Indoor parking is only possible with the shuttle service."),
    "indoor_no_wash": _l("Indoor parking cannot be combined with a car wash."),
    "indoor_no_cash": _l("Indoor parking cannot be paid in cash."),
    "leather_needs_wash": _l("Leather care needs a car wash inside (level 2, 3 or 4)."),
    "discount_unknown": _l("This discount code does not exist. Codes are case-sensitive."),
    "discount_expired": _l("This discount code has expired."),
    # refusals by 247Parking itself (client.REFUSALS)
    "discount_code": _l("247Parking does not know this discount code, or it has expired."),
    "total_mismatch": _l("247Parking's price differs from ours. Reload the page and check the price again."),
    "departure_past": _l("Choose a drop-off time in the future."),
    "arrival_before_departure": _l("Your flight must land after you drop the car off."),
    "indoor": _l("247Parking does not allow indoor parking with these options."),
    "leather_care": _l("Leather care needs a car wash inside (level 2, 3 or 4)."),
    "flight_numbers": _l("Flight numbers are only used at Schiphol."),
    "cancel_too_late": _l("247Parking cancels nothing after the drop-off time."),
}


def rule_message(code: str) -> str:
    """The sentence for a rule code (a generic refusal for a code we do not know)."""
    message = RULES.get(code)
    return str(message) if message is not None else str(_l("247Parking refused the booking."))

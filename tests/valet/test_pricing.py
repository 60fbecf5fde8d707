"""247Parking's rules and prices as we apply them (pure: no app, no network)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from webapp.core.clock import AMSTERDAM
from webapp.valet import pricing
from webapp.valet.pricing import Line, RuleError, ValetChoice, cancellation_terms, days_of, problems_of, quote

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=AMSTERDAM)
CHOICE = ValetChoice(location="schiphol", service="valet", drop_off=datetime(2026, 3, 4, 6, 30, tzinfo=AMSTERDAM),
                     arrival=datetime(2026, 3, 11, 22, 45, tzinfo=AMSTERDAM), persons=2, payment="ideal")


def test_days_are_calendar_days_in_amsterdam_both_ends_included():
    assert days_of(CHOICE.drop_off, CHOICE.arrival) == 8
    assert days_of(CHOICE.drop_off, datetime(2026, 3, 4, 23, 30, tzinfo=AMSTERDAM)) == 1
    # 23:30 UTC on 3 March is 00:30 on 4 March in Amsterdam: one day, not two
    assert days_of(datetime(2026, 3, 3, 23, 30, tzinfo=UTC), datetime(2026, 3, 4, 20, 0, tzinfo=AMSTERDAM)) == 1


def test_a_plain_valet_week_is_first_day_and_extra_days():
    price = quote(CHOICE, NOW)

    assert price.lines == (Line("parking", Decimal("95.50"), "valet"),)
    assert price.total == Decimal("95.50") and price.days == 8 and price.currency == "EUR"


def test_every_option_is_a_line_and_vat_is_included():
    choice = replace(CHOICE, wash=3, leather=True, insurance=True, payment="visa", discount_code="WELKOM10")

    price = quote(choice, NOW)

    assert [(line.what, line.amount) for line in price.lines] == [
        ("parking", Decimal("95.50")), ("discount", Decimal("-9.55")), ("wash", Decimal("59.00")),
        ("leather", Decimal("24.95")), ("insurance", Decimal("7.95")), ("surcharge", Decimal("2.50"))]
    assert price.total == Decimal("180.35")
    assert price.vat == Decimal("31.30")  # 180.35 - 180.35 / 1.21


def test_indoor_parking_is_charged_per_day_and_discounted_with_the_parking():
    choice = replace(CHOICE, service="shuttle", indoor=True, discount_code="ZOMER5")

    price = quote(choice, NOW)

    assert [(line.what, line.amount) for line in price.lines] == [
        ("parking", Decimal("64.50")), ("indoor", Decimal("32.00")), ("discount", Decimal("-5.00"))]
    assert price.total == Decimal("91.50")


def test_an_amount_discount_never_makes_the_parking_negative():
    short = replace(CHOICE, arrival=CHOICE.drop_off + timedelta(hours=2), location="pta", service="shuttle")
    prices = replace(pricing.price_list(), discount_codes={"BIG": {"amount": "500.00", "valid_from": "2020-01-01",
                                                                   "valid_until": "2099-12-31"}})

    assert quote(replace(short, discount_code="BIG"), NOW, prices).total == Decimal("0.00")


@pytest.mark.parametrize(("changes", "problems"), [
    ({}, {}),
    ({"drop_off": NOW - timedelta(minutes=1)}, {"drop_off": "drop_off_past"}),
    ({"arrival": CHOICE.drop_off}, {"arrival": "arrival_before_drop_off"}),
    ({"service": "shuttle", "location": "amsterdam_centrum"}, {"service": "service_not_here"}),
    ({"service": "rocket"}, {"service": "unknown_service"}),
    ({"location": "rotterdam"}, {"location": "unknown_location"}),
    ({"payment": "bitcoin"}, {"payment": "unknown_payment"}),
    ({"persons": 0}, {"persons": "persons_range"}),
    ({"persons": 9}, {"persons": "persons_range"}),
    ({"location": "pta", "departure_flight": "HV 123"}, {"departure_flight": "flight_schiphol_only"}),
    ({"location": "pta", "arrival_flight": "HV 456"}, {"arrival_flight": "flight_schiphol_only"}),
    ({"indoor": True}, {"indoor": "indoor_needs_shuttle"}),
    ({"indoor": True, "service": "shuttle", "wash": 1}, {"indoor": "indoor_no_wash"}),
    ({"indoor": True, "service": "shuttle", "payment": "contant"}, {"indoor": "indoor_no_cash"}),
    ({"leather": True}, {"leather": "leather_needs_wash"}),
    ({"leather": True, "wash": 1}, {"leather": "leather_needs_wash"}),
    ({"leather": True, "wash": 2}, {}),
    ({"wash": 5}, {"wash": "unknown_wash"}),
    ({"discount_code": "NOPE"}, {"discount_code": "discount_unknown"}),
    ({"discount_code": "welkom10"}, {"discount_code": "discount_unknown"}),
    ({"discount_code": "NYE2015"}, {"discount_code": "discount_expired"}),
])
def test_rules_name_the_field_and_the_rule(changes, problems):
    assert problems_of(replace(CHOICE, **changes), NOW) == problems


def test_several_broken_rules_are_all_reported():
    choice = replace(CHOICE, indoor=True, leather=True, persons=12)

    assert set(problems_of(choice, NOW)) == {"indoor", "leather", "persons"}


def test_quote_refuses_a_broken_choice_with_every_problem():
    with pytest.raises(RuleError) as caught:
        quote(replace(CHOICE, indoor=True), NOW)

    assert caught.value.problems == {"indoor": "indoor_needs_shuttle"}


def test_a_change_may_keep_a_passed_drop_off_and_an_expired_code():
    after_drop_off = CHOICE.drop_off + timedelta(hours=1)
    booked = replace(CHOICE, discount_code="NYE2015")

    with pytest.raises(RuleError):
        quote(booked, after_drop_off)
    assert quote(booked, after_drop_off, keep_drop_off=True, check_discount=False).total == Decimal("90.50")


def test_services_at_each_location_follow_the_price_list():
    assert pricing.services_at("schiphol") == ("valet", "shuttle", "combi_vs", "combi_sv")
    assert pricing.services_at("pta") == ("valet", "shuttle")
    assert pricing.services_at("amsterdam_centrum") == ("valet",)


@pytest.mark.parametrize(("hours_before", "insured", "refund", "possible"), [
    (48, False, "95.50", True),  # free cancellation up to 24 h before the drop-off
    (48, True, "95.55", True),  # the insurance premium (7.95) is never refunded
    (12, False, "0.00", True),
    (12, True, "95.55", True),
    (0, True, "0.00", False),  # from the drop-off on nothing can be cancelled
])
def test_cancellation_terms(hours_before, insured, refund, possible):
    total = Decimal("103.50") if insured else Decimal("95.50")

    terms = cancellation_terms(total, insured, CHOICE.drop_off, CHOICE.drop_off - timedelta(hours=hours_before))

    assert terms.refund == Decimal(refund) and terms.possible is possible
    assert terms.free_until == CHOICE.drop_off - timedelta(hours=24)

"""Amounts per currency and language (core.money): no app, no database."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from webapp.core.money import amount, format_money, format_money_per

NBSP = "\xa0"


@pytest.mark.parametrize(("value", "currency", "expected"), [
    ("0.125", "EUR", Decimal("0.13")),  # half up, once (banker's rounding would give 0.12)
    (Decimal("4.2"), "EUR", Decimal("4.20")),
    (1000, "KRW", Decimal("1000")),
    ("999.5", "KRW", Decimal("1000")),  # the won has no minor unit
])
def test_amount_has_the_currency_precision(value, currency, expected):
    result = amount(value, currency)
    assert result == expected and result.as_tuple().exponent == expected.as_tuple().exponent


def test_amount_refuses_floats():
    with pytest.raises(TypeError):
        amount(1.1, "EUR")


@pytest.mark.parametrize(("locale", "euros", "won"), [
    ("en", "€1.50", "₩1,000"),
    ("en_GB", "€1.50", "₩1,000"),  # the app's English formatting locale
    ("fi", f"1,50{NBSP}€", f"1{NBSP}000{NBSP}KRW"),
    ("sv", f"1,50{NBSP}€", f"1{NBSP}000{NBSP}KRW"),
    ("ko", "€1.50", "1,000원"),  # Korean prices are written with 원 after the number, not ₩
])
def test_format_money_writes_each_currency_as_the_language_does(locale, euros, won):
    assert format_money(Decimal("1.5"), "EUR", locale) == euros
    assert format_money(1000, "KRW", locale) == won


@pytest.mark.parametrize(("locale", "expected"), [
    ("en_GB", ("€1,234.57", "₩12,345,678", "€0.00")),
    ("fi", (f"1{NBSP}234,57{NBSP}€", f"12{NBSP}345{NBSP}678{NBSP}KRW", f"0,00{NBSP}€")),
    ("sv", (f"1{NBSP}234,57{NBSP}€", f"12{NBSP}345{NBSP}678{NBSP}KRW", f"0,00{NBSP}€")),
    ("ko", ("€1,234.57", "12,345,678원", "€0.00")),
])
def test_format_money_groups_thousands_and_keeps_the_minor_units(locale, expected):
    got = (format_money(Decimal("1234.565"), "EUR", locale), format_money(12345678, "KRW", locale),
           format_money(0, "EUR", locale))
    assert got == expected


@pytest.mark.parametrize(("locale", "hourly", "seoul_base", "seoul_hourly"), [
    ("en_GB", "€4.20/h", "₩1,000/30 mins", "₩2,000/h"),
    ("fi", f"4,20{NBSP}€/t", f"1{NBSP}000{NBSP}KRW/30 min", f"2{NBSP}000{NBSP}KRW/t"),
    ("sv", f"4,20{NBSP}€/tim", f"1{NBSP}000{NBSP}KRW/30 min", f"2{NBSP}000{NBSP}KRW/tim"),
    ("ko", "€4.20/시간", "1,000원/30분", "2,000원/시간"),
])
def test_format_money_per_writes_rates_per_unit_of_time(locale, hourly, seoul_base, seoul_hourly):
    assert format_money_per(Decimal("4.2"), "EUR", 60, locale) == hourly
    assert format_money_per(Decimal("4.2"), "EUR", timedelta(hours=1), locale) == hourly
    assert format_money_per(1000, "KRW", 30, locale) == seoul_base
    assert format_money_per(2000, "KRW", 60, locale) == seoul_hourly


@pytest.mark.parametrize("per", [0, -30, 1.5, timedelta(seconds=90)])
def test_format_money_per_refuses_a_period_that_is_not_whole_minutes(per):
    with pytest.raises(ValueError):
        format_money_per(1000, "KRW", per, "en")

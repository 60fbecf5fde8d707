"""Money: Decimal amounts with each currency's precision, written as each language writes them.

Pure (the standard library and babel only), so pricing rules may use it. Precision and the
number and currency patterns come from CLDR through babel: EUR has 2 decimals, KRW none.

How the four languages of the UI write our two currencies (babel's output, checked):

======  ===========  ==============
        EUR          KRW
======  ===========  ==============
en      ``€1.50``    ``₩1,000``
fi      ``1,50 €``   ``1 000 KRW``
sv      ``1,50 €``   ``1 000 KRW``
ko      ``€1.50``    ``1,000원``
======  ===========  ==============

One deliberate departure from CLDR: Korean prices in won. CLDR's Korean pattern gives
``₩1,000``, which is what banks and exchange tables print, but prices — parking signs,
menus, receipts, the lot operators' own pages — are written ``1,000원``, with the unit word
after the number; so Korean KRW amounts are written that way. Finnish and Swedish have no
sign for the won and write the ISO code after the number, as CLDR does (with a no-break
space as the thousands separator and before the unit, so an amount never wraps).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from babel import Locale
from babel.numbers import format_currency, format_decimal, get_currency_precision
from babel.units import format_compound_unit

#: Units a rate can be "per", largest first, in minutes.
_PER_UNITS = (("day", 24 * 60), ("hour", 60), ("minute", 1))


def amount(value: Decimal | int | str, currency: str) -> Decimal:
    """``value`` as a Decimal with ``currency``'s minor units, rounded half up once.

    ``amount("0.125", "EUR") == Decimal("0.13")``; ``amount(1000.4, ...)`` is refused:
    give a Decimal, an int or a string, never a float.

    Raises:
        TypeError: ``value`` is a float.
    """
    if isinstance(value, float):
        raise TypeError("money is never a float: give a Decimal, an int or a string")
    exponent = Decimal(1).scaleb(-get_currency_precision(currency))
    return Decimal(value).quantize(exponent, rounding=ROUND_HALF_UP)


def minor_units(value: Decimal | int | str, currency: str) -> int:
    """``value`` as a whole number of ``currency``'s minor units, as payment files and exports write money:
    ``minor_units("4.20", "EUR") == 420``, ``minor_units(322600, "KRW") == 322600`` (the won has none).

    Rounded half up to the currency's precision first (``amount``); a float is refused there.
    """
    return int(amount(value, currency).scaleb(get_currency_precision(currency)))


def included_vat(gross: Decimal | int | str, rate: Decimal, currency: str) -> Decimal:
    """The VAT contained in ``gross`` at ``rate`` (a fraction: ``Decimal("0.21")``): ``gross × rate / (1 + rate)``,
    rounded half up once to ``currency``'s minor unit (``included_vat("180.35", Decimal("0.21"), "EUR") == 31.30``)."""
    return amount(Decimal(gross) * rate / (1 + rate), currency)


def format_money(value: Decimal | int | str, currency: str, locale: Locale | str) -> str:
    """``value`` in ``currency`` as ``locale`` writes it (see the table in the module docstring).

    Args:
        value: the amount (rounded half up to the currency's precision first).
        currency: ISO 4217 code, e.g. ``"EUR"``, ``"KRW"``.
        locale: a babel ``Locale`` or an identifier such as ``"fi"`` or ``"en_GB"``.

    Returns:
        E.g. ``"€1.50"``, ``"1,50\\xa0€"``, ``"₩1,000"``, ``"1,000원"``.
    """
    locale = Locale.parse(locale)
    value = amount(value, currency)
    if currency == "KRW" and locale.language == "ko":
        return f"{format_decimal(value, format='#,##0', locale=locale)}원"
    return format_currency(value, currency, locale=locale)


def format_money_per(value: Decimal | int | str, currency: str, per: timedelta | int,
                     locale: Locale | str) -> str:
    """A rate: ``value`` in ``currency`` per ``per`` (a ``timedelta`` or minutes), with CLDR's
    "per" patterns: ``€4.20/h``, ``4,20 €/t``, ``4,20 €/tim``, ``₩500/10 mins``, ``500원/10분``.

    ``per`` is written in the largest unit that divides it exactly (60 minutes is "per hour").
    Korean uses CLDR's narrow forms (``/시간``), which are how Korean writes a rate; the short
    Korean form of "per hour" is the Latin ``/h``.

    Raises:
        ValueError: ``per`` is not a positive whole number of minutes.
    """
    locale = Locale.parse(locale)
    minutes = per.total_seconds() / 60 if isinstance(per, timedelta) else per
    if minutes <= 0 or minutes != int(minutes):
        raise ValueError(f"a rate is per a positive whole number of minutes, not {per!r}")
    unit, size = next((unit, size) for unit, size in _PER_UNITS if minutes % size == 0)
    length = "narrow" if locale.language == "ko" else "short"
    return format_compound_unit(format_money(value, currency, locale), denominator_value=int(minutes) // size,
                                denominator_unit=f"duration-{unit}", length=length, locale=locale)

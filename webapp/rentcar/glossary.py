"""What the rent-car companies' Korean words mean, in the reader's language (issue 17).

The companies write their covers, amounts, extras and car options in Korean only (seed 001:
R보험명, R보상한도, R면책금, R휴차보상료, R상품명, R상품내용, R모델옵션). An English, Finnish or
Swedish page shows each as the reader's words, from the glossary kept as data in
``data/glossary.json``; a word the glossary does not know yet is shown romanised (Revised
Romanization, ``webapp.core.romanise``) beside the Hangul, never as Hangul alone. Names the driver
may have to say at the counter (a cover, an extra) keep the Korean original beside the
translation: "Full cover (완전자차)". A Korean page shows what the company wrote.

Amounts follow the reader's money format (``webapp.core.money.format_money``): "1,000만원" is
``₩10,000,000`` in English and ``10 000 000 KRW`` in Finnish.

Pure: no Flask, no database; ``language`` is the page's language code ("en", "fi", "sv", "ko").
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from webapp.core.money import format_money
from webapp.core.romanise import has_hangul, romanise

GLOSSARY_FILE = Path(__file__).resolve().parent / "data" / "glossary.json"
#: the languages the glossary translates into (a Korean page needs no translation)
READERS = ("en", "fi", "sv")
#: sections of the data file whose terms are single words or names
SECTIONS = ("covers", "cover_values", "extras", "extra_details", "options")

# an amount in won as the companies write it: "1,000만원", "50만원", "1억 5,000만원", "300,000원"
_WON = re.compile(r"^(?:(?P<eok>[\d,]+)\s*억)?\s*(?:(?P<man>[\d,]+)\s*만)?\s*(?:(?P<cheon>[\d,]+)\s*천)?\s*"
                  r"(?P<won>[\d,]+)?\s*원$")
# R휴차보상료 as a share of the day rate: "1일 대여료의 50%" (50 % of one day's rental)
_SHARE_OF_RENTAL = re.compile(r"^(?P<days>\d+)\s*일\s*대여료의\s*(?P<percent>\d+)\s*%$")
_UNITS = {"eok": 100_000_000, "man": 10_000, "cheon": 1_000, "won": 1}

#: the companies' names in Latin letters, by our code of the company (L렌트회사코드)
COMPANY_ROMANISED = {
    "HALLA": "Halla Rent-a-car", "TAMRA": "Tamra Rent-a-car", "OREUM": "Jeju Oreum Rent-a-car",
    "BADANG": "Badang Rent-a-car", "SEOULMOB": "Seoul Mobility Rent-a-car", "HANGANG": "Hangang Rent-a-car",
}


@cache
def entries() -> dict:
    """The glossary file's sections (read once)."""
    with GLOSSARY_FILE.open(encoding="utf-8") as handle:
        return json.load(handle)


@cache
def _terms() -> dict[str, dict[str, str]]:
    """Every single term of every section, by its Korean original."""
    found: dict[str, dict[str, str]] = {}
    for section in SECTIONS:
        for original, meaning in entries()[section].items():
            found.setdefault(original, meaning)
    return found


def _key(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True)
class Gloss:
    """A company's word for one reader.

    Attributes:
        original: as the company wrote it.
        shown: what the reader reads first: the translation, a romanisation when the glossary does not
            know the word, or the original itself (a Korean page, or a word with no Hangul).
        known: ``shown`` says what the word means (False: a romanisation, the company's own word).
        korean: ``shown`` is in Korean (mark it ``lang="ko"``).
        beside: the original to show beside ``shown`` (None when it would not help the reader).
    """

    original: str
    shown: str
    known: bool = True
    korean: bool = False
    beside: str | None = None

    def __str__(self) -> str:
        """One line: "Full cover (완전자차)", "Bluetooth", "₩10,000,000"."""
        return f"{self.shown} ({self.beside})" if self.beside else self.shown


def _translated(text: str, language: str, meaning: str | None, keep_original: bool) -> Gloss:
    if language not in READERS or not text:
        return Gloss(text, text, korean=has_hangul(text))
    if meaning:
        return Gloss(text, meaning, beside=text if keep_original and has_hangul(text) else None)
    if not has_hangul(text):
        return Gloss(text, text)
    return Gloss(text, romanise(text), known=False, beside=text)


def term(text: str | None, language: str, *, keep_original: bool = True) -> Gloss:
    """A cover's, an extra's or an option's name for a page in ``language``.

    Args:
        text: the company's word ("완전자차").
        keep_original: show the Korean beside the translation (names said at the counter).

    Returns:
        "Full cover" with "완전자차" beside it; an unknown word romanised with the Hangul beside it.
    """
    text = _key(text or "")
    meaning = _terms().get(text, {}).get(language)
    return _translated(text, language, meaning, keep_original)


def won(text: str) -> int | None:
    """The amount of a Korean won figure ("1,000만원" -> 10000000), or None when ``text`` is not one."""
    match = _WON.match(_key(text).replace(" ", ""))
    if match is None or not any(match.groupdict().values()):
        return None
    try:
        return sum(int(part.replace(",", "")) * _UNITS[unit] for unit, part in match.groupdict().items() if part)
    except ValueError:  # "," alone
        return None


def value(text: str | None, language: str) -> Gloss:
    """A cover's limit, deductible or loss-of-use fee (R보상한도, R면책금, R휴차보상료) for the reader.

    Amounts in the reader's money format ("50만원" -> "₩500,000"), the words of the glossary
    ("무제한" -> "unlimited", "면제" -> "waived"), a share of the day rate ("1일 대여료의 50%" ->
    "50% of one day's rental"); anything else as ``term`` (romanised beside the Hangul).
    """
    text = _key(text or "")
    if language not in READERS or not text:
        return Gloss(text, text, korean=has_hangul(text))
    amount = won(text)
    if amount is not None:
        return Gloss(text, format_money(amount, "KRW", language))
    share = _SHARE_OF_RENTAL.match(text)
    if share is not None:
        days = int(share["days"])
        one, many = entries()["phrases"]["share_of_days_rental"][language]
        return Gloss(text, (one if days == 1 else many).format(percent=share["percent"], days=days))
    return term(text, language, keep_original=False)


def options(text: str | None, language: str) -> list[Gloss]:
    """A car's options (R모델옵션, comma-separated: "블루투스,후방카메라") for the reader, in order."""
    return [term(part, language, keep_original=False) for part in (text or "").split(",") if part.strip()]


def extra_item(name: str | None, content: str | None, language: str) -> Gloss:
    """An extra with what tells it from its namesakes: two child seats are both "카시트", one "유아용 (0~4세)"
    (an infant seat), the other "아동용 부스터 (4~12세)" (a booster), so the content goes with the name:
    "Child seat · infant seat, ages 0–4" with "카시트 · 유아용 (0~4세)" beside it."""
    name_gloss = term(name, language)
    if not (content or "").strip():
        return name_gloss
    detail = term(content, language, keep_original=False)
    original = f"{_key(name or '')} · {_key(content or '')}"
    if language not in READERS:
        return Gloss(original, original, korean=has_hangul(original))
    shown = f"{name_gloss.shown} · {detail.shown}"
    return Gloss(original, shown, known=name_gloss.known and detail.known,
                 beside=original if has_hangul(original) else None)


def latin(name: str | None, english: str | None = None) -> str:
    """A Korean name's Latin form to show beside it: the English one when known ("Kia Morning"), else the
    romanised Hangul; "" for a name with no Hangul ("EV6" needs no second form)."""
    if english:
        return english
    return romanise(_key(name or "")) if has_hangul(name) else ""

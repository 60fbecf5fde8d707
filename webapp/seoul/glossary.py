"""What Seoul lot operators' Korean words mean, in the reader's language (issue 17).

Operators push their lots' names, who runs them and a memo in Korean only (seed 000,
ParkWritePost ``parking_lot_name``, ``in_charge``; ParkOperPost ``notify_memo``). Romanisation
alone ("Apgujeong Gongyeongjuchajang") gives an English reader the sound, not the meaning; an
English, Finnish or Swedish page shows the reader's words from the glossary kept as data in
``data/glossary.json``:

* a lot's name: the place romanised, its kind translated ("압구정 공영주차장" -> "Apgujeong public
  car park"); stations, markets, district offices and roads by their suffix ("강남역" -> "Gangnam
  Station", "세종대로" -> "Sejong-daero", the road-name style of Revised Romanization);
* who runs it: "강남구 시설관리공단" -> "Gangnam-gu Facilities Management Corporation";
* the memo, part by part (operators separate them with " · "): an address word by word, a note the
  glossary knows translated ("주변 상가 이용 시 2시간 무료" -> "2 hours free when you use the
  nearby shops"), and a note it does not know romanised, marked as the operator's own words.

Every Korean original stays beside its reading on the page (``DisplayName``, ``MemoPart``). A
Korean page shows what the operator wrote. Pure: no Flask, no database.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from webapp.core.romanise import has_hangul, romanise

GLOSSARY_FILE = Path(__file__).resolve().parent / "data" / "glossary.json"
#: the languages the glossary translates into (a Korean page needs no translation)
READERS = ("en", "fi", "sv")
#: how operators separate the parts of a memo (the demo feed: "address · note")
_MEMO_PARTS = re.compile(r"\s+·\s+|\s*\n\s*")
_PUNCTUATION = re.compile(r"^(?P<before>[^\w]*)(?P<core>.*?)(?P<after>[^\w]*)$", re.S)
_TRAILING_DIGITS = re.compile(r"^(?P<stem>.*?\D)(?P<digits>\d+)$")
#: the first word of a Seoul address
_ADDRESS_START = ("서울", "서울시", "서울특별시")


@cache
def entries() -> dict:
    """The glossary file's sections (read once)."""
    with GLOSSARY_FILE.open(encoding="utf-8") as handle:
        return json.load(handle)


def _form(entry: str | dict, language: str) -> str:
    """One entry's form for ``language``: a plain string is the same in every language."""
    return entry if isinstance(entry, str) else entry[language]


def _squeezed(text: str) -> str:
    return "".join(text.split())


@cache
def _notes() -> dict[str, dict]:
    """The known notes by their text without spaces ("주변상가" and "주변 상가" are one note)."""
    return {_squeezed(original): meaning for original, meaning in entries()["notes"].items()}


def _word(word: str, language: str) -> str:
    """One word in the reader's language: the glossary's, by a suffix it knows, else romanised."""
    parts = _PUNCTUATION.match(word)
    before, core, after = parts["before"], parts["core"], parts["after"]
    if not has_hangul(core):
        return word
    return before + _core_word(core, language) + after


def _core_word(core: str, language: str) -> str:
    words, suffixes, kinds = entries()["words"], entries()["suffixes"], entries()["kinds"]
    if core in words:
        return _form(words[core], language)
    if core in kinds:  # a kind inside a name ("주차장" before a number): its words alone
        return _form(kinds[core], language).replace("{place}", "").strip(" ,")
    digits = _TRAILING_DIGITS.match(core)
    if digits is not None and has_hangul(digits["stem"]):  # "신반포로11" -> "Sinbanpo-ro 11"
        return f"{_core_word(digits['stem'], language)} {digits['digits']}"
    for suffix in sorted(suffixes, key=len, reverse=True):
        if core.endswith(suffix) and len(core) > len(suffix):
            return _form(suffixes[suffix], language).replace("{name}", _core_word(core[:-len(suffix)], language))
    return romanise(core)


def _with_trailing_term(text: str, language: str, *tables: str) -> str:
    """``text`` word by word, its last word (or last two, or a word ending in one) read as a term of
    ``tables`` that frames the words before it ("{place} public car park"); parenthesised words at the
    end stay at the end."""
    words = text.split()
    tail = []
    while words and words[-1].startswith("(") and words[-1].endswith(")"):
        tail.insert(0, words.pop())
    terms = {original: meaning for table in tables for original, meaning in entries()[table].items()}
    pattern = None
    if len(words) >= 2 and words[-2] + words[-1] in terms:
        pattern = _form(terms[words[-2] + words[-1]], language)
        words = words[:-2]
    elif words and words[-1] in terms:
        pattern = _form(terms[words.pop()], language)
    elif words:
        for term in sorted(terms, key=len, reverse=True):  # "압구정공영주차장": the kind written on
            if words[-1].endswith(term) and len(words[-1]) > len(term):
                words[-1] = words[-1][:-len(term)]
                pattern = _form(terms[term], language)
                break
    place = " ".join(_word(word, language) for word in words)
    shown = pattern.replace("{place}", place).strip(" ,") if pattern else place
    return " ".join([shown, *(_word(word, language) for word in tail)]).strip()


@lru_cache(maxsize=4096)
def lot_name(name: str | None, language: str) -> str:
    """A lot's name for a page in ``language``: "압구정 공영주차장" -> "Apgujeong public car park"
    (en), "Apgujeong, kunnallinen pysäköintialue" (fi); the name as sent on a Korean page or when it
    has no Hangul."""
    name = " ".join((name or "").split())
    if language not in READERS or not has_hangul(name):
        return name
    return _with_trailing_term(name, language, "kinds")


@lru_cache(maxsize=1024)
def operator(text: str | None, language: str) -> str:
    """Who runs a lot (``in_charge``) for the reader: "강남구 시설관리공단" -> "Gangnam-gu Facilities
    Management Corporation"; a person's name romanised ("홍길동" -> "Honggildong")."""
    text = " ".join((text or "").split())
    if language not in READERS or not has_hangul(text):
        return text
    return _with_trailing_term(text, language, "operators")


@dataclass(frozen=True)
class MemoPart:
    """One part of an operator's memo for the reader.

    Attributes:
        original: as the operator wrote it.
        shown: the reader's words (the original on a Korean page).
        beside: the original to show beside ``shown`` (None on a Korean page or without Hangul).
        kind: "address", "note" (a note the glossary knows) or "own words" (romanised: the glossary
            does not know it, so the page says these are the operator's own words).
    """

    original: str
    shown: str
    beside: str | None
    kind: str


def _is_address(part: str) -> bool:
    first = part.split()[0] if part.split() else ""
    return first in _ADDRESS_START or (first in entries()["words"] and first.endswith("구"))  # a district


def memo(text: str | None, language: str) -> list[MemoPart]:
    """An operator's memo (``notify_memo``) part by part for a page in ``language``."""
    parts = [part.strip() for part in _MEMO_PARTS.split(text or "") if part.strip()]
    shown = []
    for part in parts:
        kind = "address" if _is_address(part) else "note" if _squeezed(part) in _notes() else "own words"
        if language not in READERS or not has_hangul(part):
            shown.append(MemoPart(part, part, None, kind))
        elif kind == "address":
            shown.append(MemoPart(part, _with_trailing_term(part, language, "qualifiers"), part, kind))
        elif kind == "note":
            shown.append(MemoPart(part, _notes()[_squeezed(part)][language], part, kind))
        else:
            shown.append(MemoPart(part, romanise(part), part, kind))
    return shown

"""Latin spellings of Korean words, so drivers who read no Hangul can read (and say) them: Seoul lot
names and addresses, and the provider terms no glossary knows yet (rent-car covers, extras).

Revised Romanization of Korean (the official system since 2000, the one on road signs) via the
maintained ``korean-romanizer`` package, which applies its sound-change rules (강남역 ->
"gangnamyeok", 합정 -> "hapjeong"). Each space-separated word is romanised on its own, as the
system writes words, and a word that contains Hangul is capitalised the way signs write names
("Gangnamyeok Gongyeongjuchajang"). Latin letters, digits and punctuation pass through as sent.

Seoul stores the romanised form beside the Hangul (``SeoulLot.name_roman``,
``SeoulLotOperation.memo_roman``) so that a search in SQL matches either; the model keeps them
in step on every write (see ``webapp.seoul.models``). The glossaries (``webapp.rentcar.glossary``,
``webapp.seoul.glossary``) fall back on it for a word they do not know.
"""

from __future__ import annotations

import re
from functools import lru_cache

from korean_romanizer.romanizer import Romanizer

# Hangul syllables and jamo (compatibility and conjoining): the scripts the romanizer reads
_HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")
_WORD = re.compile(r"\S+")


def has_hangul(text: str | None) -> bool:
    """Whether ``text`` has any Hangul in it."""
    return bool(text) and _HANGUL.search(text) is not None


def _word(match: re.Match) -> str:
    return _romanised_word(match.group(0))


@lru_cache(maxsize=4096)
def _romanised_word(word: str) -> str:
    """One word romanised, kept: lists name the same companies, cars and lots on every page (issue 18)."""
    if not has_hangul(word):
        return word
    latin = Romanizer(word).romanize()
    # a name's first letter is a capital, after any opening punctuation ("(주)한국" -> "(Ju)hanguk"),
    # but not after a number ("2시간" -> "2sigan")
    for index, char in enumerate(latin):
        if char.isalpha():
            return latin[:index] + char.upper() + latin[index + 1:]
        if char.isdigit():
            break
    return latin


def romanise(text: str | None) -> str | None:
    """``text`` in Revised Romanization, e.g. "강남역 공영주차장" -> "Gangnamyeok Gongyeongjuchajang".

    Args:
        text: any text; only its Hangul words change.

    Returns:
        The romanised text (the text itself when it has no Hangul), or None for None.
    """
    if text is None:
        return None
    return _WORD.sub(_word, text)

"""Licence plates: normalisation and per-country format rules.

A plate is stored in the form printed on it (``ABC-123``, ``AB12 XYZ``,
``12가3456``, ``97-KGT-1``), so that what the driver sees, what the provider
receives and what an admin searches for are the same string.
"""

from __future__ import annotations

import re
import unicodedata

from flask_babel import lazy_gettext as _l

from webapp.core.errors import ValidationError

COUNTRIES = {"FI": _l("Finland"), "GB": _l("United Kingdom"), "KR": _l("South Korea"), "NL": _l("Netherlands")}

_FI = re.compile(r"^([A-ZÅÄÖ]{1,3})-?(\d{1,3})$")
# current (2001–), prefix (1983–2001) and suffix (1963–1983) formats
_GB = (
    re.compile(r"^([A-Z]{2}\d{2})([A-Z]{3})$"),
    re.compile(r"^([A-Z]\d{1,3})([A-Z]{3})$"),
    re.compile(r"^([A-Z]{3})(\d{1,3}[A-Z])$"),
)
# optional region (e.g. 서울), 2–3 digits, one Hangul syllable, 4 digits
_KR = re.compile(r"^((?:[가-힣]{2})?\d{2,3}[가-힣])(\d{4})$")
# Dutch "sidecodes" 1–14: letter (X) / digit (9) groups, always three groups
_NL_SIDECODES = (
    "XX-99-99", "99-99-XX", "99-XX-99", "XX-99-XX", "XX-XX-99", "99-XX-XX", "99-XXX-9",
    "9-XXX-99", "XX-999-X", "X-999-XX", "XXX-99-X", "X-99-XXX", "9-XX-999", "999-XX-9",
)


def _sidecode_pattern(code: str) -> re.Pattern:
    groups = [f"({'[A-Z]' if group[0] == 'X' else '[0-9]'}{{{len(group)}}})" for group in code.split("-")]
    return re.compile("^" + "".join(groups) + "$")


_NL = [(code, _sidecode_pattern(code)) for code in _NL_SIDECODES]

EXAMPLES = {"FI": "ABC-123", "GB": "AB12 XYZ", "KR": "12가3456", "NL": "97-KGT-1"}


def _compact(raw: str) -> str:
    text = unicodedata.normalize("NFC", raw or "").upper()
    return re.sub(r"[\s\-·.]", "", text)


def normalise_plate(country: str, raw: str) -> str:
    """Return the plate in its printed form for ``country``.

    Raises:
        ValidationError: unknown country, or a plate that does not match the
            country's format (field ``plate``; the message shows an example).
    """
    country = (country or "").upper()
    if country not in COUNTRIES:
        raise ValidationError({"country": str(_l("Choose a country from the list."))})
    compact = _compact(raw)
    if not compact:
        raise ValidationError({"plate": str(_l("Enter the licence plate."))})
    if country == "FI" and (m := _FI.match(compact)):
        return f"{m.group(1)}-{m.group(2)}"
    if country == "GB":
        for pattern in _GB:
            if m := pattern.match(compact):
                return f"{m.group(1)} {m.group(2)}"
    if country == "KR" and (m := _KR.match(compact)):
        return m.group(1) + m.group(2)
    if country == "NL":
        for _code, pattern in _NL:
            if m := pattern.match(compact):
                return "-".join(m.groups())
    raise ValidationError(
        {"plate": str(_l("This is not a valid plate for %(country)s. Example: %(example)s",
                         country=COUNTRIES[country], example=EXAMPLES[country]))}
    )

"""Error codes, messages and language negotiation of the Helsinki sandbox.

Codes, Finnish messages and the "Näkyvä käyttäjälle" (visible to user) column
come verbatim from seed §6.9.2; Swedish and English are our translations.
The HTTP status of each code is our reading of seed §2.3 (the seed lists codes
and statuses separately and never pairs them).
"""

from __future__ import annotations

#: code -> (HTTP status, visible_to_user, {language: message})
ERRORS: dict[int, tuple[int, bool, dict[str, str]]] = {
    1000: (403, False, {"fi": "Ei kyselyoikeutta",
                        "sv": "Ingen behörighet för förfrågan",
                        "en": "No permission for this request"}),
    1001: (429, False, {"fi": "Käyttöoikeusraja on ylitetty",
                        "sv": "Användningsgränsen har överskridits",
                        "en": "Usage limit exceeded"}),
    1104: (401, False, {"fi": "HTTP otsikkotieto on puutteellinen (Authorization)",
                        "sv": "HTTP-huvudet är bristfälligt (Authorization)",
                        "en": "HTTP header missing or invalid (Authorization)"}),
    # seed §2.3: 406 "e.g. an unsupported language or protocol"
    1105: (406, False, {"fi": "HTTP otsikkotieto on puutteellinen (Accept-language)",
                        "sv": "HTTP-huvudet är bristfälligt (Accept-language)",
                        "en": "HTTP header missing or invalid (Accept-language)"}),
    1106: (406, False, {"fi": "HTTP otsikkotieto on puutteellinen (Accept)",
                        "sv": "HTTP-huvudet är bristfälligt (Accept)",
                        "en": "HTTP header missing or invalid (Accept)"}),
    # Seed §2.1 says a wrong Content-Type gives 406, but §2.3 defines 415
    # "Unsupported Media Type" for exactly this and 406 is about the *response*
    # type (Accept). We answer 415 so the two header faults stay distinguishable.
    1107: (415, False, {"fi": "HTTP otsikkotieto on puutteellinen (Content-Type)",
                        "sv": "HTTP-huvudet är bristfälligt (Content-Type)",
                        "en": "HTTP header missing or invalid (Content-Type)"}),
    # "no results" is a 4xx error in the seed (§6.9): nothing found -> 404
    1110: (404, True, {"fi": "Hakuehdoilla ei löydy tuloksia",
                       "sv": "Inga resultat med dessa sökvillkor",
                       "en": "No results with these search criteria"}),
    1111: (400, False, {"fi": "Virheellinen JSON-sanoma",
                        "sv": "Ogiltigt JSON-meddelande",
                        "en": "Invalid JSON message"}),
    1112: (403, False, {"fi": "Väärä HTTP-protokolla",
                        "sv": "Fel HTTP-protokoll",
                        "en": "Wrong HTTP protocol"}),
    1200: (404, True, {"fi": "Tuntematon pysäköinti",
                       "sv": "Okänd parkering",
                       "en": "Unknown parking"}),
    1201: (400, False, {"fi": "Puutteelliset hakuehdot",
                        "sv": "Bristfälliga sökvillkor",
                        "en": "Incomplete query"}),
    1202: (400, False, {"fi": "Pakollinen tieto puuttuu tai on virheellinen: "
                              "Pysäköinnin luonnista saatu yksilöivä tunniste (parking_id)",
                        "sv": "Obligatorisk uppgift saknas eller är ogiltig: "
                              "parkeringens unika identifierare från skapandet (parking_id)",
                        "en": "Required value missing or invalid: "
                              "the parking's unique identifier from its creation (parking_id)"}),
    1203: (400, False, {"fi": "Pakollinen tieto puuttuu tai on virheellinen: "
                              "Ajoneuvon yksilöivä tunniste (register_number)",
                        "sv": "Obligatorisk uppgift saknas eller är ogiltig: "
                              "fordonets unika identifierare (register_number)",
                        "en": "Required value missing or invalid: "
                              "the vehicle's unique identifier (register_number)"}),
    1204: (400, True, {"fi": "Peruuttaminen ei ole enää mahdollista",
                       "sv": "Annullering är inte längre möjlig",
                       "en": "Cancellation is no longer possible"}),
    1205: (403, True, {"fi": "Peruuttaminen ei ole sallittu",
                       "sv": "Annullering är inte tillåten",
                       "en": "Cancellation is not allowed"}),
    1206: (400, False, {"fi": "Virheellinen pysäköinnin aloituspvm",
                        "sv": "Ogiltigt startdatum för parkeringen",
                        "en": "Invalid parking start date"}),
    1207: (400, False, {"fi": "Virheellinen pysäköinnin lopetuspvm",
                        "sv": "Ogiltigt slutdatum för parkeringen",
                        "en": "Invalid parking end date"}),
    9999: (503, True, {"fi": "Hetkellinen häiriö, kokeile uudestaan.",
                       "sv": "Tillfällig störning, försök igen.",
                       "en": "Temporary disruption, please try again."}),
}

DEFAULT_LANGUAGE = "fi"
#: accepted language codes of seed §4, lower-cased
LANGUAGE_CODES = {"fi": "fi", "fi-fi": "fi", "en": "en", "en-us": "en", "en-gb": "en", "sv": "sv", "sv-se": "sv"}


class ApiError(Exception):
    """A refusal the sandbox answers with the seed's error body.

    Args:
        code: seed error code (a key of ``ERRORS``).
        field: the request field at fault, if any.
        status: HTTP status when it differs from the code's usual one.
    """

    def __init__(self, code: int, field: str | None = None, status: int | None = None) -> None:
        self.code = code
        self.field = field
        self.status = status or ERRORS[code][0]
        super().__init__(f"{code} {field or ''}".strip())


def error_entry(code: int, language: str, field: str | None = None) -> dict:
    """One element of the ``errors`` array (seed §6.9.1.1)."""
    _status, visible, messages = ERRORS[code]
    entry: dict = {"code": code, "message": messages.get(language, messages[DEFAULT_LANGUAGE])}
    if field:
        entry["field"] = field
    entry["visible_to_user"] = visible
    return entry


def negotiate_language(header: str | None) -> str | None:
    """Pick the answer language from an ``Accept-Language`` header (seed §4).

    Only the codes listed in the seed count; ``*`` means the default (Finnish).
    The highest q-value wins, ties go to the earlier entry.

    Returns:
        "fi", "sv" or "en"; "fi" when the header is absent or empty; ``None``
        when the header names no supported language (the caller answers 1105).
    """
    if header is None or not header.strip():
        return DEFAULT_LANGUAGE
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        pieces = [piece.strip() for piece in part.split(";")]
        tag = pieces[0].lower()
        quality = 1.0
        for param in pieces[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value.strip())
                except ValueError:
                    quality = 0.0
        language = DEFAULT_LANGUAGE if tag == "*" else LANGUAGE_CODES.get(tag)
        if language and quality > 0:
            ranked.append((-quality, position, language))
    return min(ranked)[2] if ranked else None

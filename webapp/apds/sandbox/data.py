"""The platform's seeded world: car parks in Manchester city centre and London, their
right specifications and rate tables (seed 003 §➋ for the Arndale example; shapes from
the spec's Place, RightSpecification and RateTable).

Everything is deterministic (ids are uuid5 of the name) so a fresh sandbox always
serves the same places. Rate tables use every rate-line kind of the spec's
RateLineTypeEnum (``flatRate``, ``flatRateTier``, ``incrementingRate`` with and
without ``incrementPeriod``), both duration forms (ISO 8601 as in the seed, ``hh:mm``
as in APDS v4), collection minimum and maximum values, ``minTime``, tax included or
added, and a time-of-day variant (an evening right specification).
"""

from __future__ import annotations

import uuid

NAMESPACE = uuid.UUID("6b1e5f0a-3c59-4c1e-9a55-0f4b6c2d7e10")
CREATED = "2021-01-01T00:00:00Z"


def _id(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def _line(seq: int, kind: str, value: float, start: str | None = None, end: str | None = None,
          period: str | None = None, text: str = "") -> dict:
    line: dict = {"sequence": seq, "rateLineType": kind, "value": value}
    if text:
        line["description"] = {"en": text}
    if start is not None:
        line["durationStart"] = start
    if end is not None:
        line["durationEnd"] = end
    if period is not None:
        line["incrementPeriod"] = period
    return line


def _collection(lines: list[dict], *, tax_included: bool = True, tax_rate: float | None = None,
                min_value: float | None = None, max_value: float | None = None, min_time: str = "PT0S",
                max_time: str = "P7D") -> dict:
    collection = {"collectionSequence": 1, "applicableCurrency": "GBP", "minTime": min_time, "maxTime": max_time,
                  "relativeTimes": True, "resetTime": "00:00", "taxIncluded": tax_included,
                  "validStart": "2021-01-01T00:00:00Z", "rateLines": lines}
    if tax_rate is not None:
        collection["taxRate"] = tax_rate
    if min_value is not None:
        collection["minValueCollection"] = min_value
    if max_value is not None:
        collection["maxValueCollection"] = max_value
    return collection


# Seed 003 §➋ step 2, line for line. The seed serves this table under the id the right
# specification names (0376c349-…) while the body says 2a00f59e-…; we keep the seed's
# body and answer both ids.
ARNDALE_RATE_ID = "0376c349-ed20-4f6f-9551-1a82f9f5f734"
ARNDALE_RATE_BODY_ID = "2a00f59e-50b0-4ac1-8733-1b3d23482403"
ARNDALE_RIGHT_ID = "6091d5d0-5264-4d66-a31a-1a9e2c9eed89"

RATE_TABLES: dict[str, dict] = {
    "arndale": {
        "id": ARNDALE_RATE_BODY_ID, "version": 1, "rateTableName": {"en": "Arndale General Public Tariff"},
        "availability": "public", "validation": False, "rateResponsibleParty": "Manchester City Council",
        "rateLineCollections": [{
            "collectionSequence": 1, "taxIncluded": True,
            "rateLines": [
                _line(1, "incrementingRate", 3.7, "P0S", "P3599S", text="up to 1 hour"),
                _line(2, "incrementingRate", 6.7, "P3600S", "P7199S", text="up to 2 hours"),
                _line(3, "incrementingRate", 9.2, "P7200S", "P10799S", text="up to 3 hours"),
                _line(4, "incrementingRate", 12.2, "P10800S", "P14399S", text="up to 4 hours"),
                _line(5, "incrementingRate", 15.2, "P14400S", "P17999S", text="up to 5 hours"),
                _line(6, "incrementingRate", 20.5, "P18000S", "P86399S", text="up to 24 hours"),
            ],
        }],
    },
    "tiers": {
        "rateTableName": {"en": "City Centre Tiered Tariff"},
        "rateLineCollections": [_collection([
            _line(1, "flatRateTier", 2.5, "PT0S", "PT59M59S", text="up to 1 hour"),
            _line(2, "flatRateTier", 4.5, "PT1H", "PT1H59M59S", text="up to 2 hours"),
            _line(3, "flatRateTier", 6.0, "PT2H", "PT2H59M59S", text="up to 3 hours"),
            _line(4, "flatRateTier", 8.0, "PT3H", "PT3H59M59S", text="up to 4 hours"),
            _line(5, "flatRateTier", 14.0, "PT4H", "PT23H59M59S", text="up to 24 hours"),
        ], max_value=14.0)],
    },
    "per_half_hour": {
        "rateTableName": {"en": "Pay As You Stay"},
        "rateLineCollections": [_collection([
            _line(1, "incrementingRate", 1.8, "PT0S", "PT23H59M59S", period="PT30M", text="per started 30 minutes"),
        ], min_value=1.8, max_value=22.0)],
    },
    "hhmm_plus_tax": {
        # APDS v4 writes durations as hh:mm; VAT added on top (taxIncluded false, 20 %)
        "rateTableName": {"en": "Short Stay, VAT added"},
        "rateLineCollections": [_collection([
            _line(1, "incrementingRate", 0.75, "00:00", "01:59", period="PT15M", text="per 15 minutes, first 2 hours"),
            _line(2, "incrementingRate", 2.5, "02:00", "23:59", period="PT1H", text="per hour after 2 hours"),
        ], tax_included=False, tax_rate=20.0, max_value=25.0)],
    },
    "entry_fee": {
        "rateTableName": {"en": "Entry Fee And Hourly"},
        "rateLineCollections": [_collection([
            _line(1, "flatRate", 1.0, text="entry fee"),
            _line(2, "incrementingRate", 2.2, "PT0S", "PT23H59M59S", period="PT1H", text="per started hour"),
        ], max_value=18.0)],
    },
    "london": {
        "rateTableName": {"en": "Central London Hourly"},
        "rateLineCollections": [_collection([
            _line(1, "incrementingRate", 6.5, "PT0S", "PT23H59M59S", period="PT1H", text="per started hour"),
        ], max_value=65.0, min_time="PT1H")],
    },
    "evening": {
        "rateTableName": {"en": "Evening Flat Rate"},
        "rateLineCollections": [_collection([
            _line(1, "flatRate", 5.0, text="enter after 18:00, leave by 06:00"),
        ], max_time="PT12H")],
    },
}

ALL_WEEK = {"periodName": {"en": "all week long"}, "recurringDayWeekMonthPeriod": {"applicableDay": [
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]}}
EVENINGS = {"periodName": {"en": "evenings"}, "recurringDayWeekMonthPeriod": ALL_WEEK["recurringDayWeekMonthPeriod"],
            "recurringTimePeriodOfDay": [{"startTimeOfPeriod": "18:00", "endTimeOfPeriod": "06:00"}]}

# (place id or None for a derived one, name, street, lat, lon, capacity, tariff, right id or None, evening rate?)
MANCHESTER = (
    ("805432", "Arndale Car Park", "High Street, M4 3AH", 53.4838, -2.2418, 1400, "arndale", ARNDALE_RIGHT_ID, True),
    ("001702e7-99f6-4e48-ac7c-df412907b29b", "Deansgate Surface Car Park", "Deansgate, M3 4LY", 53.4790, -2.2500,
     120, "per_half_hour", "a298d061-a30c-4a5a-bfe0-308f20d3ddc7", False),
    ("220001", "Piccadilly On-Street Zone", "Piccadilly, M1 1RG", 53.4775, -2.2309, 60, "hhmm_plus_tax",
     "0ab95c73-4c2b-4fe3-8528-0403c7734b92", False),
    (None, "Printworks Car Park", "Withy Grove, M4 2BS", 53.4851, -2.2402, 650, "tiers", None, True),
    (None, "Shudehill Interchange Car Park", "Shudehill, M4 2AF", 53.4856, -2.2389, 450, "tiers", None, False),
    (None, "Great Northern Car Park", "Watson Street, M3 4EE", 53.4774, -2.2487, 900, "per_half_hour", None, True),
    (None, "Manchester Central Car Park", "Windmill Street, M2 3GX", 53.4761, -2.2470, 800, "entry_fee", None, True),
    (None, "Bridgewater Hall Car Park", "Great Bridgewater Street, M1 5AN", 53.4756, -2.2441, 350, "tiers", None, True),
    (None, "Piccadilly Station Car Park", "Fairfield Street, M1 2QF", 53.4770, -2.2290, 700, "per_half_hour", None,
     False),
    (None, "Piccadilly Gardens Car Park", "Tariff Street, M1 2FF", 53.4817, -2.2335, 300, "entry_fee", None, False),
    (None, "Northern Quarter Car Park", "Church Street, M4 1PW", 53.4838, -2.2360, 240, "hhmm_plus_tax", None, True),
    (None, "Tib Street Car Park", "Tib Street, M4 1LN", 53.4843, -2.2347, 180, "tiers", None, False),
    (None, "Spinningfields Car Park", "Bridge Street, M3 3BW", 53.4812, -2.2520, 500, "per_half_hour", None, True),
    (None, "Quay Street Car Park", "Quay Street, M3 3JE", 53.4789, -2.2545, 260, "entry_fee", None, False),
    (None, "Albert Square Car Park", "Lloyd Street, M2 5DB", 53.4796, -2.2452, 150, "hhmm_plus_tax", None, False),
    (None, "Chinatown Car Park", "Faulkner Street, M1 4EH", 53.4786, -2.2393, 220, "tiers", None, True),
    (None, "Portland Street Car Park", "Portland Street, M1 3LA", 53.4779, -2.2368, 400, "per_half_hour", None, False),
    (None, "Oxford Road Car Park", "Oxford Road, M1 5QA", 53.4728, -2.2410, 330, "entry_fee", None, False),
    (None, "Victoria Station Car Park", "Hunts Bank, M3 1BB", 53.4873, -2.2433, 280, "tiers", None, False),
    (None, "Manchester Arena Car Park", "Trinity Way, M3 1AR", 53.4881, -2.2443, 950, "entry_fee", None, True),
    (None, "New Cathedral Street Car Park", "New Cathedral Street, M1 1AD", 53.4832, -2.2447, 200, "hhmm_plus_tax",
     None, False),
    (None, "Castlefield Car Park", "Liverpool Road, M3 4JR", 53.4760, -2.2561, 210, "per_half_hour", None, True),
    (None, "Deansgate Locks Car Park", "Whitworth Street West, M1 5LH", 53.4741, -2.2500, 380, "tiers", None, True),
    (None, "First Street Car Park", "Jack Rosenthal Street, M15 4RA", 53.4718, -2.2470, 600, "entry_fee", None,
     False),
    (None, "Ancoats Car Park", "Jersey Street, M4 6JW", 53.4840, -2.2270, 160, "per_half_hour", None, False),
    (None, "Salford Central Car Park", "Chapel Street, M3 5JE", 53.4835, -2.2550, 240, "tiers", None, False),
)
LONDON = (
    ("5b0c9f1e-3f57-4f57-9d0e-2c7f5e0a1b11", "South Bank Car Park", "Upper Ground, SE1 9PP", 51.5055, -0.1160, 300,
     "london", None, True),
    (None, "Trafalgar Square Car Park", "Spring Gardens, SW1A 2BN", 51.5068, -0.1280, 180, "london", None, True),
    (None, "Covent Garden Car Park", "Parker Street, WC2B 5PW", 51.5154, -0.1210, 220, "london", None, True),
    (None, "Soho Car Park", "Poland Street, W1F 7NR", 51.5152, -0.1369, 250, "london", None, True),
    (None, "Marble Arch Car Park", "Park Lane, W1K 7AN", 51.5125, -0.1590, 800, "london", None, False),
    (None, "Victoria Coach Car Park", "Semley Place, SW1W 9QL", 51.4930, -0.1470, 270, "london", None, False),
    (None, "King's Cross Car Park", "York Way, N1C 4AX", 51.5330, -0.1240, 420, "london", None, False),
    (None, "St Pancras Car Park", "Midland Road, NW1 2QP", 51.5310, -0.1270, 350, "london", None, True),
    (None, "Barbican Car Park", "Silk Street, EC2Y 8DS", 51.5200, -0.0930, 500, "london", None, True),
    (None, "London Bridge Car Park", "Snowsfields, SE1 3SS", 51.5032, -0.0870, 300, "london", None, False),
    (None, "Tower Hill Car Park", "Lower Thames Street, EC3R 6DT", 51.5093, -0.0780, 260, "london", None, True),
    (None, "Canary Wharf Car Park", "Cabot Square, E14 4QT", 51.5050, -0.0230, 1200, "london", None, False),
    (None, "Paddington Car Park", "Harbet Road, W2 1JU", 51.5180, -0.1720, 450, "london", None, False),
    (None, "Bloomsbury Square Car Park", "Bloomsbury Square, WC1A 2RJ", 51.5190, -0.1220, 300, "london", None, True),
    (None, "Shoreditch Car Park", "Great Eastern Street, EC2A 3HU", 51.5250, -0.0800, 150, "london", None, False),
    (None, "Westminster Car Park", "Great College Street, SW1P 3RX", 51.4970, -0.1260, 200, "london", None, False),
)

EVENING_RIGHT_ID = _id("right", "evening")


def rate_id(tariff: str) -> str:
    """The id a tariff's rate table is served under."""
    return ARNDALE_RATE_ID if tariff == "arndale" else _id("rate", tariff)


def rate_documents() -> dict[str, dict]:
    """rate id -> RateTable document (the Arndale one also under its body id)."""
    documents = {}
    for tariff, table in RATE_TABLES.items():
        document = {"id": rate_id(tariff), "version": 1, "availability": "public", "validation": False,
                    "rateResponsibleParty": "Manchester City Council" if tariff != "london" else "City of Westminster",
                    **table}
        documents[rate_id(tariff)] = document
    documents[ARNDALE_RATE_BODY_ID] = documents[ARNDALE_RATE_ID]
    return documents


def _right(right_id: str, name: str, tariff: str, place_ids: list[str], period: dict) -> dict:
    return {
        "id": right_id, "version": 1, "type": "oneTimeUseParking",
        "description": {"en": f"right specification for {name}"},
        "expiry": "2030-12-31T23:59:59Z",
        "hierarchyElements": [{"id": place_id, "version": 1} for place_id in place_ids],
        "rateEligibility": [{"id": _id("eligibility", right_id), "version": 1,
                             "rate": {"id": rate_id(tariff), "version": 1}}],
        "validity": {"validPeriods": [period]},
    }


def seeded_world() -> tuple[list[dict], dict[str, dict], dict[str, dict]]:
    """``(places, right specifications by id, rate tables by id)``.

    Each place is ``{id, latitude, longitude, capacity, document}``; the document is
    the spec's Place with ``{"en": …}`` names (the seed's form).
    """
    places, rights = [], {}
    evening_places = []
    for city, rows in (("Manchester", MANCHESTER), ("London", LONDON)):
        for place_id, name, street, lat, lon, capacity, tariff, right_id, evening in rows:
            place_id = place_id or _id("place", name)
            right_id = right_id or _id("right", name)
            if place_id == "805432":
                rights[right_id] = _right(right_id, "Arndale Car Park in Manchester City", tariff, [place_id],
                                          ALL_WEEK)
            else:
                rights[right_id] = _right(right_id, name, tariff, [place_id], ALL_WEEK)
            specs = [{"id": right_id, "version": 1}]
            if evening:
                evening_places.append(place_id)
                specs.append({"id": EVENING_RIGHT_ID, "version": 1})
            document = {
                "id": place_id, "version": 1, "name": {"en": name}, "layer": 0, "type": "parkingPlace",
                "hierarchyElementRecord": {"creationTime": CREATED},
                "timeZone": "Europe/London",
                "placeStreetAddress": {"addressLines": [{"order": 1, "text": street}], "city": city,
                                       "countryCode": "GB"},
                # EPSG:4326 with x = longitude, y = latitude (the GeoJSON axis order).
                "indicativePlacePointLocation": [
                    {"pointCoordinates": {"epsgCode": "EPSG:4326", "x": lon, "y": lat}}],
                "rightSpecifications": specs,
                "supply": {"spacesTotal": capacity},
            }
            places.append({"id": place_id, "latitude": lat, "longitude": lon, "capacity": capacity,
                           "document": document})
    rights[EVENING_RIGHT_ID] = _right(EVENING_RIGHT_ID, "evening parking", "evening", evening_places, EVENINGS)
    return places, rights, rate_documents()

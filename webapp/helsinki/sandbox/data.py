"""Reference data of the Helsinki sandbox: parking areas and day types.

The areas are generated deterministically from a table of real central
Helsinki neighbourhoods and streets, so every sandbox process (and every test)
sees the same ids, shapes and tariffs without shipping a data file. Street
positions are approximate; each area is a small street-side rectangle a few
dozen metres long.

Coordinates are written **latitude first** ([60.19, 24.95]) because that is how
the seed's GeoJSON examples put them (seed §2.5, §6.3.3), against RFC 7946; the
client is the one that turns them into proper (lon, lat) shapes.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from functools import lru_cache

import holidays

CITY = {"fi": "Helsinki", "sv": "Helsingfors", "en": "Helsinki"}

#: payment zone -> (hourly price as text, business-day window, Saturday window or None)
#: Prices follow the city's three payment zones; outside the windows and on
#: Sundays/public holidays parking is free (no tariff row for SUNDAY).
ZONE_TARIFFS: dict[int, tuple[str, tuple[str, str], tuple[str, str] | None]] = {
    1: ("4.20", ("09", "21"), ("09", "18")),
    2: ("2.80", ("09", "18"), ("09", "15")),
    3: ("1.20", ("08", "18"), None),
}

# (fi, sv, en, postal code, zone, resident parking code, streets)
# street: (fi, sv, latitude, longitude, bearing in degrees from north, house number)
NEIGHBOURHOODS: list[tuple[str, str, str, str, int, str, list[tuple[str, str, float, float, int, int]]]] = [
    ("Kamppi", "Kampen", "Kamppi", "00100", 1, "C", [
        ("Fredrikinkatu", "Fredriksgatan", 60.1662, 24.9350, 160, 42),
        ("Annankatu", "Annegatan", 60.1668, 24.9378, 160, 29),
        ("Eerikinkatu", "Eriksgatan", 60.1657, 24.9320, 70, 14),
        ("Malminkatu", "Malmgatan", 60.1683, 24.9302, 70, 20),
        ("Lapinlahdenkatu", "Lappviksgatan", 60.1680, 24.9283, 160, 8),
        ("Urho Kekkosen katu", "Urho Kekkonens gata", 60.1693, 24.9329, 160, 3),
        ("Salomonkatu", "Salomonsgatan", 60.1695, 24.9345, 70, 17),
    ]),
    ("Kluuvi", "Gloet", "Kluuvi", "00100", 1, "B", [
        ("Kaisaniemenkatu", "Kajsaniemigatan", 60.1712, 24.9455, 40, 6),
        ("Vuorikatu", "Berggatan", 60.1707, 24.9478, 160, 14),
        ("Mikonkatu", "Mikaelsgatan", 60.1702, 24.9445, 160, 9),
        ("Yliopistonkatu", "Universitetsgatan", 60.1695, 24.9480, 70, 5),
    ]),
    ("Kaartinkaupunki", "Gardesstaden", "Kaartinkaupunki", "00130", 1, "B", [
        ("Korkeavuorenkatu", "Högbergsgatan", 60.1652, 24.9482, 160, 21),
        ("Kasarmikatu", "Kaserngatan", 60.1640, 24.9465, 160, 36),
        ("Rikhardinkatu", "Rikardsgatan", 60.1658, 24.9438, 70, 2),
        ("Ludviginkatu", "Ludvigsgatan", 60.1650, 24.9430, 70, 6),
    ]),
    ("Punavuori", "Rödbergen", "Punavuori", "00120", 1, "D", [
        ("Iso Roobertinkatu", "Stora Robertsgatan", 60.1618, 24.9415, 70, 12),
        ("Albertinkatu", "Albertsgatan", 60.1628, 24.9378, 160, 19),
        ("Tehtaankatu", "Fabriksgatan", 60.1590, 24.9395, 70, 11),
        ("Merimiehenkatu", "Sjömansgatan", 60.1598, 24.9348, 70, 30),
        ("Pursimiehenkatu", "Båtsmansgatan", 60.1612, 24.9372, 160, 8),
        ("Punavuorenkatu", "Rödbergsgatan", 60.1605, 24.9390, 160, 2),
        ("Uudenmaankatu", "Nylandsgatan", 60.1630, 24.9400, 70, 25),
    ]),
    ("Kruununhaka", "Kronohagen", "Kruununhaka", "00170", 1, "A", [
        ("Liisankatu", "Elisabetsgatan", 60.1726, 24.9558, 70, 9),
        ("Maneesikatu", "Manegegatan", 60.1718, 24.9582, 160, 4),
        ("Kulmakatu", "Hörngatan", 60.1712, 24.9568, 160, 7),
        ("Meritullinkatu", "Sjötullsgatan", 60.1722, 24.9595, 160, 11),
        ("Mariankatu", "Mariegatan", 60.1703, 24.9553, 160, 13),
        ("Rauhankatu", "Fredsgatan", 60.1710, 24.9540, 70, 3),
    ]),
    ("Katajanokka", "Skatudden", "Katajanokka", "00160", 1, "K", [
        ("Luotsikatu", "Lotsgatan", 60.1676, 24.9638, 70, 6),
        ("Kauppiaankatu", "Köpmansgatan", 60.1682, 24.9660, 160, 8),
        ("Laivastokatu", "Flottgatan", 60.1688, 24.9652, 70, 12),
        ("Vyökatu", "Bältgatan", 60.1669, 24.9672, 70, 4),
    ]),
    ("Ullanlinna", "Ulrikasborg", "Ullanlinna", "00140", 1, "E", [
        ("Laivurinkatu", "Skepparegatan", 60.1582, 24.9448, 70, 35),
        ("Vuorimiehenkatu", "Bergmansgatan", 60.1608, 24.9452, 70, 20),
        ("Kapteeninkatu", "Kaptensgatan", 60.1598, 24.9462, 160, 15),
        ("Pietarinkatu", "Petersgatan", 60.1575, 24.9475, 70, 10),
        ("Tehtaankatu", "Fabriksgatan", 60.1585, 24.9500, 70, 4),
    ]),
    ("Eira", "Eira", "Eira", "00150", 1, "E", [
        ("Huvilakatu", "Villagatan", 60.1580, 24.9418, 160, 18),
        ("Laivurinrinne", "Skepparbacken", 60.1570, 24.9425, 70, 1),
        ("Armfeltintie", "Armfeltsvägen", 60.1560, 24.9430, 160, 9),
        ("Engelinaukio", "Engels plats", 60.1565, 24.9400, 70, 4),
    ]),
    ("Etu-Töölö", "Främre Tölö", "Etu-Töölö", "00100", 1, "F", [
        ("Arkadiankatu", "Arkadiagatan", 60.1718, 24.9290, 70, 21),
        ("Museokatu", "Museigatan", 60.1745, 24.9285, 70, 13),
        ("Cygnaeuksenkatu", "Cygnaeusgatan", 60.1752, 24.9258, 160, 8),
        ("Apollonkatu", "Apollogatan", 60.1740, 24.9262, 70, 9),
        ("Temppelikatu", "Tempelgatan", 60.1733, 24.9250, 70, 5),
        ("Runeberginkatu", "Runebergsgatan", 60.1725, 24.9270, 160, 14),
    ]),
    ("Kallio", "Berghäll", "Kallio", "00530", 2, "I", [
        ("Helsinginkatu", "Helsingegatan", 60.1848, 24.9485, 80, 15),
        ("Fleminginkatu", "Flemingsgatan", 60.1860, 24.9518, 160, 10),
        ("Vaasankatu", "Vasagatan", 60.1866, 24.9538, 160, 12),
        ("Kolmas linja", "Tredje linjen", 60.1830, 24.9468, 80, 17),
        ("Porvoonkatu", "Borgågatan", 60.1878, 24.9525, 80, 6),
        ("Kustaankatu", "Gustavsgatan", 60.1873, 24.9555, 80, 3),
        ("Kaarlenkatu", "Karlsgatan", 60.1855, 24.9470, 80, 11),
    ]),
    ("Hakaniemi", "Hagnäs", "Hakaniemi", "00530", 2, "I", [
        ("Siltasaarenkatu", "Broholmsgatan", 60.1798, 24.9508, 160, 12),
        ("Agricolankatu", "Agricolagatan", 60.1822, 24.9498, 160, 4),
        ("Toinen linja", "Andra linjen", 60.1808, 24.9458, 80, 7),
        ("Castréninkatu", "Castrénsgatan", 60.1832, 24.9522, 80, 20),
    ]),
    ("Sörnäinen", "Sörnäs", "Sörnäinen", "00500", 2, "J", [
        ("Vilhonvuorenkatu", "Vilhelmsbergsgatan", 60.1862, 24.9600, 160, 11),
        ("Hämeentie", "Tavastvägen", 60.1880, 24.9612, 20, 31),
        ("Kaikukatu", "Ekogatan", 60.1855, 24.9612, 80, 4),
        ("Lautatarhankatu", "Brädgårdsgatan", 60.1865, 24.9640, 160, 6),
        ("Sörnäisten rantatie", "Sörnäs strandväg", 60.1845, 24.9650, 20, 25),
    ]),
    ("Töölö", "Tölö", "Töölö", "00250", 2, "H", [
        ("Runeberginkatu", "Runebergsgatan", 60.1782, 24.9248, 160, 43),
        ("Topeliuksenkatu", "Topeliusgatan", 60.1800, 24.9218, 160, 21),
        ("Mechelininkatu", "Mechelingatan", 60.1762, 24.9198, 160, 33),
        ("Sibeliuksenkatu", "Sibeliusgatan", 60.1806, 24.9242, 80, 9),
        ("Töölönkatu", "Tölögatan", 60.1785, 24.9270, 160, 20),
        ("Minna Canthin katu", "Minna Canths gata", 60.1815, 24.9200, 80, 14),
    ]),
    ("Vallila", "Vallgård", "Vallila", "00550", 2, "V", [
        ("Mäkelänkatu", "Backasgatan", 60.1950, 24.9500, 0, 49),
        ("Sturenkatu", "Sturegatan", 60.1922, 24.9452, 70, 21),
        ("Aleksis Kiven katu", "Alexis Kivis gata", 60.1912, 24.9550, 70, 17),
        ("Vallilantie", "Vallgårdsvägen", 60.1940, 24.9580, 20, 12),
        ("Hattulantie", "Hattulavägen", 60.1955, 24.9545, 70, 2),
    ]),
    ("Pasila", "Böle", "Pasila", "00520", 2, "P", [
        ("Ratapihantie", "Bangårdsvägen", 60.1992, 24.9338, 0, 11),
        ("Radiokatu", "Radiogatan", 60.2042, 24.9290, 160, 20),
        ("Asemapäällikönkatu", "Stationsinspektorsgatan", 60.2000, 24.9360, 160, 1),
        ("Pasilankatu", "Bölegatan", 60.2012, 24.9228, 0, 2),
        ("Opastinsilta", "Signalbron", 60.1985, 24.9365, 70, 8),
    ]),
    ("Munkkiniemi", "Munksnäs", "Munkkiniemi", "00330", 3, "M", [
        ("Munkkiniemen puistotie", "Munksnäs allé", 60.1980, 24.8800, 80, 20),
        ("Laajalahdentie", "Bredviksvägen", 60.2002, 24.8752, 160, 12),
        ("Riihitie", "Rivägen", 60.1970, 24.8772, 160, 8),
        ("Tiilimäki", "Tegelbacken", 60.1960, 24.8832, 80, 15),
        ("Huopalahdentie", "Hoplaksvägen", 60.1945, 24.8865, 160, 1),
    ]),
    ("Lauttasaari", "Drumsö", "Lauttasaari", "00200", 3, "L", [
        ("Lauttasaarentie", "Drumsövägen", 60.1598, 24.8802, 80, 28),
        ("Isokaari", "Stora Kröken", 60.1580, 24.8752, 160, 10),
        ("Otavantie", "Otavavägen", 60.1620, 24.8762, 80, 6),
        ("Gyldénintie", "Gyldénsvägen", 60.1562, 24.8812, 160, 4),
        ("Kauppaneuvoksentie", "Kommerserådsvägen", 60.1575, 24.8790, 80, 9),
    ]),
]

METRES_PER_DEGREE_LAT = 111_320.0
#: max parking time choices per zone (None = no limit); picked by street index
MAX_TIMES: dict[int, tuple[int | None, ...]] = {1: (120, 240, 120), 2: (240, 480, None), 3: (None, 1440, 480)}
SPECIAL_CODES: tuple[list[str], ...] = ([], ["CD"], [], ["LASTAUS"], ["CD", "LASTAUS"])


def _street_rectangle(lat: float, lon: float, bearing: int, length: float, width: float) -> list[list[float]]:
    """Closed ring of a street-side rectangle, latitude first as in seed §2.5."""
    along = math.radians(bearing)
    across = math.radians(bearing + 90)
    per_lon = METRES_PER_DEGREE_LAT * math.cos(math.radians(lat))

    def shift(point: tuple[float, float], metres: float, angle: float) -> tuple[float, float]:
        return (point[0] + metres * math.cos(angle) / METRES_PER_DEGREE_LAT,
                point[1] + metres * math.sin(angle) / per_lon)

    a = (lat, lon)
    b = shift(a, length, along)
    c = shift(b, width, across)
    d = shift(a, width, across)
    return [[round(p[0], 6), round(p[1], 6)] for p in (a, b, c, d, a)]


def _tariffs(zone: int) -> list[dict]:
    price, business, saturday = ZONE_TARIFFS[zone]
    fi_price = price.replace(".", ",")
    rows = [{
        "day_type": "BUSINESS_DAY",
        "name": {"fi": f"Maanantaista perjantaihin {fi_price} euroa / tunti",
                 "sv": f"Måndag till fredag, EUR {fi_price} / timme",
                 "en": f"Monday to Friday, EUR {price} / hour"},
        "time": {"from": business[0], "until": business[1]},
        "hourly_price": float(price),
    }]
    if saturday:
        rows.append({
            "day_type": "SATURDAY",
            "name": {"fi": f"Lauantaisin {fi_price} euroa / tunti",
                     "sv": f"På lördagar, EUR {fi_price} / timme",
                     "en": f"On Saturdays, EUR {price} / hour"},
            "time": {"from": saturday[0], "until": saturday[1]},
            "hourly_price": float(price),
        })
    return rows


@lru_cache(maxsize=1)
def areas() -> tuple[dict, ...]:
    """All sandbox areas in the seed's JSON shape (§6.3.3), ordered by area_id.

    Cached: the data is immutable and derived from code only, so a per-process
    cache cannot disagree between processes.
    """
    result = []
    for hood_index, (fi, sv, en, postal, zone, resident, streets) in enumerate(NEIGHBOURHOODS, start=1):
        for street_index, (street_fi, street_sv, lat, lon, bearing, number) in enumerate(streets, start=1):
            serial = hood_index * 10 + street_index
            length = 30.0 + (serial * 7) % 31  # 30..60 m, varied but stable
            result.append({
                "area_id": f"{zone}{hood_index:02d}{street_index:03d}",
                "area_name": {"fi": f"{fi}, {street_fi} {number}",
                              "sv": f"{sv}, {street_sv} {number}",
                              "en": f"{en}, {street_fi} {number}"},
                "location": {
                    "address": {
                        "city": dict(CITY),
                        "postal_code": postal,
                        "street_address": {"fi": f"{street_fi} {number}", "sv": f"{street_sv} {number}",
                                           "en": f"{street_fi} {number}"},
                    },
                    "geometry": {"type": "Polygon",
                                 "coordinates": [_street_rectangle(lat, lon, bearing, length, 5.5)]},
                },
                "max_capacity": 4 + (serial * 5) % 23,
                "max_time_in_minutes": MAX_TIMES[zone][street_index % 3],
                "resident_parking_codes": [resident],
                "special_parking_codes": list(SPECIAL_CODES[serial % len(SPECIAL_CODES)]),
                "tariffs": _tariffs(zone),
                "zone": zone,
            })
    return tuple(sorted(result, key=lambda area: area["area_id"]))


@lru_cache(maxsize=1)
def areas_by_id() -> dict[str, dict]:
    """Areas keyed by area_id (do not mutate the returned dicts)."""
    return {area["area_id"]: area for area in areas()}


def _kind(day: date, public_holidays: holidays.HolidayBase) -> str:
    if day.weekday() == 6 or day in public_holidays:
        return "SUNDAY"
    return "SATURDAY" if day.weekday() == 5 else "BUSINESS_DAY"


def day_type(day: date) -> str:
    """Day type code of one date (seed §6.4.4).

    SUNDAY covers Sundays and every Finnish public holiday ("Sunnuntaisin ja
    muina pyhäpäivinä"), so e.g. Epiphany on a Wednesday is free of charge.
    """
    return _kind(day, holidays.Finland(years=day.year))


def day_types(start: date, end: date) -> list[dict]:
    """Day types for every date from ``start`` to ``end`` inclusive."""
    public_holidays = holidays.Finland(years=range(start.year, end.year + 1))
    return [{"date": (start + timedelta(days=offset)).isoformat(),
             "day_type": _kind(start + timedelta(days=offset), public_holidays)}
            for offset in range((end - start).days + 1)]

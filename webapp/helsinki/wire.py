"""Typed results of the Helsinki mobile parking client (seed 002) and their wire format.

Frozen dataclasses, plus the functions that read them from the city's JSON
(kept here so ``helsinki.py`` stays about transport and errors). Geometry is
held in RFC 7946 order (longitude, latitude) whatever order the city sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

LANGUAGES = ("fi", "sv", "en")
HELSINKI = ZoneInfo("Europe/Helsinki")


@dataclass(frozen=True)
class LocalizedText:
    """A text in the city's three languages (seed §4: names come as {fi, sv, en})."""

    fi: str = ""
    sv: str = ""
    en: str = ""

    def get(self, language: str) -> str:
        """The text in ``language`` (fi/sv/en), falling back to English, then Finnish."""
        value = getattr(self, language, "") if language in LANGUAGES else ""
        return value or self.en or self.fi or self.sv


@dataclass(frozen=True)
class Geometry:
    """A GeoJSON Point or Polygon with coordinates in RFC 7946 (lon, lat) order.

    Attributes:
        type: "Point" or "Polygon".
        coordinates: ``(lon, lat)`` for a Point; a tuple of rings of
            ``(lon, lat)`` pairs for a Polygon.
    """

    type: str
    coordinates: tuple

    def as_geojson(self) -> dict:
        """This geometry as an RFC 7946 GeoJSON object (longitude first), e.g. for Leaflet/folium."""
        if self.type == "Point":
            return {"type": "Point", "coordinates": list(self.coordinates)}
        return {"type": self.type, "coordinates": [[list(point) for point in ring] for ring in self.coordinates]}

    @property
    def centre(self) -> tuple[float, float]:
        """(lon, lat) of the point, or the mean of the outer ring's distinct corners."""
        if self.type == "Point":
            return self.coordinates
        ring = self.coordinates[0]
        corners = ring[:-1] if len(ring) > 1 and ring[0] == ring[-1] else ring
        return (sum(p[0] for p in corners) / len(corners), sum(p[1] for p in corners) / len(corners))


@dataclass(frozen=True)
class Address:
    """Street address of an area or a parking."""

    street_address: LocalizedText
    postal_code: str
    city: LocalizedText


@dataclass(frozen=True)
class Tariff:
    """One priced window of an area (seed §6.3.3 ``tariffs``).

    Attributes:
        day_type: BUSINESS_DAY, SATURDAY or SUNDAY.
        name: the tariff's name in three languages.
        time_from: start hour as sent ("09").
        time_until: end hour as sent ("21"; "24"/"00" mean midnight).
        hourly_price: euros per hour.
    """

    day_type: str
    name: LocalizedText
    time_from: str
    time_until: str
    hourly_price: Decimal


@dataclass(frozen=True)
class Area:
    """A parking area (seed §6.3)."""

    area_id: str
    name: LocalizedText
    zone: int | None
    address: Address | None = None
    geometry: Geometry | None = None
    max_capacity: int | None = None
    max_time_in_minutes: int | None = None
    resident_parking_codes: tuple[str, ...] = ()
    special_parking_codes: tuple[str, ...] = ()
    tariffs: tuple[Tariff, ...] = ()

    @property
    def geojson(self) -> dict:
        """The area as an RFC 7946 GeoJSON Feature (lon, lat order) for maps."""
        return {
            "type": "Feature",
            "id": self.area_id,
            "geometry": self.geometry.as_geojson() if self.geometry else None,
            "properties": {"area_id": self.area_id, "name": self.name.get("fi"), "zone": self.zone,
                           "max_time_in_minutes": self.max_time_in_minutes},
        }


@dataclass(frozen=True)
class DayType:
    """Day type of one date (seed §6.4)."""

    date: date
    day_type: str


@dataclass(frozen=True)
class Parking:
    """A parking at the city (seed §6.5.3); ``status`` as evaluated by the city at query time."""

    parking_id: str
    area_id: str
    register_number: str
    start: datetime
    stop: datetime
    status: str
    zone: int | None
    device_id: str = ""
    operator_id: str = ""
    timestamp: datetime | None = None
    area_name: LocalizedText = field(default_factory=LocalizedText)
    geometry: Geometry | None = None
    resident_parking_code: str | None = None
    special_parking_code: str | None = None

    @property
    def is_valid(self) -> bool:
        """Whether the city reported the parking as valid (paid and running)."""
        return self.status == "valid"


@dataclass(frozen=True)
class Link:
    """A HATEOAS link (seed §2.4)."""

    href: str
    method: str
    rel: str
    title: str = ""


@dataclass(frozen=True)
class RateLimit:
    """One usage limit of the entry point (seed §6.1.3); ``reset`` in seconds."""

    resource: str
    limit: int
    remaining: int
    reset: int


@dataclass(frozen=True)
class EntryPoint:
    """The API entry point as seen with our token (seed §6.1)."""

    version: str
    status: str | None
    links: tuple[Link, ...] = ()
    rate_limits: tuple[RateLimit, ...] = ()

    @property
    def active(self) -> bool:
        """Whether the city considers our operator account active."""
        return self.status == "active"


# -- reading the city's JSON ----------------------------------------------------------

def parse_timestamp(value: object) -> datetime:
    """Parse the city's ISO 8601 timestamps robustly into aware datetimes.

    Accepts offsets (``+03:00``, ``+0300``, ``Z``), fractions, a space instead
    of ``T`` and stray spaces (the seed writes ``YYYY-MM-DD'T' hh:mm:ss``).
    A timestamp without offset is Helsinki local time.

    Raises:
        ValueError: not a timestamp.
    """
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"not a timestamp: {value!r}")
    text = value.strip()
    if "T" not in text.upper():
        text = text.replace(" ", "T", 1)
    text = text.replace(" ", "").replace("t", "T").replace("z", "Z")
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=HELSINKI)


def format_timestamp(value: datetime) -> str:
    """An aware datetime in the seed's format, with its offset and whole seconds.

    Raises:
        ValueError: ``value`` is naive (its instant would be ambiguous).
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("timestamps sent to Helsinki must be timezone-aware")
    return value.isoformat(timespec="seconds")


def lon_lat(pair) -> tuple[float, float]:
    """One coordinate pair of the city as (lon, lat)."""
    first, second = float(pair[0]), float(pair[1])
    # Seed §2.5 writes [60.19, 24.95]: latitude first. Everywhere in Finland the
    # latitude (59.5-70.1) is larger than the longitude (19-31.6), so the larger
    # value is taken as latitude; this keeps working if the city ever switches
    # to RFC 7946 order.
    return (second, first) if first > second else (first, second)


def geometry_from_json(value) -> Geometry | None:
    """A city geometry (lat-first, seed §2.5) as a ``Geometry`` in RFC 7946 order."""
    if not value:
        return None
    kind = value["type"]
    if kind == "Point":
        return Geometry("Point", lon_lat(value["coordinates"]))
    if kind == "Polygon":
        rings = tuple(tuple(lon_lat(point) for point in ring) for ring in value["coordinates"])
        return Geometry("Polygon", rings)
    raise ValueError(f"unsupported geometry type {kind!r}")


def text_from_json(value) -> LocalizedText:
    """A {fi, sv, en} object, or one plain string for all three."""
    if value is None:
        return LocalizedText()
    if isinstance(value, str):  # parkings' addresses are plain strings (seed §6.5.3 example)
        return LocalizedText(value, value, value)
    return LocalizedText(fi=str(value.get("fi") or ""), sv=str(value.get("sv") or ""), en=str(value.get("en") or ""))


def address_from_json(value) -> Address | None:
    """An address object of an area or a parking."""
    if not value:
        return None
    return Address(street_address=text_from_json(value.get("street_address")),
                   postal_code=str(value.get("postal_code") or ""), city=text_from_json(value.get("city")))


def _int_or_none(value) -> int | None:
    return None if value is None else int(value)


def tariff_from_json(value) -> Tariff:
    """One row of an area's ``tariffs`` (seed §6.3.3)."""
    return Tariff(day_type=str(value["day_type"]), name=text_from_json(value.get("name")),
                  time_from=str(value["time"]["from"]), time_until=str(value["time"]["until"]),
                  hourly_price=Decimal(str(value["hourly_price"])))


def area_from_json(value) -> Area:
    """One element of ``areas`` (seed §6.3.3)."""
    location = value.get("location") or {}
    geometry = location.get("geometry") or value.get("geometry")
    return Area(
        area_id=str(value["area_id"]),
        name=text_from_json(value.get("area_name")),
        zone=_int_or_none(value.get("zone")),
        address=address_from_json(location.get("address")),
        geometry=geometry_from_json(geometry),
        max_capacity=_int_or_none(value.get("max_capacity")),
        max_time_in_minutes=_int_or_none(value.get("max_time_in_minutes")),
        resident_parking_codes=tuple(str(code) for code in value.get("resident_parking_codes") or ()),
        special_parking_codes=tuple(str(code) for code in value.get("special_parking_codes") or ()),
        tariffs=tuple(tariff_from_json(row) for row in value.get("tariffs") or ()),
    )


def parking_from_json(value) -> Parking:
    """One parking resource (seed §6.5.3, §6.6.2)."""
    location = value.get("location") or {}
    return Parking(
        parking_id=str(value["parking_id"]),
        area_id=str(value["area_id"]),
        register_number=str(value["register_number"]),
        start=parse_timestamp(value["start_parking_date_time"]),
        stop=parse_timestamp(value["stop_parking_date_time"]),
        status=str(value["status"]),
        zone=_int_or_none(value.get("zone")),
        device_id=str(value.get("device_id") or ""),
        operator_id=str(value.get("operator_id") or ""),
        timestamp=parse_timestamp(value["timestamp"]) if value.get("timestamp") else None,
        area_name=text_from_json(value.get("area_name")),
        geometry=geometry_from_json(location.get("geometry")),
        resident_parking_code=value.get("resident_parking_code"),
        special_parking_code=value.get("special_parking_code"),
    )

"""The Helsinki mobile parking API's JSON (seed 002) as frozen pydantic v2 models.

Each model validates one object of the city's answers and exposes the typed
attributes the rest of the app reads (``Parking.start``, ``Area.geojson`` …).
``HelsinkiClient`` validates whole answers with the ``…Reply`` models; any
``pydantic.ValidationError`` is a bad answer from the city, while an error in
our own code is raised as itself (validators only ever raise ``ValueError``
for bad data).

Quirks of the seed read here:

* coordinates arrive latitude first (§2.5, against RFC 7946) and are held as
  (lon, lat), whatever order the city sent;
* an area's geometry sits beside ``location`` in the §6.3.3 example but
  inside it in the parkings' (§6.5.3): both are read;
* the after-regret update spells the area ``areaId`` (§6.7.3): a parking
  accepts both spellings;
* timestamps are documented without offset (``YYYY-MM-DD'T' hh:mm:ss``) but
  sent with one (§6.5.3 example); without one they are Helsinki time;
* names are ``{fi, sv, en}`` objects, except parkings' addresses, which are
  plain strings in the §6.5.3 example;
* prices are read from the JSON text as ``Decimal`` (``4.20`` stays 4.20).

Fields the seed does not list are ignored rather than refused: every answer
carries HATEOAS ``links`` (§2.4) and the city may add fields to a v1
resource; a missing required field or a value of the wrong type is refused.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AliasChoices,
    AliasPath,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    model_validator,
)

from webapp.core.clock import HELSINKI

LANGUAGES = ("fi", "sv", "en")


# -- plain functions of the wire format (also used by the client when writing) --------


def parse_timestamp(value: object) -> dt.datetime:
    """Parse the city's ISO 8601 timestamps robustly into aware datetimes.

    Accepts offsets (``+03:00``, ``+0300``, ``Z``), fractions, a space instead
    of ``T`` and stray spaces (the seed writes ``YYYY-MM-DD'T' hh:mm:ss``).
    A timestamp without offset is Helsinki local time.

    Args:
        value: the text the city sent.

    Returns:
        An aware datetime.

    Raises:
        ValueError: not a timestamp.
    """
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"not a timestamp: {value!r}")
    text = value.strip()
    if "T" not in text.upper():
        text = text.replace(" ", "T", 1)
    text = text.replace(" ", "").replace("t", "T").replace("z", "Z")
    parsed = dt.datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=HELSINKI)


def format_timestamp(value: dt.datetime) -> str:
    """An aware datetime in the seed's format, with its offset and whole seconds.

    Args:
        value: an aware datetime.

    Returns:
        ISO 8601 text such as ``2016-07-01T08:00:00+03:00``.

    Raises:
        ValueError: ``value`` is naive (its instant would be ambiguous).
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("timestamps sent to Helsinki must be timezone-aware")
    return value.isoformat(timespec="seconds")


def lon_lat(pair) -> tuple[float, float]:
    """One coordinate pair of the city as (lon, lat).

    Args:
        pair: two numbers, in either order.

    Returns:
        ``(lon, lat)`` as floats.
    """
    first, second = float(pair[0]), float(pair[1])
    # Seed §2.5 writes [60.19, 24.95]: latitude first. Everywhere in Finland the
    # latitude (59.5-70.1) is larger than the longitude (19-31.6), so the larger
    # value is taken as latitude; this keeps working if the city ever switches
    # to RFC 7946 order (and makes re-validating our own (lon, lat) a no-op).
    return (second, first) if first > second else (first, second)


def _timestamp(value: object) -> dt.datetime:
    # an aware datetime passes (models built in code); text goes through the seed's rules
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=HELSINKI)
    return parse_timestamp(value)


def _empty_if_none(value: object) -> object:
    return "" if value is None else value


def _no_items_if_none(value: object) -> object:
    return () if value is None else value


def _bool_or_none(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


Timestamp = Annotated[dt.datetime, PlainValidator(_timestamp)]
#: optional text the city may send as null
Text = Annotated[str, BeforeValidator(_empty_if_none)]
#: a list the city may send as null
Codes = Annotated[tuple[str, ...], BeforeValidator(_no_items_if_none)]
#: a position, validated as two numbers, then turned round into RFC 7946 (lon, lat) order (seed §2.5)
Position = Annotated[tuple[float, float], AfterValidator(lon_lat)]


class WireModel(BaseModel):
    """Base of the city's objects: frozen, unknown fields ignored, built by alias or by name."""

    model_config = ConfigDict(frozen=True, extra="ignore", validate_by_alias=True, validate_by_name=True)


# -- the city's objects ------------------------------------------------------------------


class LocalizedText(WireModel):
    """A text in the city's three languages (seed §4: names come as {fi, sv, en}).

    A plain string (parkings' addresses, seed §6.5.3 example) stands for all
    three languages; ``null`` is the empty text.
    """

    fi: Text = ""
    sv: Text = ""
    en: Text = ""

    @model_validator(mode="before")
    @classmethod
    def _from_wire(cls, value: object) -> object:
        if value is None:
            return {}
        if isinstance(value, str):
            return {"fi": value, "sv": value, "en": value}
        return value

    def get(self, language: str) -> str:
        """The text in ``language`` (fi/sv/en), falling back to English, then Finnish.

        Args:
            language: a language code.

        Returns:
            The text, or "" when the city sent none.
        """
        value = getattr(self, language, "") if language in LANGUAGES else ""
        return value or self.en or self.fi or self.sv


class Geometry(WireModel):
    """A GeoJSON Point or Polygon with coordinates in RFC 7946 (lon, lat) order.

    Attributes:
        type: "Point" or "Polygon".
        coordinates: ``(lon, lat)`` for a Point; a tuple of rings of
            ``(lon, lat)`` pairs for a Polygon.
    """

    type: Literal["Point", "Polygon"]
    coordinates: Position | tuple[tuple[Position, ...], ...]

    @model_validator(mode="after")
    def _shape_matches_type(self) -> Geometry:
        is_point = len(self.coordinates) == 2 and all(isinstance(c, float) for c in self.coordinates)
        if is_point != (self.type == "Point"):
            raise ValueError(f"coordinates do not form a {self.type}")
        if self.type == "Polygon" and not (self.coordinates and all(self.coordinates)):
            raise ValueError("a polygon needs rings of positions")
        return self

    def as_geojson(self) -> dict:
        """This geometry as an RFC 7946 GeoJSON object (longitude first), e.g. for Leaflet/folium.

        Returns:
            ``{"type": ..., "coordinates": ...}`` with lists, ready for JSON.
        """
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


class Address(WireModel):
    """Street address of an area or a parking."""

    street_address: LocalizedText = LocalizedText()
    postal_code: Text = ""
    city: LocalizedText = LocalizedText()


class Tariff(WireModel):
    """One priced window of an area (seed §6.3.3 ``tariffs``).

    Attributes:
        day_type: BUSINESS_DAY, SATURDAY or SUNDAY.
        name: the tariff's name in three languages.
        time_from: start hour as sent ("09"), from ``time.from``.
        time_until: end hour as sent ("21"; "24"/"00" mean midnight), from ``time.until``.
        hourly_price: euros per hour.
    """

    day_type: str
    name: LocalizedText = LocalizedText()
    time_from: str = Field(validation_alias=AliasPath("time", "from"))
    time_until: str = Field(validation_alias=AliasPath("time", "until"))
    hourly_price: Decimal


class Area(WireModel):
    """A parking area (seed §6.3)."""

    area_id: str
    name: LocalizedText = Field(default=LocalizedText(), validation_alias="area_name")
    zone: int | None = None
    address: Address | None = Field(default=None, validation_alias=AliasPath("location", "address"))
    # inside ``location`` as in the parkings (§6.5.3), or beside it as in the §6.3.3 example
    geometry: Geometry | None = Field(default=None, validation_alias=AliasChoices(
        AliasPath("location", "geometry"), "geometry"))
    max_capacity: int | None = None
    max_time_in_minutes: int | None = None
    resident_parking_codes: Codes = ()
    special_parking_codes: Codes = ()
    tariffs: Annotated[tuple[Tariff, ...], BeforeValidator(_no_items_if_none)] = ()

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


class DayType(WireModel):
    """Day type of one date (seed §6.4)."""

    date: dt.date
    day_type: str


class Parking(WireModel):
    """A parking at the city (seed §6.5.3); ``status`` as evaluated by the city at query time."""

    parking_id: str
    # §6.7.3 spells it areaId; everything else in the seed is snake_case
    area_id: str = Field(validation_alias=AliasChoices("area_id", "areaId"))
    register_number: str
    start: Timestamp = Field(validation_alias="start_parking_date_time")
    stop: Timestamp = Field(validation_alias="stop_parking_date_time")
    status: str
    zone: int | None = None
    device_id: Text = ""
    operator_id: Text = ""
    timestamp: Timestamp | None = None
    area_name: LocalizedText = LocalizedText()
    geometry: Geometry | None = Field(default=None, validation_alias=AliasPath("location", "geometry"))
    resident_parking_code: str | None = None
    special_parking_code: str | None = None

    @property
    def is_valid(self) -> bool:
        """Whether the city reported the parking as valid (paid and running)."""
        return self.status == "valid"


class Link(WireModel):
    """A HATEOAS link (seed §2.4)."""

    href: str
    method: str
    rel: str
    title: Text = ""


class RateLimit(WireModel):
    """One usage limit of the entry point (seed §6.1.3); ``reset`` in seconds."""

    resource: str
    limit: int
    remaining: int
    reset: int


class EntryPoint(WireModel):
    """The API entry point as seen with our token (seed §6.1)."""

    version: str
    status: str | None = None
    links: Annotated[tuple[Link, ...], BeforeValidator(_no_items_if_none)] = ()
    rate_limits: Annotated[tuple[RateLimit, ...], BeforeValidator(_no_items_if_none)] = ()

    @property
    def active(self) -> bool:
        """Whether the city considers our operator account active."""
        return self.status == "active"


# -- whole answers, as the client validates them ---------------------------------------------


class TokenReply(WireModel):
    """The answer of ``POST /authenticate`` (seed §3.1.2)."""

    token: str = Field(min_length=1)


class AreasReply(WireModel):
    """The answer of ``GET /areas`` (seed §6.3.2)."""

    areas: tuple[Area, ...]


class OneAreaReply(WireModel):
    """The answer of ``GET /areas/{area_id}``: the city wraps the one area in an ``areas`` list."""

    areas: tuple[Area, ...] = Field(min_length=1)

    @property
    def area(self) -> Area:
        """The area asked for."""
        return self.areas[0]


class DayTypesReply(WireModel):
    """The answer of ``GET /day_types`` (seed §6.4.2)."""

    day_types: tuple[DayType, ...]


class ParkingsReply(WireModel):
    """The answer of ``GET /parkings`` (seed §6.5.2)."""

    parkings: tuple[Parking, ...]


class ErrorItem(WireModel):
    """One element of an error answer's ``errors`` (seed §6.9.1.1).

    ``field`` and ``visible_to_user`` are optional in the seed's examples;
    a value of the wrong type there is read as absent rather than losing the
    city's error code.
    """

    code: int
    message: Text = ""
    field: Annotated[str | None, BeforeValidator(_str_or_none)] = None
    visible_to_user: Annotated[bool | None, BeforeValidator(_bool_or_none)] = None


class ErrorReply(WireModel):
    """An error answer: ``{"errors": [{code, message, field?, visible_to_user?}]}`` (seed §6.9)."""

    errors: tuple[ErrorItem, ...] = Field(min_length=1)

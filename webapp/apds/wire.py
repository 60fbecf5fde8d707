"""Pydantic models of the APDS platform's JSON (seed 003; the spec in shared/apds-spec/ where the seed is silent).

Only this module and ``client.py`` know the platform's field names. Quirks read here:

- names are ``{"en": …}`` objects in the seed but ``[{language, string}]`` arrays in the
  spec (MultilingualString); both are read (``Text``).
- instants may carry a stray space (``2021-11-01T 17:23:01Z``, seed §➌ step 7): spaces
  are dropped before parsing (``Instant``).
- a session's place is ``hierarchyElement`` in the seed and ``hierachyElement`` (sic) in
  the spec; credentials are ``credentials`` in the seed and ``identifiedCredentials`` in
  the spec: both are read, the seed's names are written.
- seed §➌ step 2 answers one assigned right as a bare object where the spec has a
  ``{meta, data}`` list: ``Page.from_body`` takes both.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field


def _text(value: Any, preferred: str = "en") -> str:
    """Read a multilingual name: seed ``{"en": …}`` or spec ``[{language, string}]``."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and value:
        return str(value.get(preferred) or next(iter(value.values())))
    if isinstance(value, list) and value:
        by_language = {item["language"]: item["string"] for item in value}
        return str(by_language.get(preferred) or value[0]["string"])
    if value in (None, {}, []):
        return ""
    raise ValueError(f"not a multilingual string: {value!r}")


def parse_instant(value: Any) -> datetime:
    """An ISO 8601 instant as aware UTC; spaces inside are dropped (seed §➌'s ``T 17:23:01Z``)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    text = "".join(str(value).split()).replace("Z", "+00:00")
    parsed = datetime.fromisoformat(text)
    try:
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+14:00 is before the first UTC instant: a ValueError for pydantic
        raise ValueError(f"instant out of range: {text[:40]}") from None


def format_instant(value: datetime) -> str:
    """The platform's instant form, ``2021-11-01T17:23:01Z`` (no stray space on our side)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


Text = Annotated[str, BeforeValidator(_text)]
Instant = Annotated[datetime, BeforeValidator(parse_instant)]


class Wire(BaseModel):
    """Base: unknown fields are ignored (the platform may send more than we read)."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class Ref(Wire):
    id: str
    version: int = 1


class Occupancy(Wire):
    """Free spaces now: the spec's ``occupancyLevel`` indicator plus the figures behind it."""

    indicator: str = ""
    total: int | None = None
    occupied: int | None = None
    available: int | None = None
    observed_at: datetime | None = None


class Place(Wire):
    """One element of the platform's place hierarchy (spec Place).

    Attributes:
        id: the platform's place id (used as ``place``/``hierarchyElement.id`` later).
        version: the element's version.
        name: display name, English when the platform offers it.
        latitude, longitude: indicative point, if the platform gave one.
        time_zone: IANA time zone of the place.
        address: one line of street address.
        right_specification_ids: right specifications sold at this place.
        occupancy: free spaces, when asked for (``expand=occupancy``).
    """

    id: str
    version: int
    name: str
    latitude: float | None = None
    longitude: float | None = None
    time_zone: str = ""
    address: str = ""
    right_specification_ids: tuple[str, ...] = ()
    occupancy: Occupancy | None = None

    @classmethod
    def from_body(cls, item: dict) -> Place:
        latitude, longitude = _point(item)
        address = item.get("placeStreetAddress") or {}
        lines = [line.get("text", "") for line in sorted(address.get("addressLines") or (),
                                                         key=lambda line: line.get("order", 0))]
        occupancy = None
        if "occupancyLevel" in item or "occupancy" in item:
            figures = item.get("occupancy") or {}
            indicator = ((item.get("occupancyLevel") or {}).get("occupancyIndicator") or {}).get("code", "")
            occupancy = Occupancy(indicator=indicator, total=figures.get("spacesTotal"),
                                  occupied=figures.get("spacesOccupied"), available=figures.get("spacesAvailable"),
                                  observed_at=parse_instant(figures["observationTime"])
                                  if figures.get("observationTime") else None)
        return cls(id=str(item["id"]), version=int(item["version"]), name=_text(item["name"]), latitude=latitude,
                   longitude=longitude, time_zone=str(item.get("timeZone", "")),
                   address=", ".join(filter(None, [*lines, address.get("city", "")])),
                   right_specification_ids=tuple(str(ref["id"]) for ref in item.get("rightSpecifications") or ()),
                   occupancy=occupancy)


def _point(item: dict) -> tuple[float | None, float | None]:
    """First indicative point: APDS pointCoordinates (x=lon, y=lat) or a GeoJSON Point."""
    for location in item.get("indicativePlacePointLocation") or ():
        coordinates = location.get("pointCoordinates")
        if coordinates:
            return float(coordinates["y"]), float(coordinates["x"])
        if location.get("type") == "Point":
            longitude, latitude = location["coordinates"][:2]
            return float(latitude), float(longitude)
    return None, None


class TimeOfDay(Wire):
    start: str = Field(validation_alias="startTimeOfPeriod")
    end: str = Field(validation_alias="endTimeOfPeriod")


class DayWeekMonth(Wire):
    applicable_day: tuple[str, ...] = Field(default=(), validation_alias="applicableDay")


class ValidPeriod(Wire):
    """When a right specification applies: days of the week and times of day (spec Period)."""

    name: Text = Field(default="", validation_alias="periodName")
    days: Any = Field(default=None, validation_alias="recurringDayWeekMonthPeriod")
    times: tuple[TimeOfDay, ...] = Field(default=(), validation_alias="recurringTimePeriodOfDay")

    @property
    def applicable_days(self) -> tuple[str, ...]:
        """Lower-case day names; empty means every day (spec DayWeekMonth)."""
        # the seed writes one DayWeekMonth object, the spec an array of them
        entries = self.days if isinstance(self.days, list) else [self.days] if self.days else []
        return tuple(day.lower() for entry in entries for day in (entry or {}).get("applicableDay", ()))


class RateEligibility(Wire):
    id: str
    version: int = 1
    rate: Ref


class RightSpecification(Wire):
    """A right specification (seed §➋ step 1): what may be bought where and when, and at which rate."""

    id: str
    version: int
    type: str = ""
    description: Text = ""
    expiry: Instant | None = None
    hierarchy_elements: tuple[Ref, ...] = Field(default=(), validation_alias="hierarchyElements")
    rate_eligibility: tuple[RateEligibility, ...] = Field(default=(), validation_alias="rateEligibility")
    validity: dict = Field(default_factory=dict)

    @property
    def rate_ids(self) -> tuple[str, ...]:
        return tuple(eligibility.rate.id for eligibility in self.rate_eligibility)

    @property
    def periods(self) -> tuple[ValidPeriod, ...]:
        return tuple(ValidPeriod.model_validate(p) for p in self.validity.get("validPeriods") or ())


class RateLine(Wire):
    """One rate line (spec RateLine); durations kept as the platform wrote them."""

    sequence: int
    kind: str = Field(validation_alias="rateLineType")
    value: Decimal
    description: Text = ""
    duration_start: str | None = Field(default=None, validation_alias="durationStart")
    duration_end: str | None = Field(default=None, validation_alias="durationEnd")
    increment_period: str | None = Field(default=None, validation_alias="incrementPeriod")
    min_value: Decimal | None = Field(default=None, validation_alias="minValue")
    max_value: Decimal | None = Field(default=None, validation_alias="maxValue")


class RateLineCollection(Wire):
    """A rate line collection (spec RateLineCollection); the seed leaves most fields out."""

    sequence: int = Field(default=1, validation_alias="collectionSequence")
    currency: str = Field(default="GBP", validation_alias="applicableCurrency")
    min_time: str | None = Field(default=None, validation_alias="minTime")
    max_time: str | None = Field(default=None, validation_alias="maxTime")
    min_value: Decimal | None = Field(default=None, validation_alias="minValueCollection")
    max_value: Decimal | None = Field(default=None, validation_alias="maxValueCollection")
    tax_included: bool = Field(default=True, validation_alias="taxIncluded")
    tax_rate: Decimal | None = Field(default=None, validation_alias="taxRate")
    valid_start: Instant | None = Field(default=None, validation_alias="validStart")
    valid_end: Instant | None = Field(default=None, validation_alias="validEnd")
    lines: tuple[RateLine, ...] = Field(validation_alias="rateLines")


class RateTable(Wire):
    """A rate table (seed §➋ step 2)."""

    id: str
    version: int
    name: Text = Field(default="", validation_alias="rateTableName")
    responsible_party: str = Field(default="", validation_alias="rateResponsibleParty")
    collections: tuple[RateLineCollection, ...] = Field(validation_alias="rateLineCollections")


class FinancialTransaction(Wire):
    segment_value: Decimal | None = Field(default=None, validation_alias="segmentValue")
    tax_included: bool | None = Field(default=None, validation_alias="taxIncluded")
    date_collected: Instant | None = Field(default=None, validation_alias="dateCollected")
    transaction_id: str | None = Field(default=None, validation_alias="transactionId")
    service_provider: Text = Field(default="", validation_alias="serviceProvider")


class Segment(Wire):
    id: str
    version: int = 1
    actual_start: Instant | None = Field(default=None, validation_alias="actualStart")
    actual_end: Instant | None = Field(default=None, validation_alias="actualEnd")
    transactions: tuple[FinancialTransaction, ...] = Field(default=(), validation_alias="financialTransactions")


class Credential(Wire):
    identifier: dict = Field(default_factory=dict)

    @property
    def plate(self) -> str:
        return str(self.identifier.get("id", ""))


class Session(Wire):
    """A parking session (seed §➊/§➌). ``raw`` keeps the whole body: a PUT sends it back changed."""

    id: str
    version: int
    actual_start: Instant = Field(validation_alias="actualStart")
    actual_end: Instant | None = Field(default=None, validation_alias="actualEnd")
    credentials: tuple[Credential, ...] = Field(default=(), validation_alias=AliasChoices(
        "credentials", "identifiedCredentials"))
    place: Ref | None = Field(default=None, validation_alias=AliasChoices("hierarchyElement", "hierachyElement"))
    segments: tuple[Segment, ...] = ()
    raw: dict = Field(default_factory=dict, exclude=True)

    @classmethod
    def from_body(cls, body: dict) -> Session:
        return cls.model_validate({**body, "raw": body})

    @property
    def plate(self) -> str:
        return self.credentials[0].plate if self.credentials else ""

    @property
    def transactions(self) -> tuple[FinancialTransaction, ...]:
        return tuple(t for segment in self.segments for t in segment.transactions)

    @property
    def amount(self) -> Decimal | None:
        """The sum of the segments' values (spec FinancialTransaction: sum per segment)."""
        values = [t.segment_value for t in self.transactions if t.segment_value is not None]
        return sum(values, Decimal(0)) if values else None

    @property
    def paid(self) -> bool:
        """Whether every transaction carries its collection date (the SP has paid)."""
        return bool(self.transactions) and all(t.date_collected for t in self.transactions)


class AssignedRight(Wire):
    """An assigned right (seed §➋ and §➌)."""

    id: str
    version: int
    right_holder: dict = Field(default_factory=dict, validation_alias="rightHolder")
    right_specification: Ref | None = Field(default=None, validation_alias="rightSpecification")
    issuance_time: Instant | None = Field(default=None, validation_alias="issuanceTime")
    expiry: Instant | None = None
    issuer: dict = Field(default_factory=dict, validation_alias="assignedRightIssuer")

    @property
    def plate(self) -> str:
        for credential in self.right_holder.get("credentials") or ():
            plate = (credential.get("identifier") or {}).get("id")
            if plate:
                return str(plate)
        return ""


class Subscription(Wire):
    """A webhook subscription (spec EventSubscription); ``secret`` only in the creation answer."""

    id: str
    version: int = 1
    endpoint: str
    topics: tuple[str, ...]
    secret: str | None = None


class Event(Wire):
    """One delivered event (spec EventData, with our ``eventId``)."""

    event_id: str = Field(validation_alias="eventId")
    subscription_id: str = Field(validation_alias="eventSubscriptionId")
    event_time: Instant = Field(validation_alias="eventTime")
    topic: str
    data: tuple[dict, ...] = Field(min_length=1)


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list (spec PaginatedListMeta + data)."""

    model_config = ConfigDict(frozen=True)

    reference_instant: int
    offset: int
    page_size: int
    total: int
    items: tuple[T, ...]


def page_from(body: dict, parse) -> Page:
    """A ``{meta, data}`` body — or seed §➌'s bare object, as a page of one."""
    if "meta" not in body and "data" not in body:
        item = parse(body)
        return Page(reference_instant=0, offset=0, page_size=1, total=1, items=(item,))
    meta = body["meta"]
    return Page(reference_instant=int(meta["referenceInstant"]), offset=int(meta["offset"]),
                page_size=int(meta["pageSize"]), total=int(meta["total"]),
                items=tuple(parse(item) for item in body["data"]))


def session_body(*, session_id: str, version: int, plate: str, place_id: str, start: datetime,
                 end: datetime | None, segment_id: str, value: Decimal | None = None, tax_included: bool = True,
                 transaction_id: str | None = None, date_collected: datetime | None = None,
                 service_provider: str = "", initiator: str | None = None, base: dict | None = None) -> dict:
    """A session as seed 003 writes it (§➊ POST, §➌ PUT), built on ``base`` (the platform's copy) if given."""
    segment: dict = {"id": segment_id, "version": 1, "actualStart": format_instant(start),
                     "validationType": ["licensePlate"]}
    if base and base.get("segments"):
        segment = {**base["segments"][-1], **{k: v for k, v in segment.items() if k != "version"}}
    if end is not None:
        segment["actualEnd"] = format_instant(end)
    if value is not None:
        transaction: dict = {"segmentValue": float(value), "serviceProvider": {"en": service_provider},
                             "taxIncluded": tax_included}
        if date_collected is not None:
            transaction["dateCollected"] = format_instant(date_collected)
        if transaction_id is not None:
            transaction["transactionId"] = transaction_id
        segment["financialTransactions"] = [transaction]
    body = dict(base or {})
    body.update({
        "id": session_id, "version": version, "actualStart": format_instant(start),
        "credentials": [{"identifier": {"id": plate, "className": "UKNumberPlate"}, "type": "licensePlate"}],
        "segments": [*((base or {}).get("segments") or [])[:-1], segment],
        "hierarchyElement": {"id": place_id, "version": 1},
    })
    if initiator is not None:
        body["initiator"] = {"id": initiator, "version": 1}
    if end is not None:
        body["actualEnd"] = format_instant(end)
    else:
        body.pop("actualEnd", None)
    return body


def assigned_right_body(*, right_id: str, plate: str, right_specification_id: str, issued: datetime,
                        expiry: datetime | None, issuer: str) -> dict:
    """An assigned right as seed 003 §➌ step 1 posts it."""
    body = {"id": right_id, "version": 1,
            "rightHolder": {"credentials": [{"type": "licensePlate",
                                             "identifier": {"id": plate, "className": "UKNumberPlate"}}]},
            "rightSpecification": {"id": right_specification_id, "version": 1},
            "issuanceTime": format_instant(issued),
            "assignedRightIssuer": {"id": issuer, "className": "DigitalServiceProvider"},
            "issueMethod": "electronic"}
    if expiry is not None:
        body["expiry"] = format_instant(expiry)
    return body

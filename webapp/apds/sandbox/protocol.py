"""The platform's conventions, shared by every part of the sandbox: errors, instants, paging, query parameters.

Also the three things a request handler reads from the sandbox app: its store, its
clock and its fault switch (``create_sandbox`` puts them in ``app.extensions``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app, jsonify, request
from sqlalchemy import Engine

from webapp.core.sandbox_kit import FaultSwitch

PAGE_SIZE = 100

# expand value (spec: components/parameters/places_expand) -> optional Place
# attributes it adds; "all" adds every one, "none" (the default) none.
EXPAND_ATTRIBUTES = {
    "rightSpecifications": ("rightSpecifications",),
    "pointLocation": ("indicativePlacePointLocation",),
    "streetAddress": ("placeStreetAddress",),
    "areaLocation": ("placeBoundedZone",),
    "occupancy": ("occupancyLevel", "occupancy"),
    "contacts": (),
    "operatingRestrictions": (),
    "characteristics": ("supply",),
    "paymentMethods": (),
    "openingTimes": (),
}
OPTIONAL_ATTRIBUTES = frozenset(name for names in EXPAND_ATTRIBUTES.values() for name in names)


def store() -> Engine:
    """The platform's database (``apds_platform.sqlite3``)."""
    return current_app.extensions["apds_store"]


def now() -> datetime:
    """The platform's clock (tests replace ``extensions["apds_clock"]``)."""
    return current_app.extensions["apds_clock"]()


def faults() -> FaultSwitch:
    """The sandbox's fault switch (``core.sandbox_kit``)."""
    return current_app.extensions["faults"]


class ApdsRequestError(Exception):
    """A request the platform refuses; rendered as a ResponseStatus body."""

    def __init__(self, code: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.headers = headers or {}


def status_body(code: int, message: str):
    """A ResponseStatus error body (the spec's) and its status."""
    return jsonify({"status": "error", "code": code, "message": message}), code


def ok(code: int, message: str):
    """A ResponseStatus success body: 201 Created or 200 OK."""
    return jsonify({"code": code, "status": "Created" if code == 201 else "OK", "message": message}), code


def parse_instant(value: str) -> datetime:
    """An ISO 8601 instant; tolerates the seed's stray space (``2021-11-01T 17:23:01Z``, §➌)."""
    text = "".join(str(value).split()).replace("Z", "+00:00")
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def iso(when: datetime) -> str:
    """An instant as the platform writes it: UTC, whole seconds, ``Z``."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def json_body() -> dict:
    """The request's JSON object, else 400."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApdsRequestError(400, "the body must be a JSON object")
    return body


def meta(offset: int, limit: int, total: int) -> dict:
    """The PaginatedListMeta of a list answer."""
    return {"referenceInstant": int(datetime.now(UTC).timestamp()), "offset": offset, "pageSize": limit,
            "total": total}


def paging() -> tuple[int, int]:
    """``(offset, limit)`` of a list request, else 400."""
    try:
        offset = int(request.args.get("offset", 0))
        limit = int(request.args.get("limit", PAGE_SIZE))
    except ValueError:
        raise ApdsRequestError(400, "offset and limit must be integers") from None
    if offset < 0 or not 1 <= limit <= PAGE_SIZE:
        raise ApdsRequestError(400, f"offset must be 0 or more and limit 1..{PAGE_SIZE}")
    return offset, limit


def list_arg(name: str) -> list[str]:
    """A comma-separated list parameter (spec: style form, explode false)."""
    return [v.strip() for raw in request.args.getlist(name) for v in raw.split(",") if v.strip()]


#: the instants an ISO 8601 date-time can write (years 1 to 9999, UTC), as Unix seconds
FIRST_INSTANT = int(datetime(1, 1, 1, tzinfo=UTC).timestamp())
LAST_INSTANT = int(datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp())


def instant_arg(name: str, now) -> int | None:
    """Unix seconds (the spec), an ISO instant, or ``now`` (the seed's ``start_before=now``).

    An instant outside years 1 to 9999 is a 400 like any unreadable one: ``end_after=2**65``
    overflowed the store's 64-bit integers (a 500, the only one of the spec's 602 generated cases).
    """
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    if raw == "now":
        return int(now().timestamp())
    try:
        seconds = int(raw)
    except ValueError:
        try:
            seconds = int(parse_instant(raw).timestamp())
        except (ValueError, OverflowError):
            raise ApdsRequestError(400, f"{name} must be Unix seconds, an ISO 8601 instant or 'now'") from None
    if not FIRST_INSTANT <= seconds <= LAST_INSTANT:
        raise ApdsRequestError(400, f"{name} must be an instant between the years 1 and 9999")
    return seconds


def unauthorized(message: str, challenge: str):
    """A 401 with its ``WWW-Authenticate`` challenge."""
    body, status = status_body(401, message)
    body.headers["WWW-Authenticate"] = challenge  # RFC 6750 §3
    return body, status


def search_point() -> tuple[float, float, int] | None:
    """latitude/longitude/radius: all three or none (spec: each is mandatory if another is given)."""
    given = {name: request.args.get(name) for name in ("latitude", "longitude", "radius")}
    if all(value in (None, "") for value in given.values()):
        return None
    missing = [name for name, value in given.items() if value in (None, "")]
    if missing:
        raise ApdsRequestError(400, f"{', '.join(missing)} required with latitude/longitude/radius")
    try:
        latitude, longitude = float(given["latitude"]), float(given["longitude"])
    except ValueError:
        raise ApdsRequestError(400, "latitude and longitude must be numbers") from None
    try:
        radius = int(given["radius"])
    except ValueError:
        raise ApdsRequestError(400, "radius must be an integer number of metres") from None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ApdsRequestError(400, "latitude/longitude out of range")
    if radius < 0:
        raise ApdsRequestError(400, "radius must be 0 or more")
    return latitude, longitude, radius


def expand_attributes() -> frozenset[str]:
    """The optional Place attributes the ``expand`` parameter asks for, else 400."""
    values = {value.strip() for raw in request.args.getlist("expand") for value in raw.split(",") if value.strip()}
    unknown = values - set(EXPAND_ATTRIBUTES) - {"all", "none"}
    if unknown:
        raise ApdsRequestError(400, f"unknown expand value: {', '.join(sorted(unknown))}")
    if "all" in values:
        return OPTIONAL_ATTRIBUTES
    return frozenset(name for value in values - {"none"} for name in EXPAND_ATTRIBUTES[value])

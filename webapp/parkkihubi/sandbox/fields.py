"""The hub's parking serializer, emulated: field parsing, defaults, DRF's messages, the grace rule.

Mirrors ``OperatorAPIParkingSerializer`` of parkkihubi 4.0.0 as observed over HTTP
(``shared/parkkihubi-operator-api.md``, *Parking object*, *Times*, *Grace period*, *Errors seen on
parking endpoints*): every field is parsed first and all field errors are reported together
(400, ``{field: [messages]}`` in the serializer's field order); then the grace period is checked
(403 ``grace_period_over``), then the times' order (400 ``non_field_errors``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from webapp.core.sandbox_kit import read_json

#: the serializer's writable fields, in its order (errors come back in this order)
FIELDS = ("location", "terminal_number", "registration_number", "time_start", "time_end", "zone",
          "is_disc_parking", "domain")
#: what a full write (POST, PUT) puts in a field left out (``extra_kwargs`` defaults, *Grace period*)
DEFAULTS = {"location": None, "terminal_number": "", "time_end": None, "is_disc_parking": False, "domain": "HKI"}
NULLABLE = frozenset({"location", "time_end"})
DOMAINS = frozenset({"HKI"})
#: (domain, code, name) of the payment zones: the peer's three synthetic zones
ZONES = (("HKI", "1", "Maksuvyöhyke 1"), ("HKI", "2", "Maksuvyöhyke 2"), ("HKI", "3", "Maksuvyöhyke 3"))

REQUIRED = "This field is required."
NOT_NULL = "This field may not be null."
BLANK = "This field may not be blank."
WRONG_DATETIME = ("Datetime has wrong format. Use one of these formats instead: "
                  "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].")
NOT_GEOMETRY = "Unable to convert to python object: String input unrecognized as WKT EWKT, and HEXEWKB."
NOT_GEOJSON = ('Unable to convert to python object: Invalid geometry pointer returned from '
               '"OGR_G_CreateGeometryFromJson".')
TIME_ORDER = '"time_start" cannot be after "time_end".'
GRACE_OVER = 'Grace period has passed. Only "time_end" can be updated via PATCH.'
_WKT_POINT = re.compile(r"^\s*POINT\s*\(\s*(-?[\d.]+)\s+(-?[\d.]+)\s*\)\s*$", re.IGNORECASE)


class GraceOverError(Exception):
    """403 ``grace_period_over``."""


class GeometryCrashError(Exception):
    """The hub answers a geometry its point column cannot hold (a polygon, a 3-D point) with an HTML 500:
    a server-side bug we emulate."""


def _char(value: object, max_length: int, allow_blank: bool) -> tuple[str | None, str | None]:
    # DRF CharField: numbers become text, anything else is refused; whitespace is trimmed
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None, "Not a valid string."
    text = str(value).strip()
    if not text and not allow_blank:
        return None, BLANK
    if len(text) > max_length:
        return None, f"Ensure this field has no more than {max_length} characters."
    return text, None


def parse_datetime(value: object) -> datetime | None:
    """DRF's DateTimeField on Django 5: ISO 8601 (``T`` or a space, ``Z``/``+HH:MM``/``+HHMM``, any
    fraction, a bare date as midnight); without an offset the time is UTC (*Times*). None if unreadable."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _location(value: object) -> tuple[dict | None, str | None]:
    # rest_framework_gis hands the value to GEOSGeometry: text as WKT (or GeoJSON text), a dict as GeoJSON,
    # anything else is refused with its Python type in the message (as the peer answered)
    if isinstance(value, str):
        match = _WKT_POINT.match(value)
        if match:
            return {"type": "Point", "coordinates": [float(match[1]), float(match[2])]}, None
        if not value.strip().startswith("{"):
            return None, NOT_GEOMETRY
        try:
            value = read_json(value)
        except ValueError:
            return None, NOT_GEOJSON
    if not isinstance(value, dict):
        return None, f"Unable to convert to python object: Improper geometry input type: {type(value)}"
    kind = value.get("type")
    coordinates = value.get("coordinates")
    if kind in ("Polygon", "MultiPolygon", "LineString", "MultiLineString", "MultiPoint", "GeometryCollection"):
        raise GeometryCrashError(kind)
    if (kind != "Point" or not isinstance(coordinates, list) or len(coordinates) not in (2, 3)
            or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in coordinates)):
        return None, NOT_GEOJSON
    if len(coordinates) == 3:
        raise GeometryCrashError("3-D point")  # the peer's 500: a 2-D point column
    # no range or zone check: swapped [lat, lon] is accepted (*Parking object*)
    return {"type": "Point", "coordinates": [float(c) for c in coordinates]}, None


def _boolean(value: object) -> tuple[bool | None, str | None]:
    if value in (True, 1, "1", "true", "True", "TRUE", "yes", "on"):
        return True, None
    if value in (False, 0, "0", "false", "False", "FALSE", "no", "off", ""):
        return False, None
    return None, "Must be a valid boolean."


def _slug(value: object, codes: set[str], name: str = "code") -> tuple[str | None, str | None]:
    # a lookup by the value as Django casts it; whatever it was, the message shows it as Python prints it
    text = str(value) if isinstance(value, str | int | float) and not isinstance(value, bool) else None
    if text is None or text not in codes:
        return None, f"Object with {name}={value} does not exist."
    return text, None


def validate(body: dict, *, partial: bool, instance: dict | None, now: datetime,
             grace: timedelta) -> tuple[dict, dict[str, list[str]]]:
    """Validate a parking body as the hub's serializer does.

    Args:
        body: the request's parsed body (unknown and read-only keys are ignored).
        partial: a PATCH (no defaults, nothing required).
        instance: the stored parking (an update), or None (a create).
        now: the hub's clock.
        grace: how long after its creation a parking may change freely.

    Returns:
        ``(data, errors)``: the validated fields, and DRF's error map (empty when valid).

    Raises:
        GraceOverError: the grace period has passed and the change is not exactly ``time_end``.
        GeometryCrashError: a polygon or a 3-D point as location (the hub's 500).
    """
    disc = body.get("is_disc_parking") in (True, "true", "True", "1", 1)
    # the zone is looked up in the requested domain; a null domain has no zones (the peer's answer)
    domain = body.get("domain", "HKI")
    zone_codes = {code for zone_domain, code, _name in ZONES if zone_domain == domain}
    required = {"registration_number", "time_start"} | ({"location"} if disc else {"zone"})
    data: dict = {}
    errors: dict[str, list[str]] = {}
    for field in FIELDS:
        if field not in body:
            if partial:
                continue
            if field in required:
                errors[field] = [REQUIRED]
            elif field in DEFAULTS:
                data[field] = DEFAULTS[field]
            continue
        value = body[field]
        if value is None:
            if field in NULLABLE:
                data[field] = None
            else:
                errors[field] = [NOT_NULL]
            continue
        if field == "registration_number":
            parsed, error = _char(value, 20, allow_blank=False)
        elif field == "terminal_number":
            parsed, error = _char(value, 50, allow_blank=True)
        elif field in ("time_start", "time_end"):
            parsed = parse_datetime(value)
            error = None if parsed is not None else WRONG_DATETIME
        elif field == "zone":
            parsed, error = _slug(value, zone_codes)
        elif field == "domain":
            parsed, error = _slug(value, set(DOMAINS))
        elif field == "location":
            parsed, error = _location(value)
        else:
            parsed, error = _boolean(value)
        if error:
            errors[field] = [error]
        else:
            data[field] = parsed
    if errors:
        return data, errors
    if instance is not None and now - instance["created_at"] > grace and set(data) != {"time_end"}:
        raise GraceOverError
    time_start = data.get("time_start", instance["time_start"] if instance else None)
    time_end = data["time_end"] if "time_end" in data else (instance["time_end"] if instance else None)
    if time_start is not None and time_end is not None and time_start > time_end:
        return data, {"non_field_errors": [TIME_ORDER]}
    return data, {}

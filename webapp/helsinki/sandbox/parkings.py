"""Parkings: query, create, update, cancel (seed §6.5–§6.8)."""

from __future__ import annotations

import re
import uuid

from flask import Blueprint, Response, current_app, g, request

from webapp.helsinki.sandbox import data
from webapp.helsinki.sandbox.errors import ApiError
from webapp.helsinki.sandbox.protocol import (
    endpoint,
    format_instant,
    json_body,
    now,
    parking_links,
    parse_instant,
    reply,
)

bp = Blueprint("helsinki_parkings", __name__, url_prefix="/api/v1")

GUID = re.compile(r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$")
# Finnish plates look like ABC-123, but foreign and special plates differ:
# letters (incl. Å Ä Ö), digits, inner dashes or spaces, at most 12 characters.
REGISTER_NUMBER = re.compile(r"^[A-ZÅÄÖ0-9](?:[A-ZÅÄÖ0-9 -]{0,10}[A-ZÅÄÖ0-9])?$")
QUERY_FIELDS = ("area_id", "register_number", "status", "start_parking_date_time", "stop_parking_date_time")
#: fields that may no longer change after the regret time (seed §6.7: "then only the stop time");
#: area id, stop and timestamp are the after-regret fields of §6.7.3, where the
#: area id is spelled ``areaId``
COMPARED_FIELDS = {"device_id", "location", "operator_id", "register_number", "resident_parking_code",
                   "special_parking_code", "zone", "start_parking_date_time"}


def _store():
    return current_app.extensions["helsinki_store"]


def _regret_seconds() -> int:
    return int(current_app.config["HELSINKI_REGRET_SECONDS"])


def render(row: dict, now_ts: int) -> dict:
    """A stored parking as the seed's resource (§6.5.3), status evaluated now (§6.5.4)."""
    area = data.areas_by_id().get(row["area_id"], {})
    body = {
        "area_id": row["area_id"],
        "area_name": area.get("area_name", {}),
        "device_id": row["device_id"],
        "location": row["location"],
        "operator_id": row["operator_id"],
        "parking_id": row["parking_id"],
        "register_number": row["register_number"],
        "start_parking_date_time": format_instant(row["start_ts"]),
        "status": "valid" if row["start_ts"] <= now_ts < row["stop_ts"] else "not_valid",
        "stop_parking_date_time": format_instant(row["stop_ts"]),
        "timestamp": format_instant(row["timestamp_ts"]),
        "zone": row["zone"],
    }
    for optional in ("resident_parking_code", "special_parking_code"):
        if row.get(optional):
            body[optional] = row[optional]
    return body


def _text(body: dict, name: str, code: int = 1201) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ApiError(code, field=name)
    return value.strip()


def _is_pair(point: object) -> bool:
    return (isinstance(point, list) and len(point) == 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in point))


def _valid_geometry(geometry: object) -> bool:
    if not isinstance(geometry, dict):
        return False
    coordinates = geometry.get("coordinates")
    if geometry.get("type") == "Point":
        return _is_pair(coordinates)
    if geometry.get("type") == "Polygon":
        return (isinstance(coordinates, list) and bool(coordinates)
                and all(isinstance(ring, list) and len(ring) >= 4 and all(_is_pair(p) for p in ring)
                        for ring in coordinates))
    return False


def validated(body: dict) -> dict:
    """Check a whole parking (creation, or update within the regret time).

    The seed's own checks come first, in its order (§6.6.1): area given,
    register number given, start not after stop; then the other required
    fields of §6.6.1.1, reported with 1201 and the field name since the seed
    has no dedicated codes for them.

    Returns:
        The column values of the parking (without id and owner).
    """
    area_id = _text(body, "area_id")
    area = data.areas_by_id().get(area_id)
    if area is None:
        # no code for "unknown area" in the seed: the query is incomplete
        # without a usable area, so 1201 with the field, as 400
        raise ApiError(1201, field="area_id")
    register_number = body.get("register_number")
    if not isinstance(register_number, str) or not REGISTER_NUMBER.match(register_number.strip().upper()):
        raise ApiError(1203, field="register_number")
    start = parse_instant(body.get("start_parking_date_time"))
    if start is None:
        raise ApiError(1206, field="start_parking_date_time")
    stop = parse_instant(body.get("stop_parking_date_time"))
    if stop is None:
        raise ApiError(1207, field="stop_parking_date_time")
    if start > stop:
        raise ApiError(1206, field="start_parking_date_time")
    device_id = _text(body, "device_id")
    location = body.get("location")
    if not isinstance(location, dict) or not _valid_geometry(location.get("geometry")):
        raise ApiError(1201, field="location.geometry")
    operator_id = _text(body, "operator_id")
    timestamp = parse_instant(body.get("timestamp"))
    if timestamp is None:
        raise ApiError(1201, field="timestamp")
    zone = body.get("zone")
    # the payment zone must be the area's own (seed §6.3.3 gives each area one zone)
    if not isinstance(zone, int) or isinstance(zone, bool) or zone != area["zone"]:
        raise ApiError(1201, field="zone")
    codes = {}
    for optional in ("resident_parking_code", "special_parking_code"):
        value = body.get(optional)
        if value is not None and not isinstance(value, str):
            raise ApiError(1201, field=optional)
        codes[optional] = value or None
    return {
        "area_id": area_id, "device_id": device_id, "location": location, "operator_id": operator_id,
        "register_number": register_number.strip().upper(), "start_ts": int(start.timestamp()),
        "stop_ts": int(stop.timestamp()), "timestamp_ts": int(timestamp.timestamp()), "zone": zone, **codes,
    }


@bp.get("/parkings")
@endpoint("/parkings", "parkings:read")
def query():
    """The caller's parkings matching the filters (seed §6.5).

    A query without any filter is refused with 1201 ("incomplete query"), and
    one that matches nothing with 404/1110 (seed §6.9.2.2, visible to user).
    """
    given = {name: request.args[name].strip() for name in QUERY_FIELDS if request.args.get(name, "").strip()}
    if not given:
        raise ApiError(1201)
    status = given.get("status")
    if status is not None and status not in {"valid", "not_valid"}:
        raise ApiError(1201, field="status")
    bounds = {}
    for name, code in (("start_parking_date_time", 1206), ("stop_parking_date_time", 1207)):
        if name in given:
            parsed = parse_instant(given[name])
            if parsed is None:
                raise ApiError(code, field=name)
            bounds[name] = int(parsed.timestamp())
    now_ts = int(now().timestamp())
    register_number = given.get("register_number")
    with _store().read() as conn:
        rows = _store().find_parkings(
            conn, g.operator["username"], area_id=given.get("area_id"),
            register_number=register_number.upper() if register_number else None, status=status,
            start_ts=bounds.get("start_parking_date_time"), stop_ts=bounds.get("stop_parking_date_time"),
            now_ts=now_ts)
    if not rows:
        raise ApiError(1110)
    return reply({"parkings": [render(row, now_ts) for row in rows]})


@bp.post("/parkings")
@endpoint("/parkings", "parkings:write")
def create():
    """Create a parking; 201 with the whole resource (seed §6.6)."""
    values = validated(json_body())
    now_ts = int(now().timestamp())
    row = {"parking_id": str(uuid.uuid4()).upper(), "owner": g.operator["username"], "created_ts": now_ts, **values}
    with _store().write() as conn:
        _store().insert_parking(conn, row)
    current_app.extensions["faults"].after_commit()
    response = reply(render(row, now_ts), 201, parking_links(row["parking_id"]))
    response.headers["Location"] = f"/api/v1/parkings/{row['parking_id']}"
    return response


@bp.put("/parkings")
@bp.delete("/parkings")
@endpoint("/parkings", "parkings:write")
def without_id():
    """Update or cancel without an id: the id is required (seed §6.7.1 check 1)."""
    raise ApiError(1202, field="parking_id")


def _owned_parking(conn, parking_id: str) -> dict:
    if not GUID.match(parking_id):
        raise ApiError(1202, field="parking_id")
    row = _store().get_parking(conn, parking_id.upper())
    if row is None:
        raise ApiError(1200, field="parking_id")
    if row["owner"] != g.operator["username"]:
        raise ApiError(1205, field="parking_id")
    return row


def _same(name: str, value: object, row: dict) -> bool:
    """Whether an echoed field equals the stored value (after-regret updates)."""
    if name == "start_parking_date_time":
        parsed = parse_instant(value)
        return parsed is not None and int(parsed.timestamp()) == row["start_ts"]
    if name == "register_number":
        return isinstance(value, str) and value.strip().upper() == row["register_number"]
    return value == row.get(name)


def _after_regret(row: dict, body: dict, now_ts: int) -> dict:
    """Only the stop time may change after the regret time (seed §6.7, §6.7.3)."""
    area_id = body.get("area_id", body.get("areaId"))
    if area_id is None:
        raise ApiError(1201, field="areaId")
    if area_id != row["area_id"]:
        raise ApiError(1204, field="area_id")
    for name, value in body.items():
        # the caller may echo the whole resource; only real changes are refused
        if name in COMPARED_FIELDS and not _same(name, value, row):
            raise ApiError(1204, field=name)
    stop = parse_instant(body.get("stop_parking_date_time"))
    if stop is None or int(stop.timestamp()) < max(now_ts, row["start_ts"]):
        raise ApiError(1207, field="stop_parking_date_time")
    timestamp = parse_instant(body.get("timestamp"))
    if timestamp is None:
        raise ApiError(1201, field="timestamp")
    return {"stop_ts": int(stop.timestamp()), "timestamp_ts": int(timestamp.timestamp())}


@bp.put("/parkings/<parking_id>")
@endpoint("/parkings", "parkings:write")
def update(parking_id: str):
    """Change a parking: anything within the regret time, then only the stop (seed §6.7)."""
    body = json_body()
    if "parking_id" in body and str(body["parking_id"]).upper() != parking_id.upper():
        raise ApiError(1202, field="parking_id")
    if "area_id" not in body and "areaId" in body:
        body["area_id"] = body["areaId"]
    now_ts = int(now().timestamp())
    with _store().write() as conn:
        row = _owned_parking(conn, parking_id)
        if now_ts < row["start_ts"] + _regret_seconds():
            current = render(row, now_ts)
            values = validated({**current, **body})
            # seed §6.7.1 check 2 applies to every update: the stop may not be past
            if values["stop_ts"] < now_ts:
                raise ApiError(1207, field="stop_parking_date_time")
        else:
            values = _after_regret(row, body, now_ts)
        row.update(values)
        _store().update_parking(conn, row["parking_id"], row)
    current_app.extensions["faults"].after_commit()
    return reply(render(row, now_ts), 200, parking_links(row["parking_id"]))


@bp.delete("/parkings/<parking_id>")
@endpoint("/parkings", "parkings:write")
def cancel(parking_id: str):
    """Cancel within the regret time: 204; afterwards 1204 (seed §6.8)."""
    now_ts = int(now().timestamp())
    with _store().write() as conn:
        row = _owned_parking(conn, parking_id)
        if now_ts >= row["start_ts"] + _regret_seconds():
            raise ApiError(1204, field="parking_id")
        _store().delete_parking(conn, row["parking_id"])
    current_app.extensions["faults"].after_commit()
    return Response(status=204)

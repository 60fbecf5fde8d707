"""The platform's catalogue: places (search by distance, ``expand``, live occupancy), right specifications, rates."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import select

from webapp.apds.sandbox import occupancy
from webapp.apds.sandbox.protocol import (
    OPTIONAL_ATTRIBUTES,
    ApdsRequestError,
    expand_attributes,
    iso,
    meta,
    now,
    paging,
    search_point,
    store,
)
from webapp.apds.sandbox.store import find_places, get_document, get_place, rates, rights, sessions

bp = Blueprint("places_api", __name__)


def occupancy_of(place_id: str, capacity: int) -> dict:
    when = now()
    with store().connect() as conn:
        inside = len(conn.execute(select(sessions.c.id).where(sessions.c.place_id == place_id,
                                                              sessions.c.end_ts.is_(None))).all())
    taken = occupancy.occupied(place_id, capacity, when, inside)
    share = taken / capacity if capacity else 1.0
    indicator = "full" if share >= 0.98 else "almostFull" if share >= 0.85 else "available"
    return {"occupancyLevel": {"occupancyIndicator": {"codeListName": "occupancyIndicator", "code": indicator}},
            # our extension: the figures behind the indicator (the spec's OccupancyLevel has only the code)
            "occupancy": {"spacesTotal": capacity, "spacesOccupied": taken,
                          "spacesAvailable": max(0, capacity - taken), "observationTime": iso(when)}}


def place_document(row, expand: frozenset[str]) -> dict:
    document = dict(row.document)
    if "occupancyLevel" in expand:
        document.update(occupancy_of(document["id"], row.capacity))
    return {key: value for key, value in document.items() if key not in OPTIONAL_ATTRIBUTES or key in expand}


@bp.get("/v1/parking/places")
def list_places():
    near = search_point()
    expand = expand_attributes()
    rows = find_places(store(), near)
    offset, limit = paging()
    data = [place_document(row, expand) for row in rows[offset:offset + limit]]
    return jsonify({"meta": meta(offset, limit, len(rows)), "data": data})


@bp.get("/v1/parking/places/<place_id>")
def one_place(place_id: str):
    row = get_place(store(), place_id)
    if row is None:
        raise ApdsRequestError(404, f"place {place_id} not found")
    return jsonify(place_document(row, expand_attributes()))


@bp.get("/v1/parking/rights/specs/<right_id>")
@bp.get("/v1/parking/rights/<right_id>")
def one_right(right_id: str):
    document = get_document(store(), rights, right_id)
    if document is None:
        raise ApdsRequestError(404, f"right specification {right_id} not found")
    return jsonify(document)


@bp.get("/v1/parking/rates/<rate_id>")
def one_rate(rate_id: str):
    document = get_document(store(), rates, rate_id)
    if document is None:
        raise ApdsRequestError(404, f"rate table {rate_id} not found")
    return jsonify(document)

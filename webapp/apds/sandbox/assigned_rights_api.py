"""Assigned rights: posted by a service provider (ticketless), or made by the platform for a session; queried paged."""

from __future__ import annotations

import json

from flask import Blueprint, jsonify
from sqlalchemy import select

from webapp.apds.sandbox.protocol import (
    PAGE_SIZE,
    ApdsRequestError,
    faults,
    instant_arg,
    json_body,
    list_arg,
    meta,
    now,
    ok,
    paging,
    parse_instant,
    store,
)
from webapp.apds.sandbox.sessions_api import camera_plate, plate_of
from webapp.apds.sandbox.store import assigned, get_document, rights
from webapp.apds.sandbox.webhooks import emit

bp = Blueprint("assigned_rights_api", __name__)


@bp.post("/v1/parking/rights/assigned")
def create_assigned_right():
    body = json_body()
    if not isinstance(body.get("id"), str) or not body["id"]:
        raise ApdsRequestError(400, "id is required")
    if not isinstance(body.get("version"), int):
        raise ApdsRequestError(400, "version must be an integer")
    plate = plate_of((body.get("rightHolder") or {}).get("credentials"))
    spec_id = (body.get("rightSpecification") or {}).get("id")
    spec = get_document(store(), rights, str(spec_id)) if spec_id else None
    if spec is None:
        raise ApdsRequestError(400, f"unknown right specification {spec_id}")
    try:
        issued = parse_instant(body["issuanceTime"]) if body.get("issuanceTime") else now()
        expiry = parse_instant(body["expiry"]) if body.get("expiry") else None
    except (ValueError, TypeError, OverflowError):
        raise ApdsRequestError(400, "issuanceTime and expiry must be ISO 8601 instants") from None
    place_id = spec["hierarchyElements"][0]["id"]
    with store().begin() as conn:
        if conn.execute(select(assigned.c.id).where(assigned.c.id == body["id"])).first() is not None:
            raise ApdsRequestError(409, f"assigned right {body['id']} already exists")
        conn.execute(assigned.insert().values(
            id=body["id"], version=body["version"], place_id=place_id, plate=plate,
            issued_ts=int(issued.timestamp()), expiry_ts=int(expiry.timestamp()) if expiry else None,
            document=json.dumps(body)))
        emit(conn, "AssignedRightCreated", body, place_id)
    faults().after_commit()
    return ok(201, f"assigned right {body['id']} created")


def assigned_places(document: dict) -> set[str]:
    spec = get_document(store(), rights, (document.get("rightSpecification") or {}).get("id", "")) or {}
    return {ref["id"] for ref in spec.get("hierarchyElements") or ()}


def query_assigned(place_ids: list[str], plates: list[str], start_after: int | None) -> list[dict]:
    query = select(assigned).order_by(assigned.c.seq)
    if plates:
        query = query.where(assigned.c.plate.in_([camera_plate(p) for p in plates]))
    if start_after is not None:
        # "valid after the instant": not yet expired by then (or never expiring)
        query = query.where(assigned.c.expiry_ts.is_(None) | (assigned.c.expiry_ts > start_after))
    with store().connect() as conn:
        rows = conn.execute(query).all()
    found = [json.loads(r.document) for r in rows]
    if place_ids:
        found = [d for d in found if assigned_places(d) & set(place_ids)]
    return found


@bp.get("/v1/parking/rights/assigned")
def list_assigned_rights():
    plates = list_arg("credential_id") or list_arg("identifier_id")
    found = query_assigned(list_arg("place"), plates, instant_arg("start_after", now))
    offset, limit = paging()
    return jsonify({"meta": meta(offset, limit, len(found)), "data": found[offset:offset + limit]})


@bp.get("/v1/parking/rights/assigned/<path:right_id>")
def one_assigned_right(right_id: str):
    if right_id.startswith("place="):
        # seed 003 §➌ step 2 writes the query into the path: /rights/assigned/place={id}&identifier_id={VRM}
        params = dict(part.partition("=")[::2] for part in right_id.split("&"))
        found = query_assigned([params.get("place", "")], [params.get("identifier_id", "")], None)
        return jsonify({"meta": meta(0, PAGE_SIZE, len(found)), "data": found[:PAGE_SIZE]})
    with store().connect() as conn:
        row = conn.execute(select(assigned.c.document).where(assigned.c.id == right_id)).first()
    if row is None:
        raise ApdsRequestError(404, f"assigned right {right_id} not found")
    return jsonify(json.loads(row.document))

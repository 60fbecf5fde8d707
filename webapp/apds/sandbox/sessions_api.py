"""Parking sessions: post, read, update (versioned: a stale version is 409), query; each makes its assigned right."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from flask import Blueprint, jsonify
from sqlalchemy import select

from webapp.apds.sandbox.protocol import (
    ApdsRequestError,
    faults,
    instant_arg,
    iso,
    json_body,
    list_arg,
    meta,
    now,
    ok,
    paging,
    parse_instant,
    store,
)
from webapp.apds.sandbox.store import assigned, get_place, sessions
from webapp.apds.sandbox.webhooks import emit

bp = Blueprint("sessions_api", __name__)


def camera_plate(text: str) -> str:
    """A plate as the entry camera (ANPR) reads it: its letters and digits, upper case — a camera reads
    no dashes or spaces, so "97-KGT-1", "97 kgt 1" and "97KGT1" are one car."""
    return "".join(ch for ch in str(text) if ch.isalnum()).upper()


def plate_of(credentials: list) -> str:
    for credential in credentials or ():
        identifier = (credential or {}).get("identifier") or {}
        if identifier.get("id"):
            return camera_plate(identifier["id"])
    raise ApdsRequestError(400, "credentials[].identifier.id is required")


def session_fields(body: dict) -> tuple[str, str, int, int | None]:
    """(place, plate, start, end) of a session body; seed names first, the spec's as aliases."""
    element = body.get("hierarchyElement") or body.get("hierachyElement") or {}
    place_id = element.get("id")
    if not place_id:
        raise ApdsRequestError(400, "hierarchyElement.id is required")
    if get_place(store(), str(place_id)) is None:
        raise ApdsRequestError(400, f"unknown place {place_id}")
    plate = plate_of(body.get("credentials") or body.get("identifiedCredentials"))
    if not body.get("segments"):
        raise ApdsRequestError(400, "segments must hold at least one segment")
    try:
        start = int(parse_instant(body["actualStart"]).timestamp())
        end = int(parse_instant(body["actualEnd"]).timestamp()) if body.get("actualEnd") else None
    except (KeyError, ValueError, TypeError, OverflowError):
        raise ApdsRequestError(400, "actualStart (and actualEnd, if given) must be ISO 8601 instants") from None
    if end is not None and end < start:
        raise ApdsRequestError(400, "actualEnd is before actualStart")
    return str(place_id), plate, start, end


def auto_assigned_right(conn, session: dict, place_id: str, plate: str, start: int, end: int | None) -> None:
    """Seed 003 §➋: posting a session makes the platform create the matching assigned right."""
    place = get_place(store(), place_id)
    spec_refs = place.document.get("rightSpecifications") or [{"id": "", "version": 1}]
    credentials = session.get("credentials") or session.get("identifiedCredentials")
    right = {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"apds-session:{session['id']}")), "version": 1,
             "rightHolder": {"credentials": credentials},
             "rightSpecification": {"id": spec_refs[0]["id"], "version": 1},
             "issuanceTime": iso(datetime.fromtimestamp(start, UTC)),
             "assignedRightIssuer": {"id": str((session.get("initiator") or {}).get("id", "SP")),
                                     "className": "DigitalServiceProvider"},
             "issueMethod": "electronic", "session": {"id": session["id"], "version": session["version"]}}
    if end is not None:
        right["expiry"] = iso(datetime.fromtimestamp(end, UTC))
    exists = conn.execute(select(assigned.c.id).where(assigned.c.id == right["id"])).first()
    if exists is None:
        conn.execute(assigned.insert().values(id=right["id"], version=1, place_id=place_id, plate=plate,
                                              issued_ts=start, expiry_ts=end, document=json.dumps(right)))
        emit(conn, "AssignedRightCreated", right, place_id)


def insert_session(body: dict) -> None:
    if not isinstance(body.get("id"), str) or not body["id"]:
        raise ApdsRequestError(400, "id is required")
    if not isinstance(body.get("version"), int):
        raise ApdsRequestError(400, "version must be an integer")
    place_id, plate, start, end = session_fields(body)
    with store().begin() as conn:
        if conn.execute(select(sessions.c.id).where(sessions.c.id == body["id"])).first() is not None:
            raise ApdsRequestError(409, f"session {body['id']} already exists")
        conn.execute(sessions.insert().values(id=body["id"], version=body["version"], place_id=place_id,
                                              plate=plate, start_ts=start, end_ts=end, document=json.dumps(body)))
        emit(conn, "SessionCreated", body, place_id)
        auto_assigned_right(conn, body, place_id, plate, start, end)


@bp.post("/v1/parking/sessions")
def create_session():
    body = json_body()
    insert_session(body)
    faults().after_commit()
    return ok(201, f"session {body['id']} created")


def load_session(session_id: str):
    with store().connect() as conn:
        row = conn.execute(select(sessions).where(sessions.c.id == session_id)).first()
    if row is None:
        raise ApdsRequestError(404, f"session {session_id} not found")
    return row


def replace_session(session_id: str, body: dict, expected_version: int) -> dict:
    place_id, plate, start, end = session_fields(body)
    document = {**body, "version": expected_version + 1}
    with store().begin() as conn:
        changed = conn.execute(sessions.update().where(sessions.c.id == session_id,
                                                       sessions.c.version == expected_version).values(
            version=expected_version + 1, place_id=place_id, plate=plate, start_ts=start, end_ts=end,
            document=json.dumps(document))).rowcount
        if not changed:
            raise ApdsRequestError(409, f"session {session_id} was changed since version {expected_version}")
        emit(conn, "SessionUpdated", document, place_id)
    return document


@bp.get("/v1/parking/sessions/<session_id>")
def one_session(session_id: str):
    row = load_session(session_id)
    return jsonify(json.loads(row.document))


@bp.put("/v1/parking/sessions/<session_id>")
def update_session(session_id: str):
    body = json_body()
    if body.get("id") not in (None, session_id):
        raise ApdsRequestError(400, "the body's id is not the session in the path")
    row = load_session(session_id)
    version = body.get("version")
    if not isinstance(version, int):
        raise ApdsRequestError(400, "version must be an integer")
    if version != row.version:
        raise ApdsRequestError(409, f"stale version {version}: session {session_id} is at version {row.version}")
    document = replace_session(session_id, {**body, "id": session_id}, version)
    faults().after_commit()
    return ok(200, f"session {session_id} updated to version {document['version']}")


@bp.get("/v1/parking/sessions")
def list_sessions():
    query = select(sessions).order_by(sessions.c.start_ts, sessions.c.id)
    plates = list_arg("credential_id")
    if plates:
        query = query.where(sessions.c.plate.in_([camera_plate(p) for p in plates]))
    place_ids = list_arg("place")
    if place_ids:
        query = query.where(sessions.c.place_id.in_(place_ids))
    bounds = (("start_before", sessions.c.start_ts, "lt"), ("start_after", sessions.c.start_ts, "gt"),
              ("end_before", sessions.c.end_ts, "lt"))
    for name, column, op in bounds:
        instant = instant_arg(name, now)
        if instant is not None:
            query = query.where(column < instant if op == "lt" else column > instant)
    end_after = instant_arg("end_after", now)
    if end_after is not None:
        # a session with no end yet is still running: it ends after any instant
        query = query.where(sessions.c.end_ts.is_(None) | (sessions.c.end_ts > end_after))
    with store().connect() as conn:
        rows = conn.execute(query).all()
    offset, limit = paging()
    return jsonify({"meta": meta(offset, limit, len(rows)),
                    "data": [json.loads(r.document) for r in rows[offset:offset + limit]]})

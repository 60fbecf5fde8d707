"""The car-park operators behind the platform: the cameras at the entry and the exit, and a small console.

``/_sandbox/operators/enter|exit`` (also ``flask --app app apds operator …``): the
camera sees plate X enter place P (a session is opened) or leave (it is closed with the
amount from the place's rate table). ``/_sandbox/operators`` is an HTML console for the
same, served with ``flask sandbox serve apds``.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from flask import Blueprint, current_app, jsonify, render_template_string, request
from sqlalchemy import select

from webapp.apds.sandbox import pricing
from webapp.apds.sandbox.protocol import ApdsRequestError, iso, json_body, now, parse_instant, store
from webapp.apds.sandbox.sessions_api import camera_plate, insert_session, replace_session
from webapp.apds.sandbox.store import find_places, get_document, get_place, rates, rights, sessions

OPERATOR_ID = "OP-MANCHESTER-PARKING"

# the operators' console: our own fixed template, every value autoescaped
OPERATOR_CONSOLE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>APDS operators</title></head>
<body><h1>Car-park operators (sandbox)</h1>
{% if message %}<p role="status">{{ message }}</p>{% endif %}
<form method="post"><label>Place <select name="place">{% for id, name in places %}
<option value="{{ id }}">{{ name }}</option>{% endfor %}</select></label>
<label>Plate <input name="plate" required></label>
<button name="action" value="enter">Camera: vehicle enters</button>
<button name="action" value="exit">Camera: vehicle leaves</button></form>
<h2>Vehicles inside</h2><ul>{% for row in inside %}
<li>{{ row.plate }} at {{ row.place_id }} since {{ when(row.start_ts) }}</li>
{% else %}<li>none</li>{% endfor %}</ul></body></html>"""

bp = Blueprint("operators", __name__)


@bp.post("/_sandbox/operators/enter")
def vehicle_enters():
    """The camera at the entry: a session opens for the plate at the place."""
    body = json_body()
    place_id, plate = str(body.get("place", "")), camera_plate(body.get("plate", ""))
    if get_place(store(), place_id) is None or not plate:
        raise ApdsRequestError(400, "place (a known place id) and plate are required")
    at = _instant(body)
    with store().connect() as conn:
        inside = conn.execute(select(sessions.c.id).where(sessions.c.place_id == place_id,
                                                          sessions.c.plate == plate,
                                                          sessions.c.end_ts.is_(None))).first()
    if inside is not None:
        raise ApdsRequestError(409, f"{plate} is already inside (session {inside.id})")
    session = {"id": str(uuid.uuid4()), "version": 1, "initiator": {"id": OPERATOR_ID, "version": 1},
               "actualStart": iso(at),
               "credentials": [{"identifier": {"id": plate, "className": "UKNumberPlate"},
                                "type": "licensePlate"}],
               "segments": [{"id": str(uuid.uuid4()), "version": 1, "actualStart": iso(at),
                             "validationType": ["licensePlate"]}],
               "hierarchyElement": {"id": place_id, "version": 1}}
    insert_session(session)
    return jsonify(session), 201


@bp.post("/_sandbox/operators/exit")
def vehicle_leaves():
    """The camera at the exit: the open session closes with the amount from the place's rate table."""
    body = json_body()
    place_id, plate = str(body.get("place", "")), camera_plate(body.get("plate", ""))
    at = _instant(body)
    with store().connect() as conn:
        row = conn.execute(select(sessions).where(sessions.c.place_id == place_id, sessions.c.plate == plate,
                                                  sessions.c.end_ts.is_(None))).first()
    if row is None:
        raise ApdsRequestError(404, f"{plate} is not inside {place_id}")
    session = json.loads(row.document)
    stay = max(0, int(at.timestamp()) - row.start_ts)
    amount = float(pricing.price(day_rate(place_id), stay))
    segment = dict(session["segments"][-1])
    paid = segment.get("financialTransactions") or []
    segment.update(actualEnd=iso(at), financialTransactions=paid or [
        {"segmentValue": amount, "serviceProvider": {"en": OPERATOR_ID}, "taxIncluded": True}])
    session.update(actualEnd=iso(at), segments=[*session["segments"][:-1], segment])
    return jsonify(replace_session(row.id, session, row.version))


def _instant(body: dict):
    """When the camera saw the car: the body's ``at`` (ISO 8601), else now."""
    try:
        return parse_instant(body["at"]) if body.get("at") else now()
    except (TypeError, ValueError):
        raise ApdsRequestError(400, "at must be an ISO 8601 instant") from None


@bp.get("/_sandbox/operators/inside")
def vehicles_inside():
    """The cars inside the car parks now (open sessions), earliest first: what the operators' consoles list."""
    with store().connect() as conn:
        rows = conn.execute(select(sessions.c.id, sessions.c.place_id, sessions.c.plate, sessions.c.start_ts)
                            .where(sessions.c.end_ts.is_(None)).order_by(sessions.c.start_ts)).all()
    return jsonify([{"session": r.id, "place": r.place_id, "plate": r.plate,
                     "since": iso(datetime.fromtimestamp(r.start_ts, UTC))} for r in rows])


@bp.route("/_sandbox/operators", methods=["GET", "POST"])
def operator_console():
    """A small HTML console for the operators (served with ``flask sandbox serve apds``): drive a car in or out."""
    message = ""
    if request.method == "POST":
        action = "exit" if request.form.get("action") == "exit" else "enter"
        body = {"place": request.form.get("place", ""), "plate": request.form.get("plate", "")}
        answer = current_app.test_client().post(f"/_sandbox/operators/{action}", json=body)
        result = answer.get_json() or {}
        message = result.get("message") or f"{action}: session {result.get('id')} version {result.get('version')}"
        if answer.status_code < 300:
            delivered = current_app.test_client().post("/_sandbox/deliveries").get_json()
            message += f" · events {delivered}"
    with store().connect() as conn:
        inside = conn.execute(select(sessions.c.place_id, sessions.c.plate, sessions.c.start_ts)
                              .where(sessions.c.end_ts.is_(None)).order_by(sessions.c.start_ts)).all()
    return render_template_string(OPERATOR_CONSOLE, message=message, inside=inside,
                                  places=[(r.document["id"], r.document["name"]["en"])
                                          for r in find_places(store(), None)],
                                  when=lambda ts: iso(datetime.fromtimestamp(ts, UTC)))


def day_rate(place_id: str) -> dict:
    place = get_place(store(), place_id)
    spec = get_document(store(), rights, place.document["rightSpecifications"][0]["id"])
    return get_document(store(), rates, spec["rateEligibility"][0]["rate"]["id"])

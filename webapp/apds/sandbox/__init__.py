"""APDS platform emulator (seed 003, spec in shared/apds-spec/), with the car-park operators behind it.

We play the service provider; this sandbox plays the platform **and** the operators:

- ``/v1/parking/places`` (search by latitude/longitude/radius in metres, true
  great-circle distance, ``expand``), ``/places/{id}`` (``expand=occupancy``);
- ``/v1/parking/rights/{id}`` (the seed's path) and ``/rights/specs/{id}`` (the spec's);
- ``/v1/parking/rates/{id}``;
- ``/v1/parking/sessions`` POST / GET (``credential_id``, ``place``, ``start_before``,
  ``start_after``, ``end_before``, ``end_after`` as Unix seconds, ISO times or ``now``),
  ``/sessions/{id}`` GET / PUT;
- ``/v1/parking/rights/assigned`` POST / GET (``place``, ``credential_id`` or
  ``identifier_id``, ``start_after``), ``/rights/assigned/{id}``;
- ``/v1/parking/webhooks`` POST / GET, ``/webhooks/{id}`` GET / PUT / DELETE.

Conventions: a bearer token (``apds-demo-token``); error bodies are the spec's
ResponseStatus ``{"status": "error", "code", "message"}``; lists are ``{meta, data}``
(PaginatedListMeta; ``offset`` and ``limit`` page through them — our addition, the
spec names no paging parameters); sessions, assigned rights and webhooks are
versioned: a PUT must carry the version it read, else 409, and the stored version
becomes that plus one. (The seed's §➌ example PUTs ``version: 1`` three times in a
row; with the spec's 409 rule only the first of those would pass, which is the
reading we take.) Creation answers 201 (the seed shows 200 and 201; clients accept both).

Events (spec EventTypeEnum): a change writes one outbox row per matching
subscription in the same transaction; ``POST /_sandbox/deliveries`` (run by the
app's job runner) sends the due ones. Delivery: ``POST`` of the spec's EventData
(``{eventId, eventSubscriptionId, eventTime, topic, data: [object]}``) with headers
``APDS-Event-Id`` and ``APDS-Signature: sha256=<hex HMAC-SHA256 of the raw body
with the subscription's secret>``. A non-2xx answer or no answer is retried with
back-off (30 s × 2^attempt, 8 attempts); the event id never changes, so the
subscriber deduplicates on it.

Operators (``/_sandbox/operators/enter|exit``, also ``flask --app app apds
operator …``): the camera sees plate X enter place P (a session is opened) or
leave (it is closed with the amount from the place's rate table). Occupancy follows
a daily curve (``occupancy.py``) from an injectable clock
(``app.extensions["apds_clock"]``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
from flask import Flask, jsonify, render_template_string, request
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from webapp.apds.sandbox import occupancy, pricing
from webapp.apds.sandbox.store import (
    assigned,
    find_places,
    get_document,
    get_place,
    open_store,
    outbox,
    rates,
    rights,
    sessions,
    webhooks,
)
from webapp.core.sandbox_kit import DroppedReplyError, install_faults

DEFAULT_TOKEN = "apds-demo-token"  # noqa: S105 — the sandbox's public demo token
PAGE_SIZE = 100
MAX_ATTEMPTS = 8
BACKOFF_SECONDS = 30
OPERATOR_ID = "OP-MANCHESTER-PARKING"

EVENT_TYPES = frozenset({
    "PlaceCreated", "PlaceUpdated", "PlaceDeleted", "AssignedRightCreated", "AssignedRightUpdated",
    "AssignedRightDeleted", "SessionCreated", "SessionUpdated", "SessionDeleted", "ObservationCreated",
    "ObservationUpdated", "ObservationDeleted", "RightSpecificationCreated", "RightSpecificationUpdated",
    "RightSpecificationDeleted", "RateTableUpdated", "RateTableDeleted",
})

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


class ApdsRequestError(Exception):
    """A request the platform refuses; rendered as a ResponseStatus body."""

    def __init__(self, code: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.headers = headers or {}


def _status_body(code: int, message: str):
    return jsonify({"status": "error", "code": code, "message": message}), code


def _ok(code: int, message: str):
    return jsonify({"code": code, "status": "Created" if code == 201 else "OK", "message": message}), code


def parse_instant(value: str) -> datetime:
    """An ISO 8601 instant; tolerates the seed's stray space (``2021-11-01T 17:23:01Z``, §➌)."""
    text = "".join(str(value).split()).replace("Z", "+00:00")
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _default_sender(url: str, headers: dict[str, str], body: bytes) -> int:
    response = httpx.post(url, content=body, headers=headers, timeout=5.0)
    return response.status_code


def create_sandbox(state_dir: Path, credentials: dict[str, str]) -> Flask:
    """Build the APDS platform sandbox.

    Args:
        state_dir: folder holding ``apds_platform.sqlite3`` (the platform's data).
        credentials: ``token`` — the bearer token the platform accepts
            (default ``apds-demo-token``).

    Returns:
        The sandbox Flask app (fault switch installed). ``extensions["apds_clock"]``
        is its clock and ``extensions["apds_sender"]`` how it sends webhook
        events (``(url, headers, body) -> status``); tests replace both.
    """
    app = Flask(__name__)
    app.json.sort_keys = False
    engine = open_store(state_dir)
    app.extensions["apds_store"] = engine
    app.extensions["apds_clock"] = lambda: datetime.now(UTC)
    app.extensions["apds_sender"] = _default_sender
    token = credentials.get("token") or DEFAULT_TOKEN
    faults = install_faults(app)  # first, so a forced 503 wins over auth like a real outage

    def now() -> datetime:
        return app.extensions["apds_clock"]()

    @app.before_request
    def require_bearer_token():
        if request.path.startswith("/_sandbox/"):
            return None
        scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not presented.strip():
            return _unauthorized("Missing bearer token", 'Bearer realm="apds"')
        if not hmac.compare_digest(presented.strip().encode(), token.encode()):
            return _unauthorized("Invalid access token", 'Bearer realm="apds", error="invalid_token"')
        return None

    @app.errorhandler(ApdsRequestError)
    def refused(error: ApdsRequestError):
        body, status = _status_body(error.code, error.message)
        body.headers.update(error.headers)
        return body, status

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if isinstance(getattr(error, "original_exception", None), DroppedReplyError):
            raise error.original_exception  # a reply lost on purpose must reach the transport, not become a 500
        return _status_body(error.code or 500, error.description or error.name)

    # -- places, rights, rates ------------------------------------------------------

    def occupancy_of(place_id: str, capacity: int) -> dict:
        when = now()
        with engine.connect() as conn:
            inside = len(conn.execute(select(sessions.c.id).where(sessions.c.place_id == place_id,
                                                                  sessions.c.end_ts.is_(None))).all())
        taken = occupancy.occupied(place_id, capacity, when, inside)
        share = taken / capacity if capacity else 1.0
        indicator = "full" if share >= 0.98 else "almostFull" if share >= 0.85 else "available"
        return {"occupancyLevel": {"occupancyIndicator": {"codeListName": "occupancyIndicator", "code": indicator}},
                # our extension: the figures behind the indicator (the spec's OccupancyLevel has only the code)
                "occupancy": {"spacesTotal": capacity, "spacesOccupied": taken,
                              "spacesAvailable": max(0, capacity - taken), "observationTime": _iso(when)}}

    def place_document(row, expand: frozenset[str]) -> dict:
        document = dict(row.document)
        if "occupancyLevel" in expand:
            document.update(occupancy_of(document["id"], row.capacity))
        return {key: value for key, value in document.items() if key not in OPTIONAL_ATTRIBUTES or key in expand}

    @app.get("/v1/parking/places")
    def list_places():
        near = _search_point()
        expand = _expand_attributes()
        rows = find_places(engine, near)
        offset, limit = _paging()
        data = [place_document(row, expand) for row in rows[offset:offset + limit]]
        return jsonify({"meta": _meta(offset, limit, len(rows)), "data": data})

    @app.get("/v1/parking/places/<place_id>")
    def one_place(place_id: str):
        row = get_place(engine, place_id)
        if row is None:
            raise ApdsRequestError(404, f"place {place_id} not found")
        return jsonify(place_document(row, _expand_attributes()))

    @app.get("/v1/parking/rights/specs/<right_id>")
    @app.get("/v1/parking/rights/<right_id>")
    def one_right(right_id: str):
        document = get_document(engine, rights, right_id)
        if document is None:
            raise ApdsRequestError(404, f"right specification {right_id} not found")
        return jsonify(document)

    @app.get("/v1/parking/rates/<rate_id>")
    def one_rate(rate_id: str):
        document = get_document(engine, rates, rate_id)
        if document is None:
            raise ApdsRequestError(404, f"rate table {rate_id} not found")
        return jsonify(document)

    # -- events -----------------------------------------------------------------------

    def emit(conn, topic: str, obj: dict, place_id: str | None) -> None:
        """Write one outbox row per subscription to ``topic`` (same transaction as the change)."""
        for row in conn.execute(select(webhooks.c.id, webhooks.c.document)).all():
            subscription = json.loads(row.document)
            if topic not in subscription["topics"]:
                continue
            scope = {ref["id"] for ref in subscription.get("hierarchyElements") or ()}
            if scope and place_id not in scope:
                continue
            event_id = str(uuid.uuid4())
            body = {"eventId": event_id, "eventSubscriptionId": row.id, "eventTime": _iso(now()), "topic": topic,
                    "data": [obj]}
            conn.execute(outbox.insert().values(
                event_id=event_id, subscription_id=row.id, endpoint=subscription["endpoint"], topic=topic,
                body=json.dumps(body), attempts=0, next_attempt_ts=int(now().timestamp())))

    @app.post("/_sandbox/deliveries")
    def deliver_due():
        """Send every due event once (the app's job runner calls this); returns what happened."""
        sender = app.extensions["apds_sender"]
        current = int(now().timestamp())
        with engine.connect() as conn:
            due = conn.execute(select(outbox).where(outbox.c.delivered_ts.is_(None),
                                                    outbox.c.attempts < MAX_ATTEMPTS,
                                                    outbox.c.next_attempt_ts <= current)
                               .order_by(outbox.c.seq)).all()
            secrets_by_id = dict(conn.execute(select(webhooks.c.id, webhooks.c.secret)).all())
        report = {"delivered": 0, "failed": 0}
        for row in due:
            secret = secrets_by_id.get(row.subscription_id)
            if secret is None:
                continue  # unsubscribed since: nothing to send to
            body = row.body.encode()
            headers = {"Content-Type": "application/json", "APDS-Event-Id": row.event_id,
                       "APDS-Signature": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()}
            try:
                status = sender(row.endpoint, headers, body)
            except Exception:  # any failure to reach the subscriber is a retry
                status = 0
            with engine.begin() as conn:
                if 200 <= status < 300:
                    conn.execute(outbox.update().where(outbox.c.seq == row.seq)
                                 .values(delivered_ts=current, last_status=status, attempts=row.attempts + 1))
                    report["delivered"] += 1
                else:
                    attempts = row.attempts + 1
                    conn.execute(outbox.update().where(outbox.c.seq == row.seq).values(
                        attempts=attempts, last_status=status,
                        next_attempt_ts=current + BACKOFF_SECONDS * 2 ** attempts))
                    report["failed"] += 1
        with engine.connect() as conn:
            report["pending"] = len(conn.execute(select(outbox.c.seq).where(
                outbox.c.delivered_ts.is_(None), outbox.c.attempts < MAX_ATTEMPTS)).all())
        return jsonify(report)

    @app.get("/_sandbox/outbox")
    def list_outbox():
        with engine.connect() as conn:
            rows = conn.execute(select(outbox).order_by(outbox.c.seq)).all()
        return jsonify([{"eventId": r.event_id, "topic": r.topic, "attempts": r.attempts,
                         "delivered": r.delivered_ts is not None, "lastStatus": r.last_status,
                         "nextAttempt": r.next_attempt_ts, "subscriptionId": r.subscription_id} for r in rows])

    # -- sessions --------------------------------------------------------------------

    def plate_of(credentials: list) -> str:
        for credential in credentials or ():
            identifier = (credential or {}).get("identifier") or {}
            if identifier.get("id"):
                return str(identifier["id"]).replace(" ", "").upper()
        raise ApdsRequestError(400, "credentials[].identifier.id is required")

    def session_fields(body: dict) -> tuple[str, str, int, int | None]:
        """(place, plate, start, end) of a session body; seed names first, the spec's as aliases."""
        element = body.get("hierarchyElement") or body.get("hierachyElement") or {}
        place_id = element.get("id")
        if not place_id:
            raise ApdsRequestError(400, "hierarchyElement.id is required")
        if get_place(engine, str(place_id)) is None:
            raise ApdsRequestError(400, f"unknown place {place_id}")
        plate = plate_of(body.get("credentials") or body.get("identifiedCredentials"))
        if not body.get("segments"):
            raise ApdsRequestError(400, "segments must hold at least one segment")
        try:
            start = int(parse_instant(body["actualStart"]).timestamp())
            end = int(parse_instant(body["actualEnd"]).timestamp()) if body.get("actualEnd") else None
        except (KeyError, ValueError, TypeError):
            raise ApdsRequestError(400, "actualStart (and actualEnd, if given) must be ISO 8601 instants") from None
        if end is not None and end < start:
            raise ApdsRequestError(400, "actualEnd is before actualStart")
        return str(place_id), plate, start, end

    def auto_assigned_right(conn, session: dict, place_id: str, plate: str, start: int, end: int | None) -> None:
        """Seed 003 §➋: posting a session makes the platform create the matching assigned right."""
        place = get_place(engine, place_id)
        spec_refs = place.document.get("rightSpecifications") or [{"id": "", "version": 1}]
        credentials = session.get("credentials") or session.get("identifiedCredentials")
        right = {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"apds-session:{session['id']}")), "version": 1,
                 "rightHolder": {"credentials": credentials},
                 "rightSpecification": {"id": spec_refs[0]["id"], "version": 1},
                 "issuanceTime": _iso(datetime.fromtimestamp(start, UTC)),
                 "assignedRightIssuer": {"id": str((session.get("initiator") or {}).get("id", "SP")),
                                         "className": "DigitalServiceProvider"},
                 "issueMethod": "electronic", "session": {"id": session["id"], "version": session["version"]}}
        if end is not None:
            right["expiry"] = _iso(datetime.fromtimestamp(end, UTC))
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
        with engine.begin() as conn:
            if conn.execute(select(sessions.c.id).where(sessions.c.id == body["id"])).first() is not None:
                raise ApdsRequestError(409, f"session {body['id']} already exists")
            conn.execute(sessions.insert().values(id=body["id"], version=body["version"], place_id=place_id,
                                                  plate=plate, start_ts=start, end_ts=end, document=json.dumps(body)))
            emit(conn, "SessionCreated", body, place_id)
            auto_assigned_right(conn, body, place_id, plate, start, end)

    @app.post("/v1/parking/sessions")
    def create_session():
        body = _json_body()
        insert_session(body)
        faults.after_commit()
        return _ok(201, f"session {body['id']} created")

    def load_session(session_id: str):
        with engine.connect() as conn:
            row = conn.execute(select(sessions).where(sessions.c.id == session_id)).first()
        if row is None:
            raise ApdsRequestError(404, f"session {session_id} not found")
        return row

    def replace_session(session_id: str, body: dict, expected_version: int) -> dict:
        place_id, plate, start, end = session_fields(body)
        document = {**body, "version": expected_version + 1}
        with engine.begin() as conn:
            changed = conn.execute(sessions.update().where(sessions.c.id == session_id,
                                                           sessions.c.version == expected_version).values(
                version=expected_version + 1, place_id=place_id, plate=plate, start_ts=start, end_ts=end,
                document=json.dumps(document))).rowcount
            if not changed:
                raise ApdsRequestError(409, f"session {session_id} was changed since version {expected_version}")
            emit(conn, "SessionUpdated", document, place_id)
        return document

    @app.get("/v1/parking/sessions/<session_id>")
    def one_session(session_id: str):
        row = load_session(session_id)
        return jsonify(json.loads(row.document))

    @app.put("/v1/parking/sessions/<session_id>")
    def update_session(session_id: str):
        body = _json_body()
        if body.get("id") not in (None, session_id):
            raise ApdsRequestError(400, "the body's id is not the session in the path")
        row = load_session(session_id)
        version = body.get("version")
        if not isinstance(version, int):
            raise ApdsRequestError(400, "version must be an integer")
        if version != row.version:
            raise ApdsRequestError(409, f"stale version {version}: session {session_id} is at version {row.version}")
        document = replace_session(session_id, {**body, "id": session_id}, version)
        faults.after_commit()
        return _ok(200, f"session {session_id} updated to version {document['version']}")

    @app.get("/v1/parking/sessions")
    def list_sessions():
        query = select(sessions).order_by(sessions.c.start_ts, sessions.c.id)
        plates = _list_arg("credential_id")
        if plates:
            query = query.where(sessions.c.plate.in_([p.replace(" ", "").upper() for p in plates]))
        place_ids = _list_arg("place")
        if place_ids:
            query = query.where(sessions.c.place_id.in_(place_ids))
        bounds = (("start_before", sessions.c.start_ts, "lt"), ("start_after", sessions.c.start_ts, "gt"),
                  ("end_before", sessions.c.end_ts, "lt"))
        for name, column, op in bounds:
            instant = _instant_arg(name, now)
            if instant is not None:
                query = query.where(column < instant if op == "lt" else column > instant)
        end_after = _instant_arg("end_after", now)
        if end_after is not None:
            # a session with no end yet is still running: it ends after any instant
            query = query.where(sessions.c.end_ts.is_(None) | (sessions.c.end_ts > end_after))
        with engine.connect() as conn:
            rows = conn.execute(query).all()
        offset, limit = _paging()
        return jsonify({"meta": _meta(offset, limit, len(rows)),
                        "data": [json.loads(r.document) for r in rows[offset:offset + limit]]})

    # -- assigned rights -------------------------------------------------------------

    @app.post("/v1/parking/rights/assigned")
    def create_assigned_right():
        body = _json_body()
        if not isinstance(body.get("id"), str) or not body["id"]:
            raise ApdsRequestError(400, "id is required")
        if not isinstance(body.get("version"), int):
            raise ApdsRequestError(400, "version must be an integer")
        plate = plate_of((body.get("rightHolder") or {}).get("credentials"))
        spec_id = (body.get("rightSpecification") or {}).get("id")
        spec = get_document(engine, rights, str(spec_id)) if spec_id else None
        if spec is None:
            raise ApdsRequestError(400, f"unknown right specification {spec_id}")
        try:
            issued = parse_instant(body["issuanceTime"]) if body.get("issuanceTime") else now()
            expiry = parse_instant(body["expiry"]) if body.get("expiry") else None
        except ValueError:
            raise ApdsRequestError(400, "issuanceTime and expiry must be ISO 8601 instants") from None
        place_id = spec["hierarchyElements"][0]["id"]
        with engine.begin() as conn:
            if conn.execute(select(assigned.c.id).where(assigned.c.id == body["id"])).first() is not None:
                raise ApdsRequestError(409, f"assigned right {body['id']} already exists")
            conn.execute(assigned.insert().values(
                id=body["id"], version=body["version"], place_id=place_id, plate=plate,
                issued_ts=int(issued.timestamp()), expiry_ts=int(expiry.timestamp()) if expiry else None,
                document=json.dumps(body)))
            emit(conn, "AssignedRightCreated", body, place_id)
        faults.after_commit()
        return _ok(201, f"assigned right {body['id']} created")

    def assigned_places(document: dict) -> set[str]:
        spec = get_document(engine, rights, (document.get("rightSpecification") or {}).get("id", "")) or {}
        return {ref["id"] for ref in spec.get("hierarchyElements") or ()}

    def query_assigned(place_ids: list[str], plates: list[str], start_after: int | None) -> list[dict]:
        query = select(assigned).order_by(assigned.c.seq)
        if plates:
            query = query.where(assigned.c.plate.in_([p.replace(" ", "").upper() for p in plates]))
        if start_after is not None:
            # "valid after the instant": not yet expired by then (or never expiring)
            query = query.where(assigned.c.expiry_ts.is_(None) | (assigned.c.expiry_ts > start_after))
        with engine.connect() as conn:
            rows = conn.execute(query).all()
        found = [json.loads(r.document) for r in rows]
        if place_ids:
            found = [d for d in found if assigned_places(d) & set(place_ids)]
        return found

    @app.get("/v1/parking/rights/assigned")
    def list_assigned_rights():
        plates = _list_arg("credential_id") or _list_arg("identifier_id")
        found = query_assigned(_list_arg("place"), plates, _instant_arg("start_after", now))
        offset, limit = _paging()
        return jsonify({"meta": _meta(offset, limit, len(found)), "data": found[offset:offset + limit]})

    @app.get("/v1/parking/rights/assigned/<path:right_id>")
    def one_assigned_right(right_id: str):
        if right_id.startswith("place="):
            # seed 003 §➌ step 2 writes the query into the path: /rights/assigned/place={id}&identifier_id={VRM}
            params = dict(part.partition("=")[::2] for part in right_id.split("&"))
            found = query_assigned([params.get("place", "")], [params.get("identifier_id", "")], None)
            return jsonify({"meta": _meta(0, PAGE_SIZE, len(found)), "data": found[:PAGE_SIZE]})
        with engine.connect() as conn:
            row = conn.execute(select(assigned.c.document).where(assigned.c.id == right_id)).first()
        if row is None:
            raise ApdsRequestError(404, f"assigned right {right_id} not found")
        return jsonify(json.loads(row.document))

    # -- webhooks ---------------------------------------------------------------------

    def subscription_from(body: dict) -> dict:
        endpoint = body.get("endpoint")
        if not isinstance(endpoint, str) or not endpoint.startswith(("http://", "https://")):
            raise ApdsRequestError(400, "endpoint must be an http(s) URL")
        topics = body.get("topics")
        if not isinstance(topics, list) or not topics:
            raise ApdsRequestError(400, "topics must list at least one event type")
        unknown = sorted(set(map(str, topics)) - EVENT_TYPES)
        if unknown:
            raise ApdsRequestError(400, f"unknown topics: {', '.join(unknown)}")
        return {"endpoint": endpoint, "topics": sorted(set(topics)),
                "hierarchyElements": body.get("hierarchyElements") or [],
                "includeChildrenEvents": bool(body.get("includeChildrenEvents", False))}

    @app.post("/v1/parking/webhooks")
    def subscribe():
        body = _json_body()
        document = {"id": str(uuid.uuid4()), "version": 1, **subscription_from(body)}
        # our addition to EventSubscription: the secret that signs deliveries (given, or made here)
        secret = str(body.get("secret") or secrets.token_urlsafe(32))
        with engine.begin() as conn:
            conn.execute(webhooks.insert().values(id=document["id"], secret=secret, document=json.dumps(document)))
        return jsonify({**document, "secret": secret}), 201

    @app.get("/v1/parking/webhooks")
    def list_subscriptions():
        with engine.connect() as conn:
            rows = conn.execute(select(webhooks.c.document)).all()
        data = [json.loads(r.document) for r in rows]
        return jsonify({"meta": _meta(0, PAGE_SIZE, len(data)), "data": data})

    def load_subscription(subscription_id: str) -> dict:
        with engine.connect() as conn:
            row = conn.execute(select(webhooks.c.document).where(webhooks.c.id == subscription_id)).first()
        if row is None:
            raise ApdsRequestError(404, f"subscription {subscription_id} not found")
        return json.loads(row.document)

    @app.get("/v1/parking/webhooks/<subscription_id>")
    def one_subscription(subscription_id: str):
        return jsonify(load_subscription(subscription_id))

    @app.put("/v1/parking/webhooks/<subscription_id>")
    def update_subscription(subscription_id: str):
        body = _json_body()
        current = load_subscription(subscription_id)
        if body.get("version", current["version"]) != current["version"]:
            raise ApdsRequestError(409, f"stale version: subscription is at version {current['version']}")
        document = {"id": subscription_id, "version": current["version"] + 1, **subscription_from(body)}
        with engine.begin() as conn:
            conn.execute(webhooks.update().where(webhooks.c.id == subscription_id)
                         .values(document=json.dumps(document)))
        return jsonify(document)

    @app.delete("/v1/parking/webhooks/<subscription_id>")
    def unsubscribe(subscription_id: str):
        load_subscription(subscription_id)
        with engine.begin() as conn:
            conn.execute(webhooks.delete().where(webhooks.c.id == subscription_id))
        return _ok(200, f"subscription {subscription_id} deleted")

    # -- the operators' side -------------------------------------------------------------

    @app.post("/_sandbox/operators/enter")
    def vehicle_enters():
        """The camera at the entry: a session opens for the plate at the place."""
        body = _json_body()
        place_id, plate = str(body.get("place", "")), str(body.get("plate", "")).replace(" ", "").upper()
        if get_place(engine, place_id) is None or not plate:
            raise ApdsRequestError(400, "place (a known place id) and plate are required")
        at = parse_instant(body["at"]) if body.get("at") else now()
        with engine.connect() as conn:
            inside = conn.execute(select(sessions.c.id).where(sessions.c.place_id == place_id,
                                                              sessions.c.plate == plate,
                                                              sessions.c.end_ts.is_(None))).first()
        if inside is not None:
            raise ApdsRequestError(409, f"{plate} is already inside (session {inside.id})")
        session = {"id": str(uuid.uuid4()), "version": 1, "initiator": {"id": OPERATOR_ID, "version": 1},
                   "actualStart": _iso(at),
                   "credentials": [{"identifier": {"id": plate, "className": "UKNumberPlate"},
                                    "type": "licensePlate"}],
                   "segments": [{"id": str(uuid.uuid4()), "version": 1, "actualStart": _iso(at),
                                 "validationType": ["licensePlate"]}],
                   "hierarchyElement": {"id": place_id, "version": 1}}
        insert_session(session)
        return jsonify(session), 201

    @app.post("/_sandbox/operators/exit")
    def vehicle_leaves():
        """The camera at the exit: the open session closes with the amount from the place's rate table."""
        body = _json_body()
        place_id, plate = str(body.get("place", "")), str(body.get("plate", "")).replace(" ", "").upper()
        at = parse_instant(body["at"]) if body.get("at") else now()
        with engine.connect() as conn:
            row = conn.execute(select(sessions).where(sessions.c.place_id == place_id, sessions.c.plate == plate,
                                                      sessions.c.end_ts.is_(None))).first()
        if row is None:
            raise ApdsRequestError(404, f"{plate} is not inside {place_id}")
        session = json.loads(row.document)
        stay = max(0, int(at.timestamp()) - row.start_ts)
        amount = float(pricing.price(day_rate(place_id), stay))
        segment = dict(session["segments"][-1])
        paid = segment.get("financialTransactions") or []
        segment.update(actualEnd=_iso(at), financialTransactions=paid or [
            {"segmentValue": amount, "serviceProvider": {"en": OPERATOR_ID}, "taxIncluded": True}])
        session.update(actualEnd=_iso(at), segments=[*session["segments"][:-1], segment])
        return jsonify(replace_session(row.id, session, row.version))

    @app.route("/_sandbox/operators", methods=["GET", "POST"])
    def operator_console():
        """A small HTML console for the operators (served with ``flask sandbox serve apds``): drive a car in or out."""
        message = ""
        if request.method == "POST":
            action = "exit" if request.form.get("action") == "exit" else "enter"
            body = {"place": request.form.get("place", ""), "plate": request.form.get("plate", "")}
            answer = app.test_client().post(f"/_sandbox/operators/{action}", json=body)
            result = answer.get_json() or {}
            message = result.get("message") or f"{action}: session {result.get('id')} version {result.get('version')}"
            if answer.status_code < 300:
                delivered = app.test_client().post("/_sandbox/deliveries").get_json()
                message += f" · events {delivered}"
        with engine.connect() as conn:
            inside = conn.execute(select(sessions.c.place_id, sessions.c.plate, sessions.c.start_ts)
                                  .where(sessions.c.end_ts.is_(None)).order_by(sessions.c.start_ts)).all()
        return render_template_string(OPERATOR_CONSOLE, message=message, inside=inside,
                                      places=[(r.document["id"], r.document["name"]["en"])
                                              for r in find_places(engine, None)],
                                      when=lambda ts: _iso(datetime.fromtimestamp(ts, UTC)))

    def day_rate(place_id: str) -> dict:
        place = get_place(engine, place_id)
        spec = get_document(engine, rights, place.document["rightSpecifications"][0]["id"])
        return get_document(engine, rates, spec["rateEligibility"][0]["rate"]["id"])

    return app


def _json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApdsRequestError(400, "the body must be a JSON object")
    return body


def _meta(offset: int, limit: int, total: int) -> dict:
    return {"referenceInstant": int(datetime.now(UTC).timestamp()), "offset": offset, "pageSize": limit,
            "total": total}


def _paging() -> tuple[int, int]:
    try:
        offset = int(request.args.get("offset", 0))
        limit = int(request.args.get("limit", PAGE_SIZE))
    except ValueError:
        raise ApdsRequestError(400, "offset and limit must be integers") from None
    if offset < 0 or not 1 <= limit <= PAGE_SIZE:
        raise ApdsRequestError(400, f"offset must be 0 or more and limit 1..{PAGE_SIZE}")
    return offset, limit


def _list_arg(name: str) -> list[str]:
    """A comma-separated list parameter (spec: style form, explode false)."""
    return [v.strip() for raw in request.args.getlist(name) for v in raw.split(",") if v.strip()]


def _instant_arg(name: str, now) -> int | None:
    """Unix seconds (the spec), an ISO instant, or ``now`` (the seed's ``start_before=now``)."""
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    if raw == "now":
        return int(now().timestamp())
    try:
        return int(raw)
    except ValueError:
        pass
    try:
        return int(parse_instant(raw).timestamp())
    except ValueError:
        raise ApdsRequestError(400, f"{name} must be Unix seconds, an ISO 8601 instant or 'now'") from None


def _unauthorized(message: str, challenge: str):
    body, status = _status_body(401, message)
    body.headers["WWW-Authenticate"] = challenge  # RFC 6750 §3
    return body, status


def _search_point() -> tuple[float, float, int] | None:
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


def _expand_attributes() -> frozenset[str]:
    values = {value.strip() for raw in request.args.getlist("expand") for value in raw.split(",") if value.strip()}
    unknown = values - set(EXPAND_ATTRIBUTES) - {"all", "none"}
    if unknown:
        raise ApdsRequestError(400, f"unknown expand value: {', '.join(sorted(unknown))}")
    if "all" in values:
        return OPTIONAL_ATTRIBUTES
    return frozenset(name for value in values - {"none"} for name in EXPAND_ATTRIBUTES[value])

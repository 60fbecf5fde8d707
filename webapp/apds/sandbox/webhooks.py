"""Event subscriptions (the spec's ``/webhooks``) and the outbox that delivers their events.

A change writes one outbox row per matching subscription in the same transaction
(``emit``); ``POST /_sandbox/deliveries`` (run by the app's job runner) sends the due
ones, signed, and retries failures with back-off.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import uuid

import httpx
from flask import Blueprint, current_app, jsonify
from sqlalchemy import select

from webapp.apds.sandbox.protocol import PAGE_SIZE, ApdsRequestError, iso, json_body, meta, now, ok, store
from webapp.apds.sandbox.store import outbox, webhooks

MAX_ATTEMPTS = 8
BACKOFF_SECONDS = 30
EVENT_TYPES = frozenset({
    "PlaceCreated", "PlaceUpdated", "PlaceDeleted", "AssignedRightCreated", "AssignedRightUpdated",
    "AssignedRightDeleted", "SessionCreated", "SessionUpdated", "SessionDeleted", "ObservationCreated",
    "ObservationUpdated", "ObservationDeleted", "RightSpecificationCreated", "RightSpecificationUpdated",
    "RightSpecificationDeleted", "RateTableUpdated", "RateTableDeleted",
})

bp = Blueprint("webhooks_api", __name__)


def default_sender(url: str, headers: dict[str, str], body: bytes) -> int:
    """Send one event over the network; the subscriber's HTTP status."""
    response = httpx.post(url, content=body, headers=headers, timeout=5.0)
    return response.status_code


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
        body = {"eventId": event_id, "eventSubscriptionId": row.id, "eventTime": iso(now()), "topic": topic,
                "data": [obj]}
        conn.execute(outbox.insert().values(
            event_id=event_id, subscription_id=row.id, endpoint=subscription["endpoint"], topic=topic,
            body=json.dumps(body), attempts=0, next_attempt_ts=int(now().timestamp())))


@bp.post("/_sandbox/deliveries")
def deliver_due():
    """Send every due event once (the app's job runner calls this); returns what happened."""
    sender = current_app.extensions["apds_sender"]
    current = int(now().timestamp())
    with store().connect() as conn:
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
        with store().begin() as conn:
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
    with store().connect() as conn:
        report["pending"] = len(conn.execute(select(outbox.c.seq).where(
            outbox.c.delivered_ts.is_(None), outbox.c.attempts < MAX_ATTEMPTS)).all())
    return jsonify(report)


@bp.get("/_sandbox/outbox")
def list_outbox():
    with store().connect() as conn:
        rows = conn.execute(select(outbox).order_by(outbox.c.seq)).all()
    return jsonify([{"eventId": r.event_id, "topic": r.topic, "attempts": r.attempts,
                     "delivered": r.delivered_ts is not None, "lastStatus": r.last_status,
                     "nextAttempt": r.next_attempt_ts, "subscriptionId": r.subscription_id} for r in rows])


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


@bp.post("/v1/parking/webhooks")
def subscribe():
    body = json_body()
    document = {"id": str(uuid.uuid4()), "version": 1, **subscription_from(body)}
    # our addition to EventSubscription: the secret that signs deliveries (given, or made here)
    secret = str(body.get("secret") or secrets.token_urlsafe(32))
    with store().begin() as conn:
        conn.execute(webhooks.insert().values(id=document["id"], secret=secret, document=json.dumps(document)))
    return jsonify({**document, "secret": secret}), 201


@bp.get("/v1/parking/webhooks")
def list_subscriptions():
    with store().connect() as conn:
        rows = conn.execute(select(webhooks.c.document)).all()
    data = [json.loads(r.document) for r in rows]
    return jsonify({"meta": meta(0, PAGE_SIZE, len(data)), "data": data})


def load_subscription(subscription_id: str) -> dict:
    with store().connect() as conn:
        row = conn.execute(select(webhooks.c.document).where(webhooks.c.id == subscription_id)).first()
    if row is None:
        raise ApdsRequestError(404, f"subscription {subscription_id} not found")
    return json.loads(row.document)


@bp.get("/v1/parking/webhooks/<subscription_id>")
def one_subscription(subscription_id: str):
    return jsonify(load_subscription(subscription_id))


@bp.put("/v1/parking/webhooks/<subscription_id>")
def update_subscription(subscription_id: str):
    body = json_body()
    current = load_subscription(subscription_id)
    if body.get("version", current["version"]) != current["version"]:
        raise ApdsRequestError(409, f"stale version: subscription is at version {current['version']}")
    document = {"id": subscription_id, "version": current["version"] + 1, **subscription_from(body)}
    with store().begin() as conn:
        conn.execute(webhooks.update().where(webhooks.c.id == subscription_id)
                     .values(document=json.dumps(document)))
    return jsonify(document)


@bp.delete("/v1/parking/webhooks/<subscription_id>")
def unsubscribe(subscription_id: str):
    load_subscription(subscription_id)
    with store().begin() as conn:
        conn.execute(webhooks.delete().where(webhooks.c.id == subscription_id))
    return ok(200, f"subscription {subscription_id} deleted")

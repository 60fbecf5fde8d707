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

Operators (``operators.py``: ``/_sandbox/operators/enter|exit``, also ``flask --app app apds
operator …``): the camera sees plate X enter place P (a session is opened) or
leave (it is closed with the amount from the place's rate table). Occupancy follows
a daily curve (``occupancy.py``) from an injectable clock
(``app.extensions["apds_clock"]``).

The parts, one module each: ``protocol`` (the conventions above), ``places_api``
(places, rights, rates, occupancy), ``sessions_api``, ``assigned_rights_api``,
``webhooks`` (subscriptions, the outbox and its deliveries), ``operators``; the data
lives in ``store`` (seeded from ``data``), prices in ``pricing``, the day's curve in
``occupancy``.
"""


from __future__ import annotations

import hmac
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, request
from werkzeug.exceptions import HTTPException

from webapp.apds.sandbox import assigned_rights_api, operators, places_api, sessions_api, webhooks
from webapp.apds.sandbox.protocol import ApdsRequestError, status_body, unauthorized
from webapp.apds.sandbox.store import open_store
from webapp.core.sandbox_kit import DroppedReplyError, install_faults

DEFAULT_TOKEN = "apds-demo-token"  # noqa: S105 — the sandbox's public demo token


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
    app.extensions["apds_store"] = open_store(state_dir)
    app.extensions["apds_clock"] = lambda: datetime.now(UTC)
    app.extensions["apds_sender"] = webhooks.default_sender
    token = credentials.get("token") or DEFAULT_TOKEN
    install_faults(app)  # first, so a forced 503 wins over auth like a real outage

    @app.before_request
    def require_bearer_token():
        if request.path.startswith("/_sandbox/"):
            return None
        scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not presented.strip():
            return unauthorized("Missing bearer token", 'Bearer realm="apds"')
        if not hmac.compare_digest(presented.strip().encode(), token.encode()):
            return unauthorized("Invalid access token", 'Bearer realm="apds", error="invalid_token"')
        return None

    @app.errorhandler(ApdsRequestError)
    def refused(error: ApdsRequestError):
        body, status = status_body(error.code, error.message)
        body.headers.update(error.headers)
        return body, status

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if isinstance(getattr(error, "original_exception", None), DroppedReplyError):
            raise error.original_exception  # a reply lost on purpose must reach the transport, not become a 500
        return status_body(error.code or 500, error.description or error.name)

    for part in (places_api, sessions_api, assigned_rights_api, webhooks, operators):
        app.register_blueprint(part.bp)
    return app

"""APDS platform emulator (seed 003, spec in shared/apds-spec/): the foundation.

We play the service provider; this sandbox plays the platform. For now it
answers ``GET /v1/parking/places`` (seed 003 §➊) with bearer-token auth; rights,
rates, occupancy and sessions come with their own issues.

Error bodies use the spec's ``ResponseStatus`` (``{"status": "error", "code",
"message"}``); lists use the spec's ``{meta, data}`` envelope (PaginatedListMeta).
"""

from __future__ import annotations

import hmac
import time
from pathlib import Path

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from webapp.apds.sandbox.store import find_places, open_store
from webapp.core.sandbox_kit import install_faults

DEFAULT_TOKEN = "apds-demo-token"  # noqa: S105 — the sandbox's public demo token
PAGE_SIZE = 100

# expand value (spec: components/parameters/places_expand) -> optional Place
# attributes it adds; "all" adds every one, "none" (the default) none.
EXPAND_ATTRIBUTES = {
    "rightSpecifications": ("rightSpecifications",),
    "pointLocation": ("indicativePlacePointLocation",),
    "streetAddress": ("placeStreetAddress",),
    "areaLocation": ("placeBoundedZone",),
    "occupancy": ("occupancyLevel",),
    "contacts": (),
    "operatingRestrictions": (),
    "characteristics": (),
    "paymentMethods": (),
    "openingTimes": (),
}
OPTIONAL_ATTRIBUTES = frozenset(name for names in EXPAND_ATTRIBUTES.values() for name in names)


class ApdsRequestError(Exception):
    """A request the platform refuses; rendered as a ResponseStatus body."""

    def __init__(self, code: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.headers = headers or {}


def _status_body(code: int, message: str):
    return jsonify({"status": "error", "code": code, "message": message}), code


def create_sandbox(state_dir: Path, credentials: dict[str, str]) -> Flask:
    """Build the APDS platform sandbox.

    Args:
        state_dir: folder holding ``apds.sqlite3`` (the platform's data).
        credentials: ``token`` — the bearer token the platform accepts
            (default ``apds-demo-token``).

    Returns:
        The sandbox Flask app (fault switch installed).
    """
    app = Flask(__name__)
    app.json.sort_keys = False
    engine = open_store(state_dir)
    app.extensions["apds_store"] = engine
    token = credentials.get("token") or DEFAULT_TOKEN
    install_faults(app)  # first, so a forced 503 wins over auth like a real outage

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
        return _status_body(error.code or 500, error.description or error.name)

    @app.get("/v1/parking/places")
    def list_places():
        near = _search_point()
        expand = _expand_attributes()
        rows = find_places(engine, near)
        data = [_expanded(row.document, expand) for row in rows[:PAGE_SIZE]]
        return jsonify({
            "meta": {"referenceInstant": int(time.time()), "offset": 0, "pageSize": PAGE_SIZE, "total": len(rows)},
            "data": data,
        })

    return app


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


def _expanded(document: dict, expand: frozenset[str]) -> dict:
    return {key: value for key, value in document.items() if key not in OPTIONAL_ATTRIBUTES or key in expand}

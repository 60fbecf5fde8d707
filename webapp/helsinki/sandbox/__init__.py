"""Emulator of the City of Helsinki mobile parking payment API v1 (seed 002).

We are the operator (client); this package is the city's side. Build it with
``create_sandbox(state_dir, credentials)``; state lives in
``state_dir/helsinki.sqlite3`` so several processes see one city.

Test hooks (all in ``app.config``, read on every request):

* ``CLOCK`` — callable returning the aware "now" (token expiry, regret time,
  parking status, rate-limit windows, "today" of day types);
* ``HELSINKI_RATE_LIMITS`` — ``{resource: (limit, window_seconds)}`` for
  ``/areas``, ``/day_types`` and ``/parkings``; also settable through
  ``credentials["rate_limit_<name>"]`` / ``credentials["rate_window_<name>"]``;
* ``HELSINKI_TOKEN_TTL`` (seconds, or ``credentials["token_ttl"]``),
  ``HELSINKI_REGRET_SECONDS`` (120, seed §6.7), ``HELSINKI_DAY_TYPE_HORIZON``.

The store is ``app.extensions["helsinki_store"]`` (e.g. to mark an operator
inactive) and the fault switch ``app.extensions["faults"]``.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from webapp.core.sandbox_kit import DroppedReplyError, install_faults
from webapp.helsinki.sandbox import parkings, routes
from webapp.helsinki.sandbox.errors import ApiError, negotiate_language
from webapp.helsinki.sandbox.protocol import ALL_RIGHTS, check_headers, error_reply
from webapp.helsinki.sandbox.store import Store

log = logging.getLogger("webapp.helsinki.sandbox")

DEMO_USERNAME = "client_00"
DEMO_PASSWORD = "secret password"  # noqa: S105 - the seed's own demo credentials (§3.1.1)
#: a second operator, for "not your parking" cases (1205)
OTHER_OPERATOR = ("client_01", "other password", ALL_RIGHTS)
#: a third party with read access to reference data only (seed §2: open area queries), for 1000
VIEWER_OPERATOR = ("viewer_00", "viewer password", ["areas:read", "day_types:read"])

DEFAULT_RATE_LIMITS = {
    "/areas": (10_000, 3_600),
    "/day_types": (10_000, 3_600),
    "/parkings": (100_000, 600),
}


def _rate_limits(credentials: dict[str, str]) -> dict[str, tuple[int, int]]:
    limits = dict(DEFAULT_RATE_LIMITS)
    for resource, (limit, window) in DEFAULT_RATE_LIMITS.items():
        name = resource.strip("/")
        limits[resource] = (int(credentials.get(f"rate_limit_{name}", limit)),
                            int(credentials.get(f"rate_window_{name}", window)))
    return limits


def create_sandbox(state_dir: Path, credentials: dict[str, str]) -> Flask:
    """Build the Helsinki sandbox app.

    Args:
        state_dir: folder of the sandbox's SQLite file.
        credentials: ``username``/``password`` of the demo operator (default
            ``client_00``/``secret password``); optional ``jwt_secret``,
            ``token_ttl``, ``rate_limit_<resource>``, ``rate_window_<resource>``.

    Returns:
        The Flask app (WSGI) answering under ``/api/v1``.
    """
    state_dir = Path(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    store = Store(state_dir / "helsinki.sqlite3")
    username = credentials.get("username") or DEMO_USERNAME
    store.save_operator(username, credentials.get("password") or DEMO_PASSWORD, ALL_RIGHTS)
    for name, password, rights in (OTHER_OPERATOR, VIEWER_OPERATOR):
        if name != username:
            store.save_operator(name, password, rights)

    app = Flask(__name__)
    app.config.update(
        CLOCK=lambda: datetime.now(UTC),
        HELSINKI_JWT_SECRET=store.jwt_secret(credentials.get("jwt_secret")),
        HELSINKI_TOKEN_TTL=int(credentials.get("token_ttl", 3600)),
        HELSINKI_RATE_LIMITS=_rate_limits(credentials),
        HELSINKI_REGRET_SECONDS=120,
        HELSINKI_DAY_TYPE_HORIZON=400,
        # A dropped reply must leave the WSGI app as an exception so the
        # transport can turn it into a timeout; our own handler below still
        # answers 9999 for every other failure.
        PROPAGATE_EXCEPTIONS=True,
    )
    app.json.ensure_ascii = False
    app.extensions["helsinki_store"] = store
    switch = install_faults(app)  # first, so forced faults win over our checks
    app.before_request(check_headers)
    app.register_blueprint(routes.bp)
    app.register_blueprint(parkings.bp)

    @app.errorhandler(ApiError)
    def api_error(error: ApiError) -> Response:
        return error_reply(error)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        if isinstance(error, DroppedReplyError):
            raise error
        if isinstance(error, HTTPException):
            # unknown path -> "no results" (404/1110); wrong method -> 405 with 1201
            code = 1110 if error.code == 404 else 1201
            return error_reply(ApiError(code, status=error.code))
        log.exception("helsinki sandbox failed on %s %s", request.method, request.path)
        return error_reply(ApiError(9999, status=500))

    @app.after_request
    def fault_in_seed_format(response: Response) -> Response:
        # The shared fault switch answers forced statuses with its own body;
        # rewrite it into the seed's error format so clients see 9999 etc.
        forced = switch.status
        if forced and response.status_code == forced and request.path.startswith("/api/"):
            body = response.get_json(silent=True) or {}
            if body.get("error") == "sandbox fault":
                code = {429: 1001, 401: 1104, 403: 1000}.get(forced, 9999)
                # the switch answered before our header checks chose a language
                g.language = negotiate_language(request.headers.get("Accept-Language")) or "fi"
                return error_reply(ApiError(code, status=forced))
        return response

    return app

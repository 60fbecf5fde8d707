"""Emulator of parkkihubi, the City of Helsinki's parking hub: its operator API as version 4.0.0 answers.

Built from ``shared/parkkihubi-operator-api.md`` (observed over HTTP on a running hub), never
from our client. Build it with ``create_sandbox(state_dir, credentials)``; its state lives in
``state_dir/parkkihubi.sqlite3``. Serve it on a port with
``flask --app app sandbox serve parkkihubi --port 5480``.

What it holds to, as the hub does:

* ``Authorization: ApiKey <key>`` (the keyword in any case); DRF's 401s with
  ``WWW-Authenticate: ApiKey``; a key that is no operator's gets 403 ``permission_denied``;
* the trailing slash: without it, 301 to the path with it (a client that follows loses the body);
  ``POST …?method=PUT|PATCH|DELETE`` works as that method, any other value is a bare 405;
* no read: ``GET`` on a parking (or the list) is 405; another operator's parking is 404;
* the serializer's fields, defaults and messages (``fields.py``); a polygon as ``location``
  is the hub's HTML 500;
* the 2-minute grace period from ``created_at``; after it only a ``PATCH`` of exactly
  ``time_end``, else 403 ``grace_period_over``; ``DELETE`` at any time;
* times without an offset are UTC; answers in UTC with ``Z`` and the precision sent;
* unknown routes: an HTML 404 page.

Keys (``credentials``): ``api_key`` (the demo operator, default ``DEMO_API_KEY``); a second
operator ``OTHER_OPERATOR_KEY`` (for "another operator's parking"); an enforcer
``ENFORCER_KEY`` (for ``/enforcement/v1/valid_parking/``, what enforcement sees).

Test hooks: ``app.config["CLOCK"]`` (the hub's now), ``PARKKIHUBI_GRACE_SECONDS`` (120),
``app.extensions["parkkihubi_store"]`` and the fault switch ``app.extensions["faults"]``.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import RequestRedirect

from webapp.core.sandbox_kit import DroppedReplyError, install_faults
from webapp.parkkihubi.sandbox import routes
from webapp.parkkihubi.sandbox.routes import NOT_FOUND_PAGE, SERVER_ERROR_PAGE, HubError
from webapp.parkkihubi.sandbox.store import Store

log = logging.getLogger("webapp.parkkihubi.sandbox")

DEMO_API_KEY = "0123456789abcdef0123456789abcdef01234567"  # the demo operator's: public, sandbox only
OTHER_OPERATOR_KEY = "1111111111111111111111111111111111111111"
ENFORCER_KEY = "2222222222222222222222222222222222222222"
DEMO_OPERATOR = "parkgo-operator"
OVERRIDES = frozenset({"DELETE", "PATCH", "PUT"})


def create_sandbox(state_dir: Path, credentials: dict[str, str]) -> Flask:
    """Build the hub sandbox app.

    Args:
        state_dir: folder of its SQLite file.
        credentials: ``api_key`` of the demo operator (default ``DEMO_API_KEY``).

    Returns:
        The Flask app (WSGI) answering under ``/operator/v1/`` and ``/enforcement/v1/``.
    """
    state_dir = Path(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    store = Store(state_dir / "parkkihubi.sqlite3")
    store.save_key(credentials.get("api_key") or DEMO_API_KEY, DEMO_OPERATOR, "ParkGo", "operator")
    store.save_key(OTHER_OPERATOR_KEY, "other-operator", "Other Operator", "operator")
    store.save_key(ENFORCER_KEY, "enforcer", "Sandbox Enforcer", "enforcer")

    app = Flask(__name__)
    app.config.update(
        CLOCK=lambda: datetime.now(UTC),
        PARKKIHUBI_GRACE_SECONDS=120,  # PARKKIHUBI_TIME_PARKINGS_EDITABLE, hard-coded in the hub's settings
        PARKKIHUBI_PERMIT_AREA_USER=DEMO_OPERATOR,
        PARKKIHUBI_OPERATOR_NAMES={DEMO_OPERATOR: "ParkGo", "other-operator": "Other Operator"},
        # a dropped reply must leave the WSGI app as an exception (the transport makes it a timeout)
        PROPAGATE_EXCEPTIONS=True,
    )
    app.extensions["parkkihubi_store"] = store
    app.before_request(_method_override)  # Django middleware: before anything else, the fault switch included
    switch = install_faults(app)
    app.before_request(_append_slash)
    app.register_blueprint(routes.bp)

    @app.errorhandler(HubError)
    def hub_error(error: HubError) -> Response:
        if error.html is not None:
            return Response(error.html, status=error.status, mimetype="text/html")
        return routes._json(error.status, error.body, error.headers)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        if isinstance(error, DroppedReplyError):
            raise error
        if isinstance(error, MethodNotAllowed):
            # a route without that method: the hub's DRF view says 405 once the caller is known
            return routes._json(405, {"detail": f'Method "{request.method}" not allowed.'})
        if isinstance(error, HTTPException):
            return Response(NOT_FOUND_PAGE if error.code == 404 else "", status=error.code or 500,
                            mimetype="text/html")
        log.exception("parkkihubi sandbox failed on %s %s", request.method, request.path)
        return Response(SERVER_ERROR_PAGE, status=500, mimetype="text/html")

    @app.after_request
    def drf_allow_header(response: Response) -> Response:
        # every answer of one of the hub's DRF views names the view's methods
        allow = routes.allow_for(request.path)
        if allow and "Allow" not in response.headers and (response.mimetype == "application/json"
                                                          or response.status_code == 204):
            response.headers["Allow"] = allow
        return response

    @app.after_request
    def faults_in_the_hubs_shapes(response: Response) -> Response:
        # the shared switch answers a forced status with its own JSON; the hub's shapes instead
        forced = switch.status
        if forced and response.status_code == forced and (response.get_json(silent=True) or {}).get("error"):
            if forced == 401:
                return routes._json(401, {"detail": "Invalid token."}, {"WWW-Authenticate": "ApiKey"})
            if forced == 403:
                return routes._json(403, {"detail": "You do not have permission to perform this action.",
                                          "code": "permission_denied"})
            if forced == 429:
                return routes._json(429, {"detail": "Request was throttled. Expected available in 60 seconds."},
                                    {"Retry-After": "60"})
            page = SERVER_ERROR_PAGE if forced >= 500 else NOT_FOUND_PAGE
            return Response(page.replace("(500)", f"({forced})"), status=forced, mimetype="text/html")
        return response

    return app


def _method_override() -> Response | None:
    """``POST ?method=PUT|PATCH|DELETE`` is that method; another value is a bare 405 (the hub's middleware)."""
    if request.method != "POST" or "method" not in request.args:
        return None
    method = request.args["method"]
    if method not in OVERRIDES:
        return Response("", status=405, headers={"Allow": "DELETE, PUT, PATCH"})  # as the peer ordered them
    # every route here accepts every method (DRF answers 405 itself), so the POST's match stands
    request.environ["REQUEST_METHOD"] = method
    request.method = method
    return None


def _append_slash() -> Response | None:
    """Django's ``APPEND_SLASH``: a path without its slash that exists with one is 301 there (no body kept)."""
    if isinstance(request.routing_exception, RequestRedirect) and not request.path.endswith("/"):
        target = request.path + "/" + (f"?{request.query_string.decode()}" if request.query_string else "")
        return Response("", status=301, headers={"Location": target})
    return None

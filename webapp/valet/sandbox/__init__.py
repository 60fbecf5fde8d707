"""247Parking REST API emulator (seed 004): the foundation.

We play the partner; this sandbox plays 247Parking. For now it answers the test
call ``GET /v1/`` and enforces the ``X-Authorization`` scheme on every request:
key, signature, a 10-minute timestamp window and single-use nonces. The
reservation endpoints come with their own issue.

Signature (seed 004 "Creating a signature"): base64 of the raw SHA-1 digest of
secret + METHOD + base URL + nonce + timestamp. The seed's worked example
prints a signature its own inputs do not produce; we implement the formula
(PROVIDERS.md §5). The base URL is configuration, not the request's URL: the
seed signs ``https://api.247parking.nl/`` for a request to ``/v1/``, so both
sides must be configured with the same value (``credentials["base_url"]`` here,
the client's ``base_url`` there).

Every reply is ``{"data": …, "meta": {"status", "code", "message"}}``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from pathlib import Path

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from webapp.core.sandbox_kit import install_faults
from webapp.valet.sandbox.store import open_store, use_nonce

# The seed's example credentials double as the sandbox's demo partner account.
DEFAULT_KEY = "XxYEajBjyj&PQZiLGatPbKkoU3cg6NG9)ZrW6DWghAEiqv=lM"
DEFAULT_SECRET = "YyZLGQZiGrW6oBjyj&WghAP9)ZEiqv=lMatPbK"  # noqa: S105 — published demo value
DEFAULT_BASE_URL = "https://api.247parking.nl/v1/"
#: seed 004 "Timestamp": requests created more than 10 minutes ago are refused.
MAX_AGE_SECONDS = 600

# Key="…",Timestamp="…",Nonce="…",Signature="…" — one line in practice; blanks
# after the commas are tolerated like the seed's wrapped rendering.
_HEADER_PARAM = re.compile(r'\s*(\w+)="([^"]*)"\s*(?:,|$)')
_HEADER_FIELDS = ("Key", "Timestamp", "Nonce", "Signature")


class AuthorizationError(Exception):
    """The request's X-Authorization was refused (always 401)."""


def envelope(data, status: str, code: int, message: str):
    """Build a reply in 247Parking's ``{data, meta}`` shape with HTTP status ``code``."""
    return jsonify({"data": data, "meta": {"status": status, "code": code, "message": message}}), code


def expected_signature(secret: str, method: str, base_url: str, nonce: str, timestamp: str) -> str:
    """The documented signature, computed independently of the client's code."""
    concatenated = f"{secret}{method.upper()}{base_url}{nonce}{timestamp}"
    digest = hashlib.sha1(concatenated.encode()).digest()  # noqa: S324 — the seed mandates SHA-1
    return base64.b64encode(digest).decode("ascii")


def parse_authorization(header: str) -> dict[str, str]:
    """Split an X-Authorization value into its four parameters.

    Raises:
        AuthorizationError: missing, malformed or incomplete header.
    """
    if not header:
        raise AuthorizationError("Authentication credentials were missing or incorrect.")
    params, position = {}, 0
    while position < len(header):
        match = _HEADER_PARAM.match(header, position)
        if not match:
            raise AuthorizationError("Malformed X-Authorization header")
        params[match.group(1)] = match.group(2)
        position = match.end()
    missing = [name for name in _HEADER_FIELDS if not params.get(name)]
    if missing:
        raise AuthorizationError(f"X-Authorization lacks {', '.join(missing)}")
    return params


def create_sandbox(state_dir: Path, credentials: dict[str, str]) -> Flask:
    """Build the 247Parking sandbox.

    Args:
        state_dir: folder holding ``parking247.sqlite3`` (used nonces).
        credentials: ``key`` and ``secret`` of the demo partner (default: the
            seed's example pair) and ``base_url`` the signatures are computed
            over (default ``https://api.247parking.nl/v1/``; the client must be
            configured with the same value).

    Returns:
        The sandbox Flask app (fault switch installed).
    """
    app = Flask(__name__)
    app.json.sort_keys = False
    engine = open_store(state_dir)
    app.extensions["parking247_store"] = engine
    api_key = credentials.get("key") or DEFAULT_KEY
    secret = credentials.get("secret") or DEFAULT_SECRET
    base_url = credentials.get("base_url") or DEFAULT_BASE_URL
    install_faults(app)  # first, so a forced 503 wins over auth like a real outage

    @app.before_request
    def authorize():
        if request.path.startswith("/_sandbox/"):
            return None
        try:
            _check(request.method, request.headers.get("X-Authorization", ""))
        except AuthorizationError as error:
            return envelope("", "error", 401, str(error))
        return None

    def _check(method: str, header: str) -> None:
        params = parse_authorization(header)
        if not hmac.compare_digest(params["Key"].encode(), api_key.encode()):
            raise AuthorizationError("Invalid API key")
        if not params["Timestamp"].isdigit():
            raise AuthorizationError("Invalid timestamp")
        timestamp, now = int(params["Timestamp"]), int(time.time())
        if now - timestamp > MAX_AGE_SECONDS:
            raise AuthorizationError("Request expired")  # seed 004 "Error codes & responses"
        if timestamp - now > MAX_AGE_SECONDS:
            # A far-future timestamp would outlive the nonce store and allow a replay.
            raise AuthorizationError("Invalid timestamp")
        signature = expected_signature(secret, method, base_url, params["Nonce"], params["Timestamp"])
        if not hmac.compare_digest(params["Signature"].encode(), signature.encode()):
            raise AuthorizationError("Invalid signature")
        # Only signed requests spend a nonce, so a forged header cannot burn one.
        if not use_nonce(engine, api_key, params["Nonce"], timestamp, now - MAX_AGE_SECONDS):
            raise AuthorizationError("Nonce already used")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return envelope("", "error", error.code or 500, error.name)

    @app.get("/v1/")
    def test_call():
        return envelope("", "success", 200, "Access authorized")

    return app

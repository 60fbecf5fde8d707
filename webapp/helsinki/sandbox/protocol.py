"""Protocol rules every Helsinki resource shares (seed §2, §3, §4).

Header checks run before any view for ``/api/`` paths, in the order a real
gateway would apply them: transport (HTTPS) → response type (Accept) →
language → body type (Content-Type). Views then declare what they need with
``@endpoint(resource, right)``: token, right, rate limit.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import jwt
from flask import Response, current_app, g, jsonify, request

from webapp.helsinki.sandbox.errors import ApiError, error_entry, negotiate_language

HELSINKI = ZoneInfo("Europe/Helsinki")
API_VERSION = "1.0.0"
JWT_ALGORITHM = "HS256"
JSON_TYPE = "application/json"

#: (href, method, rel, titles, right needed) — the HATEOAS links of seed §2.4
LINKS = [
    ("/api/v1/areas", "GET", "/areas",
     {"fi": "Pysäköintialueet", "sv": "Parkeringsområden", "en": "Parking areas"}, "areas:read"),
    ("/api/v1/day_types", "GET", "/day_types",
     {"fi": "Päivätyypit", "sv": "Dagtyper", "en": "Day types"}, "day_types:read"),
    ("/api/v1/parkings", "GET", "/parkings",
     {"fi": "Pysäköinnit", "sv": "Parkeringar", "en": "Parkings"}, "parkings:read"),
    ("/api/v1/parkings", "POST", "/parkings",
     {"fi": "Pysäköinnin luonti", "sv": "Skapa parkering", "en": "Create a parking"}, "parkings:write"),
]
AUTH_LINK = ("/api/v1/authenticate", "POST", "/authenticate",
             {"fi": "Autentikointi", "sv": "Autentisering", "en": "Authentication"}, None)
PARKING_LINKS = [
    ("PUT", {"fi": "Pysäköinnin päivittäminen", "sv": "Uppdatera parkeringen", "en": "Update the parking"}),
    ("DELETE", {"fi": "Pysäköinnin peruuttaminen", "sv": "Annullera parkeringen", "en": "Cancel the parking"}),
]

ALL_RIGHTS = ["areas:read", "day_types:read", "parkings:read", "parkings:write"]


# -- clock and timestamps ---------------------------------------------------------

def now() -> datetime:
    """Current instant from ``app.config["CLOCK"]`` (tests inject their own)."""
    value = current_app.config["CLOCK"]()
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def parse_instant(value: object) -> datetime | None:
    """Parse an ISO 8601 timestamp; ``None`` if it is not one.

    The seed's field tables show ``YYYY-MM-DD'T'hh:mm:ss`` without offset while
    every example carries one (§6.5.3, §6.6.1); a timestamp without offset is
    read as Helsinki local time. Stray spaces (PDF line breaks such as
    ``'T' hh``) are ignored.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if "T" not in text:
        text = text.replace(" ", "T", 1)
    text = text.replace(" ", "")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=HELSINKI)


def format_instant(epoch: int) -> str:
    """Epoch seconds as Helsinki local time with offset, as in the seed's examples."""
    return datetime.fromtimestamp(epoch, HELSINKI).isoformat(timespec="seconds")


# -- replies ---------------------------------------------------------------------------

def links_for(rights: list[str] | None) -> list[dict]:
    """Links the caller may follow: the resources its rights allow, else authentication."""
    language = g.get("language", "fi")
    rows = [row for row in LINKS if rights and row[4] in rights] if rights else [AUTH_LINK]
    return [{"href": href, "method": method, "rel": rel, "title": titles[language]}
            for href, method, rel, titles, _right in rows]


def parking_links(parking_id: str) -> list[dict]:
    """Links of one parking resource: update and cancel."""
    language = g.get("language", "fi")
    href = f"/api/v1/parkings/{parking_id}"
    return [{"href": href, "method": method, "rel": "/parkings/{parking_id}", "title": titles[language]}
            for method, titles in PARKING_LINKS]


def reply(body: dict, status: int = 200, extra_links: list[dict] | None = None) -> Response:
    """JSON answer; every body carries ``links`` (seed §2.4)."""
    operator = g.get("operator")
    body = dict(body)
    body["links"] = (extra_links or []) + links_for(operator["rights"] if operator else None)
    response = jsonify(body)
    response.status_code = status
    response.headers["Content-Type"] = "application/json;charset=UTF-8"
    response.headers["Content-Language"] = g.get("language", "fi")
    return response


def error_reply(error: ApiError) -> Response:
    """The seed's error body (§6.9.1.1) for ``error``."""
    language = g.get("language", "fi")
    response = reply({"errors": [error_entry(error.code, language, error.field)]}, error.status)
    if error.code == 1001 and g.get("retry_after") is not None:
        response.headers["Retry-After"] = str(g.retry_after)
    return response


# -- checks before every API request -------------------------------------------------

def check_headers() -> None:
    """``before_request`` hook for ``/api/`` paths; raises ``ApiError``."""
    if not request.path.startswith("/api/"):
        return
    g.language = negotiate_language(request.headers.get("Accept-Language")) or "fi"
    # Seed §2.1: plain HTTP is always refused with 403. TLS normally ends at a
    # proxy in front of us, so the proxy's X-Forwarded-Proto decides when
    # present; without it the request is taken as having arrived over HTTPS.
    forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    if forwarded == "http":
        raise ApiError(1112)
    # Seed §2.2: the caller must always name the response type; a bare */* is
    # not "application/json" and is refused like a missing header.
    accept = request.headers.get("Accept", "")
    if not _names_json(accept):
        raise ApiError(1106)
    if negotiate_language(request.headers.get("Accept-Language")) is None:
        raise ApiError(1105)
    if request.method in {"POST", "PUT", "PATCH"}:
        mimetype = request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if mimetype != JSON_TYPE:
            raise ApiError(1107)


def _names_json(accept: str) -> bool:
    for part in accept.split(","):
        pieces = [piece.strip() for piece in part.split(";")]
        if pieces[0].lower() != JSON_TYPE:
            continue
        quality = [p.split("=", 1)[1] for p in pieces[1:] if p.replace(" ", "").lower().startswith("q=")]
        try:
            if not quality or float(quality[0]) > 0:
                return True
        except ValueError:
            return False
    return False


def issue_token(operator: dict) -> str:
    """A signed JWT carrying the operator's rights (seed §3.1, §3.2)."""
    issued = now()
    claims = {
        "sub": operator["username"],
        "operator_id": operator["username"],
        "rights": operator["rights"],
        "iat": int(issued.timestamp()),
        "exp": int((issued + timedelta(seconds=current_app.config["HELSINKI_TOKEN_TTL"])).timestamp()),
        "iss": "helsinki-sandbox",
    }
    return jwt.encode(claims, current_app.config["HELSINKI_JWT_SECRET"], algorithm=JWT_ALGORITHM)


def authenticated_operator(required: bool) -> dict | None:
    """The operator named by a valid ``Authorization`` token.

    Expiry is checked against the sandbox clock, not the wall clock, so tests
    can age a token without sleeping.

    Raises:
        ApiError: 1104 when the header is missing (and ``required``) or the
            token is invalid or expired.
    """
    header = request.headers.get("Authorization", "").strip()
    if not header:
        if required:
            raise ApiError(1104)
        return None
    scheme, _, token = header.partition(" ")
    token = token.strip() if scheme.lower() in {"bearer", "jwt"} else header
    try:
        claims = jwt.decode(token, current_app.config["HELSINKI_JWT_SECRET"], algorithms=[JWT_ALGORITHM],
                            # every time check uses the sandbox clock below, not PyJWT's wall clock
                            options={"verify_exp": False, "verify_iat": False, "verify_nbf": False,
                                     "require": ["exp", "sub"]})
    except jwt.PyJWTError as exc:
        raise ApiError(1104) from exc
    if claims["exp"] <= now().timestamp():
        raise ApiError(1104)
    operator = current_app.extensions["helsinki_store"].operator(claims["sub"])
    if operator is None:
        raise ApiError(1104)
    # rights come from the token (seed §3.2); the stored row only adds status
    operator["rights"] = [right for right in claims.get("rights", []) if isinstance(right, str)]
    g.operator = operator
    return operator


def rate_limit(resource: str) -> tuple[int, int]:
    """(limit, window seconds) for a resource, read per request so tests may change it."""
    limits = current_app.config["HELSINKI_RATE_LIMITS"]
    return limits[resource]


def count_request(username: str, resource: str) -> None:
    """Count a request against the operator's limit; raises 1001 beyond it."""
    limit, window = rate_limit(resource)
    now_ts = int(now().timestamp())
    hits, start = current_app.extensions["helsinki_store"].hit_rate(username, resource, window, now_ts)
    if hits > limit:
        g.retry_after = max(1, start + window - now_ts)
        raise ApiError(1001)


def endpoint(resource: str, right: str):
    """Decorate a view that needs a token with ``right`` and counts against ``resource``."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            operator = authenticated_operator(required=True)
            if right not in operator["rights"] or operator["status"] != "active":
                raise ApiError(1000)
            count_request(operator["username"], resource)
            return view(*args, **kwargs)

        return wrapper

    return decorate


def json_body() -> dict:
    """The request's JSON object; raises 1111 when it is not one."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(1111)
    return body

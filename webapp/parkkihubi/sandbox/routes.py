"""The hub's operator API (and the one enforcement read tests use), as parkkihubi 4.0.0 answers.

The order of checks is DRF's: authentication (401), permission (403 ``permission_denied``),
method (405), the parking (404), its fields (400), the grace period (403), the times' order
(400). Section names are those of ``shared/parkkihubi-operator-api.md``.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from flask import Blueprint, Response, current_app, request

from webapp.core.sandbox_kit import read_json
from webapp.parkkihubi.sandbox import fields
from webapp.parkkihubi.sandbox.store import Store, from_micros, normalize_reg_num, to_micros

bp = Blueprint("parkkihubi_sandbox", __name__)

PAGE_SIZE = 100  # DRF's PAGE_SIZE in the hub's settings; ``page_size`` is ignored
PARKING_METHODS = ("POST",)
PARKING_DETAIL_METHODS = ("PUT", "PATCH", "DELETE")
#: DRF's ``Allow`` header, on every answer of a view (errors included), by route
ALLOW_LIST, ALLOW_DETAIL, ALLOW_READ = "POST, OPTIONS", "PUT, PATCH, DELETE, OPTIONS", "GET, HEAD, OPTIONS"
NOT_FOUND_PAGE = ('\n<!doctype html>\n<html lang="en">\n<head>\n  <title>Not Found</title>\n</head>\n<body>\n'
                  '  <h1>Not Found</h1><p>The requested resource was not found on this server.</p>\n</body>\n</html>\n')
SERVER_ERROR_PAGE = ('\n<!doctype html>\n<html lang="en">\n<head>\n  <title>Server Error (500)</title>\n</head>\n'
                     '<body>\n  <h1>Server Error (500)</h1><p></p>\n</body>\n</html>\n')


class HubError(Exception):
    """An answer in DRF's shape: ``{"detail": …}`` (with ``code`` where the hub adds one) or a field map."""

    def __init__(self, status: int, body: dict | None = None, headers: dict | None = None,
                 html: str | None = None) -> None:
        super().__init__(status)
        self.status, self.body, self.headers, self.html = status, body, headers or {}, html


def _store() -> Store:
    return current_app.extensions["parkkihubi_store"]


def _now() -> datetime:
    return current_app.config["CLOCK"]()


def _grace() -> timedelta:
    return timedelta(seconds=current_app.config["PARKKIHUBI_GRACE_SECONDS"])


def _unauthenticated(detail: str) -> HubError:
    # DRF names the first authenticator's scheme on every 401 (*Authentication*)
    return HubError(401, {"detail": detail}, {"WWW-Authenticate": "ApiKey"})


@cache
def _options_bodies() -> dict:
    # the hub's own OPTIONS answers (DRF's field metadata), as observed over HTTP on version 4.0.0
    return json.loads((Path(__file__).parent / "options.json").read_text(encoding="utf-8"))


def _denied() -> HubError:
    return HubError(403, {"detail": "You do not have permission to perform this action.", "code": "permission_denied"})


def authenticate(role: str) -> dict:
    """The caller of an ``ApiKey`` request with ``role``; else DRF's 401 or the hub's 403.

    Raises:
        HubError: 401 (no, bad or unknown key), 403 (a key of another role).
    """
    parts = request.headers.get("Authorization", "").split()
    keyword = parts[0].lower() if parts else ""
    if keyword in ("bearer", "jwt") and len(parts) == 2:
        raise HubError(401, {"detail": "Given token not valid for any token type", "code": "token_not_valid",
                             "messages": [{"token_class": "AccessToken", "token_type": "access",
                                           "message": "Token is invalid"}]}, {"WWW-Authenticate": "ApiKey"})
    if keyword != "apikey":  # "Token …" or nothing: no authenticator recognises it
        raise _unauthenticated("Authentication credentials were not provided.")
    if len(parts) == 1:
        raise _unauthenticated("Invalid token header. No credentials provided.")
    if len(parts) > 2:
        raise _unauthenticated("Invalid token header. Token string should not contain spaces.")
    user = _store().user_for_key(parts[1])
    if user is None:
        raise _unauthenticated("Invalid token.")
    if user["role"] != role:
        raise _denied()
    return user


def _not_allowed(method: str) -> HubError:
    return HubError(405, {"detail": f'Method "{method}" not allowed.'})


def _body() -> dict:
    """The request's body as DRF parses it: JSON, a form or multipart; nothing is an empty body."""
    content_type = (request.mimetype or "").lower()
    if not request.get_data():
        return {}
    if content_type == "application/json":
        try:
            body = read_json(request.get_data())
        except ValueError as exc:
            raise HubError(400, {"detail": f"JSON parse error - {exc}"}) from None
        if not isinstance(body, dict):
            # the hub's serializer reads ``initial_data.get(…)`` before validating: a 500 (seen on the peer)
            raise HubError(500, html=SERVER_ERROR_PAGE)
        return body
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return {key: request.form[key] for key in request.form}
    raise HubError(415, {"detail": f'Unsupported media type "{request.mimetype}" in request.'})


def render(row: dict, now: datetime) -> dict:
    """A stored parking as the hub answers it (*Parking object*)."""
    start, end = from_micros(row["time_start"]), from_micros(row["time_end"])
    zone = row["zone"]
    body = {
        "id": row["id"],
        "created_at": _instant(from_micros(row["created_at"])),
        "modified_at": _instant(from_micros(row["modified_at"])),
        "location": Store.location_of(row),
        "terminal_number": row["terminal_number"],
        "registration_number": row["registration_number"],
        "time_start": _instant(start),
        "time_end": _instant(end) if end is not None else None,
        # an all-digit code comes back as a number (``casted_code``)
        "zone": (int(zone) if zone.isdigit() else zone) if zone is not None else None,
        "status": "valid" if start <= now and (end is None or end >= now) else "not_valid",
    }
    if row["is_disc_parking"]:  # only when true (``to_representation``), before ``domain`` (the fields' order)
        body["is_disc_parking"] = True
    body["domain"] = row["domain"]
    return body


def _instant(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _columns(data: dict) -> dict:
    """Validated fields as store columns."""
    columns = {}
    for name, value in data.items():
        if name in ("time_start", "time_end"):
            columns[name] = to_micros(value) if value is not None else None
        elif name == "location":
            columns[name] = json.dumps(value) if value is not None else None
        else:
            columns[name] = value
    if "registration_number" in columns:
        columns["normalized_reg_num"] = normalize_reg_num(columns["registration_number"])
    return columns


def _validated(body: dict, *, partial: bool, row: dict | None, now: datetime) -> dict:
    instance = None
    if row is not None:
        instance = {"created_at": from_micros(row["created_at"]), "time_start": from_micros(row["time_start"]),
                    "time_end": from_micros(row["time_end"])}
    try:
        data, errors = fields.validate(body, partial=partial, instance=instance, now=now, grace=_grace())
    except fields.GraceOverError:
        raise HubError(403, {"detail": fields.GRACE_OVER, "code": "grace_period_over"}) from None
    except fields.GeometryCrashError:
        raise HubError(500, html=SERVER_ERROR_PAGE) from None
    if errors:
        raise HubError(400, errors)
    return data


def _committed() -> None:
    current_app.extensions["faults"].after_commit()


# -- the operator API ---------------------------------------------------------------------


@bp.route("/operator/v1/parking/", methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
def parkings():
    user = authenticate("operator")
    method = request.method
    if method == "OPTIONS":
        return _json(200, _options_bodies()["list"])
    if method not in PARKING_METHODS:
        raise _not_allowed(method)
    now = _now()
    data = _validated(_body(), partial=False, row=None, now=now)
    at = to_micros(now)
    row = {"id": str(uuid.uuid4()), "operator": user["username"], "created_at": at, "modified_at": at,
           "zone": None, **_columns(data)}
    _store().insert(row)
    _committed()
    return _json(201, render(row, now))


@bp.route("/operator/v1/parking/<parking_id>/", methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
def parking(parking_id: str):
    user = authenticate("operator")
    method = request.method
    if method == "OPTIONS":
        return _json(200, _options_bodies()["detail"])
    if method not in PARKING_DETAIL_METHODS:
        raise _not_allowed(method)
    try:
        key = str(uuid.UUID(parking_id))
    except ValueError:
        raise HubError(404, {"detail": "Not found."}) from None
    # another operator's parking is "no such parking", never 403 (*Errors seen on parking endpoints*)
    row = _store().get(key, user["username"])
    if row is None:
        raise HubError(404, {"detail": "No Parking matches the given query."})
    now = _now()
    if method == "DELETE":  # allowed at any time (*Grace period*)
        _store().delete(key)
        _committed()
        return Response(status=204)
    data = _validated(_body(), partial=method == "PATCH", row=row, now=now)
    row = _store().update(key, {**_columns(data), "modified_at": to_micros(now)})
    _committed()
    return _json(200, render(row, now))


@bp.route("/operator/v1/payment_zone/", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def payment_zones():
    authenticate("operator")
    if request.method != "GET":
        raise _not_allowed(request.method)
    zones = [{"domain": domain, "code": code, "name": name} for domain, code, name in fields.ZONES]
    return _json(200, _page(zones))


@bp.route("/operator/v1/permit_area/", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def permit_areas():
    user = authenticate("operator")
    if request.method != "GET":
        raise _not_allowed(request.method)
    areas = ([{"code": "A", "domain": "HKI", "name": "Asukaspysäköintialue A"}]
             if current_app.config["PARKKIHUBI_PERMIT_AREA_USER"] == user["username"] else [])
    return _json(200, _page(areas))


@bp.route("/operator/v1/", methods=["GET", "POST"])
def api_root():
    authenticate("operator")
    raise _denied()  # the API root is for admins only


# -- what enforcement sees (for tests: the same question a parking inspector's device asks) ---


@bp.get("/enforcement/v1/valid_parking/")
def valid_parking():
    """Parkings of a plate valid now (or at ``time``); if none, the last one that ended within
    15 minutes (``PARKKIHUBI_TIME_OLD_PARKINGS_VISIBLE``), as the hub's ``ValidParkingViewSet``."""
    authenticate("enforcer")
    reg_num = request.args.get("reg_num", "")
    when = fields.parse_datetime(request.args["time"]) if request.args.get("time") else _now()
    if when is None:
        raise HubError(400, {"time": ["Enter a valid date/time."]})
    if not reg_num:
        raise HubError(400, ["Either time or registration number required."])
    store = _store()
    rows = sorted(store.valid_at(reg_num, when), key=lambda r: -(r["time_end"] or 2**62))
    if not rows:
        ago = to_micros(when - timedelta(minutes=15))
        recent = [r for r in store.all_parkings(reg_num)
                  if r["time_start"] <= to_micros(when) and (r["time_end"] is None or r["time_end"] >= ago)]
        rows = sorted(recent, key=lambda r: -(r["time_end"] or 2**62))[:1]
    names = {}
    results = []
    for row in rows:
        if row["operator"] not in names:
            names[row["operator"]] = current_app.config["PARKKIHUBI_OPERATOR_NAMES"].get(row["operator"], "")
        end = from_micros(row["time_end"])
        results.append({"id": row["id"], "created_at": _instant(from_micros(row["created_at"])),
                        "modified_at": _instant(from_micros(row["modified_at"])),
                        "registration_number": row["registration_number"],
                        "time_start": from_micros(row["time_start"]).strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "time_end": end.strftime("%Y-%m-%dT%H:%M:%SZ") if end else None,
                        "zone": int(row["zone"]) if row["zone"] and row["zone"].isdigit() else row["zone"],
                        # the hub names its operators by UUID: a stable one per sandbox operator
                        "operator": str(uuid.uuid5(uuid.NAMESPACE_URL, f"parkkihubi-operator:{row['operator']}")),
                        "operator_name": names[row["operator"]]})
    return _json(200, _page(results))


# -- helpers --------------------------------------------------------------------------


def _page(items: list) -> dict:
    """DRF page-number pagination: fixed 100 a page, absolute ``next``/``previous``, 404 past the end."""
    raw = request.args.get("page", "1")
    pages = max(1, -(-len(items) // PAGE_SIZE))
    if not raw.isdigit() or not 1 <= int(raw) <= pages:
        raise HubError(404, {"detail": "Invalid page."})
    page = int(raw)
    base = request.base_url
    return {"count": len(items), "next": f"{base}?page={page + 1}" if page < pages else None,
            "previous": (f"{base}?page={page - 1}" if page > 2 else base) if page > 1 else None,
            "results": items[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]}


def _json(status: int, body: object, headers: dict | None = None) -> Response:
    # DRF's compact rendering
    return Response(json.dumps(body, ensure_ascii=False, separators=(",", ":")), status=status,
                    mimetype="application/json", headers=headers)


def allow_for(path: str) -> str | None:
    """The ``Allow`` header DRF puts on every answer of the view at ``path`` (None: no DRF view there)."""
    if path == "/operator/v1/parking/":
        return ALLOW_LIST
    if path.startswith("/operator/v1/parking/") and path.endswith("/") and path.count("/") == 5:
        return ALLOW_DETAIL
    if path in ("/operator/v1/payment_zone/", "/operator/v1/permit_area/", "/operator/v1/",
                "/enforcement/v1/valid_parking/"):
        return ALLOW_READ
    return None

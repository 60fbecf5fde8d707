"""Entry point, authentication, areas and day types (seed §3, §6.1, §6.3, §6.4)."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, current_app, request

from webapp.helsinki.sandbox import data
from webapp.helsinki.sandbox.errors import ApiError
from webapp.helsinki.sandbox.protocol import (
    API_VERSION,
    HELSINKI,
    authenticated_operator,
    endpoint,
    issue_token,
    json_body,
    now,
    reply,
)

bp = Blueprint("helsinki_api", __name__, url_prefix="/api/v1")

#: rate-limited resources as the entry point names them (seed §6.1.4 example)
RATE_LIMITED = {"/areas": ("areas:read",), "/day_types": ("day_types:read",),
                "/parkings": ("parkings:read", "parkings:write")}
#: longest day-type range one request may ask for
MAX_DAY_TYPE_SPAN = 3660


@bp.get("")
@bp.get("/")
def entry_point():
    """Links for the caller; rate limits and status once authenticated (seed §6.1)."""
    operator = authenticated_operator(required=False)
    if operator is None:
        return reply({"version": API_VERSION})
    store = current_app.extensions["helsinki_store"]
    now_ts = int(now().timestamp())
    limits = []
    for resource, rights in RATE_LIMITED.items():
        if not set(rights) & set(operator["rights"]):
            continue
        limit, window = current_app.config["HELSINKI_RATE_LIMITS"][resource]
        hits, start = store.peek_rate(operator["username"], resource, window, now_ts)
        limits.append({"resource": resource, "limit": limit, "remaining": max(0, limit - hits),
                       "reset": max(0, start + window - now_ts)})
    return reply({"rate_limits": limits, "status": operator["status"], "version": API_VERSION})


@bp.post("/authenticate")
def authenticate():
    """Exchange username and password for a JWT (seed §3.1).

    The seed has no code for wrong credentials; 401 with 1104 says "your
    authorization is not valid", which is what the caller needs to know.
    """
    body = json_body()
    username, password = body.get("username"), body.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        raise ApiError(1104, field="username")
    operator = current_app.extensions["helsinki_store"].check_password(username, password)
    if operator is None:
        raise ApiError(1104, field="password")
    return reply({"token": issue_token(operator)})


@bp.get("/areas")
@endpoint("/areas", "areas:read")
def list_areas():
    """Every area, all languages at once (seed §6.3)."""
    return reply({"areas": list(data.areas())})


@bp.get("/areas/<area_id>")
@endpoint("/areas", "areas:read")
def get_area(area_id: str):
    """One area, in the same ``areas`` wrapper as the list (seed §6.3.3 has one field table).

    An unknown area id has no code of its own in the seed: 404 with 1110
    ("no results with these criteria").
    """
    area = data.areas_by_id().get(area_id)
    if area is None:
        raise ApiError(1110, field="area_id")
    return reply({"areas": [area]})


@bp.get("/day_types")
@endpoint("/day_types", "day_types:read")
def day_types():
    """Day types per date (seed §6.4); without dates: from today forward."""
    today = now().astimezone(HELSINKI).date()
    horizon = current_app.config["HELSINKI_DAY_TYPE_HORIZON"]
    start = _date_param("start_date")
    end = _date_param("end_date")
    if start is None and end is None:
        start, end = today, today + timedelta(days=horizon - 1)
    elif end is None:
        end = start + timedelta(days=horizon - 1)
    elif start is None:
        start = today
    if end < start:
        raise ApiError(1201, field="end_date")
    if (end - start).days >= MAX_DAY_TYPE_SPAN:
        raise ApiError(1201, field="end_date")
    return reply({"day_types": data.day_types(start, end)})


def _date_param(name: str) -> date | None:
    value = request.args.get(name)
    if value is None or value == "":
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise ApiError(1201, field=name) from exc

"""Korean rent-car real-time API v2 emulator (seed 001): the foundation.

We play the travel agency; this sandbox plays the rent companies' server. One
endpoint, ``POST /rtapi/ws_v2.aspx``, form data in, JSON out; every request
carries ``uid``, ``passcode`` and ``cmd``. The reply is always HTTP 200 with
``resCode``/``resMsg``/``resId``/``resTime`` first (seed 001 "Response"), and
numbers are JSON numbers (seed 001 "V1과 달라진 주요내용" 4).

For now only ``cmd=companylist`` exists; the search, insurance, extras and
reservation commands come with their own issues and answer 2000 until then.

Sandbox-only control: ``POST /_sandbox/unblock`` forgets failed logins, which
the real service leaves to its operators.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from datetime import datetime, timedelta, timezone
from pathlib import Path

from flask import Flask, jsonify, request

from webapp.core.sandbox_kit import DroppedReplyError, install_faults
from webapp.rentcar.sandbox.store import (
    COST_UNITS_PER_CALL,
    active_companies,
    clear_failed_logins,
    failed_logins,
    open_store,
    record_failed_login,
    spend_api_cost,
)

log = logging.getLogger(__name__)

ENDPOINT = "/rtapi/ws_v2.aspx"
DEFAULT_UID = "demo-agency"
DEFAULT_PASSCODE = "demo-passcode"
#: seed 001, code 1002: "하나의 IP에서 인증이 10회 이상 실패. 이때 IP 차단됨."
MAX_FAILED_LOGINS = 10
KST = timezone(timedelta(hours=9), "KST")

#: resCode -> resMsg, as the seed's "응답코드,메시지" table spells them.
RESULT_MESSAGES = {
    "0000": "성공",
    "1000": "NO AUTH",
    "1002": "NO AUTH (IP 인증회수 초과)",
    "1003": "NO AUTH (미등록 IP)",
    "2000": "작업명령 없음",
    "3000": "호출수 제한",
    "9100": "파라미터 오류 ({param})",
    "9999": "서버 내부 오류",
}

#: cmd -> API cost in 1/400ths of a call (seed 001 "API 목록과 비용": companylist 1/10).
COMMAND_COSTS = {"companylist": COST_UNITS_PER_CALL // 10}


class ResultError(Exception):
    """Ends a request with a non-0000 resCode."""

    def __init__(self, code: str, param: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.param = param


def create_sandbox(state_dir: Path, credentials: dict[str, str]) -> Flask:
    """Build the rent-car server sandbox.

    Args:
        state_dir: folder holding ``rentcar.sqlite3``.
        credentials: ``uid`` and ``passcode`` of the demo agency (defaults
            ``demo-agency`` / ``demo-passcode``); optional ``allowed_ips``
            (comma-separated; empty = every IP is registered) and
            ``daily_cost_limit`` (API cost per KST day in calls, e.g. ``"50"``).

    Returns:
        The sandbox Flask app (fault switch installed).
    """
    app = Flask(__name__)
    # Korean field names travel as UTF-8, in the documented order (not sorted, not \u-escaped).
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    engine = open_store(state_dir)
    app.extensions["rentcar_store"] = engine
    uid = credentials.get("uid") or DEFAULT_UID
    passcode = credentials.get("passcode") or DEFAULT_PASSCODE
    allowed_ips = {ip.strip() for ip in credentials.get("allowed_ips", "").split(",") if ip.strip()}
    limit = credentials.get("daily_cost_limit")
    limit_units = round(float(limit) * COST_UNITS_PER_CALL) if limit else None
    install_faults(app)

    def authenticate(form) -> None:
        ip = request.remote_addr or ""
        if allowed_ips and ip not in allowed_ips:
            raise ResultError("1003")
        failures = failed_logins(engine, ip)
        if failures >= MAX_FAILED_LOGINS:
            raise ResultError("1002")  # blocked: even the right passcode is refused
        uid_ok = hmac.compare_digest(form.get("uid", "").encode(), uid.encode())
        passcode_ok = hmac.compare_digest(form.get("passcode", "").encode(), passcode.encode())
        if not (uid_ok and passcode_ok):
            # Also reached when the body is not form data (seed 001, 1000:
            # "요청 파라미터의 데이터 타입이 form-date인지 확인").
            record_failed_login(engine, ip)
            raise ResultError("1000")
        if failures:
            clear_failed_logins(engine, ip)  # the count is of failures in a row

    def companylist(_form) -> dict:
        return {"회사목록": [_company(row) for row in active_companies(engine)]}

    handlers = {"companylist": companylist}

    @app.post(ENDPOINT)
    def rtapi():
        form = request.form
        try:
            authenticate(form)
            cmd = form.get("cmd", "")
            if cmd not in handlers:
                raise ResultError("2000")  # seed 001: "작업명령 없음 — cmd 확인"
            day = datetime.now(KST).strftime("%Y%m%d")
            if not spend_api_cost(engine, day, form["uid"], COMMAND_COSTS[cmd], limit_units):
                raise ResultError("3000")
            payload = handlers[cmd](form)
        except ResultError as error:
            return _reply(error.code, param=error.param)
        except DroppedReplyError:
            raise
        except Exception:
            log.exception("rentcar sandbox: %s failed", form.get("cmd"))
            return _reply("9999")
        return _reply("0000", payload)

    @app.post("/_sandbox/unblock")
    def unblock():
        return jsonify({"unblocked": clear_failed_logins(engine)})

    return app


def _reply(code: str, payload: dict | None = None, param: str = ""):
    now = datetime.now(KST)
    body = {
        "resCode": code,
        "resMsg": RESULT_MESSAGES[code].format(param=param),
        "resId": now.strftime("%Y%m%d%H%M%S") + f"{secrets.randbelow(10**6):06d}",
        "resTime": now.strftime("%Y-%m-%d %H:%M:%S"),
    }
    body.update(payload or {})
    return jsonify(body)


def _company(row: dict) -> dict:
    # Field names, order and types as seed 001 "연결렌트카회사목록" lists them:
    # num -> JSON number, text -> string (R자차수수료 is text in the seed).
    return {
        "연결번호": row["link_no"],
        "R렌트회사": row["name"],
        "R거래처": row["account_name"],
        "거래상태": row["status"],
        "L렌트회사코드": row["agency_code"],
        "R차량수수료": row["car_commission_pct"],
        "R자차수수료": row["insurance_commission_pct"],
        "R트래픽비용처리": row["traffic_cost_handling"],
        "R취소가능시간": row["change_cutoff_hours"],
        "R당일취소허용시간": row["same_day_cancel_minutes"],
    }

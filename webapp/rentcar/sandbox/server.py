"""The server: ``create_sandbox`` builds the app; ``POST /rtapi/ws_v2.aspx`` authenticates, meters and dispatches.

The dispatcher owns the order of the refusals every cmd shares (IP, login, cmd,
permission, daily cost, forced fault, maintenance window) and turns result
codes and unexpected failures into replies; the commands live in
``searches``, ``writes`` and ``views``.
"""

from __future__ import annotations

import hmac
import logging
from datetime import datetime
from pathlib import Path

from flask import Flask, request

from webapp.core.sandbox_kit import DroppedReplyError, install_faults
from webapp.rentcar.sandbox import catalog
from webapp.rentcar.sandbox.command_table import SEARCHES, WRITES
from webapp.rentcar.sandbox.controls import register_controls
from webapp.rentcar.sandbox.results import KST, ResultError, reply
from webapp.rentcar.sandbox.rules import RuleError, in_maintenance
from webapp.rentcar.sandbox.searches import SearchCommands
from webapp.rentcar.sandbox.store import (
    COST_UNITS_PER_CALL,
    clear_failed_logins,
    failed_logins,
    open_store,
    record_failed_login,
    spend_api_cost,
)
from webapp.rentcar.sandbox.writes import ReservationWrites

# The package's name, as before the split: log filters and the app's name stay the same.
log = logging.getLogger(__package__)

ENDPOINT = "/rtapi/ws_v2.aspx"
DEFAULT_UID = "demo-agency"
DEFAULT_PASSCODE = "demo-passcode"
#: seed 001, code 1002: "하나의 IP에서 인증이 10회 이상 실패. 이때 IP 차단됨."
MAX_FAILED_LOGINS = 10


class Service(SearchCommands, ReservationWrites):
    """Every command family on one store, catalogue and clock."""


def create_sandbox(state_dir: Path, credentials: dict[str, str]) -> Flask:
    """Build the rent-car server sandbox.

    Args:
        state_dir: folder holding ``rentcar.sqlite3``.
        credentials: ``uid`` and ``passcode`` of the demo agency (defaults
            ``demo-agency`` / ``demo-passcode``); optional ``allowed_ips``
            (comma-separated; empty = every IP is registered),
            ``daily_cost_limit`` (API cost per KST day in calls, e.g. ``"50"``),
            ``denied_cmds`` (comma-separated cmds the agency may not use: 9200)
            and ``maintenance`` (``"off"`` switches the 04:00–04:30 window off for demos).

    Returns:
        The sandbox Flask app (fault switch installed).
    """
    app = Flask(__package__)
    # A dropped reply must leave the WSGI app as an exception so the transport
    # can turn it into a timeout; every other failure still answers 9999.
    app.config["PROPAGATE_EXCEPTIONS"] = True
    # Korean field names travel as UTF-8, in the documented order (not sorted, not \u-escaped).
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    engine = open_store(state_dir)
    app.extensions["rentcar_store"] = engine
    uid = credentials.get("uid") or DEFAULT_UID
    passcode = credentials.get("passcode") or DEFAULT_PASSCODE
    allowed_ips = {ip.strip() for ip in credentials.get("allowed_ips", "").split(",") if ip.strip()}
    denied = {cmd.strip() for cmd in credentials.get("denied_cmds", "").split(",") if cmd.strip()}
    limit = credentials.get("daily_cost_limit")
    limit_units = round(float(limit) * COST_UNITS_PER_CALL) if limit else None
    state = {"now": None, "maintenance": credentials.get("maintenance", "on") != "off", "force": None}
    app.extensions["rentcar_state"] = state
    app.extensions["rentcar_catalogue"] = cat = catalog.Catalogue()
    faults = install_faults(app)

    def now() -> datetime:
        """The server's KST wall clock (naive), or the fixed one a test set."""
        return state["now"] or datetime.now(KST).replace(tzinfo=None, second=0, microsecond=0)

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

    service = Service(engine, cat, now)
    handlers = {
        "companylist": service.companylist, **dict.fromkeys(SEARCHES, service.search),
        "inslist": service.inslist, "inslist_r": service.inslist, "etclist_r": service.etclist,
        "revadd": service.revadd, "revupdate": service.revupdate, "revcancel": service.revcancel,
        "addetcitem": service.addetcitem, "deletcitem": service.deletcitem,
        "revlist": service.revlist, "revdetail": service.revdetail,
    }

    @app.post(ENDPOINT)
    def rtapi():
        form = request.form
        try:
            authenticate(form)
            cmd = form.get("cmd", "")
            if cmd not in handlers:
                raise ResultError("2000")  # seed 001: "작업명령 없음 — cmd 확인"
            if cmd in denied:
                raise ResultError("9200")
            cost = service.cost(cmd, form)
            day = now().strftime("%Y%m%d")
            if not spend_api_cost(engine, day, form["uid"], cost, limit_units, cmd=cmd):
                raise ResultError("3000")
            forced = state["force"]
            if forced and forced.get("cmd") in (None, cmd):
                state["force"] = None
                raise ResultError(forced["code"])
            if cmd in WRITES and state["maintenance"] and in_maintenance(now()):
                raise ResultError("0700")  # seed 001: "매일 04:00 ~ 04:30까지 접수/변경/취소 불가"
            payload = handlers[cmd](form, cmd)
        except ResultError as error:
            return reply(error.code, param=error.param, **error.args_)
        except RuleError as error:
            return reply(error.code, **error.args_)
        except DroppedReplyError:
            raise
        except Exception:
            log.exception("rentcar sandbox: %s failed", form.get("cmd"))
            return reply("9999")
        if payload is None:
            return reply("9800")
        if cmd in WRITES:
            faults.after_commit()  # the change is committed; the reply may be lost on the way
        return reply("0000", payload)

    register_controls(app, engine, state, now)
    return app

"""Korean rent-car real-time API v2 emulator (seed 001): the rent companies' server.

We play the travel agency; this sandbox plays the rent companies' server. One
endpoint, ``POST /rtapi/ws_v2.aspx``, form data in, JSON out; every request
carries ``uid``, ``passcode`` and ``cmd``. The reply is always HTTP 200 with
``resCode``/``resMsg``/``resId``/``resTime`` first (seed 001 "Response"), and
numbers are JSON numbers (seed 001 "V1과 달라진 주요내용" 4).

Every cmd of the seed is served: companylist; the searches (carsearch,
carNblocksearch, …bymodelcodes, …_r, …bymodelnumbers_r); inslist, inslist_r,
etclist_r; revadd, revupdate, revcancel, addetcitem, deletcitem; revlist,
revdetail. Every call's API cost (seed "API 목록과 비용") is metered per agency
and day, and per command.

Sandbox-only controls (the real service leaves these to its operators):
``POST /_sandbox/unblock`` forgets failed logins; ``POST /_sandbox/clock``
``{"now": "yyyymmddhhmm"|null}`` fixes the server's KST clock;
``POST /_sandbox/maintenance`` ``{"on": bool}`` switches the 04:00–04:30
window; ``POST /_sandbox/force`` ``{"code": "0400", "cmd": "revadd"}`` makes
the next such command fail with the code; ``POST /_sandbox/reservations/<revnum>``
``{"state": "대여중", "add_insid": 902}`` changes a reservation as the counter would.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from datetime import datetime, timedelta, timezone
from pathlib import Path

from flask import Flask, jsonify, request
from sqlalchemy import Engine, select, update

from webapp.core.sandbox_kit import DroppedReplyError, install_faults
from webapp.rentcar.sandbox import catalog
from webapp.rentcar.sandbox.rules import (
    RuleError,
    change_deadline,
    check_window,
    fee_ok,
    from_wire,
    in_maintenance,
    max_concurrent,
    to_wire,
)
from webapp.rentcar.sandbox.store import (
    COST_UNITS_PER_CALL,
    all_companies,
    clear_failed_logins,
    cost_report,
    failed_logins,
    open_store,
    record_failed_login,
    reservations,
    spend_api_cost,
)

log = logging.getLogger(__name__)

ENDPOINT = "/rtapi/ws_v2.aspx"
DEFAULT_UID = "demo-agency"
DEFAULT_PASSCODE = "demo-passcode"
#: seed 001, code 1002: "하나의 IP에서 인증이 10회 이상 실패. 이때 IP 차단됨."
MAX_FAILED_LOGINS = 10
KST = timezone(timedelta(hours=9), "KST")
GOOD_STANDING = "정상"
STATES = ("예약대기", "예약중", "예약확정")
CANCELLED, ON_RENT = "취소", "대여중"
DISPLAY = "%Y-%m-%d %H:%M"

#: resCode -> resMsg, as the seed's "응답코드,메시지" table spells them ({a}, {b}, {param} filled in)
RESULT_MESSAGES = {
    "0000": "성공",
    "1000": "NO AUTH",
    "1002": "NO AUTH (IP 인증회수 초과)",
    "1003": "NO AUTH (미등록 IP)",
    "2000": "작업명령 없음",
    "3000": "호출수 제한",
    "0111": "예약가능시간 확인({a}~{b})",
    "0112": "예약가능기간 확인({a}~{b})",
    "0113": "최대사용시간({a})",
    "0114": "당일예약 가능시간 확인({a})",
    "0120": "렌트회사정보 없음",
    "0121": "차량모델 확인",
    "0122": "자차보험 없음",
    "0123": "차량모델의 자차옵션 없음",
    "0124": "자차보험 사용기간 초과",
    "0125": "자차보험 중복",
    "0126": "차량모델 중복",
    "0127": "기타상품 없음",
    "0128": "기타상품 중복",
    "0129": "자차보험 중복",
    "0130": "거래처 예약번호 중복",
    "0131": "거래처 예약번호 글자수 제한",
    "0200": "예약마감",
    "0300": "예약요금 계산 오류",
    "0310": "예약요금 체크 오류",
    "0311": "예약요금 오류",
    "0320": "예약요금 직접입력 불가",
    "0321": "예약변경 권한 필요",
    "0400": "예약접수/변경/취소 DB처리 오류",
    "0500": "예약정보 없음",
    "0501": "예약정보 없음(dealerrevnum)",
    "0510": "기타상품 예약없음",
    "0511": "기타상품 예약 중복(2개이상)",
    "0601": "예약취소/변경 불가(취소가능시간)",
    "0610": "예약취소/변경 불가(예약상태)",
    "0611": "예약변경 불가(기타상품)",
    "0612": "예약변경 불가(자차보험)",
    "0620": "취소사유 글자수 제한",
    "0700": "서버점검 중",
    "9100": "파라미터 오류 ({param})",
    "9200": "API 권한 필요",
    "9800": "NO Result",
    "9999": "서버 내부 오류",
}

#: seed 001 "API 목록과 비용" in 1/400ths of a call: (per call, per company, per company x model)
_C = COST_UNITS_PER_CALL
COSTS = {
    "companylist": (_C // 10, 0, 0),
    "carsearch": (0, _C // 10, 0), "carNblocksearch": (0, _C // 8, 0),
    "carsearch_r": (0, _C // 10, 0), "carNblocksearch_r": (0, _C // 8, 0),
    "carsearchbymodelcodes": (0, 0, _C // 100), "carNblocksearchbymodelcodes": (0, 0, _C // 80),
    "carsearchbymodelnumbers_r": (0, 0, _C // 100), "carNblocksearchbymodelnumbers_r": (0, 0, _C // 80),
    "inslist": (0, _C // 40, 0), "inslist_r": (0, _C // 40, 0), "etclist_r": (0, _C // 20, 0),
    "revadd": (_C // 2, 0, 0), "revupdate": (_C // 2, 0, 0), "revcancel": (_C // 2, 0, 0),
    "addetcitem": (_C // 2, 0, 0), "deletcitem": (_C // 2, 0, 0),
    "revlist": (_C // 10, 0, 0), "revdetail": (_C // 5, 0, 0),
}
WRITES = frozenset({"revadd", "revupdate", "revcancel", "addetcitem", "deletcitem"})
#: the search cmds: (matched to the agency's codes, with blocks, by model list parameter)
SEARCHES = {
    "carsearch": (True, False, None), "carNblocksearch": (True, True, None),
    "carsearchbymodelcodes": (True, False, "mcode"), "carNblocksearchbymodelcodes": (True, True, "mcode"),
    "carsearch_r": (False, False, None), "carNblocksearch_r": (False, True, None),
    "carsearchbymodelnumbers_r": (False, False, "mid"), "carNblocksearchbymodelnumbers_r": (False, True, "mid"),
}


class ResultError(Exception):
    """Ends a request with a non-0000 resCode."""

    def __init__(self, code: str, param: str = "", **args) -> None:
        super().__init__(code)
        self.code = code
        self.param = param
        self.args_ = args


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
    app = Flask(__name__)
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

    service = _Service(engine, cat, now)
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
            return _reply(error.code, param=error.param, **error.args_)
        except RuleError as error:
            return _reply(error.code, **error.args_)
        except DroppedReplyError:
            raise
        except Exception:
            log.exception("rentcar sandbox: %s failed", form.get("cmd"))
            return _reply("9999")
        if payload is None:
            return _reply("9800")
        if cmd in WRITES:
            faults.after_commit()  # the change is committed; the reply may be lost on the way
        return _reply("0000", payload)

    @app.post("/_sandbox/unblock")
    def unblock():
        return jsonify({"unblocked": clear_failed_logins(engine)})

    @app.get("/_sandbox/cost")
    def cost():
        return jsonify({"rows": cost_report(engine)})

    @app.post("/_sandbox/clock")
    def set_clock():
        value = (request.get_json(silent=True) or {}).get("now")
        state["now"] = from_wire(value) if value else None
        return jsonify({"now": to_wire(now())})

    @app.post("/_sandbox/maintenance")
    def set_maintenance():
        state["maintenance"] = bool((request.get_json(silent=True) or {}).get("on"))
        return jsonify({"maintenance": state["maintenance"]})

    @app.post("/_sandbox/force")
    def force():
        body = request.get_json(silent=True) or {}
        state["force"] = {"code": str(body["code"]), "cmd": body.get("cmd")} if body.get("code") else None
        return jsonify({"force": state["force"]})

    @app.post("/_sandbox/reservations/<revnum>")
    def counter_change(revnum: str):
        body = request.get_json(silent=True) or {}
        with engine.begin() as conn:
            row = conn.execute(select(reservations).where(reservations.c.revnum == revnum)).first()
            if row is None:
                return jsonify({"error": "no such reservation"}), 404
            values = {}
            if body.get("state"):
                values["state"] = body["state"]
            if body.get("add_insid"):
                values["insids"] = ",".join(filter(None, [row.insids, str(body["add_insid"])]))
            if values:
                conn.execute(update(reservations).where(reservations.c.revnum == revnum).values(**values))
        return jsonify({"revnum": revnum, **values})

    return app


def _reply(code: str, payload: dict | None = None, param: str = "", **args):
    now = datetime.now(KST)
    body = {
        "resCode": code,
        "resMsg": RESULT_MESSAGES[code].format(param=param, a=args.get("a", ""), b=args.get("b", "")),
        "resId": now.strftime("%Y%m%d%H%M%S") + f"{secrets.randbelow(10**6):06d}",
        "resTime": now.strftime("%Y-%m-%d %H:%M:%S"),
    }
    body.update(payload or {})
    return jsonify(body)


# -- parameters -------------------------------------------------------------------------


def _text(form, name: str, *, required: bool = False, max_len: int | None = None) -> str:
    value = form.get(name, "").strip()
    if required and not value:
        raise ResultError("9100", name)
    if max_len is not None and len(value) > max_len:
        raise ResultError("9100", name)
    return value


def _int(form, name: str, *, required: bool = False, default: int | None = None, choices=None) -> int | None:
    raw = form.get(name, "").strip()
    if not raw:
        if required:
            raise ResultError("9100", name)
        return default
    try:
        value = int(float(raw))
    except ValueError:
        raise ResultError("9100", name) from None
    if choices is not None and value not in choices:
        raise ResultError("9100", name)
    return value


def _when(form, name: str, *, required: bool = True) -> datetime | None:
    raw = form.get(name, "").strip()
    if not raw:
        if required:
            raise ResultError("9100", name)
        return None
    try:
        return from_wire(raw)
    except ValueError:
        raise ResultError("9100", name) from None


def _period(form) -> tuple[datetime, datetime]:
    sd, ed = _when(form, "sd"), _when(form, "ed")
    if ed <= sd:
        raise ResultError("9100", "ed")
    return sd, ed


def _list(form, name: str) -> list[str]:
    return [item.strip() for item in form.get(name, "").split(",") if item.strip()]


class _Service:
    """The commands, on the store and the catalogue."""

    def __init__(self, engine: Engine, cat: catalog.Catalogue, now) -> None:
        self.engine = engine
        self.cat = cat
        self.now = now

    # -- companies and their selection --

    def companies(self) -> list[dict]:
        return [c for c in all_companies(self.engine) if c["status"] == GOOD_STANDING]

    def company(self, link_no: int) -> dict:
        return next(c for c in all_companies(self.engine) if c["link_no"] == link_no)

    def _find_company(self, token: str, by_code: bool) -> dict:
        for company in self.companies():
            if (company["agency_code"] if by_code else company["name"]) == token:
                return company
        raise ResultError("0120")

    def selected(self, form) -> list[dict]:
        """``(rcname | rccode),?``: the named companies, or every linked one."""
        names, codes = _list(form, "rcname"), _list(form, "rccode")
        if names and codes:
            raise ResultError("9100", "rccode")  # "A | B: 파라미터 A와 B 중 하나만 사용"
        if names or codes:
            return [self._find_company(token, bool(codes)) for token in (codes or names)]
        return self.companies()

    def one_company(self, form) -> dict:
        """``rcname | rccode``: exactly one company (the reservation commands)."""
        names, codes = _list(form, "rcname"), _list(form, "rccode")
        if names and codes:
            raise ResultError("9100", "rccode")
        if len(names) + len(codes) != 1:
            raise ResultError("9100", "rcname")
        return self._find_company((codes or names)[0], bool(codes))

    def pairs(self, form, name: str) -> tuple[list[dict], list[tuple[dict | None, str]]]:
        """The companies and (company or None, model) items of ``mcode``/``mid``.

        ``회사명@모델`` or ``회사코드$모델`` bind a model to a company; such
        combinations cannot go with ``rcname | rccode`` (seed 001).
        """
        items = _list(form, name)
        if not items:
            raise ResultError("9100", name)
        combined = any("@" in item or "$" in item for item in items)
        if combined and (form.get("rcname") or form.get("rccode")):
            raise ResultError("9100", name)
        pairs: list[tuple[dict | None, str]] = []
        for item in items:
            if "@" in item:
                company, _, model = item.partition("@")
                pairs.append((self._find_company(company, False), model))
            elif "$" in item:
                company, _, model = item.partition("$")
                pairs.append((self._find_company(company, True), model))
            else:
                pairs.append((None, item))
        companies = self.selected(form) if not combined else []
        for company, _ in pairs:
            if company is not None and company not in companies:
                companies.append(company)
        return companies, pairs

    def cost(self, cmd: str, form) -> int:
        """The call's API cost in 1/400ths (seed "API 목록과 비용": x R companies, x M models)."""
        per_call, per_company, per_model = COSTS[cmd]
        if per_company:
            if cmd != "inslist" and form.get("mid"):
                return per_company * len(self.pairs(form, "mid")[0])  # R: the companies the models name
            return per_company * len(self.selected(form))
        if per_model:
            name = SEARCHES[cmd][2]
            companies, pairs = self.pairs(form, name)
            bound = sum(1 for company, _ in pairs if company is not None)
            free = len(pairs) - bound
            return per_model * (bound + free * len(companies))
        return per_call

    # -- data rows --

    def models_of(self, company: dict) -> list[catalog.Model]:
        return [m for m in self.cat.models.values() if m.company == company["link_no"]]

    def available(self, model: catalog.Model, sd: datetime, ed: datetime, with_block: bool,
                  exclude: str | None = None) -> tuple[int, int]:
        """Cars free for ``sd``–``ed``: (general pool, block pool)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(reservations.c.sd, reservations.c.ed, reservations.c.pool).where(
                reservations.c.mid == model.mid, reservations.c.state != CANCELLED,
                reservations.c.revnum != (exclude or ""))).all()
        block = self.cat.blocks.get((model.company, model.mid), 0)
        window = (to_wire(sd), to_wire(ed))
        general = model.fleet - block - max_concurrent([(r.sd, r.ed) for r in rows if r.pool == "general"], *window)
        blocked = block - max_concurrent([(r.sd, r.ed) for r in rows if r.pool == "block"], *window)
        return max(0, general), (max(0, blocked) if with_block else 0)

    def car_row(self, company: dict, model: catalog.Model, sd, ed, count: int, matched: bool, with_options: bool):
        kind = model.type
        fee = catalog.car_fee(model, sd, ed)
        row = {}
        if matched:
            row.update({"L모델번호": kind.l_number, "L모델명": kind.english, "L모델코드": kind.l_code,
                        "L분류": kind.l_class})
        options = model.options if with_options else ()
        row.update({
            "L렌트회사코드": company["agency_code"], "R렌트회사": company["name"], "R모델번호": model.mid,
            "R모델명": kind.name, "R가능수": count, "R정요금": catalog.list_fee(model, sd, ed), "R입금가": fee,
            "R옵션1입금가": fee + catalog.option_fee(model, 1, sd, ed) if len(options) > 0 else 0,
            "R옵션2입금가": fee + catalog.option_fee(model, 2, sd, ed) if len(options) > 1 else 0,
            "R자차옵션": "/".join(o[0] for o in model.options), "R모델옵션": kind.options, "R연료": kind.fuel,
            "R승차인원": kind.seats, "R연식": kind.years, "R변속기": kind.transmission, "R구동방식": kind.drive,
            "R배기량": kind.displacement, "R가능연령": kind.min_age, "R운전경력": kind.licence_years,
            "R자차옵션목록": [
                {"R보험명": o[0], "R보상한도": o[1], "R면책금": o[2], "R휴차보상료": o[3], "R가능나이": o[4],
                 "R운전경력": o[5], "R옵션포함요금": fee + catalog.option_fee(model, n, sd, ed), "R예약접수코드": n}
                for n, o in enumerate(options, start=1)],
        })
        return row

    # -- commands --

    def companylist(self, _form, _cmd) -> dict:
        return {"회사목록": [_company(row) for row in self.companies()]}

    def search(self, form, cmd) -> dict | None:
        matched, with_block, by = SEARCHES[cmd]
        sd, ed = _period(form)
        with_options = _int(form, "option_ins", default=0, choices=(0, 1)) == 1
        if by:
            companies, pairs = self.pairs(form, by)
        else:
            companies, pairs = self.selected(form), []
        named = bool(form.get("rcname") or form.get("rccode"))
        cars = []
        for company in companies:
            try:
                check_window(self.cat.rules[company["link_no"]], sd, ed, self.now())
            except RuleError:
                if named and len(companies) == 1:
                    raise  # the one company asked for says why
                continue  # a company whose rules refuse the window has nothing to offer
            wanted = {model for c, model in pairs if c is None or c["link_no"] == company["link_no"]}
            for model in self.models_of(company):
                if model.fee_rule != "normal" or (matched and not model.type.mapped):
                    continue
                if by == "mcode" and model.type.l_code not in wanted:
                    continue
                if by == "mid" and str(model.mid) not in wanted:
                    continue
                general, blocked = self.available(model, sd, ed, with_block)
                if general + blocked > 0:
                    cars.append(self.car_row(company, model, sd, ed, general + blocked, matched, with_options))
        return {"차량목록": cars} if cars else None

    def inslist(self, form, cmd) -> dict | None:
        # seed 001 quirk: the R자차보험목록 request lists "cmd inslist"; its cmd is inslist_r.
        matched = cmd == "inslist"
        sd, ed = _period(form)
        if matched:
            companies, filter_codes = self.selected(form), set(_list(form, "mocode"))
            pairs = []
        elif form.get("mid"):
            companies, pairs = self.pairs(form, "mid")
            filter_codes = set()
        else:
            companies, pairs, filter_codes = self.selected(form), [], set()
        rows = []
        for company in companies:
            mids = {int(m) for c, m in pairs if (c is None or c["link_no"] == company["link_no"]) and m.isdigit()}
            for ins in self.cat.insurances.values():
                if ins.company != company["link_no"] or (matched and ins.l_number is None):
                    continue
                applies = [mid for mid in ins.mids if self.cat.models[mid].type.mapped or not matched]
                if mids and not mids & set(ins.mids):
                    continue
                model = None
                if filter_codes:
                    hits = [m for m in applies if self.cat.models[m].type.l_code in filter_codes]
                    if not hits:
                        continue
                    model = self.cat.models[hits[0]]
                row = {}
                if matched:
                    row.update({"L보험번호": ins.l_number, "L모델번호": model.type.l_number if model else 0,
                                "L모델코드": model.type.l_code if model else "", "L보험명": ins.l_name,
                                "L보험코드": ins.l_code, "L보험내용": ins.l_name})
                row.update({"L렌트회사코드": company["agency_code"], "R렌트회사": company["name"],
                            "R보험번호": ins.insid, "R보험명": ins.name, "R보험타입": ins.kind,
                            "R보상한도": ins.limit, "R면책금": ins.deductible, "R휴차보상료": ins.loss_of_use,
                            "R가입제한": ins.restriction, "R보험내용": ins.content, "R가능나이": ins.min_age,
                            "R운전경력": ins.licence_years, "R보험요금": catalog.insurance_fee(ins, sd, ed),
                            "R적용모델": ",".join(str(m) for m in ins.mids)})
                rows.append(row)
        return {"보험목록": rows} if rows else None

    def etclist(self, form, _cmd) -> dict | None:
        sd, ed = _period(form)
        if form.get("mid"):
            companies, pairs = self.pairs(form, "mid")
        else:
            companies, pairs = self.selected(form), []
        rows = []
        for company in companies:
            mids = {int(m) for c, m in pairs if (c is None or c["link_no"] == company["link_no"]) and m.isdigit()}
            for extra in self.cat.extras.values():
                if extra.company != company["link_no"]:
                    continue
                if mids and extra.mids is not None and not mids & set(extra.mids):
                    continue
                rows.append({"L렌트회사코드": company["agency_code"], "R렌트회사": company["name"],
                             "R상품번호": extra.gid, "R상품분류": extra.category, "R상품명": extra.name,
                             "R상품내용": extra.content, "R상품요금": catalog.extra_fee(extra, sd, ed),
                             "R적용모델": "전체" if extra.mids is None else ",".join(map(str, extra.mids))})
        return {"상품목록": rows} if rows else None

    # -- reservations --

    def _model(self, company: dict, mid: int | None) -> catalog.Model:
        model = self.cat.models.get(mid)
        if model is None or model.company != company["link_no"]:
            raise ResultError("0121")
        return model

    def _cover(self, model, option_ins: int | None, insid: int | None, sd, ed) -> tuple[int, int, list[int]]:
        """(option fee, insurance fee, insids) of the chosen cover; 0122–0125 refusals."""
        if option_ins and insid:
            raise ResultError("0125")
        if option_ins:
            if option_ins not in (1, 2) or len(model.options) < option_ins:
                raise ResultError("0123")
            return catalog.option_fee(model, option_ins, sd, ed), 0, []
        if insid:
            ins = self.cat.insurances.get(insid)
            if ins is None or model.mid not in ins.mids:
                raise ResultError("0122")
            if ins.capped_7_days and catalog.rental_days(sd, ed) > 7:
                raise ResultError("0124")
            return 0, catalog.insurance_fee(ins, sd, ed), [insid]
        return 0, 0, []

    def _extra(self, model, gid: int) -> catalog.Extra:
        extra = self.cat.extras.get(gid)
        if extra is None or extra.company != model.company or (extra.mids is not None and model.mid not in extra.mids):
            raise ResultError("0127")
        return extra

    def _car_fee(self, model, sd, ed) -> int:
        try:
            return catalog.car_fee(model, sd, ed)
        except catalog.FeeError as error:
            raise ResultError(error.code) from None

    def _custfee(self, form, company: dict, total: int) -> int | None:
        custfee = _int(form, "custfee")
        rules = self.cat.rules[company["link_no"]]
        if custfee is not None and custfee not in (0, total) and not rules.custfee_allowed:
            raise ResultError("0320")
        if custfee is not None and not 0 <= custfee <= total:
            raise ResultError("9100", "custfee")
        return custfee

    def _load(self, form, company: dict):
        revnum = _text(form, "revnum")
        dealer = _text(form, "dealerrevnum")
        query = select(reservations).where(reservations.c.company == company["link_no"],
                                           reservations.c.uid == form["uid"])
        with self.engine.connect() as conn:
            if revnum:
                row = conn.execute(query.where(reservations.c.revnum == revnum)).first()
                if row is None:
                    raise ResultError("0500")
                if dealer and row.dealerrevnum != dealer:
                    raise ResultError("0501")
                return row
            if dealer:
                row = conn.execute(query.where(reservations.c.dealerrevnum == dealer)).first()
                if row is None:
                    raise ResultError("0501")
                return row
        raise ResultError("9100", "revnum")

    def _changeable(self, row, company: dict) -> None:
        if row.state in (CANCELLED, ON_RENT):
            raise ResultError("0610")
        deadline = change_deadline(from_wire(row.accepted_at), from_wire(row.sd), company["change_cutoff_hours"],
                                   company["same_day_cancel_minutes"])
        if self.now() > deadline:
            raise ResultError("0601")

    def revadd(self, form, _cmd) -> dict:
        company = self.one_company(form)
        sd, ed = _period(form)
        if form.get("carnum") and form.get("mid"):
            raise ResultError("0126")
        model = self._model(company, _int(form, "mid", required=True))
        check_window(self.cat.rules[company["link_no"]], sd, ed, self.now())
        option_ins, insid = _int(form, "option_ins", default=0), _int(form, "insid", default=0)
        option_fee, ins_fee, insids = self._cover(model, option_ins, insid, sd, ed)
        gids = [_int({"gid": g}, "gid") for g in _list(form, "gid")]
        if len(set(gids)) != len(gids):
            raise ResultError("0128")
        extras = [self._extra(model, gid) for gid in gids]
        dealer = _text(form, "dealerrevnum")
        if len(dealer) > 50:
            raise ResultError("0131")
        carfeechk = _int(form, "carfeechk", required=True)
        etcfeechk = _int(form, "etcfeechk", required=bool(gids))
        insfeechk = _int(form, "insfeechk", required=bool(insid))
        ignore = _int(form, "ignorefeechkunder", default=0, choices=(0, 1)) == 1
        uname = _text(form, "uname", required=True, max_len=50)
        phone = _text(form, "phone", required=True, max_len=30)
        revstate = _text(form, "revstate") or STATES[0]
        if revstate not in STATES:
            raise ResultError("9100", "revstate")
        blockrev = _int(form, "blockrev", default=0, choices=(0, 1)) == 1
        if not any(self.available(model, sd, ed, with_block=True)):
            raise ResultError("0200")  # sold out says more than a fee that no longer matters
        car = self._car_fee(model, sd, ed) + option_fee
        extra_rows = [{"gid": e.gid, "name": e.name, "fee": catalog.extra_fee(e, sd, ed), "direct": True}
                      for e in extras]
        etc = sum(e["fee"] for e in extra_rows)
        if not fee_ok(car, carfeechk, ignore) or (insid and not fee_ok(ins_fee, insfeechk, ignore)) or (
                gids and not fee_ok(etc, etcfeechk, ignore)):
            raise ResultError("0310")
        custfee = self._custfee(form, company, car + ins_fee + etc)
        with self.engine.begin() as conn:
            if dealer and conn.execute(select(reservations.c.revnum).where(
                    reservations.c.uid == form["uid"], reservations.c.dealerrevnum == dealer)).first():
                raise ResultError("0130")
            general, blocked = self.available(model, sd, ed, with_block=True)
            if blockrev and blocked:
                pool = "block"
            elif general:
                pool = "general"
            elif blocked:
                pool = "block"
            else:
                raise ResultError("0200")
            revnum = f"{company['agency_code'][:2]}{self.now():%y%m%d}{secrets.randbelow(10**6):06d}"
            conn.execute(reservations.insert().values(
                revnum=revnum, company=company["link_no"], uid=form["uid"], dealerrevnum=dealer or None,
                state=revstate, accepted_at=to_wire(self.now()), mid=model.mid, sd=to_wire(sd), ed=to_wire(ed),
                option_ins=option_ins or 0, insids=",".join(map(str, insids)), extras=extra_rows, uname=uname,
                phone=phone, email=_text(form, "email", max_len=100), uname1=_text(form, "uname1", max_len=50),
                phone1=_text(form, "phone1", max_len=30), sp=_text(form, "sp", max_len=100),
                ep=_text(form, "ep", max_len=100), memo=_text(form, "memo", max_len=300), car_fee=car,
                ins_fee=ins_fee, custfee=custfee, pool=pool, cancel_memo="", channel="실시간API"))
        return self.detail(revnum)

    def revupdate(self, form, _cmd) -> dict:
        company = self.one_company(form)
        row = self._load(form, company)
        self._changeable(row, company)
        values: dict = {}
        for name, limit in (("memo", 300), ("sp", 100), ("ep", 100)):
            if name in form:
                values[name] = _text(form, name, max_len=limit)
        if form.get("revstate"):
            if form["revstate"] not in STATES:
                raise ResultError("9100", "revstate")
            values["state"] = form["revstate"]
        if form.get("dealerrevnum") and not row.dealerrevnum:
            values["dealerrevnum"] = _text(form, "dealerrevnum", max_len=50)
        changes_car = any(form.get(name) for name in ("mid", "sd", "ed", "option_ins", "insid"))
        ignore = _int(form, "ignorefeechkunder", default=0, choices=(0, 1)) == 1
        total = row.car_fee + row.ins_fee + sum(e["fee"] for e in row.extras)
        if changes_car:
            # the final state (mid, sd, ed, option_ins|insid) must be sent whole (seed revupdate)
            mid = _int(form, "mid", required=True)
            sd, ed = _period(form)
            insured = form.get("option_ins") or form.get("insid")
            if len([i for i in row.insids.split(",") if i]) > 1:
                raise ResultError("0129" if insured else "0612")
            if mid != row.mid and not self.cat.rules[company["link_no"]].fee_change_allowed:
                raise ResultError("0321")
            model = self._model(company, mid)
            for extra in row.extras:
                allowed = self.cat.extras.get(extra["gid"])
                if allowed is not None and allowed.mids is not None and mid not in allowed.mids:
                    raise ResultError("0611")
            check_window(self.cat.rules[company["link_no"]], sd, ed, self.now())
            option_ins, insid = _int(form, "option_ins", default=0), _int(form, "insid", default=0)
            option_fee, ins_fee, insids = self._cover(model, option_ins, insid, sd, ed)
            general, blocked = self.available(model, sd, ed, with_block=True, exclude=row.revnum)
            if not (general or blocked):
                raise ResultError("0200")
            extras = [{**e, "fee": catalog.extra_fee(self.cat.extras[e["gid"]], sd, ed)} for e in row.extras]
            car = self._car_fee(model, sd, ed) + option_fee
            total = car + ins_fee + sum(e["fee"] for e in extras)
            values.update(mid=mid, sd=to_wire(sd), ed=to_wire(ed), option_ins=option_ins or 0,
                          insids=",".join(map(str, insids)), extras=extras, car_fee=car, ins_fee=ins_fee,
                          pool="general" if general else "block")
        if changes_car or form.get("custfee"):
            feesumchk = _int(form, "feesumchk", required=True)
            if not fee_ok(total, feesumchk, ignore):
                raise ResultError("0310")
        if form.get("custfee"):
            values["custfee"] = self._custfee(form, company, total)
        elif changes_car and row.custfee is not None:
            values["custfee"] = min(row.custfee, total) if row.custfee else 0
        if values:
            with self.engine.begin() as conn:
                conn.execute(update(reservations).where(reservations.c.revnum == row.revnum).values(**values))
        return self.detail(row.revnum)

    def revcancel(self, form, _cmd) -> dict:
        company = self.one_company(form)
        memo = form.get("cancelmemo", "").strip()
        if len(memo) > 200:
            raise ResultError("0620")
        row = self._load(form, company)
        self._changeable(row, company)
        with self.engine.begin() as conn:
            conn.execute(update(reservations).where(reservations.c.revnum == row.revnum).values(
                state=CANCELLED, cancel_memo=memo))
        return {"L렌트회사코드": company["agency_code"], "R렌트회사": company["name"], "R예약번호": row.revnum,
                "R예약상태": CANCELLED, "R취소사유": memo}

    def addetcitem(self, form, _cmd) -> dict:
        company = self.one_company(form)
        row = self._load(form, company)
        self._changeable(row, company)
        model = self._model(company, row.mid)
        extra = self._extra(model, _int(form, "gid", required=True))
        check = _int(form, "etcfeechk", required=True)
        direct = _int(form, "iscustfee", default=1, choices=(0, 1)) == 1
        if any(e["gid"] == extra.gid for e in row.extras):
            raise ResultError("0128")
        fee = catalog.extra_fee(extra, from_wire(row.sd), from_wire(row.ed))
        if not fee_ok(fee, check, _int(form, "ignorefeechkunder", default=0, choices=(0, 1)) == 1):
            raise ResultError("0310")
        extras = [*row.extras, {"gid": extra.gid, "name": extra.name, "fee": fee, "direct": direct}]
        values = {"extras": extras}
        if direct and row.custfee is not None and row.custfee > 0:
            values["custfee"] = row.custfee + fee  # a directly paid extra is paid at the counter too
        with self.engine.begin() as conn:
            conn.execute(update(reservations).where(reservations.c.revnum == row.revnum).values(**values))
        return self.detail(row.revnum)

    def deletcitem(self, form, _cmd) -> dict:
        company = self.one_company(form)
        row = self._load(form, company)
        self._changeable(row, company)
        name = _text(form, "gname", required=True)
        hits = [e for e in row.extras if e["name"] == name]
        if not hits:
            raise ResultError("0510")
        if len(hits) > 1:
            raise ResultError("0511")
        values = {"extras": [e for e in row.extras if e is not hits[0]]}
        if hits[0]["direct"] and row.custfee:
            values["custfee"] = max(0, row.custfee - hits[0]["fee"])
        with self.engine.begin() as conn:
            conn.execute(update(reservations).where(reservations.c.revnum == row.revnum).values(**values))
        return self.detail(row.revnum)

    def revlist(self, form, _cmd) -> dict | None:
        company = self.one_company(form)
        sd_raw, ed_raw = _text(form, "sd"), _text(form, "ed")
        if bool(sd_raw) != bool(ed_raw):
            raise ResultError("9100", "ed" if sd_raw else "sd")  # "(sd & ed)?": both or neither
        today = self.now().strftime("%Y%m%d")
        first, last = sd_raw or today, ed_raw or today
        for name, value in (("sd", first), ("ed", last)):
            if len(value) != 8 or not value.isdigit():
                raise ResultError("9100", name)
        by_accept = _int(form, "acceptdate", default=0, choices=(0, 1)) == 1
        with_cancel = _int(form, "withcancel", default=0, choices=(0, 1)) == 1
        page = _int(form, "page", default=1)
        per_page = _int(form, "pagecount", default=100)
        if page < 1 or not 1 <= per_page <= 1000:
            raise ResultError("9100", "page" if page < 1 else "pagecount")
        column = reservations.c.accepted_at if by_accept else reservations.c.sd
        query = select(reservations).where(reservations.c.company == company["link_no"],
                                           reservations.c.uid == form["uid"], column >= first + "0000",
                                           column <= last + "2359")
        if not with_cancel:
            query = query.where(reservations.c.state != CANCELLED)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(column, reservations.c.revnum)).all()
        if not rows:
            return None
        chunk = rows[(page - 1) * per_page: page * per_page]
        return {"Page": page, "PageCount": per_page, "TotalCount": len(rows),
                "예약목록": [self._list_row(row, company) for row in chunk]}

    def revdetail(self, form, _cmd) -> dict:
        company = self.one_company(form)
        return self.detail(self._load(form, company).revnum)

    def _list_row(self, row, company: dict) -> dict:
        model = self.cat.models[row.mid]
        etc = sum(e["fee"] for e in row.extras)
        total = row.car_fee + row.ins_fee + etc
        direct = total if row.custfee is None else row.custfee
        return {"L렌트회사코드": company["agency_code"], "R렌트회사": company["name"], "R예약번호": row.revnum,
                "R모델번호": row.mid, "R모델명": model.type.name, "R출발일시": _show(row.sd),
                "R반납일시": _show(row.ed), "R이름": row.uname, "R전화번호": row.phone,
                "R예약일시": _show(row.accepted_at), "R예약상태": row.state, "R차량료": row.car_fee,
                "R자차료": row.ins_fee, "R기타요금": etc, "R요금합계": total, "R직불예정금액": direct,
                "R거래처미납": total - direct, "R예약경로": row.channel, "R거래처예약번호": row.dealerrevnum or ""}

    def detail(self, revnum: str) -> dict:
        """The reply of revadd, revupdate, revdetail, addetcitem and deletcitem (seed: "공통")."""
        with self.engine.connect() as conn:
            row = conn.execute(select(reservations).where(reservations.c.revnum == revnum)).one()
        company = self.company(row.company)
        model = self.cat.models[row.mid]
        etc = sum(e["fee"] for e in row.extras)
        postpaid = sum(e["fee"] for e in row.extras if not e["direct"])
        total = row.car_fee + row.ins_fee + etc
        direct = (total - postpaid) if row.custfee is None else row.custfee
        deadline = change_deadline(from_wire(row.accepted_at), from_wire(row.sd), company["change_cutoff_hours"],
                                   company["same_day_cancel_minutes"])
        insurances = [self.cat.insurances[int(i)].name for i in row.insids.split(",") if i]
        return {
            "L회사코드": company["agency_code"], "R렌트회사": company["name"], "R예약번호": row.revnum,
            "R예약상태": row.state, "R예약일시": _show(row.accepted_at),
            "R예약변경가능시간": deadline.strftime(DISPLAY),
            "R이름": row.uname, "R전화번호": row.phone, "R전달사항": row.memo, "R모델번호": row.mid,
            "R모델명": model.type.name,
            "R자차옵션": model.options[row.option_ins - 1][0] if row.option_ins else "",
            "R자차보험": ",".join(insurances), "R기타상품": ",".join(e["name"] for e in row.extras),
            "R출발일시": _show(row.sd), "R반납일시": _show(row.ed), "R출발장소": row.sp, "R반납장소": row.ep,
            "R차량료": row.car_fee, "R자차료": row.ins_fee, "R기타요금": etc, "R요금합계": total,
            "R직불예정금액": direct, "R후불금액": postpaid, "R거래처납입": 0, "R거래처미납": total - direct - postpaid,
        }


def _show(wire: str) -> str:
    return from_wire(wire).strftime(DISPLAY)


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

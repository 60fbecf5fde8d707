"""Client for the Korean rent-car real-time API v2 (seed 001, ``rtapi/ws_v2.aspx``).

We are the travel agency. One endpoint takes form data and answers JSON with
``resCode``/``resMsg``; every request carries ``uid``, ``passcode`` and ``cmd``.
Every cmd has a typed method returning the pydantic models of ``wire.py``;
``api_cost`` prices a call by the seed's table, so the service can meter and
minimise what a driver's action costs the agency.

Quirks handled here:
- the server answers HTTP 200 for refusals too; only ``resCode`` says what
  happened (seed 001 "응답코드,메시지").
- field names are Korean with an ``R`` (rent company's data) or ``L`` (the
  agency's own mapping) prefix; v2 sends numbers as JSON numbers, but some
  fields the seed types as text hold numbers (``R자차수수료``), so numbers are
  read from either.
- "form-data": we send ``application/x-www-form-urlencoded`` UTF-8, which an
  ASP.NET ``Request.Form`` reads like multipart; a JSON body is refused with 1000.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

import httpx
from pydantic import ValidationError as WireValidationError

from webapp.core.clock import SEOUL
from webapp.core.errors import (
    ProviderAuthError,
    ProviderBadResponseError,
    ProviderError,
    ProviderNotFoundError,
    ProviderRateLimitedError,
    ProviderRejectedError,
    ProviderUnavailableError,
    error_for_status,
)
from webapp.core.http import send
from webapp.rentcar.wire import (
    Cancellation,
    Car,
    Company,
    Extra,
    Insurance,
    Reservation,
    ReservationPage,
)

PROVIDER = "rentcar"
ENDPOINT = "rtapi/ws_v2.aspx"
SUCCESS = "0000"
NO_RESULT = "9800"


@dataclass(frozen=True)
class ResultCode:
    """One row of seed 001's result-code table.

    Attributes:
        korean: the ``resMsg`` the seed lists.
        english: our translation, safe to show when ``visible`` is true.
        error: the ProviderError kind the code maps to.
        visible: whether ``english`` concerns the driver's choice (times,
            prices, availability) rather than our configuration.
    """

    korean: str
    english: str
    error: type[ProviderError]
    visible: bool = False


_A, _N, _R, _L, _U = (ProviderAuthError, ProviderNotFoundError, ProviderRejectedError,
                      ProviderRateLimitedError, ProviderUnavailableError)

#: seed 001 "응답코드,메시지", every code except 0000.
RESULT_CODES: dict[str, ResultCode] = {
    "1000": ResultCode("NO AUTH", "Wrong uid or passcode, or the request was not form data.", _A),
    "1002": ResultCode("NO AUTH (IP 인증회수 초과)", "This IP is blocked after 10 failed logins.", _A),
    "1003": ResultCode("NO AUTH (미등록 IP)", "The request came from an unregistered IP.", _A),
    "2000": ResultCode("작업명령 없음", "Unknown or missing command (cmd).", _R),
    "3000": ResultCode("호출수 제한", "The agreed number of API calls was exceeded.", _L),
    "0111": ResultCode("예약가능시간 확인", "Pick-up and return must be within the company's hours.", _R, True),
    "0112": ResultCode("예약가능기간 확인", "The company does not take bookings for these dates.", _R, True),
    "0113": ResultCode("최대사용시간", "The rental is longer than the company allows.", _R, True),
    "0114": ResultCode("당일예약 가능시간 확인", "Same-day bookings must start later.", _R, True),
    "0120": ResultCode("렌트회사정보 없음", "Unknown rent company (rcname/rccode).", _N),
    "0121": ResultCode("차량모델 확인", "Unknown car model (mid).", _N),
    "0122": ResultCode("자차보험 없음", "Unknown insurance (insid).", _N),
    "0123": ResultCode("차량모델의 자차옵션 없음", "This car has no damage-cover option for these dates.", _R, True),
    "0124": ResultCode("자차보험 사용기간 초과", "This damage cover is limited to 7 days.", _R, True),
    "0125": ResultCode("자차보험 중복", "option_ins and insid cannot be sent together.", _R),
    "0126": ResultCode("차량모델 중복", "mid and carnum cannot be sent together.", _R),
    "0127": ResultCode("기타상품 없음", "This extra is unknown or not offered for this car.", _R, True),
    "0128": ResultCode("기타상품 중복", "This extra is already on the booking.", _R, True),
    "0129": ResultCode("자차보험 중복", "A booking with two damage covers cannot be changed.", _R),
    "0130": ResultCode("거래처 예약번호 중복", "Our booking number (dealerrevnum) is already used.", _R),
    "0131": ResultCode("거래처 예약번호 글자수 제한", "Our booking number is longer than 50 characters.", _R),
    "0200": ResultCode("예약마감", "Bookings are closed for this car.", _R, True),
    "0300": ResultCode("예약요금 계산 오류", "The company could not calculate the price.", _R),
    "0310": ResultCode("예약요금 체크 오류", "The price has changed. Please search again.", _R, True),
    "0311": ResultCode("예약요금 오류", "The company has no price set for this rental.", _R),
    "0320": ResultCode("예약요금 직접입력 불가", "Entering a price needs the company's permission.", _R),
    "0321": ResultCode("예약변경 권한 필요", "Changing the price needs the company's permission.", _R),
    "0400": ResultCode("예약접수/변경/취소 DB처리 오류", "The company's system failed to save the booking.", _U),
    "0500": ResultCode("예약정보 없음", "Unknown booking.", _N),
    "0501": ResultCode("예약정보 없음(dealerrevnum)", "Unknown booking (dealerrevnum).", _N),
    "0510": ResultCode("기타상품 예약없음", "No booked extra has that name.", _N),
    "0511": ResultCode("기타상품 예약 중복(2개이상)", "Several booked extras have that name.", _R),
    "0601": ResultCode("예약취소/변경 불가(취소가능시간)", "It is too late to change or cancel the booking.", _R, True),
    "0610": ResultCode("예약취소/변경 불가(예약상태)", "This booking is cancelled or already under way.", _R, True),
    "0611": ResultCode("예약변경 불가(기타상품)", "The booked extras do not allow this car.", _R, True),
    "0612": ResultCode("예약변경 불가(자차보험)", "A booking with two damage covers cannot be changed.", _R),
    "0620": ResultCode("취소사유 글자수 제한", "The cancellation reason is longer than 200 characters.", _R),
    "0700": ResultCode("서버점검 중", "Bookings are paused for maintenance from 04:00 to 04:30 (KST).", _U, True),
    "9100": ResultCode("파라미터 오류", "A parameter is missing or malformed.", _R),
    "9200": ResultCode("API 권한 필요", "Our account lacks permission for this API.", _A),
    "9800": ResultCode("NO Result", "No result.", _N),
    "9999": ResultCode("서버 내부 오류", "The company's server failed.", _U),
}


class RentcarClient:
    """Talks to the rent companies' server as one travel agency.

    Args:
        http: client from ``webapp.core.http.build_http_client`` whose
            base URL is ``https://{server}/``.
        uid: the agency's API admin login id.
        passcode: the agency's API passcode.

    Raises:
        ValueError: ``uid`` or ``passcode`` is empty.
    """

    def __init__(self, http: httpx.Client, uid: str, passcode: str) -> None:
        if not uid:
            raise ValueError("rent-car uid is required")
        if not passcode:
            raise ValueError("rent-car passcode is required")
        self._http = http
        self._uid = uid
        self._passcode = passcode

    def company_list(self) -> list[Company]:
        """List the rent companies linked to us (``cmd=companylist``, API cost 1/10).

        Also the connectivity check for this provider.

        Returns:
            The companies in good standing, in the server's order.

        Raises:
            ProviderAuthError: 1000/1002/1003/9200 (our uid, passcode or IP), HTTP 401/403.
            ProviderRateLimitedError: 3000, the call limit is spent; HTTP 429.
            ProviderUnavailableError: 0700/0400/9999, HTTP 5xx, unreachable.
            ProviderTimeoutError: no answer in time, HTTP 408/504.
            ProviderRejectedError: any other refusal, with its resCode; another HTTP 4xx.
            ProviderBadResponseError: the reply is not the documented JSON, or HTTP 404.
        """
        body = self._call("companylist", empty_ok=True)
        return _parse_list(Company, body, "회사목록", "companylist")

    # -- searches (seed 001 "가능차량검색" …) --

    def search_cars(self, start: datetime, end: datetime, *, companies: Iterable[str] = (),
                    matched: bool = False, blocks: bool = False, with_covers: bool = True,
                    models: Iterable[str] = ()) -> list[Car]:
        """Cars available from ``start`` to ``end`` (the carsearch family; cost 1/10 x R, 1/8 with blocks,
        1/100 x R x M by model, 1/80 with blocks).

        Args:
            start, end: pick-up and return, Korean wall-clock time (naive) or aware.
            companies: company codes (``rccode``); empty: every linked company.
            matched: only models matched to our agency codes (``carsearch``, with the L fields)
                instead of every model (``carsearch_r``).
            blocks: include the cars held for us as blocks (``carNblocksearch…``).
            with_covers: ask for the damage-cover options (``option_ins=1``).
            models: agency model codes when ``matched`` (``mcode``), else R모델번호 (``mid``);
                ``"CODE$model"`` binds one to a company (then ``companies`` must be empty).

        Returns:
            The cars with at least one free (R가능수); an empty list for 9800.

        Raises:
            ProviderError: as ``company_list``; 0111–0114 when the one company asked refuses the times.
        """
        models = list(models)
        cmd = ("carNblocksearch" if blocks else "carsearch") + (
            ("bymodelcodes" if matched else "bymodelnumbers_r") if models else ("" if matched else "_r"))
        params = {"sd": _wire_time(start), "ed": _wire_time(end), "option_ins": "1" if with_covers else "0",
                  **_companies(companies)}
        if models:
            params["mcode" if matched else "mid"] = ",".join(models)
        return _parse_list(Car, self._call(cmd, params, empty_ok=True), "차량목록", cmd)

    def insurance_list(self, start: datetime, end: datetime, *, companies: Iterable[str] = (),
                       matched: bool = False, models: Iterable[str] = ()) -> list[Insurance]:
        """Damage-cover products with their fee for the period (``inslist``/``inslist_r``, cost 1/40 x R).

        Args:
            matched: only covers matched to ours (``inslist``; ``models`` are agency codes, ``mocode``),
                else every cover (``inslist_r``; ``models`` are R모델번호, ``mid``).

        Raises:
            ProviderError: as ``company_list``.
        """
        # seed 001 quirk: the R자차보험목록 section lists "cmd text inslist" — a copy of the
        # section above; the command that lists *all* covers (no matching needed) is inslist_r.
        cmd = "inslist" if matched else "inslist_r"
        params = {"sd": _wire_time(start), "ed": _wire_time(end), **_companies(companies)}
        models = list(models)
        if models:
            params["mocode" if matched else "mid"] = ",".join(models)
        return _parse_list(Insurance, self._call(cmd, params, empty_ok=True), "보험목록", cmd)

    def extra_list(self, start: datetime, end: datetime, *, companies: Iterable[str] = (),
                   models: Iterable[str] = ()) -> list[Extra]:
        """Extras with their fee for the period (``etclist_r``, cost 1/20 x R).

        Args:
            models: ``"CODE$mid"`` items (cannot go with ``companies``, seed etclist_r).

        Raises:
            ProviderError: as ``company_list``.
        """
        params = {"sd": _wire_time(start), "ed": _wire_time(end), **_companies(companies)}
        models = list(models)
        if models:
            params["mid"] = ",".join(models)
        return _parse_list(Extra, self._call("etclist_r", params, empty_ok=True), "상품목록", "etclist_r")

    # -- reservations --

    def reserve(self, company: str, start: datetime, end: datetime, mid: int, *, car_fee_check: int,
                name: str, phone: str, dealer_ref: str, option_ins: int | None = None,
                insid: int | None = None, insurance_fee_check: int | None = None, gids: Iterable[int] = (),
                extras_fee_check: int | None = None, custfee: int | None = None, email: str = "",
                memo: str = "", pickup_place: str = "", return_place: str = "", block_first: bool = False,
                ignore_lower_fee: bool = False) -> Reservation:
        """Book a car (``revadd``, cost 1/2) at the fees the driver saw.

        The server books at its *current* fee only if it matches our checks
        within 100 KRW (``carfeechk`` = car incl. the cover option, ``insfeechk``,
        ``etcfeechk`` = the extras' sum), else 0310.

        Args:
            company: the company code (``rccode``).
            dealer_ref: our booking reference (``dealerrevnum``), to find it again after a lost reply.
            custfee: what the driver pays at the counter; ``0`` is sent explicitly (seed: "직불금액이 0일 때
                반드시 custfee=0"), ``None`` leaves the server's default (the total).

        Raises:
            ProviderRejectedError: 0310 the fee changed, 0200 sold out, 0111–0114 times, 0122–0131 …
            ProviderNotFoundError: 0120 company, 0121 model, 0122 cover.
            ProviderTimeoutError / ProviderUnavailableError: the reservation may exist: look it up by ``dealer_ref``.
        """
        params = {"rccode": company, "sd": _wire_time(start), "ed": _wire_time(end), "mid": str(mid),
                  "carfeechk": str(car_fee_check), "uname": name, "phone": phone, "dealerrevnum": dealer_ref}
        if option_ins:
            params["option_ins"] = str(option_ins)
        if insid:
            params["insid"] = str(insid)
            params["insfeechk"] = str(insurance_fee_check if insurance_fee_check is not None else 0)
        gids = [str(g) for g in gids]
        if gids:
            params["gid"] = ",".join(gids)
            params["etcfeechk"] = str(extras_fee_check if extras_fee_check is not None else 0)
        if custfee is not None:
            params["custfee"] = str(custfee)
        for key, value in (("email", email), ("memo", memo), ("sp", pickup_place), ("ep", return_place)):
            if value:
                params[key] = value
        if block_first:
            params["blockrev"] = "1"
        if ignore_lower_fee:
            params["ignorefeechkunder"] = "1"
        return _parse_one(Reservation, self._call("revadd", params), "revadd")

    def update_reservation(self, company: str, revnum: str, *, start: datetime, end: datetime, mid: int,
                           fee_sum_check: int, option_ins: int | None = None, insid: int | None = None,
                           dealer_ref: str | None = None, memo: str | None = None,
                           custfee: int | None = None) -> Reservation:
        """Change model, times or cover (``revupdate``, cost 1/2), sending the *final* state.

        The seed asks for mid, sd, ed and the cover as they should end up;
        a cover left out is removed. ``feesumchk`` is the new total.

        Raises:
            ProviderRejectedError: 0601 past the deadline, 0610 cancelled/on rent, 0310 fee, 0321 …
            ProviderNotFoundError: 0500 unknown reservation.
        """
        params = {"rccode": company, "revnum": revnum, "sd": _wire_time(start), "ed": _wire_time(end),
                  "mid": str(mid), "feesumchk": str(fee_sum_check)}
        if option_ins:
            params["option_ins"] = str(option_ins)
        if insid:
            params["insid"] = str(insid)
        if dealer_ref:
            params["dealerrevnum"] = dealer_ref
        if memo is not None:
            params["memo"] = memo  # overwrites: the whole memo is sent (seed revupdate)
        if custfee is not None:
            params["custfee"] = str(custfee)
        return _parse_one(Reservation, self._call("revupdate", params), "revupdate")

    def cancel_reservation(self, company: str, revnum: str, *, dealer_ref: str | None = None,
                           reason: str = "") -> Cancellation:
        """Cancel (``revcancel``, cost 1/2) with a reason of at most 200 characters (0620).

        Raises:
            ProviderRejectedError: 0601 past the deadline, 0610 already cancelled or on rent, 0620.
        """
        params = {"rccode": company, "revnum": revnum, "cancelmemo": reason}
        if dealer_ref:
            params["dealerrevnum"] = dealer_ref
        return _parse_one(Cancellation, self._call("revcancel", params), "revcancel")

    def add_extra(self, company: str, revnum: str, gid: int, fee_check: int, *, paid_directly: bool = True,
                  dealer_ref: str | None = None) -> Reservation:
        """Add an extra to a reservation (``addetcitem``, cost 1/2).

        Raises:
            ProviderRejectedError: 0127 not for this car, 0128 already on it, 0310 fee changed.
        """
        params = {"rccode": company, "revnum": revnum, "gid": str(gid), "etcfeechk": str(fee_check),
                  "iscustfee": "1" if paid_directly else "0"}
        if dealer_ref:
            params["dealerrevnum"] = dealer_ref
        return _parse_one(Reservation, self._call("addetcitem", params), "addetcitem")

    def delete_extra(self, company: str, revnum: str, name: str, *, dealer_ref: str | None = None) -> Reservation:
        """Remove a booked extra by its name (``deletcitem``, cost 1/2; the seed keys it by ``gname``).

        Raises:
            ProviderNotFoundError: 0510 no extra of that name. ProviderRejectedError: 0511 two of that name.
        """
        params = {"rccode": company, "revnum": revnum, "gname": name}
        if dealer_ref:
            params["dealerrevnum"] = dealer_ref
        return _parse_one(Reservation, self._call("deletcitem", params), "deletcitem")

    def reservations(self, company: str, *, first: str | None = None, last: str | None = None,
                     by_acceptance: bool = False, with_cancelled: bool = False, page: int = 1,
                     page_count: int = 100) -> ReservationPage:
        """One page of our reservations at ``company`` (``revlist``, cost 1/10).

        Args:
            first, last: ``yyyymmdd`` (both or neither; the server's today by default).
            by_acceptance: by the day booked instead of the pick-up day.

        Returns:
            The page; no reservations (9800) is an empty page.
        """
        params = {"rccode": company, "page": str(page), "pagecount": str(page_count),
                  "acceptdate": "1" if by_acceptance else "0", "withcancel": "1" if with_cancelled else "0"}
        if first and last:
            params.update(sd=first, ed=last)
        body = self._call("revlist", params, empty_ok=True)
        if body.get("resCode") == NO_RESULT or "예약목록" not in body:
            return ReservationPage(Page=page, PageCount=page_count, TotalCount=0)
        return _parse_one(ReservationPage, body, "revlist")

    def reservation_detail(self, company: str, *, revnum: str | None = None,
                           dealer_ref: str | None = None) -> Reservation:
        """One reservation (``revdetail``, cost 1/5), by its number or by our reference (``dealerrevnum``).

        Raises:
            ProviderNotFoundError: 0500 (by revnum) or 0501 (by our reference): no such reservation.
        """
        params = {"rccode": company}
        if revnum:
            params["revnum"] = revnum
        if dealer_ref:
            params["dealerrevnum"] = dealer_ref
        return _parse_one(Reservation, self._call("revdetail", params), "revdetail")

    def _call(self, cmd: str, params: dict[str, str] | None = None, empty_ok: bool = False) -> dict:
        """POST one command; return the reply when resCode is 0000.

        Args:
            cmd: the command name.
            params: the command's own form fields.
            empty_ok: treat 9800 (NO Result) as an empty success, for lists.
        """
        form = {"uid": self._uid, "passcode": self._passcode, "cmd": cmd, **(params or {})}
        request = self._http.build_request("POST", ENDPOINT, data=form, headers={"Accept": "application/json"})
        response = send(self._http, PROVIDER, request)
        body = _json_body(response, cmd)
        code = _result_code(body.get("resCode"))
        if code == SUCCESS or (empty_ok and code == NO_RESULT):
            return body
        raise result_error(code, str(body.get("resMsg", "")), cmd)


def result_error(code: str, res_msg: str, cmd: str = "") -> ProviderError:
    """Build the typed error for a non-0000 ``resCode``.

    Args:
        code: the four-digit resCode.
        res_msg: the server's resMsg (Korean), kept in ``detail``.
        cmd: the command that failed, for the detail.

    Returns:
        The matching ProviderError subclass; unknown codes become
        ProviderRejectedError so they are never taken for success.
    """
    row = RESULT_CODES.get(code)
    detail = f"cmd={cmd} resCode={code} resMsg={res_msg}"
    if row is None:
        return ProviderRejectedError(PROVIDER, code, detail + " (code not in seed 001)")
    detail += f" ({row.english})"
    field = None
    if code == "9100":  # resMsg names the parameter: "파라미터 오류 (sd)"
        match = re.search(r"\(([^)]*)\)", res_msg)
        field = match.group(1) if match else None
    return row.error(PROVIDER, code, detail, row.english, row.visible, field=field)


def _json_body(response: httpx.Response, cmd: str) -> dict:
    status = response.status_code
    if status != 200:
        # The API answers every request with 200 and says what happened in
        # resCode; another status comes from what stands in front of it (IIS,
        # a proxy) and is read with the shared table. Except 404: on the one
        # endpoint it means a wrong server address, which a look-up must not
        # take for "no such reservation" (that is resCode 0500/0501).
        raise error_for_status(PROVIDER, status, detail=f"cmd={cmd}: HTTP {status}",
                               retry_after_header=response.headers.get("Retry-After"),
                               kind=ProviderBadResponseError if status == 404 else None)
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ProviderBadResponseError(PROVIDER, "bad_json", f"cmd={cmd}: {exc}") from exc
    if not isinstance(body, dict) or "resCode" not in body:
        raise ProviderBadResponseError(PROVIDER, "bad_json", f"cmd={cmd}: no resCode in reply")
    return body


def _result_code(value) -> str:
    # resCode is text ("0000"); tolerate a number that lost its leading zeros.
    return str(value).strip().zfill(4)


#: seed 001 "API 목록과 비용": cmd -> (per call, x R companies, x R x M models), in calls
_COSTS = {
    "companylist": (Fraction(1, 10), 0, 0),
    "carsearch": (0, Fraction(1, 10), 0), "carNblocksearch": (0, Fraction(1, 8), 0),
    "carsearch_r": (0, Fraction(1, 10), 0), "carNblocksearch_r": (0, Fraction(1, 8), 0),
    "carsearchbymodelcodes": (0, 0, Fraction(1, 100)), "carNblocksearchbymodelcodes": (0, 0, Fraction(1, 80)),
    "carsearchbymodelnumbers_r": (0, 0, Fraction(1, 100)),
    "carNblocksearchbymodelnumbers_r": (0, 0, Fraction(1, 80)),
    "inslist": (0, Fraction(1, 40), 0), "inslist_r": (0, Fraction(1, 40), 0), "etclist_r": (0, Fraction(1, 20), 0),
    "revadd": (Fraction(1, 2), 0, 0), "revupdate": (Fraction(1, 2), 0, 0), "revcancel": (Fraction(1, 2), 0, 0),
    "addetcitem": (Fraction(1, 2), 0, 0), "deletcitem": (Fraction(1, 2), 0, 0),
    "revlist": (Fraction(1, 10), 0, 0), "revdetail": (Fraction(1, 5), 0, 0),
}


def api_cost(cmd: str, companies: int = 1, models: int = 1) -> Fraction:
    """What one call costs the agency, in calls (seed 001 "API 목록과 비용").

    Args:
        companies: R, the companies the call asks (every linked one when none is named).
        models: M, the models of a by-model search.
    """
    per_call, per_company, per_model = _COSTS[cmd]
    return Fraction(per_call) + per_company * companies + per_model * companies * models


def _wire_time(moment: datetime) -> str:
    """``yyyymmddhhmm`` in Korean time (an aware time is converted; a naive one is taken as Korean)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(SEOUL)
    return moment.strftime("%Y%m%d%H%M")


def _companies(codes: Iterable[str]) -> dict[str, str]:
    codes = [code for code in codes if code]
    return {"rccode": ",".join(codes)} if codes else {}


def _parse_list(model, body: dict, key: str, cmd: str) -> list:
    try:
        return [model.model_validate(item) for item in body.get(key) or ()]
    except (WireValidationError, TypeError) as exc:
        raise ProviderBadResponseError(PROVIDER, "bad_body", f"{cmd}: {exc!r}") from exc


def _parse_one(model, body: dict, cmd: str):
    try:
        return model.model_validate(body)
    except WireValidationError as exc:
        raise ProviderBadResponseError(PROVIDER, "bad_body", f"{cmd}: {exc!r}") from exc


def client_from_settings(http: httpx.Client, credentials: dict[str, str], base_url: str) -> RentcarClient:
    """Build the client from the app's provider settings (``core.provider.ApiSpec.client``)."""
    return RentcarClient(http, credentials["uid"], credentials["passcode"])

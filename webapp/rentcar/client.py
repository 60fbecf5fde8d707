"""Client for the Korean rent-car real-time API v2 (seed 001, ``rtapi/ws_v2.aspx``).

We are the travel agency. One endpoint takes form data and answers JSON with
``resCode``/``resMsg``; every request carries ``uid``, ``passcode`` and ``cmd``.
This is the foundation: transport, the result-code table and ``companylist``;
searches and reservations are added by their own issues on top of ``_call``.

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
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import httpx

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


@dataclass(frozen=True)
class Company:
    """A rent company linked to our agency (one row of ``회사목록``).

    Attributes:
        link_no: 연결번호, the link's number.
        name: R렌트회사, the company name (``rcname`` in later calls).
        account_name: R거래처, the name under which the company registered us.
        status: 거래상태; the server lists only "정상" (in good standing).
        agency_code: L렌트회사코드, our own code for the company (``rccode``).
        car_commission_pct: R차량수수료, our commission in % of the car price.
        insurance_commission_pct: R자차수수료, our commission in % of the damage cover.
        traffic_cost_handling: R트래픽비용처리, who carries the API cost.
        change_cutoff_hours: R취소가능시간, API changes/cancellations are possible
            until this many hours before pick-up.
        same_day_cancel_minutes: R당일취소허용시간, a booking made on the pick-up
            day can be cancelled until this many minutes before pick-up;
            negative means never.
    """

    link_no: int
    name: str
    account_name: str
    status: str
    agency_code: str
    car_commission_pct: Decimal
    insurance_commission_pct: Decimal
    traffic_cost_handling: str
    change_cutoff_hours: int
    same_day_cancel_minutes: int

    @property
    def same_day_cancellable(self) -> bool:
        """Whether bookings made on the pick-up day can be cancelled at all."""
        return self.same_day_cancel_minutes >= 0


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
        try:
            return [_company(item) for item in body.get("회사목록") or ()]
        except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
            raise ProviderBadResponseError(PROVIDER, "bad_body", f"companylist: {exc!r}") from exc

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


def _number(value) -> Decimal:
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    return Decimal(str(value).strip().rstrip("%") or "0")


def _company(item: dict) -> Company:
    return Company(
        link_no=int(item["연결번호"]),
        name=str(item["R렌트회사"]),
        account_name=str(item.get("R거래처", "")),
        status=str(item.get("거래상태", "")),
        agency_code=str(item.get("L렌트회사코드") or ""),
        car_commission_pct=_number(item.get("R차량수수료", 0)),
        insurance_commission_pct=_number(item.get("R자차수수료", 0)),
        traffic_cost_handling=str(item.get("R트래픽비용처리", "")),
        change_cutoff_hours=int(item["R취소가능시간"]),
        same_day_cancel_minutes=int(item["R당일취소허용시간"]),
    )


def client_from_settings(http: httpx.Client, credentials: dict[str, str], base_url: str) -> RentcarClient:
    """Build the client from the app's provider settings (``core.provider.ApiSpec.client``)."""
    return RentcarClient(http, credentials["uid"], credentials["passcode"])

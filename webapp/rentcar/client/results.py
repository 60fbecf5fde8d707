"""Seed 001 "응답코드,메시지": every ``resCode`` but 0000, what it means, and the typed error it raises.

The server answers HTTP 200 for refusals too, so this table is what tells a
refusal of the driver's choice (shown to them) from one of our configuration.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from webapp.core.errors import (
    ProviderAuthError,
    ProviderError,
    ProviderNotFoundError,
    ProviderPausedError,
    ProviderRateLimitedError,
    ProviderRejectedError,
    ProviderUnavailableError,
)

PROVIDER = "rentcar"


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
    # seed 001: "매일 04:00 ~ 04:30까지 접수/변경/취소 불가" — an answer, so nothing was booked
    "0700": ResultCode("서버점검 중", "Bookings are paused for maintenance from 04:00 to 04:30 (KST).",
                       ProviderPausedError, True),
    "9100": ResultCode("파라미터 오류", "A parameter is missing or malformed.", _R),
    "9200": ResultCode("API 권한 필요", "Our account lacks permission for this API.", _A),
    "9800": ResultCode("NO Result", "No result.", _N),
    "9999": ResultCode("서버 내부 오류", "The company's server failed.", _U),
}


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

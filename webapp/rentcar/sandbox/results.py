"""The envelope of every reply: seed 001's result codes, the error that ends a request, the reply itself.

Every answer is HTTP 200 with ``resCode``/``resMsg``/``resId``/``resTime`` first
(seed 001 "Response"); a refusal is a ``ResultError`` raised anywhere in a
command and turned into its ``resCode`` by the dispatcher (``server``).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone

from flask import jsonify

KST = timezone(timedelta(hours=9), "KST")

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


class ResultError(Exception):
    """Ends a request with a non-0000 resCode."""

    def __init__(self, code: str, param: str = "", **args) -> None:
        super().__init__(code)
        self.code = code
        self.param = param
        self.args_ = args


def reply(code: str, payload: dict | None = None, param: str = "", **args):
    now = datetime.now(KST)
    body = {
        "resCode": code,
        "resMsg": RESULT_MESSAGES[code].format(param=param, a=args.get("a", ""), b=args.get("b", "")),
        "resId": now.strftime("%Y%m%d%H%M%S") + f"{secrets.randbelow(10**6):06d}",
        "resTime": now.strftime("%Y-%m-%d %H:%M:%S"),
    }
    body.update(payload or {})
    return jsonify(body)

"""RentcarClient against the rent-car server sandbox, in-process."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from webapp.core.errors import (
    ProviderAuthError,
    ProviderBadResponseError,
    ProviderNotFoundError,
    ProviderPausedError,
    ProviderRateLimitedError,
    ProviderRejectedError,
    ProviderTimeoutError,
    ProviderUnavailableError,
)
from webapp.core.http import HttpSettings, build_http_client
from webapp.core.sandbox_kit import SandboxTransport
from webapp.rentcar.client import RentcarClient, result_error
from webapp.rentcar.sandbox import create_sandbox

DEMO = {"uid": "demo-agency", "passcode": "demo-passcode"}
ENDPOINT = "rtapi/ws_v2.aspx"


@pytest.fixture
def make_client(tmp_path):
    """Factory: a client (and its sandbox) with the given sandbox credentials and login."""
    opened = []

    def make(sandbox_credentials=None, uid=DEMO["uid"], passcode=DEMO["passcode"]):
        sandbox = create_sandbox(tmp_path, {**DEMO, **(sandbox_credentials or {})})
        http = build_http_client(HttpSettings("rentcar", "https://rentcar.sandbox/"),
                                 transport=SandboxTransport(sandbox))
        opened.append(http)
        return RentcarClient(http, uid, passcode), sandbox, http

    yield make
    for http in opened:
        http.close()


def test_company_list_returns_companies_in_good_standing(make_client):
    client, _, _ = make_client()

    companies = client.company_list()

    assert [company.name for company in companies] == [  # 바당렌트카 is not 정상
        "한라렌트카", "탐라렌트카", "제주오름렌트카", "서울모빌리티렌트카", "한강렌트카"]
    halla = companies[0]
    assert halla.agency_code == "HALLA" and halla.status == "정상"
    assert halla.car_commission_pct == Decimal("12.0") and halla.insurance_commission_pct == Decimal("10")
    assert halla.change_cutoff_hours == 24 and halla.same_day_cancel_minutes == 60
    assert not companies[1].same_day_cancellable  # R당일취소허용시간 < 0


def test_company_list_reply_has_seed_shape(make_client):
    _, _, http = make_client()

    response = http.post(ENDPOINT, data={**DEMO, "cmd": "companylist"})

    assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/json")
    assert "회사목록" in response.text  # UTF-8, not \u-escaped
    body = response.json()
    assert list(body)[:4] == ["resCode", "resMsg", "resId", "resTime"]
    assert body["resCode"] == "0000" and body["resMsg"] == "성공"
    company = body["회사목록"][0]
    assert list(company) == ["연결번호", "R렌트회사", "R거래처", "거래상태", "L렌트회사코드", "R차량수수료",
                             "R자차수수료", "R트래픽비용처리", "R취소가능시간", "R당일취소허용시간"]
    # v2: num fields are JSON numbers; R자차수수료 is text in the seed.
    assert isinstance(company["연결번호"], int) and isinstance(company["R차량수수료"], float)
    assert isinstance(company["R자차수수료"], str)


def test_wrong_passcode_raises_auth_error_1000(make_client):
    client, _, _ = make_client(passcode="wrong")

    with pytest.raises(ProviderAuthError) as caught:
        client.company_list()

    assert caught.value.code == "1000"


def test_ip_blocked_after_ten_failed_logins_even_with_right_passcode(make_client, tmp_path):
    bad, _, _ = make_client(passcode="wrong")
    codes = []
    for _ in range(10):
        with pytest.raises(ProviderAuthError) as caught:
            bad.company_list()
        codes.append(caught.value.code)
    good, _, _ = make_client()  # a second sandbox process on the same state file

    with pytest.raises(ProviderAuthError) as caught:
        good.company_list()

    assert codes == ["1000"] * 10
    assert caught.value.code == "1002"


def test_success_resets_failed_login_count(make_client):
    bad, _, _ = make_client(passcode="wrong")
    good, _, _ = make_client()
    for _ in range(9):
        with pytest.raises(ProviderAuthError):
            bad.company_list()
    good.company_list()
    for _ in range(9):
        with pytest.raises(ProviderAuthError):
            bad.company_list()

    assert len(good.company_list()) == 5


def test_unblock_control_endpoint_lifts_ip_block(make_client):
    bad, _, http = make_client(passcode="wrong")
    for _ in range(10):
        with pytest.raises(ProviderAuthError):
            bad.company_list()
    good, _, _ = make_client()

    http.post("_sandbox/unblock")

    assert len(good.company_list()) == 5


def test_unregistered_ip_raises_auth_error_1003(make_client):
    client, _, _ = make_client({"allowed_ips": "203.0.113.7"})

    with pytest.raises(ProviderAuthError) as caught:
        client.company_list()

    assert caught.value.code == "1003"


@pytest.mark.parametrize("cmd", ["nosuchcmd", ""])
def test_unknown_or_missing_cmd_answers_2000(make_client, cmd):
    _, _, http = make_client()

    body = http.post(ENDPOINT, data={**DEMO, "cmd": cmd}).json()

    assert body["resCode"] == "2000" and body["resMsg"] == "작업명령 없음"


def test_json_body_is_refused_with_1000(make_client):
    _, _, http = make_client()

    body = http.post(ENDPOINT, json={**DEMO, "cmd": "companylist"}).json()

    assert body["resCode"] == "1000"


def test_call_limit_raises_rate_limited_3000(make_client):
    client, _, _ = make_client({"daily_cost_limit": "0.2"})  # two companylist calls at 1/10
    client.company_list()
    client.company_list()

    with pytest.raises(ProviderRateLimitedError) as caught:
        client.company_list()

    assert caught.value.code == "3000"


def test_fault_503_raises_unavailable(make_client):
    client, sandbox, _ = make_client()
    sandbox.extensions["faults"].status = 503

    with pytest.raises(ProviderUnavailableError):
        client.company_list()


@pytest.mark.parametrize(("code", "kind", "visible"), [
    ("1000", ProviderAuthError, False),
    ("1002", ProviderAuthError, False),
    ("1003", ProviderAuthError, False),
    ("3000", ProviderRateLimitedError, False),
    ("0700", ProviderPausedError, True),
    ("9999", ProviderUnavailableError, False),
    ("0500", ProviderNotFoundError, False),
    ("0310", ProviderRejectedError, True),
    ("9100", ProviderRejectedError, False),
    ("4242", ProviderRejectedError, False),
])
def test_result_codes_map_to_typed_errors(code, kind, visible):
    error = result_error(code, "파라미터 오류 (sd)" if code == "9100" else "x", "revadd")

    assert type(error) is kind
    assert error.code == code and error.visible_to_user is visible


def test_parameter_error_names_the_field():
    assert result_error("9100", "파라미터 오류 (sd)").field == "sd"


@pytest.mark.parametrize(("uid", "passcode"), [("", "p"), ("u", "")])
def test_missing_credential_fails_at_construction(uid, passcode):
    with pytest.raises(ValueError):
        RentcarClient(None, uid, passcode)


@pytest.mark.parametrize(("status", "kind"), [
    (403, ProviderAuthError),
    (404, ProviderBadResponseError),  # a wrong server address, not "no such reservation"
    (400, ProviderRejectedError),
    (429, ProviderRateLimitedError),
    (504, ProviderTimeoutError),  # a gateway gave up: the company's server may have booked
    (502, ProviderUnavailableError),
    (302, ProviderBadResponseError),
])
def test_http_statuses_in_front_of_the_api_map_through_the_shared_table(status, kind):
    answer = httpx.Response(status, text="<html>not the API</html>", headers={"Retry-After": "30"})
    http = build_http_client(HttpSettings("rentcar", "https://rentcar.sandbox/", retries=0),
                             transport=httpx.MockTransport(lambda request: answer))

    with pytest.raises(kind) as caught:
        RentcarClient(http, DEMO["uid"], DEMO["passcode"]).company_list()

    assert caught.value.status_code == status and caught.value.code == str(status)
    if kind is ProviderRateLimitedError:
        assert caught.value.retry_after == 30.0

"""Parking247Client against the 247Parking sandbox, in-process: authorization, the test call, errors.

The reservation calls and their rules are in ``test_reservations.py``.
"""

from __future__ import annotations

import itertools
import time

import httpx
import pytest

from webapp.core.errors import (
    ProviderAuthError,
    ProviderBadResponseError,
    ProviderNotFoundError,
    ProviderRateLimitedError,
    ProviderRejectedError,
    ProviderTimeoutError,
    ProviderUnavailableError,
    shown_message,
)
from webapp.core.http import HttpSettings, build_http_client
from webapp.core.sandbox_kit import SandboxTransport
from webapp.valet.client import AccessStatus, Parking247Client
from webapp.valet.sandbox import create_sandbox

KEY = "XxYEajBjyj&PQZiLGatPbKkoU3cg6NG9)ZrW6DWghAEiqv=lM"
SECRET = "YyZLGQZiGrW6oBjyj&WghAP9)ZEiqv=lMatPbK"
BASE_URL = "https://api.247parking.nl/v1/"  # where the requests go
SIGNED = "https://api.247parking.nl/"  # what is signed (seed 004's example value, PROVIDERS.md §5)
DEMO = {"key": KEY, "secret": SECRET}


@pytest.fixture
def sandbox(tmp_path):
    return create_sandbox(tmp_path, DEMO)


@pytest.fixture
def http(sandbox):
    with build_http_client(HttpSettings("parking247", BASE_URL), transport=SandboxTransport(sandbox)) as client:
        yield client


def client_for(http, **overrides) -> Parking247Client:
    arguments = {"key": KEY, "secret": SECRET, "base_url": SIGNED, **overrides}
    return Parking247Client(http, **arguments)


def test_test_call_is_authorized_with_demo_credentials(http):
    assert client_for(http).test_call() == AccessStatus("success", 200, "Access authorized")


def test_reply_envelope_matches_seed(http):
    response = http.get("", headers=client_for(http).signed_headers("GET"))

    assert response.json() == {"data": "", "meta": {"status": "success", "code": 200,
                                                    "message": "Access authorized"}}


@pytest.mark.parametrize(("overrides", "message"), [
    ({"secret": "not-the-secret"}, "Invalid signature"),
    ({"key": "not-the-key"}, "Invalid API key"),
    # Both sides must sign the same base URL: the request's own URL is not it.
    ({"base_url": BASE_URL}, "Invalid signature"),
])
def test_wrong_credentials_raise_auth_error(http, overrides, message):
    with pytest.raises(ProviderAuthError) as caught:
        client_for(http, **overrides).test_call()

    assert caught.value.code == "401" and message in caught.value.detail
    assert shown_message(caught.value) == ProviderAuthError.default_user_message


def test_expired_timestamp_is_refused(http):
    with pytest.raises(ProviderAuthError) as caught:
        client_for(http, clock=lambda: time.time() - 601).test_call()

    assert "Request expired" in caught.value.detail


def test_timestamp_inside_ten_minutes_is_accepted(http):
    assert client_for(http, clock=lambda: time.time() - 540).test_call().code == 200


def test_expired_reply_uses_seed_error_envelope(http):
    headers = client_for(http, clock=lambda: time.time() - 3600).signed_headers("GET")

    response = http.get("", headers=headers)

    assert response.status_code == 401
    assert response.json() == {"data": "", "meta": {"status": "error", "code": 401, "message": "Request expired"}}


def test_far_future_timestamp_is_refused_with_its_own_message(http):
    with pytest.raises(ProviderAuthError) as caught:
        client_for(http, clock=lambda: time.time() + 3600).test_call()

    assert "Request timestamp is in the future" in caught.value.detail


def test_signature_check_holds_whatever_url_serves_the_sandbox(sandbox):
    # the sandbox served on a port: requests go to http://127.0.0.1:…, the signed value stays the setting
    settings = HttpSettings("parking247", "http://127.0.0.1:8123/v1/")
    with build_http_client(settings, transport=SandboxTransport(sandbox)) as local:
        assert client_for(local).test_call().code == 200


def test_reset_credentials_kills_the_old_pair_at_once(sandbox, http):
    new_key, new_secret = sandbox.extensions["parking247"].reset_credentials()

    with pytest.raises(ProviderAuthError) as caught:
        client_for(http).test_call()
    assert "API key has been reset" in caught.value.detail
    assert client_for(http, key=new_key, secret=new_secret).test_call().code == 200
    assert (new_key, new_secret) != (KEY, SECRET)


def test_a_reset_holds_for_another_process_on_the_same_state(tmp_path, sandbox, http):
    new_key, new_secret = sandbox.extensions["parking247"].reset_credentials()
    # another server process on the same state folder, configured with the old demo pair
    other_process = create_sandbox(tmp_path, DEMO)
    with build_http_client(HttpSettings("parking247", BASE_URL), transport=SandboxTransport(other_process)) as other:
        with pytest.raises(ProviderAuthError):
            client_for(other).test_call()
        assert client_for(other, key=new_key, secret=new_secret).test_call().code == 200


def test_unknown_key_and_reset_key_have_their_own_messages(sandbox, http):
    sandbox.extensions["parking247"].reset_credentials()
    messages = set()
    for key in ("never-issued", KEY):
        with pytest.raises(ProviderAuthError) as caught:
            client_for(http, key=key).test_call()
        messages.add(caught.value.detail.rsplit(": ", 1)[-1])
    assert messages == {"Invalid API key", "API key has been reset; use the new API credentials"}


def test_reused_nonce_is_refused(http):
    client = client_for(http, nonce_factory=lambda: "sameNonce0123456789")
    client.test_call()

    with pytest.raises(ProviderAuthError) as caught:
        client.test_call()

    assert "Nonce already used" in caught.value.detail


def test_used_nonces_are_shared_through_the_state_file(tmp_path, http):
    client_for(http, nonce_factory=lambda: "sharedNonce42").test_call()
    other_process = create_sandbox(tmp_path, DEMO)
    settings = HttpSettings("parking247", BASE_URL)
    with build_http_client(settings, transport=SandboxTransport(other_process)) as other, \
            pytest.raises(ProviderAuthError):
        client_for(other, nonce_factory=lambda: "sharedNonce42").test_call()


def test_fresh_nonces_allow_repeated_calls(http):
    counter = itertools.count()
    client = client_for(http, nonce_factory=lambda: f"nonce{next(counter)}")

    assert [client.test_call().code for _ in range(3)] == [200, 200, 200]


def test_missing_header_is_refused(http):
    response = http.get("")

    assert response.status_code == 401 and response.json()["meta"]["status"] == "error"


def test_247parkings_own_503_says_it_did_not_carry_the_request_out(sandbox, http):
    # seed 004: 503 "The API is up, but overloaded with requests" — nothing was done, like a 429 (issue 21)
    sandbox.extensions["faults"].status = 503

    with pytest.raises(ProviderRateLimitedError) as caught:
        client_for(http).test_call()
    assert caught.value.code == "overloaded"


def test_a_gateways_bare_502_is_unavailable(sandbox, http):
    sandbox.extensions["faults"].status = 502

    with pytest.raises(ProviderUnavailableError):
        client_for(http).test_call()


@pytest.mark.parametrize("overrides", [
    {"key": ""}, {"secret": ""}, {"base_url": ""}, {"base_url": "http://api.247parking.nl/v1/"},
])
def test_missing_or_insecure_configuration_fails_at_construction(http, overrides):
    with pytest.raises(ValueError):
        client_for(http, **overrides)


def mock_client(status: int, body: dict | str, headers: dict | None = None) -> Parking247Client:
    """A client whose server answers every request with ``status`` and ``body``."""
    def answer(request: httpx.Request) -> httpx.Response:
        if isinstance(body, str):
            return httpx.Response(status, text=body, headers=headers)
        return httpx.Response(status, json=body, headers=headers)

    http = build_http_client(HttpSettings("parking247", BASE_URL, retries=0), transport=httpx.MockTransport(answer))
    return client_for(http)


def error_envelope(code: int, message: str) -> dict:
    return {"data": "", "meta": {"status": "error", "code": code, "message": message}}


@pytest.mark.parametrize(("status", "kind"), [
    (401, ProviderAuthError),
    (403, ProviderAuthError),
    (404, ProviderNotFoundError),
    (409, ProviderRejectedError),
    (429, ProviderRateLimitedError),
    (504, ProviderTimeoutError),  # the gateway gave up: a reservation may have been made
    (503, ProviderRateLimitedError),  # 247Parking's own 503 in its envelope: overloaded, nothing done
    (502, ProviderUnavailableError),
])
def test_statuses_map_through_the_shared_table(status, kind):
    with pytest.raises(kind) as caught:
        mock_client(status, error_envelope(status, "Nope"), {"Retry-After": "15"}).test_call()

    assert caught.value.status_code == status and "Nope" in caught.value.detail
    if kind is ProviderRateLimitedError:
        assert caught.value.retry_after == 15.0


def test_a_400_message_is_for_the_customer():
    with pytest.raises(ProviderRejectedError) as caught:
        mock_client(400, error_envelope(400, "De kortingscode is verlopen")).test_call()

    assert shown_message(caught.value) == "De kortingscode is verlopen"


def test_a_400_without_the_envelope_shows_nothing_of_it():
    with pytest.raises(ProviderRejectedError) as caught:
        mock_client(400, "<html>Bad Request</html>").test_call()

    assert not caught.value.visible_to_user


def test_a_success_status_without_success_meta_is_a_bad_response():
    with pytest.raises(ProviderBadResponseError):
        mock_client(200, error_envelope(200, "odd")).test_call()

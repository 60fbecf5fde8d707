"""Parking247Client against the 247Parking sandbox, in-process."""

from __future__ import annotations

import itertools
import time

import pytest

from webapp.core.errors import ProviderAuthError, ProviderUnavailableError, shown_message
from webapp.core.http import HttpSettings, build_http_client
from webapp.core.sandbox_kit import SandboxTransport
from webapp.valet.client import AccessStatus, Parking247Client
from webapp.valet.sandbox import create_sandbox

KEY = "XxYEajBjyj&PQZiLGatPbKkoU3cg6NG9)ZrW6DWghAEiqv=lM"
SECRET = "YyZLGQZiGrW6oBjyj&WghAP9)ZEiqv=lMatPbK"
BASE_URL = "https://api.247parking.nl/v1/"
DEMO = {"key": KEY, "secret": SECRET}


@pytest.fixture
def sandbox(tmp_path):
    return create_sandbox(tmp_path, DEMO)


@pytest.fixture
def http(sandbox):
    with build_http_client(HttpSettings("parking247", BASE_URL), transport=SandboxTransport(sandbox)) as client:
        yield client


def client_for(http, **overrides) -> Parking247Client:
    arguments = {"key": KEY, "secret": SECRET, "base_url": BASE_URL, **overrides}
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
    # Both sides must sign the same base URL; the seed's own example root differs from ours.
    ({"base_url": "https://api.247parking.nl/"}, "Invalid signature"),
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


def test_fault_503_raises_unavailable(sandbox, http):
    sandbox.extensions["faults"].status = 503

    with pytest.raises(ProviderUnavailableError):
        client_for(http).test_call()


@pytest.mark.parametrize("overrides", [
    {"key": ""}, {"secret": ""}, {"base_url": ""}, {"base_url": "http://api.247parking.nl/v1/"},
])
def test_missing_or_insecure_configuration_fails_at_construction(http, overrides):
    with pytest.raises(ValueError):
        client_for(http, **overrides)

"""247Parking request signing (seed 004 "Authorizing a request", "Creating a signature")."""

from __future__ import annotations

import re

import httpx

from webapp.core.http import HttpSettings, build_http_client
from webapp.valet.client import Parking247Client, authorization_header, client_from_settings, new_nonce, sign

# The seed's example values.
SEED_KEY = "XxYEajBjyj&PQZiLGatPbKkoU3cg6NG9)ZrW6DWghAEiqv=lM"
SEED_SECRET = "YyZLGQZiGrW6oBjyj&WghAP9)ZEiqv=lMatPbK"
SEED_NONCE = "566761a9662108025d974494a55232d14cbbe945da87d6ab"
SEED_TIMESTAMP = "1420070400"
SEED_BASE_URL = "https://api.247parking.nl/"
SEED_PRINTED_SIGNATURE = "G5OSm46rLM61WQlltBpe4qB57gk="
FORMULA_SIGNATURE = "y/SyHbxMWbUPHEatZP5IGaaHQJM="


def test_signature_follows_documented_formula_for_seed_example():
    signature = sign(SEED_SECRET, "GET", SEED_BASE_URL, SEED_NONCE, SEED_TIMESTAMP)

    assert signature == FORMULA_SIGNATURE
    # The seed's printed value does not follow from its own inputs (PROVIDERS.md §5).
    assert signature != SEED_PRINTED_SIGNATURE


def test_signature_uppercases_method():
    assert sign(SEED_SECRET, "get", SEED_BASE_URL, SEED_NONCE, SEED_TIMESTAMP) == FORMULA_SIGNATURE


def test_signature_changes_with_base_url():
    assert sign(SEED_SECRET, "GET", "https://api.247parking.nl/v1/", SEED_NONCE, SEED_TIMESTAMP) != FORMULA_SIGNATURE


def test_header_is_one_line_in_seed_order():
    header = authorization_header(SEED_KEY, SEED_TIMESTAMP, SEED_NONCE, SEED_PRINTED_SIGNATURE)

    # Verbatim the one-line string of seed 004 "Building the X-Authorization header string".
    assert header == (
        'Key="XxYEajBjyj&PQZiLGatPbKkoU3cg6NG9)ZrW6DWghAEiqv=lM",Timestamp="1420070400",'
        'Nonce="566761a9662108025d974494a55232d14cbbe945da87d6ab",Signature="G5OSm46rLM61WQlltBpe4qB57gk="'
    )
    assert "\n" not in header and " " not in header


def test_new_nonce_is_word_characters_and_fresh():
    nonces = {new_nonce() for _ in range(50)}

    assert len(nonces) == 50
    assert all(re.fullmatch(r"\w{30,}", nonce) for nonce in nonces)


def test_client_signs_with_its_clock_nonce_and_configured_base_url():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"data": "", "meta": {"status": "success", "code": 200,
                                                              "message": "Access authorized"}})

    http = build_http_client(HttpSettings("parking247", "https://api.247parking.nl/v1/"),
                             transport=httpx.MockTransport(handler))
    client = Parking247Client(http, SEED_KEY, SEED_SECRET, SEED_BASE_URL,
                              clock=lambda: 1420070400.9, nonce_factory=lambda: SEED_NONCE)

    client.test_call()

    assert seen[0].method == "GET" and str(seen[0].url) == "https://api.247parking.nl/v1/"
    assert seen[0].headers["X-Authorization"] == authorization_header(
        SEED_KEY, SEED_TIMESTAMP, SEED_NONCE, FORMULA_SIGNATURE)


# Computed by hand from the documented formula:
#   printf '%s' "<secret><METHOD>https://api.247parking.nl/<nonce><timestamp>" | openssl sha1 -binary | base64
def test_signature_of_a_post_with_the_seed_inputs():
    assert sign(SEED_SECRET, "POST", SEED_BASE_URL, SEED_NONCE, SEED_TIMESTAMP) == "9mZx1hyl1+O6EIV613aeWbuGJg0="


def test_signature_of_a_put_with_other_inputs():
    assert sign(SEED_SECRET, "PUT", SEED_BASE_URL, "abc123", "1700000000") == "i6yAHWcYz/Q0g7nnsxfk+ET8Aas="


def test_client_from_settings_signs_the_seed_example_base_url_wherever_requests_go():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"data": "", "meta": {"status": "success", "code": 200, "message": "ok"}})

    http = build_http_client(HttpSettings("parking247", "http://127.0.0.1:8101/v1/"),
                             transport=httpx.MockTransport(handler))
    client = client_from_settings(http, {"key": SEED_KEY, "secret": SEED_SECRET}, "http://127.0.0.1:8101/v1/")
    client.test_call()

    params = dict(re.findall(r'(\w+)="([^"]*)"', seen[0].headers["X-Authorization"]))
    assert params["Signature"] == sign(SEED_SECRET, "GET", SEED_BASE_URL, params["Nonce"], params["Timestamp"])


def test_every_request_signs_anew():
    headers = []

    def handler(request: httpx.Request) -> httpx.Response:
        headers.append(request.headers["X-Authorization"])
        return httpx.Response(200, json={"data": "", "meta": {"status": "success", "code": 200, "message": "ok"}})

    http = build_http_client(HttpSettings("parking247", "https://api.247parking.nl/v1/"),
                             transport=httpx.MockTransport(handler))
    client = Parking247Client(http, SEED_KEY, SEED_SECRET, SEED_BASE_URL)
    client.test_call()
    client.test_call()

    assert len(set(headers)) == 2

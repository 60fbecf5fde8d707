"""247Parking request signing (seed 004 "Authorizing a request", "Creating a signature")."""

from __future__ import annotations

import re

import httpx

from webapp.core.http import HttpSettings, build_http_client
from webapp.valet.client import Parking247Client, authorization_header, new_nonce, sign

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

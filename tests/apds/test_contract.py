"""ApdsClient against the APDS platform sandbox, in-process."""

from __future__ import annotations

import httpx
import pytest

from webapp.apds.client import ApdsClient
from webapp.apds.sandbox import create_sandbox
from webapp.core.errors import (
    ProviderAuthError,
    ProviderNotFoundError,
    ProviderRateLimitedError,
    ProviderRejectedError,
    ProviderTimeoutError,
    ProviderUnavailableError,
)
from webapp.core.http import HttpSettings, build_http_client
from webapp.core.sandbox_kit import SandboxTransport

DEMO = {"token": "apds-demo-token"}
# Seed 003 §➊: 1000 m around Manchester city centre.
MANCHESTER = (53.4806, -2.2428)


@pytest.fixture
def sandbox(tmp_path):
    return create_sandbox(tmp_path, DEMO)


@pytest.fixture
def http(sandbox):
    settings = HttpSettings("apds", "https://apds.sandbox/")
    with build_http_client(settings, transport=SandboxTransport(sandbox)) as client:
        yield client


def test_places_near_returns_seeded_places_within_radius(http):
    page = ApdsClient(http, DEMO["token"]).places_near(*MANCHESTER, 1000)

    ids = [place.id for place in page.items]
    assert page.total == len(ids) == 23
    assert {"805432", "001702e7-99f6-4e48-ac7c-df412907b29b", "220001"} <= set(ids)
    assert "5b0c9f1e-3f57-4f57-9d0e-2c7f5e0a1b11" not in ids  # London's South Bank is out of range
    assert [round(p.latitude, 4) for p in page.items] and ids.index("805432") < 5
    arndale = next(place for place in page.items if place.id == "805432")
    assert arndale.name == "Arndale Car Park"
    assert arndale.time_zone == "Europe/London"
    assert arndale.right_specification_ids[0] == "6091d5d0-5264-4d66-a31a-1a9e2c9eed89"
    assert arndale.latitude == pytest.approx(53.4838) and arndale.longitude == pytest.approx(-2.2418)


def test_places_near_returns_empty_page_when_nothing_in_radius(http):
    page = ApdsClient(http, DEMO["token"]).places_near(60.17, 24.94, 500)

    assert page.items == () and page.total == 0


def test_place_list_uses_spec_envelope_and_expand(http):
    headers = {"Authorization": "Bearer apds-demo-token"}
    params = {"latitude": MANCHESTER[0], "longitude": MANCHESTER[1], "radius": 1000}

    bare = http.get("v1/parking/places", params=params, headers=headers).json()
    expanded = http.get("v1/parking/places", params={**params, "expand": "all"}, headers=headers).json()

    assert set(bare["meta"]) == {"referenceInstant", "offset", "pageSize", "total"}
    assert "rightSpecifications" not in bare["data"][0]  # expand defaults to none
    assert {"rightSpecifications", "indicativePlacePointLocation"} <= set(expanded["data"][0])


def test_wrong_token_raises_auth_error(http):
    with pytest.raises(ProviderAuthError) as caught:
        ApdsClient(http, "not-the-token").places_near(*MANCHESTER, 1000)

    assert caught.value.status_code == 401
    assert "Invalid access token" in caught.value.detail


def test_missing_token_gets_401_response_status(http):
    response = http.get("v1/parking/places")

    assert response.status_code == 401
    assert response.json() == {"status": "error", "code": 401, "message": "Missing bearer token"}
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("params", [
    {"latitude": "53.48", "longitude": "-2.24"},
    {"latitude": "north", "longitude": "-2.24", "radius": "100"},
    {"latitude": "53.48", "longitude": "-2.24", "radius": "100", "expand": "everything"},
])
def test_bad_search_parameters_get_400(http, params):
    response = http.get("v1/parking/places", params=params, headers={"Authorization": "Bearer apds-demo-token"})

    assert response.status_code == 400
    assert response.json()["status"] == "error" and response.json()["code"] == 400


def test_negative_radius_raises_rejected(http):
    with pytest.raises(ProviderRejectedError) as caught:
        ApdsClient(http, DEMO["token"]).places_near(*MANCHESTER, -1)

    assert caught.value.status_code == 400


def test_fault_503_raises_unavailable(sandbox, http):
    sandbox.extensions["faults"].status = 503

    with pytest.raises(ProviderUnavailableError):
        ApdsClient(http, DEMO["token"]).places_near(*MANCHESTER, 1000)


def test_timeout_raises_timeout_error():
    def handler(request):
        raise httpx.ReadTimeout("slow", request=request)

    http = build_http_client(HttpSettings("apds", "https://apds.sandbox/", retries=0),
                             transport=httpx.MockTransport(handler))

    with pytest.raises(ProviderTimeoutError):
        ApdsClient(http, DEMO["token"]).places_near(*MANCHESTER, 1000)


def test_missing_token_fails_at_construction(http):
    with pytest.raises(ValueError):
        ApdsClient(http, "")


@pytest.mark.parametrize(("status", "headers", "kind"), [
    (403, {}, ProviderAuthError),
    (404, {}, ProviderNotFoundError),
    (409, {}, ProviderRejectedError),
    (429, {"Retry-After": "120"}, ProviderRateLimitedError),
    (504, {}, ProviderTimeoutError),  # the gateway gave up: the platform may have acted
    (500, {}, ProviderUnavailableError),
])
def test_statuses_map_through_the_shared_table(status, headers, kind):
    answer = {"status": "error", "code": status, "message": "no"}
    http = build_http_client(HttpSettings("apds", "https://apds.sandbox/", retries=0),
                             transport=httpx.MockTransport(lambda r: httpx.Response(status, json=answer,
                                                                                    headers=headers)))

    with pytest.raises(kind) as caught:
        ApdsClient(http, DEMO["token"]).places_near(*MANCHESTER, 1000)

    assert caught.value.status_code == status and "no" in caught.value.detail
    if kind is ProviderRateLimitedError:
        assert caught.value.retry_after == 120.0

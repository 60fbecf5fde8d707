"""The platform sandbox answers absurd parameters and bodies as the platform would: a 400 with the spec's
ResponseStatus body (``{"status": "error", "code": 400, "message": …}``), never a 500.

Found by running the official APDS OpenAPI spec's generated cases against it: ``end_after`` of 2**65
was the only server error of 602 cases."""

from __future__ import annotations

import pytest

from webapp.apds.sandbox import create_sandbox

AUTH = {"Authorization": "Bearer apds-demo-token"}
HUGE = "36893488147419103232"  # 2**65


@pytest.fixture
def platform(tmp_path):
    return create_sandbox(tmp_path, {"token": "apds-demo-token"}).test_client()


@pytest.mark.parametrize("query", [
    f"end_after={HUGE}", f"end_before={HUGE}", f"start_after=-{HUGE}", f"start_before={HUGE}",
    "end_after=" + "9" * 400, "start_after=0001-01-01T00:00:00%2B14:00", "end_after=9999-12-31T23:59:59-14:00",
])
@pytest.mark.parametrize("path", ["/v1/parking/sessions", "/v1/parking/rights/assigned"])
def test_an_instant_out_of_range_is_a_400_with_the_protocols_body(platform, path, query):
    name = query.split("=", 1)[0]
    answer = platform.get(f"{path}?{query}&place=805432", headers=AUTH)
    if path.endswith("assigned") and name != "start_after":
        assert answer.status_code == 200  # the platform reads only start_after there: the rest is ignored
        return
    assert answer.status_code == 400, answer.get_data(as_text=True)
    body = answer.get_json()
    assert body["status"] == "error" and body["code"] == 400 and name in body["message"]


@pytest.mark.parametrize("query", ["latitude=nan&longitude=-2.2&radius=10", "latitude=53.4&longitude=inf&radius=10",
                                   "limit=" + HUGE, "offset=-1"])
def test_absurd_paging_and_points_are_400s(platform, query):
    answer = platform.get(f"/v1/parking/places?{query}", headers=AUTH)
    assert answer.status_code == 400, answer.get_data(as_text=True)
    assert answer.get_json()["status"] == "error"


@pytest.mark.parametrize("body", [b"[" * 3000 + b"]" * 3000, b'{"a": ' + b"[" * 3000 + b"]" * 3000 + b"}",
                                  b"1" * 5000])
@pytest.mark.parametrize("path", ["/v1/parking/sessions", "/v1/parking/rights/assigned", "/_sandbox/operators/enter",
                                  "/_sandbox/faults"])
def test_a_body_the_parser_cannot_read_is_a_400(platform, path, body):
    answer = platform.post(path, data=body, headers=AUTH, content_type="application/json")
    assert answer.status_code == 400, answer.get_data(as_text=True)[:300]


def test_a_session_instant_before_the_first_utc_instant_is_a_400(platform):
    body = {"hierarchyElement": {"id": "805432"}, "credentials": [{"identifier": {"id": "BD18SMR"}}],
            "segments": [{"id": "g"}], "actualStart": "0001-01-01T00:00:00+14:00"}
    answer = platform.post("/v1/parking/sessions", json=body, headers=AUTH)
    assert answer.status_code == 400, answer.get_data(as_text=True)[:300]

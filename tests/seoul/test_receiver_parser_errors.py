"""The receiver's contract: nothing is raised, every failure is a result code — whatever the parser meets."""

from __future__ import annotations

import pytest

from webapp.seoul import ingest


@pytest.mark.parametrize("form", [
    {"key": [b"G35N6FFJTB"], "infra_id": [b"171701"]},  # bytes where text is expected (a caller's decoding slip)
    {"key": [None]},
    {"key": ["G35N6FFJTB"], "current_parking": [object()]},
], ids=["bytes", "none", "object"])
def test_a_form_the_parser_cannot_read_is_answered_0100_not_raised(app, form):
    outcome = ingest.receive_push("ParkStatPost", form)
    assert outcome.body["result_state"] == "0100"
    assert outcome.status == 200  # a refusal of the push, as every 0100 is (HTTP 200, the code in the body)

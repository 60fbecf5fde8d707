"""Every sandbox answers a body its JSON parser cannot read with its own 4xx, never a 500 (issue 21).

``json.loads`` raises ``RecursionError`` on deep nesting, which Flask's ``get_json(silent=True)`` lets
through; ``core.sandbox_kit`` gives each sandbox a parser that turns every such failure into a 400."""

from __future__ import annotations

import re

import pytest

BODIES = [b"[" * 3000 + b"]" * 3000, b'{"a": ' + b"[" * 3000 + b"]" * 3000 + b"}", b"1" * 5000, b"\xff\xfe{"]


@pytest.mark.parametrize("name", ["helsinki", "apds", "rentcar", "parking247", "parkkihubi"])
def test_no_sandbox_route_answers_an_unreadable_json_body_with_a_500(app, name):
    sandbox = app.extensions["providers"].sandbox_app(name)
    client = sandbox.test_client()
    tried = 0
    for rule in sandbox.url_map.iter_rules():
        path = re.sub(r"<[^>]+>", "1", rule.rule)
        for method in sorted(rule.methods - {"GET", "HEAD", "OPTIONS"}):
            for body in BODIES:
                answer = client.open(path, method=method, data=body, content_type="application/json")
                assert answer.status_code < 500, (name, method, path, body[:10], answer.status_code)
                tried += 1
    assert tried > 0

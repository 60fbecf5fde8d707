"""Absurd path values sent to every route of the app (``app.url_map``): never a 500, never a trace.

The route table is read at test time, so a route a feature adds tomorrow is probed too.
"""

from __future__ import annotations

import pytest

from webapp.accounts.models import ROLE_ADMIN

#: values for one path argument: integers past every column type, text that breaks naive parsers
ABSURD = [str(2**63), str(2**64 + 7), "9" * 40, "0", "-1", "x" * 2000, "%2e%2e%2f%2e%2e", "%ED%95%9C%27%22<",
          "1e309", "NaN"]


def _paths(app):
    """Every rule with each absurd value in every argument (logout aside: the probe stays logged in)."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "auth.logout"):
            continue
        for value in ABSURD:
            path = rule.rule
            for argument in rule.arguments:
                path = path.replace(f"<{argument}>", value)
                for converter in ("int", "string", "path", "float", "any"):
                    path = _replace_converter(path, converter, argument, value)
            yield rule, path


def _replace_converter(path: str, converter: str, argument: str, value: str) -> str:
    start = path.find(f"<{converter}")
    while start != -1:
        end = path.find(">", start)
        if path[start:end].endswith(f":{argument}"):
            path = path[:start] + value + path[end + 1:]
        start = path.find(f"<{converter}", start + 1)
    return path


def _probe(client, app):
    failures = []
    for rule, path in _paths(app):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method, data={} if method != "GET" else None)
            body = response.get_data(as_text=True)
            if response.status_code >= 500 or "Traceback" in body:
                failures.append(f"{method} {path[:80]} -> {response.status_code}")
    return failures


@pytest.mark.parametrize("who", ["anonymous", "driver", "admin"])
def test_absurd_path_values_never_give_a_500_on_any_route(app, client, make_user, login, who):
    if who != "anonymous":
        login(make_user(role=ROLE_ADMIN if who == "admin" else "driver"))
    failures = _probe(client, app)
    assert not failures, "\n".join(failures)
    if who != "anonymous":  # the probe ran logged in (a page that needs no login proves nothing)
        assert client.get("/account").status_code == 200


def test_the_route_table_is_probed_with_every_argument_replaced(app):
    # a rule left with a <converter:arg> in it would only ever be a 404 and prove nothing
    leftovers = [path for _rule, path in _paths(app) if "<" in path.replace("%ED%95%9C%27%22<", "")]
    assert not leftovers
    assert any(f"/vehicles/{ABSURD[0]}/edit" == path for _rule, path in _paths(app))


@pytest.mark.parametrize("page", ["400000000000000000", str(2**63), "99999999999999999999999"])
def test_history_page_far_past_the_end_is_an_empty_page(client, make_user, login, page):
    login(make_user())
    assert client.get(f"/bookings?page={page}").status_code == 200

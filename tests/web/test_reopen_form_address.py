"""Every address the browser can show can be reopened: a GET on a POST-only form address lands on the
form's page (issue 17: "/carparks/805432/register" answered "Not allowed" after a failed submit)."""

from __future__ import annotations

import pytest
from werkzeug.exceptions import MethodNotAllowed, NotFound

from webapp.web.errors import page_for_form_address

#: machine endpoints: nobody opens them in a browser, and they answer in their own protocol
MACHINE_PREFIXES = ("/WCFB/", "/carparks/webhooks/", "/_sandbox/")


def _post_only_rules(app):
    for rule in app.url_map.iter_rules():
        methods = rule.methods or set()
        if "POST" in methods and "GET" not in methods and not rule.rule.startswith(MACHINE_PREFIXES):
            yield rule


def _sample_path(app, rule) -> str:
    from werkzeug.routing import IntegerConverter
    values = {name: 7 if isinstance(converter, IntegerConverter) else "HP-23456A"
              for name, converter in rule._converters.items()}
    return app.url_map.bind("").build(rule.endpoint, values)


def test_a_get_on_every_post_only_form_address_redirects_to_a_page_that_answers_get(app, client):
    rules = list(_post_only_rules(app))
    assert len(rules) > 20  # the check covers the app's forms, not an empty list
    adapter = app.url_map.bind("")
    for rule in rules:
        path = _sample_path(app, rule)
        try:
            adapter.match(path, method="GET")
            continue  # another rule shows a page at the same address (GET /vehicles beside POST /vehicles)
        except (NotFound, MethodNotAllowed):
            pass
        response = client.get(path)
        assert response.status_code == 303, (rule.rule, response.status_code)
        target = response.headers["Location"]
        assert target != path and path.startswith(target.rstrip("/"))
        try:
            adapter.match(target, method="GET")
        except (NotFound, MethodNotAllowed) as error:  # pragma: no cover - the assertion message says it
            pytest.fail(f"{rule.rule} redirects to {target}, which answers {error.code}")


@pytest.mark.parametrize(("path", "page"), [
    ("/carparks/805432/register", "/carparks/805432"),
    ("/account/profile", "/account"),
    ("/rentals/RC-ABCDEF/change", "/rentals/RC-ABCDEF"),
    ("/valet/VP-ABCDEF/change", "/valet/VP-ABCDEF"),
    ("/parking/HP-ABCDEF/extend", "/parking/HP-ABCDEF"),
])
def test_the_page_above_a_form_address_is_the_form_page(app, path, page):
    with app.test_request_context():
        assert page_for_form_address(path) == page


def test_a_post_to_a_get_only_page_and_an_htmx_get_still_say_not_allowed(client):
    assert client.get("/account/profile", headers={"HX-Request": "true"}).status_code == 405
    assert client.put("/account").status_code == 405

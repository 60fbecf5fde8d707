"""Every form of the app under arbitrary values: never a 500, never a stack trace.

The forms are found, not listed: every page the route table can reach is fetched and its
``<form>``s read (action, method, field names), so a form added tomorrow is fuzzed too.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import DEFAULT_PASSWORD
from tests.fuzz.strategies import values
from tests.seoul.support import register_lot
from webapp.accounts.models import ROLE_ADMIN
from webapp.accounts.vehicles import add_vehicle
from webapp.helsinki import areas as helsinki_areas
from webapp.helsinki import parkings
from webapp.seoul import admin as seoul_admin

SKIPPED_ACTIONS = ("/logout",)  # fuzzing it would only log the fuzzer out


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, str, tuple[str, ...]]] = []
        self._current: list | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._current = [attrs.get("method", "get").upper(), attrs.get("action") or "", set()]
        elif (tag in ("input", "select", "textarea", "button") and self._current is not None
              and attrs.get("name") not in (None, "csrf_token")):
            self._current[2].add(attrs["name"])

    def handle_endtag(self, tag):
        if tag == "form" and self._current is not None:
            method, action, names = self._current
            self.forms.append((method, action, tuple(sorted(names))))
            self._current = None


def _pages(app, arguments: dict[str, str]):
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static" or rule.rule.startswith("/WCFB/"):
            continue
        if not set(rule.arguments) <= set(arguments):
            continue
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<{name}>", arguments[name])
            path = path.replace(f"<int:{name}>", arguments[name])
        if "<" not in path:
            yield path


def _forms(client, app, arguments) -> list[tuple[str, str, tuple[str, ...]]]:
    found = set()
    for page in _pages(app, arguments):
        response = client.get(page)
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        parser = _Forms()
        parser.feed(response.get_data(as_text=True))
        for method, action, names in parser.forms:
            action = urlsplit(action).path or page
            if action.startswith("/") and not action.startswith(SKIPPED_ACTIONS):
                found.add((method, action, names))
    return sorted(found)


@pytest.fixture
def world(app, client, make_user, login):
    """An admin with a vehicle, a Helsinki parking and a Seoul lot: every page has something to show."""
    admin = make_user("admin@example.com", role=ROLE_ADMIN)
    vehicle = add_vehicle(admin.id, "FI", "ABC-123")
    helsinki_areas.sync_areas()
    area = next(a for a in helsinki_areas.list_areas() if (a.max_time_in_minutes or 999) >= 60)
    now = datetime.now(UTC)
    booking = parkings.start_parking(admin.id, area.area_id, vehicle.id, now + timedelta(minutes=60), "f" * 32,
                                     contact_email=admin.email, now=now)
    lot_id = register_lot(app)
    key_id = seoul_admin.find_key("G35N6FFJTB").id
    login(admin)
    arguments = {"vehicle_id": str(vehicle.id), "area_id": area.area_id, "ref": booking.public_ref,
                 "lot_id": str(lot_id), "key_id": str(key_id)}
    forms = _forms(client, app, arguments)
    return admin, forms


def _submit(client, form, data):
    method, action, _names = form
    if method == "GET":
        return client.get(action, query_string=data)
    return client.post(action, data=data)


def _fields(form):
    names = list(form[2]) or ["q"]
    return st.dictionaries(st.sampled_from(names), values, max_size=len(names))


def test_the_crawl_finds_the_forms_that_matter(world):
    _admin, forms = world
    actions = {action for _method, action, _names in forms}
    for expected in ("/vehicles", "/account/profile", "/account/password", "/account/delete", "/admin/seoul/keys",
                     "/admin/seoul/lots", "/language"):
        assert expected in actions, expected
    assert any(action.startswith("/parking/areas/") for action in actions)
    assert any(action.endswith("/extend") for action in actions)


@given(data=st.data())
def test_every_form_of_a_logged_in_admin_survives_any_values(app, client, world, login, data):
    admin, forms = world
    form = data.draw(st.sampled_from(forms))
    response = _submit(client, form, data.draw(_fields(form)))
    body = response.get_data(as_text=True)
    assert response.status_code < 500, (form, response.status_code)
    assert "Traceback" not in body
    if client.get("/account").status_code != 200:  # a form that ends the session: log in again
        login(admin, DEFAULT_PASSWORD)


@pytest.mark.parametrize("form", [("POST", "/login", ("email", "password", "remember")),
                                  ("POST", "/register", ("email", "name", "password", "confirm")),
                                  ("POST", "/language", ("language", "next"))])
@given(data=st.data())
def test_the_anonymous_forms_survive_any_values(app, form, data):
    app.config["RATELIMIT_ENABLED"] = False
    response = _submit(app.test_client(), form, data.draw(_fields(form)))
    assert response.status_code < 500 and "Traceback" not in response.get_data(as_text=True)

"""Guests get no session cookie until they need one (issue 18): browsing the map sets none, a form of theirs does.

The pages' language switcher carries no CSRF token for a guest (a token is what made the cookie), so a
guest's switch is accepted only from our own pages (``Origin``); a signed-in driver's still needs the token.
"""

from __future__ import annotations

import pytest

from tests.conftest import DEFAULT_PASSWORD, csrf_token_from
from webapp.accounts import users as accounts

SAME_SITE = {"Origin": "http://localhost"}


@pytest.mark.parametrize("path", ["/map", "/map?focus=seoul", "/map/layers/helsinki.geojson?lang=en",
                                  "/seoul/lots", "/carparks/"])
def test_browsing_as_a_guest_sets_no_cookie(csrf_app, path):
    response = csrf_app.test_client().get(path)
    assert response.status_code == 200 and "Set-Cookie" not in response.headers


def test_a_form_of_the_guests_own_gets_its_cookie(csrf_app):
    response = csrf_app.test_client().get("/login")
    assert "session=" in response.headers["Set-Cookie"] and csrf_token_from(response.get_data(as_text=True))


def test_a_guest_switches_language_from_our_own_page_without_a_token(csrf_app):
    client = csrf_app.test_client()
    response = client.post("/language", data={"language": "fi", "next": "/map"}, headers=SAME_SITE)
    assert response.status_code == 303 and "session=" in response.headers["Set-Cookie"]
    assert client.get("/map").get_data(as_text=True).startswith("<!doctype html>\n<html lang=\"fi\"")
    fetched = csrf_app.test_client().post("/language", data={"language": "sv", "next": "/"},
                                          headers={"Sec-Fetch-Site": "same-origin"})
    assert fetched.status_code == 303


@pytest.mark.parametrize("headers", [{}, {"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"},
                                     {"Origin": "null"}])
def test_a_guests_switch_from_elsewhere_is_refused_and_sets_nothing(csrf_app, headers):
    response = csrf_app.test_client().post("/language", data={"language": "fi", "next": "/"}, headers=headers)
    assert response.status_code == 400 and "Set-Cookie" not in response.headers


def test_a_signed_in_drivers_switch_still_needs_the_token(csrf_app):
    accounts.register_user("me@example.com", DEFAULT_PASSWORD, DEFAULT_PASSWORD)
    client = csrf_app.test_client()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": "me@example.com", "password": DEFAULT_PASSWORD, "csrf_token": token})
    page = client.get("/map").get_data(as_text=True)
    assert client.post("/language", data={"language": "fi", "next": "/"}, headers=SAME_SITE).status_code == 400
    token = csrf_token_from(page)
    answer = client.post("/language", data={"language": "fi", "next": "/", "csrf_token": token}, headers=SAME_SITE)
    assert answer.status_code == 303 and accounts.find_user_by_email("me@example.com").language == "fi"

import re

import pytest

from tests.conftest import DEFAULT_PASSWORD, csrf_token_from
from webapp.accounts import users as accounts


def _register(email):
    # the csrf_app has its own database: create the user there
    return accounts.register_user(email, DEFAULT_PASSWORD, DEFAULT_PASSWORD)


def test_form_post_without_csrf_token_is_rejected(csrf_app):
    _register("me@example.com")
    client = csrf_app.test_client()
    response = client.post("/login", data={"email": "me@example.com", "password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert "session expired" in response.get_data(as_text=True).lower()


def test_form_post_with_csrf_token_is_accepted(csrf_app):
    _register("me@example.com")
    client = csrf_app.test_client()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": "me@example.com", "password": DEFAULT_PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 303


def test_htmx_request_sends_token_as_header(csrf_app):
    _register("me@example.com")
    client = csrf_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = csrf_token_from(page)
    client.post("/login", data={"email": "me@example.com", "password": DEFAULT_PASSWORD, "csrf_token": token})
    page = client.get("/vehicles").get_data(as_text=True)
    header_token = re.search(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', page).group(1)
    without = client.post("/vehicles", data={"country": "FI", "plate": "ABC-123"}, headers={"HX-Request": "true"})
    assert without.status_code == 400
    with_header = client.post("/vehicles", data={"country": "FI", "plate": "ABC-123"},
                              headers={"HX-Request": "true", "X-CSRFToken": header_token})
    assert with_header.status_code == 204


def test_logout_needs_csrf_too(csrf_app):
    client = csrf_app.test_client()
    assert client.post("/logout").status_code == 400


def test_security_headers_and_csp_allow_only_own_scripts(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    script_src = re.search(r"script-src ([^;]+)", csp).group(1)
    assert script_src.split()[0] == "'self'" and "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("path", ["/map", "/map?focus=seoul", "/login", "/valet/", "/account"])
def test_inline_scripts_carry_this_requests_nonce(client, make_user, login, path):
    # any inline script a page has must carry this request's nonce
    login(make_user())
    response = client.get(path)
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    html = response.get_data(as_text=True)
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert all(f'nonce="{nonce}"' in attrs for attrs in inline), inline
    assert nonce != re.search(r"'nonce-([^']+)'", client.get(path).headers["Content-Security-Policy"]).group(1)


@pytest.mark.parametrize("path", ["/map", "/map?focus=seoul&at=60.2,24.9"])
def test_the_maps_only_inline_script_is_the_folium_shell_with_the_nonce(client, path):
    # folium's map script (webapp/maps/shell.py) is inline; everything else on the page is a file
    response = client.get(path)
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    html = response.get_data(as_text=True)
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", html, re.S)
    assert len(inline) == 1, inline
    attrs, script = inline[0]
    assert attrs.strip() == f'nonce="{nonce}"'
    name = re.search(r'data-map-name="(map_[0-9a-f]+)"', html).group(1)
    assert script.startswith(f"var {name} = L.map(")


def test_session_cookie_is_httponly_and_lax(client, make_user, login):
    make_user("me@example.com")
    response = client.post("/login", data={"email": "me@example.com", "password": DEFAULT_PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_cookies_are_secure(tmp_path):
    from webapp import create_app
    from webapp.config import ProductionConfig

    app = create_app(ProductionConfig({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k" * 40,
                                       "DATABASE_URL": f"sqlite:///{tmp_path}/p.db"}))
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]

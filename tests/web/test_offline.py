"""The installable app's server side (webapp/web/offline.py): the manifest in four languages, its icons, the
service worker from our origin with the CSP intact, which pages the worker may keep, and the list of the
pages of a driver's running and upcoming bookings."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from PIL import Image

from tests.conftest import DEFAULT_PASSWORD, csrf_token_from
from tests.web.journey_data import DRIVER_EMAIL, make_journey_data
from webapp.accounts import users as accounts
from webapp.accounts.users import find_user_by_email
from webapp.bookings.models import Status
from webapp.core.clock import utcnow
from webapp.web.static_files import fingerprint

LANGUAGES = ("en", "fi", "sv", "ko")
DESCRIPTION = ("Street parking in Helsinki, parking places, Seoul parking lots, rent-cars and Schiphol valet in "
               "one account.")


def _manifest(client, language):
    response = client.get(f"/manifest.webmanifest?lang={language}")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    return response, json.loads(response.get_data(as_text=True))


@pytest.mark.parametrize("language", LANGUAGES)
def test_manifest_speaks_each_language(app, client, language):
    response, manifest = _manifest(client, language)
    assert manifest["lang"] == language and manifest["dir"] == "ltr"
    assert manifest["name"] == manifest["short_name"] == "ParkGo"
    with app.test_request_context(), force_locale(language):
        description, bookings, find = _(DESCRIPTION), _("My bookings"), _("Find parking")
    assert manifest["description"] == description
    assert [shortcut["name"] for shortcut in manifest["shortcuts"]] == [bookings, find]
    if language != "en":  # really translated, not the English words
        assert description != DESCRIPTION and bookings != "My bookings" and find != "Find parking"
    assert manifest["display"] == "standalone" and manifest["scope"] == "/"
    assert manifest["start_url"].startswith("/bookings") and manifest["id"] == manifest["start_url"]
    # the colours of static/css/app.css: --brand for the title bar, --bg behind the splash screen
    css = (app.static_folder + "/css/app.css")
    with open(css, encoding="utf-8") as stylesheet:
        text = stylesheet.read()
    assert f"--brand: {manifest['theme_color']}" in text and f"--bg: {manifest['background_color']}" in text
    # the same for everybody: no session cookie, cacheable by the browser
    assert "Set-Cookie" not in response.headers and "Cookie" not in response.headers.get("Vary", "")
    assert response.cache_control.public and response.cache_control.max_age


def test_manifest_without_a_language_follows_the_browser_and_says_so(client):
    response = client.get("/manifest.webmanifest", headers={"Accept-Language": "sv-SE,sv;q=0.9"})
    assert json.loads(response.get_data(as_text=True))["lang"] == "sv"
    assert "Accept-Language" in response.headers["Vary"]


def test_manifest_icons_exist_with_their_declared_sizes(client):
    _response, manifest = _manifest(client, "en")
    purposes = set()
    icons = manifest["icons"] + [icon for shortcut in manifest["shortcuts"] for icon in shortcut["icons"]]
    for icon in icons:
        response = client.get(icon["src"])
        assert response.status_code == 200 and response.mimetype == icon["type"] == "image/png"
        width, height = Image.open(io.BytesIO(response.data)).size
        assert f"{width}x{height}" == icon["sizes"]
        purposes.add(icon.get("purpose", "any"))
    sizes = {icon["sizes"] for icon in manifest["icons"] if icon["purpose"] == "any"}
    assert {"192x192", "512x512"} <= sizes and "maskable" in purposes


def test_maskable_icon_fills_its_square_and_keeps_the_p_inside_the_safe_zone(client):
    _response, manifest = _manifest(client, "en")
    [maskable] = [icon for icon in manifest["icons"] if icon["purpose"] == "maskable"]
    image = Image.open(io.BytesIO(client.get(maskable["src"]).data)).convert("RGB")
    size = image.size[0]
    assert image.getpixel((0, 0)) == image.getpixel((size - 1, size - 1)) == (0x0B, 0x5C, 0xAD)  # no transparency
    white = [(x, y) for x in range(0, size, 4) for y in range(0, size, 4) if image.getpixel((x, y)) == (255, 255, 255)]
    assert white, "the P is drawn"
    centre = size / 2
    assert all((x - centre) ** 2 + (y - centre) ** 2 <= (0.4 * size) ** 2 for x, y in white)


@pytest.mark.parametrize("language", LANGUAGES)
def test_pages_link_the_manifest_in_their_own_language(client, language):
    html = client.get(f"/map?lang={language}").get_data(as_text=True)
    assert f'<link rel="manifest" href="/manifest.webmanifest?lang={language}">' in html
    assert '<meta name="theme-color" content="#0b5cad">' in html
    touch = re.search(r'<link rel="apple-touch-icon" href="([^"]+)">', html).group(1)
    assert client.get(touch).status_code == 200
    assert 'data-service-worker="/sw.js"' in html


def test_service_worker_is_served_from_the_root_as_javascript_with_this_build(app, client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.cache_control.no_cache
    assert "Set-Cookie" not in response.headers
    source = response.get_data(as_text=True)
    build = json.loads(re.search(r"const BUILD = (\{.*?\});", source, re.S).group(1))
    assert build["version"] != "dev"
    assert f"/static/css/app.css?v={fingerprint('css/app.css')}" in build["precache"]
    assert f"/static/js/app.js?v={fingerprint('js/app.js')}" in build["precache"]
    for url in build["precache"]:  # install fails if one of them does not load
        assert client.get(url).status_code == 200, url
    assert set(build["offline"]) == set(LANGUAGES)
    # a worker on our origin, at the root: its scope is the whole site without Service-Worker-Allowed
    assert "Service-Worker-Allowed" not in response.headers


def test_service_worker_version_follows_the_assets(app, client, monkeypatch):
    before = re.search(r'"version": "(\w+)"', client.get("/sw.js").get_data(as_text=True)).group(1)
    # a changed file gets a new fingerprint (webapp/web/static_files.py): a new worker, hence a new cache
    monkeypatch.setattr("webapp.web.static_files.fingerprint", lambda name: "0123456789abcdef")
    after = re.search(r'"version": "(\w+)"', client.get("/sw.js").get_data(as_text=True)).group(1)
    assert before != after


@pytest.mark.parametrize("language", LANGUAGES)
def test_offline_page_says_what_is_not_available_in_each_language(app, client, language):
    response = client.get(f"/offline?lang={language}")
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    html = response.get_data(as_text=True)
    with app.test_request_context(), force_locale(language):
        heading = _("You are offline")
        needs = _("Extending, stopping or cancelling needs a connection; nothing is sent until you are back online.")
    assert f'<html lang="{language}">' in html and f"<h1>{heading}</h1>" in html and needs in html
    if language != "en":
        assert heading != "You are offline"


def test_csp_keeps_scripts_to_our_origin_and_names_worker_and_manifest(client):
    for path in ("/", "/sw.js", "/manifest.webmanifest?lang=en", "/offline?lang=en"):
        csp = client.get(path).headers["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
        script = directives["script-src"].split()
        assert script[0] == "'self'" and len(script) == 2 and re.fullmatch(r"'nonce-[\w-]+'", script[1])
        assert directives["worker-src"] == "'self'" and directives["manifest-src"] == "'self'"
        assert directives["default-src"] == "'self'"


# --- which pages the worker may keep --------------------------------------------------------------------

@pytest.fixture
def journey(app, make_booking):
    data = make_journey_data(app, seoul_lots=False)
    # a finished parking that cost money: it has a receipt
    paid = make_booking(find_user_by_email(DRIVER_EMAIL), status=Status.COMPLETED, starts_at=utcnow() - timedelta(
        hours=3), ends_at=utcnow() - timedelta(hours=2))
    data.refs["paid"] = paid.public_ref
    return data


def _kept_pages(data):
    refs = data.refs
    return {
        f"/parking/{refs['parkings']}": "booking",
        f"/carparks/sessions/{refs['apds']}": "booking",
        f"/rentals/{refs['rentals']}": "booking",
        f"/valet/{refs['valet']}": "booking",
        f"/valet/{refs['valet']}/voucher": "booking",
        f"/bookings/{refs['parkings']}": "document",
        f"/bookings/{refs['paid']}/receipt": "document",
        f"/bookings/{refs['paid']}/receipt.pdf": "document",
    }


def test_the_owner_s_booking_pages_carry_the_keep_header(client, login, journey):
    login(DRIVER_EMAIL)
    for path, scope in _kept_pages(journey).items():
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers.get("X-Offline-Keep") == "1", path
        assert response.headers.get("X-Offline-Scope") == scope, path


def test_other_pages_fragments_and_other_drivers_get_no_keep_header(client, login, make_user, journey):
    login(DRIVER_EMAIL)
    for path in ("/bookings", "/account", "/map", "/vehicles", "/", f"/valet/{journey.refs['valet']}/change/quote"):
        response = client.get(path)
        assert "X-Offline-Keep" not in response.headers, path
    # an htmx refresh of the session's status is a fragment, never a page to keep
    fragment = client.get(f"/parking/{journey.refs['parkings']}",
                          headers={"HX-Request": "true", "HX-Target": "session-status"})
    assert fragment.status_code == 200 and "X-Offline-Keep" not in fragment.headers
    client.post("/logout")
    for path in _kept_pages(journey):  # a guest: the login page, nothing to keep
        assert "X-Offline-Keep" not in client.get(path).headers, path
    other = make_user()
    login(other)
    for path in _kept_pages(journey):  # another driver: a 404, nothing to keep
        response = client.get(path)
        assert response.status_code == 404 and "X-Offline-Keep" not in response.headers, path


def test_logout_clears_the_http_cache_but_not_the_worker(client, login, make_user):
    login(make_user())
    response = client.post("/logout")
    assert response.headers["Clear-Site-Data"] == '"cache"'


# --- the pages of running and upcoming bookings ---------------------------------------------------------

def test_pages_list_needs_a_login_and_is_never_stored(client):
    response = client.get("/offline/pages.json")
    assert response.status_code == 401 and response.mimetype == "application/json"
    assert response.cache_control.no_store
    # no login page, no "log in to see" note left in the session for the next page
    assert "Location" not in response.headers
    assert "Log in to see" not in client.get("/").get_data(as_text=True)


def test_pages_list_has_exactly_the_driver_s_running_and_upcoming_bookings(app, client, login, make_user,
                                                                          make_booking, journey):
    driver = find_user_by_email(DRIVER_EMAIL)
    now = utcnow()
    # neither a cancelled booking nor one whose time ran out by itself is running, whatever its row says
    cancelled = make_booking(driver, status=Status.CANCELLED)
    ran_out = make_booking(driver, status=Status.ACTIVE, starts_at=now - timedelta(hours=2),
                           ends_at=now - timedelta(minutes=1))
    unknown = make_booking(driver, status=Status.UNKNOWN, starts_at=now, ends_at=now + timedelta(hours=1))
    other_driver = make_user()
    someone_else = make_booking(other_driver, status=Status.ACTIVE, ends_at=now + timedelta(hours=1))
    login(DRIVER_EMAIL)
    response = client.get("/offline/pages.json")
    assert response.status_code == 200 and response.cache_control.no_store
    listed = json.loads(response.get_data(as_text=True))["pages"]
    refs = journey.refs
    assert sorted(listed) == sorted([
        f"/parking/{refs['parkings']}", f"/carparks/sessions/{refs['apds']}", f"/rentals/{refs['rentals']}",
        f"/valet/{refs['valet']}", f"/valet/{refs['valet']}/voucher", f"/parking/{unknown.public_ref}",
    ])
    for absent in (refs["helsinki_done"], refs["paid"], cancelled.public_ref, ran_out.public_ref,
                   someone_else.public_ref):
        assert not any(absent in url for url in listed)
    # every listed page is one the worker may keep
    for url in listed:
        if url != f"/parking/{unknown.public_ref}":
            assert client.get(url).headers.get("X-Offline-Keep") == "1", url


def test_pages_list_of_another_driver_is_their_own(client, login, make_user, make_booking, journey):
    other = make_user()
    mine = make_booking(other, status=Status.RESERVED, kind="rental", provider="rentcar",
                        starts_at=utcnow() + timedelta(days=1), ends_at=utcnow() + timedelta(days=2))
    login(other)
    listed = json.loads(client.get("/offline/pages.json").get_data(as_text=True))["pages"]
    assert listed == [f"/rentals/{mine.public_ref}"]


def test_pages_list_never_sets_the_cookie_so_a_background_answer_cannot_undo_a_login(csrf_app):
    """The worker asks for the list in the background. Sent by a guest just before they log in, its answer
    arrives after the login's: a cookie in it (Flask-Login marks a guest's session not fresh) would replace
    the login's and log the driver out. The list reads the session and never writes it."""
    accounts.register_user("racer@example.com", DEFAULT_PASSWORD, DEFAULT_PASSWORD)  # csrf_app's own database
    guest = csrf_app.test_client()
    login_page = guest.get("/login").get_data(as_text=True)  # the guest's session: a CSRF token
    before_login = guest.get("/offline/pages.json")
    assert before_login.status_code == 401 and not before_login.headers.getlist("Set-Cookie")
    assert guest.post("/login", data={"email": "racer@example.com", "password": DEFAULT_PASSWORD,
                                      "csrf_token": csrf_token_from(login_page)}).status_code == 303
    after_login = guest.get("/offline/pages.json")
    assert after_login.status_code == 200 and not after_login.headers.getlist("Set-Cookie")
    assert guest.get("/account").status_code == 200  # still logged in

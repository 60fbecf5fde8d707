"""The installable web app: its manifest, its service worker, the offline page and the pages kept offline.

A driver in an underground car park (an APDS ticketless exit, the 247Parking meeting point, a rent-car
counter) has no signal. The service worker (``static/js/sw.js``, served from ``/sw.js`` so that its scope
is the whole site) keeps the booking pages a driver may need and shows them offline, "as of" the time they
were fetched. What it may keep is decided here, on the server, by one response header:

- ``X-Offline-Keep: 1`` marks a page the worker may store: a logged-in driver's own booking pages
  (``KEPT_ENDPOINTS``: the other driver's page is a 404 before the view runs), on a full GET (never an
  htmx fragment, a POST, an admin or a login page).
- ``X-Offline-Scope`` says how long: ``booking`` pages (a running or upcoming booking's page) are dropped
  by the worker once ``/offline/pages.json`` no longer lists them; ``document`` pages (the booking's
  summary, its receipt) stay until the driver logs out, as a paper receipt would.
- ``/offline/pages.json`` lists the pages of the driver's running and upcoming bookings, so the worker
  keeps them even if they were never opened on this device (booked on a laptop, parked with the phone).

Nothing private outlives a logout: the page script empties the worker's private cache before the logout
form is sent and whenever a guest's page is shown, and the worker does the same when the list answers 401.
The logout response also carries ``Clear-Site-Data: "cache"``: it empties the browser's HTTP cache (a
booking page a back button could show) but not Cache Storage nor the worker's registration ("storage"
would unregister the worker, and with it the device's push subscription, which outlives a login).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from webapp.bookings.history import bookings_in_status
from webapp.bookings.models import KIND_APDS_SESSION, KIND_RENTAL, KIND_STREET_PARKING, KIND_VALET, Status
from webapp.bookings.registry import status_now
from webapp.core.clock import utcnow
from webapp.web.static_files import fingerprint, sessionless

bp = Blueprint("offline", __name__)

#: the header that lets the worker store a page, and the one that says for how long
KEEP_HEADER = "X-Offline-Keep"
SCOPE_HEADER = "X-Offline-Scope"
#: pages the worker may keep, by endpoint: ``booking`` while the booking runs or is upcoming,
#: ``document`` until logout. Each of these views answers 404 for a booking that is not the driver's own.
KEPT_ENDPOINTS = {
    "parkings.session": "booking",  # Helsinki street parking: the end time, the plate, the zone
    "apds.session": "booking",  # a car-park session or ticketless registration: the exit works by plate
    "rentals.rental": "booking",  # the rent-car reservation with the counter's address and hours
    "valet.reservation": "booking",  # the 247Parking reservation: the meeting point, the flights
    "valet.voucher": "booking",  # the voucher with its QR code, shown at the meeting point
    "bookings.detail": "document",
    "bookings.receipt": "document",
    "bookings.receipt_pdf": "document",
}
#: the statuses whose pages a driver may need without signal: running, upcoming, or being looked up again
RUNNING_OR_UPCOMING = (Status.ACTIVE, Status.RESERVED, Status.UNKNOWN)
#: the pages of a booking the worker keeps, by kind (the voucher only once 247Parking gave its number)
_PAGES_BY_KIND = {
    KIND_STREET_PARKING: ("parkings.session",),
    KIND_APDS_SESSION: ("apds.session",),
    KIND_RENTAL: ("rentals.rental",),
    KIND_VALET: ("valet.reservation", "valet.voucher"),
}
#: the app's colours (static/css/app.css: --brand for the title bar, --bg behind the splash screen)
THEME_COLOR = "#0b5cad"
BACKGROUND_COLOR = "#f5f6f8"
#: where the installed app opens: the driver's bookings (their running parking first), the page a driver
#: opening the app from the home screen most likely wants; a guest is asked to log in, then lands there.
#: ``source=pwa`` tells the launches apart in the access log and keeps the app's identity stable.
START_URL = "/bookings?source=pwa"
#: the assets every page needs, kept by the worker at install (their fingerprinted URLs)
PRECACHED_ASSETS = ("css/app.css", "js/app.js", "js/push.js", "vendor/htmx/htmx.min.js", "favicon.svg",
                    "icons/icon-192.png", "icons/badge-96.png")
#: the service worker's source; ``/*BUILD*/…/*END*/`` is replaced by this deployment's precache list
WORKER_SOURCE = "js/sw.js"
_BUILD_START, _BUILD_END = "/*BUILD*/", "/*END*/"

_DESCRIPTION = _l("Street parking in Helsinki, parking places, Seoul parking lots, rent-cars and Schiphol valet "
                  "in one account.")
_MY_BOOKINGS = _l("My bookings")
_FIND_PARKING = _l("Find parking")


def init_app(app: Flask) -> None:
    """Mark the pages the worker may keep, and empty the HTTP cache at logout."""
    app.after_request(_mark_kept_pages)


def _mark_kept_pages(response: Response) -> Response:
    if request.endpoint == "auth.logout":
        # the HTTP cache only: Cache Storage is emptied by the page script, and "storage" would also
        # unregister the service worker, losing the device's push subscription
        response.headers["Clear-Site-Data"] = '"cache"'
        return response
    scope = KEPT_ENDPOINTS.get(request.endpoint or "")
    if (scope is None or request.method != "GET" or response.status_code != 200
            or request.headers.get("HX-Request") or not current_user.is_authenticated
            or current_user.is_admin or _sets_login_cookie(response)):
        return response
    response.headers[KEEP_HEADER] = "1"
    response.headers[SCOPE_HEADER] = scope
    return response


def _sets_login_cookie(response: Response) -> bool:
    """Whether this response logs someone in (a remember-me cookie turned into a session): not a page to keep."""
    name = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    return any(cookie.startswith(f"{name}=") for cookie in response.headers.getlist("Set-Cookie"))


def _language() -> str:
    """``?lang=`` when it is one of ours, else the browser's best match: never the session (these answers are
    the same for everybody, see ``sessionless``)."""
    supported = current_app.config["LANGUAGES"]
    asked = request.args.get("lang", "")
    if asked in supported:
        return asked
    return request.accept_languages.best_match(supported) or current_app.config["BABEL_DEFAULT_LOCALE"]


def _vary_on_language(response: Response) -> Response:
    if request.args.get("lang") not in current_app.config["LANGUAGES"]:
        response.vary.add("Accept-Language")
    return response


@bp.get("/manifest.webmanifest")
@sessionless
def manifest():
    """The web app manifest in ``?lang=``'s language (layout.html links the page's own)."""
    language = _language()
    with force_locale(language):
        icon = url_for("static", filename="icons/icon-192.png")
        document = {
            "id": START_URL,
            "name": "ParkGo",
            "short_name": "ParkGo",
            "description": str(_DESCRIPTION),
            "lang": language,
            "dir": "ltr",  # English, Finnish, Swedish and Korean are all written left to right
            "start_url": START_URL,
            "scope": "/",
            "display": "standalone",
            "orientation": "any",
            "theme_color": THEME_COLOR,
            "background_color": BACKGROUND_COLOR,
            "categories": ["travel", "navigation"],
            "icons": [
                {"src": icon, "sizes": "192x192", "type": "image/png", "purpose": "any"},
                {"src": url_for("static", filename="icons/icon-512.png"), "sizes": "512x512", "type": "image/png",
                 "purpose": "any"},
                {"src": url_for("static", filename="icons/icon-maskable-512.png"), "sizes": "512x512",
                 "type": "image/png", "purpose": "maskable"},
            ],
            "shortcuts": [
                {"name": str(_MY_BOOKINGS), "short_name": str(_MY_BOOKINGS), "url": "/bookings?source=pwa-shortcut",
                 "icons": [{"src": icon, "sizes": "192x192", "type": "image/png"}]},
                {"name": str(_FIND_PARKING), "short_name": str(_FIND_PARKING),
                 "url": url_for("maps.find_parking", source="pwa-shortcut"),
                 "icons": [{"src": icon, "sizes": "192x192", "type": "image/png"}]},
            ],
        }
    response = Response(json.dumps(document, ensure_ascii=False, indent=1), mimetype="application/manifest+json")
    response.cache_control.public = True
    response.cache_control.max_age = 3600  # an hour: a new icon or wording reaches installed apps soon enough
    response.add_etag()
    return _vary_on_language(response.make_conditional(request))


def _offline_urls() -> dict[str, str]:
    return {language: url_for("offline.page", lang=language) for language in current_app.config["LANGUAGES"]}


def _precache() -> list[str]:
    """The fingerprinted URLs of the assets every page needs (a file not deployed is left out)."""
    return [url_for("static", filename=name) for name in PRECACHED_ASSETS if fingerprint(name)]


def _content_hash(paths: Iterator[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        try:
            digest.update(path.read_bytes())
        except OSError:
            continue
    return digest.hexdigest()[:16]


@bp.get("/sw.js")
@sessionless
def service_worker():
    """The service worker, from our origin at the root so that its scope is the whole site.

    Its build line carries this deployment's precache list and a version: a changed asset, offline page
    or translation changes the script's bytes, so browsers install the new worker and drop the old cache.
    """
    source = Path(current_app.static_folder, WORKER_SOURCE).read_text(encoding="utf-8")
    precache = _precache()
    offline = _offline_urls()
    root = Path(current_app.root_path).parent
    version = _content_hash(iter([Path(current_app.static_folder, WORKER_SOURCE),
                                  Path(current_app.template_folder, "offline.html"),
                                  *sorted((root / "webapp" / "translations").glob("*/LC_MESSAGES/messages.mo"))]))
    version = hashlib.sha256((version + json.dumps([precache, offline])).encode()).hexdigest()[:16]
    build = json.dumps({"version": version, "precache": precache, "offline": offline,
                        "pages": url_for("offline.pages"), "home": url_for("bookings.history"),
                        "icon": url_for("static", filename="icons/icon-192.png"),
                        "badge": url_for("static", filename="icons/badge-96.png")})
    start, end = source.index(_BUILD_START), source.index(_BUILD_END) + len(_BUILD_END)
    response = Response(source[:start] + build + source[end:], mimetype="text/javascript")
    # browsers cap a worker's HTTP caching at a day anyway; no-cache makes every update check see a deploy
    response.cache_control.no_cache = True
    return response


@bp.get("/offline")
@sessionless
def page():
    """What a page without signal and without a kept copy shows, in ``?lang=``'s language (the worker keeps
    one per language and shows the one of the last page seen). It names no driver: it is the same for all."""
    language = _language()
    with force_locale(language):
        html = render_template("offline.html", lang=language)
    response = Response(html, mimetype="text/html")
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return _vary_on_language(response)


def pages_to_keep(user_id: int) -> list[str]:
    """The URLs of the pages of ``user_id``'s running and upcoming bookings (active, reserved, or being looked
    up again), oldest start first: what the service worker keeps offline for this driver.

    A booking that has run out by itself (``status_now``) is no longer running; a 247Parking voucher is listed
    once 247Parking has given its reservation number (before that, its page is a 404).
    """
    bookings = bookings_in_status(user_id, RUNNING_OR_UPCOMING, tuple(_PAGES_BY_KIND))
    now = utcnow()
    urls: list[str] = []
    for booking in bookings:
        if status_now(booking, now) not in RUNNING_OR_UPCOMING:
            continue
        for endpoint in _PAGES_BY_KIND[booking.kind]:
            if endpoint == "valet.voucher" and not booking.provider_ref:
                continue
            urls.append(url_for(endpoint, ref=booking.public_ref))
    return urls


@bp.get("/offline/pages.json")
@sessionless
def pages():
    """``{"pages": [...]}``: the pages to keep for the logged-in driver; 401 for a guest (the worker then forgets
    what it kept). Never stored by any cache. Not ``login_required``: a guest gets no login page, nor its
    "log in to see" note saved for the next page.

    It reads the session but never writes it (``sessionless``): the worker asks in the background, and
    its answer to a request sent just before the driver logged in would otherwise set the guest's cookie
    again after the login's — logging the driver out (Flask-Login marks a guest's session not fresh on
    its first look, which writes the cookie)."""
    if not current_user.is_authenticated:
        response = Response(json.dumps({"pages": []}), status=401, mimetype="application/json")
    else:
        urls = [] if current_user.is_admin else pages_to_keep(current_user.id)
        response = Response(json.dumps({"pages": urls}), mimetype="application/json")
    response.cache_control.no_store = True
    return response

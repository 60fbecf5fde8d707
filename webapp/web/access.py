"""Who may see what: guests browse, signing in is asked for only to book or to see one's own data.

Looking needs no account: the map, the lists, place and lot pages and every price preview are public
(``tests/web/test_access.py`` names them; every other route must ask for a login, so a new route cannot
become public by accident). Booking, a driver's bookings, vehicles and profile, and admin need a login.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import abort, flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from webapp.web.hypermedia import is_htmx, login_expired

#: shown on the login page after a guest tried to open a page that needs an account
LOGIN_TO_SEE = _l("Please log in to see this page.")
#: shown on the login page after a guest tried to book: not a warning, just the next step
LOGIN_TO_BOOK = _l("Log in or create an account to book. You will come back to where you were.")


#: a booking form's POST endpoint → the GET endpoint that shows the same form filled in from its query
#: string, and the fields carried there: a guest who logs in to book comes back with what they chose.
#: Only choices travel (no names, e-mails, phones or free text: a URL ends up in access logs).
FORM_AGAIN = {
    "parkings.begin": ("parkings.quote", ("duration", "end_at", "idempotency_key")),
    "valet.submit": ("valet.quote", ("location", "service", "drop_off", "arrival", "persons", "hand_luggage",
                                     "wash", "leather", "indoor", "keep_keys", "insurance", "payment",
                                     "idempotency_key")),
}


def admin_required(view):
    """Logged in, and an admin; a driver gets 403."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def signed_in_user_id() -> int | None:
    """The signed-in user's id, or None for a guest (public pages call providers for both)."""
    return current_user.id if current_user.is_authenticated else None


def _local_path(url: str | None) -> str | None:
    """The path and query of a URL on this site, or None for anything else (no open redirect)."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.netloc and parts.netloc != request.host:
        return None
    if not parts.path.startswith("/") or parts.path.startswith("//"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def return_path() -> str:
    """Where the login should lead back to.

    A page that needs a login: that page (``/map``, never ``/map?``). A booking form sent by a guest: the
    form again with the guest's choices (``FORM_AGAIN``); another form: the page it was on, with what
    its URL showed (dates) — from htmx's ``HX-Current-URL`` or the same-site ``Referer`` — else the
    form's own URL.
    """
    if request.method == "GET":
        query = request.query_string.decode("utf-8", "replace")
        return request.path + (f"?{query}" if query else "")
    if request.endpoint in FORM_AGAIN:
        endpoint, fields = FORM_AGAIN[request.endpoint]
        chosen = {name: request.form.getlist(name) for name in fields if request.form.get(name)}
        return url_for(endpoint, **(request.view_args or {}), **chosen)
    return (_local_path(request.headers.get("HX-Current-URL")) or _local_path(request.referrer)
            or request.path)


def unauthorized():
    """Flask-Login's answer for a guest: the login page (a neutral note), then back to :func:`return_path`."""
    login_url = url_for("auth.login", next=return_path())
    if is_htmx():
        return login_expired(login_url)
    flash(LOGIN_TO_SEE if request.method == "GET" else LOGIN_TO_BOOK, "info")
    return redirect(login_url)

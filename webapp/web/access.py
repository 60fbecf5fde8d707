"""Who may see what: guests browse, signing in is asked for only to book or to see one's own data.

Looking needs no account: the map, the lists, place and lot pages and every price preview are public
(``tests/web/test_access.py`` names them; every other route must ask for a login, so a new route cannot
become public by accident). Booking, a driver's bookings, vehicles and profile, and admin need a login.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import abort, flash, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from webapp.accounts import form_stash
from webapp.web.hypermedia import is_htmx, login_expired

#: shown on the login page after a guest tried to open a page that needs an account
LOGIN_TO_SEE = _l("Please log in to see this page.")
#: shown on the login page after a guest tried to book: not a warning, just the next step
LOGIN_TO_BOOK = _l("Log in or create an account to book. You will come back to where you were.")


#: the session key of the token naming the guest's form kept while they log in (``accounts.form_stash``)
FORM_STASH = "login_form"

#: a booking form's POST endpoint → the GET endpoint that shows the same form again, and the fields that
#: name what that page shows (its URL keeps them: a rental's dates). Everything the guest filled in —
#: choices, names, remarks, a discount code — is kept on the server while they log in and comes back
#: with the form (``accounts.form_stash``); none of it travels in the URL.
FORM_AGAIN = {
    "parkings.begin": ("parkings.start", ()),
    "valet.submit": ("valet.book", ()),
    "rentals.reserve": ("rentals.detail", ("start", "end")),
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
    page of that form (``FORM_AGAIN``), which shows it again as it was sent (``restored_form``); another
    form: the page it was on, with what its URL showed (dates) — from htmx's ``HX-Current-URL`` or the
    same-site ``Referer`` — else the form's own URL.
    """
    if request.method == "GET":
        query = request.query_string.decode("utf-8", "replace")
        return request.path + (f"?{query}" if query else "")
    if request.endpoint in FORM_AGAIN:
        endpoint, fields = FORM_AGAIN[request.endpoint]
        shown = {name: request.form.get(name) for name in fields if request.form.get(name)}
        return url_for(endpoint, **(request.view_args or {}), **shown)
    return (_local_path(request.headers.get("HX-Current-URL")) or _local_path(request.referrer)
            or request.path)


def _keep_form(back: str) -> None:
    """Keep the booking form a guest sent (``FORM_AGAIN``) for its page at ``back`` to show after the login."""
    if request.method != "POST" or request.endpoint not in FORM_AGAIN:
        return
    path = urlsplit(back).path
    if len(path) > form_stash.MAX_PATH:
        return  # no page of ours has such an address: nothing to bring back (and no 500 from the column)
    earlier = session.get(FORM_STASH)
    session[FORM_STASH] = form_stash.stash_form(request.endpoint, path, request.form.items(multi=True))
    form_stash.discard_form(earlier)  # one form at a time: the newest is the one the guest means


def restored_form(endpoint: str) -> MultiDict | None:
    """The form a guest sent to ``endpoint`` before logging in, for this page to show again — once.

    None for a guest (it comes back after the login), when nothing was kept, or when what was kept
    is another form's or another page's (a rental of another car): that stays for its own page.
    """
    if not current_user.is_authenticated or not session.get(FORM_STASH):
        return None
    fields = form_stash.take_form(session[FORM_STASH], endpoint, request.path)
    if fields is None:
        return None
    session.pop(FORM_STASH, None)
    return MultiDict(fields)


def unauthorized():
    """Flask-Login's answer for a guest: the login page (a neutral note), then back to :func:`return_path`
    with the form they sent, if it was a booking form."""
    back = return_path()
    _keep_form(back)
    login_url = url_for("auth.login", next=back)
    if is_htmx():
        return login_expired(login_url)
    flash(LOGIN_TO_SEE if request.method == "GET" else LOGIN_TO_BOOK, "info")
    return redirect(login_url)

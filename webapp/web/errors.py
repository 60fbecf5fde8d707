"""Error pages and the mapping of typed errors to responses.

Expected failures (service errors, provider errors) become a page or an htmx
alert with a sentence the user understands; details go to the log only. A 500
rolls the session back so a half-done transaction never leaks into the next.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, Response, current_app, jsonify, redirect, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from webapp.core.errors import ProviderError, ServiceError, shown_message
from webapp.extensions import db
from webapp.web.hypermedia import is_htmx

log = logging.getLogger(__name__)


def _render(status: int, title: str, message: str):
    template = "_partials/alert.html" if is_htmx() else "errors/error.html"
    return render_template(template, status=status, title=title, message=message), status


def add_error_responder(app: Flask, path_prefix: str, responder: Callable[[int], Response]) -> None:
    """Let an API that machines call answer its errors in its own format.

    Every error under ``path_prefix`` (a 400 from the NUL guard, a 413 from
    ``MAX_CONTENT_LENGTH``, a 404 or 405 from routing, a 429, an unexpected
    500) is answered by ``responder(status)`` instead of an HTML page: these
    are raised before the blueprint's view runs, or match no rule at all, so
    a blueprint error handler would never see them.
    """
    app.extensions.setdefault("error_responders", []).append((path_prefix, responder))


def _own_answer(status: int) -> Response | None:
    for prefix, responder in current_app.extensions.get("error_responders", ()):
        if request.path.startswith(prefix):
            return responder(status)
    return None


def page_for_form_address(path: str) -> str | None:
    """The nearest page above a form's POST-only address (``/carparks/805432/register`` ->
    ``/carparks/805432``), or None when no address above it answers a GET.

    After a failed submit the browser shows the form's POST address; reopening it (a reload after
    the browser was killed, a restored tab, a copied link) is a GET, which must land on the form's
    page rather than on "Not allowed".
    """
    adapter = current_app.url_map.bind("")
    parts = path.rstrip("/").split("/")
    while len(parts) > 1:
        parts.pop()
        candidate = "/".join(parts) or "/"
        for trial in (candidate, candidate + "/"):
            try:
                adapter.match(trial, method="GET")
            except (NotFound, MethodNotAllowed):
                continue
            except HTTPException:  # a redirect the map itself would make: the page exists
                return trial
            return trial
    return None


def register_error_handlers(app: Flask) -> None:
    """Install one handler per error family."""

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        log.info("CSRF rejected: %s", error.description)
        message = _("The form was open too long or came from elsewhere. Reload the page and try again.")
        if request.is_json:  # a script's call (push.js): a sentence it can show, not a page
            return jsonify(message=message), 400
        return _render(400, _("Your session expired"), message)

    @app.errorhandler(429)
    def rate_limited(error):
        own = _own_answer(429)
        if own is not None:
            return own
        if getattr(error, "response", None) is not None:
            return error.response  # the limit's own answer (on_breach), e.g. the sign-up form with what was typed
        return _render(429, _("Please wait a moment"),
                       _("Too many attempts in a short time. Please wait a few minutes and try again."))

    @app.errorhandler(ServiceError)
    def service_error(error: ServiceError):
        db.session.rollback()
        if error.status_code == 404:
            return _render(404, _("Not found"), _("We could not find that page."))
        if error.status_code == 409:
            return _render(409, _("Changed elsewhere"),
                           error.message or _("This booking was changed in another window. Reload and try again."))
        return _render(error.status_code, _("That did not work"), error.message or _("Please check and try again."))

    @app.errorhandler(ProviderError)
    def provider_error(error: ProviderError):
        db.session.rollback()
        log.warning("provider error reached the page: %s", error)
        return _render(502, _("The service did not answer"), shown_message(error))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        titles = {403: _("No access"), 404: _("Not found"), 405: _("Not allowed"),
                  413: _("Too large"), 400: _("Bad request")}
        messages = {403: _("You do not have access to this page."), 404: _("We could not find that page."),
                    413: _("What you sent is too large.")}
        status = error.code or 500
        own = _own_answer(status)
        if own is not None:
            return own
        if status == 405 and request.method in ("GET", "HEAD") and not is_htmx():
            page = page_for_form_address(request.path)
            if page is not None:
                return redirect(page, code=303)
        return _render(status, titles.get(status, error.name),
                       messages.get(status, _("Something was wrong with the request.")))

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        db.session.rollback()
        log.exception("unhandled error")
        own = _own_answer(500)
        if own is not None:
            return own
        return _render(500, _("Something went wrong"), _("Sorry, something went wrong on our side. Please try again."))

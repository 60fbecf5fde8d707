"""Which language a page speaks, and the language switcher."""

from __future__ import annotations

from flask import Blueprint, current_app, has_request_context, redirect, request, session
from flask_login import current_user

from webapp.accounts import users as accounts
from webapp.accounts.auth_views import _safe_next

bp = Blueprint("locale", __name__)


def current_language() -> str:
    """Profile language, else the switcher's choice, else the browser's, else English."""
    supported = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands and background work speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.language in supported:
        return current_user.language
    if session.get("language") in supported:
        return session["language"]
    return request.accept_languages.best_match(supported) or current_app.config["BABEL_DEFAULT_LOCALE"]


def formatting_locale() -> str:
    """The Babel locale: British conventions for English (24-hour clock, day first), as drivers in Europe expect."""
    language = current_language()
    return "en_GB" if language == "en" else language


@bp.post("/language")
def switch():
    language = request.form.get("language", "")
    if language in current_app.config["LANGUAGES"]:
        session["language"] = language
        if current_user.is_authenticated:
            accounts.set_language(current_user.id, language)
    return redirect(_safe_next(request.form.get("next")), code=303)

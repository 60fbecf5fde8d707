"""Which language a page speaks, and the language switcher."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from flask import Blueprint, Flask, current_app, has_request_context, redirect, request, session
from flask_babel import get_locale
from flask_login import current_user

from webapp.accounts import users as accounts
from webapp.accounts.auth_views import _safe_next
from webapp.core.clock import format_duration
from webapp.core.money import format_money, format_money_per

bp = Blueprint("locale", __name__)


def init_app(app: Flask) -> None:
    """The filters that write amounts and durations in the page's language, for every template."""
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["duration"] = duration


def money(value: Decimal | int | None, currency: str, per: timedelta | int | None = None) -> str:
    """``{{ amount|money('EUR') }}`` -> ``€1.50`` / ``1,50 €``; ``{{ price|money('EUR', per=60) }}``
    -> ``€4.20/h`` (``per``: a timedelta or minutes); no amount -> ``–``."""
    if value is None:
        return "–"
    locale = get_locale() or "en_GB"
    return format_money(value, currency, locale) if per is None else format_money_per(value, currency, per, locale)


def duration(value: timedelta | int | float | Decimal) -> str:
    """``{{ 90|duration }}`` (minutes) or ``{{ (ends - now)|duration }}`` -> ``1 hr 30 mins`` / ``1시간 30분``."""
    return format_duration(value, get_locale() or "en_GB")


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

"""Which language a page speaks, and the language switcher."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask import Blueprint, Flask, current_app, has_request_context, redirect, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from webapp.accounts import users as accounts
from webapp.accounts.auth_views import _safe_next
from webapp.core.clock import (
    PROVIDER_ZONES,
    format_duration,
    format_moment,
    format_moment_in_zone,
    locale_for,
    zone_name,
)
from webapp.core.money import format_money, format_money_per
from webapp.extensions import csrf

bp = Blueprint("locale", __name__)


def init_app(app: Flask) -> None:
    """The filters that write amounts and durations in the page's language, for every template; the switcher's
    CSRF check is its own (``_check_switch``)."""
    csrf.exempt(switch)
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["duration"] = duration
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["when_in_zone"] = when_in_zone
    app.jinja_env.filters["day"] = day
    app.jinja_env.filters["month"] = month
    app.jinja_env.filters["clock"] = clock
    app.jinja_env.globals["booking_zone"] = booking_zone
    app.jinja_env.globals["page_zone_name"] = lambda: zone_name(_default_zone(), get_locale() or "en_GB")


def booking_zone(booking) -> ZoneInfo:
    """The zone a booking's times are shown in: its provider's local time."""
    return PROVIDER_ZONES.get(getattr(booking, "provider", None), _default_zone())


def _default_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


#: texts of amounts and times kept per process: a page of bookings writes the same ones at every visit
#: (a history page, 50 of each, spent a fifth of its time in babel: bench/pages.py); a text is a few dozen bytes
TEXTS_KEPT = 8192


@lru_cache(maxsize=TEXTS_KEPT)
def _moment_text(value: datetime, locale: str, zone: ZoneInfo) -> str:
    return format_moment(value, locale, zone)


@lru_cache(maxsize=TEXTS_KEPT)
def _money_text(value: Decimal | int, currency: str, locale: str) -> str:
    return format_money(value, currency, locale)


def when(value: datetime | None, zone: ZoneInfo | None = None) -> str:
    """``{{ booking.ends_at|when(booking_zone(booking)) }}`` -> ``27/11/2026, 14:28`` (en), ``27.11.2026 14.28``
    (fi): the one date-and-time format of the page's language; no time -> ``–``."""
    return page_formats().when(value, zone)


def when_in_zone(value: datetime | None, zone: ZoneInfo | None = None) -> str:
    """``when`` with the zone named (``06/12/2026, 14:52 (Finland Time)``), for text read away from the
    place: mails, receipts."""
    return "–" if value is None else format_moment_in_zone(value, get_locale() or "en_GB", zone or _default_zone())


@lru_cache(maxsize=TEXTS_KEPT)
def _month_text(value: date, locale: str) -> str:
    return format_date(value, "LLLL yyyy", locale=locale)


def month(value: date) -> str:
    """``{{ total.month|month }}`` -> ``October 2026``, ``lokakuu 2026``, ``10월 2026``: CLDR's stand-alone month, as
    the monthly totals always wrote it (``LLLL yyyy``)."""
    return _month_text(value, str(get_locale() or "en_GB"))


def day(value: datetime | None, zone: ZoneInfo | None = None) -> str:
    """The date alone, in the same format as ``when``."""
    return "–" if value is None else format_moment(value, get_locale() or "en_GB", zone or _default_zone(), "date")


def clock(value: datetime | None, zone: ZoneInfo | None = None) -> str:
    """The time of day alone, in the same format as ``when``."""
    return "–" if value is None else format_moment(value, get_locale() or "en_GB", zone or _default_zone(), "time")


@dataclass(frozen=True)
class PageFormats:
    """``when`` and ``money`` with the page's locale and zone looked up once: a list of bookings writes a
    hundred times and amounts, and each filter call asked Flask-Babel for the locale again (issue 18)."""

    locale: str
    zone: ZoneInfo

    def when(self, value: datetime | None, zone: ZoneInfo | None = None) -> str:
        """As the ``when`` filter."""
        return "–" if value is None else _moment_text(value, self.locale, zone or self.zone)

    def money(self, value: Decimal | int | None, currency: str) -> str:
        """As the ``money`` filter without ``per``."""
        if value is None:
            return "–"
        if (isinstance(value, Decimal) and value.is_finite()) or type(value) is int:
            return _money_text(value, currency, self.locale)
        return format_money(value, currency, self.locale)


def page_formats() -> PageFormats:
    """The formats of the page being written (``PageFormats``)."""
    return PageFormats(str(get_locale() or "en_GB"), _default_zone())


def money(value: Decimal | int | None, currency: str, per: timedelta | int | None = None) -> str:
    """``{{ amount|money('EUR') }}`` -> ``€1.50`` / ``1,50 €``; ``{{ price|money('EUR', per=60) }}``
    -> ``€4.20/h`` (``per``: a timedelta or minutes); no amount -> ``–``."""
    if value is not None and per is not None:
        return format_money_per(value, currency, per, get_locale() or "en_GB")
    return page_formats().money(value, currency)


def duration(value: timedelta | int | float | Decimal) -> str:
    """``{{ 90|duration }}`` (minutes) or ``{{ (ends - now)|duration }}`` -> ``1 hr 30 mins`` / ``1시간 30분``."""
    return format_duration(value, get_locale() or "en_GB")


def current_language() -> str:
    """A link's ``?lang=``, else the profile language, else the switcher's choice, else the browser's,
    else English.

    ``?lang=`` wins for that page only (a link shared in Finnish opens in Finnish, whoever opens it);
    it changes no setting, so it adds no session cookie either.
    """
    supported = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands and background work speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    asked = request.args.get("lang", "")
    if asked in supported:
        return asked
    if current_user and current_user.is_authenticated and current_user.language in supported:
        return current_user.language
    if session.get("language") in supported:
        return session["language"]
    return request.accept_languages.best_match(supported) or current_app.config["BABEL_DEFAULT_LOCALE"]


def formatting_locale() -> str:
    """The Babel locale: British conventions for English (24-hour clock, day first), as drivers in Europe expect."""
    return locale_for(current_language())


def _same_origin() -> bool:
    """Whether the browser says the request comes from one of our own pages (every browser sends ``Origin`` with
    a form's POST; ``Sec-Fetch-Site`` where it knows)."""
    if request.headers.get("Sec-Fetch-Site") == "same-origin":
        return True
    origin = request.headers.get("Origin", "")
    return bool(origin) and urlsplit(origin).netloc == request.host


def _check_switch() -> None:
    """A signed-in driver's switch changes their profile: it carries the CSRF token like every form. A guest's
    form has none (no token, so no session cookie, until they need one: ``layout.html``), so a guest's switch
    must come from our own page: a forged cross-site POST would otherwise replace the visitor's cookie."""
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    if current_user.is_authenticated or request.form.get("csrf_token") or request.headers.get("X-CSRFToken"):
        csrf.protect()
    elif not _same_origin():
        raise CSRFError("The language form came from another site.")


@bp.post("/language")
def switch():
    _check_switch()
    language = request.form.get("language", "")
    if language in current_app.config["LANGUAGES"]:
        session["language"] = language
        if current_user.is_authenticated:
            accounts.set_language(current_user.id, language)
    return redirect(_safe_next(request.form.get("next")), code=303)

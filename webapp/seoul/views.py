"""Seoul parking lots for drivers: the list and the lot page (live figures, floors, chart, price
calculator; the map layer is in ``map_layer``); ``init_app`` also wires the admin pages, the ``seoul`` CLI
group and the demo loader.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from babel.dates import format_datetime, format_time
from flask import Blueprint, Flask, redirect, render_template, request, url_for
from flask_babel import format_timedelta, get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from webapp.core.clock import SEOUL, utcnow
from webapp.core.errors import ValidationError
from webapp.core.kept import kept
from webapp.seoul import lots as seoul_lots
from webapp.seoul.chart import occupancy_chart
from webapp.seoul.forms import StayForm
from webapp.web.form_errors import apply_errors
from webapp.web.hypermedia import is_htmx, page_or_block
from webapp.web.locale import current_language

bp = Blueprint("seoul_lots", __name__, url_prefix="/seoul")


def init_app(app: Flask) -> None:
    """The template helpers of Seoul lots."""
    app.jinja_env.filters["seoul_time"] = seoul_time
    app.jinja_env.filters["seoul_datetime"] = seoul_datetime
    app.jinja_env.filters["sample_age"] = sample_age


def seoul_time(value: datetime | None, fmt: str = "short") -> str:
    """The time of day of ``value`` in Seoul, as the page's language writes times ("19:56", "19.56", "오후 7:56")."""
    return "" if value is None else format_time(value, fmt, tzinfo=SEOUL, locale=get_locale())


def seoul_datetime(value: datetime | None, fmt: str = "short") -> str:
    """The date and time of ``value`` in Seoul, as the page's language writes them ("27/11/2026, 19:56")."""
    return "" if value is None else format_datetime(value, fmt, tzinfo=SEOUL, locale=get_locale())


def sample_age(availability) -> str:
    """"just now" or "5 minutes ago" for the newest occupancy sample."""
    age = availability.age
    if age is None:
        return ""
    if age.total_seconds() < 60:
        return _("just now")
    return format_timedelta(-age, add_direction=True, threshold=1)  # negative: "… ago"


@bp.get("/lots")
def index():
    query = request.args.get("q", "").strip()[:seoul_lots.MAX_QUERY]
    language = current_language()
    return render_template("seoul_lots/lots.html", query=query, language=language,
                           lots=seoul_lots.list_lots(query=query, language=language))


def _stay_form(detail=None) -> StayForm:
    form = StayForm(formdata=request.args if request.args else None)
    form.set_discounts(detail.discounts if detail else ())
    return form


@bp.get("/lots/<int:lot_id>")
def lot(lot_id: int):
    now = utcnow()
    form = _stay_form()
    status, errors = 200, None
    if form.validate():
        try:
            detail = seoul_lots.get_lot_detail(lot_id, now, form.stay_minutes, form.discount.data or "",
                                               language=current_language())
        except ValidationError as error:
            errors, status = error, 422
    else:
        status = 422
    if status != 200:
        detail = seoul_lots.get_lot_detail(lot_id, now, language=current_language())
    form.set_discounts(detail.discounts)
    if errors:
        apply_errors(form, errors)
    # the price block alone only for htmx: any other request gets the whole page, with its kept parts
    block = "price_quote" if is_htmx() and request.headers.get("HX-Target") == "price-quote" else None
    here = request.full_path.rstrip("?")
    response = page_or_block("seoul_lots/lot.html", block, ("price_quote",), status=status, detail=detail,
                             lot=detail.summary, form=form, now=now, here=here,
                             floors_html=_floors_html(detail) if block is None else None,
                             chart_html=_chart_html(detail, now) if block is None else None,
                             facts_html=_facts_html(detail, form) if block is None else None)
    if block is not None and is_htmx():
        # the address shows the choices (a reload, a shared link and the login link keep them)
        response.headers["HX-Replace-Url"] = here
    return response


@bp.get("/lots/<int:lot_id>/live")
def live(lot_id: int):
    if not is_htmx():
        # the refresh link of the block: without htmx, the whole page is the fresh view
        return redirect(url_for("seoul_lots.lot", lot_id=lot_id, _anchor="live-figures"), code=303)
    detail = seoul_lots.get_lot_live(lot_id)
    return page_or_block("seoul_lots/lot.html", "live_figures", ("live_figures",), detail=detail, lot=detail.summary,
                         floors_html=_floors_html(detail))


# The two largest parts of the lot page are kept as HTML per version of the lot's data and language: a lot with
# 124 spaces and a day of one-minute samples spent three quarters of its page reading and drawing them (35 ms,
# bench/seoul.py). The chart is kept per version of the lot's samples and per minute of ``now`` as well (its
# window moves on with the clock), so it is drawn once per new sample, not once per visit; a sample leaves the
# floors as they were (``SeoulLot.sample_version``). Both templates escape everything the operator sent, so their
# output is Markup like any rendered block.

def _floors_html(detail: seoul_lots.LotDetail) -> Markup:
    lot = detail.lot
    return kept("seoul_lot", ("floors_html", lot.id, lot.data_version, str(get_locale())),
                lambda: Markup(render_template("seoul_lots/_floors.html", floors=detail.floors)),  # noqa: S704
                seoul_lots.KEPT_PER_WORKER)


@dataclass(frozen=True)
class FactsHtml:
    """The parts of the lot page that only the operator's data, the language and the kind of day change."""

    heading: Markup
    tariffs: Markup
    about: Markup


def _facts_html(detail: seoul_lots.LotDetail, form: StayForm) -> FactsHtml:
    # the name and memo (romanised through the glossary), the fees and hours (CLDR's clock) and the lot's
    # facts were half of the cached page's writing (issue 18, bench/seoul.py); "today" marks the kind of day
    lot, language = detail.lot, current_language()

    def write() -> FactsHtml:
        context = {"detail": detail, "lot": detail.summary, "form": form}
        return FactsHtml(*(Markup(render_template(f"seoul_lots/_{part}.html", **context))  # noqa: S704
                           for part in ("heading", "tariffs", "about")))

    return kept("seoul_lot", ("facts_html", lot.id, lot.data_version, language, str(get_locale()), detail.day_kind,
                              detail.holiday), write, seoul_lots.KEPT_PER_WORKER)


def _chart_html(detail: seoul_lots.LotDetail, now: datetime) -> Markup:
    lot, locale = detail.lot, get_locale()
    return kept("seoul_lot", ("chart_html", lot.id, lot.data_version, lot.sample_version,
                              now.replace(second=0, microsecond=0), str(locale)),
                lambda: Markup(render_template("seoul_lots/_chart.html",  # noqa: S704
                                               chart=occupancy_chart(seoul_lots.occupancy_series(lot.id, now),
                                                                     lot.capacity, now, locale=locale))),
                seoul_lots.KEPT_PER_WORKER)


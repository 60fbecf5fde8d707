"""The driver's booking history (every provider), one booking, its receipt, and the CSV export."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Flask, Response, has_request_context, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from webapp.bookings import history as booking_history
from webapp.bookings import ledger, receipts, rows
from webapp.bookings.models import KINDS, Status, event_label
from webapp.bookings.registry import booking_seller, booking_title, status_now
from webapp.core.kept import kept
from webapp.web.locale import current_language

bp = Blueprint("bookings", __name__, url_prefix="/bookings")


def init_app(app: Flask) -> None:
    """Status and event words for every template, from the one place that defines them; a booking's
    places and price breakdown for the driver's and the admin's booking page; its money from the ledger
    (``money_summary``, ``ledger_entry_label``) for every page that shows what a booking cost."""
    app.jinja_env.globals.update(status_label=status_label, event_label=event_label, kind_label=kind_label,
                                 status_now=status_now,
                                 money_summary=ledger.summary, ledger_entry_label=ledger.entry_label,
                                 booking_title=lambda booking: booking_title(booking, _page_language()),
                                 booking_seller=lambda booking: booking_seller(booking, _page_language()),
                                 actor_label=actor_label,
                                 listed_rows=lambda bookings, href_pattern: rows.listed_rows(
                                     bookings, href_pattern, _page_language()),
                                 where_and_price=lambda booking: booking_history.where_and_price(
                                     booking, _page_language()))


def _page_language() -> str:
    """``current_language()`` once per request: a list of bookings names each row in it (issue 18: it parsed
    the Accept-Language header again for every row)."""
    if not has_request_context():
        return current_language()
    # kept on the request itself (``g`` outlives a request when an app context was pushed around it, as in tests)
    found = request.environ.get("parkgo.page_language")
    if found is None:
        found = request.environ["parkgo.page_language"] = current_language()
    return found


def status_label(status) -> str:
    """A status in the page's language (a value no status knows is shown as it is)."""
    try:
        return Status(status).label
    except ValueError:
        return str(status)


def kind_label(kind: str) -> str:
    """A booking kind in the page's language (the same words as the CSV export)."""
    return booking_history.kind_label(kind)


def actor_label(actor: str, booking=None) -> str:
    """Who did something, as support reads it: "system" -> "Automatic", "user:5" -> "The driver" (or
    "User 5" when it is not the booking's own driver), "admin:3" -> "Support (admin 3)"."""
    kind, _sep, number = (actor or "").partition(":")
    if kind == "system" or not actor:
        return _("Automatic")
    if kind == "user":
        if booking is not None and str(booking.user_id) == number:
            return _("The driver")
        return _("User %(id)s", id=number)
    if kind == "admin":
        return _("Support (admin %(id)s)", id=number)
    return actor


def _date(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


@bp.get("")
@login_required
def history():
    filters = booking_history.HistoryFilters(
        kind=request.args.get("kind", "")[:20], status=request.args.get("status", "")[:16],
        plate=request.args.get("plate", "")[:16], date_from=_date("from"), date_to=_date("to"),
        query=request.args.get("q", "")[:80])
    page = request.args.get("page", 1, type=int) or 1
    found = booking_history.driver_history(current_user.id, filters, page)
    # a period that ends before it starts finds nothing: say why, beside the field
    dates_reversed = bool(filters.date_from and filters.date_to and filters.date_to < filters.date_from)
    # the CSV covers the chosen period (for an expense report), whatever else is filtered
    export_args = {key: value.isoformat() for key, value in (("from", filters.date_from), ("to", filters.date_to))
                   if value}
    return render_template("bookings/history.html", history=found, filters=filters, kinds=KINDS,
                           statuses=list(Status), plates=found.plates,
                           totals_html=_totals_html(current_user.id, filters, found),
                           plate_choices_max=booking_history.PLATE_CHOICES_MAX,
                           export_args=export_args, dates_reversed=dates_reversed)


def _totals_html(user_id: int, filters: booking_history.HistoryFilters, found: booking_history.History) -> Markup:
    """The monthly totals' table, written once per state of the driver's bookings, filters and language: its
    26 months of five amounts were a tenth of the page at every visit (issue 18, ``bench/pages.py``)."""
    if not found.totals:
        return Markup("")
    return kept("history", ("totals_html", user_id, filters, found.stamp, str(get_locale())),
                # render_template's output is escaped by autoescape, like the page around it
                lambda: Markup(render_template("bookings/_monthly_totals.html", totals=found.totals)))  # noqa: S704


@bp.get("/export.csv")
@login_required
def export():
    # UTF-8 with a byte-order mark: without it Excel reads the file as the local code page (mojibake)
    content = booking_history.export_csv(current_user.id, _date("from"), _date("to"), current_language())
    response = Response(content, content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = 'attachment; filename="bookings.csv"'
    return response


@bp.get("/<ref>")
@login_required
def detail(ref: str):
    booking = booking_history.get_booking_for_user(current_user.id, ref)
    return render_template("bookings/detail.html", booking=booking)


@bp.app_template_global("has_receipt")
def has_receipt(booking) -> bool:
    """``{% if has_receipt(booking) %}``: whether the booking page links to a receipt (money in its ledger)."""
    return receipts.has_receipt(booking)


@bp.get("/<ref>/receipt")
@login_required
def receipt(ref: str):
    found = receipts.receipt_for(current_user.id, ref, current_language())
    return render_template("bookings/receipt.html", receipt=found)


@bp.get("/<ref>/receipt.pdf")
@login_required
def receipt_pdf(ref: str):
    found = receipts.receipt_for(current_user.id, ref, current_language())
    response = Response(receipts.receipt_pdf(found), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="receipt-{found.reference}.pdf"'
    return response

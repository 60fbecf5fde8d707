"""The driver's booking history and booking detail."""

from __future__ import annotations

from flask import Blueprint, Flask, render_template, request
from flask_login import current_user, login_required

from webapp.bookings import history as booking_history
from webapp.bookings.models import Status, event_label

bp = Blueprint("bookings", __name__, url_prefix="/bookings")


def init_app(app: Flask) -> None:
    """Status and event words for every template, from the one place that defines them."""
    app.jinja_env.globals.update(status_label=status_label, event_label=event_label)


def status_label(status) -> str:
    """A status in the page's language (a value no status knows is shown as it is)."""
    try:
        return Status(status).label
    except ValueError:
        return str(status)


@bp.get("")
@login_required
def history():
    page = request.args.get("page", 1, type=int) or 1
    rows, has_more = booking_history.list_bookings(current_user.id, page)
    return render_template("bookings/history.html", bookings=rows, page=page, has_more=has_more)


@bp.get("/<ref>")
@login_required
def detail(ref: str):
    booking = booking_history.get_booking_for_user(current_user.id, ref)
    return render_template("bookings/detail.html", booking=booking)

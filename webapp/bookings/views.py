"""The driver's booking history and booking detail."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from webapp.bookings import history as bookings

bp = Blueprint("bookings", __name__, url_prefix="/bookings")


@bp.get("")
@login_required
def history():
    page = request.args.get("page", 1, type=int) or 1
    rows, has_more = bookings.list_bookings(current_user.id, page)
    return render_template("bookings/history.html", bookings=rows, page=page, has_more=has_more)


@bp.get("/<ref>")
@login_required
def detail(ref: str):
    booking = bookings.get_booking_for_user(current_user.id, ref)
    return render_template("bookings/detail.html", booking=booking)

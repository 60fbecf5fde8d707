"""Support staff: find any booking by reference, plate, email or phone."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from webapp.bookings import admin
from webapp.web.access import admin_required
from webapp.web.hypermedia import page_or_block

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("")
@admin_required
def index():
    query = request.args.get("q", "")[:200]
    results = admin.search_bookings(query) if query else []
    return page_or_block("admin/bookings.html", "results", ("results",), query=query, results=results)


@bp.get("/bookings/<ref>")
@admin_required
def booking(ref: str):
    return render_template("admin/booking.html", booking=admin.get_booking_for_admin(ref))

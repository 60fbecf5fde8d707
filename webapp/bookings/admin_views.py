"""Support staff: find any booking, look at it, re-check it, cancel or settle it; the audit log."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, render_template, request, url_for
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from webapp.bookings import admin, admin_search
from webapp.bookings.models import KINDS, Status
from webapp.core.errors import ConflictError, ValidationError
from webapp.web.access import admin_required
from webapp.web.hypermedia import page_or_block, see_other

bp = Blueprint("admin", __name__, url_prefix="/admin")

#: what an audit entry's action means, in the admin's language (the stored value never changes)
AUDIT_ACTIONS = {"view": _l("Viewed the booking"), "search": _l("Searched"), "recheck": _l("Re-checked"),
                 "cancel": _l("Cancelled"), "cancel refused": _l("Cancel refused by the provider"),
                 "settle": _l("Settled by hand")}


#: the providers an admin can filter by, as support names them (Booking.provider stores the key)
PROVIDER_LABELS = {"helsinki": _l("City of Helsinki, mobile parking"), "parkkihubi": _l("Helsinki parking hub"),
                   "apds": _l("APDS car parks"), "rentcar": _l("Korean rent-car companies"),
                   "parking247": _l("247Parking valet")}


@bp.app_template_global("provider_labels")
def provider_labels() -> dict[str, str]:
    """The provider filter's choices in the admin's language."""
    return {key: str(label) for key, label in PROVIDER_LABELS.items()}


@bp.app_template_global("audit_action_label")
def audit_action_label(action: str) -> str:
    """An audit entry's action in words (an action no label knows is shown as it is stored)."""
    label = AUDIT_ACTIONS.get(action)
    return str(label) if label is not None else action


def _date(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _page() -> int:
    return min(max(request.args.get("page", 1, type=int) or 1, 1), 10**6)


@bp.get("")
@admin_required
def index():
    filters = admin_search.SearchFilters(
        query=request.args.get("q", "")[:200], provider=request.args.get("provider", "")[:20],
        kind=request.args.get("kind", "")[:20], status=request.args.get("status", "")[:16],
        date_from=_date("from"), date_to=_date("to"), sort=request.args.get("sort", "newest")[:10],
        anywhere=request.args.get("anywhere") == "1", zone=get_timezone())
    searched = any((filters.query, filters.provider, filters.kind, filters.status, filters.date_from,
                    filters.date_to))
    errors: dict[str, str] = {}
    results = None
    if searched:
        try:
            results = admin.find_bookings(current_user.id, filters, _page(), request.remote_addr or "")
        except ValidationError as error:
            errors = error.errors
    return page_or_block("admin/bookings.html", "results", ("results",), filters=filters, results=results,
                         errors=errors, kinds=KINDS, statuses=list(Status), sorts=list(admin_search.SORTS))


@bp.get("/attention")
@admin_required
def attention():
    return render_template("admin/attention.html", bookings=admin.needs_attention())


@bp.get("/audit")
@admin_required
def audit():
    return render_template("admin/audit.html", log=admin.audit_log(_page()))


def _render_booking(ref: str, status: int = 200, errors=None, values=None, audit: bool = True):
    booking, driver = admin.view_booking(current_user.id, ref, request.remote_addr or "", audit=audit)
    return render_template("admin/booking.html", booking=booking, driver=driver, errors=errors or {},
                           values=values or {}, settle_choices=admin.SETTLE_CHOICES), status


@bp.get("/bookings/<ref>")
@admin_required
def booking(ref: str):
    return _render_booking(ref)


@bp.post("/bookings/<ref>/recheck")
@admin_required
def recheck(ref: str):
    _booking, changes = admin.recheck(current_user.id, ref, request.remote_addr or "")
    for change in changes:
        flash(change, "info")
    return see_other(url_for("admin.booking", ref=ref))


@bp.post("/bookings/<ref>/cancel")
@admin_required
def cancel(ref: str):
    try:
        admin.cancel_for_driver(current_user.id, ref, request.form.get("reason", ""),
                                request.form.get("version", -1, type=int), request.remote_addr or "")
    except ValidationError as error:
        return _render_booking(ref, 422, errors=error.errors, values=request.form, audit=False)
    except ConflictError as error:
        flash(error.message, "error")
    else:
        flash(_("Cancelled on the driver's behalf."), "success")
    return see_other(url_for("admin.booking", ref=ref))


@bp.post("/bookings/<ref>/settle")
@admin_required
def settle(ref: str):
    try:
        admin.settle_by_admin(current_user.id, ref, request.form.get("status", ""),
                              request.form.get("provider_ref", ""), request.form.get("note", ""),
                              request.form.get("version", -1, type=int), request.remote_addr or "")
    except ValidationError as error:
        return _render_booking(ref, 422, errors=error.errors, values=request.form, audit=False)
    except ConflictError as error:
        flash(error.message, "error")
    else:
        flash(_("The booking is settled."), "success")
    return see_other(url_for("admin.booking", ref=ref))

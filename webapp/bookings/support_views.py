"""Support's page for what no look-up can settle: the last sweep's figures per provider, the bookings
awaiting support with their dated next steps, and a form that settles them from the provider's own list."""

from __future__ import annotations

from flask import Blueprint, Flask, flash, render_template, request, url_for
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateTimeLocalField, SelectField, TextAreaField
from wtforms.validators import Optional

from webapp.bookings import next_step, reconcile, support
from webapp.bookings.registry import booking_kinds
from webapp.core.clock import utcnow
from webapp.core.errors import ValidationError
from webapp.web.access import admin_required
from webapp.web.form_errors import apply_errors
from webapp.web.hypermedia import see_other

bp = Blueprint("support", __name__, url_prefix="/admin/support")

#: the longest list accepted, in bytes (20,000 rows of a few columns)
MAX_LIST_BYTES = 2 * 1024 * 1024


def init_app(app: Flask) -> None:
    """Every page may show an unknown booking's dated next step, and the admin pages the last sweep."""
    app.add_template_global(next_step.explain, "next_step")
    app.add_template_global(reconcile.last_sweep, "last_sweep")


class SettleListForm(FlaskForm):
    """The provider's list of reservations, pasted or as a file, and how complete it is."""

    provider = SelectField(_l("Provider"), choices=[])
    listing = TextAreaField(_l("The provider's list (CSV: our reference, the provider's number)"),
                            validators=[Optional()])
    upload = FileField(_l("…or its file"))
    complete_until = DateTimeLocalField(_l("The list holds every reservation made up to"), format="%Y-%m-%dT%H:%M",
                                        validators=[Optional()])


def _providers() -> list[tuple[str, str]]:
    """The providers whose bookings only support can settle (no look-up call)."""
    return sorted({(entry.provider, entry.provider) for entry in booking_kinds().values()
                   if next_step.kind_awaits_support(entry.kind)})


def _page(form: SettleListForm, report: support.SettleReport | None = None, status: int = 200):
    return render_template("admin/support.html", form=form, report=report, sweep=reconcile.last_sweep(),
                           waiting=support.awaiting_support(utcnow()), now=utcnow()), status


@bp.get("")
@admin_required
def index():
    form = SettleListForm()
    form.provider.choices = _providers()
    return _page(form)


@bp.post("/settle")
@admin_required
def settle():
    form = SettleListForm()
    form.provider.choices = _providers()
    if not form.validate_on_submit():
        return _page(form, status=422)
    text = form.listing.data or ""
    upload = form.upload.data
    if upload is not None and getattr(upload, "filename", ""):
        raw = upload.read(MAX_LIST_BYTES + 1)
        if len(raw) > MAX_LIST_BYTES:
            form.upload.errors = [_("The file is too large.")]
            return _page(form, status=422)
        text = raw.decode("utf-8", errors="replace")
    complete_until = form.complete_until.data
    if complete_until is not None:
        complete_until = complete_until.replace(tzinfo=get_timezone())
    try:
        listed = support.parse_list(text)
        report = support.settle_from_list(current_user.id, form.provider.data, listed, complete_until,
                                          request.remote_addr or "")
    except ValidationError as error:
        apply_errors(form, error)
        return _page(form, status=422)
    flash(_("Settled from the list: %(reserved)s reserved, %(cancelled)s cancelled, %(failed)s failed; "
            "%(problems)s rows need a look.", reserved=len(report.reserved), cancelled=len(report.cancelled),
            failed=len(report.failed), problems=len(report.problems)), "success" if not report.problems else "info")
    if report.problems:
        return _page(form, report)
    return see_other(url_for("support.index"))

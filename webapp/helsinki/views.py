"""Helsinki street parking: start (with a live price preview), the session page, extend, stop, cancel."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, Flask, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from webapp.accounts import vehicles
from webapp.bookings.operations import new_idempotency_key
from webapp.core.clock import HELSINKI, utcnow
from webapp.core.errors import ConflictError, ValidationError
from webapp.helsinki import areas as helsinki_areas
from webapp.helsinki import parkings as parking
from webapp.helsinki.forms import ExtendParkingForm, SessionActionForm, StartParkingForm
from webapp.web.access import restored_form
from webapp.web.form_errors import apply_errors
from webapp.web.hypermedia import is_htmx, page_or_block, see_other
from webapp.web.locale import current_language, money, when

bp = Blueprint("parkings", __name__, url_prefix="/parking")


@bp.before_request
def _only_own_parkings():
    """Every ``/<ref>`` route answers 404 for another driver's parking, before any form is read."""
    ref = (request.view_args or {}).get("ref")
    if ref is not None and current_user.is_authenticated:
        parking.ensure_own_parking(current_user.id, ref)


def init_app(app: Flask) -> None:
    """The active-session banner on every page (amounts and durations: ``web.locale`` filters)."""
    app.context_processor(lambda: {"banner_sessions": _banner_sessions})


def _banner_sessions() -> tuple[list, datetime | None]:
    """The signed-in driver's running street parkings and the time the banner counts from, read when the
    layout shows the banner: a part of a page rendered alone (a kept chart, a block for htmx) reads nothing,
    where a context processor read them again for every template a request rendered."""
    if not current_user.is_authenticated:
        return [], None
    return parking.active_parkings(current_user.id), utcnow()


def _local(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=HELSINKI) if value is not None and value.tzinfo is None else value


def _requested_end(form: StartParkingForm, now: datetime) -> datetime | None:
    """The end the form asks for: a duration from now, or the picked local time."""
    if form.duration.data == "custom":
        return _local(form.end_at.data)
    try:
        return now + timedelta(minutes=int(form.duration.data or 0))
    except ValueError:
        return None


def _start_form(area_id: str, formdata=None) -> tuple[StartParkingForm, object, list]:
    area = helsinki_areas.get_area(area_id)
    own = vehicles.list_vehicles(current_user.id) if current_user.is_authenticated else []  # a guest looks
    if formdata is None and own:  # the form the driver filled in as a guest, back after the login
        formdata = restored_form("parkings.begin")
    form = StartParkingForm(formdata=formdata)
    form.set_choices(own, area.max_time_in_minutes)
    if formdata is None:
        form.idempotency_key.data = new_idempotency_key()
        # "Other end time" starts at the default duration's end, so choosing it shows a price, not an error
        form.end_at.data = _field_time(utcnow() + timedelta(minutes=int(form.duration.data)
                                                             if form.duration.data.isdigit() else 60))
        if own:
            form.vehicle_id.data = own[0].id
    return form, area, own


def _field_time(value: datetime) -> datetime:
    """An instant as a ``datetime-local`` value: Helsinki wall-clock time, rounded up to the next 5 minutes."""
    local = value.astimezone(HELSINKI).replace(tzinfo=None, second=0, microsecond=0)
    return local + timedelta(minutes=-local.minute % 5 or (5 if value.second or value.microsecond else 0))


def _render_start(form, area, own, quote=None, status=200, block=None, conflicts=()):
    language = current_language()
    return page_or_block(
        "parkings/start.html", block, ("price_preview",), status=status, form=form, area=area, vehicles=own,
        tariffs=helsinki_areas.area_tariffs(area), day_type_words=helsinki_areas.day_type_words,
        quote=quote, language=language, conflicts=conflicts,
        preview_fragment=block is not None and is_htmx(),
    )


def _quote_for(form, area, submitted: bool = False):
    """The price of the stay the form asks for, or None with the reason on the end-time field.

    A field that already has its message gets no second one; an empty "Other end time" is only
    an error once the form is submitted (while choosing, the price box just asks for a time).
    """
    if form.end_at.errors or form.duration.errors:
        return None
    now = utcnow()
    end = _requested_end(form, now)
    if end is None:
        if submitted:
            form.end_at.errors = [_("Choose when the parking ends.")]
        return None
    try:
        return parking.preview_start(area.area_id, end, now)
    except ValidationError as error:
        apply_errors(form, error)
        return None


@bp.get("/areas/<area_id>")
def start(area_id: str):
    form, area, own = _start_form(area_id)
    return _render_start(form, area, own, quote=_quote_for(form, area))


@bp.get("/areas/<area_id>/quote")
def quote(area_id: str):
    """The price preview as the driver changes the end time (htmx block, or the whole page)."""
    form, area, own = _start_form(area_id, formdata=request.args)
    form.idempotency_key.data = request.args.get("idempotency_key", "")
    price = _quote_for(form, area)
    status = 200 if price or not (form.end_at.errors or form.duration.errors) else 422
    return _render_start(form, area, own, quote=price, status=status, block="price_preview")


@bp.post("/areas/<area_id>")
@login_required
def begin(area_id: str):
    form, area, own = _start_form(area_id, formdata=request.form)
    if form.validate_on_submit():
        try:
            booking = parking.start_parking(
                current_user.id, area.area_id, form.vehicle_id.data, _requested_end(form, utcnow()),
                form.idempotency_key.data, contact_email=current_user.email,
                contact_phone=current_user.phone or None, language=current_language(),
                confirm_overlap=form.confirm_overlap.data)
        except ValidationError as error:
            apply_errors(form, error)
            if "idempotency_key" in error.errors:
                form.idempotency_key.data = new_idempotency_key()  # the reloaded form can be sent again
        except parking.PlateConflictError as error:
            # nothing was sent: show the other bookings, and ask before parking again
            return _render_start(form, area, own, quote=_quote_for(form, area, submitted=True), status=409,
                                 conflicts=error.others)
        except parking.ProviderFailedError as error:
            form.form_errors.append(error.message)
        else:
            if not booking.status.settled:
                flash(_("We are still waiting for the city to confirm this parking. Check again in a moment."),
                      "warning")
            elif booking.status == "active":
                flash(_("Parking started. Reference %(ref)s.", ref=booking.public_ref), "success")
            return redirect(url_for("parkings.session", ref=booking.public_ref), code=303)
    price = _quote_for(form, area, submitted=True) if not form.form_errors else None
    return _render_start(form, area, own, quote=price, status=422)


def _render_session(ref: str, extend_form=None, status=200, preview=None, block=None, asked=None):
    """The session page, or one of its blocks for htmx (an extension preview also refreshes the
    end time's message beside its field).

    ``asked`` is what a notification's action opened the page for: ``"extend"`` shows the extend form's
    default (one hour more) already priced, ``"stop"`` a box that asks before stopping. Nothing is sent.
    """
    view = parking.session_view(current_user.id, ref)
    booking = view.booking
    if extend_form is None:
        extend_form = ExtendParkingForm(formdata=None, version=booking.version,
                                        end_at=(booking.ends_at + timedelta(hours=1)).astimezone(HELSINKI)
                                        .replace(tzinfo=None, second=0, microsecond=0))
        if asked == "extend" and view.is_running and preview is None:
            try:
                preview = parking.preview_extension(current_user.id, ref, _local(extend_form.end_at.data))
            except ValidationError as error:  # one hour more is past the area's longest stay: said at the field
                apply_errors(extend_form, error)
            except ConflictError:  # it ended in between: the page says it no longer runs
                pass
    return page_or_block("parkings/session.html", block, ("session_status", "extension_preview"), status=status,
                         view=view, booking=booking, extend_form=extend_form, preview=preview, asked=asked,
                         action_form=SessionActionForm(formdata=None, version=booking.version), now=utcnow(),
                         preview_fragment=block == "extension_preview" and is_htmx())


def _asked_action() -> str | None:
    """What a push notification's action opened a session page for: ``?extend=1`` or ``?stop=confirm``."""
    if request.args.get("stop") == "confirm":
        return "stop"
    if request.args.get("extend") == "1":
        return "extend"
    return None


@bp.get("/<ref>")
@login_required
def session(ref: str):
    block = "session_status" if request.headers.get("HX-Target") == "session-status" else None
    return _render_session(ref, block=block, asked=_asked_action() if block is None else None)


@bp.get("/<ref>/extend/quote")
@login_required
def extension_quote(ref: str):
    form = ExtendParkingForm(formdata=request.args, meta={"csrf": False})
    preview = None
    if form.validate():
        try:
            preview = parking.preview_extension(current_user.id, ref, _local(form.end_at.data))
        except ValidationError as error:
            apply_errors(form, error)
    return _render_session(ref, extend_form=form, preview=preview, status=200 if preview else 422,
                           block="extension_preview")


@bp.post("/<ref>/extend")
@login_required
def extend(ref: str):
    form = ExtendParkingForm()
    if form.validate_on_submit():
        try:
            booking = parking.extend_parking(current_user.id, ref, _local(form.end_at.data), form.version.data,
                                             language=current_language())
        except ValidationError as error:
            apply_errors(form, error)
        except (ConflictError, parking.ProviderFailedError) as error:
            flash(error.message, "error")
            return see_other(url_for("parkings.session", ref=ref))
        else:
            flash(_("Parking extended until %(end)s.", end=when(booking.ends_at)), "success")
            return see_other(url_for("parkings.session", ref=ref))
    return _render_session(ref, extend_form=form, status=422)


@bp.post("/<ref>/stop")
@login_required
def stop(ref: str):
    return _session_action(ref, parking.stop_parking, _("Parking stopped. You paid %(amount)s."))


@bp.post("/<ref>/cancel")
@login_required
def cancel(ref: str):
    return _session_action(ref, parking.cancel_parking, _("Parking cancelled. Nothing is charged."))


@bp.post("/<ref>/check")
@login_required
def check(ref: str):
    booking = parking.reconcile_parking(current_user.id, ref)
    if not booking.status.settled:
        flash(_("The city has not confirmed this parking yet. Please check again in a moment."), "warning")
    return redirect(url_for("parkings.session", ref=ref), code=303)


def _session_action(ref: str, action, success_message: str):
    form = SessionActionForm()
    if not form.validate_on_submit():
        flash(_("Reload the page and try again."), "error")
        return see_other(url_for("parkings.session", ref=ref))
    try:
        booking = action(current_user.id, ref, form.version.data, language=current_language())
    except (ConflictError, parking.ProviderFailedError) as error:
        flash(error.message, "error")
    else:
        flash(success_message % {"amount": money(booking.amount, booking.currency)}, "success")
    return see_other(url_for("parkings.session", ref=ref))

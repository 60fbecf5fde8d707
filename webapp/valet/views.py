"""Airport valet with 247Parking: book (live price), the reservation page, change, cancel, the voucher.

Every page works without JavaScript; with htmx the price (and the rule
messages beside the options, swapped out-of-band) follow the form as it changes.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Blueprint, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from webapp.accounts import vehicles
from webapp.bookings.operations import new_idempotency_key
from webapp.core.clock import AMSTERDAM, utcnow
from webapp.core.errors import ConflictError, ValidationError
from webapp.valet import reservations, texts
from webapp.valet.adapter import LOCATION_ADDRESSES
from webapp.valet.forms import RULE_FIELDS, BookValetForm, CancelValetForm, ChangeValetForm, wash_level
from webapp.valet.pricing import ValetChoice, services_at
from webapp.valet.voucher import qr_svg
from webapp.web.access import restored_form
from webapp.web.form_errors import apply_errors
from webapp.web.hypermedia import is_htmx, page_or_block, see_other
from webapp.web.locale import money, when

bp = Blueprint("valet", __name__, url_prefix="/valet")


@bp.app_template_filter("amsterdam")
def amsterdam_time(value: datetime) -> str:
    """A time as the traveller typed it and 247Parking reads it: Amsterdam local time, date and minutes,
    in the one date-and-time format of the page's language (``web.locale.when``)."""
    return when(value, AMSTERDAM)


def _local(value: datetime | None) -> datetime | None:
    """A time typed on the form is Amsterdam time."""
    return value.replace(tzinfo=AMSTERDAM) if value is not None and value.tzinfo is None else value


def _as_field(value: datetime) -> datetime:
    return value.astimezone(AMSTERDAM).replace(tzinfo=None, second=0, microsecond=0)


def _book_form(formdata=None) -> tuple[BookValetForm, list]:
    own = vehicles.list_vehicles(current_user.id) if current_user.is_authenticated else []  # a guest looks
    if formdata is None and own:  # the form the traveller filled in as a guest, back after the login
        formdata = restored_form("valet.submit")
    form = BookValetForm(formdata=formdata)
    form.set_vehicles(own)
    if formdata is None:
        tomorrow = (utcnow().astimezone(AMSTERDAM) + timedelta(days=1)).date()
        form.drop_off.data = datetime.combine(tomorrow, time(8, 0))
        form.arrival.data = datetime.combine(tomorrow + timedelta(days=7), time(18, 0))
        form.idempotency_key.data = new_idempotency_key()
    if formdata is None and current_user.is_authenticated:
        first, _sep, last = (current_user.name or "").partition(" ")
        form.first_name.data, form.last_name.data = first, last
        form.email.data, form.mobile.data = current_user.email, current_user.phone
        if own:
            form.vehicle_id.data = own[0].id
            # "make, type and colour" is what 247Parking's staff look for; a nickname ("Family car") is not
            # that, so the field starts empty rather than sending the nickname to 247Parking
    return form, own


def _choice(form: BookValetForm) -> ValetChoice | None:
    """The form's choices, or None while a time is missing (each field says why)."""
    drop_off, arrival = _local(form.drop_off.data), _local(form.arrival.data)
    if drop_off is None or arrival is None:
        return None
    return ValetChoice(location=form.location.data or "", service=form.service.data or "", drop_off=drop_off,
                       arrival=arrival, persons=form.persons.data or 0, payment=form.payment.data or "",
                       indoor=bool(form.indoor.data), wash=wash_level(form.wash.data), leather=bool(form.leather.data),
                       insurance=bool(form.insurance.data), discount_code=(form.discount_code.data or "").strip(),
                       departure_flight=(form.departure_flight.data or "").strip(),
                       arrival_flight=(form.arrival_flight.data or "").strip())


def _price(form: BookValetForm):
    """The quote of the form's choices; rule messages go onto their fields."""
    choice = _choice(form)
    if choice is None:
        return None
    try:
        return reservations.quote_valet(choice)
    except ValidationError as error:
        apply_errors(form, error)
        return None


def _render_book(form, own, price, status=200, block=None, conflicts=()):
    return page_or_block("valet/book.html", block, ("price_quote",), status=status, form=form, vehicles=own,
                         price=price, conflicts=conflicts, texts=texts, rule_fields=RULE_FIELDS,
                         services_here=services_at(form.location.data or ""), oob=is_htmx())


@bp.get("/")
def book():
    form, own = _book_form()
    return _render_book(form, own, _price(form))


@bp.get("/quote")
def quote():
    """The live price as the options change (htmx block with the rule messages, or the whole page)."""
    form, own = _book_form(formdata=request.args)
    form.idempotency_key.data = request.args.get("idempotency_key", "")
    for name in ("drop_off", "arrival"):
        getattr(form, name).validate(form)  # a missing or malformed time says so beside the field
    price = _price(form)
    return _render_book(form, own, price, status=200 if price else 422, block="price_quote")


@bp.post("/")
@login_required
def submit():
    form, own = _book_form(formdata=request.form)
    if form.validate_on_submit():
        choice = _choice(form)
        valet_request = reservations.ValetRequest(
            choice=choice, vehicle_id=form.vehicle_id.data, car=(form.car.data or "").strip(),
            hand_luggage=bool(form.hand_luggage.data), keep_keys=bool(form.keep_keys.data),
            remarks=(form.remarks.data or "").strip(), project_reference=(form.project_reference.data or "").strip(),
            first_name=(form.first_name.data or "").strip(), last_name=(form.last_name.data or "").strip(),
            email=(form.email.data or "").strip(), mobile=(form.mobile.data or "").strip())
        try:
            booking = reservations.book_valet(current_user.id, valet_request, form.idempotency_key.data,
                                              confirm_overlap=form.confirm_overlap.data)
        except ValidationError as error:
            apply_errors(form, error)
            # a refusal failed that booking: the corrected form must be able to book again
            form.idempotency_key.data = new_idempotency_key()
        except reservations.PlateConflictError as error:
            return _render_book(form, own, _price(form), status=409, conflicts=error.others)
        except reservations.ProviderFailedError as error:
            form.form_errors.append(error.message)
            form.idempotency_key.data = new_idempotency_key()
        else:
            if booking.status == "reserved":
                flash(_("Reserved with 247Parking. Reservation number %(number)s.", number=booking.provider_ref),
                      "success")
            elif not booking.status.settled:
                flash(_("247Parking did not answer in time. Your reservation may exist: we never send it twice, "
                        "and our support team will confirm it. Please do not book again."), "warning")
            return see_other(url_for("valet.reservation", ref=booking.public_ref))
    return _render_book(form, own, _price(form) if not form.form_errors else None, status=422)


def _render_reservation(ref: str, change_form=None, preview=None, status=200, block=None):
    view = reservations.reservation_view(current_user.id, ref)
    detail = view.detail
    if change_form is None:
        change_form = ChangeValetForm(formdata=None, version=view.booking.version, drop_off=_as_field(detail.drop_off),
                                      arrival=_as_field(detail.arrival), departure_flight=detail.departure_flight,
                                      arrival_flight=detail.arrival_flight, wash=str(detail.wash),
                                      leather=detail.leather)
    return page_or_block("valet/reservation.html", block, ("change_preview",), status=status, view=view,
                         booking=view.booking, detail=detail, change_form=change_form, preview=preview,
                         cancel_form=CancelValetForm(formdata=None, version=view.booking.version), texts=texts)


def _change(form: ChangeValetForm) -> reservations.ValetChange:
    return reservations.ValetChange(drop_off=_local(form.drop_off.data), arrival=_local(form.arrival.data),
                                    departure_flight=(form.departure_flight.data or "").strip(),
                                    arrival_flight=(form.arrival_flight.data or "").strip(),
                                    wash=wash_level(form.wash.data), leather=bool(form.leather.data))


@bp.get("/<ref>")
@login_required
def reservation(ref: str):
    return _render_reservation(ref)


@bp.get("/<ref>/change/quote")
@login_required
def change_quote(ref: str):
    """The new total and the difference, before anything is sent (htmx block, or the whole page)."""
    form = ChangeValetForm(formdata=request.args, meta={"csrf": False})
    preview = None
    if form.validate():
        try:
            preview = reservations.preview_change(current_user.id, ref, _change(form))
        except ValidationError as error:
            apply_errors(form, error)
        except ConflictError as error:
            form.form_errors.append(error.message)
    return _render_reservation(ref, change_form=form, preview=preview, status=200 if preview else 422,
                               block="change_preview")


@bp.post("/<ref>/change")
@login_required
def change(ref: str):
    form = ChangeValetForm()
    if form.validate_on_submit():
        try:
            booking = reservations.change_valet(current_user.id, ref, _change(form), form.version.data)
        except ValidationError as error:
            apply_errors(form, error)
        except (ConflictError, reservations.ProviderFailedError) as error:
            flash(error.message, "error")
            return see_other(url_for("valet.reservation", ref=ref))
        else:
            flash(_("Reservation changed. New total %(total)s.", total=money(booking.amount, booking.currency)),
                  "success")
            return see_other(url_for("valet.reservation", ref=ref))
    return _render_reservation(ref, change_form=form, status=422)


@bp.post("/<ref>/cancel")
@login_required
def cancel(ref: str):
    reservations.ensure_own_reservation(current_user.id, ref)  # another's reference is a 404, whatever was posted
    form = CancelValetForm()
    if not form.validate_on_submit():
        flash(_("Reload the page and try again."), "error")
        return see_other(url_for("valet.reservation", ref=ref))
    try:
        reservations.cancel_valet(current_user.id, ref, form.version.data)
    except (ConflictError, reservations.ProviderFailedError) as error:
        flash(error.message, "error")
    else:
        flash(_("Reservation cancelled with 247Parking."), "success")
    return see_other(url_for("valet.reservation", ref=ref))


@bp.get("/<ref>/voucher")
@login_required
def voucher(ref: str):
    """Our printable voucher: the reservation number as text and as a QR code."""
    view = reservations.reservation_view(current_user.id, ref)
    qr = qr_svg(view.booking.provider_ref) if view.booking.provider_ref else None
    sent = view.detail.sent or {}
    # the name the reservation is under, as 247Parking has it (the body we sent: seed 004 klant_voornaam,
    # klant_achternaam), and where the car is handed over
    customer = " ".join(part for part in (sent.get("klant_voornaam"), sent.get("klant_achternaam")) if part)
    meeting = LOCATION_ADDRESSES.get(view.detail.location)
    return page_or_block("valet/voucher.html", None, status=200 if qr else 404, view=view, booking=view.booking,
                         detail=view.detail, qr=qr, texts=texts, customer=customer,
                         meeting_address=meeting[1] if meeting else ())

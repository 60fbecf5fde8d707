"""Rent-car pages: search → results → detail/reserve → confirmation → manage (change, extras, cancel)."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from webapp.bookings.operations import PlateConflictError, new_idempotency_key
from webapp.core.clock import SEOUL
from webapp.core.errors import ConflictError, NotFoundError, ValidationError
from webapp.rentcar import glossary, rentals, search_texts
from webapp.rentcar.forms import (
    CancelForm,
    ChangeForm,
    CheckForm,
    ConfirmChangeForm,
    ExtraForm,
    ReserveForm,
    SearchForm,
)
from webapp.rentcar.pricing import SORTS, Filters
from webapp.web.access import admin_required, restored_form, signed_in_user_id
from webapp.web.form_errors import apply_errors
from webapp.web.hypermedia import page_or_block, see_other
from webapp.web.locale import when

bp = Blueprint("rentals", __name__, url_prefix="/rentals")

@bp.before_request
def _only_own_rentals():
    """Every ``/<ref>`` route answers 404 for another driver's booking, before any form is read."""
    ref = (request.view_args or {}).get("ref")
    if ref is not None and current_user.is_authenticated:
        rentals.ensure_own_rental(current_user.id, ref)


@bp.context_processor
def _labels():
    return {"fuels": rentals.FUELS, "transmissions": rentals.TRANSMISSIONS,
            "company_names": rentals.COMPANY_ROMANISED, "model_names": rentals.ROMANISED, "glossary": glossary}


@bp.app_template_filter("kst")
def kst(value: datetime | None, fmt: str = "short") -> str:
    """An aware time in Korean time (the companies' clock), in the one date-and-time format of the
    page's language (``web.locale.when``); ``fmt`` is kept for the templates that name one."""
    return "" if value is None else when(value, SEOUL)


@bp.app_template_filter("kst_input")
def kst_input(value: datetime) -> str:
    """An aware time as a ``datetime-local`` value in Korean time."""
    return f"{value.astimezone(SEOUL):%Y-%m-%dT%H:%M}"


def _korean(value: datetime | None) -> datetime | None:
    """A date-time field's naive value, read as Korean wall-clock time."""
    return value.replace(tzinfo=SEOUL) if value is not None and value.tzinfo is None else value


def _parse_time(text: str | None) -> datetime | None:
    for fmt in ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(text or "", fmt).replace(tzinfo=SEOUL)
        except ValueError:
            continue
    return None


def _search_form(formdata, companies) -> SearchForm:
    form = SearchForm(formdata=formdata)
    form.company.choices = [SelectChoice("", _("Any company"))] + [
        SelectChoice(c.agency_code, f"{c.name} · {rentals.COMPANY_ROMANISED.get(c.agency_code, c.agency_code)}")
        for c in companies]
    if form.company.data and form.company.data not in {c.value for c in form.company.choices}:
        form.company.choices.append(SelectChoice(form.company.data, form.company.data))
    form.fuel.choices = [SelectChoice(key, str(label)) for key, label in rentals.FUELS.items()]
    form.transmission.choices = [SelectChoice("", _("Any"))] + [
        SelectChoice(k, str(v)) for k, v in rentals.TRANSMISSIONS.items()]
    form.sort.choices = [SelectChoice("price", _("Lowest price")), SelectChoice("seats", _("Most seats")),
                         SelectChoice("newest", _("Newest model"))]
    return form


@bp.get("/")
def search():
    """The search form; once sent, the results grouped by model, cheapest company first (or what is missing)."""
    if "start" not in request.args and "end" not in request.args:  # not sent yet: a sent form carries both
        try:
            companies = rentals.linked_company_list(signed_in_user_id())
        except rentals.ProviderFailedError as error:
            flash(error.message, "error")
            companies = []
        return page_or_block("rentals/search.html", None, form=_search_form(None, companies), result=None,
                             change_ref=None)
    form = _search_form(request.args, [])
    form.validate()
    criteria = rentals.SearchCriteria(
        start=_korean(form.start.data), end=_korean(form.end.data),
        filters=Filters(fuels=frozenset(form.fuel.data or ()), min_seats=form.seats.data,
                        transmission=form.transmission.data or "", price_min=form.price_min.data,
                        price_max=form.price_max.data,
                        companies=(frozenset([form.company.data]) if form.company.data
                                   else rentals.REGIONS.get(form.region.data or "", frozenset())),
                        insured_only=bool(form.insured.data), driver_age=form.age.data,
                        licence_years=form.licence.data),
        sort=form.sort.data if form.sort.data in SORTS else "price")
    result, status = None, 200
    if form.errors:
        status = 422
    else:
        try:
            result = rentals.search_rentals(signed_in_user_id(), criteria)
        except ValidationError as error:
            apply_errors(form, error)
            status = 422
        except rentals.ProviderFailedError as error:
            form.form_errors.append(error.message)
            status = 502
    companies = result.companies if result else []
    keep = _search_form(request.args, companies)
    keep.validate()
    keep.form_errors.extend(form.form_errors)
    for name, errors in form.errors.items():
        if name in keep._fields and not keep[name].errors:
            keep[name].errors = list(errors)
    change_ref = form.change.data if form.change.data and form.version.data else None
    window = {"start": request.args.get("start"), "end": request.args.get("end")}
    return page_or_block("rentals/search.html", None, status=status, form=keep, result=result, change_ref=change_ref,
                         window=window, texts=search_texts.result_texts(result, window))


def _reserve_form(formdata=None) -> ReserveForm:
    if formdata is None:  # the form the driver filled in as a guest, back after the login
        formdata = restored_form("rentals.reserve")
    form = ReserveForm(formdata=formdata)
    if formdata is None:
        form.idempotency_key.data = new_idempotency_key()
    if formdata is None and current_user.is_authenticated:  # a guest sees the form; booking asks for a login
        form.name.data = current_user.name or ""
        form.phone.data = current_user.phone or ""
        form.email.data = current_user.email
    return form


def _render_detail(quote, form, status=200, conflicts=(), price_changed=False, change_ref=None, version=None,
                   block=None):
    form.cover.choices = [SelectChoice(c.key, c.name) for c in quote.covers]
    form.extras.choices = [SelectChoice(e.gid, e.name) for e in quote.extras]
    car, extras = quote.total_for(form.cover.data or "none", form.extras.data or ())
    selection = {"car": car, "extras": extras, "total": car + extras, "at_counter": form.pay.data == "counter"}
    window = {"start": f"{quote.start.astimezone(SEOUL):%Y-%m-%dT%H:%M}",
              "end": f"{quote.end.astimezone(SEOUL):%Y-%m-%dT%H:%M}"}
    return page_or_block("rentals/detail.html", block, ("price_total",), status=status, quote=quote, form=form,
                         conflicts=conflicts, price_changed=price_changed, window=window, change_ref=change_ref,
                         version=version, selection=selection)


@bp.get("/cars/<code>/<int:mid>")
def detail(code: str, mid: int):
    """The car, every cover side by side, extras, the breakdown and the reserve form."""
    start, end = _parse_time(request.args.get("start")), _parse_time(request.args.get("end"))
    try:
        quote = rentals.quote_rental(signed_in_user_id(), code, mid, start, end)
    except ValidationError as error:
        flash(" ".join(error.errors.values()), "error")
        return see_other(url_for("rentals.search"))
    except (NotFoundError, rentals.ProviderFailedError) as error:
        flash(error.message or _("This car is not available for these dates any more."), "error")
        return see_other(url_for("rentals.search", start=request.args.get("start"), end=request.args.get("end")))
    change_ref, version = request.args.get("change"), request.args.get("version", type=int)
    return _render_detail(quote, _reserve_form(), change_ref=change_ref if version is not None else None,
                          version=version)


@bp.get("/cars/<code>/<int:mid>/total")
def total(code: str, mid: int):
    """The total of the cover and extras ticked so far (htmx block; the whole page without htmx)."""
    start, end = _parse_time(request.args.get("start")), _parse_time(request.args.get("end"))
    try:
        quote = rentals.cached_quote(code, mid, start, end)
    except (ValidationError, NotFoundError, rentals.ProviderFailedError):
        return see_other(url_for("rentals.search"))
    form = ReserveForm(formdata=request.args, meta={"csrf": False})
    return _render_detail(quote, form, block="price_total")


def _int(name: str, default: int = 0) -> int:
    try:
        return int(request.form.get(name, default))
    except (TypeError, ValueError):
        return default


@bp.post("/cars/<code>/<int:mid>")
@login_required
def reserve(code: str, mid: int):
    """Reserve at the fees of the quote on the page (posted with it)."""
    form = _reserve_form(request.form)
    start, end = _parse_time(request.form.get("start")), _parse_time(request.form.get("end"))
    cover = request.form.get("cover", "none")
    gids = tuple(sorted({int(g) for g in request.form.getlist("extras") if g.isdigit()}))
    reserve_request = rentals.ReserveRequest(
        company_code=code, mid=mid, start=start, end=end, cover=cover, extras=gids,
        seen_car_fee=_int(f"car_fee__{cover}"), seen_insurance_fee=_int(f"ins_fee__{cover}"),
        seen_extras_fee=sum(_int(f"extra_fee__{g}") for g in gids),
        extra_names=tuple(request.form.get(f"extra_name__{g}", "")[:60] for g in gids),
        extra_contents=tuple(request.form.get(f"extra_content__{g}", "")[:100] for g in gids),
        extra_fees=tuple(_int(f"extra_fee__{g}") for g in gids),
        model_name=request.form.get("model_name", "")[:80], company_name=request.form.get("company_name", "")[:60],
        min_age=_int("min_age"), name=form.name.data or "", phone=form.phone.data or "", email=form.email.data or "",
        driver_age=form.age.data, pay_at_counter=form.pay.data == "counter", memo=form.memo.data or "",
        cutoff_hours=_int("cutoff_hours", 24), same_day_minutes=_int("same_day_minutes", 0))
    form_ok = form.validate()
    try:
        if not form_ok:
            raise ValidationError({name: " ".join(map(str, errors)) for name, errors in form.errors.items()})
        booking = rentals.reserve_rental(current_user.id, reserve_request, form.idempotency_key.data,
                                         confirm_overlap=bool(form.confirm_overlap.data))
    except ValidationError as error:
        if form_ok:
            apply_errors(form, error)
        return _again(code, mid, start, end, form, 422)
    except PlateConflictError as error:
        return _again(code, mid, start, end, form, 409, conflicts=error.others)
    except rentals.PriceChangedError as error:
        form.idempotency_key.data = new_idempotency_key()
        form.form_errors.append(error.message)
        return _render_detail(error.quote, form, status=409, price_changed=True)
    except rentals.ProviderFailedError as error:
        form.idempotency_key.data = new_idempotency_key()
        form.form_errors.append(error.message)
        return _again(code, mid, start, end, form, 502)
    return see_other(url_for("rentals.rental", ref=booking.public_ref))


def _again(code: str, mid: int, start, end, form: ReserveForm, status: int, **context):
    """The detail page again with the driver's form (the quote comes from the short reuse: no call)."""
    try:
        quote = rentals.cached_quote(code, mid, start, end)
    except (ValidationError, NotFoundError, rentals.ProviderFailedError) as error:
        # the posted window itself is broken (a tampered or stale form): start again from the search
        flash(" ".join(error.errors.values()) if isinstance(error, ValidationError) else error.message, "error")
        return see_other(url_for("rentals.search"))
    return _render_detail(quote, form, status=status, **context)


def _rental_forms(view, change: ChangeForm | None = None):
    booking = view.booking
    change = change or ChangeForm(formdata=None, version=booking.version,
                                  start=booking.starts_at.astimezone(SEOUL).replace(tzinfo=None),
                                  end=booking.ends_at.astimezone(SEOUL).replace(tzinfo=None))
    current = rentals.cover_key(view.rental)
    choices = [SelectChoice(current, _("Keep: %(name)s", name=view.rental.cover_name or _("No damage cover")))]
    for key, label in (("none", _("No damage cover")), ("option1", _("Basic cover (option 1)")),
                       ("option2", _("Full cover (option 2)"))):
        if key != current:
            choices.append(SelectChoice(key, label))
    change.cover.choices = choices
    change.version.data = booking.version
    return {"change_form": change, "cancel_form": CancelForm(formdata=None, version=booking.version),
            "extra_form": ExtraForm(formdata=None, version=booking.version), "check_form": CheckForm(formdata=None)}


@bp.get("/admin/cost")
@admin_required
def admin_cost():
    """What the drivers' actions cost the agency in API calls, per Seoul day and action."""
    return page_or_block("rentals/admin_cost.html", None, rows=rentals.cost_by_day(),
                         cost_action_label=lambda action: str(COST_ACTIONS.get(action, action)))


#: the metered actions (rentals.shared: meter.save) in the admin's language; the stored value never changes
COST_ACTIONS = {"search": _l("Search"), "companies": _l("Company list"), "quote": _l("Car and price"),
                "extras": _l("Extras offered"), "reserve": _l("Reservation"), "change preview": _l("Change preview"),
                "change": _l("Change"), "cancel": _l("Cancellation"), "add extra": _l("Extra added"),
                "remove extra": _l("Extra removed")}


@bp.get("/<ref>")
@login_required
def rental(ref: str):
    """Confirmation and manage page: the company's deadline first, then change, extras, cancel."""
    view = rentals.get_rental(current_user.id, ref)
    return page_or_block("rentals/rental.html", None, view=view, **_rental_forms(view))


@bp.post("/<ref>/change")
@login_required
def change(ref: str):
    """Preview a change of dates or cover: the new price first, nothing sent yet."""
    form = ChangeForm(formdata=request.form)
    try:
        if not form.validate():
            raise ValidationError({name: " ".join(map(str, errors)) for name, errors in form.errors.items()
                                   if name != "cover"} or {"cover": _("Choose a cover.")})
        preview = rentals.preview_change(current_user.id, ref, _korean(form.start.data), _korean(form.end.data),
                                         request.form.get("cover") or None, mid=form.mid.data)
    except ValidationError as error:
        view = rentals.get_rental(current_user.id, ref)
        forms = _rental_forms(view, form)
        apply_errors(form, error)
        return page_or_block("rentals/rental.html", None, status=422, view=view, **forms)
    except (ConflictError, NotFoundError, rentals.ProviderFailedError) as error:
        flash(error.message, "error")
        return see_other(url_for("rentals.rental", ref=ref))
    view = rentals.get_rental(current_user.id, ref)
    confirm = ConfirmChangeForm(formdata=None, start=f"{preview.start.astimezone(SEOUL):%Y-%m-%dT%H:%M}",
                                end=f"{preview.end.astimezone(SEOUL):%Y-%m-%dT%H:%M}", cover=preview.cover,
                                car_fee=preview.car_fee, insurance_fee=preview.insurance_fee,
                                extras_fee=preview.extras_fee, mid=preview.mid, version=form.version.data)
    return page_or_block("rentals/change.html", None, view=view, preview=preview, form=confirm)


@bp.post("/<ref>/change/confirm")
@login_required
def confirm_change(ref: str):
    form = ConfirmChangeForm(formdata=request.form)
    if not form.validate():
        abort(400)
    # each booked extra's previewed fee (extra_fee__<gid>), shown beside it once the company confirms
    extra_fees = {int(name.removeprefix("extra_fee__")): _int(name) for name in request.form
                  if name.startswith("extra_fee__") and name.removeprefix("extra_fee__").isdigit()}
    try:
        rentals.confirm_change(current_user.id, ref, form.version.data, _parse_time(form.start.data),
                               _parse_time(form.end.data), form.cover.data, form.car_fee.data,
                               form.insurance_fee.data, form.extras_fee.data, mid=form.mid.data,
                               extra_fees=extra_fees)
    except (ConflictError, ValidationError, rentals.ProviderFailedError) as error:
        flash(error.message, "error")
        return see_other(url_for("rentals.rental", ref=ref))
    flash(_("Your rental was changed."), "success")
    return see_other(url_for("rentals.rental", ref=ref))


@bp.get("/<ref>/extras")
@login_required
def extras(ref: str):
    view = rentals.get_rental(current_user.id, ref)
    try:
        offered = rentals.rental_extras(current_user.id, ref)
    except rentals.ProviderFailedError as error:
        flash(error.message, "error")
        return see_other(url_for("rentals.rental", ref=ref))
    return page_or_block("rentals/extras.html", None, view=view, offered=offered,
                         form=ExtraForm(formdata=None, version=view.booking.version))


@bp.post("/<ref>/extras/add")
@login_required
def add_extra(ref: str):
    form = ExtraForm(formdata=request.form)
    if not form.validate():
        abort(400)
    try:
        rentals.add_extra(current_user.id, ref, form.version.data, form.gid.data, form.fee.data or 0,
                          form.name.data or "", content=form.content.data or "")
    except (ConflictError, rentals.ProviderFailedError) as error:
        flash(error.message, "error")
        return see_other(url_for("rentals.rental", ref=ref))
    flash(_("The extra was added."), "success")
    return see_other(url_for("rentals.rental", ref=ref))


@bp.post("/<ref>/extras/remove")
@login_required
def remove_extra(ref: str):
    form = ExtraForm(formdata=request.form)
    if not form.validate():
        abort(400)
    try:
        rentals.remove_extra(current_user.id, ref, form.version.data, form.gid.data)
    except (ConflictError, NotFoundError, rentals.ProviderFailedError) as error:
        flash(error.message, "error")
        return see_other(url_for("rentals.rental", ref=ref))
    flash(_("The extra was removed."), "success")
    return see_other(url_for("rentals.rental", ref=ref))


@bp.post("/<ref>/cancel")
@login_required
def cancel(ref: str):
    form = CancelForm(formdata=request.form)
    if not form.validate():
        abort(400)
    try:
        rentals.cancel_rental(current_user.id, ref, form.version.data, form.reason.data or "")
    except ValidationError as error:
        view = rentals.get_rental(current_user.id, ref)
        forms = _rental_forms(view)
        forms["cancel_form"] = form
        apply_errors(form, error)
        return page_or_block("rentals/rental.html", None, status=422, view=view, **forms)
    except (ConflictError, rentals.ProviderFailedError) as error:
        flash(error.message, "error")
        return see_other(url_for("rentals.rental", ref=ref))
    flash(_("Your rental was cancelled."), "success")
    return see_other(url_for("rentals.rental", ref=ref))


@bp.post("/<ref>/check")
@login_required
def check(ref: str):
    """Ask the company again about a rental whose reply was lost."""
    rentals.check_rental(current_user.id, ref)
    return see_other(url_for("rentals.rental", ref=ref))

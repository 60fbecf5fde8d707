"""Car parks (APDS): the list, a place page with live occupancy and a price calculator, and the session pages.

Each view parses input, calls one use case and renders; htmx asks for named blocks
(``place_list``, ``occupancy``, ``price_calc``, ``session_status``, ``extension_preview``)
and every hx-get also works as a plain link or form.
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from babel.dates import get_timezone_location
from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import format_currency, get_locale, get_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from webapp.accounts import vehicles
from webapp.apds import place_list, place_search, places, sessions
from webapp.apds.forms import (
    DURATIONS,
    ExtendSessionForm,
    ParkedHereForm,
    PayRunningForm,
    QuoteForm,
    RegisterPlateForm,
    SessionActionForm,
    StartSessionForm,
)
from webapp.bookings.operations import new_idempotency_key
from webapp.core.clock import format_duration, format_moment, utcnow
from webapp.core.errors import ConflictError, ValidationError
from webapp.web.form_errors import apply_errors
from webapp.web.hypermedia import is_htmx, page_or_block, see_other

bp = Blueprint("apds", __name__, url_prefix="/carparks")

CITIES = ("Manchester", "London")
#: "near …": landmarks a driver knows, searched within NEAR_RADIUS metres (the seed searches 1000 m)
LANDMARKS = {
    "arndale": (_l("Manchester Arndale"), 53.4838, -2.2418),
    "piccadilly": (_l("Manchester Piccadilly station"), 53.4774, -2.2309),
    "deansgate": (_l("Deansgate, Manchester"), 53.4790, -2.2500),
    "trafalgar": (_l("Trafalgar Square, London"), 51.5080, -0.1281),
    "kings-cross": (_l("King's Cross, London"), 51.5308, -0.1238),
}
NEAR_RADIUS = 1000
#: rows a list page shows (the pages move through the rest; a search narrows them down)
LIST_PAGE_SIZE = 25


def _point(lat: str | None, lon: str | None) -> tuple[float, float] | None:
    """"Near a point" (``?lat=&lon=``, e.g. from the map): both finite and on the globe, else no point."""
    try:
        latitude, longitude = float(lat), float(lon)
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(latitude) and math.isfinite(longitude) and -90 <= latitude <= 90
            and -180 <= longitude <= 180):
        return None
    return latitude, longitude


def _price_limit(value: str | None) -> Decimal | None:
    """The list's "up to (price)": a finite amount of zero or more, else no limit (``NaN`` compares with nothing)."""
    try:
        limit = Decimal(value) if value else None
    except InvalidOperation:
        return None
    return limit if limit is not None and limit.is_finite() and limit >= 0 else None


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


@bp.app_template_filter("car_park_time")
def car_park_time(value: datetime | None, zone: ZoneInfo, what: str = "datetime") -> str:
    """An instant in the car park's own time zone, the zone named when it is not the reader's.

    The car parks are in the United Kingdom and the app's readers mostly in Finland:
    "you entered at 13:05" must be the time on the car park's clock, and say so.

    Args:
        zone: the place's zone (``places.place_zone``).
        what: ``"datetime"`` (short date and time) or ``"time"``.
    """
    if value is None:
        return ""
    locale = get_locale() or "en_GB"
    shown = format_moment(value, locale, zone, "time" if what == "time" else "datetime")
    if str(get_timezone()) != zone.key:
        shown = f"{shown} ({get_timezone_location(zone, locale=locale)})"  # CLDR: "United Kingdom Time"
    return shown


@bp.get("/")
def index():
    """The car parks as a list: search, free-space and price filters; the figures refresh by themselves."""
    asked = request.args.get("minutes", "").strip()
    minutes = max(1, min(_int(asked, 180), 24 * 60))
    # a stay outside 1 minute to a day is priced at the nearest one the list can price, and the field says so
    minutes_note = (_("Enter a stay of 1 to 1,440 minutes. The prices below are for %(stay)s.",
                      stay=format_duration(minutes, get_locale() or "en_GB"))
                    if asked and str(minutes) != asked else "")
    city = request.args.get("city", "") if request.args.get("city", "") in CITIES else ""
    max_price = _price_limit(request.args.get("max_price"))
    landmark = LANDMARKS.get(request.args.get("near", ""))
    point = _point(request.args.get("lat"), request.args.get("lon"))
    near = (landmark[1], landmark[2], NEAR_RADIUS) if landmark else (*point, NEAR_RADIUS) if point else None
    now = utcnow()
    found = place_search.search_places(text=request.args.get("q", ""), city=city, minutes=minutes,
                                 free_only=bool(request.args.get("free")), max_price=max_price, near=near,
                                 limit=LIST_PAGE_SIZE, page=min(max(1, _int(request.args.get("page"), 1)), 10**6),
                                 now=now)
    return page_or_block("apds/index.html", "place_list" if request.headers.get("HX-Target") == "place-list" else None,
                         ("place_list",), rows=place_list.list_rows(found, minutes, now), total=found.total,
                         pagination=place_list.pagination(found, request.args), minutes=minutes, city=city,
                         cities=CITIES, landmarks=LANDMARKS, radius=NEAR_RADIUS, args=request.args,
                         minutes_note=minutes_note, point=point if not landmark else None)


def _place_page(place_id: str, *, quote_form=None, start_form=None, register_form=None, here_form=None,
                status=200, block=None, conflicts=(), quote=None, running=None, pay_form=None, searched=False):
    place = places.get_place(place_id)
    own = vehicles.list_vehicles(current_user.id) if current_user.is_authenticated else []
    if quote_form is None:
        quote_form = QuoteForm(formdata=None, meta={"csrf": False})
    if quote is None and quote_form.minutes.data and not quote_form.errors:
        try:
            quote = places.price_minutes(place_id, quote_form.minutes.data)
        except ValidationError as error:
            apply_errors(quote_form, error)
    if start_form is None:
        start_form = StartSessionForm(formdata=None)
        start_form.idempotency_key.data = new_idempotency_key()
    start_form.set_choices(own)
    if start_form.minutes.raw_data is None and quote_form.minutes.data in DURATIONS:
        start_form.minutes.data = str(quote_form.minutes.data)  # the stay priced above, chosen below
    presets = places.preset_prices(place_id, DURATIONS) if block is None and own else {}
    zone = places.place_zone(place)
    if register_form is None:
        register_form = RegisterPlateForm(formdata=None, expires_on=(utcnow() + timedelta(days=30)).astimezone(zone)
                                          .date())
        register_form.idempotency_key.data = new_idempotency_key()
    register_form.set_vehicles(own)
    if here_form is None:
        here_form = ParkedHereForm(formdata=None)
    here_form.set_vehicles(own)
    return page_or_block(
        "apds/place.html", block, ("occupancy", "price_calc"), status=status, place=place,
        availability=places.Availability.of(place), tables=places.readable_rates(place), quote_form=quote_form,
        presets=presets,
        quote=quote, start_form=start_form, register_form=register_form, here_form=here_form, vehicles=own,
        conflicts=conflicts, running=running, pay_form=pay_form, searched=searched, now=utcnow(), zone=zone,
        here=url_for("apds.place", place_id=place.place_id, minutes=request.args.get("minutes") or None))


@bp.get("/<place_id>")
def place(place_id: str):
    """The place page; ``?minutes=`` prices that stay (the address the calculator leaves, see ``quote``)."""
    form = None
    if request.args.get("minutes"):
        form = QuoteForm(formdata=request.args, meta={"csrf": False})
        form.validate()
    return _place_page(place_id, quote_form=form)


@bp.get("/<place_id>/occupancy")
def occupancy(place_id: str):
    """Free spaces now (htmx polls this block; shared short cache behind it)."""
    places.occupancy(place_id)
    return _place_page(place_id, block="occupancy")


@bp.get("/<place_id>/quote")
def quote(place_id: str):
    """"How much for …" (htmx block as the minutes change, or the whole page)."""
    form = QuoteForm(formdata=request.args, meta={"csrf": False})
    price = None
    if form.validate():
        try:
            price = places.price_minutes(place_id, form.minutes.data)
        except ValidationError as error:
            apply_errors(form, error)
    response = _place_page(place_id, quote_form=form, quote=price, status=200 if price else 422, block="price_calc")
    if is_htmx():
        # the address shows the stay priced (a reload, a shared link and the login links keep it)
        response.headers["HX-Replace-Url"] = url_for("apds.place", place_id=place_id,
                                                     minutes=request.args.get("minutes") or None)
    return response


@bp.post("/<place_id>/start")
@login_required
def start(place_id: str):
    form = StartSessionForm()
    form.set_choices(vehicles.list_vehicles(current_user.id))
    if form.validate_on_submit():
        try:
            booking = sessions.start_session(
                current_user.id, place_id, form.vehicle_id.data, _int(form.minutes.data, 0),
                form.idempotency_key.data, contact_email=current_user.email,
                contact_phone=current_user.phone or None, confirm_overlap=form.confirm_overlap.data)
        except ValidationError as error:
            apply_errors(form, error)
            if "idempotency_key" in error.errors:
                form.idempotency_key.data = new_idempotency_key()
        except sessions.PlateConflictError as error:
            return _place_page(place_id, start_form=form, status=409, conflicts=error.others)
        except sessions.ProviderFailedError as error:
            form.form_errors.append(error.message)
        else:
            if not booking.status.settled:
                flash(_("We are still waiting for the car park to confirm this session. Check again in a moment."),
                      "warning")
            elif booking.status == "active":
                flash(_("Parking started. Reference %(ref)s.", ref=booking.public_ref), "success")
            return redirect(url_for("apds.session", ref=booking.public_ref), code=303)
    return _place_page(place_id, start_form=form, status=422)


def _end_of_day(day: date, zone: ZoneInfo) -> datetime:
    """The last second of ``day`` on the car park's clock (a registration "until" a day)."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=zone)


@bp.post("/<place_id>/register")
@login_required
def register(place_id: str):
    """Ticketless: register a plate at the car park (an assigned right) until the chosen day."""
    form = RegisterPlateForm()
    form.set_vehicles(vehicles.list_vehicles(current_user.id))
    if form.validate_on_submit():
        try:
            booking = sessions.register_plate(
                current_user.id, place_id, form.vehicle_id.data,
                _end_of_day(form.expires_on.data, places.zone_of(place_id)),
                form.idempotency_key.data, contact_email=current_user.email,
                contact_phone=current_user.phone or None, confirm_overlap=form.confirm_overlap.data)
        except ValidationError as error:
            apply_errors(form, error)
            if "idempotency_key" in error.errors:
                form.idempotency_key.data = new_idempotency_key()
        except sessions.PlateConflictError as error:
            return _place_page(place_id, register_form=form, status=409, conflicts=error.others)
        except sessions.ProviderFailedError as error:
            form.form_errors.append(error.message)
        else:
            if booking.status == "active":
                flash(_("Plate registered. Drive in: the barrier reads your plate."), "success")
            return redirect(url_for("apds.session", ref=booking.public_ref), code=303)
    return _place_page(place_id, register_form=form, status=422)


@bp.post("/<place_id>/parked-here")
@login_required
def parked_here(place_id: str):
    """"I'm parked here": look up the running session of my plate at this car park."""
    form = ParkedHereForm()
    form.set_vehicles(vehicles.list_vehicles(current_user.id))
    running = pay_form = None
    if form.validate_on_submit():
        try:
            running = sessions.find_running(current_user.id, place_id, form.vehicle_id.data)
        except ValidationError as error:
            apply_errors(form, error)
        except sessions.ProviderFailedError as error:
            form.form_errors.append(error.message)
        if running is not None and running.registration_ref is None:
            pay_form = PayRunningForm(formdata=None, vehicle_id=form.vehicle_id.data, session_id=running.session_id,
                                      idempotency_key=new_idempotency_key())
    return _place_page(place_id, here_form=form, running=running, pay_form=pay_form, searched=True,
                       status=200 if not form.errors else 422)


@bp.post("/<place_id>/pay")
@login_required
def pay(place_id: str):
    form = PayRunningForm()
    if form.validate_on_submit():
        try:
            booking = sessions.pay_running(current_user.id, place_id, form.vehicle_id.data, form.session_id.data,
                                           form.idempotency_key.data, contact_email=current_user.email,
                                           confirm_overlap=form.confirm_overlap.data)
        except sessions.PlateConflictError as error:
            # the stay may be paid already (a pay-by-phone session here): shown before anything is paid
            running = sessions.find_running(current_user.id, place_id, form.vehicle_id.data)
            if running is not None and running.session_id == form.session_id.data:
                return _place_page(place_id, status=409, conflicts=error.others, running=running, pay_form=form,
                                   searched=True)
            flash(error.message, "warning")
        except (ValidationError, sessions.ProviderFailedError) as error:
            flash(getattr(error, "message", None) or _("The session could not be paid. Try again."), "error")
        else:
            flash(_("Paid %(amount)s.", amount=format_currency(booking.amount, booking.currency)), "success")
            return redirect(url_for("apds.session", ref=booking.public_ref), code=303)
    return see_other(url_for("apds.place", place_id=place_id))


def _render_session(ref: str, extend_form=None, status=200, preview=None, block=None, oob=False, asked=None):
    """The session page, or one of its blocks for htmx.

    ``asked`` is what a notification's action opened the page for: ``"extend"`` shows the extend form's
    default (30 minutes more) already priced, ``"stop"`` a box that asks before stopping. Nothing is sent.
    """
    view = sessions.session_view(current_user.id, ref)
    booking = view.booking
    if extend_form is None:
        extend_form = ExtendSessionForm(formdata=None, version=booking.version)
        if asked == "extend" and view.is_running and preview is None:
            try:
                preview = sessions.preview_extension(current_user.id, ref, _int(extend_form.minutes.data, 0))
            except ValidationError as error:  # past the longest stay the car park sells: said in the preview
                apply_errors(extend_form, error)
            except ConflictError:  # it ended in between: the page says it no longer runs
                pass
    extend_form.set_choices()
    return page_or_block("apds/session.html", block, ("session_status", "extension_preview"), status=status,
                         view=view, booking=booking, detail=view.detail, extend_form=extend_form, preview=preview,
                         action_form=SessionActionForm(formdata=None, version=booking.version), now=utcnow(),
                         oob=oob, asked=asked)


def _asked_action() -> str | None:
    """What a push notification's action opened the session page for: ``?extend=1`` or ``?stop=confirm``."""
    if request.args.get("stop") == "confirm":
        return "stop"
    if request.args.get("extend") == "1":
        return "extend"
    return None


@bp.get("/sessions/<ref>")
@login_required
def session(ref: str):
    block = "session_status" if request.headers.get("HX-Target") == "session-status" else None
    return _render_session(ref, block=block, oob=block is not None, asked=_asked_action() if block is None else None)


@bp.get("/sessions/<ref>/extend/quote")
@login_required
def extension_quote(ref: str):
    form = ExtendSessionForm(formdata=request.args, meta={"csrf": False})
    form.set_choices()
    preview = None
    if form.validate():
        try:
            preview = sessions.preview_extension(current_user.id, ref, _int(form.minutes.data, 0))
        except ValidationError as error:
            apply_errors(form, error)
        except ConflictError as error:
            form.form_errors.append(error.message)
    return _render_session(ref, extend_form=form, preview=preview, status=200 if preview else 422,
                           block="extension_preview")


@bp.post("/sessions/<ref>/extend")
@login_required
def extend(ref: str):
    sessions.require_session(current_user.id, ref)  # another driver's reference is a 404, form or no form
    form = ExtendSessionForm()
    form.set_choices()
    if form.validate_on_submit():
        try:
            sessions.extend_session(current_user.id, ref, _int(form.minutes.data, 0), form.version.data)
        except ValidationError as error:
            apply_errors(form, error)
        except (ConflictError, sessions.ProviderFailedError) as error:
            flash(error.message, "error")
            return see_other(url_for("apds.session", ref=ref))
        else:
            flash(_("Session extended."), "success")
            return see_other(url_for("apds.session", ref=ref))
    return _render_session(ref, extend_form=form, status=422)


@bp.post("/sessions/<ref>/stop")
@login_required
def stop(ref: str):
    sessions.require_session(current_user.id, ref)
    form = SessionActionForm()
    if not form.validate_on_submit():
        flash(_("Reload the page and try again."), "error")
        return see_other(url_for("apds.session", ref=ref))
    try:
        booking = sessions.stop_session(current_user.id, ref, form.version.data)
    except (ConflictError, sessions.ProviderFailedError) as error:
        flash(error.message, "error")
    else:
        flash(_("Parking stopped. You paid %(amount)s.", amount=format_currency(booking.amount, booking.currency)),
              "success")
    return see_other(url_for("apds.session", ref=ref))


@bp.post("/sessions/<ref>/check")
@login_required
def check(ref: str):
    booking = sessions.reconcile_session(current_user.id, ref)
    if not booking.status.settled:
        flash(_("The car park has not confirmed this yet. Please check again in a moment."), "warning")
    return redirect(url_for("apds.session", ref=ref), code=303)

"""The operators' console for admins (``/admin/carparks/operators``): drive the embedded platform's cars.

What the car parks' cameras do, by hand: a plate enters or leaves a car park, and the
platform notifies us at once — the demo of flow 3 without a terminal (the same as
``flask --app app apds operator enter|leave``). Admins only; with a real platform the
page says there is nothing to drive.
"""

from __future__ import annotations

from flask import Blueprint, flash, render_template, request, url_for
from flask_babel import gettext as _

from webapp.apds import operator_side, places
from webapp.apds.forms import OperatorMoveForm
from webapp.apds.jobs import deliver_platform_events_soon
from webapp.core.errors import ValidationError
from webapp.web.access import admin_required
from webapp.web.form_errors import apply_errors
from webapp.web.hypermedia import see_other

bp = Blueprint("apds_operators", __name__, url_prefix="/admin/carparks")


def _page(form: OperatorMoveForm, status: int = 200):
    known = places.list_places()
    form.set_places(known)
    try:
        inside, available = operator_side.cars_inside(), True
    except operator_side.OperatorSideUnavailableError:
        inside, available = [], False
    names = {p.place_id: p.name for p in known}
    return render_template("apds/operators.html", form=form, inside=inside, names=names, available=available,
                           zones={p.place_id: places.place_zone(p) for p in known}), status


@bp.get("/operators")
@admin_required
def console():
    return _page(OperatorMoveForm(formdata=None, place=request.args.get("place")))  # the car park of the last move


@bp.post("/operators")
@admin_required
def move():
    form = OperatorMoveForm()
    form.set_places(places.list_places())
    if form.validate_on_submit():
        try:
            done = operator_side.drive_car(form.action.data, form.place.data, form.plate.data, deliver=False)
        except ValidationError as refused:
            apply_errors(form, refused)
        except operator_side.OperatorSideUnavailableError as error:
            form.form_errors.append(error.message)
        else:
            # the platform's backlog goes out through the job runner: hundreds of events sent inside this
            # request once kept the admin waiting for a minute (past gunicorn's timeout)
            deliver_platform_events_soon()
            flash(_("The camera read %(plate)s: session %(session)s. The platform's events are on their way.",
                    plate=form.plate.data, session=done.session_id), "success")
            return see_other(url_for("apds_operators.console", place=form.place.data))
    return _page(form, status=422)

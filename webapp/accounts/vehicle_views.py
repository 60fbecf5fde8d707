"""A driver's vehicles."""

from __future__ import annotations

from flask import Blueprint, flash, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from webapp.accounts import vehicles
from webapp.accounts.vehicle_forms import VehicleEditForm, VehicleForm
from webapp.core.errors import ValidationError
from webapp.web.form_errors import apply_errors
from webapp.web.hypermedia import page_or_block, see_other

bp = Blueprint("vehicles", __name__, url_prefix="/vehicles")


def _index(form: VehicleForm, status: int = 200):
    return page_or_block("vehicles/index.html", "vehicle_form", ("vehicle_form",), status=status, form=form,
                         vehicles=vehicles.list_vehicles(current_user.id))


@bp.get("")
@login_required
def index():
    return _index(VehicleForm(formdata=None))


@bp.post("")
@login_required
def add():
    form = VehicleForm()
    if form.validate_on_submit():
        try:
            vehicle = vehicles.add_vehicle(current_user.id, form.country.data, form.plate.data,
                                           form.nickname.data or "", bool(form.make_default.data))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(_("Vehicle %(plate)s added.", plate=vehicle.plate), "success")
            return see_other(url_for("vehicles.index"))
    return _index(form, status=422)


@bp.route("/<int:vehicle_id>/edit", methods=["GET", "POST"])
@login_required
def edit(vehicle_id: int):
    vehicle = vehicles.get_vehicle(current_user.id, vehicle_id)
    form = VehicleEditForm(obj=vehicle, make_default=vehicle.is_default)
    if form.validate_on_submit():
        try:
            vehicles.rename_vehicle(current_user.id, vehicle_id, form.nickname.data or "",
                                    bool(form.make_default.data))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(_("Vehicle %(plate)s saved.", plate=vehicle.plate), "success")
            return see_other(url_for("vehicles.index"))
    status = 422 if form.is_submitted() else 200
    return render_template("vehicles/edit.html", form=form, vehicle=vehicle), status


@bp.post("/<int:vehicle_id>/default")
@login_required
def make_default(vehicle_id: int):
    vehicle = vehicles.set_default_vehicle(current_user.id, vehicle_id)
    flash(_("%(plate)s is now your default vehicle.", plate=vehicle.plate), "success")
    return see_other(url_for("vehicles.index"))


@bp.post("/<int:vehicle_id>/delete")
@login_required
def remove(vehicle_id: int):
    vehicle = vehicles.get_vehicle(current_user.id, vehicle_id)
    plate = vehicle.plate
    vehicles.remove_vehicle(current_user.id, vehicle_id)
    flash(_("Vehicle %(plate)s removed.", plate=plate), "info")
    return see_other(url_for("vehicles.index"))


"""Admin pages for Seoul operator keys and lots (``/admin/seoul/…``, admins only)."""

from __future__ import annotations

from flask import Blueprint, Flask, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from webapp.core.errors import ValidationError
from webapp.core.keys import register_sealed_store
from webapp.seoul import admin as seoul_admin
from webapp.seoul.forms import AddKeyForm, AddLotForm, KeyActionForm, SuspendKeyForm
from webapp.seoul.models import KEY_ISSUED, KEY_SUSPENDED
from webapp.web.access import admin_required
from webapp.web.form_errors import apply_errors
from webapp.web.hypermedia import see_other

bp = Blueprint("seoul_admin", __name__, url_prefix="/admin/seoul")


def init_app(app: Flask) -> None:
    """``flask --app app keys rotate`` re-seals the lots' secret keys."""
    register_sealed_store(app, "Seoul lot secrets", seoul_admin.reseal_lot_secrets)


def _keys_page(key_form=None, status=200):
    return render_template("seoul_admin/keys.html", keys=seoul_admin.list_keys(), form=key_form or AddKeyForm(),
                           action_form=KeyActionForm()), status


def _lots_page(lot_form=None, status=200):
    lot_form = lot_form or AddLotForm()
    keys = seoul_admin.list_keys()
    lot_form.key.choices = [(k.key, k.key) for k in keys]
    return render_template("seoul_admin/lots.html", lots=seoul_admin.list_lots_for_admin(), form=lot_form,
                           has_keys=bool(keys)), status


@bp.get("")
@admin_required
def index():
    return redirect(url_for("seoul_admin.keys"))


@bp.get("/keys")
@admin_required
def keys():
    return _keys_page()


@bp.post("/keys")
@admin_required
def add_key():
    form = AddKeyForm()
    if not form.validate():
        return _keys_page(form, 422)
    try:
        row = seoul_admin.add_key(form.key.data, form.request_limit.data)
    except ValidationError as error:
        apply_errors(form, error)
        return _keys_page(form, 422)
    flash(_("Key %(key)s issued.", key=row.key), "success")
    return see_other(url_for("seoul_admin.keys"))


def _change_status(key_id: int, status: str, message: str):
    if not KeyActionForm().validate():
        return _keys_page(status=400)
    row = seoul_admin.set_key_status(key_id, status)
    flash(message % {"key": row.key}, "success")
    return see_other(url_for("seoul_admin.keys"))


@bp.get("/keys/<int:key_id>/suspend")
@admin_required
def confirm_suspend_key(key_id: int):
    """Ask first: a suspension stops every lot of the key at once."""
    return render_template("seoul_admin/confirm_suspend.html", key=seoul_admin.get_key_usage(key_id),
                           form=SuspendKeyForm())


@bp.post("/keys/<int:key_id>/suspend")
@admin_required
def suspend_key(key_id: int):
    form = SuspendKeyForm()
    if form.confirmed.data != "yes":  # a bare POST (an old page, a stray click) only leads to the question
        return see_other(url_for("seoul_admin.confirm_suspend_key", key_id=key_id))
    return _change_status(key_id, KEY_SUSPENDED, _("Key %(key)s suspended: its pushes get 0021."))


@bp.post("/keys/<int:key_id>/reactivate")
@admin_required
def reactivate_key(key_id: int):
    return _change_status(key_id, KEY_ISSUED, _("Key %(key)s is active again."))


@bp.get("/lots")
@admin_required
def lots():
    return _lots_page()


@bp.post("/lots")
@admin_required
def add_lot():
    form = AddLotForm()
    form.key.choices = None  # checked by the service: an unknown key is a field error there
    if not form.validate():
        return _lots_page(form, 422)
    try:
        lot = seoul_admin.add_lot(form.key.data, form.infra_id.data, form.secret.data)
    except ValidationError as error:
        apply_errors(form, error)
        return _lots_page(form, 422)
    flash(_("Lot %(id)s registered; its secret key is stored sealed and will not be shown again.", id=lot.infra_id),
          "success")
    return see_other(url_for("seoul_admin.lots"))

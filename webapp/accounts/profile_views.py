"""Profile, notifications, password and account deletion."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from webapp.accounts import users as accounts
from webapp.accounts.forms import DeleteAccountForm, PasswordForm, ProfileForm
from webapp.core.errors import ValidationError
from webapp.push import devices as push_devices
from webapp.push.kinds import KINDS
from webapp.web.form_errors import apply_errors

bp = Blueprint("account", __name__, url_prefix="/account")


def _render(profile=None, password=None, delete=None, status=200):
    profile = profile or ProfileForm(formdata=None, name=current_user.name, phone=current_user.phone,
                                     language=current_user.language or "")
    return render_template("account/profile.html", profile_form=profile,
                           password_form=password or PasswordForm(formdata=None),
                           delete_form=delete or DeleteAccountForm(formdata=None),
                           # the Notifications section: this driver's devices and a choice per kind
                           push_devices=push_devices.devices(current_user.id),
                           push_settings=push_devices.settings(current_user.id), push_kinds=KINDS), status


@bp.get("")
@login_required
def profile():
    return _render()


@bp.post("/profile")
@login_required
def update_profile():
    form = ProfileForm()
    if form.validate_on_submit():
        try:
            accounts.update_profile(current_user.id, form.name.data or "", form.phone.data or "",
                                    form.language.data or None)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("account.profile"), code=303)
    return _render(profile=form, status=422)


@bp.post("/password")
@login_required
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            user = accounts.change_password(current_user.id, form.current_password.data, form.new_password.data,
                                            form.confirm.data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            login_user(user)  # keep this session; others were logged out by the new epoch
            flash(_("Your password is changed. Other devices have been logged out."), "success")
            return redirect(url_for("account.profile"), code=303)
    return _render(password=form, status=422)


@bp.post("/delete")
@login_required
def delete():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            accounts.delete_account(current_user.id, form.password.data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            logout_user()
            flash(_("Your account and personal data are deleted. Your booking records remain without your name."),
                  "info")
            return redirect(url_for("auth.register"), code=303)
    return _render(delete=form, status=422)

"""Register, log in, log out."""

from __future__ import annotations

import math
import time
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from webapp.accounts import login_limits as limits
from webapp.accounts import users as accounts
from webapp.accounts.forms import ForgotPasswordForm, LoginForm, RegisterForm, ResetPasswordForm
from webapp.accounts.notices import public_url
from webapp.core.errors import ValidationError
from webapp.extensions import limiter
from webapp.push import devices as push_devices
from webapp.web.form_errors import apply_errors

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths are followed after login (no open redirect).

    Browsers read a backslash as a slash (``/\\evil.example`` is ``//evil.example``) and drop tabs
    and newlines from a URL, so a target holding any of them is refused, not repaired.
    """
    if (target and target.startswith("/") and not target.startswith("//") and "\\" not in target
            and not any(ord(char) < 0x20 or ord(char) == 0x7F for char in target) and not urlsplit(target).netloc):
        return target
    return url_for("maps.find_parking")


def _sign_up_attempted(_response) -> bool:
    """Only a sign-up that could create an account counts against the limit, never a form sent back with
    its mistakes (a typo, a short password): ten of those once locked an address out for the hour."""
    return bool(g.get("sign_up_attempted"))


def _sign_up_refused(limit) -> Response:
    """Over the limit: the form again, with what was typed (passwords aside) and when to try again."""
    form = RegisterForm()
    minutes = max(1, math.ceil((limit.reset_at - time.time()) / 60))
    form.form_errors.append(_("Too many new accounts from this address. Please try again in %(minutes)s minutes; "
                              "what you typed is kept.", minutes=minutes))
    response = make_response(render_template("auth/register.html", form=form), 429)
    response.headers["Retry-After"] = str(minutes * 60)
    return response


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REGISTER_LIMIT_PER_IP"], key_func=limits.register_key, methods=["POST"],
               deduct_when=_sign_up_attempted, on_breach=_sign_up_refused)
def register():
    if current_user.is_authenticated:
        return redirect(url_for("maps.find_parking"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            accounts.sign_up(form.email.data, form.password.data, form.confirm.data, name=form.name.data or "",
                             links={"login_url": public_url("auth.login"),
                                    "forgot_url": public_url("auth.forgot_password")})
        except ValidationError as error:
            apply_errors(form, error)
        else:
            g.sign_up_attempted = True  # a new account, or a taken address told by mail: counted alike
            # the same answer whether the address was new or taken: a sign-up form must not tell
            # anyone which addresses have accounts (the new account logs in like any other)
            flash(_("Thank you. We have sent you an e-mail. Log in with your email address and password to "
                    "continue."), "success")
            # a guest who signed up to book logs in next and is then back where they were
            wanted = request.args.get("next")
            back = wanted if wanted and _safe_next(wanted) == wanted else None
            return redirect(url_for("auth.login", next=back), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template("auth/register.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], key_func=limits.ip_key,
               methods=["POST"], deduct_when=limits.failed_login, exempt_when=limits.is_known_device)
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT_ANY_CLIENT"], key_func=limits.account_key,
               methods=["POST"], deduct_when=limits.failed_login, exempt_when=limits.is_known_device)
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], key_func=limits.account_client_key,
               methods=["POST"], deduct_when=limits.failed_login)
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user, remember=bool(form.remember.data))
            return limits.remember_device(redirect(_safe_next(request.args.get("next")), code=303), user.email)
        form.form_errors.append(_("The email or the password is not right."))
    status = 422 if form.is_submitted() else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        # notifications carry the driver's plate and bookings: this browser (its push endpoint, which
        # static/js/app.js puts in the form) gets none after the logout; a missing or odd value forgets nothing
        push_devices.forget_endpoint(current_user.id, request.form.get("push_endpoint", ""))
        # server-side: a copy of the session cookie (or a remember-me cookie) must not outlive the logout
        accounts.end_sessions(current_user.id)
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"), code=303)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RESET_LIMIT_PER_IP"], key_func=limits.reset_ip_key,
               methods=["POST"])
@limiter.limit(lambda: current_app.config["RESET_LIMIT_PER_ACCOUNT"], key_func=limits.reset_account_key,
               methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        # a job looks the address up and mails the link (on PUBLIC_BASE_URL): the same answer, after the
        # same work, whether or not an account has this address
        accounts.request_password_reset(form.email.data)
        # the same words whether an account has this address or not
        flash(_("If an account uses this address, we have sent it a link to choose a new password."), "info")
        return redirect(url_for("auth.login"), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template("auth/forgot.html", form=form), status


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    form = ResetPasswordForm()
    try:
        if form.validate_on_submit():
            accounts.reset_password(token, form.new_password.data, form.confirm.data)
            logout_user()  # whoever was logged in here: the new password starts afresh
            flash(_("Your password is changed and every device was logged out. Log in with the new one."),
                  "success")
            return redirect(url_for("auth.login"), code=303)
        if not form.is_submitted():
            accounts.check_reset_token(token)
    except ValidationError as error:
        apply_errors(form, error)
    status = 422 if form.is_submitted() or form.new_password.errors else 200
    return render_template("auth/reset.html", form=form, token=token), status

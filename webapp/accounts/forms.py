"""Account forms: register, log in, profile, password, delete."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, TelField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, InputRequired, Length, Optional, StopValidation

LANGUAGE_CHOICES = [SelectChoice("", _l("Browser language")), SelectChoice("en", "English"),
                    SelectChoice("fi", "Suomi"), SelectChoice("sv", "Svenska"), SelectChoice("ko", "한국어")]


#: the longest password we take (argon2 hashes any length; the bound keeps a request's hashing cheap)
MAX_PASSWORD_LENGTH = 200


class PasswordLength:
    """At most ``MAX_PASSWORD_LENGTH`` characters, said in words.

    Not WTForms' ``Length``: that one also writes ``maxlength`` on the input, and a browser then cuts a
    pasted long password silently while the confirmation field keeps it whole, so the driver was told
    "The two passwords do not match".
    """

    def __call__(self, form, field) -> None:
        if len(field.data or "") > MAX_PASSWORD_LENGTH:
            raise StopValidation(str(_l("Use at most %(n)d characters.", n=MAX_PASSWORD_LENGTH)))


class RegisterForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[InputRequired(_l("Enter your email address.")),
                                                Email(_l("Enter a valid email address.")), Length(max=254)])
    name = StringField(_l("Name (optional)"), validators=[Optional(), Length(max=120)])
    password = PasswordField(_l("Password (at least 10 characters)"),
                             validators=[InputRequired(_l("Choose a password.")), PasswordLength()])
    confirm = PasswordField(_l("Repeat the password"), validators=[InputRequired(_l("Repeat the password."))])


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[InputRequired(_l("Enter your email address.")), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[InputRequired(_l("Enter your password.")), PasswordLength()])
    remember = BooleanField(_l("Keep me logged in on this device"))


class ProfileForm(FlaskForm):
    name = StringField(_l("Name"), validators=[Optional(), Length(max=120)])
    phone = TelField(_l("Phone"), validators=[Optional(), Length(max=32)])
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES, validate_choice=True)


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"),
                                     validators=[InputRequired(_l("Enter your current password."))])
    new_password = PasswordField(_l("New password (at least 10 characters)"),
                                 validators=[InputRequired(_l("Choose a new password.")), PasswordLength()])
    confirm = PasswordField(_l("Repeat the new password"), validators=[InputRequired(_l("Repeat the password."))])


class DeleteAccountForm(FlaskForm):
    password = PasswordField(_l("Your password, to confirm"), validators=[InputRequired(_l("Enter your password."))])


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[InputRequired(_l("Enter your email address.")),
                                                Email(_l("Enter a valid email address.")), Length(max=254)])


class ResetPasswordForm(FlaskForm):
    new_password = PasswordField(_l("New password (at least 10 characters)"),
                                 validators=[InputRequired(_l("Choose a new password.")), PasswordLength()])
    confirm = PasswordField(_l("Repeat the new password"), validators=[InputRequired(_l("Repeat the password."))])

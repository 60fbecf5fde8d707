"""Seoul lots: the price calculator (GET, no CSRF) and the admin forms for keys and lots."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import InputRequired, NumberRange, Optional

from webapp.web.form_fields import WholeNumberField

DISCOUNT_LABELS = {
    "compact": _l("Compact car"),
    "disabled": _l("Disabled driver"),
    "national_merit": _l("National merit"),
    "many_children": _l("Family with many children"),
}


class StayForm(FlaskForm):
    """How long the driver stays, and which discount applies; read from the query string."""

    class Meta:
        csrf = False  # a GET form that changes nothing

    hours = WholeNumberField(_l("Hours"), default=2, validators=[Optional(), NumberRange(0, 720)])
    minutes = WholeNumberField(_l("Minutes"), default=0, validators=[Optional(), NumberRange(0, 59)])
    discount = SelectField(_l("Discount"), default="", validate_choice=False)

    def set_discounts(self, options) -> None:
        """Offer "none" and the discounts this lot gives, with their percentage."""
        self.discount.choices = [("", _l("No discount"))] + [
            (o.code, f"{DISCOUNT_LABELS.get(o.code, o.code)} (−{o.percent}%)") for o in options
        ]

    @staticmethod
    def discount_label(code: str) -> str:
        return str(DISCOUNT_LABELS.get(code, code))

    @property
    def stay_minutes(self) -> int:
        return (self.hours.data or 0) * 60 + (self.minutes.data or 0)


class AddKeyForm(FlaskForm):
    key = StringField(_l("Operator key"), validators=[InputRequired()])
    request_limit = WholeNumberField(_l("Requests a day"), validators=[Optional(), NumberRange(1, 100_000_000)])


class AddLotForm(FlaskForm):
    key = SelectField(_l("Operator key"), validators=[InputRequired()], validate_choice=False)
    infra_id = StringField(_l("Lot id (infra_id)"), validators=[InputRequired()])
    # a PasswordField never renders its value back: the secret is typed once and not shown again
    secret = PasswordField(_l("Secret key (32 hex digits)"), validators=[InputRequired()])


class SuspendKeyForm(FlaskForm):
    """The confirmation page's form: a suspension needs ``confirmed=yes`` besides the CSRF token."""

    confirmed = HiddenField()  # no default: a POST without the field is not a confirmation


class KeyActionForm(FlaskForm):
    """Suspend or reactivate: the CSRF token is the whole form."""

"""Rent-car forms: search (GET), reserve, change, extras, cancel."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from webapp.web.form_fields import WholeNumberField

DATETIME_LOCAL = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SearchForm(FlaskForm):
    """The search: a GET form (shareable, no CSRF), times in Korean time."""

    class Meta:
        csrf = False

    start = DateTimeLocalField(_l("Pick-up (Korean time)"), format=DATETIME_LOCAL,
                               validators=[InputRequired(_l("Choose the pick-up date and time."))])
    end = DateTimeLocalField(_l("Return (Korean time)"), format=DATETIME_LOCAL,
                             validators=[InputRequired(_l("Choose the return date and time."))])
    region = SelectField(_l("Where"), default="", choices=[
        SelectChoice("", _l("Jeju and Seoul")), SelectChoice("jeju", _l("Jeju")), SelectChoice("seoul", _l("Seoul"))])
    company = SelectField(_l("Company"), default="")
    fuel = MultiCheckboxField(_l("Fuel"), default=[])
    seats = WholeNumberField(_l("Seats at least"), validators=[Optional(), NumberRange(1, 15)])
    transmission = SelectField(_l("Transmission"), default="")
    price_min = WholeNumberField(_l("Car price from (KRW)"), validators=[Optional(), NumberRange(0, 100_000_000)])
    price_max = WholeNumberField(_l("Car price up to (KRW)"), validators=[Optional(), NumberRange(0, 100_000_000)])
    insured = BooleanField(_l("Only cars with damage cover"))
    age = WholeNumberField(_l("Driver's age"), validators=[Optional(), NumberRange(18, 99)])
    licence = WholeNumberField(_l("Years with a licence"), validators=[Optional(), NumberRange(0, 80)])
    sort = SelectField(_l("Sort by"), default="price")
    # set when the driver looks for another car for a booked rental (see templates/rentals/search.html)
    change = HiddenField()
    version = HiddenField()


class ReserveForm(FlaskForm):
    # the choices are the quote's (the use case checks the keys); the form only carries them
    cover = RadioField(_l("Damage cover"), validators=[InputRequired(_l("Choose a cover."))], default="none",
                       validate_choice=False, choices=[])
    extras = MultiCheckboxField(_l("Extras"), coerce=int, default=[], validate_choice=False, choices=[])
    name = StringField(_l("Driver's name"), validators=[InputRequired(_l("Enter the driver's name.")),
                                                       Length(max=50)])
    phone = StringField(_l("Phone"), validators=[InputRequired(_l("Enter a phone number the company can call.")),
                                                 Length(max=30)])
    email = EmailField(_l("Email"), validators=[Optional(), Length(max=100)])
    age = WholeNumberField(_l("Driver's age"), validators=[InputRequired(_l("Enter the driver's age.")),
                                                      NumberRange(18, 99)])
    pay = RadioField(_l("Payment"), choices=[SelectChoice("now", _l("Pay now")),
                                             SelectChoice("counter", _l("Pay at the counter"))],
                     default="now")
    memo = TextAreaField(_l("Message to the company"), validators=[Optional(), Length(max=300)])
    idempotency_key = HiddenField()
    confirm_overlap = BooleanField(_l("Book anyway: I know I have another rental for this time"))


class ChangeForm(FlaskForm):
    start = DateTimeLocalField(_l("New pick-up (Korean time)"), format=DATETIME_LOCAL,
                               validators=[InputRequired(_l("Choose the pick-up date and time."))])
    end = DateTimeLocalField(_l("New return (Korean time)"), format=DATETIME_LOCAL,
                             validators=[InputRequired(_l("Choose the return date and time."))])
    cover = SelectField(_l("Damage cover"), validate_choice=False, choices=[])
    mid = WholeNumberField(widget=HiddenInput(), validators=[Optional()])
    version = WholeNumberField(widget=HiddenInput(), validators=[InputRequired()])


class ConfirmChangeForm(FlaskForm):
    """The preview the driver saw, sent back to be booked as it is."""

    start = HiddenField(validators=[InputRequired()])
    end = HiddenField(validators=[InputRequired()])
    cover = HiddenField(validators=[InputRequired()])
    car_fee = WholeNumberField(widget=HiddenInput(), validators=[InputRequired()])
    insurance_fee = WholeNumberField(widget=HiddenInput(), validators=[InputRequired()])
    extras_fee = WholeNumberField(widget=HiddenInput(), validators=[InputRequired()])
    mid = WholeNumberField(widget=HiddenInput(), validators=[Optional()])
    version = WholeNumberField(widget=HiddenInput(), validators=[InputRequired()])


class ExtraForm(FlaskForm):
    gid = WholeNumberField(widget=HiddenInput(), validators=[InputRequired()])
    fee = WholeNumberField(widget=HiddenInput(), validators=[Optional()])
    name = HiddenField()
    # what tells the extra from its namesakes (R상품내용: two child seats are both "카시트")
    content = HiddenField()
    version = WholeNumberField(widget=HiddenInput(), validators=[InputRequired()])


class CancelForm(FlaskForm):
    reason = TextAreaField(_l("Reason (optional)"), validators=[Optional()])
    version = WholeNumberField(widget=HiddenInput(), validators=[InputRequired()])


class CheckForm(FlaskForm):
    """"Check again" on a rental whose reply was lost."""

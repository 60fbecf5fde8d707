"""Car park forms: start a pay-by-phone session, register a plate, "I'm parked here", extend, stop."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange
from wtforms.widgets import HiddenInput

from webapp.core.clock import format_duration
from webapp.web.form_fields import WholeNumberField

DURATIONS = (30, 60, 120, 180, 240, 480)
EXTENSIONS = (15, 30, 60, 120)


def _duration_choices(values) -> list[SelectChoice]:
    return [SelectChoice(str(m), format_duration(m, get_locale())) for m in values]


class _VehicleForm(FlaskForm):
    vehicle_id = SelectField(_l("Vehicle"), coerce=int, validate_choice=True,
                             validators=[InputRequired(_l("Choose the vehicle you park."))])

    def set_vehicles(self, vehicles) -> None:
        self.vehicle_id.choices = [SelectChoice(v.id, v.label) for v in vehicles]


class StartSessionForm(_VehicleForm):
    minutes = RadioField(_l("How long?"), default="120", validators=[InputRequired(_l("Choose how long you park."))])
    idempotency_key = HiddenField()
    confirm_overlap = BooleanField(_l("Park anyway: I know this vehicle has another booking for this time"))

    def set_choices(self, vehicles) -> None:
        self.set_vehicles(vehicles)
        self.minutes.choices = _duration_choices(DURATIONS)


class RegisterPlateForm(_VehicleForm):
    expires_on = DateField(_l("Registered until"), validators=[InputRequired(_l("Choose until when."))])
    idempotency_key = HiddenField()
    confirm_overlap = BooleanField(_l("Register anyway: I know this vehicle has another booking for this time"))


class ParkedHereForm(_VehicleForm):
    """"I'm parked here": which of my vehicles."""


class PayRunningForm(FlaskForm):
    vehicle_id = WholeNumberField(widget=HiddenInput(), validators=[InputRequired()])
    session_id = HiddenField(validators=[InputRequired()])
    idempotency_key = HiddenField()
    confirm_overlap = BooleanField(_l("Pay anyway: I know this vehicle has another booking for this time"))


class QuoteForm(FlaskForm):
    """"How much for …": minutes (a GET form, no CSRF)."""

    minutes = WholeNumberField(_l("How much for (minutes)"), default=180,
                           validators=[InputRequired(_l("Enter a number of minutes.")),
                                       NumberRange(min=1, max=7 * 24 * 60, message=_l("From 1 minute to 7 days."))])


class ExtendSessionForm(FlaskForm):
    minutes = RadioField(_l("Add"), default="30", validators=[InputRequired(_l("Choose how much longer."))])
    version = WholeNumberField(widget=HiddenInput(), validators=[InputRequired()])

    def set_choices(self) -> None:
        self.minutes.choices = _duration_choices(EXTENSIONS)


class SessionActionForm(FlaskForm):
    """Stop: only the version the page showed."""

    version = WholeNumberField(widget=HiddenInput(), validators=[InputRequired()])


class OperatorMoveForm(FlaskForm):
    """The operators' console: a camera at a car park reads a plate going in or out."""

    place = SelectField(_l("Car park"), validators=[InputRequired(_l("Choose a car park."))])
    plate = StringField(_l("Plate"), validators=[InputRequired(_l("Enter the plate the camera reads.")),
                                                 Length(max=16, message=_l("A plate has at most 16 characters."))])
    action = RadioField(_l("The camera sees the car"), default="enter",
                        choices=[SelectChoice("enter", _l("enter")), SelectChoice("exit", _l("leave"))],
                        validators=[InputRequired(_l("Choose whether the car enters or leaves."))])

    def set_places(self, places) -> None:
        self.place.choices = [SelectChoice(p.place_id, p.name) for p in places]

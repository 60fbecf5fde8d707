"""Airport valet forms: book (with the live price), change, cancel."""

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
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from webapp.valet import pricing, texts
from webapp.web.form_fields import WholeNumberField

DATETIME_LOCAL = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
#: the options whose rules depend on other options: their message sits beside them and follows the price
RULE_FIELDS = ("location", "service", "drop_off", "arrival", "departure_flight", "arrival_flight", "persons",
               "wash", "leather", "indoor", "payment", "discount_code")


class _TripForm(FlaskForm):
    """When the car is handed over and when the return flight lands (Amsterdam time), and the flights."""

    drop_off = DateTimeLocalField(_l("Drop-off of the car"), format=DATETIME_LOCAL,
                                  validators=[InputRequired(_l("Choose when you hand over the car."))])
    arrival = DateTimeLocalField(_l("Your return flight lands"), format=DATETIME_LOCAL,
                                 validators=[InputRequired(_l("Choose when your return flight lands."))])
    departure_flight = StringField(_l("Departure flight number"), validators=[Optional(), Length(max=10)])
    arrival_flight = StringField(_l("Return flight number"), validators=[Optional(), Length(max=10)])


class BookValetForm(_TripForm):
    location = SelectField(_l("Where"), default="schiphol",
                           choices=[SelectChoice(key, label) for key, label in texts.LOCATIONS.items()])
    service = RadioField(_l("Service"), default="valet",
                         choices=[SelectChoice(key, label) for key, label in texts.SERVICES.items()])
    persons = WholeNumberField(_l("Persons"), default=2, validators=[InputRequired(_l("How many travel?")),
                                                                NumberRange(1, 99)])
    hand_luggage = BooleanField(_l("Hand luggage only"))
    vehicle_id = SelectField(_l("Car"), coerce=int, validate_choice=True,
                             validators=[InputRequired(_l("Choose the car you bring."))])
    car = StringField(_l("Make, type and colour"), validators=[Optional(), Length(max=120)])
    wash = RadioField(_l("Car wash"), default="0", choices=[SelectChoice(str(level), label)
                                                            for level, label in texts.WASH.items()])
    leather = BooleanField(_l("Leather care"))
    indoor = BooleanField(_l("Indoor parking"))
    keep_keys = BooleanField(_l("I keep my car keys"))
    insurance = BooleanField(_l("Cancellation insurance"))
    remarks = TextAreaField(_l("Remarks for the driver"), validators=[Optional(), Length(max=500)])
    project_reference = StringField(_l("Your reference (a project, a cost centre)"),
                                    validators=[Optional(), Length(max=40)])
    discount_code = StringField(_l("Discount code"), validators=[Optional(), Length(max=40)])
    payment = SelectField(_l("Payment"), default="ideal",
                          choices=[SelectChoice(key, label) for key, label in texts.PAYMENTS.items()])
    first_name = StringField(_l("First name"), validators=[Optional(), Length(max=60)])
    last_name = StringField(_l("Last name"), validators=[Optional(), Length(max=60)])
    email = EmailField(_l("Email"), validators=[InputRequired(_l("Enter your email address.")), Email(),
                                                Length(max=254)])
    mobile = StringField(_l("Mobile"), validators=[Optional(), Length(max=32)])
    idempotency_key = HiddenField()
    # set when the traveller saw the car's other bookings for this time and books anyway
    confirm_overlap = BooleanField(_l("Book anyway: I know this car has another booking for this time"))

    def set_vehicles(self, vehicles) -> None:
        """Offer the user's vehicles (plate, and the make they noted)."""
        self.vehicle_id.choices = [SelectChoice(v.id, v.label) for v in vehicles]


class ChangeValetForm(_TripForm):
    wash = SelectField(_l("Car wash"), choices=[SelectChoice(str(level), label)
                                                for level, label in texts.WASH.items()])
    leather = BooleanField(_l("Leather care"))
    version = WholeNumberField(widget=HiddenInput(), validators=[InputRequired()])


class CancelValetForm(FlaskForm):
    """Cancel: only the version the page showed."""

    version = WholeNumberField(widget=HiddenInput(), validators=[InputRequired()])


def wash_level(value: str | None) -> int:
    """A wash level from the form (an unknown one becomes -1, which the rules refuse)."""
    try:
        level = int(value or 0)
    except ValueError:
        return -1
    return level if level in pricing.WASH_LEVELS else -1

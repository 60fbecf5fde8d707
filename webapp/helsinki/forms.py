"""Street parking forms: start, extend."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, HiddenField, RadioField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Optional
from wtforms.widgets import HiddenInput

from webapp.core.clock import format_duration
from webapp.web.form_fields import WholeNumberField

DURATIONS = (15, 30, 60, 120, 180, 240)
DATETIME_LOCAL = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


def duration_label(minutes: int) -> str:
    """A duration chip's label in the page's language (babel's short units)."""
    return format_duration(minutes, get_locale())


class StartParkingForm(FlaskForm):
    vehicle_id = SelectField(_l("Vehicle"), coerce=int, validate_choice=True,
                             validators=[InputRequired(_l("Choose the vehicle you park."))])
    duration = RadioField(_l("How long?"), default="60")
    end_at = DateTimeLocalField(_l("Or choose the end time"), format=DATETIME_LOCAL, validators=[Optional()])
    idempotency_key = HiddenField()
    # set when the driver saw the plate's other bookings for this time and parks anyway
    confirm_overlap = BooleanField(_l("Park anyway: I know this vehicle has another booking for this time"))

    def set_choices(self, vehicles, max_minutes: int | None) -> None:
        """Offer the user's vehicles and the durations the area allows."""
        self.vehicle_id.choices = [SelectChoice(v.id, v.label) for v in vehicles]
        allowed = [m for m in DURATIONS if max_minutes is None or m <= max_minutes]
        self.duration.choices = [SelectChoice(str(m), duration_label(m)) for m in allowed] + [
            SelectChoice("custom", str(_l("Other end time")))]
        values = {choice.value for choice in self.duration.choices}
        if self.duration.data not in values:
            self.duration.data = "60" if "60" in values else (str(allowed[-1]) if allowed else "custom")


class ExtendParkingForm(FlaskForm):
    end_at = DateTimeLocalField(_l("New end time"), format=DATETIME_LOCAL,
                                validators=[InputRequired(_l("Choose the new end time."))])
    version = WholeNumberField(widget=HiddenInput(), validators=[InputRequired()])


class SessionActionForm(FlaskForm):
    """Stop or cancel: only the version the page showed."""

    version = WholeNumberField(widget=HiddenInput(), validators=[InputRequired()])

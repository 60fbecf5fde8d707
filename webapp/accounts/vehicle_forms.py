"""Vehicle forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from webapp.accounts.plates import COUNTRIES


class VehicleForm(FlaskForm):
    country = SelectField(_l("Country of registration"),
                          choices=[SelectChoice(code, name) for code, name in COUNTRIES.items()], default="FI")
    plate = StringField(_l("Licence plate"), validators=[InputRequired(_l("Enter the licence plate.")),
                                                         Length(max=20)])
    nickname = StringField(_l("Name (optional, e.g. “Family car”)"), validators=[Optional(), Length(max=40)])
    make_default = BooleanField(_l("Use this vehicle by default"))


class VehicleEditForm(FlaskForm):
    nickname = StringField(_l("Name"), validators=[Optional(), Length(max=40)])
    make_default = BooleanField(_l("Use this vehicle by default"))

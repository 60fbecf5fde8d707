"""One integer field for the whole app: an absurd number is a sentence on the form, never a 500.

WTForms' ``NumberRange`` calls ``math.isnan`` on the value, which overflows for an integer past a
float (310 digits): eleven fields answered 500, three of them without login (issue 21)."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from flask_wtf import FlaskForm
from wtforms import Form, IntegerField
from wtforms.validators import NumberRange, Optional

import webapp
from tests.fuzz.test_forms_fuzz import _submit, world  # noqa: F401 - the crawl's fixture, reused
from webapp.web.form_fields import WholeNumberField

ABSURD = "9" * 310


class _Sample(Form):
    hours = WholeNumberField("Hours", validators=[Optional(), NumberRange(0, 720)])
    count = WholeNumberField("Count")


@pytest.mark.parametrize("typed", [ABSURD, "-" + ABSURD, "1" * 5000, "12" + "0" * 16])
def test_an_absurd_number_is_refused_with_a_sentence(app, typed):
    with app.test_request_context():
        form = _Sample(data=None, formdata=_formdata({"hours": typed, "count": typed}))
        assert form.validate() is False
    assert form.hours.data is None and form.count.data is None
    assert form.hours.errors == ["Enter a number between 0 and 720."]
    assert form.count.errors == ["Enter a whole number of at most 15 digits."]


@pytest.mark.parametrize("typed, expected", [("12", 12), (" 7 ", 7), ("0", 0), ("720", 720)])
def test_an_ordinary_number_is_read(app, typed, expected):
    with app.test_request_context():
        form = _Sample(formdata=_formdata({"hours": typed, "count": "3"}))
        assert form.validate(), form.errors
    assert form.hours.data == expected


def test_a_word_is_refused_with_a_sentence(app):
    with app.test_request_context():
        form = _Sample(formdata=_formdata({"hours": "two", "count": "3"}))
        assert not form.validate()
    assert form.hours.errors == ["Enter a whole number."]


def _formdata(values: dict):
    from werkzeug.datastructures import MultiDict

    return MultiDict(values)


def _form_classes():
    for info in pkgutil.walk_packages(webapp.__path__, "webapp."):
        if ".sandbox" in info.name or "translations" in info.name:
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Form) and value not in (Form, FlaskForm) \
                    and value.__module__ == module.__name__:
                yield value


def test_every_integer_field_of_the_app_is_a_whole_number_field(app):
    found = []
    with app.test_request_context():
        for form_class in _form_classes():
            for name, unbound in vars(form_class).items():
                field_class = getattr(unbound, "field_class", None)
                if isinstance(field_class, type) and issubclass(field_class, IntegerField):
                    found.append((form_class.__name__, name))
                    where = f"{form_class.__module__}.{form_class.__name__}.{name}"
                    assert issubclass(field_class, WholeNumberField), where
    assert len(found) >= 11


def test_every_form_of_the_app_takes_a_310_digit_number_in_every_field(app, client, world):  # noqa: F811
    _admin, forms = world
    for form in forms:
        names = form[2] or ("q",)
        response = _submit(client, form, dict.fromkeys(names, ABSURD))
        assert response.status_code < 500, (form, response.status_code)
        assert "Traceback" not in response.get_data(as_text=True)

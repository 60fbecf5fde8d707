"""Putting service validation messages back onto the form that caused them."""

from __future__ import annotations

from flask_wtf import FlaskForm

from webapp.core.errors import ValidationError


def apply_errors(form: FlaskForm, error: ValidationError) -> None:
    """Attach each message to its field (unknown and hidden fields go to ``form.form_errors``,
    since a hidden field has nowhere to show its message)."""
    for name, message in error.errors.items():
        field = getattr(form, name, None) if name else None
        hidden = getattr(getattr(field, "widget", None), "input_type", None) == "hidden"
        if field is not None and hasattr(field, "errors") and not hidden:
            field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]
        else:
            form.form_errors.append(message)


def present(attributes: dict) -> dict:
    """The attributes that have a value: WTForms writes ``None`` as the text "None"
    (``aria-invalid="None"`` reads as invalid to a screen reader), so absent ones are left out."""
    return {name: value for name, value in attributes.items() if value is not None and value is not False}

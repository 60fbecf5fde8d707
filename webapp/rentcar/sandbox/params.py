"""Reading the form parameters of a request: text, numbers, ``yyyymmddhhmm`` times, comma lists.

A missing or malformed parameter is seed 001's 9100 ("파라미터 오류"), naming it.
"""

from __future__ import annotations

from datetime import datetime

from webapp.rentcar.sandbox.results import ResultError
from webapp.rentcar.sandbox.rules import from_wire


def read_text(form, name: str, *, required: bool = False, max_len: int | None = None) -> str:
    value = form.get(name, "").strip()
    if required and not value:
        raise ResultError("9100", name)
    if max_len is not None and len(value) > max_len:
        raise ResultError("9100", name)
    return value


def read_int(form, name: str, *, required: bool = False, default: int | None = None, choices=None) -> int | None:
    raw = form.get(name, "").strip()
    if not raw:
        if required:
            raise ResultError("9100", name)
        return default
    try:
        value = int(float(raw))
    except ValueError:
        raise ResultError("9100", name) from None
    if choices is not None and value not in choices:
        raise ResultError("9100", name)
    return value


def read_when(form, name: str, *, required: bool = True) -> datetime | None:
    raw = form.get(name, "").strip()
    if not raw:
        if required:
            raise ResultError("9100", name)
        return None
    try:
        return from_wire(raw)
    except ValueError:
        raise ResultError("9100", name) from None


def read_period(form) -> tuple[datetime, datetime]:
    sd, ed = read_when(form, "sd"), read_when(form, "ed")
    if ed <= sd:
        raise ResultError("9100", "ed")
    return sd, ed


def read_list(form, name: str) -> list[str]:
    return [item.strip() for item in form.get(name, "").split(",") if item.strip()]

"""URL converters for every blueprint: a path id is a row id or no route at all.

Werkzeug's ``int`` converter accepts any number of digits; 2⁶³ and above then
overflow SQLite's INTEGER (an ``OverflowError`` deep in the driver, a 500) and
PostgreSQL's ``integer`` columns. Every id column here is a SQL ``INTEGER``, so
``<int:…>`` is bounded to its range and anything larger is a plain 404.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

#: the largest value of a SQL INTEGER (32-bit signed), the type of every id column
MAX_ROW_ID = 2**31 - 1


class RowIdConverter(IntegerConverter):
    """``<int:…>`` limited to 0 … ``MAX_ROW_ID`` unless a rule asks for another ``max``."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = MAX_ROW_ID, signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def install_converters(app: Flask) -> None:
    """Replace the ``int`` converter; call before any blueprint adds its rules."""
    app.url_map.converters["int"] = RowIdConverter

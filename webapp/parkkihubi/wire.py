"""The parkkihubi operator API's JSON as frozen pydantic v2 models, and its time format.

parkkihubi is the City of Helsinki's parking hub (City-of-Helsinki/parkkihubi), where every
mobile-parking operator reports each parking so that enforcement sees it. Its operator API is
described in ``shared/parkkihubi-operator-api.md`` (checked against the hub's version 4.0.0);
the sections named below are that document's.

Quirks read here:

* a parking's ``zone`` comes back as an **integer** when the payment-zone code is all digits
  (``"zone": 1``) and as a string otherwise, while ``payment_zone/`` lists ``code`` as a string
  (*Parking object*): both are held as the code's text;
* ``is_disc_parking`` appears in an answer only when true (*Parking object*);
* times come back in UTC with ``Z``, with the precision that was sent (*Times*).

Fields the document does not list are ignored (the hub may add some); a missing required field
or a value of the wrong type is refused, and the client reports it as a bad answer.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field


def format_instant(value: dt.datetime) -> str:
    """An aware instant as the hub reads it: UTC, ISO 8601 with ``Z``.

    Whole seconds are sent as such, a fraction with its microseconds; the hub echoes the
    precision it was sent (*Times*).

    Raises:
        ValueError: a naive datetime (the hub would read it as UTC, which may not be what was meant).
    """
    if value.tzinfo is None:
        raise ValueError("the hub needs an aware instant (a naive one is read as UTC)")
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _code_text(value: object) -> object:
    # an all-digit zone code comes back as a JSON number (*Parking object*); a bool is no code
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


ZoneCode = Annotated[str, BeforeValidator(_code_text)]


class _Wire(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class Point(_Wire):
    """A GeoJSON point, ``[longitude, latitude]`` (RFC 7946; the hub checks neither range nor order)."""

    type: str
    coordinates: tuple[float, float]


class HubParking(_Wire):
    """One parking as the hub answers a create or an update (*Parking object*).

    Attributes:
        id: the hub's UUID: the only handle for later updates (a parking cannot be read back).
        status: ``valid`` or ``not_valid``, evaluated by the hub when it answered.
    """

    id: str
    created_at: AwareDatetime
    modified_at: AwareDatetime | None = None
    location: Point | None = None
    terminal_number: str = ""
    registration_number: str
    time_start: AwareDatetime
    time_end: AwareDatetime | None = None
    zone: ZoneCode | None = None
    status: str
    domain: str | None = None
    is_disc_parking: bool = False


class PaymentZone(_Wire):
    """A payment zone of ``payment_zone/``: no geometry, no number, no price (*Payment zones*)."""

    domain: str
    code: ZoneCode
    name: str


class PaymentZonePage(_Wire):
    """One page of ``payment_zone/`` (DRF page-number pagination, 100 a page)."""

    count: int
    next: str | None = None
    previous: str | None = None
    results: tuple[PaymentZone, ...] = Field(default_factory=tuple)

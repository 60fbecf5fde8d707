"""The 247Parking REST API's JSON (seed 004) as frozen pydantic v2 models.

What we send is a ``Reservation`` (the parameters of ``POST /reservering/``,
and of ``PUT /reservering/:resnr/`` with ``totaalprijs``); what comes back is
validated by the ``…Reply`` models. Only this module and ``client.py`` know
the Dutch field names.

Wire format (seed 004 "POST /reservering/", its example request):

* times are local Amsterdam times written ``dd-mm-yyyy hh:mm``; we hold aware
  datetimes and write them in Amsterdam time;
* the example sends numbers and flags as strings (``"aantal_personen":"3"``),
  the parameter list shows ``1`` for a flag: we send strings (``"3"``, ``"1"``),
  and read ``totaalprijs`` from either a string or a number as ``Decimal``;
* a field left out of an update keeps its value at 247Parking, so ``None``
  fields are never sent.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

from webapp.core.clock import AMSTERDAM

Service = Literal["valet", "shuttle", "combi_vs", "combi_sv"]
Location = Literal["schiphol", "pta", "amsterdam_centrum"]
Payment = Literal["contant", "ideal", "mc", "visa", "maestro", "via_partner"]
RemoteStatus = Literal["active", "canceled", "deleted", "noshow"]
TIME_FORMAT = "%d-%m-%Y %H:%M"


def format_time(value: dt.datetime) -> str:
    """An aware datetime as 247Parking writes it: Amsterdam ``dd-mm-yyyy hh:mm``."""
    if value.tzinfo is None:
        raise ValueError("247Parking times must be aware datetimes")
    return value.astimezone(AMSTERDAM).strftime(TIME_FORMAT)


def parse_time(value: str) -> dt.datetime:
    """A ``dd-mm-yyyy hh:mm`` Amsterdam time as an aware datetime. Raises ValueError."""
    return dt.datetime.strptime(value.strip(), TIME_FORMAT).replace(tzinfo=AMSTERDAM)


def _amount(value: Any) -> Decimal:
    if isinstance(value, float):
        value = repr(value)  # 38.99 stays 38.99, not its binary neighbour
    return Decimal(str(value).strip())


WireTime = Annotated[dt.datetime, PlainSerializer(format_time, return_type=str)]
WireFlag = Annotated[bool, PlainSerializer(lambda flag: "1" if flag else "0", return_type=str)]
WireNumber = Annotated[int, PlainSerializer(str, return_type=str)]
Amount = Annotated[Decimal, BeforeValidator(_amount), PlainSerializer(lambda d: f"{d:.2f}", return_type=str)]


class Reservation(BaseModel):
    """The parameters of a reservation (seed 004 "POST /reservering/" "Parameters").

    Required by 247Parking on a create: the two times, service, location,
    persons and payment; on an update persons may be left out and
    ``totaalprijs`` is required (``Parking247Client`` checks both).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    vertrek_timestamp: WireTime  # drop-off of the car, not the flight's departure
    aankomst_timestamp: WireTime  # the flight's arrival, not the pick-up
    parkeerservice: Service
    parkeerlocatie: Location
    betalingswijze: Payment
    aantal_personen: WireNumber | None = Field(default=None, ge=1)
    overdektparkeren: WireFlag | None = None
    aankomst_vluchtnummer: str | None = None
    vertrek_vluchtnummer: str | None = None
    auto_merk_type: str | None = None
    auto_kenteken: str | None = None
    handbagage: WireFlag | None = None
    wasservice: WireNumber | None = Field(default=None, ge=0, le=4)
    leerverzorging: WireFlag | None = None
    opmerkingen: str | None = None
    referentienummer: str | None = None
    kortingscode: str | None = None
    label_id: WireNumber | None = None
    klant_voornaam: str | None = None
    klant_achternaam: str | None = None
    klant_email: str | None = None
    klant_mobiel: str | None = None
    sleutel_houden: WireFlag | None = None
    annuleringsverzekering: WireFlag | None = None

    def to_wire(self) -> dict[str, str]:
        """The JSON body: every given field as a string, ``None`` fields left out."""
        return self.model_dump(mode="json", exclude_none=True)


class Meta(BaseModel):
    """``meta`` of every reply."""

    model_config = ConfigDict(frozen=True)

    status: str
    code: int
    message: str = ""


class Confirmation(BaseModel):
    """``data`` of a created or updated reservation."""

    model_config = ConfigDict(frozen=True)

    voucher_url: str
    reserveringsnummer: str
    totaalprijs: Amount


class ConfirmationReply(BaseModel):
    """The reply to ``POST /reservering/`` and ``PUT /reservering/:resnr/``."""

    model_config = ConfigDict(frozen=True)

    data: Confirmation
    meta: Meta


class StatusData(BaseModel):
    """``data`` of a status change."""

    model_config = ConfigDict(frozen=True)

    reserveringsnummer: str


class StatusReply(BaseModel):
    """The reply to ``PUT /reservering/:resnr/status/``."""

    model_config = ConfigDict(frozen=True)

    data: StatusData
    meta: Meta


class TestReply(BaseModel):
    """The reply to ``GET /v1/`` (``data`` is an empty string)."""

    model_config = ConfigDict(frozen=True)
    __test__ = False  # not a pytest class, whatever its name says

    data: Any = ""
    meta: Meta

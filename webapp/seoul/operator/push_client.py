"""Seoul parking OpenAPI 2.01 (``ParklandWRT.svc``, seed 000): the operator side.

Our app is the *receiver* of these pushes (see ``services.seoul_protocol``);
this client plays a lot operator's system, for demo and test feeds: it sends
the five pushes exactly as the seed specifies them — HTTP POST, form fields
``name=value`` URL-encoded as UTF-8 (seed 2.1), JSON answer
``{"result_state": "0000"}``. ParkWritePost and ParkOperPost carry ``infra_id``
SEED-protected (seed 2.2.1, ``webapp.seoul.mac``); the other three carry
it in clear, as their samples show.

A non-0000 ``result_state`` is the protocol's answer, so it is returned in a
``PushResult``, not raised; only transport failures and answers without a
result raise ``ProviderError`` kinds.

The field table and result codes live in ``seoul_fields`` (shared with the
receiver); the names used here are re-exported for convenience.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from urllib.parse import urlencode

import httpx

from webapp.core.errors import error_for_status
from webapp.core.http import send
from webapp.seoul.fields import (
    KST,
    METHODS,
    OK,
    PARK_OPER,
    PARK_SPACE,
    PARK_STAT,
    PARK_STAT2,
    PARK_WRITE,
    RESULT_CODES,
    DayTime,
    FieldSpec,
    Kind,
    MethodSpec,
)
from webapp.seoul.mac import encrypt_infra_id, park_oper_mac, park_write_mac

__all__ = ["KST", "METHODS", "RESULT_CODES", "PushResult", "SeoulPushClient", "SpaceReport"]

PROVIDER = "seoul"

FieldValue = str | int | float | bool | datetime | time | DayTime | None

# The seed's failure samples in 2.2.1.2 and 2.2.1.5 write {"result_state":"0020", "message"="…"}:
# read a result from such near-JSON rather than call the answer unparseable.
_LOOSE_STATE = re.compile(r'"result_state"\s*[:=]\s*"?(\d{4})"?')
_LOOSE_MESSAGE = re.compile(r'"message"\s*[:=]\s*"((?:[^"\\]|\\.)*)"')


@dataclass(frozen=True)
class PushResult:
    """The receiver's answer to one push.

    Attributes:
        result_state: the four-digit result code ("0000" on success).
        message: the receiver's message; empty when it sent none.
    """

    result_state: str
    message: str = ""

    @property
    def ok(self) -> bool:
        """Whether the push was accepted."""
        return self.result_state == OK

    @property
    def description(self) -> str:
        """The seed's English text for the code, or the receiver's message for unknown codes."""
        known = RESULT_CODES.get(self.result_state)
        return known.message if known else self.message


@dataclass(frozen=True)
class SpaceReport:
    """One entry of ParkSpacePost's repeated list (seed 2.2.1.4).

    Attributes:
        parking_space_id: the space number.
        floor_class: "F" above ground, "B" underground, None when unknown.
        floor_number: the floor, None when unknown.
        occupied: True for "I" (occupied), False for "O" (free), None when unknown.
    """

    parking_space_id: str
    floor_class: str | None = None
    floor_number: int | None = None
    occupied: bool | None = None


def format_value(spec: FieldSpec, value: FieldValue) -> str:
    """Render one Python value as the wire text of field ``spec``.

    Args:
        spec: the field.
        value: bool for Y/N or I/O codes, ``datetime`` for sync_time (local KST,
            or aware and converted) and occur_time, ``time`` or "HHMM" text for
            times, numbers or text otherwise.

    Returns:
        The text to send. Values are not validated: the receiver judges them.

    Raises:
        ValueError: a bool for a field without a two-valued code.
    """
    if isinstance(value, bool):
        for code, typed in spec.choices:
            if typed is value:
                return code
        raise ValueError(f"{spec.name} does not take a yes/no value")
    if isinstance(value, datetime):
        local = value.astimezone(KST) if value.tzinfo else value
        if spec.kind is Kind.OCCUR_TIME:
            return local.strftime("%Y%m%d%H%M%S")
        return local.strftime("%Y-%m-%d %H:%M:%S.") + f"{local.microsecond // 1000:03d}"
    if isinstance(value, time):
        return value.strftime("%H%M")
    return str(value)


def _wire_fields(spec: MethodSpec, fields: Mapping[str, FieldValue]) -> dict[str, str]:
    known = {f.name for f in spec.fields if f.name not in ("key", "infra_id") and not f.repeated}
    unknown = sorted(set(fields) - known)
    if unknown:
        raise ValueError(f"{spec.name} has no field(s) {', '.join(unknown)}")
    wire = {f.name: format_value(f, fields[f.name]) for f in spec.fields if fields.get(f.name) is not None}
    missing = [name for name in sorted(known) if spec.field(name).required and name not in wire]
    if missing:
        raise ValueError(f"{spec.name} needs {', '.join(missing)}")
    return wire


def _read_result(text: str) -> tuple[str, str] | None:
    try:
        body = json.loads(text)
    except ValueError:
        state = _LOOSE_STATE.search(text)
        message = _LOOSE_MESSAGE.search(text)
        return (state.group(1), message.group(1) if message else "") if state else None
    if not isinstance(body, dict) or body.get("result_state") is None:
        return None
    state = body["result_state"]
    state = f"{state:04d}" if isinstance(state, int) else str(state)
    return state, str(body.get("message") or "")


class SeoulPushClient:
    """Pushes lot data to a ``ParklandWRT.svc`` receiver, as a lot operator would.

    Args:
        http: a client from ``webapp.core.http.build_http_client`` whose
            base URL is the receiver's root (``http://parking.seoul.go.kr`` in
            the seed, our own app for demo feeds).
    """

    def __init__(self, http: httpx.Client) -> None:
        self._http = http

    def park_write(
        self, key: str, infra_id: str, secret_key: bytes | str, fields: Mapping[str, FieldValue]
    ) -> PushResult:
        """Send ParkWritePost: the lot's basic information (seed 2.2.1.1).

        Args:
            key: the operator's API key.
            infra_id: the lot's identifier in clear; it is sent SEED-protected.
            secret_key: the lot's 16-byte secret key.
            fields: the other fields by documented name (parking_lot_name,
                capacity and sync_time required); None values are left out.

        Returns:
            The receiver's answer.

        Raises:
            ValueError: unknown or missing fields, or an infra_id / secret /
                lot name the protection cannot handle (see ``seoul_mac``).
            ProviderError: the receiver could not be reached or gave no result.
        """
        wire = _wire_fields(METHODS[PARK_WRITE], fields)
        mac = park_write_mac(wire["parking_lot_name"], wire["capacity"], wire["sync_time"])
        return self._post(PARK_WRITE, key, encrypt_infra_id(infra_id, secret_key, mac), wire.items())

    def park_oper(
        self, key: str, infra_id: str, secret_key: bytes | str, fields: Mapping[str, FieldValue]
    ) -> PushResult:
        """Send ParkOperPost: opening hours, tariffs and discounts (seed 2.2.1.2).

        Args:
            key: the operator's API key (its first 8 bytes enter the MAC).
            infra_id: the lot's identifier in clear; it is sent SEED-protected.
            secret_key: the lot's 16-byte secret key.
            fields: the other fields by documented name; bools become Y/N,
                ``time`` values HHMM; None values are left out.

        Returns:
            The receiver's answer.

        Raises:
            ValueError: unknown or missing fields, or an infra_id / secret the
                protection cannot handle.
            ProviderError: the receiver could not be reached or gave no result.
        """
        wire = _wire_fields(METHODS[PARK_OPER], fields)
        mac = park_oper_mac(key, wire["weekday_begin_time"], wire["sync_time"])
        return self._post(PARK_OPER, key, encrypt_infra_id(infra_id, secret_key, mac), wire.items())

    def park_stat(self, key: str, infra_id: str, current_parking: int) -> PushResult:
        """Send ParkStatPost: how many cars are parked now (seed 2.2.1.3).

        Args:
            key: the operator's API key.
            infra_id: the lot's identifier, sent in clear.
            current_parking: cars parked now.

        Returns:
            The receiver's answer.

        Raises:
            ProviderError: the receiver could not be reached or gave no result.
        """
        return self._post(PARK_STAT, key, infra_id, [("current_parking", str(current_parking))])

    def park_space(self, key: str, infra_id: str, count: int, spaces: Sequence[SpaceReport]) -> PushResult:
        """Send ParkSpacePost: per-space status (seed 2.2.1.4).

        The list travels as repeated fields, each list whole before the next,
        in the seed's order; an unknown value is sent empty so positions stay
        aligned, and a list with no known value at all is left out (the seed's
        sample sends ``floor_class=`` and omits parking_space_status).

        Args:
            key: the operator's API key.
            infra_id: the lot's identifier, sent in clear.
            count: the lot's number of spaces.
            spaces: the spaces to report.

        Returns:
            The receiver's answer.

        Raises:
            ProviderError: the receiver could not be reached or gave no result.
        """
        spec = METHODS[PARK_SPACE]
        pairs: list[tuple[str, str]] = [("count", str(count))]
        for name in ("floor_class", "floor_number", "parking_space_id", "parking_space_status"):
            attr = "occupied" if name == "parking_space_status" else name
            values = [getattr(space, attr) for space in spaces]
            if any(v is not None for v in values):
                pairs += [(name, "" if v is None else format_value(spec.field(name), v)) for v in values]
        return self._post(PARK_SPACE, key, infra_id, pairs)

    def park_stat2(self, key: str, infra_id: str, fields: Mapping[str, FieldValue]) -> PushResult:
        """Send ParkStatPost2: occupancy per space type and the last entry/exit (seed 2.2.1.5).

        Args:
            key: the operator's API key.
            infra_id: the lot's identifier, sent in clear.
            fields: current_parking (required) and the optional fields by
                documented name; ``occur_time`` may be a ``datetime``.

        Returns:
            The receiver's answer.

        Raises:
            ValueError: unknown or missing fields.
            ProviderError: the receiver could not be reached or gave no result.
        """
        return self._post(PARK_STAT2, key, infra_id, _wire_fields(METHODS[PARK_STAT2], fields).items())

    def _post(self, method: str, key: str, infra_id: str, pairs: Iterable[tuple[str, str]]) -> PushResult:
        body = urlencode([("key", key), ("infra_id", infra_id), *pairs], encoding="utf-8")
        request = self._http.build_request(
            "POST",
            METHODS[method].path,
            content=body.encode("ascii"),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
        )
        response = send(self._http, PROVIDER, request)
        return _push_result(method, response)


def _push_result(method: str, response: httpx.Response) -> PushResult:
    result = _read_result(response.text)
    if result is not None:
        # Any status: a receiver may put its 0001/0990 on a 500 and still mean the protocol answer.
        return PushResult(*result)
    status = response.status_code
    detail = f"{method}: HTTP {status} without a result_state"
    # No result: the shared status table; a 2xx (or other non-error status)
    # without one is an answer we cannot read, a bad response.
    raise error_for_status(PROVIDER, status, code="bad_response" if status < 400 else None, detail=detail,
                           retry_after_header=response.headers.get("Retry-After"))

"""Receiver side of the Seoul parking OpenAPI 2.01 (``ParklandWRT.svc``, seed 000).

Pure parsing and checking of one push: no database, no Flask. The DB-backed
ingest service calls, in this order:

1. ``parse_push(method, request.form)`` -> typed result, or
   ``SeoulProtocolError`` 0011 (a required field is absent) / 0100 (a value is
   empty or outside its definition);
2. its own key lookup -> 0020 unregistered / 0021 suspended (and 0010 limits);
3. ``resolve_infra_id(parsed, lots)`` with the ``(infra_id, secret_key)``
   pairs of the lots under that key -> the lot's ``infra_id``, or 0200 (SEED
   check failed, ParkWritePost/ParkOperPost) / 0100 (unknown clear infra_id).
   Secrets are only needed when ``needs_lot_secrets(method)``;
4. storage, then ``result_body()`` (or ``error.body()``) as the JSON answer.

Reading of the seed where it is loose:

* 0011 means the field itself is absent; a field present but empty is "no
  code value", which 2.1 files under 0100. Optional fields sent empty (the
  ParkWritePost sample's ``in_charge=``) count as not given.
* Misprints in the samples are aliases (table in ``providers.seoul_fields``):
  ``anumcar``, ``garden`` (= motorbike, 이륜차), ``position_lititude``,
  ``¤t_parking``, ``®ular_parking``, and ParkOperPost's capitalised
  ``Key``/``Infra_id``/``Visitor_access``. Copied literally, the samples of
  2.2.1.3/2.2.1.5 have no ``&`` before ``¤t_parking``, so the form parser
  glues it into the previous value (``infra_id=171702¤t_parking=127``);
  such values are split again. A field given twice, under any spelling, is 0100.
* Times: HHMM from 0000 to 2400 (2400 = end of day), minutes 00-59;
  ``sync_time`` exactly ``yyyy-mm-dd hh24:mi:ss.mmm``; ``occur_time``
  ``YYYYMMDDHHNNSS``; all are Seoul local time (KST). The MAC is always built
  from the text as received (``raw``), never from the typed values.
* ParkSpacePost: entries are positions in the ``parking_space_id`` list; every
  other list is absent or exactly as long; an empty element is unknown
  (``None``) except an empty or repeated space id (0100). ``count`` is the
  lot's number of spaces, not the number of entries (the sample: 40 and 3).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import ClassVar

from webapp.seoul.fields import (
    INFRA_ID_MISMATCH,
    INVALID_CODE_VALUE,
    KST,
    METHODS,
    MISSING_PARAMETER,
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
)
from webapp.seoul.mac import MacInputError, match_infra_id, park_oper_mac, park_write_mac

_DIGITS = re.compile(r"[0-9]+")
_PHONE = re.compile(r"[0-9][0-9-]*")
_DECIMAL = re.compile(r"-?[0-9]{1,3}(\.[0-9]{1,15})?")
_SYNC_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}")
_OCCUR_TIME = re.compile(r"[0-9]{14}")
_HHMM = re.compile(r"[0-9]{4}")
#: the years a sync_time or occur_time may name: no operator system synced before 1970,
#: and a later year is a clock fault (it would also sort after every honest sync_time)
YEARS = range(1970, 2100)
_SPACE_LISTS = ("floor_class", "floor_number", "parking_space_id", "parking_space_status")


class SeoulProtocolError(Exception):
    """A push the protocol refuses, with the result code to answer.

    Attributes:
        result_code: the seed's four-digit code ("0011", "0100", "0200", ...).
        message: English message for the ``message`` field of the answer.
        field: the offending field, when there is one.
    """

    def __init__(self, result_code: str, message: str = "", field: str | None = None) -> None:
        self.result_code = result_code
        self.message = message or RESULT_CODES[result_code].message
        self.field = field
        super().__init__(f"{result_code}: {self.message}")

    def body(self) -> dict[str, str]:
        """The JSON answer for this error: ``{"result_state": ..., "message": ...}``."""
        return result_body(self.result_code, self.message)


def result_body(result_code: str = OK, message: str | None = None) -> dict[str, str]:
    """Build the JSON answer of a push (seed 2.2.1.x "출력결과").

    Args:
        result_code: the four-digit code; "0000" for success.
        message: the message; defaults to the seed's text for the code.

    Returns:
        ``{"result_state": "0000"}`` on success (the seed sends no message
        then), else ``{"result_state": code, "message": message}``.
    """
    if result_code == OK and not message:
        return {"result_state": OK}
    return {"result_state": result_code, "message": message or RESULT_CODES[result_code].message}


def _missing(name: str) -> SeoulProtocolError:
    return SeoulProtocolError(MISSING_PARAMETER, f"Incorrect parameter Request: {name} is missing", name)


def _invalid(name: str, why: str) -> SeoulProtocolError:
    return SeoulProtocolError(INVALID_CODE_VALUE, f"Invalid code value: {name} {why}", name)


@dataclass(frozen=True)
class SpaceState:
    """One ParkSpacePost list entry; None where the operator sent nothing."""

    parking_space_id: str
    floor_class: str | None  # "F" above ground, "B" underground
    floor_number: int | None
    occupied: bool | None  # "I" -> True, "O" -> False


@dataclass(frozen=True)
class _Push:
    method: ClassVar[str]
    key: str
    infra_id: str  # as received: base64 for ParkWritePost/ParkOperPost, clear otherwise
    raw: Mapping[str, str]  # canonical name -> text as received, for the MAC and the audit trail


@dataclass(frozen=True)
class ParkWrite(_Push):
    """ParkWritePost: basic lot information (seed 2.2.1.1)."""

    method: ClassVar[str] = PARK_WRITE
    parking_lot_name: str
    in_charge: str | None
    phone: str | None
    capacity: int
    bike_racks: int | None
    compact: int | None
    women: int | None
    disabled: int | None
    electcar: int | None
    nanumcar: int | None
    motorbike: int | None
    bus: int | None
    sync_time: datetime
    position_longitude: float | None
    position_latitude: float | None


@dataclass(frozen=True)
class ParkOper(_Push):
    """ParkOperPost: opening hours, tariffs and discounts (seed 2.2.1.2); fees in KRW, rates per minutes."""

    method: ClassVar[str] = PARK_OPER
    visitor_access: bool
    position_class: int | None
    night_free_open: bool | None
    weekday_begin_time: DayTime
    weekday_end_time: DayTime
    weekend_begin_time: DayTime | None
    weekend_end_time: DayTime | None
    holiday_begin_time: DayTime | None
    holiday_end_time: DayTime | None
    rates: int
    time_rate: int
    add_rates: int
    add_time_rate: int
    day_maximum: int
    day_monthly: int | None
    night_monthly: int | None
    all_day_monthly: int | None
    no_driving_rotation_system: int | None
    compact_car: int | None
    disabled: int | None  # a discount in %, unlike ParkWritePost's count of spaces
    national_merit: int | None
    many_children: int | None
    store_discount: bool | None
    notify_memo: str | None
    sync_time: datetime


@dataclass(frozen=True)
class ParkStat(_Push):
    """ParkStatPost: cars parked now (seed 2.2.1.3)."""

    method: ClassVar[str] = PARK_STAT
    current_parking: int


@dataclass(frozen=True)
class ParkSpace(_Push):
    """ParkSpacePost: the lot's space count and per-space states (seed 2.2.1.4)."""

    method: ClassVar[str] = PARK_SPACE
    count: int
    spaces: tuple[SpaceState, ...]


@dataclass(frozen=True)
class ParkStat2(_Push):
    """ParkStatPost2: occupancy per space type and the last entry/exit (seed 2.2.1.5)."""

    method: ClassVar[str] = PARK_STAT2
    current_parking: int
    disabled_parking: int | None
    regular_parking: int | None
    nanum_parking: int | None
    elect_parking: int | None
    garden_parking: int | None  # two-wheelers (이륜차), under the seed's name
    inout_gubun: str | None  # "I" entry, "O" exit
    car_num: str | None
    occur_time: datetime | None


ParsedPush = ParkWrite | ParkOper | ParkStat | ParkSpace | ParkStat2
_RESULT_TYPES: dict[str, type] = {cls.method: cls for cls in (ParkWrite, ParkOper, ParkStat, ParkSpace, ParkStat2)}

# "name=" markers of the mangled sample fields; see the module docstring.
_GLUED = tuple(
    dict.fromkeys(
        f"{alias}=" for spec in METHODS.values() for f in spec.fields for alias in f.aliases if not alias.isascii()
    )
)


# One pass over the value, cutting at every marker in order: linear in the value's length
# (a value of 1,000 markers once recursed 1,000 deep, before the key was even looked at).
_GLUED_SPLIT = re.compile("(" + "|".join(re.escape(marker) for marker in _GLUED) + ")") if _GLUED else None


def _unglue(out: dict[str, list[str]], name: str, value: str) -> None:
    if _GLUED_SPLIT is None:
        out.setdefault(name, []).append(value)
        return
    # re.split with a group alternates text and marker: [text, marker, text, marker, text …]
    parts = _GLUED_SPLIT.split(value)
    out.setdefault(name, []).append(parts[0])
    for marker, text in zip(parts[1::2], parts[2::2], strict=True):
        out.setdefault(marker[:-1], []).append(text)


def _collect(form: Mapping) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    getlist = getattr(form, "getlist", None)
    for name in list(form.keys()):
        values = getlist(name) if callable(getlist) else form[name]
        for value in [values] if isinstance(values, str) else values:
            _unglue(out, name, value)
    return out


def _units(text: str) -> int:
    # The seed sizes text as "한글 N 글자, 영문 2N 글자": a non-ASCII character takes two units.
    return sum(1 if ch.isascii() else 2 for ch in text)


def _convert(spec: FieldSpec, text: str, label: str | None = None) -> object:
    """Check one value against its field and return it typed (None when optional and empty)."""
    name = label or spec.name
    if text == "":
        if spec.required:
            raise _invalid(name, "is empty")
        return None
    kind = spec.kind
    if kind in (Kind.TEXT, Kind.PHONE):
        if kind is Kind.PHONE and not _PHONE.fullmatch(text):
            raise _invalid(name, "may hold only digits and '-'")
        if spec.max_units is not None and _units(text) > spec.max_units:
            raise _invalid(name, f"is longer than {spec.max_units} characters")
        if spec.cp949:
            try:
                text.encode("cp949")
            except UnicodeEncodeError:
                raise _invalid(name, "has characters outside CP949") from None
        return text
    if kind is Kind.INT:
        if not _DIGITS.fullmatch(text) or len(text) > spec.max_digits:
            raise _invalid(name, f"must be a number of at most {spec.max_digits} digits")
        number = int(text)
        if not spec.minimum <= number <= spec.maximum:
            raise _invalid(name, f"must be between {spec.minimum:g} and {spec.maximum:g}")
        return number
    if kind is Kind.DECIMAL:
        if not _DECIMAL.fullmatch(text) or not spec.minimum <= float(text) <= spec.maximum:
            raise _invalid(name, f"must be a decimal number between {spec.minimum:g} and {spec.maximum:g}")
        return float(text)
    if kind is Kind.CHOICE:
        choices = dict(spec.choices)
        if text not in choices:
            raise _invalid(name, f"must be one of {', '.join(choices)}")
        return choices[text]
    if kind is Kind.HHMM:
        hour, minute = (int(text[:2]), int(text[2:])) if _HHMM.fullmatch(text) else (99, 99)
        if not ((hour < 24 and minute < 60) or (hour, minute) == (24, 0)):
            raise _invalid(name, "must be HHMM between 0000 and 2400")
        return DayTime(hour, minute)
    pattern, fmt = (_SYNC_TIME, "%Y-%m-%d %H:%M:%S.%f") if kind is Kind.SYNC_TIME else (_OCCUR_TIME, "%Y%m%d%H%M%S")
    try:
        if not pattern.fullmatch(text):
            raise ValueError(text)
        moment = datetime.strptime(text, fmt).replace(tzinfo=KST)
    except ValueError:
        shape = "yyyy-mm-dd hh24:mi:ss.mmm" if kind is Kind.SYNC_TIME else "YYYYMMDDHHNNSS"
        raise _invalid(name, f"must be a valid time written {shape}") from None
    if moment.year not in YEARS:
        # year 1 in KST is before datetime's first UTC instant: storing it was a 0001 (a 500)
        raise _invalid(name, f"must be a time between {YEARS.start} and {YEARS.stop - 1}")
    return moment


def _spaces(fields: dict[str, FieldSpec], given: dict[str, list[str]]) -> tuple[SpaceState, ...]:
    ids = given["parking_space_id"]
    for name in _SPACE_LISTS:
        if given[name] and len(given[name]) != len(ids):
            if not ids:
                raise _missing("parking_space_id")
            raise _invalid(name, f"has {len(given[name])} entries but parking_space_id has {len(ids)}")
    states, seen = [], set()
    for i, space_id in enumerate(ids):
        if space_id == "" or space_id in seen:
            raise _invalid(f"parking_space_id[{i}]", "is empty" if space_id == "" else "is repeated")
        seen.add(space_id)
        _convert(fields["parking_space_id"], space_id, f"parking_space_id[{i}]")
        typed = {
            name: _convert(fields[name], given[name][i], f"{name}[{i}]") if given[name] else None
            for name in ("floor_class", "floor_number", "parking_space_status")
        }
        states.append(SpaceState(space_id, typed["floor_class"], typed["floor_number"], typed["parking_space_status"]))
    return tuple(states)


def parse_push(method: str, form: Mapping) -> ParsedPush:
    """Parse and check one push as the receiver.

    Args:
        method: the method name from the URL, e.g. "ParkWritePost".
        form: the decoded form: a werkzeug ``MultiDict`` (``request.form``),
            a ``Mapping[str, list[str]]`` (``parse_qs``) or ``Mapping[str, str]``.

    Returns:
        ``ParkWrite``, ``ParkOper``, ``ParkStat``, ``ParkSpace`` or ``ParkStat2``.

    Raises:
        SeoulProtocolError: 0011 when a required field is absent (the first in
            the seed's order is named), 0100 when a value is empty, repeated or
            outside its definition.
        ValueError: ``method`` is not one of the five (a routing matter: 404).
    """
    spec = METHODS.get(method)
    if spec is None:
        raise ValueError(f"not a ParklandWRT.svc method: {method!r}")
    received = _collect(form)
    given = {f.name: [v for n in (f.name, *f.aliases) for v in received.get(n, [])] for f in spec.fields}
    for field in spec.fields:
        if field.required and not given[field.name]:
            raise _missing(field.name)
    typed: dict[str, object] = {}
    raw: dict[str, str] = {}
    for field in spec.fields:
        if field.repeated:
            continue
        texts = given[field.name]
        if len(texts) > 1:
            raise _invalid(field.name, "is given more than once")
        if texts:
            raw[field.name] = texts[0]
        typed[field.name] = _convert(field, texts[0]) if texts else None
    if method == PARK_SPACE:
        typed["spaces"] = _spaces({f.name: f for f in spec.fields}, given)
    return _RESULT_TYPES[method](raw=MappingProxyType(raw), **typed)


def needs_lot_secrets(method: str) -> bool:
    """Whether ``resolve_infra_id`` needs the lots' secret keys for ``method``.

    Returns:
        True for ParkWritePost and ParkOperPost (SEED-protected infra_id).

    Raises:
        KeyError: unknown method.
    """
    return METHODS[method].encrypted_infra_id


def infra_id_mac_for(method: str, parsed: ParsedPush, key: str) -> bytes:
    """Rebuild the 16-byte MAC the operator used for ``infra_id`` (seed 2.2.1.1/2.2.1.2 가).

    Args:
        method: "ParkWritePost" or "ParkOperPost"; must be ``parsed``'s method.
        parsed: the result of ``parse_push``; its ``raw`` texts are used.
        key: the API key as received (normally ``parsed.key``).

    Returns:
        The MAC for ``webapp.seoul.mac.match_infra_id``.

    Raises:
        SeoulProtocolError: 0100 when the key has characters CP949 cannot encode.
        ValueError: the method sends infra_id in clear, or does not match ``parsed``.
    """
    if parsed.method != method:
        raise ValueError(f"parsed push is {parsed.method}, not {method}")
    raw = parsed.raw
    try:
        if method == PARK_WRITE:
            return park_write_mac(raw["parking_lot_name"], raw["capacity"], raw["sync_time"])
        if method == PARK_OPER:
            return park_oper_mac(key, raw["weekday_begin_time"], raw["sync_time"])
    except MacInputError as exc:
        raise _invalid("key", str(exc)) from exc
    raise ValueError(f"{method} sends infra_id in clear; it has no MAC")


def resolve_infra_id(parsed: ParsedPush, lots: Iterable[tuple[str, bytes | str | None]]) -> str:
    """Find which of the key's lots sent ``parsed``.

    Args:
        parsed: the result of ``parse_push``.
        lots: ``(infra_id, secret_key)`` of every lot registered under
            ``parsed.key``; secrets (unsealed, 16 bytes) are only read when
            ``needs_lot_secrets(parsed.method)``, else they may be None.

    Returns:
        The lot's ``infra_id``.

    Raises:
        SeoulProtocolError: 0200 when no lot's secret decrypts the protected
            infra_id to its own id; 0100 when a clear infra_id is not one of
            the key's lots.
        ValueError: a stored secret key is not 16 bytes.
    """
    if needs_lot_secrets(parsed.method):
        mac = infra_id_mac_for(parsed.method, parsed, parsed.key)
        match = match_infra_id(parsed.infra_id, [(i, s) for i, s in lots if s is not None], mac)
        if match is None:
            raise SeoulProtocolError(INFRA_ID_MISMATCH, RESULT_CODES[INFRA_ID_MISMATCH].message, "infra_id")
        return match
    for infra_id, _secret in lots:
        if infra_id == parsed.infra_id:
            return infra_id
    raise _invalid("infra_id", "is not a lot of this key")

"""Field specification and result codes of the Seoul parking OpenAPI 2.01 (seed 000).

Data and value types only, shared by the operator-side push client (``providers.seoul``) and
the receiver's parser (``services.seoul_protocol``), so both read one table.
Limits the seed leaves open are sanity caps chosen here and marked "cap".
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from webapp.core.clock import SEOUL

SERVICE_PATH = "/WCFB/ParklandWRT.svc"

#: Korea Standard Time, the zone of every time in the protocol (UTC+9 without DST since 1988).
KST = SEOUL

PARK_WRITE = "ParkWritePost"
PARK_OPER = "ParkOperPost"
PARK_STAT = "ParkStatPost"
PARK_SPACE = "ParkSpacePost"
PARK_STAT2 = "ParkStatPost2"

# Result codes (seed 2.1 "기본 에러 출력 메시지"; 0000 from every method's response table).
OK = "0000"
SYSTEM_ERROR = "0001"
OVER_LIMIT = "0010"
MISSING_PARAMETER = "0011"
UNREGISTERED_KEY = "0020"
KEY_UNAVAILABLE = "0021"
INVALID_CODE_VALUE = "0100"
INFRA_ID_MISMATCH = "0200"
UNDEFINED_ERROR = "0990"


@dataclass(frozen=True)
class ResultCode:
    """One result code: the seed's English message and its Korean explanation."""

    code: str
    message: str
    message_ko: str


RESULT_CODES: dict[str, ResultCode] = {
    rc.code: rc
    for rc in (
        ResultCode(OK, "Success", "성공"),
        ResultCode(SYSTEM_ERROR, "System error", "시스템 에러"),
        ResultCode(OVER_LIMIT, "Your query Request count is over the limit", "쿼리요청 제한을 초과하였습니다."),
        ResultCode(MISSING_PARAMETER, "Incorrect parameter Request", "잘못된 파라미터 요청입니다."),
        ResultCode(UNREGISTERED_KEY, "Unregistered key", "등록되지 않은 키입니다."),
        ResultCode(KEY_UNAVAILABLE, "Your key is temporary unavailable", "사용할 수 없는 키입니다."),
        ResultCode(INVALID_CODE_VALUE, "Invalid code value", "부적절한 code 값입니다."),
        ResultCode(
            INFRA_ID_MISMATCH,
            "Not match symmetric key cryptosystem",
            "대칭 키 암호화 방식에 의거하여 infra_id 의 암호화가 일치하지 않습니다.",
        ),
        ResultCode(UNDEFINED_ERROR, "Undefined error occurred", "정의되지 않은 오류가 발생하였습니다."),
    )
}


@dataclass(frozen=True, order=True)
class DayTime:
    """An HHMM time of day (seed 2.2.1.2); 2400 is the end of the day, so not a ``datetime.time``."""

    hour: int
    minute: int

    @property
    def minutes(self) -> int:
        """Minutes after midnight, 0..1440."""
        return self.hour * 60 + self.minute

    def __str__(self) -> str:
        return f"{self.hour:02d}{self.minute:02d}"


class Kind(enum.Enum):
    """How a field's text is checked and typed."""

    TEXT = "text"  # free text; ``max_units`` counts a non-ASCII character as 2
    PHONE = "phone"  # digits and '-'
    INT = "int"  # ASCII digits, at most ``max_digits``, within minimum..maximum
    DECIMAL = "decimal"  # plain decimal number within minimum..maximum
    CHOICE = "choice"  # one of ``choices`` (wire code -> typed value)
    HHMM = "hhmm"  # 0000..2400, minutes 00..59
    SYNC_TIME = "sync_time"  # "yyyy-mm-dd hh24:mi:ss.mmm"
    OCCUR_TIME = "occur_time"  # YYYYMMDDHHNNSS


@dataclass(frozen=True)
class FieldSpec:
    """One request parameter.

    Attributes:
        name: the documented name (canonical).
        kind: how its text is checked and typed.
        required: marked 필수 in the seed.
        repeated: sent once per list entry (ParkSpacePost's list).
        aliases: other spellings accepted by the receiver (seed misprints).
        max_units: length cap for TEXT/PHONE; a non-ASCII character counts 2,
            after the seed's "한글 32 글자, 영문 64 글자".
        max_digits: digit cap for INT.
        minimum: lower bound for INT/DECIMAL.
        maximum: upper bound for INT/DECIMAL.
        choices: (wire code, typed value) pairs for CHOICE.
        cp949: TEXT that must be encodable in CP949 (it feeds the infra_id MAC).
        description: what the field means, in English.
    """

    name: str
    kind: Kind
    required: bool = False
    repeated: bool = False
    aliases: tuple[str, ...] = ()
    max_units: int | None = None
    max_digits: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[tuple[str, object], ...] = ()
    cp949: bool = False
    description: str = ""


@dataclass(frozen=True)
class MethodSpec:
    """One push method.

    Attributes:
        name: the method name, last segment of the URL.
        fields: its parameters in the seed's order.
        encrypted_infra_id: ``infra_id`` travels SEED-protected (seed 2.2.1).
        description: what the push carries.
    """

    name: str
    fields: tuple[FieldSpec, ...]
    encrypted_infra_id: bool
    description: str

    @property
    def path(self) -> str:
        """The URL path of the method, e.g. ``/WCFB/ParklandWRT.svc/ParkStatPost``."""
        return f"{SERVICE_PATH}/{self.name}"

    def field(self, name: str) -> FieldSpec:
        """Return the field called ``name`` (canonical name). Raises KeyError."""
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(f"{self.name} has no field {name!r}")


YES_NO = (("Y", True), ("N", False))
ONE_TO_FIVE = tuple((str(n), n) for n in range(1, 6))


def _count(name: str, description: str, required: bool = False, aliases: tuple[str, ...] = ()) -> FieldSpec:
    # "4 자리 이내의 숫자 값" (seed 2.2.1.1): 0..9999.
    return FieldSpec(
        name, Kind.INT, required, aliases=aliases, max_digits=4, minimum=0, maximum=9999, description=description
    )


def _money(name: str, description: str, required: bool = False) -> FieldSpec:
    # Fees and minutes have no digit limit in the seed (its sample has 68000): cap at 9 digits.
    return FieldSpec(name, Kind.INT, required, max_digits=9, minimum=0, maximum=999_999_999, description=description)


def _percent(name: str, description: str) -> FieldSpec:
    return FieldSpec(name, Kind.INT, max_digits=3, minimum=0, maximum=100, description=description)


def _hhmm(name: str, description: str, required: bool = False) -> FieldSpec:
    return FieldSpec(name, Kind.HHMM, required, description=description)


def _yes_no(name: str, description: str, required: bool = False, aliases: tuple[str, ...] = ()) -> FieldSpec:
    return FieldSpec(name, Kind.CHOICE, required, aliases=aliases, choices=YES_NO, description=description)


# ParkOperPost's table capitalises Key/Infra_id/Visitor_access while its sample
# and every other method use lower case (seed 2.2.1.2): accept both.
KEY = FieldSpec("key", Kind.TEXT, True, aliases=("Key",), max_units=64, description="operator API key (cap 64)")
PLAIN_INFRA_ID = FieldSpec(
    "infra_id",
    Kind.TEXT,
    True,
    aliases=("Infra_id",),
    max_units=16,
    description="lot identifier issued by the receiver, in clear",
)
SEALED_INFRA_ID = FieldSpec(
    "infra_id",
    Kind.TEXT,
    True,
    aliases=("Infra_id",),
    max_units=64,
    description="base64 of the SEED-protected lot identifier",
)
SYNC_TIME = FieldSpec("sync_time", Kind.SYNC_TIME, True, description="sync reference time, yyyy-mm-dd hh24:mi:ss.mmm")

PARK_WRITE_SPEC = MethodSpec(
    PARK_WRITE,
    (
        KEY,
        SEALED_INFRA_ID,
        FieldSpec(
            "parking_lot_name",
            Kind.TEXT,
            True,
            max_units=64,
            cp949=True,
            description="lot name, 32 Korean or 64 Latin characters",
        ),
        FieldSpec("in_charge", Kind.TEXT, max_units=32, description="manager's name, 16 Korean or 32 Latin characters"),
        # "15 글자 이내의 숫자 값만 유효" yet the sample sends 02-1313-1231: digits and '-'.
        FieldSpec("phone", Kind.PHONE, max_units=15, description="main phone number"),
        _count("capacity", "number of parking spaces", required=True),
        _count("bike_racks", "bicycle racks"),
        _count("compact", "compact-car spaces"),
        _count("women", "women-only spaces"),
        _count("disabled", "spaces for disabled drivers"),
        _count("electcar", "electric-car spaces"),
        # The sample misspells nanumcar as "anumcar" and sends "garden" where the
        # table has motorbike (이륜차; ParkStatPost2 calls it garden_parking).
        _count("nanumcar", "car-sharing spaces", aliases=("anumcar",)),
        _count("motorbike", "two-wheeler spaces", aliases=("garden",)),
        _count("bus", "bus spaces"),
        SYNC_TIME,
        FieldSpec("position_longitude", Kind.DECIMAL, minimum=-180, maximum=180, description="longitude"),
        # The sample spells it "position_lititude".
        FieldSpec(
            "position_latitude",
            Kind.DECIMAL,
            aliases=("position_lititude",),
            minimum=-90,
            maximum=90,
            description="latitude",
        ),
    ),
    encrypted_infra_id=True,
    description="lot information (register or update)",
)

PARK_OPER_SPEC = MethodSpec(
    PARK_OPER,
    (
        KEY,
        SEALED_INFRA_ID,
        _yes_no("visitor_access", "outside cars may park (Y) or residents only (N)", True, aliases=("Visitor_access",)),
        FieldSpec("position_class", Kind.CHOICE, choices=ONE_TO_FIVE, description="Seoul location class 1-5 (급지)"),
        _yes_no("night_free_open", "takes part in the night opening scheme"),
        _hhmm("weekday_begin_time", "weekday opening time", True),
        _hhmm("weekday_end_time", "weekday closing time", True),
        _hhmm("weekend_begin_time", "weekend opening time"),
        _hhmm("weekend_end_time", "weekend closing time"),
        _hhmm("holiday_begin_time", "holiday opening time"),
        _hhmm("holiday_end_time", "holiday closing time"),
        _money("rates", "base fee (KRW)", True),
        _money("time_rate", "minutes covered by the base fee", True),
        _money("add_rates", "fee per extra unit (KRW)", True),
        _money("add_time_rate", "minutes per extra unit", True),
        _money("day_maximum", "daily maximum fee (KRW)", True),
        _money("day_monthly", "daytime monthly pass (KRW)"),
        _money("night_monthly", "night monthly pass (KRW)"),
        _money("all_day_monthly", "all-day monthly pass (KRW)"),
        FieldSpec(
            "no_driving_rotation_system",
            Kind.CHOICE,
            choices=ONE_TO_FIVE,
            description="driving-rotation code (부제): 1 none, 2 two-day, 3 weekday/five-day, 4 ten-day, "
            "5 Seoul car-free weekday",
        ),
        _percent("compact_car", "compact-car discount %"),
        _percent("disabled", "disabled-driver discount %"),
        _percent("national_merit", "national-merit discount %"),
        _percent("many_children", "large-family discount %"),
        _yes_no("store_discount", "other discounts offered (shops, cinema, tenants)"),
        FieldSpec("notify_memo", Kind.TEXT, max_units=256, description="memo, 128 Korean or 256 Latin characters"),
        SYNC_TIME,
    ),
    encrypted_infra_id=True,
    description="operation and tariff information (register or update)",
)

# "¤t_parking" / "®ular_parking" are "&current_parking" / "&regular_parking"
# eaten by an HTML renderer (&curren; / &reg;) in the samples of 2.2.1.3/2.2.1.5.
CURRENT_PARKING = _count("current_parking", "cars parked now", True, aliases=("¤t_parking",))

PARK_STAT_SPEC = MethodSpec(
    PARK_STAT,
    (KEY, PLAIN_INFRA_ID, CURRENT_PARKING),
    encrypted_infra_id=False,
    description="current occupancy",
)

PARK_SPACE_SPEC = MethodSpec(
    PARK_SPACE,
    (
        KEY,
        PLAIN_INFRA_ID,
        _count("count", "number of parking spaces of the lot", True),
        FieldSpec(
            "floor_class",
            Kind.CHOICE,
            repeated=True,
            choices=(("F", "F"), ("B", "B")),
            description="above ground (F) or underground (B)",
        ),
        FieldSpec(
            "floor_number",
            Kind.INT,
            repeated=True,
            max_digits=3,
            minimum=0,
            maximum=999,
            description="floor number (cap 3 digits)",
        ),
        FieldSpec("parking_space_id", Kind.TEXT, repeated=True, max_units=32, description="space number (cap 32)"),
        FieldSpec(
            "parking_space_status",
            Kind.CHOICE,
            repeated=True,
            choices=(("I", True), ("O", False)),
            description="I occupied, O free",
        ),
    ),
    encrypted_infra_id=False,
    description="per-space status",
)

PARK_STAT2_SPEC = MethodSpec(
    PARK_STAT2,
    (
        KEY,
        PLAIN_INFRA_ID,
        CURRENT_PARKING,
        _count("disabled_parking", "cars in disabled-driver spaces"),
        _count("regular_parking", "cars in season-ticket spaces", aliases=("®ular_parking",)),
        _count("nanum_parking", "cars in car-sharing spaces"),
        _count("elect_parking", "cars in electric-car spaces"),
        _count("garden_parking", "two-wheelers in two-wheeler spaces (documented name)"),
        FieldSpec(
            "inout_gubun",
            Kind.CHOICE,
            choices=(("I", "I"), ("O", "O")),
            description="the reported car entered (I) or left (O)",
        ),
        FieldSpec("car_num", Kind.TEXT, max_units=32, description="plate or ticket number (cap 32)"),
        FieldSpec("occur_time", Kind.OCCUR_TIME, description="time of the entry/exit, YYYYMMDDHHNNSS"),
    ),
    encrypted_infra_id=False,
    description="occupancy per space type and the last entry/exit (marked unused in the seed)",
)

METHODS: dict[str, MethodSpec] = {
    spec.name: spec for spec in (PARK_WRITE_SPEC, PARK_OPER_SPEC, PARK_STAT_SPEC, PARK_SPACE_SPEC, PARK_STAT2_SPEC)
}

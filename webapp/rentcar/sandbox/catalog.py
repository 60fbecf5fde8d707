"""The rent companies' catalogue: rules, models and fleets, damage covers, extras, blocks, and the fee rules.

Static data (it changes with a company's price list, not with bookings), so
it lives in code; what bookings change (reservations, API cost, failed
logins) lives in the sandbox's SQLite file (``store.py``).

Fees are in KRW. A rental is priced per started day block: full 24-hour
blocks at the day rate (Fri/Sat blocks +20 %, the summer and year-end
seasons +30 %), the remaining hours at an eighth of the day rate each,
never more than one day; totals are rounded to 100 KRW, as the companies'
price lists are.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta


@dataclass(frozen=True)
class Rules:
    """One company's booking rules (seed 001 result codes 0111–0114, 0601, 0320, 0321).

    Attributes:
        open_hour, close_hour: pick-up and return only from ``open_hour`` to ``close_hour`` (0111).
        horizon_days: bookings up to this many days ahead (0112).
        max_hours: the longest rental (0113).
        same_day_lead_minutes: a same-day pick-up must be this far ahead (0114).
        custfee_allowed: we may set the directly-paid amount (else 0320 for anything but 0 or the total).
        fee_change_allowed: revupdate may change the model (else 0321).
    """

    open_hour: int
    close_hour: int
    horizon_days: int
    max_hours: int
    same_day_lead_minutes: int
    custfee_allowed: bool = True
    fee_change_allowed: bool = True


#: link_no -> rules (the companylist rows themselves are in store.SEED_COMPANIES)
RULES = {
    101: Rules(7, 22, 180, 30 * 24, 120),
    102: Rules(8, 21, 120, 15 * 24, 180, custfee_allowed=False, fee_change_allowed=False),
    103: Rules(0, 24, 365, 30 * 24, 60),
    104: Rules(8, 20, 90, 10 * 24, 120),
    105: Rules(6, 23, 90, 14 * 24, 60),
    106: Rules(7, 22, 60, 7 * 24, 90),
}


@dataclass(frozen=True)
class ModelType:
    """A car model as the agency knows it (the L fields of the matched searches)."""

    l_number: int  # L모델번호
    l_code: str  # L모델코드
    l_class: str  # L분류
    name: str  # R모델명 (Korean, as the companies write it)
    english: str  # L모델명: the agency's own (romanised/English) name
    fuel: str  # R연료
    seats: int
    displacement: int
    min_age: int
    licence_years: int
    options: str  # R모델옵션
    day_rate: int  # KRW per day before the company's factor
    drive: str = "전륜"
    transmission: str = "자동"
    years: str = "2025~2023"
    mapped: bool = True  # the agency matched it (only then in carsearch/carsearchbymodelcodes)


TYPES = {t.l_code: t for t in (
    ModelType(1, "MORNING", "경차", "모닝", "Kia Morning", "휘발유", 5, 998, 21, 1, "블루투스,후방카메라", 40000),
    ModelType(2, "RAY", "경차", "레이", "Kia Ray", "휘발유", 5, 998, 21, 1, "블루투스,후방카메라,네비게이션", 45000),
    ModelType(3, "CASPER", "경차", "캐스퍼", "Hyundai Casper", "휘발유", 4, 998, 21, 1, "블루투스,스마트키", 42000),
    ModelType(4, "AVANTE", "소형", "아반떼", "Hyundai Avante", "휘발유", 5, 1598, 21, 1,
              "블루투스,후방카메라,네비게이션", 60000),
    ModelType(5, "K5", "중형", "K5 LPG", "Kia K5 LPG", "LPG", 5, 1999, 21, 1, "블루투스,후방카메라,네비게이션", 75000),
    ModelType(6, "SONATA-HEV", "중형", "쏘나타 하이브리드", "Hyundai Sonata Hybrid", "하이브리드", 5, 1999, 23, 2,
              "블루투스,후방카메라,네비게이션,열선시트", 85000),
    ModelType(7, "GRANDEUR", "대형", "그랜저", "Hyundai Grandeur", "휘발유", 5, 2497, 26, 3,
              "블루투스,후방카메라,네비게이션,통풍시트,어라운드뷰", 120000),
    ModelType(8, "IONIQ5", "전기", "아이오닉5", "Hyundai Ioniq 5", "전기", 5, 0, 23, 1,
              "블루투스,후방카메라,네비게이션,V2L", 90000, years="2025~2022"),
    ModelType(9, "EV6", "전기", "EV6", "Kia EV6", "전기", 5, 0, 23, 1, "블루투스,후방카메라,네비게이션,HUD", 95000),
    ModelType(10, "KONA-EV", "전기", "코나 일렉트릭", "Hyundai Kona Electric", "전기", 5, 0, 21, 1,
              "블루투스,후방카메라,네비게이션", 80000),
    ModelType(11, "NIRO-EV", "전기", "니로 EV", "Kia Niro EV", "전기", 5, 0, 21, 1, "블루투스,후방카메라", 82000),
    ModelType(12, "TUCSON", "SUV", "투싼", "Hyundai Tucson", "경유", 5, 1995, 23, 2,
              "블루투스,후방카메라,네비게이션", 95000),
    ModelType(13, "SANTAFE", "SUV", "싼타페", "Hyundai Santa Fe", "경유", 7, 2151, 26, 2,
              "블루투스,후방카메라,네비게이션,3열시트", 115000, drive="4륜"),
    ModelType(14, "CARNIVAL", "승합", "카니발", "Kia Carnival", "경유", 9, 2151, 26, 3,
              "블루투스,후방카메라,네비게이션,전동슬라이딩도어", 140000),
    ModelType(15, "STARIA", "승합", "스타리아", "Hyundai Staria", "경유", 11, 2199, 26, 3,
              "블루투스,후방카메라,네비게이션", 150000),
    ModelType(16, "MODEL3", "수입", "테슬라 모델3", "Tesla Model 3", "전기", 5, 0, 26, 3,
              "블루투스,오토파일럿,글래스루프", 160000, drive="후륜", years="2024~2023"),
    ModelType(17, "E300", "수입", "벤츠 E300", "Mercedes-Benz E300", "휘발유", 5, 1991, 26, 5,
              "블루투스,후방카메라,네비게이션,가죽시트", 220000, drive="후륜", mapped=False),
    ModelType(18, "AVANTE-MT", "소형", "아반떼 (수동)", "Hyundai Avante (manual)", "휘발유", 5, 1598, 21, 1,
              "블루투스", 55000, transmission="수동", mapped=False),
)}


@dataclass(frozen=True)
class Model:
    """A model at one company: its R모델번호, fleet size and damage-cover options."""

    mid: int  # R모델번호
    company: int  # link_no
    type: ModelType
    fleet: int
    #: (name, limit, deductible, loss-of-use, min age, licence years, KRW per day) of option 1 and 2;
    #: empty: the model has no damage-cover option (0123)
    options: tuple = ()
    fee_rule: str = "normal"  # "zero": no price set (0311); "broken": the calculation fails (0300)


@dataclass(frozen=True)
class Insurance:
    """A damage-cover product of ``inslist``/``inslist_r``."""

    insid: int  # R보험번호
    company: int
    name: str
    kind: str  # R보험타입
    limit: str
    deductible: str
    loss_of_use: str
    restriction: str
    content: str
    min_age: int
    licence_years: int
    per_day: int
    mids: tuple  # R적용모델
    capped_7_days: bool = False  # "357일"/"12345일" methods: at most 7 days (0124)
    l_number: int | None = None  # the agency's matched insurance (inslist) or None
    l_code: str = ""
    l_name: str = ""


@dataclass(frozen=True)
class Extra:
    """An extra of ``etclist_r`` (gid)."""

    gid: int
    company: int
    category: str  # R상품분류; "자차특약" marks a damage-cover add-on
    name: str
    content: str
    fee: int  # per rental, or per day when ``per_day``
    per_day: bool = False
    mids: tuple | None = None  # None: "전체"


OPTION_BASIC = ("일반자차", "1,000만원", "50만원", "1일 대여료의 50%", 21, 1, 10000)
OPTION_FULL = ("완전자차", "무제한", "면제", "면제", 23, 2, 20000)
OPTION_FULL_OLDER = ("완전자차", "무제한", "면제", "면제", 26, 3, 25000)

#: company -> (type code, fleet, options)
_FLEETS = {
    101: (("MORNING", 5), ("RAY", 3), ("AVANTE", 4), ("K5", 4), ("SONATA-HEV", 2), ("IONIQ5", 3), ("EV6", 2),
          ("TUCSON", 2), ("CARNIVAL", 2), ("STARIA", 1)),
    102: (("MORNING", 4), ("CASPER", 2), ("AVANTE", 3), ("IONIQ5", 2), ("KONA-EV", 2), ("NIRO-EV", 2),
          ("SANTAFE", 2), ("CARNIVAL", 1)),
    103: (("RAY", 3), ("AVANTE", 2), ("AVANTE-MT", 1), ("K5", 2), ("IONIQ5", 1), ("EV6", 1), ("MODEL3", 1),
          ("SANTAFE", 1), ("GRANDEUR", 1)),
    104: (("MORNING", 2), ("AVANTE", 2)),
    105: (("CASPER", 3), ("AVANTE", 4), ("SONATA-HEV", 3), ("GRANDEUR", 2), ("IONIQ5", 2), ("MODEL3", 1),
          ("E300", 1), ("TUCSON", 2)),
    106: (("MORNING", 3), ("K5", 3), ("KONA-EV", 2), ("EV6", 2), ("CARNIVAL", 2), ("STARIA", 1)),
}

#: a company's prices relative to the type's day rate
PRICE_FACTOR = {101: 1.0, 102: 0.95, 103: 1.05, 104: 1.0, 105: 1.2, 106: 1.1}


def _models() -> dict[int, Model]:
    models = {}
    for company, fleet in _FLEETS.items():
        for index, (code, count) in enumerate(fleet, start=1):
            mid = company * 100 + index
            kind = TYPES[code]
            options = (OPTION_BASIC, OPTION_FULL_OLDER if kind.min_age >= 26 else OPTION_FULL)
            if code == "AVANTE-MT":
                options = ()  # no damage-cover option on the manual car (0123)
            models[mid] = Model(mid, company, kind, count, options)
    # two models whose price is not set up: 0311 (zero) and 0300 (the calculation fails)
    models[10399] = Model(10399, 103, TYPES["CASPER"], 1, (OPTION_BASIC,), fee_rule="zero")
    models[10599] = Model(10599, 105, TYPES["RAY"], 1, (OPTION_BASIC,), fee_rule="broken")
    return models


MODELS = _models()


def _insurances() -> dict[int, Insurance]:
    rows = {}
    number = 900
    for company in _FLEETS:
        mids = tuple(m.mid for m in MODELS.values() if m.company == company and m.fee_rule == "normal")
        number += 1
        rows[number] = Insurance(number, company, "슈퍼자차", "완전면책", "무제한", "면제", "면제", "만 26세 이상",
                                 "사고 시 자기부담금과 휴차보상료 모두 면제", 26, 3, 27000, mids, capped_7_days=True,
                                 l_number=1, l_code="INS-SUPER", l_name="Super cover (no excess)")
        number += 1
        rows[number] = Insurance(number, company, "고급자차", "부분면책", "3,000만원", "30만원", "면제", "만 23세 이상",
                                 "자기부담금 30만원, 휴차보상료 면제", 23, 2, 16000, mids,
                                 l_number=2, l_code="INS-PLUS", l_name="Plus cover")
        number += 1
        rows[number] = Insurance(number, company, "실속자차", "일반", "1,000만원", "50만원", "1일 대여료의 50%",
                                 "만 21세 이상", "자기부담금 50만원", 21, 1, 9000, mids)
    return rows


INSURANCES = _insurances()


def _extras() -> dict[int, Extra]:
    rows = {}
    gid = 500
    for company in _FLEETS:
        suvs = tuple(m.mid for m in MODELS.values() if m.company == company and m.type.l_class in ("SUV", "승합"))
        for category, name, content, fee, per_day, mids in (
            ("편의용품", "카시트", "유아용 (0~4세)", 10000, False, None),
            ("편의용품", "카시트", "아동용 부스터 (4~12세)", 8000, False, None),
            ("편의용품", "포켓 와이파이", "데이터 무제한 LTE", 5000, True, None),
            ("편의용품", "유모차", "접이식 휴대용", 15000, False, None),
            ("편의용품", "스노우체인", "겨울철 산간도로용", 20000, False, suvs or None),
            ("자차특약", "타이어·휠 보장", "타이어와 휠 손상 보상 (1회)", 7000, True, None),
        ):
            gid += 1
            rows[gid] = Extra(gid, company, category, name, content, fee, per_day, mids)
    return rows


EXTRAS = _extras()

#: (company, mid) -> cars held for the agency as a block (carNblocksearch*, revadd blockrev)
BLOCKS = {(101, 10106): 2, (101, 10101): 2, (102, 10204): 1, (105, 10505): 1, (106, 10604): 1}

# seasons with a 30 % uplift (month, day) inclusive ranges
SEASONS = (((7, 15), (8, 20)), ((12, 20), (12, 31)), ((1, 1), (1, 5)))


def in_season(day: date) -> bool:
    """Whether ``day`` is in the summer or year-end season."""
    key = (day.month, day.day)
    return any(start <= key <= end for start, end in SEASONS)


def day_rate(model: Model, day: date) -> int:
    """The company's rate for a 24-hour block starting on ``day``."""
    rate = model.type.day_rate * PRICE_FACTOR[model.company]
    if day.weekday() in (4, 5):  # Friday and Saturday pick-ups cost more on Jeju
        rate *= 1.2
    if in_season(day):
        rate *= 1.3
    return int(rate)


def round_krw(value: float) -> int:
    """Round to 100 KRW, as the price lists do."""
    return int(math.floor(value / 100 + 0.5) * 100)


def rental_days(sd: datetime, ed: datetime) -> int:
    """Started days of a rental (for per-day covers and extras)."""
    return max(1, math.ceil((ed - sd).total_seconds() / 86400))


class FeeError(Exception):
    """The fee of a model cannot be calculated (0300) or is not set (0311)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def car_fee(model: Model, sd: datetime, ed: datetime) -> int:
    """The car's fee (R입금가) for ``sd``–``ed``: day blocks, then hours at 1/8 of the day rate.

    Raises:
        FeeError: 0311 when no price is set, 0300 when the calculation fails.
    """
    if model.fee_rule == "zero":
        raise FeeError("0311")
    if model.fee_rule == "broken":
        raise FeeError("0300")
    total = 0.0
    start = sd
    while ed - start >= timedelta(hours=24):
        total += day_rate(model, start.date())
        start += timedelta(hours=24)
    rest_hours = math.ceil((ed - start).total_seconds() / 3600)
    if rest_hours:
        rate = day_rate(model, start.date())
        total += min(rate, rate / 8 * rest_hours)
    return round_krw(total)


def list_fee(model: Model, sd: datetime, ed: datetime) -> int:
    """R정요금: the public price before the agency's discount."""
    return round_krw(car_fee(model, sd, ed) * 1.4)


def option_fee(model: Model, option: int, sd: datetime, ed: datetime) -> int:
    """The damage-cover option's part of the fee (option 1 or 2), per started day."""
    return round_krw(model.options[option - 1][6] * rental_days(sd, ed))


def insurance_fee(insurance: Insurance, sd: datetime, ed: datetime) -> int:
    """R보험요금 for the rental."""
    return round_krw(insurance.per_day * rental_days(sd, ed))


def extra_fee(extra: Extra, sd: datetime, ed: datetime) -> int:
    """R상품요금 for the rental."""
    return round_krw(extra.fee * (rental_days(sd, ed) if extra.per_day else 1))


@dataclass
class Catalogue:
    """The data a sandbox serves (tests may build a smaller one)."""

    models: dict = field(default_factory=lambda: dict(MODELS))
    insurances: dict = field(default_factory=lambda: dict(INSURANCES))
    extras: dict = field(default_factory=lambda: dict(EXTRAS))
    blocks: dict = field(default_factory=lambda: dict(BLOCKS))
    rules: dict = field(default_factory=lambda: dict(RULES))

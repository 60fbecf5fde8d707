"""Pydantic models of the rent-car API v2 replies (seed 001), with the seed's Korean field names as aliases.

``R`` fields are the rent company's data, ``L`` fields the agency's own
mapping (only in the matched searches ``carsearch``/``…bymodelcodes`` and
``inslist``). v2 sends numbers as JSON numbers; lax parsing also takes the
v1 habit of numbers in strings, so a server still half on v1 is read alike.
Unknown fields are ignored (the companies add fields without notice).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, field_validator

DISPLAY_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y%m%d%H%M")


class Wire(BaseModel):
    """Base: Korean aliases, Python names, unknown fields ignored, frozen."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore", frozen=True)


def _korean_time(value):
    """The seed's ``date`` fields ("2026-12-10 09:00"): a naive Korean wall-clock time."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value
    for fmt in DISPLAY_FORMATS:
        try:
            return datetime.strptime(str(value).strip(), fmt)
        except ValueError:
            continue
    raise ValueError(f"not a seed 001 date: {value!r}")


class Company(Wire):
    """A rent company linked to our agency (one row of ``회사목록``)."""

    link_no: int = Field(alias="연결번호")
    name: str = Field(alias="R렌트회사")
    account_name: str = Field("", alias="R거래처")
    status: str = Field("", alias="거래상태")
    agency_code: str = Field("", alias="L렌트회사코드")
    car_commission_pct: Decimal = Field(Decimal(0), alias="R차량수수료")
    #: text in the seed ("R자차수수료 text"), a number in fact: read either
    insurance_commission_pct: Decimal = Field(Decimal(0), alias="R자차수수료")
    traffic_cost_handling: str = Field("", alias="R트래픽비용처리")
    change_cutoff_hours: int = Field(alias="R취소가능시간")
    same_day_cancel_minutes: int = Field(alias="R당일취소허용시간")

    @field_validator("insurance_commission_pct", "car_commission_pct", mode="before")
    @classmethod
    def _percent(cls, value):
        return str(value).strip().rstrip("%") or "0"

    @field_validator("agency_code", mode="before")
    @classmethod
    def _code(cls, value):
        return value or ""

    @property
    def same_day_cancellable(self) -> bool:
        """Whether bookings made on the pick-up day can be cancelled at all (R당일취소허용시간 >= 0)."""
        return self.same_day_cancel_minutes >= 0


class CoverOption(Wire):
    """One of the car's damage-cover options (``R자차옵션목록``): ``option_ins`` = ``code``."""

    name: str = Field(alias="R보험명")
    limit: str = Field("", alias="R보상한도")
    deductible: str = Field("", alias="R면책금")
    loss_of_use: str = Field("", alias="R휴차보상료")
    min_age: int = Field(0, alias="R가능나이")
    licence_years: int = Field(0, alias="R운전경력")
    fee_with_cover: int = Field(alias="R옵션포함요금")
    code: int = Field(alias="R예약접수코드")


class Car(Wire):
    """A model available at one company for the searched period (``차량목록``)."""

    agency_model_number: int | None = Field(None, alias="L모델번호")
    agency_model_name: str = Field("", alias="L모델명")
    agency_model_code: str = Field("", alias="L모델코드")
    agency_class: str = Field("", alias="L분류")
    company_code: str = Field("", alias="L렌트회사코드")
    company: str = Field(alias="R렌트회사")
    mid: int = Field(alias="R모델번호")
    name: str = Field(alias="R모델명")
    available: int = Field(alias="R가능수")
    list_fee: int = Field(0, alias="R정요금")
    fee: int = Field(alias="R입금가")
    fee_option1: int = Field(0, alias="R옵션1입금가")
    fee_option2: int = Field(0, alias="R옵션2입금가")
    cover_names: str = Field("", alias="R자차옵션")
    model_options: str = Field("", alias="R모델옵션")
    fuel: str = Field("", alias="R연료")
    seats: int = Field(0, alias="R승차인원")
    years: str = Field("", alias="R연식")
    transmission: str = Field("", alias="R변속기")
    drive: str = Field("", alias="R구동방식")
    displacement: int = Field(0, alias="R배기량")
    min_age: int = Field(0, alias="R가능연령")
    licence_years: int = Field(0, alias="R운전경력")
    covers: tuple[CoverOption, ...] = Field((), alias="R자차옵션목록")

    @field_validator("covers", mode="before")
    @classmethod
    def _none_is_empty(cls, value):
        return value or ()

    @property
    def newest_year(self) -> int:
        """The newest model year of ``R연식`` ("최대~최소")."""
        digits = [int(part) for part in self.years.replace(" ", "").split("~") if part.isdigit()]
        return max(digits) if digits else 0


class Insurance(Wire):
    """A damage-cover product (``보험목록``): ``insid`` = ``insid``, its fee goes in ``insfeechk``."""

    agency_number: int | None = Field(None, alias="L보험번호")
    agency_code: str = Field("", alias="L보험코드")
    agency_name: str = Field("", alias="L보험명")
    company_code: str = Field("", alias="L렌트회사코드")
    company: str = Field(alias="R렌트회사")
    insid: int = Field(alias="R보험번호")
    name: str = Field(alias="R보험명")
    kind: str = Field("", alias="R보험타입")
    limit: str = Field("", alias="R보상한도")
    deductible: str = Field("", alias="R면책금")
    loss_of_use: str = Field("", alias="R휴차보상료")
    restriction: str = Field("", alias="R가입제한")
    content: str = Field("", alias="R보험내용")
    min_age: int = Field(0, alias="R가능나이")
    licence_years: int = Field(0, alias="R운전경력")
    fee: int = Field(alias="R보험요금")
    models: str = Field("", alias="R적용모델")

    def applies_to(self, mid: int) -> bool:
        """Whether ``mid`` is in R적용모델 (revadd refuses others with 0122)."""
        return str(mid) in {part.strip() for part in self.models.split(",")}


class Extra(Wire):
    """An extra (``상품목록``): ``gid`` = ``gid``, its fee counts in ``etcfeechk``."""

    company_code: str = Field("", alias="L렌트회사코드")
    company: str = Field(alias="R렌트회사")
    gid: int = Field(alias="R상품번호")
    category: str = Field("", alias="R상품분류")
    name: str = Field(alias="R상품명")
    content: str = Field("", alias="R상품내용")
    fee: int = Field(alias="R상품요금")
    models: str = Field("전체", alias="R적용모델")

    def applies_to(self, mid: int) -> bool:
        """"전체" (every model) or a list of R모델번호."""
        return self.models.strip() == "전체" or str(mid) in {p.strip() for p in self.models.split(",")}

    @property
    def is_cover_addon(self) -> bool:
        """A damage-cover add-on (R상품분류 "자차특약", seed etclist_r)."""
        return self.category == "자차특약"


class Reservation(Wire):
    """The reply of revadd, revupdate, revdetail, addetcitem and deletcitem (seed: "공통")."""

    company_code: str = Field("", alias="L회사코드")
    company: str = Field(alias="R렌트회사")
    revnum: str = Field(alias="R예약번호")
    state: str = Field(alias="R예약상태")
    accepted_at: datetime | None = Field(None, alias="R예약일시")
    change_deadline: datetime | None = Field(None, alias="R예약변경가능시간")
    name: str = Field("", alias="R이름")
    phone: str = Field("", alias="R전화번호")
    memo: str = Field("", alias="R전달사항")
    mid: int = Field(alias="R모델번호")
    model_name: str = Field("", alias="R모델명")
    cover_option: str = Field("", alias="R자차옵션")
    insurance: str = Field("", alias="R자차보험")
    extras: str = Field("", alias="R기타상품")
    starts_at: datetime = Field(alias="R출발일시")
    ends_at: datetime = Field(alias="R반납일시")
    pickup_place: str = Field("", alias="R출발장소")
    return_place: str = Field("", alias="R반납장소")
    car_fee: int = Field(0, alias="R차량료")
    insurance_fee: int = Field(0, alias="R자차료")
    extras_fee: int = Field(0, alias="R기타요금")
    total: int = Field(0, alias="R요금합계")
    paid_directly: int = Field(0, alias="R직불예정금액")
    postpaid: int = Field(0, alias="R후불금액")
    agency_paid: int = Field(0, alias="R거래처납입")
    agency_unpaid: int = Field(0, alias="R거래처미납")

    _times = field_validator("accepted_at", "change_deadline", "starts_at", "ends_at", mode="before")(
        classmethod(lambda cls, value: _korean_time(value)))

    @property
    def extra_names(self) -> list[str]:
        """R기타상품 split at commas."""
        return [name.strip() for name in self.extras.split(",") if name.strip()]


class Cancellation(Wire):
    """The reply of revcancel."""

    company_code: str = Field("", alias="L렌트회사코드")
    company: str = Field(alias="R렌트회사")
    revnum: str = Field(alias="R예약번호")
    state: str = Field(alias="R예약상태")
    reason: str = Field("", alias="R취소사유")


class ListedReservation(Wire):
    """One row of revlist's ``예약목록``."""

    company_code: str = Field("", alias="L렌트회사코드")
    company: str = Field(alias="R렌트회사")
    revnum: str = Field(alias="R예약번호")
    mid: int = Field(alias="R모델번호")
    model_name: str = Field("", alias="R모델명")
    starts_at: datetime = Field(alias="R출발일시")
    ends_at: datetime = Field(alias="R반납일시")
    name: str = Field("", alias="R이름")
    phone: str = Field("", alias="R전화번호")
    accepted_at: datetime | None = Field(None, alias="R예약일시")
    state: str = Field(alias="R예약상태")
    car_fee: int = Field(0, alias="R차량료")
    insurance_fee: int = Field(0, alias="R자차료")
    extras_fee: int = Field(0, alias="R기타요금")
    total: int = Field(0, alias="R요금합계")
    paid_directly: int = Field(0, alias="R직불예정금액")
    agency_unpaid: int = Field(0, alias="R거래처미납")
    channel: str = Field("", alias="R예약경로")
    dealer_revnum: str = Field("", alias="R거래처예약번호")

    _times = field_validator("accepted_at", "starts_at", "ends_at", mode="before")(
        classmethod(lambda cls, value: _korean_time(value)))


class ReservationPage(Wire):
    """revlist's reply: one page of reservations."""

    page: int = Field(1, alias="Page")
    page_count: int = Field(100, alias="PageCount")
    total_count: int = Field(0, alias="TotalCount")
    reservations: tuple[ListedReservation, ...] = Field((), alias="예약목록")

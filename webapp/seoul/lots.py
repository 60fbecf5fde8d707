"""What drivers see of Seoul lots: free spaces now, fees, opening hours, floors and history.

Read-only queries for the list, the map layer and the lot page. A lot is
shown once its operator has described it (ParkWritePost with a name and a
position); the rules for fees and hours are in ``seoul_tariffs``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from webapp.core.clock import SEOUL, utcnow
from webapp.core.columns import epoch_seconds
from webapp.core.errors import NotFoundError, ValidationError
from webapp.core.kept import kept
from webapp.extensions import db
from webapp.seoul import glossary
from webapp.seoul.models import DisplayName, SeoulLot, SeoulLotOperation, SeoulOccupancySample, SeoulSpace
from webapp.seoul.tariffs import (
    OpeningHours,
    Quote,
    Tariff,
    day_kind,
    fee_summary,
    holiday_name,
    hours_text,
    is_open,
    quote_stay,
)

#: a sample older than this is not "now": the page says "no live data" instead of a number
STALE_AFTER = timedelta(minutes=15)
HISTORY = timedelta(hours=24)
#: the calculator prices stays of up to 30 days
MAX_STAY_MINUTES = 30 * 24 * 60
SPECIAL_SPACES = ("disabled", "electcar", "compact", "women")
DISCOUNTS = ("compact", "disabled", "national_merit", "many_children")


@dataclass(frozen=True)
class Availability:
    """Free spaces now: capacity minus the newest sample, and how old that sample is."""

    capacity: int | None
    current: int | None
    at: datetime | None
    now: datetime

    @property
    def age(self) -> timedelta | None:
        return None if self.at is None else max(timedelta(0), self.now - self.at)

    @property
    def age_minutes(self) -> int | None:
        return None if self.age is None else int(self.age.total_seconds() // 60)

    @property
    def live(self) -> bool:
        """A sample exists, the capacity is known and the sample is fresh."""
        return self.age is not None and self.capacity is not None and self.age <= STALE_AFTER

    @property
    def free(self) -> int | None:
        """Free spaces (never below 0: a lot may report more cars than marked spaces)."""
        if self.capacity is None or self.current is None:
            return None
        return max(0, self.capacity - self.current)

    @property
    def share_free(self) -> float | None:
        if not self.live or not self.capacity:
            return None
        return self.free / self.capacity


@dataclass(frozen=True)
class LotSummary:
    """One lot for the list and the map."""

    id: int
    infra_id: str
    name: str
    latitude: float
    longitude: float
    memo: str
    availability: Availability
    fee_summary: str | None
    open_now: bool | None
    visitor_access: bool | None
    special: dict[str, int]
    name_roman: str | None = None
    memo_roman: str | None = None

    def display_name(self, language: str) -> DisplayName:
        """The name as a page in ``language`` shows it: romanised first with the Hangul beside it,
        or in Korean the Hangul first (``DisplayName``)."""
        return DisplayName.of(self.name, self.name_roman, language)

    def display_memo(self, language: str) -> DisplayName:
        """The operator's memo (usually the address): romanised with the Hangul beside it, and in
        Korean the Hangul alone."""
        return DisplayName.of(self.memo, self.memo_roman, language, roman_in_korean=False,
                              reader_form=self.memo_roman)

    def memo_parts(self, language: str) -> list[glossary.MemoPart]:
        """The operator's memo part by part in the reader's words: the address, the notes the glossary
        knows translated, any other note romanised as the operator's own words (``glossary.memo``)."""
        return glossary.memo(self.memo, language)


@dataclass(frozen=True)
class SpaceView:
    space_id: str
    occupied: bool | None

    @property
    def short_id(self) -> str:
        """What the grid's square shows: the space's number without its floor ("B1-003" -> "003")."""
        return self.space_id.rsplit("-", 1)[-1]

    @property
    def state(self) -> str:
        """The square's class: free, occupied or not reported."""
        return "is-unknown" if self.occupied is None else ("is-occupied" if self.occupied else "is-free")


@dataclass(frozen=True)
class Floor:
    """One floor's spaces; ``floor_class`` F above ground, B underground, None unknown."""

    floor_class: str | None
    number: int | None
    spaces: tuple[SpaceView, ...]

    @property
    def free(self) -> int:
        return sum(1 for s in self.spaces if s.occupied is False)

    @property
    def occupied(self) -> int:
        return sum(1 for s in self.spaces if s.occupied)

    @property
    def key(self) -> str:
        """A stable token for ids and anchors, e.g. "B2" or "F1"."""
        return f"{self.floor_class or 'X'}{self.number if self.number is not None else ''}"


@dataclass(frozen=True)
class DiscountOption:
    code: str
    percent: int


@dataclass(frozen=True)
class LotDetail:
    """Everything the lot page shows."""

    summary: LotSummary
    lot: SeoulLot
    operation: SeoulLotOperation | None
    day_kind: str
    holiday: str | None
    hours: dict[str, str] = field(default_factory=dict)
    discounts: tuple[DiscountOption, ...] = ()
    floors: tuple[Floor, ...] = ()
    quote: Quote | None = None


def tariff_of(operation: SeoulLotOperation) -> Tariff:
    """The fee rules of a lot's stored operation info."""
    return Tariff(operation.rates, operation.time_rate, operation.add_rates, operation.add_time_rate,
                  operation.day_maximum)


def _pair(begin: int | None, end: int | None) -> tuple[int, int] | None:
    return None if begin is None or end is None else (begin, end)


def opening_hours_of(operation: SeoulLotOperation) -> OpeningHours:
    """The weekday/weekend/holiday hours of a lot's stored operation info."""
    return OpeningHours((operation.weekday_begin, operation.weekday_end),
                        _pair(operation.weekend_begin, operation.weekend_end),
                        _pair(operation.holiday_begin, operation.holiday_end))


def _summary(lot: SeoulLot, now: datetime) -> LotSummary:
    operation = lot.operation
    return LotSummary(
        id=lot.id, infra_id=lot.infra_id, name=lot.name, name_roman=lot.name_roman,
        latitude=lot.latitude, longitude=lot.longitude,
        memo=(operation.notify_memo or "") if operation else "",
        memo_roman=operation.memo_roman if operation else None,
        availability=Availability(lot.capacity, lot.current_parking, lot.current_at, now),
        fee_summary=fee_summary(tariff_of(operation)) if operation else None,
        open_now=is_open(opening_hours_of(operation), now) if operation else None,
        visitor_access=operation.visitor_access if operation else None,
        special={name: getattr(lot, name) or 0 for name in SPECIAL_SPACES},
    )


def _described():
    # the operation joined (one row each): a statement of its own cost the lot page a tenth of a millisecond
    return (select(SeoulLot).options(joinedload(SeoulLot.operation))
            .where(SeoulLot.name.is_not(None), SeoulLot.latitude.is_not(None), SeoulLot.longitude.is_not(None)))


#: a search longer than this is cut (a name is at most 64 characters, an address memo 256)
MAX_QUERY = 100


def _matching(statement, query: str):
    """Lots whose name, romanised name, id or memo (the address) holds every word of ``query``,
    in any case: "Gangnam" and "gangnam" find 강남역 공영주차장 through its romanised name."""
    for word in query[:MAX_QUERY].split():
        statement = statement.where(or_(
            *(column.icontains(word, autoescape=True) for column in (
                SeoulLot.name, SeoulLot.name_roman, SeoulLot.infra_id,
                SeoulLotOperation.notify_memo, SeoulLotOperation.memo_roman))
        ))
    return statement


def list_lots(now: datetime | None = None, query: str = "", language: str = "ko") -> list[LotSummary]:
    """Every described lot (those matching ``query`` when given) with free spaces, fees and
    whether it is open at ``now``; by the name a page in ``language`` shows first (the Hangul
    in Korean, else the romanised name)."""
    now = now or utcnow()
    statement = _described()
    if query.strip():
        statement = _matching(statement.outerjoin(SeoulLot.operation), query)
    by_name = SeoulLot.name if language == "ko" else SeoulLot.name_roman
    return [_summary(lot, now) for lot in db.session.scalars(statement.order_by(by_name, SeoulLot.name, SeoulLot.id))]


def _get_described(lot_id: int) -> SeoulLot:
    lot = db.session.scalar(_described().where(SeoulLot.id == lot_id))
    if lot is None:
        raise NotFoundError("no such lot")
    return lot


#: lot pages' answers a worker keeps (floors, and in ``views`` their HTML and charts): 10-15 KB each at most
KEPT_PER_WORKER = 512


def _floors_of(lot: SeoulLot) -> tuple[Floor, ...]:
    """The lot's floors, kept per version of its data (a lot may have hundreds of spaces, and a page is
    asked for far more often than its operator reports them)."""
    return kept("seoul_floors", (lot.id, lot.data_version), lambda: _floors(lot.id), KEPT_PER_WORKER)


def _floors(lot_id: int) -> tuple[Floor, ...]:
    grouped: dict[tuple, list[SpaceView]] = defaultdict(list)
    spaces = db.session.execute(select(SeoulSpace.floor_class, SeoulSpace.floor_number, SeoulSpace.space_id,
                                       SeoulSpace.occupied).where(SeoulSpace.lot_id == lot_id))
    for floor_class, floor_number, space_id, occupied in spaces:
        grouped[(floor_class, floor_number)].append(SpaceView(space_id, occupied))

    def order(item):
        (floor_class, number), _spaces = item
        # top floor first, then down into the basements: F3, F2, F1, B1, B2, unknown last
        rank = {"F": 0, "B": 1}.get(floor_class, 2)
        return rank, -(number or 0) if floor_class == "F" else (number or 0)

    return tuple(
        Floor(fc, number, tuple(sorted(spaces, key=lambda s: (len(s.space_id), s.space_id))))
        for (fc, number), spaces in sorted(grouped.items(), key=order)
    )


def occupancy_series(lot_id: int, now: datetime, window: timedelta = HISTORY) -> tuple[tuple[int, int], ...]:
    """(seconds since the epoch, cars parked) of the lot's samples in the last ``window``, oldest first.

    Seconds, not datetimes: a day of one-minute samples is 1,440 of them, and making each a datetime cost
    more than reading it (issue 18, ``bench/seoul.py``); ``chart.occupancy_chart`` takes either.
    """
    rows = db.session.execute(
        select(epoch_seconds(SeoulOccupancySample.at), SeoulOccupancySample.current_parking)
        .where(SeoulOccupancySample.lot_id == lot_id, SeoulOccupancySample.at > now - window,
               SeoulOccupancySample.at <= now)
        .order_by(SeoulOccupancySample.at, SeoulOccupancySample.id)
    ).all()
    return tuple((at, current) for at, current in rows)


def _discounts(operation: SeoulLotOperation | None) -> tuple[DiscountOption, ...]:
    if operation is None:
        return ()
    percents = {code: getattr(operation, f"discount_{code}") for code in DISCOUNTS}
    return tuple(DiscountOption(code, pct) for code, pct in percents.items() if pct)


def _check_stay(minutes: int, discount: str, options: tuple[DiscountOption, ...]) -> int:
    errors = {}
    if not 0 <= minutes <= MAX_STAY_MINUTES:
        errors["hours"] = str(_l("Choose a stay of up to %(days)d days.", days=MAX_STAY_MINUTES // 1440))
    percent = 0
    if discount:
        match = [o.percent for o in options if o.code == discount]
        if not match:
            errors["discount"] = str(_l("This lot does not offer that discount."))
        else:
            percent = match[0]
    if errors:
        raise ValidationError(errors)
    return percent


def get_lot_detail(lot_id: int, now: datetime | None = None, stay_minutes: int | None = None,
                   discount: str = "", language: str = "en") -> LotDetail:
    """Everything the lot page shows, with a price for the stay when ``stay_minutes`` is given.

    Args:
        lot_id: our id of the lot.
        now: the time to judge free spaces and opening hours at.
        stay_minutes: length of the stay to price, or None for no quote.
        discount: "" or one of ``DISCOUNTS`` the lot offers.

    Returns:
        The page's data.

    Raises:
        NotFoundError: no such lot, or not yet described by its operator.
        ValidationError: a stay longer than ``MAX_STAY_MINUTES`` or a discount the lot has not.
    """
    now = now or utcnow()
    lot = _get_described(lot_id)
    operation = lot.operation
    options = _discounts(operation)
    quote = None
    if stay_minutes is not None and operation is not None:
        percent = _check_stay(stay_minutes, discount, options)
        quote = quote_stay(tariff_of(operation), stay_minutes, percent)
    today = now.astimezone(SEOUL).date()
    hours = {}
    if operation is not None:
        opening = opening_hours_of(operation)
        hours = {kind: hours_text(opening.for_kind(kind)) for kind in ("weekday", "weekend", "holiday")}
    return LotDetail(
        summary=_summary(lot, now), lot=lot, operation=operation, day_kind=day_kind(today),
        holiday=holiday_name(today, language), hours=hours, discounts=options, floors=_floors_of(lot), quote=quote,
    )


def get_lot_live(lot_id: int, now: datetime | None = None) -> LotDetail:
    """The lot's live figures and floors only (the 30-second refresh), without history or quote.

    Raises:
        NotFoundError: no such lot, or not yet described.
    """
    now = now or utcnow()
    lot = _get_described(lot_id)
    return LotDetail(summary=_summary(lot, now), lot=lot, operation=lot.operation,
                     day_kind=day_kind(now.astimezone(SEOUL).date()), holiday=None, floors=_floors_of(lot))

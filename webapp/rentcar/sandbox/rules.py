"""The rent-car server's own rules: times, availability, deadlines, fee checks (seed 001).

Pure functions on KST wall-clock ``datetime`` values (the seed's dates are
``yyyymmddhhmm`` in Korean time, with no zone on the wire).
"""

from __future__ import annotations

from datetime import datetime, timedelta

#: seed 001, 0310: "현재요금과 체크값이 다른 경우. (오차범위 100원)"
FEE_TOLERANCE = 100
WIRE_FORMAT = "%Y%m%d%H%M"


class RuleError(Exception):
    """A rule refused the request with a seed result code (and its message arguments)."""

    def __init__(self, code: str, **args) -> None:
        super().__init__(code)
        self.code = code
        self.args_ = args


def to_wire(moment: datetime) -> str:
    """``yyyymmddhhmm``."""
    return moment.strftime(WIRE_FORMAT)


def from_wire(text: str) -> datetime:
    """Parse ``yyyymmddhhmm`` (ValueError otherwise)."""
    if len(text) != 12 or not text.isdigit():
        raise ValueError(text)
    return datetime.strptime(text, WIRE_FORMAT)


def check_window(rules, sd: datetime, ed: datetime, now: datetime) -> None:
    """Refuse a rental the company's rules do not allow (0112, 0114, 0111, 0113), in that order."""
    last_day = now.date() + timedelta(days=rules.horizon_days)
    if sd.date() < now.date() or sd.date() > last_day:
        raise RuleError("0112", a=now.strftime("%Y%m%d"), b=last_day.strftime("%Y%m%d"))
    if sd < now + timedelta(minutes=rules.same_day_lead_minutes):
        raise RuleError("0114", a=rules.same_day_lead_minutes)
    for moment in (sd, ed):
        minutes = moment.hour * 60 + moment.minute
        if not rules.open_hour * 60 <= minutes <= rules.close_hour * 60:
            raise RuleError("0111", a=rules.open_hour, b=rules.close_hour)
    if (ed - sd) > timedelta(hours=rules.max_hours):
        raise RuleError("0113", a=rules.max_hours)


def max_concurrent(intervals: list[tuple[str, str]], sd: str, ed: str) -> int:
    """The most reservations running at one moment of ``sd``–``ed`` (wire times, half-open)."""
    points = []
    for start, end in intervals:
        if start < ed and end > sd:
            points.append((max(start, sd), 1))
            points.append((min(end, ed), -1))
    running = peak = 0
    for _, step in sorted(points, key=lambda p: (p[0], p[1])):  # an end before a start at the same minute
        running += step
        peak = max(peak, running)
    return peak


def fee_ok(current: int, check: int, ignore_under: bool) -> bool:
    """Whether a fee check passes: within 100 KRW, or lower than checked when told to ignore (seed revadd)."""
    if abs(current - check) <= FEE_TOLERANCE:
        return True
    return ignore_under and current < check


def change_deadline(accepted_at: datetime, sd: datetime, cutoff_hours: int, same_day_minutes: int) -> datetime:
    """R예약변경가능시간: until when the API may change or cancel a reservation.

    A reservation accepted on its pick-up day follows R당일취소허용시간 (minutes
    before pick-up; negative: never, so the deadline is the moment it was
    accepted); any other follows R취소가능시간 (hours before pick-up).
    """
    if accepted_at.date() == sd.date():
        if same_day_minutes < 0:
            return accepted_at
        return sd - timedelta(minutes=same_day_minutes)
    return sd - timedelta(hours=cutoff_hours)


def in_maintenance(now: datetime) -> bool:
    """The daily 04:00–04:30 (KST) maintenance window (0700)."""
    return now.hour == 4 and now.minute < 30

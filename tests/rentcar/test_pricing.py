"""Rent-car rules with no app and no network: windows, fee checks, overlaps, sell-out, deadlines in Seoul time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from webapp.core.clock import SEOUL
from webapp.rentcar.pricing import (
    Filters,
    Offer,
    change_deadline,
    fee_matches,
    from_korean,
    group_offers,
    overlaps,
    to_korean,
    window_errors,
)
from webapp.rentcar.sandbox import catalog
from webapp.rentcar.sandbox.rules import RuleError, check_window, max_concurrent
from webapp.rentcar.sandbox.rules import change_deadline as server_deadline

NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 10:00 in Seoul


@pytest.mark.parametrize(("current", "seen", "ok"), [
    (150000, 150000, True), (150000, 150100, True), (150000, 149900, True),
    (150000, 150101, False), (150000, 149899, False),
])
def test_fee_check_within_100_krw(current, seen, ok):
    assert fee_matches(current, seen) is ok


@pytest.mark.parametrize(("start", "end", "errors"), [
    (None, None, {"start": "missing", "end": "missing"}),
    (NOW - timedelta(minutes=1), NOW + timedelta(days=1), {"start": "past"}),
    (NOW + timedelta(days=2), NOW + timedelta(days=1), {"end": "order"}),
    (NOW + timedelta(days=1), NOW + timedelta(days=1, minutes=30), {"end": "short"}),
    (NOW + timedelta(days=1), NOW + timedelta(days=31, minutes=1), {"end": "long"}),
    (NOW + timedelta(days=1), NOW + timedelta(days=31), {}),
])
def test_window_errors(start, end, errors):
    assert window_errors(start, end, NOW) == errors


def test_overlaps_are_half_open():
    a, b = NOW, NOW + timedelta(hours=2)
    assert overlaps(a, b, b - timedelta(minutes=1), b + timedelta(hours=1))
    assert not overlaps(a, b, b, b + timedelta(hours=1))  # back-to-back rentals share no minute


def test_max_concurrent_counts_the_busiest_moment_not_every_overlap():
    # three bookings that overlap the window but never all at once: two cars are enough
    intervals = [("202612100900", "202612111000"), ("202612111000", "202612121000"), ("202612101200", "202612101800")]
    assert max_concurrent(intervals, "202612100900", "202612130900") == 2
    assert max_concurrent(intervals, "202612130900", "202612140900") == 0


def test_a_model_sells_out_when_its_fleet_is_booked():
    model = catalog.MODELS[10110]  # 스타리아 at HALLA: one car
    assert model.fleet == 1
    assert model.fleet - max_concurrent([("202612100900", "202612130900")], "202612120900", "202612140900") == 0


@pytest.mark.parametrize(("accepted", "start", "expected"), [
    # booked the day before: R취소가능시간 (24 h) counts
    (datetime(2026, 12, 9, 23, 50), datetime(2026, 12, 10, 0, 30), datetime(2026, 12, 9, 0, 30)),
    # booked just after midnight for the same Seoul day: R당일취소허용시간 (60 min) counts
    (datetime(2026, 12, 10, 0, 5), datetime(2026, 12, 10, 9, 0), datetime(2026, 12, 10, 8, 0)),
])
def test_deadline_in_seoul_time_around_midnight(accepted, start, expected):
    aware = change_deadline(from_korean(accepted), from_korean(start), 24, 60)
    assert to_korean(aware) == expected
    assert server_deadline(accepted, start, 24, 60) == expected  # the company's server agrees


def test_same_day_date_is_the_seoul_date_not_utc():
    # 00:30 in Seoul on the 10th is 15:30 UTC on the 9th: still a same-day booking in Seoul
    accepted = datetime(2026, 12, 9, 15, 30, tzinfo=UTC)
    start = datetime(2026, 12, 10, 9, 0, tzinfo=SEOUL)
    assert change_deadline(accepted, start, 24, 60) == start - timedelta(minutes=60)


def test_same_day_negative_minutes_means_never():
    accepted = from_korean(datetime(2026, 12, 10, 7, 0))
    assert change_deadline(accepted, from_korean(datetime(2026, 12, 10, 12, 0)), 48, -1) == accepted


def test_server_time_rules():
    rules = catalog.RULES[101]
    now = datetime(2026, 12, 1, 10, 0)
    with pytest.raises(RuleError) as caught:
        check_window(rules, datetime(2026, 12, 1, 11, 0), datetime(2026, 12, 2, 11, 0), now)
    assert caught.value.code == "0114"
    check_window(rules, datetime(2026, 12, 1, 12, 0), datetime(2026, 12, 2, 12, 0), now)


def test_fees_grow_with_length_weekends_and_seasons():
    model = catalog.MODELS[10101]
    tuesday = datetime(2026, 12, 1, 10, 0)
    one_day = catalog.car_fee(model, tuesday, tuesday + timedelta(days=1))
    assert catalog.car_fee(model, tuesday, tuesday + timedelta(hours=4)) == one_day // 2  # 4 x 1/8
    assert catalog.car_fee(model, tuesday, tuesday + timedelta(hours=20)) == one_day  # capped at a day
    friday = datetime(2026, 12, 4, 10, 0)
    assert catalog.car_fee(model, friday, friday + timedelta(days=1)) == round(one_day * 1.2, -2)
    summer = datetime(2026, 7, 21, 10, 0)  # a Tuesday in the season
    assert catalog.car_fee(model, summer, summer + timedelta(days=1)) == round(one_day * 1.3, -2)


def _offer(code, name, fee, **kw):
    base = {"company_code": code, "company": code, "mid": 1, "name": name, "english": "", "fuel": "전기",
            "seats": 5, "transmission": "자동", "newest_year": 2025, "min_age": 21, "licence_years": 1,
            "available": 1, "fee": fee, "fee_option1": fee + 1, "fee_option2": fee + 2}
    return Offer(**{**base, **kw})


def test_group_by_model_cheapest_company_first_and_sort():
    offers = [_offer("B", "아이오닉5", 300), _offer("A", "아이오닉5", 200),
              _offer("A", "카니발", 500, seats=9, fuel="경유"),
              _offer("C", "모닝", 100, fuel="휘발유", newest_year=2023)]
    groups = group_offers(offers, Filters())
    assert [g.name for g in groups] == ["모닝", "아이오닉5", "카니발"]
    assert [o.company_code for o in groups[1].offers] == ["A", "B"]
    assert group_offers(offers, Filters(), "seats")[0].name == "카니발"
    assert [g.name for g in group_offers(offers, Filters(fuels=frozenset({"전기"})))] == ["아이오닉5"]
    assert group_offers(offers, Filters(driver_age=20)) == []
    assert [g.name for g in group_offers(offers, Filters(price_max=250))] == ["모닝", "아이오닉5"]

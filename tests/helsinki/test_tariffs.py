"""Tariff engine: windows, day types, holidays, midnight, DST, rounding, limits."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from webapp.helsinki.tariffs import (
    HELSINKI,
    InvalidStayError,
    InvalidTariffError,
    StayTooLongError,
    TariffWindow,
    quote_stay,
    weekday_day_type,
)

ZONE_1 = (TariffWindow("BUSINESS_DAY", "09", "21", Decimal("4.20")),
          TariffWindow("SATURDAY", "09", "18", Decimal("4.20")))
ZONE_3 = (TariffWindow("BUSINESS_DAY", "08", "18", Decimal("1.20")),)

# 2026-11-10 is a Tuesday, 2026-11-14 a Saturday, 2026-11-15 a Sunday
TUESDAY = (2026, 11, 10)
SATURDAY = (2026, 11, 14)


def at(day: tuple[int, int, int], hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(*day, hour, minute, second, tzinfo=HELSINKI)


def total(start: datetime, end: datetime, tariffs=ZONE_1, day_types=None, **kwargs) -> Decimal:
    return quote_stay(start, end, tariffs, day_types, **kwargs).total


@pytest.mark.parametrize(("start", "end", "expected"), [
    ((8, 58), (8, 59), "0.00"),
    ((8, 59), (9, 0), "0.00"),
    ((9, 0), (9, 1), "0.07"),
    ((8, 59), (9, 1), "0.07"),
    ((20, 59), (21, 0), "0.07"),
    ((21, 0), (21, 1), "0.00"),
    ((20, 59), (21, 1), "0.07"),
    ((9, 0), (21, 0), "50.40"),
    ((7, 0), (23, 0), "50.40"),
])
def test_business_day_window_edges_charge_only_inside_09_21(start, end, expected):
    assert total(at(TUESDAY, *start), at(TUESDAY, *end)) == Decimal(expected)


@pytest.mark.parametrize(("start", "end", "expected"), [
    ((17, 59), (18, 0), "0.07"),
    ((18, 0), (18, 1), "0.00"),
    ((17, 30), (18, 30), "2.10"),
    ((8, 59), (9, 1), "0.07"),
])
def test_saturday_window_is_cut_off_at_18(start, end, expected):
    assert total(at(SATURDAY, *start), at(SATURDAY, *end)) == Decimal(expected)


def test_sunday_is_free_and_reported_as_free_segment():
    quote = quote_stay(at((2026, 11, 15), 10), at((2026, 11, 15), 12), ZONE_1)
    assert quote.total == Decimal("0.00")
    assert [(s.day_type, s.hourly_price, s.minutes) for s in quote.segments] == [("SUNDAY", 0, 120)]


def test_independence_day_on_a_sunday_is_free():
    day_types = {date(2026, 12, 6): "SUNDAY"}
    assert total(at((2026, 12, 6), 10), at((2026, 12, 6), 14), day_types=day_types) == Decimal("0.00")


def test_epiphany_on_a_wednesday_is_priced_as_sunday_when_the_city_says_so():
    epiphany = (2027, 1, 6)
    assert date(*epiphany).weekday() == 2  # a Wednesday
    city = {date(*epiphany): "SUNDAY"}
    assert total(at(epiphany, 10), at(epiphany, 12), day_types=city) == Decimal("0.00")
    # without the city's day types the weekday rule would charge it
    assert total(at(epiphany, 10), at(epiphany, 12)) == Decimal("8.40")


def test_ascension_day_thursday_is_free_but_next_day_is_charged():
    day_types = {date(2027, 5, 6): "SUNDAY", date(2027, 5, 7): "BUSINESS_DAY"}
    quote = quote_stay(at((2027, 5, 6), 20), at((2027, 5, 7), 10), ZONE_1, day_types)
    assert quote.total == Decimal("4.20")
    assert {s.day_type for s in quote.segments} == {"SUNDAY", "BUSINESS_DAY"}


def test_date_missing_from_day_types_falls_back_to_weekday_rule():
    day_types = {date(2026, 11, 9): "BUSINESS_DAY"}  # lacks the Saturday
    assert total(at(SATURDAY, 10), at(SATURDAY, 11), day_types=day_types) == Decimal("4.20")
    assert weekday_day_type(date(*SATURDAY)) == "SATURDAY"
    assert weekday_day_type(date(2026, 11, 15)) == "SUNDAY"
    assert weekday_day_type(date(*TUESDAY)) == "BUSINESS_DAY"


def test_multi_day_stay_over_a_weekend_sums_each_window():
    quote = quote_stay(at((2026, 11, 13), 20), at((2026, 11, 16), 10), ZONE_1)
    # Fri 20-21 (1 h) + Sat 09-18 (9 h) + Mon 09-10 (1 h) = 11 h at 4.20
    assert quote.total == Decimal("46.20")
    assert quote.chargeable_minutes == 11 * 60
    assert quote.minutes == (2 * 24 + 14) * 60
    assert sum(s.minutes for s in quote.segments) == quote.minutes
    dates = [s.date for s in quote.segments]
    assert dates == sorted(dates) and date(2026, 11, 15) in dates


def test_stay_crossing_midnight_splits_segments_by_date():
    quote = quote_stay(at(TUESDAY, 20), at((2026, 11, 11), 10), ZONE_1)
    assert quote.total == Decimal("8.40")
    assert [s.date for s in quote.segments] == [date(*TUESDAY)] * 2 + [date(2026, 11, 11)] * 2


@pytest.mark.parametrize("until", ["24", "00", "0", "24:00"])
def test_window_until_midnight_accepts_24_and_00(until):
    tariffs = (TariffWindow("BUSINESS_DAY", "18", until, Decimal("2.00")),)
    # Tue 23:00 -> Wed 01:00: only the hour before midnight is inside Tuesday's window
    assert total(at(TUESDAY, 23), at((2026, 11, 11), 1), tariffs) == Decimal("2.00")


def test_window_ending_before_it_starts_wraps_into_next_morning():
    night = (TariffWindow("BUSINESS_DAY", "21", "07", Decimal("1.00")),)
    # Monday's 21-07 window covers Mon 22:00 - Tue 07:00 = 9 h
    assert total(at((2026, 11, 9), 22), at(TUESDAY, 8), night) == Decimal("9.00")


def test_overlapping_windows_charge_the_higher_price_once():
    tariffs = (TariffWindow("BUSINESS_DAY", "09", "21", Decimal("2.00")),
               TariffWindow("BUSINESS_DAY", "12", "14", Decimal("5.00")))
    assert total(at(TUESDAY, 11), at(TUESDAY, 15)) == Decimal("16.80")
    assert total(at(TUESDAY, 11), at(TUESDAY, 15), tariffs) == Decimal("2.00") * 2 + Decimal("5.00") * 2


def test_spring_dst_day_has_23_hours():
    all_day = (TariffWindow("SUNDAY", "00", "24", Decimal("1.00")),)
    quote = quote_stay(at((2026, 3, 29), 0), at((2026, 3, 30), 0), all_day)
    assert quote.minutes == 23 * 60
    assert quote.total == Decimal("23.00")


def test_autumn_dst_day_has_25_hours():
    all_day = (TariffWindow("SUNDAY", "00", "24", Decimal("1.00")),)
    quote = quote_stay(at((2026, 10, 25), 0), at((2026, 10, 26), 0), all_day)
    assert quote.total == Decimal("25.00")


def test_weekend_across_dst_change_keeps_local_windows():
    # Sat 28.3. 17:00 EET -> Mon 30.3. 10:00 EEST: 40 real hours, charged Sat 17-18 and Mon 09-10
    quote = quote_stay(at((2026, 3, 28), 17), at((2026, 3, 30), 10), ZONE_1)
    assert quote.minutes == 40 * 60
    assert quote.total == Decimal("8.40")
    monday = [s for s in quote.segments if s.hourly_price][-1]
    assert (monday.starts_at.hour, monday.ends_at.hour) == (9, 10)


def test_prorates_per_minute_and_rounds_total_half_up():
    tariffs = (TariffWindow("BUSINESS_DAY", "09", "21", Decimal("2.50")),)
    # 3 min at 2.50/h = 0.125 exactly: half up gives 0.13 (banker's rounding would give 0.12)
    assert total(at(TUESDAY, 9), at(TUESDAY, 9, 3), tariffs) == Decimal("0.13")
    # 10 min at 2.80/h = 0.4666... -> 0.47
    zone_2 = (TariffWindow("BUSINESS_DAY", "09", "18", Decimal("2.80")),)
    assert total(at(TUESDAY, 9), at(TUESDAY, 9, 10), zone_2) == Decimal("0.47")
    # half a minute at 4.20/h = 0.035 -> 0.04
    assert total(at(TUESDAY, 9), at(TUESDAY, 9, 0, 30)) == Decimal("0.04")


def test_segments_carry_breakdown_fields():
    quote = quote_stay(at(TUESDAY, 8), at(TUESDAY, 10), ZONE_1)
    assert quote.currency == "EUR"
    free, paid = quote.segments
    assert (free.hourly_price, free.amount, free.minutes) == (0, 0, 60)
    assert (paid.date, paid.day_type, paid.hourly_price, paid.minutes) == (
        date(*TUESDAY), "BUSINESS_DAY", Decimal("4.20"), 60)
    assert paid.starts_at == at(TUESDAY, 9) and paid.ends_at == at(TUESDAY, 10)
    assert paid.amount == Decimal("4.20")
    assert quote.total == Decimal("4.20")


def test_zone_3_business_day_starts_at_08():
    assert total(at(TUESDAY, 7, 30), at(TUESDAY, 8, 30), ZONE_3) == Decimal("0.60")
    assert total(at(TUESDAY, 17, 30), at(TUESDAY, 18, 30), ZONE_3) == Decimal("0.60")
    assert total(at(SATURDAY, 10), at(SATURDAY, 12), ZONE_3) == Decimal("0.00")


def test_offsets_of_inputs_do_not_change_the_price():
    start = at(TUESDAY, 9).astimezone(UTC)
    assert total(start, at(TUESDAY, 10)) == Decimal("4.20")


def test_stay_longer_than_max_time_is_refused():
    with pytest.raises(StayTooLongError) as caught:
        quote_stay(at(TUESDAY, 9), at(TUESDAY, 11, 1), ZONE_1, max_time_in_minutes=120)
    assert caught.value.max_minutes == 120 and caught.value.minutes == 121
    assert quote_stay(at(TUESDAY, 9), at(TUESDAY, 11), ZONE_1, max_time_in_minutes=120).total == Decimal("8.40")


@pytest.mark.parametrize(("start", "end"), [
    (at(TUESDAY, 10), at(TUESDAY, 10)),
    (at(TUESDAY, 10), at(TUESDAY, 9)),
    (datetime(2026, 11, 10, 9), at(TUESDAY, 10)),  # naive
])
def test_invalid_stays_are_refused(start, end):
    with pytest.raises(InvalidStayError):
        quote_stay(start, end, ZONE_1)


@pytest.mark.parametrize(("day_type", "start", "until", "price"), [
    ("BUSINESS_DAY", "25", "21", "1"),
    ("BUSINESS_DAY", "24", "21", "1"),
    ("BUSINESS_DAY", "09", "ab", "1"),
    ("BUSINESS_DAY", "09:75", "21", "1"),
    ("HOLIDAY", "09", "21", "1"),
    ("BUSINESS_DAY", "09", "21", "-1"),
    ("BUSINESS_DAY", "09", "21", "lots"),
])
def test_unreadable_tariffs_are_refused(day_type, start, until, price):
    with pytest.raises(InvalidTariffError):
        TariffWindow(day_type, start, until, price)

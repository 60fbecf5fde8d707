"""Seoul lot fee and opening-hour rules (services.seoul_tariffs): no app, no database."""

from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from webapp.seoul.tariffs import (
    HOLIDAY,
    SEOUL,
    WEEKDAY,
    WEEKEND,
    OpeningHours,
    Tariff,
    day_kind,
    fee_summary,
    hours_text,
    is_open,
    quote_stay,
)

# the seed's 2.2.1.2 sample: 1,000 won for 30 minutes, then 500 won per 10 minutes, at most 12,000 a day
SAMPLE = Tariff(rates=1000, time_rate=30, add_rates=500, add_time_rate=10, day_maximum=12000)


def kst(*args) -> datetime:
    return datetime(*args, tzinfo=SEOUL)


@pytest.mark.parametrize(("minutes", "total"), [
    (0, 0), (1, 1000), (30, 1000),  # the base fee covers the first 30 minutes
    (31, 1500), (40, 1500), (41, 2000), (45, 2000), (60, 2500),  # extra units are rounded up
    (120, 5500),
])
def test_base_fee_then_extra_units_rounded_up(minutes, total):
    assert quote_stay(SAMPLE, minutes).total == total


def test_day_maximum_caps_the_first_24_hours():
    quote = quote_stay(SAMPLE, 24 * 60)
    assert quote.total == 12000 and quote.capped
    assert quote.days[0].uncapped == 1000 + 141 * 500


def test_the_next_day_counts_its_own_units_under_its_own_cap():
    # 25 h: a full first day (12,000) + 6 extra units started in the 25th hour (3,000)
    assert quote_stay(SAMPLE, 25 * 60).total == 15000
    assert quote_stay(SAMPLE, 48 * 60).total == 24000
    assert [d.charged for d in quote_stay(SAMPLE, 49 * 60).days] == [12000, 12000, 3000]


def test_discount_is_taken_off_the_total_and_rounded_down():
    quote = quote_stay(SAMPLE, 35, discount_percent=30)  # 1,500 won less 30 %
    assert (quote.subtotal, quote.discount, quote.total) == (1500, 450, 1050)
    assert quote_stay(SAMPLE, 24 * 60, discount_percent=50).total == 6000
    assert quote_stay(Tariff(333, 30, 0, 0, 0), 10, discount_percent=50).total == 166


def test_discount_outside_0_to_100_is_refused():
    with pytest.raises(ValueError):
        quote_stay(SAMPLE, 60, discount_percent=120)


def test_no_day_maximum_when_the_operator_sends_zero():
    assert quote_stay(Tariff(1000, 30, 500, 10, 0), 24 * 60).total == 1000 + 141 * 500


def test_base_fee_covers_the_day_without_extra_units():
    assert quote_stay(Tariff(3000, 60, 0, 0, 10000), 5 * 60).total == 3000


def test_fee_summary_reads_as_posted():
    assert fee_summary(SAMPLE) == "₩1,000/30 mins, then ₩500/10 mins, day max ₩12,000"
    assert fee_summary(Tariff(2000, 60, 0, 0, 0)) == "₩2,000/h"
    assert fee_summary(Tariff(0, 0, 0, 0, 0)) == "Free"


# --- opening hours with Korean public holidays ------------------------------------------

HOURS = OpeningHours(weekday=(8 * 60, 22 * 60 + 30), weekend=(9 * 60, 21 * 60 + 40), holiday=(8 * 60 + 30, 21 * 60))


@pytest.mark.parametrize(("day", "kind"), [
    (date(2026, 11, 23), WEEKDAY),  # a Monday
    (date(2026, 11, 28), WEEKEND),  # a Saturday
    (date(2026, 12, 25), HOLIDAY),  # Christmas, a Friday
    (date(2026, 9, 25), HOLIDAY),  # Chuseok (lunar calendar)
    (date(2026, 9, 24), HOLIDAY),  # the day before Chuseok
    (date(2026, 10, 5), HOLIDAY),  # substitute holiday for National Foundation Day
    (date(2026, 12, 24), WEEKDAY),
])
def test_day_kind_knows_korean_holidays(day, kind):
    assert day_kind(day) == kind


def test_weekday_hours_on_a_weekday():
    assert is_open(HOURS, kst(2026, 11, 23, 8, 0))
    assert is_open(HOURS, kst(2026, 11, 23, 22, 29))
    assert not is_open(HOURS, kst(2026, 11, 23, 22, 30))
    assert not is_open(HOURS, kst(2026, 11, 23, 7, 59))


def test_time_is_judged_in_seoul_whatever_the_zone_given():
    # 23:30 UTC on Sunday is 08:30 on Monday in Seoul
    assert is_open(HOURS, datetime(2026, 11, 22, 23, 30, tzinfo=UTC))
    assert not is_open(HOURS, datetime(2026, 11, 22, 22, 30, tzinfo=UTC))  # 07:30 Monday


def test_christmas_uses_the_holiday_hours_not_the_weekday_ones():
    assert not is_open(HOURS, kst(2026, 12, 25, 8, 15))  # weekday hours would be open
    assert is_open(HOURS, kst(2026, 12, 25, 8, 45))
    assert not is_open(HOURS, kst(2026, 12, 25, 21, 30))


def test_chuseok_uses_the_holiday_hours():
    assert not is_open(HOURS, kst(2026, 9, 25, 8, 15))
    assert is_open(HOURS, kst(2026, 9, 25, 20, 59))


def test_weekend_hours_on_saturday():
    assert not is_open(HOURS, kst(2026, 11, 28, 8, 30))
    assert is_open(HOURS, kst(2026, 11, 28, 21, 39))


def test_missing_holiday_hours_fall_back_to_weekend_then_weekday():
    weekend_only = OpeningHours(weekday=(7 * 60, 23 * 60), weekend=(10 * 60, 18 * 60))
    assert not is_open(weekend_only, kst(2026, 12, 25, 9, 0))  # weekend hours on a holiday
    weekday_only = OpeningHours(weekday=(7 * 60, 23 * 60))
    assert is_open(weekday_only, kst(2026, 12, 25, 9, 0))
    assert is_open(weekday_only, kst(2026, 11, 28, 22, 0))


def test_all_day_and_overnight_hours():
    all_day = OpeningHours(weekday=(0, 24 * 60))
    assert is_open(all_day, kst(2026, 11, 23, 3, 0)) and hours_text((0, 24 * 60)) == "24 hours"
    night = OpeningHours(weekday=(22 * 60, 6 * 60), weekend=(0, 0))
    assert is_open(night, kst(2026, 11, 23, 23, 0))
    assert is_open(night, kst(2026, 11, 24, 5, 59))  # Monday night, early Tuesday
    assert not is_open(night, kst(2026, 11, 24, 6, 0))
    assert is_open(night, kst(2026, 11, 28, 12, 0))  # Saturday: 0000-0000 is all day
    assert hours_text((8 * 60, 22 * 60 + 30)) == "08:00–22:30"


# --- the breakdown adds up (issue 22: a 30-hour stay lost its second day's line) ---------------

TARIFFS = st.builds(Tariff, rates=st.integers(0, 5000), time_rate=st.integers(0, 180),
                    add_rates=st.integers(0, 3000), add_time_rate=st.integers(0, 120),
                    day_maximum=st.integers(0, 80_000))


def _adds_up(quote) -> None:
    assert sum(line.amount for line in quote.lines) == quote.total
    for day in quote.days:  # each day's own lines add up to what that day is charged
        assert sum(line.amount for line in quote.lines if line.day == day.index) == day.charged


def test_every_stay_from_1_minute_to_72_hours_has_lines_that_add_up_to_the_total():
    for minutes in range(1, 72 * 60 + 1):
        for percent in (0, 30, 50):
            _adds_up(quote_stay(SAMPLE, minutes, discount_percent=percent))


@settings(max_examples=300, deadline=None, database=None)
@given(tariff=TARIFFS, minutes=st.integers(1, 72 * 60), percent=st.integers(0, 100))
def test_the_lines_add_up_for_any_tariff_stay_and_discount(tariff, minutes, percent):
    quote = quote_stay(tariff, minutes, discount_percent=percent)
    _adds_up(quote)
    assert {line.day for line in quote.lines if line.day is not None} <= {day.index for day in quote.days}


def test_a_30_hour_stay_has_a_line_for_its_second_day():
    quote = quote_stay(SAMPLE, 30 * 60)
    assert [d.charged for d in quote.days] == [12000, 12000]
    second = [(line.kind, line.amount, line.units) for line in quote.lines if line.day == 1]
    assert second == [("extra", 18000, 36), ("day_maximum", -6000, 0)]  # 36 started units, capped at 12,000
    assert quote.total == 24000

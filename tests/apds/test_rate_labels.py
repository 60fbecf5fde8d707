"""Rate-table labels are the engine's bands (issue 22): every label says exactly which stays its price is for.

Seed 003 §➋ writes the Arndale bands as ``P0S``–``P3599S`` and ``P3600S``–``P7199S``: a stay of exactly one
hour is in the *second* band. The labels are derived from those boundaries (``rates.readable_rows``,
``rate_text.row_label``) and checked here against ``price_stay`` itself, second by second at the edges.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from webapp.apds import rate_text, rates
from webapp.apds.rates import price_stay
from webapp.apds.sandbox.data import rate_documents
from webapp.apds.wire import RateTable, RightSpecification

TABLES = {table_id: RateTable.model_validate(doc) for table_id, doc in rate_documents().items()}
ARNDALE = TABLES["0376c349-ed20-4f6f-9551-1a82f9f5f734"]
LANGUAGES = ("en", "fi", "sv", "ko")


def table(lines, **collection) -> RateTable:
    return RateTable.model_validate({"id": "t", "version": 1, "rateLineCollections": [
        {"collectionSequence": 1, "taxIncluded": True, **collection, "rateLines": lines}]})


def tier(seq, value, start, end, kind="incrementingRate"):
    return {"sequence": seq, "rateLineType": kind, "value": value, "durationStart": start, "durationEnd": end}


@pytest.fixture
def speak(app):
    """Labels in a language: ``with speak("fi"): …``."""
    def in_language(language):
        return app.test_request_context(headers={"Accept-Language": language})
    return in_language


# --- the bands as the engine reads them -----------------------------------------------------


def test_one_hour_is_in_the_second_band_3599_in_the_first():
    first, second = rates.readable_rows(ARNDALE)[:2]
    assert first.covers(3599) and not first.covers(3600)
    assert second.covers(3600) and second.covers(7199) and not second.covers(7200)
    assert price_stay(ARNDALE, 3599).total == first.value == Decimal("3.7")
    assert price_stay(ARNDALE, 3600).total == second.value == Decimal("6.7")


def test_the_last_tier_covers_up_to_and_including_a_whole_day():
    last = rates.readable_rows(ARNDALE)[-1]
    assert (last.from_seconds, last.to_seconds, last.to_inclusive) == (18000, 86400, True)
    assert price_stay(ARNDALE, 86400).total == last.value  # a whole day is priced as its last second
    assert price_stay(ARNDALE, 86401).total != last.value
    terms = rates.table_terms(ARNDALE)
    assert (terms.cycle_seconds, terms.cycle_price) == (86400, Decimal("20.5"))


def _tier_only(doc_table: RateTable) -> bool:
    collection = doc_table.collections[0]
    return all(row.charge == "stay" for row in rates.readable_rows(doc_table)) and collection.max_value is None \
        and not collection.min_time and collection.min_value is None


def _check_every_band(checked: RateTable, seconds) -> None:
    rows = rates.readable_rows(checked)
    for second in seconds:
        covering = [row for row in rows if row.covers(second)]
        assert len(covering) == 1, (second, covering)
        assert price_stay(checked, second).total == covering[0].value.quantize(Decimal("0.01")), second


@pytest.mark.parametrize("table_id", sorted(t for t in TABLES if _tier_only(TABLES[t])))
def test_every_second_of_a_day_costs_what_its_band_says(table_id):
    checked = TABLES[table_id]
    edges = {edge + delta for row in rates.readable_rows(checked) for edge in (row.from_seconds, row.to_seconds)
             for delta in (-1, 0, 1)}
    _check_every_band(checked, sorted({*range(1, 4 * 3600), *(e for e in edges if 1 <= e <= 86400)}))


@st.composite
def tier_tables(draw):
    """Tiers tiling a day from zero, written as the seed writes them (``P…S``) or as ``PT…`` / ``hh:mm``."""
    cuts = sorted(draw(st.sets(st.integers(1, 86399), min_size=1, max_size=6)))
    form = draw(st.sampled_from(["seed", "iso", "clock"]))
    if form == "clock":
        cuts = sorted({max(60, cut // 60 * 60) for cut in cuts})
    starts = [0, *cuts]
    ends = [*(cut - 1 for cut in cuts), 86399]
    values = sorted(draw(st.lists(st.integers(1, 5000), min_size=len(starts), max_size=len(starts))))

    def written(seconds, end):
        if form == "seed":
            return f"P{seconds}S"
        if form == "iso":
            return f"PT{seconds}S"
        minutes = seconds // 60
        return f"{minutes // 60:02d}:{minutes % 60:02d}"

    lines = [tier(i + 1, Decimal(value) / 100, written(start, False), written(end, True),
                  kind=draw(st.sampled_from(["incrementingRate", "flatRateTier"])))
             for i, (start, end, value) in enumerate(zip(starts, ends, values, strict=True))]
    if form == "clock":  # an hh:mm end covers its whole minute: the tiers still tile the day
        for line, start in zip(lines, starts, strict=True):
            line["durationStart"] = f"{start // 3600:02d}:{start % 3600 // 60:02d}"
    return table(lines), starts


@settings(max_examples=60, deadline=None, database=None)
@given(drawn=tier_tables(), data=st.data())
def test_any_tiled_table_prices_every_stay_at_the_band_its_label_names(drawn, data):
    checked, starts = drawn
    edges = {edge + delta for edge in starts for delta in (-1, 0, 1)} | {86399, 86400}
    extra = data.draw(st.lists(st.integers(1, 86400), max_size=40))
    _check_every_band(checked, sorted(e for e in edges | set(extra) if 1 <= e <= 86400))


# --- the labels ------------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "labels"), [
    ("en", ["under 1 hr", "1 hr to under 2 hrs", "2 hrs to under 3 hrs", "5 hrs up to and including 24 hrs"]),
    ("fi", ["alle 1 t", "vähintään 1 t, alle 2 t", "vähintään 2 t, alle 3 t", "vähintään 5 t, enintään 24 t"]),
    ("sv", ["under 1 tim", "från 1 tim till under 2 tim", "från 2 tim till under 3 tim",
            "från 5 tim till och med 24 tim"]),
    ("ko", ["1시간 미만", "1시간 이상 2시간 미만", "2시간 이상 3시간 미만", "5시간 이상 24시간 이하"]),
])
def test_arndale_band_labels_in_four_languages(speak, language, labels):
    rows = rates.readable_rows(ARNDALE)
    with speak(language):
        written = [rate_text.row_label(row) for row in rows]
    assert [written[0], written[1], written[2], written[-1]] == labels
    assert len(set(written)) == len(written)


def test_a_boundary_off_the_minute_is_written_to_the_second(speak):
    odd = table([tier(1, 2, "P0S", "P3598S"), tier(2, 5, "P3599S", "P7199S")])
    with speak("en"):
        assert [rate_text.row_label(row) for row in rates.readable_rows(odd)] == [
            "under 59 mins 59 secs", "59 mins 59 secs up to and including 24 hrs"]
    assert price_stay(odd, 3599).total == Decimal("5.00")  # what "under 59 mins 59 secs" leaves out


def test_time_rates_once_rates_and_notes(speak):
    hhmm = next(t for t in TABLES.values() if t.name == "Short Stay, VAT added")
    entry = next(t for t in TABLES.values() if t.name == "Entry Fee And Hourly")
    london = next(t for t in TABLES.values() if t.name == "Central London Hourly")
    with speak("en"):
        assert [rate_text.row_label(r) for r in rates.readable_rows(hhmm)] == ["the first 2 hrs",
                                                                               "time from 2 hrs to 24 hrs"]
        assert [rate_text.row_label(r) for r in rates.readable_rows(entry)] == ["once per stay", "the first 24 hrs"]
        notes = rate_text.terms_notes(rates.table_terms(london), "GBP", max_value=Decimal(65))
    assert notes == ["Longer stays: £65.00 for every whole day (24 hours), then the lines above for the rest.",
                     "Longest stay: 7 days.", "A shorter stay than 1 hr is charged as 1 hr.", "Day maximum £65.00."]


def _period(validity) -> RightSpecification:
    return RightSpecification.model_validate({"id": "r", "version": 1, "validity": {"validPeriods": [validity]}})


@pytest.mark.parametrize(("language", "every_day", "evenings", "weekdays"), [
    ("en", "Every day", "Every day · entering 18:00–06:00", "Monday, Tuesday and Friday"),
    ("fi", "Joka päivä", "Joka päivä · saapuminen klo 18.00–6.00", "maanantaina, tiistaina ja perjantaina"),
    ("sv", "Varje dag", "Varje dag · infart 18:00–06:00", "måndag, tisdag och fredag"),
    ("ko", "매일", "매일 · 입차 18:00–06:00", "월요일, 화요일 및 금요일"),
])
def test_when_a_rate_applies_is_written_from_its_days_and_hours(speak, language, every_day, evenings, weekdays):
    all_week = {"periodName": {"en": "all week long"}, "recurringDayWeekMonthPeriod": {"applicableDay": [
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]}}
    evening = {**all_week, "periodName": {"en": "evenings"},
               "recurringTimePeriodOfDay": [{"startTimeOfPeriod": "18:00", "endTimeOfPeriod": "06:00"}]}
    some = {"recurringDayWeekMonthPeriod": {"applicableDay": ["Friday", "monday", "tuesday"]}}
    with speak(language):
        assert rate_text.period_label(_period(all_week).periods[0]) == every_day
        assert rate_text.period_label(_period(evening).periods[0]) == evenings
        assert rate_text.period_label(_period(some).periods[0]) == weekdays

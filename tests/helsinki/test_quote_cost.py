"""A quote's cost does not grow with the stay: long stays are refused before pricing (issue 11)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tests.support.lines import lines_run
from webapp.accounts.vehicles import add_vehicle
from webapp.bookings.models import Booking
from webapp.extensions import db
from webapp.helsinki import areas as helsinki_areas
from webapp.helsinki import tariffs
from webapp.helsinki.tariffs import HELSINKI, MAX_STAY_MINUTES, StayTooLongError, TariffWindow, quote_stay

ZONE = (TariffWindow("BUSINESS_DAY", "09", "21", Decimal("4.20")),
        TariffWindow("SATURDAY", "09", "18", Decimal("4.20")),
        TariffWindow("BUSINESS_DAY", "20", "08", Decimal("1.00")))  # overlaps the day window and wraps
TUESDAY_10 = datetime(2026, 11, 10, 10, tzinfo=HELSINKI)


def test_a_stay_past_the_cap_is_refused_where_the_area_sets_no_maximum():
    with pytest.raises(StayTooLongError) as refused:
        quote_stay(TUESDAY_10, TUESDAY_10 + timedelta(minutes=MAX_STAY_MINUTES + 1), ZONE)
    assert refused.value.max_minutes == MAX_STAY_MINUTES == 30 * 24 * 60


def test_a_stay_of_exactly_the_cap_is_priced():
    quote = quote_stay(TUESDAY_10, TUESDAY_10 + timedelta(minutes=MAX_STAY_MINUTES), ZONE)
    assert quote.minutes == MAX_STAY_MINUTES and quote.total > 0


def _lines_run(function, *args, **kwargs) -> int:
    """How many lines of the tariff engine a call runs."""
    with lines_run(lambda filename: filename == tariffs.__file__) as counted:
        function(*args, **kwargs)
    return counted[0]


def test_pricing_work_grows_linearly_with_the_days_not_quadratically():
    # an area that allows ten years: priced in one sweep (the quadratic engine took seconds here)
    year = _lines_run(quote_stay, TUESDAY_10, TUESDAY_10 + timedelta(days=365), ZONE, max_time_in_minutes=10**7)
    decade = _lines_run(quote_stay, TUESDAY_10, TUESDAY_10 + timedelta(days=3650), ZONE, max_time_in_minutes=10**7)
    assert decade < year * 12  # ten times the days, about ten times the work (quadratic would be a hundred)
    quote = quote_stay(TUESDAY_10, TUESDAY_10 + timedelta(days=3650), ZONE, max_time_in_minutes=10**7)
    one_week = quote_stay(TUESDAY_10, TUESDAY_10 + timedelta(days=7), ZONE, max_time_in_minutes=10**7).total
    assert quote.total > one_week * 500


def test_the_sweep_charges_the_higher_of_overlapping_windows_over_many_days():
    # Tuesday 10:00 -> Wednesday 10:00: 11 h at 4.20, 20-21 covered by both (4.20 wins), 21-08 at 1.00,
    # 08-09 free, 09-10 at 4.20
    quote = quote_stay(TUESDAY_10, TUESDAY_10 + timedelta(days=1), ZONE)
    assert quote.total == Decimal("4.20") * 12 + Decimal("1.00") * 11


# --- through the pages: refused before day types are fetched ---------------------------------


@pytest.fixture
def driver(make_user):
    user = make_user("driver@example.com")
    add_vehicle(user.id, "FI", "ABC-123")
    return user


@pytest.fixture
def open_area(app):
    helsinki_areas.sync_areas()
    return next(a for a in helsinki_areas.list_areas() if a.max_time_in_minutes is None)


@pytest.mark.parametrize("end_at", ["2076-11-27T10:00", "9999-12-31T23:59", "0001-01-01T00:00"])
def test_a_quote_far_in_the_future_or_past_is_refused_at_once(client, login, driver, open_area, end_at,
                                                             monkeypatch):
    priced = []
    monkeypatch.setattr(helsinki_areas, "quote_stay", lambda *a, **k: priced.append(a) or tariffs.quote_stay(*a, **k))
    login(driver)
    response = client.get(f"/parking/areas/{open_area.area_id}/quote",
                          query_string={"duration": "custom", "end_at": end_at}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert not priced  # refused before any pricing: at once, whatever the machine's load


def test_the_day_types_are_not_fetched_for_a_stay_past_the_cap(app, open_area, monkeypatch):
    fetched = []
    monkeypatch.setattr(helsinki_areas, "_day_types", lambda first, last: fetched.append((first, last)) or {})
    now = datetime.now(UTC)
    with pytest.raises(helsinki_areas.ValidationError) as refused:
        helsinki_areas.quote_area_stay(open_area, now, now + timedelta(days=31))
    assert "at most" in refused.value.errors["end_at"] and not fetched


def test_starting_a_parking_past_the_cap_books_nothing(client, login, driver, open_area):
    login(driver)
    far = (datetime.now(HELSINKI) + timedelta(days=45)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(f"/parking/areas/{open_area.area_id}", data={
        "vehicle_id": driver.vehicles[0].id, "duration": "custom", "end_at": far,
        "idempotency_key": "k" * 32})
    assert response.status_code == 422 and "at most" in response.get_data(as_text=True)
    assert db.session.query(Booking).count() == 0

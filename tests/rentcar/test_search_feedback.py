"""The rent-car search tells the driver what is wrong instead of doing nothing (issue 17): a search sent with
empty dates names the missing field, a pick-up beyond what companies take bookings for says so, and the
filters are a control that says how many are on."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from webapp.core.clock import SEOUL, utcnow
from webapp.extensions import db
from webapp.rentcar.models import RentcarApiCost
from webapp.rentcar.pricing import MAX_AHEAD, window_errors


def _at(days: int) -> str:
    day = (utcnow().astimezone(SEOUL) + timedelta(days=days)).replace(hour=10, minute=0, second=0, microsecond=0)
    return f"{day:%Y-%m-%dT%H:%M}"


def _searches() -> int:
    return db.session.query(RentcarApiCost).filter(RentcarApiCost.action == "search").count()


def test_the_blank_search_page_shows_no_error(client):
    page = client.get("/rentals/")
    assert page.status_code == 200 and "error-message" not in page.get_data(as_text=True)


@pytest.mark.parametrize(("sent", "missing"), [
    ({"start": "", "end": ""},
     {"start": "Choose the pick-up date and time.", "end": "Choose the return date and time."}),
    ({"start": _at(10), "end": ""}, {"end": "Choose the return date and time."}),
    ({"start": "", "end": _at(12)}, {"start": "Choose the pick-up date and time."}),
])
def test_a_search_sent_with_empty_dates_says_which_date_is_missing(client, sent, missing):
    page = client.get("/rentals/", query_string={**sent, "region": "", "sort": "price"})
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    for field, message in missing.items():
        assert re.search(rf'id="{field}-error"[^>]*>.*?{re.escape(message)}', html, re.S), field
    assert _searches() == 0  # nothing was asked of the companies


def test_a_search_far_in_the_future_says_the_companies_do_not_take_bookings_that_far_ahead(client):
    page = client.get("/rentals/", query_string={"start": "2099-06-01T10:00", "end": "2099-06-03T10:00"})
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "take bookings at most a year ahead" in html and 'id="start-error"' in html
    assert "0 models" not in html and _searches() == 0


def test_a_far_pick_up_is_refused_by_the_window_rule_and_a_year_ahead_is_not():
    now = utcnow()
    start = now + MAX_AHEAD + timedelta(days=1)
    assert window_errors(start, start + timedelta(days=2), now) == {"start": "far"}
    start = now + MAX_AHEAD - timedelta(days=1)
    assert window_errors(start, start + timedelta(days=2), now) == {}


def test_an_empty_answer_months_ahead_says_some_companies_do_not_take_bookings_yet(client):
    # 200 days ahead: beyond the horizon of every Seoul company of the sandbox, within the rule's year
    page = client.get("/rentals/", query_string={"start": _at(200), "end": _at(202), "region": "seoul"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "No car matches" in html and "take bookings only a few months ahead" in html
    near = client.get("/rentals/", query_string={"start": _at(200), "end": _at(202), "price_max": "1"})
    assert "take bookings only a few months ahead" in near.get_data(as_text=True)
    soon = client.get("/rentals/", query_string={"start": _at(10), "end": _at(12), "price_max": "1"})
    assert "No car matches" in soon.get_data(as_text=True)
    assert "a few months ahead" not in soon.get_data(as_text=True)


def test_the_filters_are_a_button_like_control_that_counts_the_filters_on(client):
    html = client.get("/rentals/").get_data(as_text=True)
    summary = re.search(r"<summary([^>]*)>(.*?)</summary>", html, re.S)
    assert 'class="button disclosure"' in summary.group(1) and "<svg" in summary.group(2)
    assert "<details class=\"rentcar-filters\" >" in html  # closed while no filter is on
    html = client.get("/rentals/", query_string={"start": _at(10), "end": _at(12), "fuel": "전기",
                                                 "seats": "5"}).get_data(as_text=True)
    summary = re.search(r"<summary[^>]*>(.*?)</summary>", html, re.S).group(1)
    assert "2 on" in summary and re.search(r'<details class="rentcar-filters"\s+open>', html)

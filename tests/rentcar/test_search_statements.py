"""The rent-car search sends as many SQL statements for all the companies' cars as for one fuel's few (issue 18).

The companies' answer is reused as one stored document (not a row per car), the driver's API cost is one
row per search: what the page shows grows, the statements do not.
"""

from __future__ import annotations

import re
from datetime import timedelta

from tests.support.statements import statements
from webapp.core.clock import SEOUL, utcnow


def _window(days: int) -> dict:
    start = (utcnow().astimezone(SEOUL) + timedelta(days=days)).replace(hour=10, minute=0, second=0, microsecond=0)
    return {"start": f"{start:%Y-%m-%dT%H:%M}", "end": f"{start + timedelta(days=2):%Y-%m-%dT%H:%M}"}


def _offers(html: str) -> int:
    return len(re.findall(r'href="/rentals/cars/', html))


def test_a_search_sends_as_many_statements_for_every_car_as_for_a_few(client, make_user, login):
    login(make_user())
    window = _window(9)
    client.get("/rentals/", query_string={**window, "fuel": "전기"})  # the companies' answer, now reused
    with statements() as few:
        narrow = client.get("/rentals/", query_string={**window, "fuel": "전기"}).get_data(as_text=True)
    with statements() as many:
        broad = client.get("/rentals/", query_string=window).get_data(as_text=True)
    assert _offers(broad) > 3 * _offers(narrow) > 0
    assert len(many) == len(few), many


def test_the_offers_words_are_translated_per_value_not_per_offer(client, make_user, login, monkeypatch):
    import flask_babel

    login(make_user())
    window = _window(9)
    client.get("/rentals/", query_string={**window, "fuel": "전기"})  # the companies' answer, now reused
    looked_up = []
    real = flask_babel.Domain.get_translations
    monkeypatch.setattr(flask_babel.Domain, "get_translations",
                        lambda self: looked_up.append(1) or real(self))
    narrow = client.get("/rentals/", query_string={**window, "fuel": "전기"}).get_data(as_text=True)
    few = len(looked_up)
    broad = client.get("/rentals/", query_string=window).get_data(as_text=True)
    many = len(looked_up) - few
    more_offers = _offers(broad) - _offers(narrow)
    assert more_offers > 10
    # a few more distinct values (an age limit, a count left) may each need a word; each offer does not
    assert many - few < more_offers / 2, (few, many, more_offers)
    # and every offer still says it all, with its own address
    assert broad.count("car only, total for your dates") == _offers(broad)
    for code, mid in re.findall(r'href="/rentals/cars/([^/"]+)/(\d+)\?', broad):
        assert code and int(mid) > 0

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

"""The car-park list sends as many SQL statements for 100 car parks as for 10 (issue 18).

Every filter is a WHERE clause, the count and the first page are one statement each, each free-space
figure and price comes with its row (a price once per tariff set), and the freshness checks read the
ends of indexes: nothing is read per row.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from tests.support.kept import forget_kept_per_set
from tests.support.statements import statements
from webapp.apds import place_search, places
from webapp.apds.models import ApdsPlace
from webapp.apds.views import LIST_PAGE_SIZE
from webapp.extensions import db


def _add(count: int, first: int) -> None:
    """More car parks in Manchester, each with the tariff set of a platform place (in turn)."""
    keys = sorted(set(db.session.scalars(db.select(ApdsPlace.tariff_key))))
    now = datetime.now(UTC)
    for n in range(first, first + count):
        db.session.add(ApdsPlace(place_id=f"list-{n:04d}", name=f"List Car Park {n}", address=f"{n} List Street, "
                                 "Manchester", latitude=53.47 + n * 0.0001, longitude=-2.24, time_zone="Europe/London",
                                 tariff_key=keys[n % len(keys)], fetched_at=now, spaces_total=100,
                                 spaces_free=n % 100, occupancy_observed_at=now, occupancy_fetched_at=now))
    db.session.commit()


@pytest.mark.parametrize(("path", "headers"), [
    ("/carparks/?minutes=180", {}),
    ("/carparks/?q=List+Car&minutes=90", {"HX-Request": "true", "HX-Target": "place-list"}),
    ("/carparks/?city=Manchester&free=1&max_price=40", {}),
    ("/carparks/?near=arndale&minutes=60", {}),
])
def test_the_list_sends_as_many_statements_for_100_car_parks_as_for_10(app, client, path, headers):
    places.sync_places()
    db.session.execute(db.delete(ApdsPlace).where(ApdsPlace.address.not_like("%Manchester%")))
    db.session.commit()
    _add(10, 0)
    client.get(path, headers=headers)  # warm: the freshness checks
    places._PARSED_TARIFFS.clear()  # each request reads the tariff sets of its rows (one statement for all)
    forget_kept_per_set(app)  # and the list its count or a search its matches (kept per stamp of the set)
    with statements() as few:
        first = client.get(path, headers=headers)
    _add(90, 10)
    places._PARSED_TARIFFS.clear()
    forget_kept_per_set(app)
    with statements() as many:
        second = client.get(path, headers=headers)
    assert first.status_code == second.status_code == 200
    shown = [answer.get_data(as_text=True).count('class="card apds-place"') for answer in (first, second)]
    # a page holds at most LIST_PAGE_SIZE rows: more car parks fill it up (the nearest few stay few)
    assert shown[0] <= shown[1] <= LIST_PAGE_SIZE and (shown[1] > shown[0] or "near=" in path
                                                       or shown[0] == LIST_PAGE_SIZE), shown
    assert len(many) == len(few), many


def test_the_list_is_paged_with_links_that_keep_the_search(app, client):
    places.sync_places()
    _add(60, 0)
    total = db.session.query(ApdsPlace).where(ApdsPlace.name.like("List Car Park%")).count()
    pages = -(-total // LIST_PAGE_SIZE)
    first = client.get("/carparks/?q=List+Car&minutes=90").get_data(as_text=True)
    assert first.count('class="card apds-place"') == LIST_PAGE_SIZE
    assert f"Page 1 of {pages}" in first and 'rel="prev"' not in first
    following = re.search(r'<a class="button" rel="next" href="([^"]+)"', first).group(1)
    assert "q=List+Car" in following and "minutes=90" in following and "page=2" in following
    second = client.get(following.replace("&amp;", "&")).get_data(as_text=True)
    assert f"Page 2 of {pages}" in second and 'rel="prev"' in second
    names = set(re.findall(r">(List Car Park \d+)</a>", first))
    assert names and not names & set(re.findall(r">(List Car Park \d+)</a>", second))
    # a page past the last shows the last; the rows are ready-made texts with the price of the stay
    last = client.get("/carparks/?q=List+Car&minutes=90&page=999").get_data(as_text=True)
    assert f"Page {pages} of {pages}" in last and 'rel="next"' not in last
    assert "1 hr 30 mins: £" in last and " free" in last


def test_the_price_of_a_tariff_set_is_computed_once_for_the_minute(app, client, monkeypatch):
    places.sync_places()
    _add(40, 0)
    priced = []
    real = place_search.quote_stay
    monkeypatch.setattr(place_search, "quote_stay", lambda *a, **kw: priced.append(a) or real(*a, **kw))
    place_search._QUOTES.clear()
    client.get("/carparks/?q=List+Car&minutes=95")
    once = len(priced)
    sets = len({place.tariff_key for place in db.session.scalars(db.select(ApdsPlace))})
    assert 0 < once <= sets
    client.get("/carparks/?q=List+Car&minutes=95&page=2")
    assert len(priced) <= sets  # the same minute: only sets not on the first page are priced


def test_a_search_is_answered_again_when_the_places_change(app, client):
    places.sync_places()
    _add(30, 0)
    first = client.get("/carparks/?q=List+Car&minutes=90").get_data(as_text=True)
    assert "Car parks: 30" in first
    with statements() as again:
        client.get("/carparks/?q=List+Car&minutes=90&page=2")
    assert not [s for s in again if "LIKE" in s], again  # the kept matches: no scan of the names
    _add(5, 30)  # a place more: a new copy of the matches
    assert "Car parks: 35" in client.get("/carparks/?q=List+Car&minutes=90").get_data(as_text=True)
    db.session.get(ApdsPlace, "list-0001").name = "Renamed Car Park"  # the model keeps its search text
    db.session.commit()
    places.sync_places()  # the refresh that renames places: what was kept is dropped
    renamed = client.get("/carparks/?q=Renamed&minutes=90").get_data(as_text=True)
    assert "Renamed Car Park" in renamed and "Car parks: 1" in renamed


def test_the_csv_export_names_each_car_parks_seller_in_as_many_statements_for_20_stays_as_for_2(
        app, client, login, make_user, make_booking):
    """Each APDS row's seller is its car park's rate table: the car parks come in one statement for the
    whole export, not one per row (200 statements for an export of 1,000 bookings)."""
    import csv
    import io
    from datetime import timedelta

    from webapp.apds.models import ApdsSession
    from webapp.bookings.models import Status

    places.sync_places()
    _add(20, 0)
    driver = make_user("exports@example.com")
    login(driver)
    start = datetime(2026, 10, 5, 9, tzinfo=UTC)

    def stays(count: int, first: int) -> None:
        for n in range(first, first + count):
            booking = make_booking(driver, kind="apds_session", provider="apds", currency="GBP", title=f"Stay {n}",
                                   status=Status.COMPLETED, starts_at=start + timedelta(days=n),
                                   ends_at=start + timedelta(days=n, hours=2))
            db.session.add(ApdsSession(booking=booking, mode="phone", place_id=f"list-{n:04d}",
                                       transaction_id=f"parkgo:{booking.public_ref}"))
        db.session.commit()

    def export() -> tuple[list[str], list[dict]]:
        places._PARSED_TARIFFS.clear()  # each export reads the tariff sets of its car parks (one statement)
        with statements() as sent:
            answer = client.get("/bookings/export.csv")
        assert answer.status_code == 200
        return sent, list(csv.DictReader(io.StringIO(answer.data.decode("utf-8-sig"))))

    stays(2, 0)
    few, _rows = export()
    stays(18, 2)
    many, rows = export()
    assert len(rows) == 20 and len(many) == len(few), many
    # each row names a seller: the rate table's responsible party, else the car park (never the unknown operator)
    assert all(row["seller"] and row["seller"] != "The car park's operator" for row in rows), rows


def _pages_shown(client) -> int:
    return int(re.search(r"Page 1 of (\d+)", client.get("/carparks/?minutes=180").get_data(as_text=True)).group(1))


def _pages(places_held: int) -> int:
    return -(-places_held // LIST_PAGE_SIZE)


def test_the_count_of_every_car_park_is_kept_until_one_is_added_or_removed(app, client):
    """The unfiltered list's "page 1 of N" is counted once per stamp of the set of car parks (``place_sets``):
    the next visit counts nothing, and each way of adding or removing car parks shows at once."""
    places.sync_places()
    platform = db.session.query(ApdsPlace).count()
    _add(60, 0)
    assert _pages_shown(client) == _pages(platform + 60)
    with statements() as sent:
        assert _pages_shown(client) == _pages(platform + 60)
    assert not [s for s in sent if re.search(r"SELECT count\(\*\) AS count_1\s+FROM apds_places\s*$", s)], sent
    _add(60, 60)  # through the ORM: a flush
    assert _pages_shown(client) == _pages(platform + 120)
    db.session.execute(db.delete(ApdsPlace).where(ApdsPlace.place_id.like("list-%")))  # in bulk: no flush
    db.session.commit()
    assert _pages_shown(client) == _pages(platform)

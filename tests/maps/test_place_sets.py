"""The stamps of the sets of places (``maps.place_sets``) and what the map keeps per stamp (issue 18).

A stamp must change with every write that changes what is kept under it (a place added, removed, moved or
renamed, by a flush or in bulk) and with nothing else (a live figure, a value written again unchanged):
otherwise the map would show a stale count or group, or count at every visit as before.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from tests.maps.support import add_areas
from tests.maps.test_layer_costs import SEOUL_VIEW, add_lots, add_places
from tests.support.kept import forget_kept_per_set
from tests.support.statements import statements
from webapp.apds.models import ApdsPlace
from webapp.extensions import db
from webapp.helsinki.models import HelsinkiArea
from webapp.maps import views as map_views
from webapp.maps.cache import answers
from webapp.maps.place_sets import stamp
from webapp.seoul.models import SeoulLot, SeoulLotOperation

LIST = {"HX-Request": "true", "HX-Target": "place-list"}


def _stamp(name: str) -> str | None:
    db.session.rollback()  # a new transaction: the committed stamp
    return stamp(name)


def _area(area_id: str = "900000") -> HelsinkiArea:
    return db.session.get(HelsinkiArea, area_id)


def _lot(infra_id: str = "C00000") -> SeoulLot:
    return db.session.scalar(db.select(SeoulLot).where(SeoulLot.infra_id == infra_id))


def _place(place_id: str = "cost-0000") -> ApdsPlace:
    return db.session.get(ApdsPlace, place_id)


def _move_area():
    _area().centre_lat += 0.001


def _rename_area():
    _area().name = {**_area().name, "fi": "Uusi nimi"}


def _move_lot():
    _lot().longitude += 0.001


def _rename_lot():
    _lot().name = "새 이름 주차장"


def _new_memo():
    _lot().operation.notify_memo = "서울 새로운길 1"


def _describe_lot_anew():
    _lot().name = None  # no longer described: off the map


def _move_place():
    _place().latitude += 0.001


def _readdress_place():
    _place().address = "1 New Street"


@pytest.mark.parametrize(("name", "add", "change"), [
    ("helsinki", add_areas, _move_area), ("helsinki", add_areas, _rename_area),
    ("seoul", add_lots, _move_lot), ("seoul", add_lots, _rename_lot), ("seoul", add_lots, _new_memo),
    ("seoul", add_lots, _describe_lot_anew),
    ("apds", add_places, _move_place), ("apds", add_places, _readdress_place),
])
def test_a_change_of_a_watched_column_gives_the_set_a_new_stamp(app, name, add, change):
    add(2)
    before = _stamp(name)
    assert before is not None  # the ORM's inserts stamped it
    change()
    db.session.commit()
    assert _stamp(name) not in (before, None)


def _live_area():
    _area().max_capacity = 99
    _area().fetched_at = datetime.now(UTC)


def _live_lot():
    lot = _lot()
    lot.current_parking, lot.current_at, lot.last_method = 7, datetime.now(UTC), "ParkStatPost"
    lot.operation.rates = 9000


def _live_place():
    place = _place()
    place.spaces_free, place.occupancy_fetched_at = 3, datetime.now(UTC)


def _same_values():
    area, lot, place = _area(), _lot(), _place()
    area.name, area.centre_lat = dict(area.name), float(area.centre_lat)
    lot.name, lot.latitude = str(lot.name), float(lot.latitude)
    place.name, place.latitude = str(place.name), float(place.latitude)


@pytest.mark.parametrize("change", [_live_area, _live_lot, _live_place, _same_values])
def test_live_figures_and_unchanged_values_keep_every_stamp(app, change):
    add_areas(2), add_lots(2), add_places(2)
    before = {name: _stamp(name) for name in ("helsinki", "seoul", "apds")}
    change()
    db.session.commit()
    assert {name: _stamp(name) for name in ("helsinki", "seoul", "apds")} == before


@pytest.mark.parametrize(("name", "add", "model"), [("helsinki", add_areas, HelsinkiArea),
                                                   ("seoul", add_lots, SeoulLot), ("apds", add_places, ApdsPlace)])
def test_an_addition_or_a_removal_gives_a_new_stamp_in_a_flush_or_in_bulk(app, name, add, model):
    add(2)
    first = _stamp(name)
    add(1, first=2)
    second = _stamp(name)
    db.session.delete(db.session.scalars(db.select(model).limit(1)).one())
    db.session.commit()
    third = _stamp(name)
    if model is SeoulLot:
        db.session.execute(db.delete(SeoulLotOperation))  # the lots' rows reference them
    db.session.execute(db.delete(model))  # in bulk: no flush sees it
    db.session.commit()
    assert len({first, second, third, _stamp(name)}) == 4


def _counts(sent: list[str]) -> list[str]:
    return [statement for statement in sent if re.search(r"\bcount\(\*\)", statement)]


@pytest.mark.parametrize(("path", "headers"), [("/map", {}), ("/map?focus=seoul", {}),
                                               ("/map?focus=helsinki&q=Testialue+1", LIST),
                                               ("/map?focus=seoul&q=gongyeong", LIST)])
def test_the_map_counts_once_per_stamp_and_shows_a_change_at_once(app, client, path, headers):
    add_areas(30), add_lots(30), add_places(30)
    first = client.get(path, headers=headers).get_data(as_text=True)
    with statements() as sent:
        again = client.get(path, headers=headers).get_data(as_text=True)
    assert not _counts(sent), sent  # every count kept per stamp
    assert _totals(again) == _totals(first) != []
    add_areas(30, first=30), add_lots(30, first=30)  # more places and more matches: new stamps
    with statements() as sent:
        grown = client.get(path, headers=headers).get_data(as_text=True)
    assert _counts(sent)
    assert _totals(grown) != _totals(first)
    forget_kept_per_set(app)  # what a worker that kept nothing shows
    assert _totals(client.get(path, headers=headers).get_data(as_text=True)) == _totals(grown)


def _totals(page: str) -> list[str]:
    """Each layer's count in the list ("Seoul parking lots (60)")."""
    return re.findall(r'<span class="muted">\((\d+)\)</span>', page)


def test_a_search_count_follows_a_rename_at_once(app, client):
    add_lots(30)
    path = "/map?focus=seoul&q=banpo"
    assert _totals(client.get(path, headers=LIST).get_data(as_text=True)) in ([], ["0"], ["0", "0"])
    for n in range(26):  # more than a page: the count is a COUNT (then kept), not the rows shown
        _lot(f"C{n:05d}").name = f"반포 공영주차장 {n}"
    db.session.commit()
    assert _totals(client.get(path, headers=LIST).get_data(as_text=True))[-1] == "26"


def test_a_views_groups_are_kept_while_only_live_figures_change(app, client, monkeypatch):
    monkeypatch.setattr(map_views, "CLUSTER_ABOVE", 5)
    add_lots(20)
    path = f"/map/layers/seoul.geojson?lang=en&view={SEOUL_VIEW}"
    first = client.get(path).get_json()
    assert first["clustered"] is True
    lot = _lot()
    lot.current_parking = 1  # a live figure: the layer's answer is computed again, its groups are not
    db.session.commit()
    answers().clear()
    with statements() as sent:
        assert client.get(path).get_json() == first
    assert not [s for s in sent if "GROUP BY" in s or re.search(r"\bcount\(\*\)", s)], sent
    _lot().latitude = 37.5  # a lot moved: new groups, at once
    db.session.commit()
    moved = client.get(path).get_json()
    assert moved["clustered"] is True and moved["features"] != first["features"]


def test_a_worker_told_to_keep_nothing_counts_at_every_visit(app, client):
    """``PLACE_SET_KEPT_ANSWERS=0`` (``bench/map.py``'s measure of a request right after a place changed)."""
    add_areas(30)
    app.config["PLACE_SET_KEPT_ANSWERS"] = 0
    client.get("/map?focus=helsinki")
    with statements() as sent:
        client.get("/map?focus=helsinki")
    assert _counts(sent), sent

"""What a layer and the list under the map cost does not grow with the city (issue 18).

A layer's answer for a view is computed once per version of its data and then served from the
worker's cache (its ETag names it); a view with more places than a map shows comes back as groups
counted in SQL; the SQL a layer answer, the list preview and the page send is the same number of
statements for 3 places as for 40 (they would grow with the rows if a place were loaded, translated
or linked one query at a time). Layers set no cookie and do not vary on one.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.maps.support import add_areas
from tests.support.kept import forget_kept_per_set
from tests.support.statements import statements
from webapp.apds import places as apds_places
from webapp.apds.models import ApdsPlace
from webapp.extensions import db
from webapp.helsinki.models import HelsinkiArea
from webapp.maps import place_sets
from webapp.maps import views as map_views
from webapp.maps.cache import answers
from webapp.maps.search import TileView
from webapp.seoul import admin as seoul_admin
from webapp.seoul.models import SeoulLot, SeoulLotOperation

#: the tiles (zoom 13: 512 px each at the map's zoom 14) around central Helsinki, where add_areas puts its areas,
#: and views over the lots and car parks below
HELSINKI_VIEW = "13/4662/2370/4665/2372"
SEOUL_VIEW = "10/872/395/874/397"
MANCHESTER_VIEW = "10/504/330/506/332"


def add_lots(count: int, first: int = 0) -> None:
    """``count`` described lots around central Seoul, each with its operation (fees and hours)."""
    key = seoul_admin.find_key("COSTKEY01") or seoul_admin.add_key("COSTKEY01", 10_000)
    now = datetime.now(UTC)
    for n in range(first, first + count):
        lot = SeoulLot(key_id=key.id, infra_id=f"C{n:05d}", sealed_secret="-", name=f"시험 공영주차장 {n}",
                       capacity=100, current_parking=n % 100, current_at=now, last_push_at=now,
                       latitude=37.55 + n * 0.0007, longitude=126.97 + n * 0.0009, info_updated_at=now)
        lot.operation = SeoulLotOperation(visitor_access=True, weekday_begin=0, weekday_end=1440,
                                          rates=500 + 100 * (n % 4), time_rate=30, add_rates=250, add_time_rate=10,
                                          day_maximum=10_000, sync_time=now, notify_memo=f"서울 시험로 {n}")
        db.session.add(lot)
    db.session.commit()


def add_places(count: int, first: int = 0) -> None:
    """``count`` car parks around Manchester with the tariff set of the platform's first place."""
    if not db.session.scalar(db.select(ApdsPlace.place_id).limit(1)):
        apds_places.sync_places()
    tariff = db.session.scalar(db.select(ApdsPlace.tariff_key).order_by(ApdsPlace.place_id).limit(1))
    now = datetime.now(UTC)
    for n in range(first, first + count):
        db.session.add(ApdsPlace(place_id=f"cost-{n:04d}", name=f"Cost Car Park {n}", address=f"{n} Cost Street",
                                 latitude=53.47 + n * 0.0003, longitude=-2.25 + n * 0.0004, time_zone="Europe/London",
                                 tariff_key=tariff, fetched_at=now, spaces_total=100, spaces_free=n % 100,
                                 occupancy_observed_at=now, occupancy_fetched_at=now))
    db.session.commit()


LAYERS = [("helsinki", HELSINKI_VIEW, add_areas), ("seoul", SEOUL_VIEW, add_lots),
          ("apds", MANCHESTER_VIEW, add_places)]


def _features(response) -> list[dict]:
    return response.get_json()["features"]


def _layer(client, key: str, view: str | None = None, **headers):
    return client.get(f"/map/layers/{key}.geojson?lang=en" + (f"&view={view}" if view else ""), headers=headers)


def test_a_view_is_computed_once_per_version_of_the_data_then_read_from_the_cache(app, client):
    add_areas(12)
    first = _layer(client, "helsinki", HELSINKI_VIEW)
    assert first.status_code == 200 and len(_features(first)) == 12
    with statements() as again:
        second = _layer(client, "helsinki", HELSINKI_VIEW)
    assert second.data == first.data and second.headers["ETag"] == first.headers["ETag"]
    assert len(again) == 1, again  # the version alone: no area is read again
    add_areas(1, first=12)  # new data: a new version, computed again
    third = _layer(client, "helsinki", HELSINKI_VIEW)
    assert third.headers["ETag"] != first.headers["ETag"] and len(_features(third)) == 13


def test_an_areas_words_are_written_once_per_fetch_and_language_and_follow_its_changes(app, client):
    """A new view reads the areas' codes and geometries only; their words are kept per fetch and language."""
    add_areas(12)
    assert _layer(client, "helsinki", HELSINKI_VIEW).status_code == 200
    part_of_it = "bbox=24.929,60.169,24.935,60.171"  # five of the same areas, which no answer holds yet
    with statements() as sent:
        part = _features(client.get(f"/map/layers/helsinki.geojson?lang=en&{part_of_it}"))
    assert len(part) == 5 and not [s for s in sent if "helsinki_areas.tariffs" in s], sent
    with statements() as sent:
        swedish = _features(client.get(f"/map/layers/helsinki.geojson?lang=sv&{part_of_it}"))
    assert [s for s in sent if "helsinki_areas.tariffs" in s], sent  # another language: written now
    assert {f["properties"]["title"] for f in swedish} == {f["properties"]["title"] + " sv" for f in part}
    # a new fetch of an area with a new capacity (no stamp: neither is a column the set watches)
    area = db.session.get(HelsinkiArea, _code(part[0]))
    area.max_capacity, area.fetched_at = 35, datetime.now(UTC)
    db.session.commit()
    refreshed = {_code(f): f for f in _features(client.get(f"/map/layers/helsinki.geojson?lang=en&{part_of_it}"))}
    assert refreshed[area.area_id]["properties"]["details"] == ["Max. 4 hrs · 35 spaces"]
    assert refreshed[_code(part[1])]["properties"]["details"] == ["Max. 4 hrs · 20 spaces"]
    area.name = {"fi": "Uusi nimi", "sv": "Nytt namn", "en": "New name"}  # a new stamp of the set
    db.session.commit()
    renamed = {_code(f): f for f in _features(_layer(client, "helsinki", HELSINKI_VIEW))}
    assert renamed[area.area_id]["properties"]["title"] == "New name" and len(renamed) == 12
    # one store per language, of the new stamp alone: the old stamp's words were dropped, not left to age
    stores = app.extensions["kept:place_set:helsinki:properties"]
    assert stores["en"][0] == place_sets.stamp("helsinki") and len(stores["en"][1]) == 12


def _code(feature: dict) -> str:
    return feature["properties"]["subtitle"].rsplit(" ", 1)[-1]


def test_a_compressed_answer_is_kept_compressed_and_revalidated_by_its_tag(app, client):
    add_areas(40)
    sent = _layer(client, "helsinki", HELSINKI_VIEW, **{"Accept-Encoding": "br, gzip"})
    assert sent.headers["Content-Encoding"] == "br" and sent.headers["ETag"].endswith(':br"')
    assert "Accept-Encoding" in sent.headers["Vary"]
    with statements() as revalidating:
        again = _layer(client, "helsinki", HELSINKI_VIEW, **{"Accept-Encoding": "br, gzip",
                                                             "If-None-Match": sent.headers["ETag"]})
    assert again.status_code == 304 and again.data == b"" and len(revalidating) == 1
    plain = _layer(client, "helsinki", HELSINKI_VIEW, **{"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers and len(_features(plain)) == 40


def test_a_view_with_more_places_than_a_map_shows_comes_back_as_groups_without_text(app, client, monkeypatch):
    monkeypatch.setattr(map_views, "CLUSTER_ABOVE", 10)
    add_areas(25)
    collection = _layer(client, "helsinki", HELSINKI_VIEW).get_json()
    assert collection["clustered"] is True
    groups = collection["features"]
    assert groups and sum(group["properties"]["count"] for group in groups) == 25
    assert all(group["properties"] == {"cluster": True, "count": group["properties"]["count"]} for group in groups)
    box = TileView.parse(HELSINKI_VIEW).bbox()
    assert all(box.min_lon <= g["geometry"]["coordinates"][0] <= box.max_lon for g in groups)
    # zoomed in on a few of them: the places themselves
    close = _layer(client, "helsinki", "16/37306/18969/37306/18969").get_json()
    assert close["clustered"] is False and 0 < len(close["features"]) <= 10


def test_groups_share_the_map_grid_so_panning_does_not_move_them(app, client, monkeypatch):
    monkeypatch.setattr(map_views, "CLUSTER_ABOVE", 10)
    add_areas(30)
    here = {tuple(g["geometry"]["coordinates"]): g["properties"]["count"]
            for g in _layer(client, "helsinki", HELSINKI_VIEW).get_json()["features"]}
    panned = {tuple(g["geometry"]["coordinates"]): g["properties"]["count"]
              for g in _layer(client, "helsinki", "13/4661/2370/4665/2372").get_json()["features"]}
    assert here == panned


@pytest.mark.parametrize("view", ["13/4658/2366/4666/2368",  # nine tiles wide
                                  "21/0/0/0/0", "2/0/0/4/1", "3/5/5/4/5", "a/b/c/d/e", "13/1/2/3", "-1/0/0/0/0",
                                  "13/4658/2366/4660/2368/1", "99999999999/0/0/0/0"])
def test_views_out_of_bounds_are_refused(client, view):
    assert _layer(client, "helsinki", view).status_code == 400


def _layer_statements(client, key: str, view: str) -> int:
    answers().clear()  # the answer computed again, as after a change of the data
    forget_kept_per_set(client.application)  # and its groups, as after a change of the places
    with statements() as sent:
        assert _layer(client, key, view).status_code == 200
    return len(sent)


@pytest.mark.parametrize(("key", "view", "add"), LAYERS)
def test_a_layer_answer_is_as_many_statements_for_3_places_as_for_40(app, client, key, view, add):
    add(3)
    client.get(f"/map/layers/{key}.geojson?lang=en&view={view}")  # warm: freshness checks, parsed tariff sets
    client.get(f"/map/layers/{key}.geojson?lang=en")
    few = _layer_statements(client, key, view)
    whole_few = _layer_statements(client, key, "")
    add(37, first=3)
    assert _layer_statements(client, key, view) == few
    assert _layer_statements(client, key, "") == whole_few


@pytest.mark.parametrize(("key", "view", "add"), LAYERS)
def test_groups_are_as_many_statements_for_20_places_as_for_200(app, client, monkeypatch, key, view, add):
    monkeypatch.setattr(map_views, "CLUSTER_ABOVE", 5)
    add(20)
    client.get(f"/map/layers/{key}.geojson?lang=en&view={view}")
    few = _layer_statements(client, key, view)
    add(180, first=20)
    assert _layer_statements(client, key, view) == few
    assert _layer(client, key, view).get_json()["clustered"] is True


def _page_statements(client, path: str, **headers) -> int:
    forget_kept_per_set(client.application)  # the counts made again, as after a change of the places
    with statements() as sent:
        assert client.get(path, headers=headers).status_code == 200
    return len(sent)


@pytest.mark.parametrize("path", ["/map", "/map?focus=helsinki", "/map?focus=seoul", "/map?focus=apds",
                                  "/map?q=Test", "/map?near=60.17,24.93"])
def test_the_list_under_the_map_is_as_many_statements_for_30_places_each_as_for_90(app, client, path):
    # more than a page (25) either way: a page that is not full is counted without a COUNT
    add_areas(30), add_lots(30), add_places(30)
    client.get(path)  # warm: freshness checks
    few = _page_statements(client, path)
    fragment = _page_statements(client, path, **{"HX-Request": "true", "HX-Target": "place-list"})
    add_areas(60, first=30), add_lots(60, first=30), add_places(60, first=30)
    assert _page_statements(client, path) == few
    assert _page_statements(client, path, **{"HX-Request": "true", "HX-Target": "place-list"}) == fragment


def test_layers_set_no_cookie_and_do_not_vary_on_one(app, client, make_user, login):
    add_areas(3)
    guest = _layer(client, "helsinki", HELSINKI_VIEW)
    assert "Set-Cookie" not in guest.headers and "Cookie" not in guest.headers.get("Vary", "")
    login(make_user())
    signed_in = _layer(client, "helsinki", HELSINKI_VIEW)
    assert "Set-Cookie" not in signed_in.headers and "Cookie" not in signed_in.headers.get("Vary", "")
    assert signed_in.data == guest.data and signed_in.headers["Cache-Control"] == "public, max-age=30"


def test_a_layer_without_lang_speaks_the_browsers_language_and_says_so(app, client, make_user, login):
    add_areas(1)
    login(make_user(language="fi"))  # the profile is not read: the answer is the same for everyone
    answer = client.get(f"/map/layers/helsinki.geojson?view={HELSINKI_VIEW}", headers={"Accept-Language": "sv"})
    assert _features(answer)[0]["properties"]["title"] == "Testialue 0 sv"
    assert "Accept-Language" in answer.headers["Vary"] and "Cookie" not in answer.headers["Vary"]

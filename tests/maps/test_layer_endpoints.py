"""Each map layer as its own GeoJSON endpoint: properties only, an ETag from the data's version, a
304 when unchanged, short public caching, and a bounding box for large layers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from tests.maps.support import add_areas
from tests.seoul.support import register_lot
from webapp.apds import places as apds_places
from webapp.extensions import db
from webapp.helsinki.models import HelsinkiArea
from webapp.maps import views as map_views


def _titles(response) -> list[str]:
    return [feature["properties"]["title"] for feature in response.get_json()["features"]]


def test_helsinki_layer_is_geojson_with_properties_only(app, client):
    add_areas(3)
    response = client.get("/map/layers/helsinki.geojson?lang=sv")
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    collection = response.get_json()
    assert collection["type"] == "FeatureCollection" and collection["truncated"] is False
    feature = collection["features"][0]
    assert feature["geometry"]["type"] == "Polygon"
    properties = feature["properties"]
    assert properties["title"] == "Testialue 0 sv"  # the language of the URL, not of the visitor
    assert properties["url"] == "/parking/areas/900000" and properties["style"] == "zone-1"
    assert "zon 1" in properties["subtitle"] or "zone 1" in properties["subtitle"]
    assert not any("<" in str(value) for value in properties.values())


def test_an_area_without_a_text_in_the_language_shows_the_english_then_the_finnish_one(app, client):
    add_areas(3)
    first, second, third = (db.session.get(HelsinkiArea, f"90000{n}") for n in range(3))
    first.name, first.street = {"fi": "Kauppatori", "en": "Market Square"}, {"fi": "Eteläranta", "sv": ""}
    second.name, second.street = {"fi": "Hietalahti", "sv": "", "en": None}, {}
    third.name = {"fi": "Kamppi", "sv": "Kampen", "en": "Kamppi"}
    db.session.commit()
    for path in ("/map/layers/helsinki.geojson?lang=sv", "/map?focus=helsinki&lang=sv"):
        body = client.get(path, headers={"Accept-Language": "sv"}).get_data(as_text=True)
        for shown in ("Market Square", "Eteläranta", "Hietalahti", "Kampen"):
            assert shown in body, (path, shown)
        assert "None" not in body and "Testialue 0" not in body


@pytest.mark.parametrize(("language", "weekdays", "saturday"), [
    ("en", "Mon–Fri 09–21: €4.20/h", "Saturday 09–18: €4.20/h"),
    ("fi", "Ma–pe 09–21: 4,20\xa0€/t", "Lauantai 09–18: 4,20\xa0€/t"),
    ("ko", "월–금 09–21: €4.20/시간", "토요일 09–18: €4.20/시간")])
def test_an_areas_tariff_lines_say_the_day_in_the_popups_language(app, client, language, weekdays, saturday):
    """The city names its tariffs in Finnish, Swedish and English only, and repeats the price in the name: the
    popup says the day in our words, as the area's page does, so a Korean popup holds no English."""
    add_areas(1)
    city_names = {"fi": "Maanantaista perjantaihin 4,20 euroa / tunti", "en": "Monday to Friday, EUR 4.20 / hour"}
    db.session.get(HelsinkiArea, "900000").tariffs = [
        {"day_type": day, "name": city_names, "from": "09", "until": until, "hourly_price": "4.20"}
        for day, until in (("SATURDAY", "18"), ("BUSINESS_DAY", "21"))]  # the hours as the city writes them
    db.session.commit()
    details = client.get(f"/map/layers/helsinki.geojson?lang={language}").get_json()["features"][0]["properties"][
        "details"]
    assert details[:2] == [weekdays, saturday], details
    assert "Monday" not in str(details) and "perjantaihin" not in str(details)


def test_provider_text_that_looks_like_a_placeholder_stays_text(app, client):
    """Kept features and stored geometries are spliced into the answer in place of a per-answer random
    placeholder: a name shaped like one, quotes, braces and line separators stay the area's text, and every
    geometry its own."""
    add_areas(2)
    tricky = 'raw-0000 "raw-" geometry-0000 \u2028 </script> {"type":"Polygon"}},"properties":{"title":"x"}'
    db.session.get(HelsinkiArea, "900000").name = {"fi": tricky, "sv": tricky, "en": tricky}
    db.session.commit()
    features = client.get("/map/layers/helsinki.geojson?lang=en").get_json()["features"]
    assert [feature["properties"]["title"] for feature in features] == [tricky, "Testialue 1"]
    assert [feature["geometry"]["coordinates"][0][0] for feature in features] == [[24.93, 60.17], [24.931, 60.17]]


def test_point_layers_carry_free_space_levels(app, client):
    apds_places.sync_places()
    register_lot(app)
    apds = client.get("/map/layers/apds.geojson").get_json()["features"]
    assert apds and all(f["geometry"]["type"] == "Point" for f in apds)
    assert {f["properties"]["style"] for f in apds} <= {"level-plenty", "level-few", "level-full", "level-unknown"}
    lot = client.get("/map/layers/seoul.geojson?lang=en").get_json()["features"][0]["properties"]
    assert lot["title"] == "Sejong-ro public car park" and lot["alt_title"] == "세종로 공영주차장"
    assert lot["alt_title_lang"] == "ko" and lot["url"].startswith("/seoul/lots/")
    assert lot["free"] == 124 - 57 and lot["total"] == 124 and lot["style"] == "level-plenty"  # 54 % free


def test_etag_gives_304_until_the_data_changes(app, client):
    add_areas(3)
    first = client.get("/map/layers/helsinki.geojson?lang=en")
    tag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, max-age=30"
    again = client.get("/map/layers/helsinki.geojson?lang=en", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == tag
    assert client.get("/map/layers/helsinki.geojson?lang=fi", headers={"If-None-Match": tag}).status_code == 200
    area = db.session.get(HelsinkiArea, "900001")
    area.fetched_at = datetime.now(UTC) + timedelta(minutes=1)  # a refresh from the city
    db.session.commit()
    changed = client.get("/map/layers/helsinki.geojson?lang=en", headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag


def test_seoul_etag_follows_pushes(app, client):
    register_lot(app)
    tag = client.get("/map/layers/seoul.geojson").headers["ETag"]
    assert client.get("/map/layers/seoul.geojson", headers={"If-None-Match": tag}).status_code == 304
    register_lot(app, infra_id="171703")
    assert client.get("/map/layers/seoul.geojson", headers={"If-None-Match": tag}).status_code == 200


def test_bbox_returns_only_the_features_inside(app, client):
    add_areas(10)
    inside = client.get("/map/layers/helsinki.geojson?bbox=24.929,60.16,24.932,60.18")
    assert _titles(inside) == ["Testialue 0", "Testialue 1"]
    assert inside.headers["ETag"] != client.get("/map/layers/helsinki.geojson").headers["ETag"]
    assert _titles(client.get("/map/layers/helsinki.geojson?bbox=10,10,11,11")) == []


def test_a_large_layer_is_grouped_when_asked_whole_or_by_box_and_loaded_by_viewport(app, client, monkeypatch):
    monkeypatch.setattr(map_views, "CLUSTER_ABOVE", 4)
    monkeypatch.setattr(map_views, "VIEWPORT_THRESHOLD", 5)
    add_areas(6)
    for path in ("/map/layers/helsinki.geojson", "/map/layers/helsinki.geojson?bbox=24.92,60.16,24.95,60.18"):
        whole = client.get(path).get_json()
        assert whole["clustered"] is True and whole["truncated"] is False, path
        assert sum(group["properties"]["count"] for group in whole["features"]) == 6, path
    few = client.get("/map/layers/helsinki.geojson?bbox=24.929,60.16,24.9315,60.18").get_json()
    assert few["clustered"] is False and len(few["features"]) == 2  # a box of two areas: the areas
    html = client.get("/map").get_data(as_text=True)
    assert '"key": "helsinki", "kind": "areas", "large": true' in html


def test_a_layer_at_most_cluster_above_is_served_whole(app, client, monkeypatch):
    monkeypatch.setattr(map_views, "CLUSTER_ABOVE", 6)
    add_areas(6)
    whole = client.get("/map/layers/helsinki.geojson").get_json()
    assert whole["clustered"] is False and len(whole["features"]) == 6


def test_bad_requests_are_4xx(client):
    assert client.get("/map/layers/nowhere.geojson").status_code == 404
    for box in ("1,2,3", "a,b,c,d", "10,10,5,5", "0,0,200,0", "nan,0,1,1"):
        assert client.get(f"/map/layers/helsinki.geojson?bbox={box}").status_code == 400, box
    assert client.get("/map/layers/helsinki.geojson?lang=xx").status_code == 200


def test_seoul_popup_facts_travel_as_properties(app, client):
    register_lot(app)
    feature = client.get("/map/layers/seoul.geojson?lang=en").get_json()["features"][0]
    assert feature["geometry"] == {"type": "Point", "coordinates": [126.9769, 37.573]}  # longitude first
    details = feature["properties"]["details"]
    assert details[0] == "67 of 124 free" and details[2] in ("Open now", "Closed now")
    assert "1,000" in details[1] and "12,000" in details[1]  # the fee summary: base fee and day maximum
    assert feature["properties"]["action"] == "Lot details and prices"


def test_apds_car_parks_carry_free_space_and_a_three_hour_price(app, client):
    features = client.get("/map/layers/apds.geojson?lang=en").get_json()["features"]
    arndale = next(f for f in features if f["properties"]["title"] == "Arndale Car Park")
    assert len(features) >= 40 and arndale["geometry"]["coordinates"] == [-2.2418, 53.4838]
    assert arndale["properties"]["url"] == "/carparks/805432"
    assert any("free" in line or "spaces" in line or "Full" in line for line in arndale["properties"]["details"])
    assert any(line.startswith("3 hours: £") for line in arndale["properties"]["details"])


def test_a_stale_copy_is_refreshed_once_then_trusted_until_it_ages(app, client):
    add_areas(2, fetched_at=datetime.now(UTC) - timedelta(hours=7))  # older than the copy's six hours
    client.get("/map/layers/helsinki.geojson")
    fetched = db.session.scalar(db.select(db.func.min(HelsinkiArea.fetched_at)))
    assert datetime.now(UTC) - fetched < timedelta(minutes=1)  # the city's areas replaced the stale ones
    statements = []

    def record(_connection, _cursor, statement, *_args):
        statements.append(statement.lower())

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        client.get("/map/layers/helsinki.geojson")
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert statements and not any("min(helsinki_areas.fetched_at)" in sql for sql in statements)

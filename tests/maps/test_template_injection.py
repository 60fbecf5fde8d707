"""No provider text may reach a template compiler, or the page as HTML, on the map.

folium used to compile its rendered script again as a Jinja template: a lot named
``{{ 7*7 }}`` came back as ``49`` (server-side code execution for anyone holding an
operator key). Now the layers are JSON from their own endpoints and the popups are
built in the browser with textContent; each place where a provider's text reaches the
map (the endpoint's JSON) or the list (our autoescaped template) is probed here.
"""

from __future__ import annotations

import json

from tests.seoul.support import INFRA_ID, KEY, OPER_FIELDS, SECRET, push_client, register_lot
from webapp.apds import places as apds_places
from webapp.apds.models import ApdsPlace
from webapp.extensions import db
from webapp.helsinki import areas as helsinki_areas
from webapp.helsinki.models import HelsinkiArea

PROBE = "PROBE {{ 7*7 }} END"
STATEMENT = "MEMO {% if true %}TAKEN{% endif %} {# hidden #} END"
MARKUP = "<img src=x onerror=alert(1)>"


def _layer_text(client, key: str) -> str:
    response = client.get(f"/map/layers/{key}.geojson")
    assert response.status_code == 200
    return json.dumps(response.get_json(), ensure_ascii=False)


def _assert_literal_in_list(html: str) -> None:
    listed = html.split('id="place-list"', 1)[1]
    assert "PROBE {{ 7*7 }} END" in listed and "PROBE 49 END" not in listed
    assert "&lt;img src=x onerror=alert(1)&gt;" in listed and "<img src=x" not in html


def test_seoul_lot_name_and_memo_stay_text(app, client):
    register_lot(app, write={"parking_lot_name": f"{PROBE} {MARKUP}"})
    assert push_client(app).park_oper(KEY, INFRA_ID, SECRET, {**OPER_FIELDS, "notify_memo": STATEMENT}).ok
    data = _layer_text(client, "seoul")
    assert PROBE in data and MARKUP in data and "PROBE 49 END" not in data
    _assert_literal_in_list(client.get("/map?focus=seoul").get_data(as_text=True))
    # the memo is searchable, and searching for it evaluates nothing either
    found = client.get("/map", query_string={"focus": "seoul", "q": "{% if"}).get_data(as_text=True)
    assert "TAKEN" not in found.replace("{% if true %}TAKEN{% endif %}", "") and "PROBE {{ 7*7 }} END" in found


def test_helsinki_area_name_and_street_stay_text(app, client):
    helsinki_areas.sync_areas()
    area = db.session.scalars(db.select(HelsinkiArea).order_by(HelsinkiArea.area_id).limit(1)).one()
    area.name = {"fi": f"{PROBE} {MARKUP}", "sv": PROBE, "en": f"{PROBE} {MARKUP}"}
    area.street = {"fi": STATEMENT, "sv": STATEMENT, "en": STATEMENT}
    db.session.commit()
    data = _layer_text(client, "helsinki")
    assert PROBE in data and "{% if true %}" in data and MARKUP in data and "PROBE 49" not in data
    _assert_literal_in_list(client.get("/map?focus=helsinki&q=probe").get_data(as_text=True))


def test_apds_car_park_name_stays_text(app, client):
    apds_places.sync_places()
    place = db.session.scalars(db.select(ApdsPlace).order_by(ApdsPlace.place_id).limit(1)).one()
    place.name, place.address = f"{PROBE} {MARKUP}", STATEMENT
    db.session.commit()
    data = _layer_text(client, "apds")
    assert PROBE in data and MARKUP in data and "{% if true %}" in data and "PROBE 49" not in data
    _assert_literal_in_list(client.get("/map?focus=apds&q=probe").get_data(as_text=True))


def test_the_page_itself_carries_no_provider_text_outside_the_list(app, client):
    register_lot(app, write={"parking_lot_name": PROBE})
    html = client.get("/map?focus=seoul").get_data(as_text=True)
    before_list = html.split('id="place-list"', 1)[0]
    assert "PROBE" not in before_list  # the map's configuration names endpoints, not places


def test_search_and_point_arguments_reach_neither_folium_nor_the_page_as_code(app, client):
    # the map shell is folium's and the same for every request; ?at= and ?q= are data elsewhere
    plain = client.get("/map").get_data(as_text=True)
    def shell_script(html: str) -> str:
        return html.split("<script nonce=", 1)[1].split(">", 1)[1].split("</script>", 1)[0]

    expected = shell_script(plain)
    for query in ({"q": f"{PROBE} {MARKUP} <script>alert(2)</script>", "at": "60.2,24.9"},
                  {"at": "{{ 7*7 }},<script>"}, {"near": STATEMENT, "focus": "seoul"}):
        response = client.get("/map", query_string=query)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert shell_script(html) == expected and "L.map(" in expected
        assert "PROBE 49" not in html and "MEMO TAKEN" not in html and "<script>alert" not in html
        assert "<img src=x" not in html

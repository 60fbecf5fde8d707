"""No provider text may reach a template compiler on the map page.

folium renders its script and then compiles that output again as a Jinja
template; a lot named ``{{ 7*7 }}`` used to come back as ``49`` (server-side
code execution for anyone holding an operator key). Each place where a
provider's text reaches the map is probed here.
"""

from __future__ import annotations

import json
import re

from tests.seoul.support import OPER_FIELDS, register_lot
from webapp.extensions import db
from webapp.helsinki import areas as helsinki_areas
from webapp.helsinki.models import HelsinkiArea
from webapp.maps.layers import MapFeature, MapLayer, register_layer

PROBE = "PROBE {{ 7*7 }} END"
STATEMENT = "MEMO {% if true %}TAKEN{% endif %} {# hidden #} END"


def _layer_data(html: str) -> dict:
    found = re.search(r'<script type="application/json" id="map-layer-data"[^>]*>(.*?)</script>', html, re.S)
    assert found, "the map page carries its layers as JSON data"
    return json.loads(found.group(1))


def _all_text(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False)


def _assert_not_evaluated(html: str) -> None:
    assert "PROBE 49 END" not in html
    assert "TAKEN" not in html.replace("{% if true %}TAKEN{% endif %}", "")


def test_seoul_lot_name_and_memo_stay_text_on_the_map(app, client, make_user, login):
    memo_fields = {**OPER_FIELDS, "notify_memo": STATEMENT}
    register_lot(app, write={"parking_lot_name": PROBE})
    # the memo arrives in a ParkOperPost; push it again with the probe
    from tests.seoul.support import INFRA_ID, KEY, SECRET, push_client

    assert push_client(app).park_oper(KEY, INFRA_ID, SECRET, memo_fields).ok
    login(make_user())
    html = client.get("/map", query_string={"focus": "seoul"}).get_data(as_text=True)
    _assert_not_evaluated(html)
    data = _all_text(_layer_data(html))
    assert PROBE in data
    # the list below the map shows the name escaped by our own template
    assert "PROBE {{ 7*7 }} END" in html


def test_helsinki_area_name_and_street_stay_text_on_the_map(app, client, make_user, login):
    helsinki_areas.sync_areas()
    area = db.session.scalars(db.select(HelsinkiArea).limit(1)).one()
    area.name = {"fi": PROBE, "sv": PROBE, "en": PROBE}
    area.street = {"fi": STATEMENT, "sv": STATEMENT, "en": STATEMENT}
    db.session.commit()
    login(make_user())
    html = client.get("/map").get_data(as_text=True)
    _assert_not_evaluated(html)
    data = _all_text(_layer_data(html))
    assert PROBE in data and "{% if true %}" in data


def test_no_feature_text_goes_through_folium(app, client, make_user, login):
    feature = MapFeature(geometry={"type": "Point", "coordinates": [24.9, 60.1]}, title=PROBE, subtitle=STATEMENT,
                         popup_html="<b>{{ 6*7 }}</b>")
    register_layer(app, MapLayer(key="probe", title=lambda: "Probe layer", features=lambda language: [feature]))
    login(make_user())
    html = client.get("/map").get_data(as_text=True)
    script = re.search(r"<script nonce=\"[^\"]+\">(.*?)</script>", html, re.S).group(1)
    assert "PROBE" not in script and "{{" not in script and "<b>42</b>" not in html
    assert "{{ 6*7 }}" in _all_text(_layer_data(html))

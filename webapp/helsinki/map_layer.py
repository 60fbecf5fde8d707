"""The Helsinki layer of the "Find parking" map: every area as a polygon coloured by zone."""

from __future__ import annotations

import json
import logging
from functools import partial

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from webapp.helsinki import areas as helsinki_areas
from webapp.maps.layers import MapFeature, MapLayer

log = logging.getLogger(__name__)

# payment zones 1 (dearest, centre) to 3: colours that stay apart for colour-blind eyes too
ZONE_STYLES = {
    1: {"color": "#b2182b", "fillColor": "#d6604d", "weight": 2, "fillOpacity": 0.45},
    2: {"color": "#b35806", "fillColor": "#f1a340", "weight": 2, "fillOpacity": 0.45},
    3: {"color": "#2166ac", "fillColor": "#67a9cf", "weight": 2, "fillOpacity": 0.45},
}


def area_features(areas, language: str) -> list[MapFeature]:
    """Map/list features for ``areas`` in ``language`` (popups rendered from a template).

    Labels are translated once and each distinct tariff table rendered once
    per call: with thousands of areas, per-popup translation lookups were
    most of the page's time (bench/helsinki.py).
    """
    env = current_app.jinja_env
    popup_template = env.get_template("parkings/_popup.html")
    tariff_template = env.get_template("parkings/_tariffs.html")
    labels = {"zone": _("Zone"), "area": _("Area"), "max_time": _("Max."), "spaces": _("spaces"),
              "park_here": _("Park here")}
    tariff_tables: dict[str, Markup] = {}

    def popup(area, name: str, street: str, start_url: str) -> str:
        key = json.dumps(area.tariffs, sort_keys=True)
        if key not in tariff_tables:
            tariff_tables[key] = Markup(tariff_template.render(  # noqa: S704 - autoescaped template output
                tariffs=helsinki_areas.area_tariffs(area, language)))
        return popup_template.render(area=area, name=name, street=street, start_url=start_url, labels=labels,
                                     tariff_table=tariff_tables[key])

    features = []
    for area in areas:
        if not area.geometry:
            continue
        name, street = area.text("name", language), area.text("street", language)
        start_url = url_for("parkings.start", area_id=area.area_id)
        words = " ".join([area.area_id, f"zone {area.zone}", *area.name.values(), *area.street.values()])
        features.append(MapFeature(
            geometry=area.geometry, title=name,
            subtitle=_("%(street)s · zone %(zone)s · area %(code)s", street=street, zone=area.zone, code=area.area_id),
            url=start_url, search_text=words, style=ZONE_STYLES.get(area.zone, ZONE_STYLES[3]),
            popup_factory=partial(popup, area, name, street, start_url),
        ))
    return features


def _features(language: str) -> list[MapFeature]:
    try:
        areas = helsinki_areas.list_areas()
    except Exception as error:
        log.warning("Helsinki areas unavailable for the map: %s", error)
        return []
    return area_features(areas, language)


def helsinki_layer() -> MapLayer:
    """The registry entry for Helsinki street parking."""
    return MapLayer(key="helsinki", title=lambda: str(_l("Helsinki street parking")), features=_features)

"""The Helsinki layer of the "Find parking" map: every area as a polygon coloured by zone."""

from __future__ import annotations

import logging

from flask import render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..services import helsinki_areas
from .map_layers import MapFeature, MapLayer

log = logging.getLogger(__name__)

# payment zones 1 (dearest, centre) to 3: colours that stay apart for colour-blind eyes too
ZONE_STYLES = {
    1: {"color": "#b2182b", "fillColor": "#d6604d", "weight": 2, "fillOpacity": 0.45},
    2: {"color": "#b35806", "fillColor": "#f1a340", "weight": 2, "fillOpacity": 0.45},
    3: {"color": "#2166ac", "fillColor": "#67a9cf", "weight": 2, "fillOpacity": 0.45},
}


def area_features(areas, language: str) -> list[MapFeature]:
    """Map/list features for ``areas`` in ``language`` (popups rendered from a template)."""
    features = []
    for area in areas:
        if not area.geometry:
            continue
        name, street = area.text("name", language), area.text("street", language)
        start_url = url_for("parkings.start", area_id=area.area_id)
        popup = render_template("parkings/_popup.html", area=area, name=name, street=street, start_url=start_url,
                                tariffs=helsinki_areas.area_tariffs(area, language))
        words = " ".join([area.area_id, f"zone {area.zone}", *area.name.values(), *area.street.values()])
        features.append(MapFeature(
            geometry=area.geometry, title=name,
            subtitle=_("%(street)s · zone %(zone)s · area %(code)s", street=street, zone=area.zone, code=area.area_id),
            popup_html=popup, url=start_url, search_text=words, style=ZONE_STYLES.get(area.zone, ZONE_STYLES[3]),
        ))
    return features


def _features(language: str) -> list[MapFeature]:
    try:
        areas = helsinki_areas.list_areas()
    except Exception as error:  # noqa: BLE001 - the city being down must not take the map down
        log.warning("Helsinki areas unavailable for the map: %s", error)
        return []
    return area_features(areas, language)


def helsinki_layer() -> MapLayer:
    """The registry entry for Helsinki street parking."""
    return MapLayer(key="helsinki", title=lambda: str(_l("Helsinki street parking")), features=_features)

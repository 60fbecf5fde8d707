"""The APDS layer of the "Find parking" map: car parks as markers coloured by free space."""

from __future__ import annotations

import logging
from functools import partial

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from webapp.apds import places as apds_places
from webapp.core.clock import utcnow
from webapp.maps.layers import MapFeature, MapLayer

log = logging.getLogger(__name__)

MANCHESTER = (53.4806, -2.2428)
# free space: plenty / few / full / unknown — colours that stay apart for colour-blind eyes,
# and the level is also written in the subtitle and popup (never colour alone)
LEVEL_STYLES = {
    "plenty": {"color": "#1a6334", "fillColor": "#1b9e77", "radius": 9, "weight": 2, "fillOpacity": 0.85},
    "few": {"color": "#8a4b00", "fillColor": "#d95f02", "radius": 9, "weight": 2, "fillOpacity": 0.85},
    "full": {"color": "#5a0f2e", "fillColor": "#7570b3", "radius": 9, "weight": 3, "fillOpacity": 0.85},
    "unknown": {"color": "#555555", "fillColor": "#bbbbbb", "radius": 8, "weight": 2, "fillOpacity": 0.7},
}
COMPARE_MINUTES = 180


def place_features(rows) -> list[MapFeature]:
    """Map/list features for ``places.PlaceRow`` rows (popups rendered from a template, on demand)."""
    env = current_app.jinja_env
    template, rates_template = env.get_template("apds/_popup.html"), env.get_template("apds/_rates.html")
    labels = {"three_hours": _("3 hours"), "open": _("Prices and parking")}
    rate_lists: dict[str, Markup] = {}  # one rendering per tariff set: most car parks share a handful
    level_words = {"plenty": _("Plenty of spaces"), "few": _("Few spaces"), "full": _("Full"),
                   "unknown": _("No live data")}
    now = utcnow()

    def popup(row, url: str) -> str:
        key = row.place.tariff_key
        if key not in rate_lists:
            rate_lists[key] = Markup(rates_template.render(  # noqa: S704 - autoescaped template output
                tables=apds_places.rate_tables(row.place)))
        return template.render(place=row.place, availability=row.availability, quote=row.quote, url=url,
                               labels=labels, now=now, rate_list=rate_lists[key])

    features = []
    for row in rows:
        place = row.place
        if place.latitude is None or place.longitude is None:
            continue
        url = url_for("apds.place", place_id=place.place_id)
        free = row.availability
        words = level_words[free.level] if free.free is None or free.level == "full" else \
            _("%(free)s of %(total)s free", free=free.free, total=free.total)
        features.append(MapFeature(
            geometry={"type": "Point", "coordinates": [place.longitude, place.latitude]},
            title=place.name, subtitle=f"{place.address} · {words}", url=url,
            search_text=f"{place.name} {place.address}", style=LEVEL_STYLES[free.level],
            popup_factory=partial(popup, row, url),
        ))
    return features


def _features(language: str) -> list[MapFeature]:
    try:
        rows = apds_places.search_places(minutes=COMPARE_MINUTES)
    except Exception as error:  # the map shows the other layers when the platform is away
        log.warning("APDS car parks unavailable for the map: %s", error)
        return []
    return place_features(rows)


def apds_layer() -> MapLayer:
    """The registry entry for APDS car parks."""
    # not clustered: the shared renderer clusters points as bare coordinates, which would lose
    # the free-space colours and popups; 40-odd markers read fine without clustering
    return MapLayer(key="apds", title=lambda: str(_l("Car parks (Manchester, London)")), features=_features,
                    centre=MANCHESTER, zoom=15)

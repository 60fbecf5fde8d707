"""The map's colours, in one place: the script draws with them and the legend shows them.

Colours stay apart for colour-blind eyes, and never carry meaning alone: the zone
and the free spaces are also written in each place's text.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

#: Helsinki payment zones 1 (dearest, centre) to 3
ZONE_STYLES = {
    "zone-1": {"color": "#b2182b", "fillColor": "#d6604d", "weight": 2, "fillOpacity": 0.45},
    "zone-2": {"color": "#b35806", "fillColor": "#f1a340", "weight": 2, "fillOpacity": 0.45},
    "zone-3": {"color": "#2166ac", "fillColor": "#67a9cf", "weight": 2, "fillOpacity": 0.45},
}
#: free spaces at a car park or lot
LEVEL_STYLES = {
    "level-plenty": {"color": "#1a6334", "fillColor": "#1b9e77", "radius": 9, "weight": 2, "fillOpacity": 0.85},
    "level-few": {"color": "#8a4b00", "fillColor": "#d95f02", "radius": 9, "weight": 2, "fillOpacity": 0.85},
    "level-full": {"color": "#5a0f2e", "fillColor": "#7570b3", "radius": 9, "weight": 3, "fillOpacity": 0.85},
    "level-unknown": {"color": "#555555", "fillColor": "#bbbbbb", "radius": 8, "weight": 2, "fillOpacity": 0.7},
}
STYLES = {**ZONE_STYLES, **LEVEL_STYLES}


def legend() -> list[tuple[str, list[tuple[str, str]]]]:
    """The legend's groups: (heading, [(style key, label)]), translated."""
    return [
        (str(_l("Street parking zones")), [("zone-1", str(_l("Zone 1 (centre, dearest)"))),
                                           ("zone-2", str(_l("Zone 2"))), ("zone-3", str(_l("Zone 3")))]),
        (str(_l("Free spaces")), [("level-plenty", str(_l("Plenty of spaces"))), ("level-few", str(_l("Few spaces"))),
                                  ("level-full", str(_l("Full"))), ("level-unknown", str(_l("No live data")))]),
    ]

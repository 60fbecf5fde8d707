"""The registry of map layers: each provider adds one layer of features.

A layer is one GeoJSON FeatureCollection on the map (never one folium object
per marker: thousands of markers as separate objects cost seconds and
megabytes) and the same features as a list for people who do not use a map.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask, current_app


@dataclass(frozen=True)
class MapFeature:
    """One place on the map and in the list.

    Attributes:
        geometry: RFC 7946 GeoJSON geometry (longitude first).
        title: name in the user's language.
        subtitle: one line under the title (address, zone, free spaces ...).
        popup_html: escaped HTML for the map popup (built from a template).
        url: the place's own page or the action ("Park here").
        search_text: extra words the list search matches (codes, streets).
        style: Leaflet path style for polygons / circle markers.
        title_lang: language of ``title`` when it is not the page's (a Korean lot name: "ko").
        popup_factory: builds ``popup_html`` on demand, so the list view (which
            shows no popups) never pays for rendering them.
    """

    geometry: dict
    title: str
    subtitle: str = ""
    popup_html: str = ""
    url: str | None = None
    search_text: str = ""
    style: dict = field(default_factory=dict)
    title_lang: str | None = None
    popup_factory: Callable[[], str] | None = None

    def popup(self) -> str:
        """The popup's HTML (escaped by its template)."""
        return self.popup_factory() if self.popup_factory is not None else self.popup_html


@dataclass(frozen=True)
class MapLayer:
    """A provider's layer: ``features(language)`` returns the current features.

    ``centre``/``zoom`` is where the map opens for ``/map?focus=<key>`` (a layer far from the default view).
    """

    key: str
    title: Callable[[], str]
    features: Callable[[str], list[MapFeature]]
    cluster_points: bool = False
    centre: tuple[float, float] | None = None
    zoom: int = 13


def register_layer(app: Flask, layer: MapLayer) -> None:
    """Add (or replace) a provider's layer on ``app``; called from the app factory."""
    app.extensions.setdefault("map_layers", {})[layer.key] = layer


def registered_layers() -> list[MapLayer]:
    """The current app's layers in registration order."""
    return list(current_app.extensions.get("map_layers", {}).values())

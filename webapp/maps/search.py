"""Search text, bounding boxes and points for the "Find parking" list and layer endpoints.

The list is filtered in SQL on a ``search_text`` column that each feature fills
on write with :func:`search_text` (names in every language, streets, codes);
a query is cut into words with :func:`search_words` and every word must occur.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass

#: at most this many words of a query are matched (each is one LIKE in SQL)
MAX_WORDS = 8


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize("NFKC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def search_text(*parts: str | None) -> str:
    """The normalised search column of a place: case-folded, and again without accents.

    "Töölö" is stored as "töölö toolo", so a driver typing without umlauts finds it
    (Hangul is left as it is: NFKD would split its syllables, NFKC joins them again).
    """
    folded = _fold(" ".join(p for p in parts if p))
    plain = _strip_accents(folded)
    return folded if plain == folded else f"{folded} {plain}"


def search_words(query: str) -> tuple[str, ...]:
    """The words of a query in the column's form (at most ``MAX_WORDS``)."""
    return tuple(_fold(query).split()[:MAX_WORDS])


@dataclass(frozen=True)
class BBox:
    """A WGS84 bounding box, ``minlon,minlat,maxlon,maxlat`` as in RFC 7946."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    @classmethod
    def parse(cls, text: str | None) -> BBox | None:
        """Read ``"minlon,minlat,maxlon,maxlat"``; None for anything else (never raises)."""
        try:
            values = [float(part) for part in (text or "").split(",")]
        except ValueError:
            return None
        if len(values) != 4 or not all(math.isfinite(v) for v in values):
            return None
        min_lon, min_lat, max_lon, max_lat = values
        if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
            return None
        return cls(min_lon, min_lat, max_lon, max_lat)

    def key(self) -> str:
        """A canonical text form (4 decimals, about 10 m) for cache keys and links."""
        return ",".join(f"{v:.4f}" for v in (self.min_lon, self.min_lat, self.max_lon, self.max_lat))


def _tile_lon(x: int, zoom: int) -> float:
    return x / (1 << zoom) * 360.0 - 180.0


def _tile_lat(y: int, zoom: int) -> float:
    return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / (1 << zoom)))))


#: the web map's edge of latitude (a square world): tiles go no further north or south
_MAX_LAT = 85.05112878


def _tile_x(lon: float, zoom: int) -> int:
    """The column of the tile holding ``lon`` at ``zoom``."""
    return min((1 << zoom) - 1, max(0, int((lon + 180.0) / 360.0 * (1 << zoom))))


def _tile_y(lat: float, zoom: int) -> int:
    """The row of the tile holding ``lat`` at ``zoom`` (rows count southwards)."""
    phi = math.radians(min(_MAX_LAT, max(-_MAX_LAT, lat)))
    row = (1 - math.log(math.tan(phi) + 1 / math.cos(phi)) / math.pi) / 2 * (1 << zoom)
    return min((1 << zoom) - 1, max(0, int(row)))


@dataclass(frozen=True)
class TileView:
    """A map view as a block of web-map tiles: ``zoom/x0/y0/x1/y1`` (inclusive, x east and y south).

    The map script asks for a layer by the tiles that cover its view (``static/js/map.js``), so views
    that differ by a few pixels are one view: one cache entry on the server, one URL for the browser's
    cache. ``MAX_ZOOM`` and ``MAX_SPAN`` bound what one request may ask for (the script asks for a lower
    zoom when a view would need more tiles).
    """

    zoom: int
    x0: int
    y0: int
    x1: int
    y1: int

    MAX_ZOOM = 20
    #: tiles along each side of a view at most (8 tiles of 512 px: a 4K screen with margins)
    MAX_SPAN = 8

    @classmethod
    def parse(cls, text: str | None) -> TileView | None:
        """Read ``"z/x0/y0/x1/y1"``; None for anything else (never raises)."""
        parts = (text or "").split("/")
        if len(parts) != 5 or not all(part.isdigit() and len(part) <= 8 for part in parts):
            return None
        zoom, x0, y0, x1, y1 = (int(part) for part in parts)
        if zoom > cls.MAX_ZOOM or not (x0 <= x1 < 1 << zoom and y0 <= y1 < 1 << zoom):
            return None
        if x1 - x0 >= cls.MAX_SPAN or y1 - y0 >= cls.MAX_SPAN:
            return None
        return cls(zoom, x0, y0, x1, y1)

    @classmethod
    def covering(cls, box: BBox) -> TileView:
        """The tiles of the highest zoom that cover ``box`` within ``MAX_SPAN`` along each side (a request
        by box, or a whole layer by its extent, grouped like the map's own views)."""
        for zoom in range(cls.MAX_ZOOM, -1, -1):
            x0, x1 = _tile_x(box.min_lon, zoom), _tile_x(box.max_lon, zoom)
            y0, y1 = _tile_y(box.max_lat, zoom), _tile_y(box.min_lat, zoom)
            if x1 - x0 < cls.MAX_SPAN and y1 - y0 < cls.MAX_SPAN:
                return cls(zoom, x0, y0, x1, y1)
        return cls(0, 0, 0, 0, 0)  # not reached: zoom 0 is one tile

    def key(self) -> str:
        return f"{self.zoom}/{self.x0}/{self.y0}/{self.x1}/{self.y1}"

    def bbox(self) -> BBox:
        """The box the tiles cover (north edge of row y0 to the south edge of row y1)."""
        return BBox(_tile_lon(self.x0, self.zoom), _tile_lat(self.y1 + 1, self.zoom),
                    _tile_lon(self.x1 + 1, self.zoom), _tile_lat(self.y0, self.zoom))

    def grid(self, cells_per_tile: int) -> tuple[float, float, list[float]]:
        """A grid of ``cells_per_tile`` × ``cells_per_tile`` cells in every tile, for grouping places.

        Returns the west edge and width of the columns (degrees of longitude: equal on the map) and the
        rows' north edges from north to south (equal on the map, so not in degrees of latitude), then
        the south edge. The grid is the tiles' own at ``zoom + log2(cells_per_tile)``, so neighbouring
        views share their cells and a group does not move when the map is panned.
        """
        rows = (self.y1 - self.y0 + 1) * cells_per_tile
        first = self.y0 * cells_per_tile
        zoom = self.zoom + int(math.log2(cells_per_tile))
        edges = [_tile_lat(first + n, zoom) for n in range(rows + 1)]
        return _tile_lon(self.x0, self.zoom), 360.0 / (1 << zoom), edges


def parse_point(text: str | None) -> tuple[float, float] | None:
    """Read ``"lat,lon"``; None for anything that is not a point on Earth."""
    try:
        values = [float(part) for part in (text or "").split(",")]
    except ValueError:
        return None
    if len(values) != 2 or not all(math.isfinite(v) for v in values):
        return None
    lat, lon = values
    return (lat, lon) if -90 <= lat <= 90 and -180 <= lon <= 180 else None


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in metres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    half_lon = math.radians(lon2 - lon1) / 2
    a = math.sin((phi2 - phi1) / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(half_lon) ** 2
    return 2 * 6_371_000.0 * math.asin(math.sqrt(a))


def nearness(lat_column, lon_column, point: tuple[float, float]):
    """A SQL expression that orders rows by distance from ``point`` (equirectangular: no trigonometry in SQL).

    Good to a fraction of a percent at city scale, which is all a "near me" order needs;
    the distance shown is the haversine one, computed for the rows of the page only.
    """
    lat, lon = point
    scale = math.cos(math.radians(lat))
    return (lat_column - lat) * (lat_column - lat) + ((lon_column - lon) * scale) * ((lon_column - lon) * scale)

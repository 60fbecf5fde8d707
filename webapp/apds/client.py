"""Client for an APDS platform (seed 003; schemas in shared/apds-spec/).

We are the service provider (SP). This is the foundation: bearer-token auth,
error mapping, and the place search of seed 003 §➊. Rights, rates, occupancy and
sessions are added by their own issues on top of ``_get``.

Quirks handled here:
- names are ``{"en": …}`` objects in the seed but ``[{language, string}]`` arrays
  in the spec (MultilingualString); both are read.
- error bodies follow the spec's ResponseStatus ``{status, code, message}``;
  anything else (a proxy's HTML page) is still mapped by HTTP status, with
  the shared table of ``core.errors`` (APDS has no error codes of its own).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import httpx

from webapp.core.errors import ProviderBadResponseError, ProviderError, error_for_status
from webapp.core.http import send

PROVIDER = "apds"
PLACES_PATH = "v1/parking/places"


@dataclass(frozen=True)
class Place:
    """One element of the platform's place hierarchy.

    Attributes:
        id: the platform's place id (used as ``place``/``hierarchyElement.id`` later).
        version: the element's version.
        name: display name, English when the platform offers it.
        latitude: indicative point latitude, if the platform gave one.
        longitude: indicative point longitude, if the platform gave one.
        time_zone: IANA time zone of the place.
        right_specification_ids: right specifications sold at this place.
    """

    id: str
    version: int
    name: str
    latitude: float | None
    longitude: float | None
    time_zone: str
    right_specification_ids: tuple[str, ...]


@dataclass(frozen=True)
class PlacesPage:
    """One page of a place search (the spec's PaginatedListMeta + data).

    Attributes:
        reference_instant: Unix time the platform evaluated the query at.
        offset: index of the first place in this page.
        page_size: maximum places per page.
        total: places matching in all pages.
        places: the places in this page, as the platform ordered them.
    """

    reference_instant: int
    offset: int
    page_size: int
    total: int
    places: tuple[Place, ...]


class ApdsClient:
    """Talks to one APDS platform as a service provider.

    Args:
        http: client from ``webapp.core.http.build_http_client`` whose base
            URL is the platform root (paths here start with ``v1/parking``).
        token: bearer access token issued to us by the platform.

    Raises:
        ValueError: ``token`` is empty.
    """

    def __init__(self, http: httpx.Client, token: str) -> None:
        if not token:
            raise ValueError("APDS access token is required")
        self._http = http
        self._token = token

    def places_near(self, latitude: float, longitude: float, radius: int) -> PlacesPage:
        """Find places within ``radius`` metres of a point (seed 003 §➊).

        Also the connectivity check: an empty page proves the token works.

        Args:
            latitude: WGS84 latitude of the centre.
            longitude: WGS84 longitude of the centre.
            radius: search radius in whole metres (0 or more).

        Returns:
            The first page of matching places, with every optional attribute
            expanded (``expand=all``, as in the seed).

        Raises:
            ProviderAuthError: the token was refused (401/403).
            ProviderRejectedError: the platform refused the query (400).
            ProviderRateLimitedError: 429, with ``retry_after`` from its header.
            ProviderUnavailableError: 5xx or unreachable.
            ProviderTimeoutError: no answer in time (or 408/504).
            ProviderBadResponseError: the reply is not the expected JSON.
        """
        body = self._get(PLACES_PATH, {
            "latitude": latitude, "longitude": longitude, "radius": int(radius), "expand": "all",
        })
        try:
            meta = body["meta"]
            places = tuple(_place(item) for item in body["data"])
            return PlacesPage(
                reference_instant=int(meta["referenceInstant"]),
                offset=int(meta["offset"]),
                page_size=int(meta["pageSize"]),
                total=int(meta["total"]),
                places=places,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ProviderBadResponseError(PROVIDER, "bad_body", f"places: {exc!r}") from exc

    def _get(self, path: str, params: dict) -> dict:
        request = self._http.build_request("GET", path, params=params, headers=self._headers())
        return _json_or_raise(send(self._http, PROVIDER, request))

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}


def _json_or_raise(response: httpx.Response) -> dict:
    """Return the JSON body of a 2xx reply, else raise the matching ProviderError."""
    if response.is_success:
        try:
            body = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ProviderBadResponseError(PROVIDER, "bad_json", f"HTTP {response.status_code}: {exc}") from exc
        if not isinstance(body, dict):
            raise ProviderBadResponseError(PROVIDER, "bad_json", "top-level JSON is not an object")
        return body
    raise _error_for(response)


def _error_for(response: httpx.Response) -> ProviderError:
    status = response.status_code
    message = _status_message(response)
    detail = f"{response.request.method} {response.request.url.path}: HTTP {status}: {message}"
    return error_for_status(PROVIDER, status, detail=detail, retry_after_header=response.headers.get("Retry-After"))


def _status_message(response: httpx.Response) -> str:
    """The ResponseStatus message, or a short excerpt of whatever came back."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return response.text[:200]
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return body["message"]
    return json.dumps(body)[:200]


def _text(value, preferred: str = "en") -> str:
    """Read a multilingual name: seed ``{"en": …}`` or spec ``[{language, string}]``."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and value:
        return str(value.get(preferred) or next(iter(value.values())))
    if isinstance(value, list) and value:
        by_language = {item["language"]: item["string"] for item in value}
        return str(by_language.get(preferred) or value[0]["string"])
    raise ValueError(f"not a multilingual string: {value!r}")


def _point(item: dict) -> tuple[float | None, float | None]:
    """First indicative point: APDS pointCoordinates (x=lon, y=lat) or a GeoJSON Point."""
    for location in item.get("indicativePlacePointLocation") or ():
        coordinates = location.get("pointCoordinates")
        if coordinates:
            return float(coordinates["y"]), float(coordinates["x"])
        if location.get("type") == "Point":
            longitude, latitude = location["coordinates"][:2]
            return float(latitude), float(longitude)
    return None, None


def _place(item: dict) -> Place:
    latitude, longitude = _point(item)
    return Place(
        id=str(item["id"]),
        version=int(item["version"]),
        name=_text(item["name"]),
        latitude=latitude,
        longitude=longitude,
        time_zone=str(item.get("timeZone", "")),
        right_specification_ids=tuple(str(ref["id"]) for ref in item.get("rightSpecifications") or ()),
    )


def client_from_settings(http: httpx.Client, credentials: dict[str, str], base_url: str) -> ApdsClient:
    """Build the client from the app's provider settings (``core.provider.ApiSpec.client``)."""
    return ApdsClient(http, credentials["token"])

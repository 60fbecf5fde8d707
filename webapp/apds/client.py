"""Client for an APDS platform (seed 003; schemas in shared/apds-spec/). We are the service provider (SP).

Every call of the seed's four flows: places (search, one place with occupancy),
right specifications, rate tables, sessions (create, update, read, query),
assigned rights (create, query) and webhook subscriptions. Results are the typed
models of ``wire.py``; errors are the ``core.errors`` ProviderError family, mapped
by HTTP status with the shared table (APDS has no error codes of its own; the
spec's ResponseStatus ``message`` goes into the detail).

Quirks handled here (see also ``wire.py``):
- creation answers 200 in seed §➊ and 201 in seed §➌: any 2xx is success;
- the body of a creation answer is a ResponseStatus, not the object: we keep the
  object we sent, which carries the id we chose;
- a PUT carries the version it read; the platform answers 409 to a stale one and
  stores version + 1.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from urllib.parse import quote

import httpx
from pydantic import ValidationError as PydanticValidationError

from webapp.apds.wire import (
    AssignedRight,
    Page,
    Place,
    RateTable,
    RightSpecification,
    Session,
    Subscription,
    page_from,
)
from webapp.core.errors import ProviderBadResponseError, ProviderError, error_for_status
from webapp.core.http import send

PROVIDER = "apds"
PLACES_PATH = "v1/parking/places"
RIGHTS_PATH = "v1/parking/rights"
ASSIGNED_PATH = "v1/parking/rights/assigned"
RATES_PATH = "v1/parking/rates"
SESSIONS_PATH = "v1/parking/sessions"
WEBHOOKS_PATH = "v1/parking/webhooks"

PlacesPage = Page  # the first issue's name for a page of places


class ApdsClient:
    """Talks to one APDS platform as a service provider.

    Args:
        http: client from ``webapp.core.http.build_http_client`` whose base
            URL is the platform root (paths here start with ``v1/parking``).
        token: bearer access token issued to us by the platform.

    Raises:
        ValueError: ``token`` is empty.

    Every call raises, on failure:
        ProviderAuthError: the token was refused (401/403).
        ProviderNotFoundError: no such object (404).
        ProviderRejectedError: the platform refused the request (400, 409 stale version or duplicate id).
        ProviderRateLimitedError: 429, with ``retry_after`` from its header.
        ProviderUnavailableError: 5xx or unreachable.
        ProviderTimeoutError: no answer in time (or 408/504).
        ProviderBadResponseError: the reply is not the expected JSON.
    """

    def __init__(self, http: httpx.Client, token: str) -> None:
        if not token:
            raise ValueError("APDS access token is required")
        self._http = http
        self._token = token

    # -- flow 1: find and price -------------------------------------------------------

    def places_near(self, latitude: float, longitude: float, radius: int, *, offset: int = 0) -> Page:
        """Find places within ``radius`` metres of a point, nearest first (seed 003 §➊).

        Args:
            latitude, longitude: WGS84 centre.
            radius: search radius in whole metres (0 or more).
            offset: index of the first place of the page.

        Returns:
            A page of ``Place`` with every optional attribute expanded (``expand=all``, as in the
            seed), occupancy included.
        """
        body = self._request("GET", PLACES_PATH, params={
            "latitude": latitude, "longitude": longitude, "radius": int(radius), "expand": "all",
            "offset": offset})
        return self._parse(lambda: page_from(body, Place.from_body), "places")

    def all_places(self, *, occupancy: bool = True) -> list[Place]:
        """Every place of the platform (all pages), with occupancy unless told otherwise."""
        found: list[Place] = []
        while True:
            params = {"expand": "all" if occupancy else "rightSpecifications,pointLocation,streetAddress",
                      "offset": len(found)}
            body = self._request("GET", PLACES_PATH, params=params)
            page = self._parse(lambda body=body: page_from(body, Place.from_body), "places")
            found.extend(page.items)
            if not page.items or len(found) >= page.total:
                return found

    def place(self, place_id: str, *, occupancy: bool = True) -> Place:
        """One place, by default with its occupancy (seed 003 §➊ ``?expand=occupancy``)."""
        expand = "all" if occupancy else "rightSpecifications,pointLocation,streetAddress"
        body = self._request("GET", f"{PLACES_PATH}/{_segment(place_id)}", params={"expand": expand})
        return self._parse(lambda: Place.from_body(body), "place")

    def occupancy(self, place_id: str) -> Place:
        """A place with only its occupancy expanded: the cheapest call for the live figures."""
        body = self._request("GET", f"{PLACES_PATH}/{_segment(place_id)}", params={"expand": "occupancy"})
        return self._parse(lambda: Place.from_body(body), "place")

    def right_specification(self, right_id: str) -> RightSpecification:
        """A right specification (seed 003 §➋ step 1, ``GET /rights/{id}?expand=all``)."""
        body = self._request("GET", f"{RIGHTS_PATH}/{_segment(right_id)}", params={"expand": "all"})
        return self._parse(lambda: RightSpecification.model_validate(body), "right specification")

    def rate_table(self, rate_id: str) -> RateTable:
        """A rate table (seed 003 §➋ step 2, ``GET /rates/{id}?expand=all``)."""
        body = self._request("GET", f"{RATES_PATH}/{_segment(rate_id)}", params={"expand": "all"})
        return self._parse(lambda: RateTable.model_validate(body), "rate table")

    # -- sessions --------------------------------------------------------------------

    def create_session(self, body: dict) -> Session:
        """POST a session (seed 003 §➊ pay-by-phone; 200 or 201 both mean created).

        Returns:
            The session as we sent it (the platform answers a ResponseStatus, not the object).
        """
        self._request("POST", SESSIONS_PATH, json_body=body)
        return self._parse(lambda: Session.from_body(body), "session")

    def update_session(self, body: dict) -> Session:
        """PUT a session carrying the version it read (seed 003 §➌ steps 5 and 7); a stale one is 409.

        Returns:
            The session as stored: our body at version + 1.
        """
        self._request("PUT", f"{SESSIONS_PATH}/{_segment(body['id'])}", json_body=body)
        return self._parse(lambda: Session.from_body({**body, "version": int(body["version"]) + 1}), "session")

    def session(self, session_id: str) -> Session:
        """One session by id (spec ``GET /sessions/{id}``)."""
        body = self._request("GET", f"{SESSIONS_PATH}/{_segment(session_id)}")
        return self._parse(lambda: Session.from_body(body), "session")

    def sessions(self, *, credential_id: str | None = None, place: str | None = None,
                 start_before: datetime | str | None = None, end_after: datetime | str | None = None,
                 start_after: datetime | None = None, offset: int = 0) -> Page:
        """Query sessions (seed 003 §➍: ``credential_id``, ``place``, ``start_before=now&end_after=now``).

        Times are datetimes (sent as Unix seconds, the spec's form) or ``"now"`` (the seed's).
        """
        params = _params(credential_id=credential_id, place=place, start_before=start_before,
                         end_after=end_after, start_after=start_after, offset=offset or None)
        body = self._request("GET", SESSIONS_PATH, params=params)
        return self._parse(lambda: page_from(body, Session.from_body), "sessions")

    # -- assigned rights ---------------------------------------------------------------

    def create_assigned_right(self, body: dict) -> AssignedRight:
        """POST an assigned right (seed 003 §➌ step 1; 201, or 200)."""
        self._request("POST", ASSIGNED_PATH, json_body=body)
        return self._parse(lambda: AssignedRight.model_validate(body), "assigned right")

    def assigned_rights(self, *, place: str | None = None, credential_id: str | None = None,
                        start_after: datetime | None = None, offset: int = 0) -> Page:
        """Query assigned rights, paged (seed 003 §➋ enforcement query)."""
        params = _params(place=place, credential_id=credential_id, start_after=start_after, offset=offset or None)
        body = self._request("GET", ASSIGNED_PATH, params=params)
        return self._parse(lambda: page_from(body, AssignedRight.model_validate), "assigned rights")

    # -- webhooks ---------------------------------------------------------------------

    def subscribe(self, endpoint: str, topics: Iterable[str], secret: str) -> Subscription:
        """Subscribe ``endpoint`` to event ``topics`` (spec ``POST /webhooks``), signed with ``secret``."""
        body = self._request("POST", WEBHOOKS_PATH, json_body={"endpoint": endpoint, "topics": list(topics),
                                                               "secret": secret})
        return self._parse(lambda: Subscription.model_validate(body), "subscription")

    def subscriptions(self) -> list[Subscription]:
        """Our current subscriptions."""
        body = self._request("GET", WEBHOOKS_PATH)
        return list(self._parse(lambda: page_from(body, Subscription.model_validate), "subscriptions").items)

    def subscription(self, subscription_id: str) -> Subscription:
        body = self._request("GET", f"{WEBHOOKS_PATH}/{_segment(subscription_id)}")
        return self._parse(lambda: Subscription.model_validate(body), "subscription")

    def update_subscription(self, subscription_id: str, version: int, endpoint: str,
                            topics: Iterable[str]) -> Subscription:
        body = self._request("PUT", f"{WEBHOOKS_PATH}/{_segment(subscription_id)}",
                             json_body={"version": version, "endpoint": endpoint, "topics": list(topics)})
        return self._parse(lambda: Subscription.model_validate(body), "subscription")

    def unsubscribe(self, subscription_id: str) -> None:
        self._request("DELETE", f"{WEBHOOKS_PATH}/{_segment(subscription_id)}")

    # -- plumbing ---------------------------------------------------------------------

    def _request(self, method: str, path: str, *, params: dict | None = None, json_body: dict | None = None) -> dict:
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}
        request = self._http.build_request(method, path, params=params, json=json_body, headers=headers)
        return _json_or_raise(send(self._http, PROVIDER, request))

    @staticmethod
    def _parse(build, what: str):
        try:
            return build()
        except (KeyError, TypeError, ValueError, PydanticValidationError) as exc:
            raise ProviderBadResponseError(PROVIDER, "bad_body", f"{what}: {exc!r}"[:500]) from exc


def _segment(value: str) -> str:
    """An id as one path segment (an id is data: it never adds path levels)."""
    return quote(str(value), safe="")


def _params(**values) -> dict:
    params = {}
    for name, value in values.items():
        if value is None:
            continue
        params[name] = int(value.timestamp()) if isinstance(value, datetime) else value
    return params


def _json_or_raise(response: httpx.Response) -> dict:
    """Return the JSON body of a 2xx reply ({} when empty), else raise the matching ProviderError."""
    if response.is_success:
        if not response.content:
            return {}
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


def client_from_settings(http: httpx.Client, credentials: dict[str, str], base_url: str) -> ApdsClient:
    """Build the client from the app's provider settings (``core.provider.ApiSpec.client``)."""
    return ApdsClient(http, credentials["token"])

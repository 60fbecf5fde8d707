"""Client of parkkihubi's operator API: report parkings to the City of Helsinki's parking hub.

We are a mobile-parking operator: each parking we sell is created at the hub, its end moved
when the driver extends or stops it, and deleted when the driver cancels it within the regret
time. The hub records; it neither prices nor charges. Only this module and ``wire`` know the
hub's JSON; the rules are those of ``shared/parkkihubi-operator-api.md`` (its sections are
named below).

Quirks handled here:

* ``Authorization: ApiKey <key>`` (*Authentication*); a 401 is our key, never the driver's;
* every path ends with a slash: without it the hub answers 301 and a client that follows
  the redirect loses the body (*Endpoints*), so we never follow redirects and a 3xx is a bad answer;
* a parking cannot be read back (GET is 405): the id of the create's answer is the only
  handle, so there is no look-up call here at all;
* after the 2-minute grace period only a ``PATCH`` whose body is exactly ``time_end`` is
  accepted (*Grace period*): ``end_parking`` sends that and nothing else, so it works at any time;
* a 404 with DRF's JSON ``detail`` is the hub saying "no such parking of yours"; a 404 page in
  HTML is not the API at all (a wrong base URL), and is reported as a bad answer — a delete must
  never take a wrong URL's 404 for "already deleted".

An answer that does not validate against ``wire`` is a ``ProviderBadResponseError``.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime

import httpx
from pydantic import TypeAdapter, ValidationError

from webapp.core.errors import (
    ProviderAuthError,
    ProviderBadResponseError,
    ProviderError,
    ProviderNotFoundError,
    ProviderRejectedError,
    error_for_status,
)
from webapp.core.http import send
from webapp.parkkihubi.wire import HubParking, PaymentZone, PaymentZonePage, format_instant

__all__ = ["GRACE_PERIOD_OVER", "NOT_FOUND", "ParkkihubiClient", "client_from_settings", "error_from_response"]

PROVIDER = "parkkihubi"
JSON_TYPE = "application/json"

# Paths relative to the hub's root; the trailing slash is required (*Endpoints*).
PARKINGS = "operator/v1/parking/"
PAYMENT_ZONES = "operator/v1/payment_zone/"

#: the hub's code for "only time_end may change now" (*Grace period*)
GRACE_PERIOD_OVER = "grace_period_over"
#: our code for the hub's JSON 404 "No Parking matches the given query." (no code in its body)
NOT_FOUND = "not_found"
#: how many pages of payment zones we follow at most (100 a page; the city has a handful of zones)
MAX_PAGES = 50


def _body_of(response: httpx.Response) -> object | None:
    try:
        return json.loads(response.content)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None


def _field_errors(body: dict) -> list[tuple[str, str]]:
    """DRF's 400 shape: ``{field: [message, …]}`` (``non_field_errors`` for the object as a whole)."""
    errors = []
    for field, messages in body.items():
        if isinstance(messages, list):
            errors.extend((field, str(message)) for message in messages)
        elif isinstance(messages, str | dict):
            errors.append((field, str(messages)))
    return errors


def error_from_response(response: httpx.Response) -> ProviderError:
    """Map an error answer of the hub to the matching ``ProviderError``.

    ============================================  =======================================
    answer                                        error (code)
    ============================================  =======================================
    401 (any body)                                ``ProviderAuthError`` (401): our key
    403 ``permission_denied``                     ``ProviderAuthError``: the key is no operator's
    403 ``grace_period_over`` / other codes       ``ProviderRejectedError`` (the hub's code)
    404 with DRF's ``detail``                     ``ProviderNotFoundError`` (``not_found``)
    404 not JSON, 3xx                             ``ProviderBadResponseError``: not the API
    400 field map                                 ``ProviderRejectedError`` (``invalid``), first field
    408, 429, 5xx                                 the status table of ``core.errors``
    ============================================  =======================================

    The hub's messages are English technical text: none is shown to a driver.
    """
    status = response.status_code
    body = _body_of(response)
    text = response.text[:300]
    if status < 400:
        return ProviderBadResponseError(PROVIDER, str(status), f"HTTP {status} (a redirect: the path needs its "
                                        f"trailing slash, or the base URL is wrong): {text!r}", status_code=status)
    if status == 401:
        detail = body.get("detail") if isinstance(body, dict) else text
        return ProviderAuthError(PROVIDER, "401", f"HTTP 401: {detail}", status_code=status)
    if status >= 500 or status in (408, 429):
        return error_for_status(PROVIDER, status, detail=f"HTTP {status}: {text!r}",
                                retry_after_header=response.headers.get("Retry-After"))
    if not isinstance(body, dict):
        return ProviderBadResponseError(PROVIDER, str(status), f"HTTP {status} without the hub's JSON body "
                                        f"(is PROVIDER_PARKKIHUBI_URL the hub's root?): {text!r}", status_code=status)
    if "detail" in body and isinstance(body["detail"], str):
        code = str(body.get("code") or "")
        detail = f"HTTP {status}{' ' + code if code else ''}: {body['detail']}"
        if status == 403:
            kind = ProviderAuthError if code == "permission_denied" else ProviderRejectedError
            return kind(PROVIDER, code or "403", detail, status_code=status)
        if status == 404:
            return ProviderNotFoundError(PROVIDER, NOT_FOUND, detail, status_code=status)
        return ProviderRejectedError(PROVIDER, code or str(status), detail, status_code=status)
    errors = _field_errors(body)
    described = "; ".join(f"{field}: {message}" for field, message in errors) or text
    return ProviderRejectedError(PROVIDER, "invalid", f"HTTP {status}: {described}", status_code=status,
                                 field=errors[0][0] if errors else None)


def parking_path(parking_id: str) -> str:
    """The path of one parking, with the id checked to be a UUID (it goes into the URL).

    Raises:
        ValueError: not a UUID (the hub only ever gives UUIDs).
    """
    return f"{PARKINGS}{uuid.UUID(str(parking_id))}/"


class ParkkihubiClient:
    """Typed client of the hub's operator API for one operator's API key.

    Args:
        http: client from ``webapp.core.http.build_http_client``; its base URL is the hub's root.
        api_key: the operator's key (a 40-character token the city issues).

    Raises:
        ValueError: no key.
    """

    def __init__(self, http: httpx.Client, api_key: str) -> None:
        if not api_key:
            raise ValueError("the parkkihubi client needs an operator API key (PROVIDER_PARKKIHUBI_API_KEY)")
        self._http = http
        self._api_key = api_key

    @property
    def http(self) -> httpx.Client:
        return self._http

    def _call(self, method: str, path: str, body: dict | None = None, params: dict | None = None) -> httpx.Response:
        headers = {"Accept": JSON_TYPE, "Authorization": f"ApiKey {self._api_key}"}
        content = None
        if body is not None:
            headers["Content-Type"] = JSON_TYPE
            content = json.dumps(body, ensure_ascii=False).encode()
        request = self._http.build_request(method, path, content=content, headers=headers, params=params)
        response = send(self._http, PROVIDER, request)
        if response.status_code >= 300 or response.status_code < 200:
            raise error_from_response(response)
        return response

    @staticmethod
    def _parse(response: httpx.Response, model):
        status = response.status_code
        try:
            return TypeAdapter(model).validate_json(response.content)
        except ValidationError as exc:
            raise ProviderBadResponseError(PROVIDER, "shape", f"HTTP {status}: unexpected answer: {exc}",
                                           status_code=status) from exc

    # -- parkings ---------------------------------------------------------------------

    @staticmethod
    def parking_body(*, registration_number: str, zone: str, time_start: datetime, time_end: datetime | None,
                     location: tuple[float, float] | None = None, terminal_number: str = "",
                     domain: str | None = None) -> dict:
        """The JSON of a parking as the hub reads it (*Parking object*).

        Args:
            location: ``(longitude, latitude)``, sent as a GeoJSON point in that order (RFC 7946).
        """
        body: dict = {"registration_number": registration_number, "zone": str(zone),
                      "time_start": format_instant(time_start),
                      "time_end": format_instant(time_end) if time_end is not None else None,
                      "terminal_number": terminal_number}
        if location is not None:
            lon, lat = location
            body["location"] = {"type": "Point", "coordinates": [lon, lat]}
        if domain:
            body["domain"] = domain
        return body

    def create_parking(self, *, registration_number: str, zone: str, time_start: datetime,
                       time_end: datetime | None, location: tuple[float, float] | None = None,
                       terminal_number: str = "", domain: str | None = None) -> HubParking:
        """Report a new parking (``POST parking/``, 201).

        Never repeated on a lost answer by this client: the hub stores an identical repeat as a
        second parking and cannot be asked which one exists (see ``helsinki.hub`` for how a lost
        create is answered).

        Args:
            registration_number: the plate, 1–20 characters.
            zone: the payment-zone code (``"1"``).
            time_start, time_end: aware instants; ``time_end`` None is open-ended.
            location: ``(longitude, latitude)``.
            terminal_number: free text up to 50 characters that comes back (our reference).
            domain: the enforcement domain; the hub's default (HKI) when None.

        Returns:
            The hub's parking with its ``id``.

        Raises:
            ProviderRejectedError: a field refused (code ``invalid``, ``field`` the first one).
            ProviderAuthError: our key is refused or is no operator's.
            ProviderTimeoutError: no answer: the parking may exist.
            ProviderError: any other failure.
        """
        body = self.parking_body(registration_number=registration_number, zone=zone, time_start=time_start,
                                 time_end=time_end, location=location, terminal_number=terminal_number,
                                 domain=domain)
        return self._parse(self._call("POST", PARKINGS, body), HubParking)

    def replace_parking(self, parking_id: str, *, registration_number: str, zone: str, time_start: datetime,
                        time_end: datetime | None, location: tuple[float, float] | None = None,
                        terminal_number: str = "", domain: str | None = None) -> HubParking:
        """Replace every field of a parking (``PUT``): only within the 2-minute grace period.

        A field left out goes back to its default (*Grace period*), so the whole parking is sent.

        Raises:
            ProviderRejectedError: ``grace_period_over`` after the grace period, or a field refused.
            ProviderNotFoundError: no such parking of ours (deleted, or another operator's).
            ProviderError: any other failure.
        """
        body = self.parking_body(registration_number=registration_number, zone=zone, time_start=time_start,
                                 time_end=time_end, location=location, terminal_number=terminal_number,
                                 domain=domain)
        return self._parse(self._call("PUT", parking_path(parking_id), body), HubParking)

    def end_parking(self, parking_id: str, time_end: datetime | None) -> HubParking:
        """Move a parking's end (``PATCH`` with exactly ``{"time_end": …}``): allowed at any time.

        The body is an absolute instant, so sending it again leaves the hub as one send would:
        a lost answer is answered by sending the same call again.

        Args:
            time_end: the new end (an extension, or "now" to stop); None re-opens it.

        Returns:
            The hub's parking as it now stands.

        Raises:
            ProviderRejectedError: the end is before the start (``invalid``).
            ProviderNotFoundError: no such parking of ours.
            ProviderError: any other failure.
        """
        body = {"time_end": format_instant(time_end) if time_end is not None else None}
        return self._parse(self._call("PATCH", parking_path(parking_id), body), HubParking)

    def delete_parking(self, parking_id: str) -> None:
        """Delete a parking (``DELETE``, 204): allowed at any time, grace period or not.

        Raises:
            ProviderNotFoundError: no such parking of ours — after a delete whose answer was
                lost, that means the first one was carried out.
            ProviderError: any other failure.
        """
        self._call("DELETE", parking_path(parking_id))

    # -- reference data ------------------------------------------------------------------

    def payment_zones(self) -> tuple[PaymentZone, ...]:
        """Every payment zone of every domain (``GET payment_zone/``, all pages).

        Raises:
            ProviderError: any failure.
        """
        zones: list[PaymentZone] = []
        for page in range(1, MAX_PAGES + 1):
            reply = self._parse(self._call("GET", PAYMENT_ZONES, params={"page": page} if page > 1 else None),
                                PaymentZonePage)
            zones.extend(reply.results)
            if not reply.next:
                break
        return tuple(zones)


def client_from_settings(http: httpx.Client, credentials: dict[str, str], base_url: str) -> ParkkihubiClient:
    """Build the client from the app's provider settings (``core.provider.ApiSpec.client``)."""
    return ParkkihubiClient(http, credentials["api_key"])

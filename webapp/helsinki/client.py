"""Client of the City of Helsinki mobile parking payment API v1 (seed 002).

We are a mobile-parking operator: we authenticate with a username and
password for a JWT (seed §3.1), read areas and day types, and create, change
and cancel parkings. Only this module and ``wire`` (the pydantic models that
validate the answers) know the city's JSON field names.

Quirks handled here, with their seed sections:

* coordinates arrive latitude first (§2.5) and are turned into RFC 7946
  (lon, lat) shapes by ``wire``; we send points back in the seed's order;
* the after-regret update names the area ``areaId`` (§6.7.3) while the rest of
  the API is snake_case: ``change_stop`` sends both spellings;
* ``visible_to_user`` is optional in error bodies (§6.9.1.1 examples); the
  "Näkyvä käyttäjälle" column of §6.9.2 is the fallback;
* timestamps are documented without offset but sent with one (§6.5.3).

An answer that does not validate against ``wire`` (not JSON, a field missing
or of the wrong type) is a ``ProviderBadResponseError``; nothing else is
caught, so a bug of ours surfaces as itself, not as the city's fault.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import TypeVar

import httpx
from pydantic import TypeAdapter, ValidationError

from webapp.core.errors import (
    ProviderAuthError,
    ProviderBadResponseError,
    ProviderError,
    ProviderNotFoundError,
    ProviderRateLimitedError,
    ProviderRejectedError,
    ProviderUnavailableError,
    error_for_status,
)
from webapp.core.http import send
from webapp.helsinki.wire import (
    HELSINKI,
    Area,
    AreasReply,
    DayType,
    DayTypesReply,
    EntryPoint,
    ErrorReply,
    OneAreaReply,
    Parking,
    ParkingsReply,
    TokenReply,
    format_timestamp,
    parse_timestamp,
)

__all__ = ["HELSINKI", "HelsinkiClient", "api_language", "error_from_response", "parse_timestamp"]

PROVIDER = "helsinki"
JSON_TYPE = "application/json"

# Paths are relative to the client's base URL, which is the API host root
# (the seed's examples all start with /api/v1, §5).
AUTHENTICATE = "api/v1/authenticate"
ENTRY_POINT = "api/v1"
AREAS = "api/v1/areas"
DAY_TYPES = "api/v1/day_types"
PARKINGS = "api/v1/parkings"

#: codes whose message the seed marks "Näkyvä käyttäjälle" (§6.9.2)
VISIBLE_CODES = frozenset({1110, 1200, 1204, 1205, 9999})
NO_RESULTS = 1110
TOKEN_INVALID = 1104

#: every code of the seed's table (§6.9.2) with the error kind it means; it
#: decides before the HTTP status because the city puts several meanings on one
#: status: a 403 is "no right" (1000), "wrong protocol" (1112) or "not your
#: parking" (1205) — refusals, not a wrong password as the status table reads 403.
SEED_CODE_KINDS: dict[int, type[ProviderError]] = {
    1000: ProviderRejectedError, 1001: ProviderRateLimitedError,
    TOKEN_INVALID: ProviderAuthError, 1105: ProviderRejectedError, 1106: ProviderRejectedError,
    1107: ProviderRejectedError, NO_RESULTS: ProviderRejectedError, 1111: ProviderRejectedError,
    1112: ProviderRejectedError,
    1200: ProviderNotFoundError, **dict.fromkeys(range(1201, 1208), ProviderRejectedError),
    9999: ProviderUnavailableError,
}
#: 4xx statuses that mean one thing whoever sent them (the city, a proxy) and whatever the body says
UNAMBIGUOUS_STATUSES = frozenset({401, 408, 429})

Reply = TypeVar("Reply")
_ONE_AREA: TypeAdapter[OneAreaReply | Area] = TypeAdapter(OneAreaReply | Area)


def api_language(language: str | None) -> str:
    """The city's language for one of ours: fi/sv/en as is, anything else English."""
    primary = (language or "").replace("_", "-").split("-")[0].strip().lower()
    return primary if primary in {"fi", "sv", "en"} else "en"


def error_from_response(response: httpx.Response) -> ProviderError:
    """Map an error answer of the city to the matching ``ProviderError`` subclass.

    A 5xx, 401, 408 or 429 is read with the status table of ``core.errors`` whatever
    the body says (a 504 is a timeout: the city may have stored the parking;
    ``Retry-After`` is read by the one rule there), keeping the city's code.
    Any other status is read by the seed's code (``SEED_CODE_KINDS``: 1104 →
    auth, 1001 → rate limited, 1200 → not found, 9999 → unavailable, the rest
    → rejected); a code the seed does not list falls back on the status table.
    A 4xx without the seed's error body did not come from the API, which
    explains every refusal (§6.9): a bad response.

    Args:
        response: an answer with a status of 400 or more.

    Returns:
        The error to raise.
    """
    status = response.status_code
    retry_after = response.headers.get("Retry-After")
    by_status = status >= 500 or status in UNAMBIGUOUS_STATUSES
    try:
        first = ErrorReply.model_validate_json(response.content).errors[0]
    except ValidationError:
        detail = f"HTTP {status} without the seed's error body: {response.text[:200]!r}"
        if by_status:
            return error_for_status(PROVIDER, status, detail=detail, retry_after_header=retry_after)
        return ProviderBadResponseError(PROVIDER, str(status), detail, status_code=status)
    message = first.message.strip()
    field = f" field {first.field}" if first.field else ""
    return error_for_status(
        PROVIDER, status, code=str(first.code),
        detail=f"HTTP {status} code {first.code}{field}: {message}",
        user_message=message or None,
        visible_to_user=first.code in VISIBLE_CODES if first.visible_to_user is None else first.visible_to_user,
        field=first.field, retry_after_header=retry_after,
        kind=None if by_status else SEED_CODE_KINDS.get(first.code),
    )


class HelsinkiClient:
    """Typed client of the Helsinki parking API for one operator account.

    Args:
        http: client from ``webapp.core.http.build_http_client``; its base
            URL is the API host root.
        username: operator account name.
        password: operator password.
        language: default language of messages (fi/sv/en; others become en).
        operator_id: ``operator_id`` sent with parkings; the username by default.

    Raises:
        ValueError: a credential is missing.
    """

    def __init__(self, http: httpx.Client, username: str, password: str, *, language: str = "en",
                 operator_id: str | None = None) -> None:
        if not username or not password:
            raise ValueError("Helsinki client needs a username and a password")
        self._http = http
        self._username = username
        self._password = password
        self._language = api_language(language)
        self._operator_id = operator_id or username
        self._token: str | None = None

    # -- transport -------------------------------------------------------------

    def _headers(self, language: str | None, with_body: bool, with_token: bool) -> dict[str, str]:
        headers = {"Accept": JSON_TYPE, "Accept-Language": api_language(language or self._language)}
        if with_body:
            headers["Content-Type"] = f"{JSON_TYPE}; charset=utf-8"
        if with_token and self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        return headers

    def _call(self, method: str, path: str, *, params: Mapping[str, str] | None = None, body: dict | None = None,
              language: str | None = None, authenticated: bool = True) -> httpx.Response:
        content = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
        for attempt in (1, 2):
            if authenticated and self._token is None:
                self._authenticate(language)
            request = self._http.build_request(method, path, params=params, content=content,
                                               headers=self._headers(language, content is not None, authenticated))
            response = send(self._http, PROVIDER, request)
            if authenticated and attempt == 1 and response.status_code == 401:
                # token expired or revoked: log in again once, then retry once
                self._token = None
                continue
            if response.status_code >= 400:
                raise error_from_response(response)
            return response
        raise AssertionError("unreachable: the second attempt returns or raises")

    def _authenticate(self, language: str | None) -> None:
        response = self._call("POST", AUTHENTICATE, body={"username": self._username, "password": self._password},
                              language=language, authenticated=False)
        self._token = self._parse(response, TokenReply).token

    @staticmethod
    def _parse(response: httpx.Response, model: type[Reply] | TypeAdapter[Reply]) -> Reply:
        """Validate the answer against a ``wire`` model.

        JSON numbers with a fraction are decoded as ``Decimal`` from their text
        (pydantic's own JSON reader goes through a binary float and would turn
        a price of ``1.10`` into ``1.1``, or lose digits past the 16th).

        Raises:
            ProviderBadResponseError: the answer is not JSON, or does not fit ``model``.
        """
        status = response.status_code
        try:
            body = json.loads(response.content, parse_float=Decimal)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ProviderBadResponseError(PROVIDER, "json", f"HTTP {status}: not JSON: {exc}",
                                           status_code=status) from exc
        adapter = model if isinstance(model, TypeAdapter) else TypeAdapter(model)
        try:
            return adapter.validate_python(body)
        except ValidationError as exc:
            raise ProviderBadResponseError(PROVIDER, "shape", f"HTTP {status}: unexpected answer: {exc}",
                                           status_code=status) from exc

    # -- resources ------------------------------------------------------------------

    def entry_point(self, language: str | None = None) -> EntryPoint:
        """Read the entry point with our token: links, rate limits, account status (seed §6.1).

        Returns:
            The entry point; ``rate_limits`` tell how many calls remain.

        Raises:
            ProviderError: any refusal or transport failure (see ``error_from_response``).
        """
        response = self._call("GET", ENTRY_POINT, language=language)
        return self._parse(response, EntryPoint)

    def areas(self, language: str | None = None) -> tuple[Area, ...]:
        """All parking areas with tariffs; names come in all three languages (seed §6.3).

        Args:
            language: language of error messages only.

        Returns:
            The areas, geometry in RFC 7946 (lon, lat) order.

        Raises:
            ProviderError: any refusal or transport failure.
        """
        response = self._call("GET", AREAS, language=language)
        return self._parse(response, AreasReply).areas

    def area(self, area_id: str, language: str | None = None) -> Area:
        """One parking area by id (seed §6.3).

        Returns:
            The area (the city wraps it in an ``areas`` list; a bare object is accepted too).

        Raises:
            ProviderNotFoundError: no such area (the city answers 1110 "no results").
            ProviderError: any other refusal or transport failure.
        """
        try:
            response = self._call("GET", f"{AREAS}/{area_id}", language=language)
        except ProviderRejectedError as exc:
            if exc.code == str(NO_RESULTS):
                raise ProviderNotFoundError(PROVIDER, exc.code, exc.detail, exc.user_message, exc.visible_to_user,
                                            status_code=exc.status_code, field=exc.field) from exc
            raise
        reply = self._parse(response, _ONE_AREA)
        return reply.area if isinstance(reply, OneAreaReply) else reply

    def day_types(self, start: date | None = None, end: date | None = None,
                  language: str | None = None) -> tuple[DayType, ...]:
        """Day types per date; public holidays are SUNDAY (seed §6.4).

        Args:
            start: first date; ``None`` lets the city start today.
            end: last date; ``None`` lets the city choose its horizon.

        Returns:
            One ``DayType`` per date, in date order.

        Raises:
            ProviderRejectedError: bad dates (1201).
            ProviderError: any other refusal or transport failure.
        """
        params = {}
        if start is not None:
            params["start_date"] = start.isoformat()
        if end is not None:
            params["end_date"] = end.isoformat()
        response = self._call("GET", DAY_TYPES, params=params, language=language)
        return self._parse(response, DayTypesReply).day_types

    def parkings(self, area_id: str | None = None, register_number: str | None = None, status: str | None = None,
                 start: datetime | None = None, stop: datetime | None = None,
                 language: str | None = None) -> tuple[Parking, ...]:
        """Our parkings matching every given filter (seed §6.5).

        Args:
            area_id: only this area.
            register_number: only this vehicle.
            status: "valid" or "not_valid" (evaluated by the city now).
            start: parkings still running at or after this instant.
            stop: parkings started at or before this instant.

        Returns:
            The matching parkings; empty when the city answers 1110 "no results".

        Raises:
            ProviderRejectedError: no filter at all (1201) or a bad filter value.
            ProviderError: any other refusal or transport failure.
        """
        params = {"area_id": area_id, "register_number": register_number, "status": status,
                  "start_parking_date_time": format_timestamp(start) if start else None,
                  "stop_parking_date_time": format_timestamp(stop) if stop else None}
        try:
            response = self._call("GET", PARKINGS, params={k: v for k, v in params.items() if v},
                                  language=language)
        except ProviderRejectedError as exc:
            if exc.code == str(NO_RESULTS):
                return ()
            raise
        return self._parse(response, ParkingsReply).parkings

    def _parking_body(self, *, area_id: str, register_number: str, start: datetime, stop: datetime, zone: int,
                      device_id: str, point: tuple[float, float], timestamp: datetime | None,
                      address: Mapping[str, str] | None, resident_parking_code: str | None,
                      special_parking_code: str | None) -> dict:
        lon, lat = point
        location: dict = {"geometry": {"type": "Point", "coordinates": [lat, lon]}}  # seed §2.5 order
        if address:
            location["address"] = dict(address)
        body = {
            "area_id": area_id, "device_id": device_id, "location": location, "operator_id": self._operator_id,
            "register_number": register_number, "start_parking_date_time": format_timestamp(start),
            "stop_parking_date_time": format_timestamp(stop),
            "timestamp": format_timestamp(timestamp or datetime.now(HELSINKI)), "zone": zone,
        }
        if resident_parking_code:
            body["resident_parking_code"] = resident_parking_code
        if special_parking_code:
            body["special_parking_code"] = special_parking_code
        return body

    def start_parking(self, *, area_id: str, register_number: str, start: datetime, stop: datetime, zone: int,
                      device_id: str, point: tuple[float, float], timestamp: datetime | None = None,
                      address: Mapping[str, str] | None = None, resident_parking_code: str | None = None,
                      special_parking_code: str | None = None, language: str | None = None) -> Parking:
        """Create a parking at the city (seed §6.6).

        Not retried on a timeout: the city may have stored it; reconcile with
        ``parkings(register_number=...)`` instead.

        Args:
            area_id: the area's id.
            register_number: the vehicle's plate, e.g. "ABC-123".
            start: aware start instant.
            stop: aware stop instant (not before ``start``).
            zone: the area's payment zone.
            device_id: the driver's device.
            point: where the car is, as (lon, lat).
            timestamp: time of the request; now by default.
            address: optional {street_address, postal_code, city}.
            resident_parking_code: resident code used, if any.
            special_parking_code: special code used (e.g. "CD"), if any.
            language: language of error messages.

        Returns:
            The created parking with the city's ``parking_id`` and status.

        Raises:
            ProviderRejectedError: 1201 (area/field), 1203 (plate), 1206/1207 (times) ...
            ProviderTimeoutError: no answer; the parking may exist.
            ProviderError: any other refusal or transport failure.
        """
        body = self._parking_body(area_id=area_id, register_number=register_number, start=start, stop=stop,
                                  zone=zone, device_id=device_id, point=point, timestamp=timestamp, address=address,
                                  resident_parking_code=resident_parking_code,
                                  special_parking_code=special_parking_code)
        response = self._call("POST", PARKINGS, body=body, language=language)
        return self._parse(response, Parking)

    def update_parking(self, parking_id: str, *, area_id: str, register_number: str, start: datetime,
                       stop: datetime, zone: int, device_id: str, point: tuple[float, float],
                       timestamp: datetime | None = None, address: Mapping[str, str] | None = None,
                       resident_parking_code: str | None = None, special_parking_code: str | None = None,
                       language: str | None = None) -> Parking:
        """Replace every field of a parking; allowed within the 2-minute regret time (seed §6.7).

        Args: as ``start_parking``, plus ``parking_id``.

        Returns:
            The updated parking.

        Raises:
            ProviderRejectedError: 1204 after the regret time (use ``change_stop``),
                1205 not our parking, 1207 stop in the past, ...
            ProviderNotFoundError: unknown parking (1200).
            ProviderError: any other refusal or transport failure.
        """
        body = self._parking_body(area_id=area_id, register_number=register_number, start=start, stop=stop,
                                  zone=zone, device_id=device_id, point=point, timestamp=timestamp, address=address,
                                  resident_parking_code=resident_parking_code,
                                  special_parking_code=special_parking_code)
        response = self._call("PUT", f"{PARKINGS}/{parking_id}", body=body, language=language)
        return self._parse(response, Parking)

    def change_stop(self, parking_id: str, area_id: str, stop: datetime, timestamp: datetime | None = None,
                    language: str | None = None) -> Parking:
        """Move the stop time: the only change allowed after the regret time (seed §6.7.3).

        Args:
            parking_id: the city's id of the parking.
            area_id: the parking's area (required by the city; not changeable).
            stop: new aware stop instant, not in the past.
            timestamp: time of the request; now by default.
            language: language of error messages.

        Returns:
            The updated parking.

        Raises:
            ProviderRejectedError: 1207 stop in the past, 1204 area differs, 1205 not ours.
            ProviderNotFoundError: unknown parking (1200).
            ProviderError: any other refusal or transport failure.
        """
        body = {
            # §6.7.3 spells the field areaId, everything else in the API is
            # snake_case: send both so either reading of the seed is satisfied.
            "area_id": area_id, "areaId": area_id,
            "stop_parking_date_time": format_timestamp(stop),
            "timestamp": format_timestamp(timestamp or datetime.now(HELSINKI)),
        }
        response = self._call("PUT", f"{PARKINGS}/{parking_id}", body=body, language=language)
        return self._parse(response, Parking)

    def cancel_parking(self, parking_id: str, language: str | None = None) -> None:
        """Cancel (delete) a parking within the 2-minute regret time (seed §6.8).

        Raises:
            ProviderRejectedError: 1204 regret time over, 1205 not our parking, 1202 bad id.
            ProviderNotFoundError: unknown parking (1200).
            ProviderError: any other refusal or transport failure.
        """
        self._call("DELETE", f"{PARKINGS}/{parking_id}", language=language)


def client_from_settings(http: httpx.Client, credentials: dict[str, str], base_url: str) -> HelsinkiClient:
    """Build the client from the app's provider settings (``core.provider.ApiSpec.client``)."""
    return HelsinkiClient(http, credentials["username"], credentials["password"])

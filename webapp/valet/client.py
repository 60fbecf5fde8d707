"""Client for the 247Parking REST API (seed 004; airport valet, Amsterdam).

We are a partner. Every call of the seed: the test call ``GET /v1/``,
``POST /reservering/``, ``PUT /reservering/:resnr/`` and
``PUT /reservering/:resnr/status/``; each answer is validated by the pydantic
models of ``wire`` and every failure is a ``core.errors`` provider error. A
refusal (400) carries a ``code`` naming the rule broken (``REFUSALS``) so the
service can say it in the traveller's language, and 247Parking's own Dutch
message as ``user_message``.

Quirks handled here (seed 004 "Authorizing a request" / "Creating a signature"):
- Signature = base64(SHA-1(secret + METHOD + base URL + nonce + timestamp)),
  raw digest. The seed's worked example prints ``G5OSm46rLM61WQlltBpe4qB57gk=``,
  which its own inputs do not give (they give ``y/SyHbxMWbUPHEatZP5IGaaHQJM=``);
  we implement the formula (PROVIDERS.md §5).
- The "base URL" signed is one setting, the same for every request: the
  seed's example value ``https://api.247parking.nl/`` (scheme, host and a
  slash; the seed signs it for a request to ``/v1/``). The sandbox verifies
  against the same setting (``signed_base_url``), so it is independent of
  the httpx client's base URL, which may point at a sandbox on any port.
- Each request gets a fresh timestamp and nonce. Nothing is retried blindly:
  a resent request would reuse its nonce (401 "Nonce already used"), and a
  resent POST could book twice. The ApiSpec sets ``retries=0``; a caller that
  tries again calls the method again, which signs anew.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import httpx
from pydantic import BaseModel, ValidationError

from webapp.core.errors import (
    ProviderBadResponseError,
    ProviderError,
    ProviderRateLimitedError,
    error_for_status,
)
from webapp.core.http import send
from webapp.valet.wire import (
    Confirmation,
    ConfirmationReply,
    RemoteStatus,
    Reservation,
    StatusReply,
    TestReply,
)

PROVIDER = "parking247"
HEADER = "X-Authorization"
TEST_PATH = ""  # the API root itself: GET /v1/
RESERVATIONS = "reservering/"
#: the value signed into every request unless configured otherwise (PROVIDERS.md §5)
SIGNED_BASE_URL = "https://api.247parking.nl/"

#: 247Parking's refusal messages -> (the rule broken, the parameter it concerns). The seed
#: documents only the discount-code message verbatim; the others are matched by their start.
REFUSALS: tuple[tuple[str, str, str | None], ...] = (
    ("De ingevoerde kortingscode bestaat niet of is verlopen", "discount_code", "kortingscode"),
    ("De totaalprijs klopt niet", "total_mismatch", "totaalprijs"),
    ("De vertrektijd ligt in het verleden", "departure_past", "vertrek_timestamp"),
    ("De aankomsttijd moet na de vertrektijd", "arrival_before_departure", "aankomst_timestamp"),
    ("Overdekt parkeren", "indoor", "overdektparkeren"),
    ("Wasservice is niet mogelijk", "indoor", "overdektparkeren"),
    ("Leerverzorging", "leather_care", "leerverzorging"),
    ("Vluchtnummers", "flight_numbers", "vertrek_vluchtnummer"),
    ("Deze parkeerservice is niet beschikbaar", "service_location", "parkeerservice"),
    ("Annuleren kan alleen", "cancel_too_late", "status"),
)


@dataclass(frozen=True)
class AccessStatus:
    """Outcome of the test call.

    Attributes:
        status: ``meta.status`` ("success").
        code: ``meta.code`` (200).
        message: ``meta.message`` ("Access authorized").
    """

    status: str
    code: int
    message: str


def sign(secret: str, method: str, base_url: str, nonce: str, timestamp: str) -> str:
    """Compute the request signature as seed 004 documents it.

    Args:
        secret: the partner's API secret.
        method: HTTP method; upper-cased here.
        base_url: the configured API root, e.g. ``https://api.247parking.nl/v1/``.
        nonce: the request's nonce.
        timestamp: the request's Unix time in seconds, as sent.

    Returns:
        base64 of the binary SHA-1 of secret + METHOD + base_url + nonce + timestamp.
    """
    concatenated = f"{secret}{method.upper()}{base_url}{nonce}{timestamp}"
    digest = hashlib.sha1(concatenated.encode()).digest()  # noqa: S324 — SHA-1 is what 247Parking verifies
    return base64.b64encode(digest).decode("ascii")


def authorization_header(key: str, timestamp: str, nonce: str, signature: str) -> str:
    """Format the X-Authorization value on one line, in the seed's order.

    Returns:
        ``Key="…",Timestamp="…",Nonce="…",Signature="…"``.
    """
    return f'Key="{key}",Timestamp="{timestamp}",Nonce="{nonce}",Signature="{signature}"'


def new_nonce() -> str:
    """A nonce made as seed 004 describes: base64 of 32 random bytes, non-word characters removed."""
    return re.sub(r"\W", "", base64.b64encode(secrets.token_bytes(32)).decode("ascii"))


class Parking247Client:
    """Talks to 247Parking as one partner.

    Args:
        http: client from ``webapp.core.http.build_http_client`` whose base
            URL is the API root (``…/v1/``); paths here are relative to it.
        key: the partner's API key.
        secret: the partner's API secret.
        base_url: the value signed into every request (``SIGNED_BASE_URL``);
            must start with ``https://`` (seed 004 "Base URL") and match the
            server's setting.
        clock: returns the current Unix time (tests freeze or skew it).
        nonce_factory: returns a fresh nonce per request.

    Raises:
        ValueError: a credential or the base URL is missing, or the base URL
            is not https.
    """

    def __init__(
        self,
        http: httpx.Client,
        key: str,
        secret: str,
        base_url: str,
        clock: Callable[[], float] = time.time,
        nonce_factory: Callable[[], str] = new_nonce,
    ) -> None:
        if not key:
            raise ValueError("247Parking API key is required")
        if not secret:
            raise ValueError("247Parking API secret is required")
        if not base_url or not base_url.startswith("https://"):
            raise ValueError("247Parking base_url is required and must start with https://")
        self._http = http
        self._key = key
        self._secret = secret
        self._base_url = base_url
        self._clock = clock
        self._nonce_factory = nonce_factory

    def test_call(self) -> AccessStatus:
        """Make the blank test request ``GET /v1/`` to check our credentials.

        Returns:
            The ``meta`` of the reply.

        Raises:
            ProviderAuthError: 401 (wrong key or secret, expired timestamp, reused nonce).
            ProviderUnavailableError: 5xx or unreachable.
            ProviderTimeoutError: no answer in time (or 408/504).
            ProviderBadResponseError: the reply is not the documented envelope.
        """
        meta = _parse(TestReply, self._send("GET", TEST_PATH)).meta
        return AccessStatus(status=meta.status, code=meta.code, message=meta.message)

    def create_reservation(self, reservation: Reservation) -> Confirmation:
        """Make a reservation (``POST /v1/reservering/``).

        Returns:
            The reservation number, the voucher URL and 247Parking's total price.

        Raises:
            ValueError: ``aantal_personen`` is missing (required on a create; nothing is sent).
            ProviderRejectedError: a rule was broken; ``code`` names it (``REFUSALS``).
            ProviderTimeoutError: no answer in time — the reservation may exist.
            ProviderUnavailableError, ProviderAuthError, ProviderBadResponseError: as ``test_call``.
        """
        if reservation.aantal_personen is None:
            raise ValueError("aantal_personen is required for a new reservation")
        envelope = self._send("POST", RESERVATIONS, reservation.to_wire())
        return _parse(ConfirmationReply, envelope).data

    def update_reservation(self, number: str, reservation: Reservation, total: Decimal) -> Confirmation:
        """Change a reservation (``PUT /v1/reservering/:resnr/``); the fields left ``None`` stay as they are.

        Args:
            total: the recomputed ``totaalprijs``; 247Parking refuses a total
                that is not its own price of the changed reservation.

        Raises:
            ProviderNotFoundError: no such reservation.
            ProviderRejectedError: a rule was broken or the total differs (``total_mismatch``).
        """
        body = {**reservation.to_wire(), "totaalprijs": f"{total:.2f}"}
        envelope = self._send("PUT", f"{RESERVATIONS}{_number(number)}/", body)
        return _parse(ConfirmationReply, envelope).data

    def update_status(self, number: str, status: RemoteStatus) -> str:
        """Set a reservation's status (``PUT /v1/reservering/:resnr/status/``).

        Returns:
            The reservation number 247Parking confirms.

        Raises:
            ProviderNotFoundError: no such reservation.
            ProviderRejectedError: the move is not allowed (e.g. cancelling after drop-off).
        """
        envelope = self._send("PUT", f"{RESERVATIONS}{_number(number)}/status/", {"status": status})
        return _parse(StatusReply, envelope).data.reserveringsnummer

    def signed_headers(self, method: str) -> dict[str, str]:
        """Headers for one request: a fresh timestamp and nonce, signed.

        Args:
            method: the request's HTTP method.

        Returns:
            ``X-Authorization`` and ``Accept`` headers.
        """
        timestamp = str(int(self._clock()))
        nonce = self._nonce_factory()
        signature = sign(self._secret, method, self._base_url, nonce, timestamp)
        return {HEADER: authorization_header(self._key, timestamp, nonce, signature), "Accept": "application/json"}

    def _send(self, method: str, path: str, body: dict | None = None) -> dict:
        request = self._http.build_request(method, path, json=body, headers=self.signed_headers(method))
        response = send(self._http, PROVIDER, request)
        envelope = _envelope(response)
        if response.is_success and envelope.get("meta", {}).get("status") == "success":
            return envelope
        raise _error_for(response, envelope)


def _number(number: str) -> str:
    """A reservation number as a path segment (``S123456``; never a path of its own)."""
    if not re.fullmatch(r"[A-Za-z0-9]{1,20}", number or ""):
        raise ValueError(f"not a 247Parking reservation number: {number!r}")
    return number


def _parse(model: type[BaseModel], envelope: dict):
    try:
        return model.model_validate(envelope)
    except ValidationError as exc:
        raise ProviderBadResponseError(PROVIDER, "bad_body", f"{model.__name__}: {exc}") from exc


def _envelope(response: httpx.Response) -> dict:
    """The reply's ``{data, meta}``; ``{}`` when the body is not one (a proxy's page)."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        if response.is_success:
            raise ProviderBadResponseError(PROVIDER, "bad_json", f"HTTP {response.status_code}: {exc}") from exc
        return {}
    if isinstance(body, dict) and isinstance(body.get("meta"), dict):
        return body
    if response.is_success:
        raise ProviderBadResponseError(PROVIDER, "bad_json", "reply has no meta object")
    return {}


def _error_for(response: httpx.Response, envelope: dict) -> ProviderError:
    status = response.status_code
    meta = envelope.get("meta", {})
    message = str(meta.get("message") or response.reason_phrase)
    detail = f"{response.request.method} {response.request.url.path}: HTTP {status}: {message}"
    code = str(meta.get("code") or status)
    if response.is_success:  # 2xx whose meta.status is not "success"
        return ProviderBadResponseError(PROVIDER, code, detail, status_code=status)
    # 400 messages are meant for the customer, in Dutch (e.g. an expired
    # kortingscode, seed 004 "Response with invalid value for kortingscode");
    # a 400 without the envelope (a proxy's page) has nothing to show.
    for_customer = status == 400 and bool(meta.get("message"))
    field = None
    if for_customer:
        code, field = refusal_of(message)
    kind = None
    if status == 503 and meta:
        # 247Parking's own 503 (its envelope, not a gateway's page) says "The API is up, but overloaded with
        # requests. Try again later." (seed 004 "Error codes & responses"): the request was not carried out,
        # like a 429, so the booking fails at once with nothing booked instead of staying unknown
        kind = ProviderRateLimitedError
        code = "overloaded"
    return error_for_status(PROVIDER, status, code=code, detail=detail,
                            user_message=message if for_customer else None, visible_to_user=for_customer,
                            field=field, retry_after_header=response.headers.get("Retry-After"), kind=kind)


def refusal_of(message: str) -> tuple[str, str | None]:
    """The rule a 400's message names and the parameter it concerns (``("rejected", None)`` if unknown)."""
    for start, code, field in REFUSALS:
        if message.startswith(start):
            return code, field
    return "rejected", None


def client_from_settings(http: httpx.Client, credentials: dict[str, str], base_url: str) -> Parking247Client:
    """Build the client from the app's provider settings (``core.provider.ApiSpec.client``).

    ``base_url`` is where requests go (a sandbox or the real API); what is signed is
    ``credentials["signed_base_url"]``, the setting the sandbox checks against.
    """
    signed = credentials.get("signed_base_url") or SIGNED_BASE_URL
    return Parking247Client(http, credentials["key"], credentials["secret"], signed)

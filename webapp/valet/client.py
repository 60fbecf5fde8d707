"""Client for the 247Parking REST API (seed 004; airport valet, Amsterdam).

We are a partner. This is the foundation: request signing, the reply envelope
``{"data", "meta": {"status", "code", "message"}}``, error mapping and the test
call ``GET /v1/``; reservations are added by their own issue on top of ``_send``.

Quirks handled here (seed 004 "Authorizing a request" / "Creating a signature"):
- Signature = base64(SHA-1(secret + METHOD + base URL + nonce + timestamp)),
  raw digest. The seed's worked example prints ``G5OSm46rLM61WQlltBpe4qB57gk=``,
  which its own inputs do not give (they give ``y/SyHbxMWbUPHEatZP5IGaaHQJM=``);
  we implement the formula (PROVIDERS.md §5).
- The "base URL" signed is a configured API root with a trailing slash, the same
  for every request (the seed signs ``https://api.247parking.nl/`` for a request
  to ``/v1/``); it must equal the server's setting, and it is independent of the
  httpx client's base URL (which may point at a sandbox).
- Each request gets a fresh timestamp and nonce. The transport retries safe
  calls with the *same* signed request, so a retried GET reuses its nonce; the
  server refuses that when the first attempt reached it (401 "Nonce already
  used"). Build this provider's HttpSettings with ``retries=0`` if that matters.
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

import httpx

from webapp.core.errors import ProviderBadResponseError, ProviderError, error_for_status
from webapp.core.http import send

PROVIDER = "parking247"
HEADER = "X-Authorization"
TEST_PATH = ""  # the API root itself: GET /v1/


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
        base_url: the API root signed into every request; must start with
            ``https://`` (seed 004 "Base URL") and match the server's setting.
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
        meta = self._send("GET", TEST_PATH)["meta"]
        try:
            return AccessStatus(status=str(meta["status"]), code=int(meta["code"]), message=str(meta["message"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ProviderBadResponseError(PROVIDER, "bad_body", f"test call meta: {exc!r}") from exc

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
    return error_for_status(PROVIDER, status, code=code, detail=detail,
                            user_message=message if for_customer else None, visible_to_user=for_customer,
                            retry_after_header=response.headers.get("Retry-After"))


def client_from_settings(http: httpx.Client, credentials: dict[str, str], base_url: str) -> Parking247Client:
    """Build the client from the app's provider settings (``core.provider.ApiSpec.client``)."""
    return Parking247Client(http, credentials["key"], credentials["secret"], base_url)

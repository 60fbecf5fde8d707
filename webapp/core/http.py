"""The one place that builds httpx clients for provider APIs.

Every provider client receives an ``httpx.Client`` made here, so timeouts,
retries and call logging are the same for all five providers. Retries happen
only for safe methods (GET/HEAD): repeating a POST that timed out could book a
second parking; services reconcile those instead. A ``Retry-After`` header is
read with the one rule of ``core.errors.retry_after_seconds``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import httpx

from webapp.core.errors import ProviderTimeoutError, ProviderUnavailableError, retry_after_seconds

log = logging.getLogger("webapp.providers")

SAFE_METHODS = frozenset({"GET", "HEAD"})
RETRY_STATUSES = frozenset({408, 429, 502, 503, 504})
#: The longest the transport sleeps inside one call before retrying it. A
#: provider asking for a longer pause gets it: the answer goes back to the
#: client at once (a 429 becomes ``ProviderRateLimitedError.retry_after``)
#: instead of holding a web worker, then retrying too early anyway.
MAX_RETRY_SLEEP_SECONDS = 5.0


@dataclass(frozen=True)
class HttpSettings:
    """Connection settings for one provider.

    Attributes:
        name: provider name used in log lines and errors.
        base_url: API root; for the embedded sandbox a fake https host.
        connect_timeout: seconds to wait for a connection.
        read_timeout: seconds to wait for an answer.
        retries: extra attempts for safe methods.
        backoff: first back-off delay in seconds, doubled each attempt.
    """

    name: str
    base_url: str
    connect_timeout: float = 3.0
    read_timeout: float = 10.0
    retries: int = 2
    backoff: float = 0.2


class LoggingRetryTransport(httpx.BaseTransport):
    """Wraps a transport: logs every attempt and retries safe calls.

    Log lines carry method, path, status and duration only; query strings and
    headers are left out because they may hold tokens or personal data.
    """

    def __init__(self, inner: httpx.BaseTransport, settings: HttpSettings, sleep=time.sleep) -> None:
        self._inner = inner
        self._settings = settings
        self._sleep = sleep

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        attempts = 1 + (self._settings.retries if request.method in SAFE_METHODS else 0)
        delay = self._settings.backoff
        for attempt in range(1, attempts + 1):
            started = time.perf_counter()
            try:
                response = self._inner.handle_request(request)
            except httpx.TransportError as exc:
                self._log(request, f"error:{type(exc).__name__}", started)
                if attempt == attempts:
                    raise
                self._sleep(delay)
                delay *= 2
                continue
            self._log(request, response.status_code, started)
            if attempt < attempts and response.status_code in RETRY_STATUSES:
                wait = retry_after_seconds(response.headers.get("Retry-After"))
                if wait is not None and wait > MAX_RETRY_SLEEP_SECONDS:
                    return response  # the provider wants a longer pause than a call may take
                response.read()
                response.close()
                self._sleep(delay if wait is None else wait)
                delay *= 2
                continue
            return response
        raise AssertionError("unreachable: the loop returns or raises")

    def _log(self, request: httpx.Request, status, started: float) -> None:
        log.info(
            "provider=%s method=%s path=%s status=%s duration_ms=%.1f",
            self._settings.name,
            request.method,
            request.url.path,
            status,
            (time.perf_counter() - started) * 1000,
        )

    def close(self) -> None:
        self._inner.close()


def build_http_client(
    settings: HttpSettings,
    transport: httpx.BaseTransport | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Client:
    """Build the httpx client a provider client talks through.

    Args:
        settings: base URL, timeouts and retry policy.
        transport: an explicit transport (the sandbox's WSGI transport, or a
            mock in tests); ``None`` means the real network.
        headers: default headers every request carries.

    Returns:
        A configured ``httpx.Client``; the caller owns and closes it.
    """
    inner = transport or httpx.HTTPTransport()
    timeout = httpx.Timeout(
        connect=settings.connect_timeout,
        read=settings.read_timeout,
        write=settings.read_timeout,
        pool=settings.connect_timeout,
    )
    return httpx.Client(
        base_url=settings.base_url,
        timeout=timeout,
        transport=LoggingRetryTransport(inner, settings),
        headers=headers or {},
    )


def send(client: httpx.Client, provider: str, request: httpx.Request) -> httpx.Response:
    """Send ``request`` and turn transport failures into typed provider errors.

    Raises:
        ProviderTimeoutError: no answer in time (the call may have been carried out).
        ProviderUnavailableError: the provider could not be reached.
    """
    try:
        return client.send(request)
    except httpx.TimeoutException as exc:
        raise ProviderTimeoutError(provider, "timeout", f"{request.method} {request.url.path}: {exc!r}") from exc
    except httpx.TransportError as exc:
        detail = f"{request.method} {request.url.path}: {exc!r}"
        raise ProviderUnavailableError(provider, "unreachable", detail) from exc

"""The two error families: provider errors (raised by clients) and service errors (raised by use cases).

Provider errors.

A client never returns an error string or a status tuple: it either returns a
frozen dataclass or raises one of these. Services catch the base class, record
``code``/``detail`` in the booking's audit trail and show ``user_message`` (or a
generic sentence when ``visible_to_user`` is false) to the driver.
"""

from __future__ import annotations

import email.utils
import math
from datetime import UTC, datetime

#: The longest wait a ``Retry-After`` header can ask of us, in seconds. A
#: longer hint is cut to one hour: nothing here (a page, a job, the sweeper)
#: plans further ahead than that, and a runaway value must not park a job for days.
MAX_RETRY_AFTER_SECONDS = 3600.0


class ProviderError(Exception):
    """Base class: something went wrong talking to an external provider.

    Attributes:
        provider: short provider name ("helsinki", "apds", ...).
        code: the provider's own error code as a string, or a transport code
            such as "timeout"; never shown to the user on its own.
        detail: technical description for logs and the audit trail.
        user_message: a sentence that may be shown to the driver, already in
            the provider's language when the provider localises it.
        visible_to_user: whether ``user_message`` came from the provider with
            permission to show it (e.g. Helsinki's ``visible_to_user``).
    """

    #: generic sentence shown when the provider's message must stay hidden
    default_user_message = "The service could not complete the request. Please try again later."

    def __init__(
        self,
        provider: str,
        code: str = "",
        detail: str = "",
        user_message: str | None = None,
        visible_to_user: bool = False,
        *,
        status_code: int | None = None,
        field: str | None = None,
    ) -> None:
        self.provider = provider
        self.code = str(code)
        self.detail = detail
        self.user_message = user_message or self.default_user_message
        self.visible_to_user = visible_to_user
        self.status_code = status_code
        self.field = field
        super().__init__(f"{provider}: {self.code or type(self).__name__}: {detail}")


class ProviderUnavailableError(ProviderError):
    """The provider could not be reached or answered with a 5xx."""

    default_user_message = "The service is not available right now. Please try again in a moment."


class ProviderPausedError(ProviderUnavailableError):
    """The provider answered that it takes no bookings right now (a maintenance window).

    Unlike a 5xx or a lost reply this is an answer about the request itself:
    it was not carried out, so a booking it was for has failed, not become unknown.
    """


class ProviderTimeoutError(ProviderError):
    """No answer in time: the request may or may not have been carried out."""

    default_user_message = "The service did not answer in time. Please try again in a moment."


class ProviderAuthError(ProviderError):
    """Our credentials were refused: a configuration problem, not the user's."""

    default_user_message = "The service is temporarily unavailable. Our team has been notified."


class ProviderRateLimitedError(ProviderError):
    """The provider asked us to slow down."""

    default_user_message = "The service is busy. Please try again in a minute."

    def __init__(self, *args, retry_after: float | None = None, **kwargs) -> None:
        self.retry_after = retry_after
        super().__init__(*args, **kwargs)


class ProviderNotFoundError(ProviderError):
    """The resource does not exist at the provider."""

    default_user_message = "The provider does not know this item."


class ProviderRejectedError(ProviderError):
    """The provider refused the request with its own error code."""


class ProviderBadResponseError(ProviderError):
    """The provider answered something we could not understand."""


# -- the one status table and the one Retry-After rule, shared by every client --


def retry_after_seconds(value: str | None, *, now: datetime | None = None,
                        cap: float = MAX_RETRY_AFTER_SECONDS) -> float | None:
    """Read a ``Retry-After`` header value (RFC 9110 §10.2.3) as seconds to wait.

    The header is either a number of seconds or an HTTP date. We also take a
    fractional number of seconds, since some servers send one.

    Args:
        value: the header's raw value, or ``None`` when the header is absent.
        now: the current instant (UTC if naive), used to turn a date into a delay; now by default.
        cap: the longest wait returned; ``MAX_RETRY_AFTER_SECONDS`` by default.

    Returns:
        Seconds to wait, from 0 up to ``cap``. A date in the past gives 0.
        ``None`` when the header is absent, empty or invalid (negative,
        not a finite number, not a date), so callers fall back to their own backoff.
    """
    text = (value or "").strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        seconds = _seconds_until_http_date(text, now)
        if seconds is None:
            return None
    else:
        if not math.isfinite(seconds) or seconds < 0:
            return None
    return min(max(seconds, 0.0), cap)


def _seconds_until_http_date(text: str, now: datetime | None) -> float | None:
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):  # the stdlib's only ways of saying "not a date"
        return None
    if when.tzinfo is None:  # "-0000" zone: an HTTP date is always GMT
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return (when - now).total_seconds()


def kind_for_status(status: int) -> type[ProviderError]:
    """The error kind of an HTTP error status: the one table every client falls back to.

    ======================  ===========================
    status                  kind
    ======================  ===========================
    401, 403                ``ProviderAuthError``
    404                     ``ProviderNotFoundError``
    408, 504                ``ProviderTimeoutError``
    429                     ``ProviderRateLimitedError``
    other 5xx               ``ProviderUnavailableError``
    other 4xx               ``ProviderRejectedError``
    anything else           ``ProviderBadResponseError``
    ======================  ===========================

    408 and 504 are timeouts, not "unavailable": a 504 is a gateway that gave
    up waiting for the provider, which may well have carried the call out (a
    parking started, a booking made) — exactly what a read timeout in
    ``core.http.send`` means, so both must lead to a look-up, never to
    "failed". A 408 is kept with it so that every "timed out" answer is read
    the same way; treating a call that did not happen as "maybe happened"
    costs one look-up, the reverse costs a driver a parking we called failed.

    A status outside 4xx/5xx reaching the table (a 204 or a 302 where the
    API always answers 200, a status past 599) is an answer we do not
    understand: a bad response, so a broken server never crashes a client.

    Args:
        status: the HTTP status of an answer the client cannot use.

    Returns:
        The ``ProviderError`` subclass for ``status``.
    """
    if not 400 <= status <= 599:
        return ProviderBadResponseError
    if status in (401, 403):
        return ProviderAuthError
    if status == 404:
        return ProviderNotFoundError
    if status in (408, 504):
        return ProviderTimeoutError
    if status == 429:
        return ProviderRateLimitedError
    if status >= 500:
        return ProviderUnavailableError
    return ProviderRejectedError


def error_for_status(
    provider: str,
    status: int,
    *,
    code: str | None = None,
    detail: str = "",
    user_message: str | None = None,
    visible_to_user: bool = False,
    field: str | None = None,
    retry_after_header: str | None = None,
    kind: type[ProviderError] | None = None,
) -> ProviderError:
    """Build the typed error for an HTTP error answer of a provider.

    A client whose provider has its own error codes maps those first and
    passes the kind it found as ``kind``; without one, ``kind_for_status``
    decides from the status. Either way the error is built here, so every
    rate-limited error reads ``Retry-After`` with ``retry_after_seconds``.

    Args:
        provider: short provider name ("helsinki", "apds", ...).
        status: the HTTP status of the answer.
        code: the provider's own error code; the status (as text) by default.
        detail: technical description for logs and the audit trail.
        user_message: a sentence the provider gave for the user, if any.
        visible_to_user: whether the provider allows ``user_message`` to be shown.
        field: the request field the provider blamed, if any.
        retry_after_header: the raw ``Retry-After`` header, read for rate-limited errors.
        kind: the error kind the caller's own code table chose, overriding the status table.

    Returns:
        An instance of ``kind`` or of the table's kind for ``status``.
    """
    kind = kind or kind_for_status(status)
    kwargs = {"status_code": status, "field": field}
    if issubclass(kind, ProviderRateLimitedError):
        kwargs["retry_after"] = retry_after_seconds(retry_after_header)
    return kind(provider, str(status) if code is None else code, detail, user_message, visible_to_user, **kwargs)


def shown_message(error: ProviderError) -> str:
    """Return the sentence that may be shown to the user for ``error``."""
    if error.visible_to_user:
        return error.user_message
    return type(error).default_user_message


# -- service errors: expected failures of a use case; the app maps each class to one response --


class ServiceError(Exception):
    """Base class for expected failures of a use case."""

    status_code = 400

    def __init__(self, message: str = "") -> None:
        self.message = message
        super().__init__(message)


class NotFoundError(ServiceError):
    """The thing does not exist, or belongs to someone else (never say which)."""

    status_code = 404


class PermissionDeniedError(ServiceError):
    """The user may not do this."""

    status_code = 403


class ConflictError(ServiceError):
    """Someone changed the record first (stale version) or it is in the wrong state."""

    status_code = 409


class ValidationError(ServiceError):
    """Input that breaks a rule; ``errors`` maps form field names to messages."""

    status_code = 422

    def __init__(self, errors: dict[str, str] | str) -> None:
        self.errors = errors if isinstance(errors, dict) else {"": errors}
        super().__init__("; ".join(self.errors.values()))


class ProviderFailedError(ServiceError):
    """A provider refused or failed a driver's action; ``message`` is the sentence safe to show the driver."""

    status_code = 502

"""The two error families: provider errors (raised by clients) and service errors (raised by use cases).

Provider errors.

A client never returns an error string or a status tuple: it either returns a
frozen dataclass or raises one of these. Services catch the base class, record
``code``/``detail`` in the booking's audit trail and show ``user_message`` (or a
generic sentence when ``visible_to_user`` is false) to the driver.
"""

from __future__ import annotations


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

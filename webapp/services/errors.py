"""Errors raised by services; the app maps each base class to one response."""

from __future__ import annotations


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

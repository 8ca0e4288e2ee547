"""Domain errors that services raise and the web layer turns into HTTP answers."""

from __future__ import annotations

from dataclasses import dataclass

from litestar.exceptions import PermissionDeniedException


@dataclass(frozen=True)
class FieldError:
    """One invalid field and why, in Swedish."""

    field: str
    message: str


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationFailed(DomainError):
    """Input breaks a rule; names every bad field."""

    status_code = 422

    def __init__(self, errors: list[FieldError] | FieldError, message: str | None = None) -> None:
        self.errors = [errors] if isinstance(errors, FieldError) else list(errors)
        text = message or "; ".join(f"{e.field}: {e.message}" for e in self.errors)
        super().__init__(text)

    @classmethod
    def one(cls, field: str, message: str) -> ValidationFailed:
        """A failure naming a single field."""
        return cls(FieldError(field, message))


class NotFound(DomainError):
    """The thing asked for does not exist (or is not visible)."""

    status_code = 404


class Conflict(DomainError):
    """The change is not allowed in the entity's current state."""

    status_code = 409


class NotReady(Conflict):
    """The entity cannot move on yet; lists everything still missing."""

    def __init__(self, message: str, problems: list[FieldError]) -> None:
        super().__init__(message)
        self.errors = list(problems)


class UnsupportedMediaType(DomainError):
    """The request body is not in the format the endpoint takes."""

    status_code = 415


class Unavailable(DomainError):
    """A dependency such as the database does not answer."""

    status_code = 503


class Forbidden(PermissionDeniedException):
    """403 raised by the permission module, carrying its own Swedish message."""


class LoginFailed(DomainError):
    """Wrong user name or password, deliberately not saying which."""

    status_code = 401


class TooManyAttempts(DomainError):
    """Too many failed logins for this user name; try again later."""

    status_code = 429

    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds

"""Turn errors into Swedish answers: JSON for the API, pages for people, never a traceback."""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import quote

from litestar import MediaType, Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    ValidationException,
)
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR, HTTP_503_SERVICE_UNAVAILABLE

from internkontroll.db import is_unavailable
from internkontroll.errors import (
    DomainError,
    FieldError,
    Forbidden,
    NotReady,
    TooManyAttempts,
    ValidationFailed,
)

log = logging.getLogger("internkontroll")

STATUS_TITLES = {
    400: "Felaktig begäran",
    401: "Inloggning krävs",
    403: "Åtkomst nekad",
    404: "Sidan finns inte",
    405: "Metoden stöds inte",
    409: "Ändringen är inte tillåten",
    413: "För stor begäran",
    422: "Ogiltiga uppgifter",
    429: "För många försök",
    500: "Något gick fel",
    503: "Tjänsten är tillfälligt otillgänglig",
}
CSRF_MESSAGE = "Formuläret har gått ut. Ladda om sidan och försök igen."
STATUS_MESSAGES = {
    401: "Du behöver logga in.",
    403: "Du har inte behörighet till detta.",
    404: "Det du söker finns inte, eller så har du inte tillgång till det.",
    405: "Metoden stöds inte för denna adress.",
    500: (
        "Ett oväntat fel inträffade. Felet är loggat; försök igen eller kontakta systemförvaltaren."
    ),
    503: "Databasen svarar inte just nu. Försök igen om en stund.",
}
# Seconds a client is asked to wait before trying again while the database is away.
RETRY_AFTER_SECONDS = 5


def original_path(request: Request) -> str:
    """The path the client asked for; mounted apps see a rewritten scope['path']."""
    raw = request.scope.get("raw_path")
    return raw.decode("latin-1") if raw else request.url.path


def wants_json(request: Request) -> bool:
    """API paths, and clients asking for JSON, get JSON errors."""
    if original_path(request).startswith(("/api/", "/admin/api/", "/healthz", "/schema")):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _answer(
    request: Request,
    status: int,
    message: str,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[Any]:
    if wants_json(request):
        body: dict[str, Any] = {"status_code": status, "detail": message}
        if errors:
            body["errors"] = [{"field": e.field, "message": e.message} for e in errors]
        return Response(body, status_code=status, media_type=MediaType.JSON, headers=headers)
    return Template(
        template_name="error.html",
        context={
            "status": status,
            "title": STATUS_TITLES.get(status, "Fel"),
            "message": message,
            "errors": errors or [],
        },
        status_code=status,
        headers=headers,
    )


def domain_error_handler(request: Request, exc: DomainError) -> Response[Any]:
    """Errors raised by services on purpose."""
    headers = None
    if isinstance(exc, TooManyAttempts):
        headers = {"Retry-After": str(exc.retry_after_seconds)}
    errors = exc.errors if isinstance(exc, ValidationFailed | NotReady) else None
    return _answer(request, exc.status_code, exc.message, errors, headers)


def validation_error_handler(request: Request, exc: ValidationException) -> Response[Any]:
    """Malformed input caught by Litestar: 422 naming each field."""
    errors: list[FieldError] = []
    for item in exc.extra or []:
        if isinstance(item, dict):
            field = str(item.get("key") or item.get("source") or "body")
            # msgspec names a missing field only in its message; name it rather than "data".
            missing = re.search(r"missing required field `([^`]+)`", str(item.get("message", "")))
            if missing:
                errors.append(FieldError(missing.group(1), "saknas"))
                continue
            errors.append(FieldError(field, "saknas eller har fel format"))
    if not errors:
        errors.append(FieldError("body", "kunde inte tolkas"))
    message = "Ogiltiga uppgifter: " + ", ".join(e.field for e in errors)
    return _answer(request, 422, message, errors)


def http_error_handler(request: Request, exc: HTTPException) -> Response[Any]:
    """Litestar's own HTTP errors, in Swedish; pages send anonymous users to the login page."""
    status = exc.status_code
    if isinstance(exc, NotAuthorizedException) and not wants_json(request):
        target = original_path(request) + (f"?{request.url.query}" if request.url.query else "")
        return Redirect(f"/login?next={quote(target, safe='')}", status_code=303)
    if "csrf" in (exc.detail or "").lower():
        message = CSRF_MESSAGE
    elif isinstance(exc, Forbidden):
        message = exc.detail
    else:
        message = STATUS_MESSAGES.get(status, "")
    return _answer(request, status, message or STATUS_TITLES.get(status, "Fel"))


def internal_error_handler(request: Request, exc: Exception) -> Response[Any]:
    """Anything unexpected: log it, show a calm Swedish page; a database away answers 503."""
    if is_unavailable(exc):
        # Expected while the database restarts: one line, not a traceback per request.
        log.warning(
            "Database unavailable on %s %s: %s: %s",
            request.method,
            request.url.path,
            type(exc).__name__,
            exc,
        )
        return _answer(
            request,
            HTTP_503_SERVICE_UNAVAILABLE,
            STATUS_MESSAGES[503],
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    log.exception("Unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _answer(request, HTTP_500_INTERNAL_SERVER_ERROR, STATUS_MESSAGES[500])


EXCEPTION_HANDLERS = {
    DomainError: domain_error_handler,
    ValidationException: validation_error_handler,
    HTTPException: http_error_handler,
    HTTP_500_INTERNAL_SERVER_ERROR: internal_error_handler,
    Exception: internal_error_handler,
}

"""Shared pieces of the JSON API: documented error answers, bounded query integers, NUL checks.

The error body is the one internkontroll/web/errors.py writes for API paths. Each handler
lists the statuses it can answer with (``responses=errors(...)``), so that the OpenAPI
document names every status a client can meet; tests/api/test_fuzz.py holds the app to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import msgspec
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIType,
    Operation,
    RequestBody,
    Schema,
)
from litestar.params import Parameter

from internkontroll.errors import FieldError

# Query integers are PostgreSQL integers: a larger number is a 422, not a database error.
# (Path ids beyond the range are 404: the services look them up as missing.)
MAX_INT = 2**31 - 1
OptionalInt = Annotated[int | None, Parameter(ge=0, le=MAX_INT)]


class FieldErrorOut(msgspec.Struct):
    """One invalid field and why."""

    field: str
    message: str


class ErrorOut(msgspec.Struct):
    """An error answer: status, a Swedish message, and for invalid input each bad field."""

    status_code: int
    detail: str
    errors: list[FieldErrorOut] | None = None


ERROR_DESCRIPTIONS = {
    400: "Begäran kunde inte tolkas (t.ex. trasig JSON)",
    401: "Inloggning krävs",
    403: "Åtkomst nekad",
    404: "Finns inte, eller så saknas läsrätt",
    409: "Inte tillåtet i nuvarande läge; errors listar vad som saknas när det finns",
    411: "Uppladdningen saknar Content-Length",
    413: "För stor begäran eller fil",
    415: "Fel format på begäran",
    422: "Ogiltiga uppgifter; errors namnger varje felaktigt fält",
    429: "För många försök; Retry-After anger sekunder",
    503: "Databasen svarar inte",
}


def errors(*statuses: int) -> dict[int, ResponseSpec]:
    """The error answers an operation can give, for a handler's ``responses=``; 503 always."""
    # Every operation reads the database (the session at least), and web/errors.py answers
    # 503 while it is away.
    return {
        status: ResponseSpec(
            data_container=ErrorOut,
            description=ERROR_DESCRIPTIONS[status],
            generate_examples=False,
        )
        for status in sorted({*statuses, 503})
    }


# The usual sets. Every operation behind a login can answer 401; 422 covers bad query and
# path values, 400 a body that is not JSON at all.
READ = (401, 403, 404, 422)
WRITE = (400, 401, 403, 404, 409, 422)


def nul_errors(value: object, field: str = "") -> list[FieldError]:
    """A field error for every string in a JSON payload holding a NUL, named by its path."""
    if isinstance(value, str):
        return (
            [FieldError(field or "body", "innehåller ett otillåtet tecken")]
            if "\x00" in value
            else []
        )
    if isinstance(value, dict):
        prefix = f"{field}." if field else ""
        return [e for key, item in value.items() for e in nul_errors(item, f"{prefix}{key}")]
    if isinstance(value, list):
        return [e for i, item in enumerate(value) for e in nul_errors(item, f"{field}[{i}]")]
    return []


@dataclass
class FileUploadOperation(Operation):
    """An operation whose body is one multipart field `file` holding a file."""

    def __post_init__(self) -> None:
        file = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
        self.request_body = RequestBody(
            required=True,
            content={
                "multipart/form-data": OpenAPIMediaType(
                    schema=Schema(
                        type=OpenAPIType.OBJECT, properties={"file": file}, required=["file"]
                    )
                )
            },
        )

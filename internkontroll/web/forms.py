"""Reading HTML forms and query strings: Swedish messages naming the field, never a 500."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from internkontroll.errors import FieldError, ValidationFailed

MAX_INT = 2**31 - 1


class FormErrors:
    """Errors collected while reading a form, keyed by field name."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, field: str, message: str) -> None:
        """Note one bad field."""
        self.errors.append(FieldError(field, message))

    def raise_if_any(self) -> None:
        """Raise every collected error at once."""
        if self.errors:
            raise ValidationFailed(self.errors)


def text(form: Mapping[str, Any], name: str) -> str:
    """A text field; missing counts as empty."""
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def integer(
    form: Mapping[str, Any], name: str, errors: FormErrors, *, required: bool = True
) -> int | None:
    """An integer field; empty is an error only when required."""
    raw = text(form, name).strip()
    if not raw:
        if required:
            errors.add(name, "måste fyllas i")
        return None
    try:
        value = int(raw)
    except ValueError:
        errors.add(name, "ska vara ett heltal")
        return None
    if abs(value) > MAX_INT:
        errors.add(name, "talet är för stort")
        return None
    return value


def optional_int(raw: str | None, field: str) -> int | None:
    """A query-string filter: empty means none, anything else must be an integer (422)."""
    if raw is None or not raw.strip():
        return None
    try:
        value = int(raw.strip())
    except ValueError:
        raise ValidationFailed.one(field, "ska vara ett heltal") from None
    if abs(value) > MAX_INT:
        raise ValidationFailed.one(field, "talet är för stort")
    return value


def error_map(exc: ValidationFailed) -> dict[str, str]:
    """Field name to message, for showing errors beside their fields."""
    result: dict[str, str] = {}
    for error in exc.errors:
        result[error.field] = (
            f"{result[error.field]}; {error.message}" if error.field in result else error.message
        )
    return result

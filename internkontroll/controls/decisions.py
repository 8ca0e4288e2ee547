"""How a political decision is recorded: meeting date, paragraph (§) and registry number (Dnr)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from internkontroll.errors import FieldError
from internkontroll.timeutil import today

MAX_PARAGRAPH = 30
MAX_REGISTRY_NUMBER = 50
# Year 1 parses as a date; no decision recorded here can be that old, so it is a typo.
MIN_DECISION_YEAR = 2000


@dataclass(frozen=True)
class DecisionInput:
    """A recorded decision: when the meeting was, its paragraph and the case's Dnr."""

    decided_on: dt.date
    paragraph: str
    registry_number: str


def decision_errors(data: DecisionInput, *, not_before: dt.date | None = None) -> list[FieldError]:
    """What is wrong with a decision: a future or too early date, an empty § or Dnr."""
    errors: list[FieldError] = []
    if data.decided_on > today():
        errors.append(FieldError("decided_on", "beslutsdatumet kan inte ligga i framtiden"))
    elif data.decided_on.year < MIN_DECISION_YEAR:
        errors.append(
            FieldError("decided_on", f"beslutsdatumet kan inte vara före {MIN_DECISION_YEAR}")
        )
    elif not_before is not None and data.decided_on < not_before:
        errors.append(
            FieldError("decided_on", f"beslutsdatumet kan inte vara före {not_before.isoformat()}")
        )
    for field, label, limit in (
        ("paragraph", "paragraf (§)", MAX_PARAGRAPH),
        ("registry_number", "diarienummer (Dnr)", MAX_REGISTRY_NUMBER),
    ):
        value = getattr(data, field)
        if not value.strip():
            errors.append(FieldError(field, f"ange {label}"))
        elif len(value) > limit:
            errors.append(FieldError(field, f"högst {limit} tecken"))
        elif "\x00" in value:
            errors.append(FieldError(field, "innehåller ett otillåtet tecken"))
    return errors


def paragraph_text(paragraph: str) -> str:
    """'§ 12' however it was typed ('12', '§12', '§ 12')."""
    stripped = paragraph.strip().lstrip("§").strip()
    return f"§ {stripped}" if stripped else ""

"""Reading the consolidated review's forms into service inputs; field labels for error summaries."""

from __future__ import annotations

import re
from typing import Any

from internkontroll.controls.pages_support import DECISION_FIELD_LABELS
from internkontroll.reports.review import JudgementInput, ReviewInput
from internkontroll.reports.review_document import ReviewDocument
from internkontroll.web import forms

REVIEW_FIELD_LABELS = {
    "findings": "Iakttagelser",
    "proposals": "Förbättringsförslag",
    "judgements": "Bedömningar",
    "year": "År",
    **DECISION_FIELD_LABELS,
}


def review_input(form: dict[str, Any], document: ReviewDocument) -> tuple[ReviewInput, list[str]]:
    """The draft from the form, and for each judgement the form key it came from (board-3, …).

    A board or process whose select is left empty and comment blank gets no judgement; one
    with only a comment is passed on, so the service names its missing level.
    """
    judgements: list[JudgementInput] = []
    keys: list[str] = []
    for section in document.sections:
        targets = [(f"board-{section.figures.board_id}", section.figures.board_id, None)]
        targets += [(f"process-{p.process_id}", None, p.process_id) for p in section.processes]
        for key, board_id, process_id in targets:
            level = forms.text(form, f"{key}-level").strip()
            comment = forms.text(form, f"{key}-comment")
            if not level and not comment.strip():
                continue
            judgements.append(JudgementInput(level, comment, board_id, process_id))
            keys.append(key)
    data = ReviewInput(
        findings=forms.text(form, "findings"),
        proposals=forms.text(form, "proposals"),
        judgements=tuple(judgements),
    )
    return data, keys


def form_key(field: str, keys: list[str]) -> str:
    """The form's name for a service field: judgements[2].level is sent as board-7-level."""
    match = re.fullmatch(r"judgements\[(\d+)\](?:\.(\w+))?", field)
    if not match or int(match[1]) >= len(keys):
        return field
    part = match[2] or "level"
    if part in ("board_id", "process_id"):
        part = "level"
    return f"{keys[int(match[1])]}-{part}"


def field_labels(document: ReviewDocument) -> dict[str, str]:
    """Labels of every field of the review form, for the error summary."""
    labels = dict(REVIEW_FIELD_LABELS)
    for section in document.sections:
        board = section.figures
        labels[f"board-{board.board_id}-level"] = f"Bedömning av {board.short_name}"
        labels[f"board-{board.board_id}-comment"] = f"Kommentar om {board.short_name}"
        for process in section.processes:
            key = f"process-{process.process_id}"
            labels[f"{key}-level"] = f"Bedömning av {process.name} ({board.short_name})"
            labels[f"{key}-comment"] = f"Kommentar om {process.name} ({board.short_name})"
    return labels


def document_values(document: ReviewDocument) -> dict[str, str]:
    """The stored draft as form values, to edit it from."""
    values = {"findings": document.findings, "proposals": document.proposals}
    for section in document.sections:
        judged = [section.judgement] if section.judgement else []
        for judgement in judged + section.process_judgements:
            key = (
                f"process-{judgement.process_id}"
                if judgement.process_id is not None
                else f"board-{judgement.board_id}"
            )
            values[f"{key}-level"] = judgement.level
            values[f"{key}-comment"] = judgement.comment
    return values

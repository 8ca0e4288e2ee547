"""Reading the testing pages' forms into service inputs; field labels for error summaries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from internkontroll.controls.deviations import ActionInput, AnalysisInput
from internkontroll.controls.results import ResultInput, result_errors
from internkontroll.web import forms

RESULT_LABELS = {
    "performed_on": "Utförd datum",
    "performed_by_name": "Utförd av",
    "sample": "Vad som testades",
    "outcome": "Utfall",
    "reason": "Skäl till att kontrollen inte genomfördes",
    "comment": "Kommentar",
    "deviation": "Beskrivning av avvikelsen",
    "correction_reason": "Skäl till rättelsen",
    "file": "Bevisfiler",
    "action_description": "Åtgärd",
    "responsible_id": "Ansvarig",
    "due_on": "Klart senast",
}
DEVIATION_LABELS = {
    "description": "Beskrivning",
    **{f"why_{n}": f"Varför {n}" for n in range(1, 6)},
    "root_cause": "Grundorsak",
}
ACTION_LABELS = {
    "description": "Vad ska göras",
    "responsible_id": "Ansvarig",
    "due_on": "Klart senast",
    "reason": "Skäl",
    "closed_on": "Klar datum",
    "checked_on": "Uppföljd datum",
    "effective": "Verkningsfull",
    "note": "Anteckning",
}


def optional_date(form: dict[str, Any], name: str, errors: forms.FormErrors) -> dt.date | None:
    """A date typed as ÅÅÅÅ-MM-DD; empty is None and left to the service to judge."""
    raw = forms.text(form, name).strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        errors.add(name, "skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2026-03-31")
        return None


def checked_result(
    form: dict[str, Any], errors: forms.FormErrors, year: int, correcting: bool
) -> ResultInput:
    """A result from the form; a bad date and every other problem are reported together."""
    data = _result(form, errors)
    if errors.errors:
        named = {e.field for e in errors.errors}
        errors.errors += [e for e in result_errors(data, year, correcting) if e.field not in named]
    return data


def _result(form: dict[str, Any], errors: forms.FormErrors) -> ResultInput:
    return ResultInput(
        performed_on=optional_date(form, "performed_on", errors),
        performed_by_name=forms.text(form, "performed_by_name"),
        sample=forms.text(form, "sample"),
        outcome=forms.text(form, "outcome"),
        reason=forms.text(form, "reason"),
        comment=forms.text(form, "comment"),
        deviation=forms.text(form, "deviation"),
        correction_reason=forms.text(form, "correction_reason"),
    )


def first_action(form: dict[str, Any], errors: forms.FormErrors) -> ActionInput | None:
    """The optional first action written with a deviation; None when left empty."""
    description = forms.text(form, "action_description")
    responsible = forms.text(form, "responsible_id").strip()
    due = forms.text(form, "due_on").strip()
    if not (description.strip() or responsible or due):
        return None
    return ActionInput(
        description=description,
        responsible_id=forms.integer(form, "responsible_id", errors, required=False),
        due_on=optional_date(form, "due_on", errors),
    )


def action_input(form: dict[str, Any], errors: forms.FormErrors) -> ActionInput:
    """A new action from the deviation page."""
    return ActionInput(
        description=forms.text(form, "description"),
        responsible_id=forms.integer(form, "responsible_id", errors, required=False),
        due_on=optional_date(form, "due_on", errors),
    )


def analysis_input(form: dict[str, Any]) -> AnalysisInput:
    """A deviation's description, five whys and root cause."""
    return AnalysisInput(
        description=forms.text(form, "description"),
        whys=tuple(forms.text(form, f"why_{n}") for n in range(1, 6)),
        root_cause=forms.text(form, "root_cause"),
    )


def result_values(row: dict[str, Any]) -> dict[str, str]:
    """A stored result as form values, to start a correction from."""
    return {
        "performed_on": row["performed_on"].isoformat(),
        "performed_by_name": row["performed_by_name"],
        "sample": row["sample"],
        "outcome": row["outcome"],
        "reason": row["reason"],
        "comment": row["comment"],
    }

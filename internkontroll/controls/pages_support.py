"""What the plan pages share: the year shown, form reading, and rendering a plan or its forms."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from litestar.response import Template

from internkontroll.auth.permissions import Action, can
from internkontroll.auth.principal import Principal
from internkontroll.controls.decisions import (
    MAX_PARAGRAPH,
    MAX_REGISTRY_NUMBER,
    DecisionInput,
    decision_errors,
)
from internkontroll.controls.plan_controls import LIMITS, ControlInput, control_owner_choices
from internkontroll.controls.readiness import readiness_problems
from internkontroll.controls.tables import FREQUENCY_LABELS, METHOD_LABELS, PLAN_STATUS_LABELS
from internkontroll.controls.views import plan_document
from internkontroll.errors import FieldError
from internkontroll.risks import register as risk_register
from internkontroll.risks import views as risk_views
from internkontroll.risks.pages import board_choices
from internkontroll.risks.tables import Risk
from internkontroll.timeutil import today
from internkontroll.web import forms
from internkontroll.web.templating import page

# From September the boards assess risks and draft plans for next year (årshjulet), so that
# is the year people open the plan pages for; until then it is the current year's plan.
PLANNING_STARTS_MONTH = 9

MONTHS = (
    "januari", "februari", "mars", "april", "maj", "juni",
    "juli", "augusti", "september", "oktober", "november", "december",
)  # fmt: skip

DONE_MESSAGES = {
    "skapad": (
        "Utkastet är skapat från riskanalysen och KS:s gemensamma kontrollmoment. "
        "Fyll i det som saknas för varje kontrollmoment."
    ),
    "tillagt": "Kontrollmomentet är tillagt i planen.",
    "sparat": "Kontrollmomentet är sparat.",
    "borttaget": "Kontrollmomentet är borttaget ur planen.",
    "gemensamma": "KS:s gemensamma kontrollmoment är tillagda i planen.",
    "gemensamma-fanns": "Planen har redan alla KS:s gemensamma kontrollmoment.",
    "for-beslut": "Planen är markerad för beslut. Skriv ut den till nämndens handlingar.",
    "utkast": "Planen är tillbaka som utkast och kan ändras igen.",
    "antagen": "Beslutet är registrerat. Planen är antagen och kan inte längre ändras.",
    "ny-version": "En ny version är påbörjad utifrån den antagna planen.",
}

CONTROL_FIELD_LABELS = {
    "process_id": "Process",
    "risk_ids": "Risker",
    "title": "Kontrollmoment",
    "purpose": "Syfte",
    "method": "Kontrollmetod",
    "scope": "Omfattning och urval",
    "frequency": "Frekvens",
    "report_when": "När resultatet rapporteras",
    "owner_id": "Kontrollansvarig",
    "reported_to": "Rapporteras till",
}
DECISION_FIELD_LABELS = {
    "decided_on": "Sammanträdesdatum",
    "paragraph": "Paragraf (§)",
    "registry_number": "Diarienummer (Dnr)",
    "year": "År",
}
DECISION_LIMITS = {"paragraph": MAX_PARAGRAPH, "registry_number": MAX_REGISTRY_NUMBER}


def default_plan_year(on: dt.date | None = None) -> int:
    """Next year from September on, otherwise this year."""
    day = on or today()
    return day.year + 1 if day.month >= PLANNING_STARTS_MONTH else day.year


def plan_year(raw: str | None) -> int:
    """The year a plan page shows: ?ar=, or the planning year."""
    year = forms.optional_int(raw, "ar")
    year = default_plan_year() if year is None else year
    risk_register.check_year(year, "ar")
    return year


def long_date(value: dt.date | None) -> str:
    """'31 januari 2027'."""
    if value is None:
        return ""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def date_field(form: dict[str, Any], name: str, errors: forms.FormErrors) -> dt.date | None:
    """A date typed as ÅÅÅÅ-MM-DD (what a date input sends)."""
    raw = forms.text(form, name).strip()
    if not raw:
        errors.add(name, "ange datumet")
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        errors.add(name, "skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2027-01-20")
        return None


def decision_fields(form: dict[str, Any], errors: forms.FormErrors) -> DecisionInput:
    """Date, § and Dnr from a form; a bad date is noted in errors, the other fields' too."""
    decided_on = date_field(form, "decided_on", errors)
    data = DecisionInput(
        decided_on=decided_on or today(),
        paragraph=forms.text(form, "paragraph"),
        registry_number=forms.text(form, "registry_number"),
    )
    if decided_on is None:  # the service never sees this form: name its other problems now
        errors.errors += [e for e in decision_errors(data) if e.field != "decided_on"]
    return data


def decision_input(form: dict[str, Any]) -> DecisionInput:
    """The adoption form, or 422 naming every bad field."""
    errors = forms.FormErrors()
    data = decision_fields(form, errors)
    errors.raise_if_any()
    return data


def _id_list(form: dict[str, Any], name: str, errors: forms.FormErrors) -> list[int]:
    raw = form.get(name, [])
    values = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []
    result = []
    for value in values:
        try:
            result.append(int(str(value).strip()))
        except ValueError:
            errors.add(name, "välj risker i listan")
            return []
    return result


def control_input(form: dict[str, Any]) -> ControlInput:
    """The control form as the service takes it; 422 naming a choice that is not a number."""
    errors = forms.FormErrors()
    owner_id = forms.integer(form, "owner_id", errors, required=False)
    process_id = forms.integer(form, "process_id", errors, required=False)
    risk_ids = _id_list(form, "risk_ids", errors)
    errors.raise_if_any()
    return ControlInput(
        title=forms.text(form, "title"),
        purpose=forms.text(form, "purpose"),
        method=forms.text(form, "method"),
        scope=forms.text(form, "scope"),
        frequency=forms.text(form, "frequency"),
        report_when=forms.text(form, "report_when"),
        reported_to=forms.text(form, "reported_to"),
        owner_id=owner_id,
        process_id=process_id,
        risk_ids=tuple(risk_ids),
    )


def form_values(form: dict[str, Any]) -> dict[str, Any]:
    """What the user sent, to show again; the risk checkboxes as a list of strings."""
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    raw = form.get("risk_ids", [])
    values["risk_ids"] = [raw] if isinstance(raw, str) else [str(v) for v in raw or []]
    return values


def control_values(row: dict[str, Any]) -> dict[str, Any]:
    """A stored control as form values."""
    values = {
        k: row[k] or ""
        for k in ("title", "purpose", "method", "scope", "frequency", "report_when", "reported_to")
    }
    values["owner_id"] = str(row["owner"] or "")
    values["process_id"] = str(row["process"] or "")
    values["risk_ids"] = [str(r) for r in row["risk_ids"]]
    return values


def board_of(plan: dict[str, Any]) -> dict[str, Any]:
    """The board of a plan row as the board tabs and breadcrumbs want it."""
    return {"id": plan["board"], "name": plan["board_name"], "short_name": plan["board_short_name"]}


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:]


def problem_links(
    principal: Principal, plan: dict[str, Any], problems: list[FieldError]
) -> list[dict[str, str | None]]:
    """Each readiness problem as a sentence with a link to where it is fixed."""
    may_edit = can(principal, Action.EDIT_PLAN, plan["board"]) and plan["status"] == "draft"
    may_score = can(principal, Action.EDIT_RISKS, plan["board"])
    result = []
    for problem in problems:
        kind, _, ident = problem.field.partition(":")
        href = None
        if kind == "control":
            href = f"/kontrollmoment/{ident}/andra" if may_edit else f"#kontrollmoment-{ident}"
        elif kind == "risk":
            href = f"/risker/{ident}" + (f"/bedomning?ar={plan['year']}" if may_score else "")
        elif kind == "shared_point":
            href = f"/gemensamma-kontrollmoment?ar={plan['year']}"
        result.append({"message": _sentence(problem.message), "href": href})
    return result


async def plan_template(
    principal: Principal,
    plan_id: int,
    *,
    done: str | None = None,
    refused: str | None = None,
    refused_problems: list[FieldError] | None = None,
    status_code: int = 200,
) -> Template:
    """A plan version with its controls, decisions, versions and what it still lacks."""
    doc = await plan_document(principal, plan_id)
    problems = refused_problems
    if problems is None:
        problems = await readiness_problems(doc.plan) if doc.is_draft else []
    latest = doc.versions[-1]
    return page(
        "controls/plan.html",
        status_code=status_code,
        doc=doc,
        plan=doc.plan,
        board=board_of(doc.plan),
        year=doc.plan["year"],
        problems=problem_links(principal, doc.plan, problems),
        missing_shared=any(p.field.startswith("shared_point:") for p in problems),
        latest=latest,
        work_in_progress=any(v["status"] in ("draft", "for_decision") for v in doc.versions),
        status_labels=PLAN_STATUS_LABELS,
        done=DONE_MESSAGES.get(done or ""),
        refused=refused,
        long_date=long_date,
    )


async def risk_options(
    principal: Principal, plan: dict[str, Any], linked: list[int]
) -> list[dict[str, Any]]:
    """The board's risks of the plan's year with their value, and any linked risk outside it."""
    entries = await risk_views.register(principal, plan["board"], plan["year"])
    options = [
        {
            "id": e["id"],
            "title": e["title"],
            "process_name": e["process_name"],
            "assessment": e["assessment"],
        }
        for e in entries
    ]
    known = {o["id"] for o in options}
    # A linked risk retired since must stay visible, or saving would unlink it unseen.
    missing = sorted(set(linked) - known)
    if missing:
        for row in await Risk.select(Risk.id, Risk.title).where(Risk.id.is_in(missing)):
            options.append({**row, "process_name": "", "assessment": None})
    return options


async def control_form_template(
    principal: Principal,
    plan: dict[str, Any],
    control: dict[str, Any] | None,
    values: dict[str, Any],
    errors: dict[str, str],
    *,
    status_code: int = 200,
) -> Template:
    """The control form: a new control, or an existing one (a shared one with KS's text fixed)."""
    # Only ids a risk can have: typed-in junk must not reach the database's integer column.
    linked = [
        int(r)
        for r in values.get("risk_ids", [])
        if re.fullmatch(r"[0-9]{1,10}", str(r)) and 0 < int(r) <= risk_register.MAX_ID
    ]
    return page(
        "controls/control_form.html",
        status_code=status_code,
        plan=plan,
        board=board_of(plan),
        year=plan["year"],
        control=control,
        shared=bool(control and control.get("shared_point")),
        values=values,
        errors=errors,
        labels=CONTROL_FIELD_LABELS,
        limits=LIMITS,
        methods=METHOD_LABELS,
        frequencies=FREQUENCY_LABELS,
        owners=await control_owner_choices(plan["board"]),
        processes=(await board_choices(plan["board"]))["processes"],
        risks=await risk_options(principal, plan, linked),
    )


def decision_form_template(
    plan: dict[str, Any],
    values: dict[str, Any],
    errors: dict[str, str],
    *,
    status_code: int = 200,
) -> Template:
    """The form where the secretary records the nämnd's adoption of the plan."""
    return page(
        "controls/decision_form.html",
        status_code=status_code,
        plan=plan,
        board=board_of(plan),
        year=plan["year"],
        values=values,
        errors=errors,
        labels=DECISION_FIELD_LABELS,
        limits=DECISION_LIMITS,
        today=today().isoformat(),
    )

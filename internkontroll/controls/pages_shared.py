"""Pages across the boards: whose plan is adopted in time, and KS's shared control points."""

from __future__ import annotations

import re
from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromQuery, URLEncodedBody
from litestar.response import Redirect, Template

from internkontroll.auth.permissions import Action, can, readable_board_ids
from internkontroll.auth.principal import Principal
from internkontroll.controls.deadline import TIMELINESS_LABELS, plan_deadline, plan_statuses
from internkontroll.controls.pages_support import (
    DECISION_FIELD_LABELS,
    DECISION_LIMITS,
    decision_fields,
    long_date,
    plan_year,
)
from internkontroll.controls.shared import (
    POINT_LIMITS,
    SharedDecisionInput,
    SharedPointInput,
    point_errors,
    record_shared_decision,
    shared_decision,
)
from internkontroll.controls.tables import FREQUENCY_LABELS, METHOD_LABELS
from internkontroll.errors import ValidationFailed
from internkontroll.settings import get_settings
from internkontroll.timeutil import today
from internkontroll.web import forms
from internkontroll.web.guards import allowed, login_required, principal_of
from internkontroll.web.templating import page

POINT_FIELD_LABELS = {
    "title": "vad som kontrolleras",
    "purpose": "syfte",
    "method": "kontrollmetod",
    "frequency": "frekvens",
    "report_when": "när det rapporteras",
}
# KS's points are reported to KS twice a year (delår and helår) unless KS says otherwise.
DEFAULT_POINT_FREQUENCY = "half_yearly"


def form_key(field: str) -> str:
    """The form's name for a service field: points[0].title is sent as points-0-title."""
    match = re.fullmatch(r"points\[(\d+)\]\.(\w+)", field)
    return f"points-{match[1]}-{match[2]}" if match else field


def shared_label(key: str) -> str:
    """A Swedish label for a field of the shared decision form."""
    match = re.fullmatch(r"points-(\d+)-(\w+)", key)
    if match:
        return f"Kontrollmoment {int(match[1]) + 1}, {POINT_FIELD_LABELS.get(match[2], match[2])}"
    if key == "points":
        return "Gemensamma kontrollmoment"
    return DECISION_FIELD_LABELS.get(key, key)


def _points(form: dict[str, str], count: int) -> tuple[SharedPointInput, ...]:
    return tuple(
        SharedPointInput(
            title=forms.text(form, f"points-{n}-title"),
            purpose=forms.text(form, f"points-{n}-purpose"),
            method=forms.text(form, f"points-{n}-method"),
            frequency=forms.text(form, f"points-{n}-frequency"),
            report_when=forms.text(form, f"points-{n}-report_when"),
        )
        for n in range(count)
    )


def shared_input(form: dict[str, str], count: int) -> SharedDecisionInput:
    """The decision form; a bad date is reported together with every other field's problem."""
    errors = forms.FormErrors()
    year = forms.integer(form, "year", errors)
    decision = decision_fields(form, errors)
    points = _points(form, count)
    if errors.errors:  # the service will not run: name the points' problems too
        for index, point in enumerate(points):
            errors.errors += point_errors(index, point)
    errors.raise_if_any()
    assert year is not None
    return SharedDecisionInput(year=year, decision=decision, points=points)


def _shared_template(
    principal: Principal,
    year: int,
    decision: dict[str, Any] | None,
    values: dict[str, str],
    errors: dict[str, str],
    *,
    done: bool = False,
    status_code: int = 200,
) -> Template:
    count = get_settings().shared_points_per_year
    return page(
        "controls/shared.html",
        status_code=status_code,
        year=year,
        decision=decision,
        may_decide=can(principal, Action.MANAGE_SHARED_CONTROLS) and decision is None,
        count=count,
        values=values,
        errors=errors,
        labels={key: shared_label(key) for key in errors},
        methods=METHOD_LABELS,
        frequencies=FREQUENCY_LABELS,
        default_frequency=DEFAULT_POINT_FREQUENCY,
        limits={**POINT_LIMITS, **DECISION_LIMITS},
        done=done,
        today=today().isoformat(),
    )


class SharedPages(Controller):
    """The deadline overview of every board's plan, and KS's shared control points."""

    guards = [login_required]
    include_in_schema = False

    @get("/planer")
    async def overview(self, request: Request, ar: FromQuery[str | None] = None) -> Template:
        """Each board's plan for the year: adopted in time, late, missing or not yet due."""
        principal = principal_of(request)
        year = plan_year(ar)
        readable = readable_board_ids(principal)
        # Whether a board adopted its plan on time is a public decision everyone with a role
        # follows; only the plan itself stays behind the board's read permission.
        rows = await plan_statuses(year)
        counts = {key: sum(1 for r in rows if r.timeliness == key) for key in TIMELINESS_LABELS}
        return page(
            "controls/overview.html",
            year=year,
            rows=rows,
            counts=counts,
            labels=TIMELINESS_LABELS,
            deadline=long_date(plan_deadline(year)),
            readable=readable,
            shared=await shared_decision(year),
            long_date=long_date,
        )

    @get("/gemensamma-kontrollmoment")
    async def shared_points(
        self,
        request: Request,
        ar: FromQuery[str | None] = None,
        klart: FromQuery[str | None] = None,
    ) -> Template:
        """KS's decision and points for the year; the decision form until KS has decided."""
        year = plan_year(ar)
        return _shared_template(
            principal_of(request), year, await shared_decision(year), {}, {}, done=bool(klart)
        )

    @post("/gemensamma-kontrollmoment", guards=[allowed(Action.MANAGE_SHARED_CONTROLS)])
    async def record_shared(
        self, request: Request, data: URLEncodedBody[dict[str, str]]
    ) -> Redirect | Template:
        """Record KS's decision; every draft of the year gets the points at once."""
        principal = principal_of(request)
        count = get_settings().shared_points_per_year
        try:
            payload = shared_input(data, count)
            await record_shared_decision(principal, payload)
        except ValidationFailed as exc:
            shown = data.get("year", "")
            year = int(shown) if re.fullmatch(r"[0-9]{4}", shown) else today().year
            errors: dict[str, str] = {}
            for key, message in forms.error_map(exc).items():
                errors[form_key(key)] = message
            return _shared_template(
                principal, year, await _decision_or_none(year), data, errors, status_code=422
            )
        return Redirect(f"/gemensamma-kontrollmoment?ar={payload.year}&klart=1", status_code=303)


async def _decision_or_none(year: int) -> dict[str, Any] | None:
    try:
        return await shared_decision(year)
    except ValidationFailed:
        return None

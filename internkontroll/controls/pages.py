"""Pages of a board's internkontrollplan: the plan, its controls, sending for decision, adoption."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template

from internkontroll.auth.permissions import Action, require
from internkontroll.controls import plan_controls, plans
from internkontroll.controls.deadline import TIMELINESS_LABELS, plan_deadline, timeliness
from internkontroll.controls.pages_support import (
    control_form_template,
    control_input,
    control_values,
    decision_form_template,
    decision_input,
    form_values,
    long_date,
    plan_template,
    plan_year,
)
from internkontroll.controls.shared import shared_decision
from internkontroll.errors import Conflict, NotReady, ValidationFailed
from internkontroll.risks import register, views
from internkontroll.web import forms
from internkontroll.web.guards import login_required, principal_of
from internkontroll.web.templating import page


def _done(plan_id: int, what: str, anchor: str = "") -> Redirect:
    """Back to the plan with a confirmation (Post/Redirect/Get)."""
    return Redirect(f"/planer/{plan_id}?klart={what}{anchor}", status_code=303)


class PlanPages(Controller):
    """A board's plan for a year, its versions, its controls, and the decisions on it."""

    guards = [login_required]
    include_in_schema = False

    @get("/namnder/{board_id:int}/plan")
    async def board_plan(
        self,
        request: Request,
        board_id: FromPath[int],
        ar: FromQuery[str | None] = None,
        klart: FromQuery[str | None] = None,
    ) -> Template:
        """The board's latest plan version for the year, or how to start one."""
        principal = principal_of(request)
        year = plan_year(ar)
        versions = await plans.plan_versions(principal, board_id, year)
        if versions:
            return await plan_template(principal, versions[-1]["id"], done=klart)
        board = await register.board_or_404(board_id)
        entries = await views.register(principal, board_id, year)
        flag = timeliness(year, None)
        return page(
            "controls/no_plan.html",
            board=board,
            year=year,
            deadline=long_date(plan_deadline(year)),
            timeliness=flag,
            timeliness_label=TIMELINESS_LABELS[flag],
            shared=await shared_decision(year),
            # Counted as create_plan derives them: active risks treated with a kontrollmoment.
            from_risks=sum(
                1
                for e in entries
                if e["active"] and e["assessment"] and e["assessment"]["treatment"] == "control"
            ),
            assessed=sum(1 for e in entries if e["assessment"]),
        )

    @post("/namnder/{board_id:int}/plan")
    async def create_draft(
        self, request: Request, board_id: FromPath[int], data: URLEncodedBody[dict[str, str]]
    ) -> Redirect:
        """Draft the year's plan from the risks and KS's shared points."""
        principal = principal_of(request)
        await register.board_or_404(board_id)
        require(principal, Action.EDIT_PLAN, board_id)
        errors = forms.FormErrors()
        year = forms.integer(data, "ar", errors)
        errors.raise_if_any()
        assert year is not None
        plan_id = await plans.create_plan(principal, board_id, year)
        return _done(plan_id, "skapad")

    @get("/planer/{plan_id:int}")
    async def plan_version(
        self, request: Request, plan_id: FromPath[int], klart: FromQuery[str | None] = None
    ) -> Template:
        """One version of a plan."""
        return await plan_template(principal_of(request), plan_id, done=klart)

    @post("/planer/{plan_id:int}/for-beslut")
    async def send_for_decision(
        self, request: Request, plan_id: FromPath[int]
    ) -> Redirect | Template:
        """Mark the draft 'för beslut', or show what it still lacks (409)."""
        principal = principal_of(request)
        try:
            await plans.send_for_decision(principal, plan_id)
        except NotReady as exc:
            return await plan_template(
                principal,
                plan_id,
                refused="Planen kan inte skickas för beslut än. Detta saknas:",
                refused_problems=exc.errors,
                status_code=409,
            )
        return _done(plan_id, "for-beslut")

    @post("/planer/{plan_id:int}/utkast")
    async def back_to_draft(self, request: Request, plan_id: FromPath[int]) -> Redirect:
        """Take a plan 'för beslut' back to draft."""
        await plans.return_to_draft(principal_of(request), plan_id)
        return _done(plan_id, "utkast")

    @post("/planer/{plan_id:int}/ny-version")
    async def new_version(self, request: Request, plan_id: FromPath[int]) -> Redirect:
        """Start a new version from the adopted plan."""
        new_id = await plans.new_version(principal_of(request), plan_id)
        return _done(new_id, "ny-version")

    @post("/planer/{plan_id:int}/gemensamma")
    async def add_shared(self, request: Request, plan_id: FromPath[int]) -> Redirect:
        """Put KS's shared points the draft lacks into it."""
        added = await plan_controls.add_missing_shared_points(principal_of(request), plan_id)
        return _done(plan_id, "gemensamma" if added else "gemensamma-fanns")

    @get("/planer/{plan_id:int}/beslut")
    async def decision_form(self, request: Request, plan_id: FromPath[int]) -> Template:
        """The secretary's form for the nämnd's decision."""
        plan = await _awaiting_decision(principal_of(request), plan_id)
        return decision_form_template(plan, {}, {})

    @post("/planer/{plan_id:int}/beslut")
    async def adopt(
        self, request: Request, plan_id: FromPath[int], data: URLEncodedBody[dict[str, str]]
    ) -> Redirect | Template:
        """Record the adoption; the plan is frozen from now on."""
        principal = principal_of(request)
        plan = await _awaiting_decision(principal, plan_id)
        try:
            await plans.adopt(principal, plan_id, decision_input(data))
        except ValidationFailed as exc:
            return decision_form_template(plan, data, forms.error_map(exc), status_code=422)
        return _done(plan_id, "antagen")

    @get("/planer/{plan_id:int}/kontrollmoment/ny")
    async def new_control_form(self, request: Request, plan_id: FromPath[int]) -> Template:
        """An empty control form for a draft."""
        principal = principal_of(request)
        plan = await _editable_plan(principal, plan_id)
        return await control_form_template(principal, plan, None, {"reported_to": "Nämnden"}, {})

    @post("/planer/{plan_id:int}/kontrollmoment")
    async def add_control(
        self, request: Request, plan_id: FromPath[int], data: URLEncodedBody[dict[str, Any]]
    ) -> Redirect | Template:
        """Add a control written by hand."""
        principal = principal_of(request)
        plan = await _editable_plan(principal, plan_id)
        try:
            control_id = await plan_controls.add_control(principal, plan_id, control_input(data))
        except ValidationFailed as exc:
            return await control_form_template(
                principal, plan, None, form_values(data), forms.error_map(exc), status_code=422
            )
        return _done(plan_id, "tillagt", f"#kontrollmoment-{control_id}")

    @get("/kontrollmoment/{plan_control_id:int}/andra")
    async def edit_control_form(self, request: Request, plan_control_id: FromPath[int]) -> Template:
        """A control's form, filled in."""
        principal = principal_of(request)
        control, plan = await _editable_control(principal, plan_control_id)
        return await control_form_template(principal, plan, control, control_values(control), {})

    @post("/kontrollmoment/{plan_control_id:int}")
    async def update_control(
        self,
        request: Request,
        plan_control_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Redirect | Template:
        """Save a control of a draft."""
        principal = principal_of(request)
        control, plan = await _editable_control(principal, plan_control_id)
        try:
            await plan_controls.update_control(principal, plan_control_id, control_input(data))
        except ValidationFailed as exc:
            return await control_form_template(
                principal, plan, control, form_values(data), forms.error_map(exc), status_code=422
            )
        return _done(plan["id"], "sparat", f"#kontrollmoment-{plan_control_id}")

    @post("/kontrollmoment/{plan_control_id:int}/ta-bort")
    async def remove_control(self, request: Request, plan_control_id: FromPath[int]) -> Redirect:
        """Take a control out of a draft (never one of KS's shared points)."""
        principal = principal_of(request)
        control = await plan_controls.get_plan_control(principal, plan_control_id)
        await plan_controls.remove_control(principal, plan_control_id)
        return _done(control["plan"], "borttaget")


async def _awaiting_decision(principal: Any, plan_id: int) -> dict[str, Any]:
    """A plan the principal may record the decision on; 409 unless it is 'för beslut'."""
    plan = await plans.get_plan(principal, plan_id)
    require(principal, Action.RECORD_DECISION, plan["board"])
    if plan["status"] in ("adopted", "superseded"):
        raise Conflict("Planen är redan antagen.")
    if plan["status"] != "for_decision":
        raise Conflict("Planen måste vara markerad för beslut innan beslutet registreras.")
    return plan


async def _editable_plan(principal: Any, plan_id: int) -> dict[str, Any]:
    """A draft the principal may edit: 404, 403 or 409 otherwise."""
    plan = await plans.get_plan(principal, plan_id)
    require(principal, Action.EDIT_PLAN, plan["board"])
    plans.require_draft(plan)
    return plan


async def _editable_control(
    principal: Any, plan_control_id: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A control of a draft the principal may edit, with its plan."""
    control = await plan_controls.get_plan_control(principal, plan_control_id)
    plan = await _editable_plan(principal, control["plan"])
    return control, plan

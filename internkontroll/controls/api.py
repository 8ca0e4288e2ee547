"""JSON API of the internal control plans."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, delete, get, post, put
from litestar.params import FromPath, JSONBody, Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT
from msgspec import UNSET

from internkontroll.api_schemas import READ, WRITE, errors
from internkontroll.auth.permissions import Action, require
from internkontroll.auth.principal import Principal
from internkontroll.controls import plan_controls, plans, shared
from internkontroll.controls.deadline import plan_deadline, plan_statuses
from internkontroll.controls.decisions import DecisionInput
from internkontroll.controls.readiness import readiness_problems
from internkontroll.controls.schemas import (
    ControlChangeIn,
    ControlIn,
    DecisionIn,
    OwnerOut,
    PlanControlOut,
    PlanIn,
    PlanOut,
    PlanStatusOverviewOut,
    PlanVersionOut,
    ReadinessOut,
    SharedDecisionIn,
    SharedDecisionOut,
    SharedPointsAddedOut,
    control_out,
    plan_out,
    readiness_out,
    shared_decision_out,
    status_out,
    version_out,
)
from internkontroll.controls.tables import PLAN_STATUS_LABELS
from internkontroll.controls.views import control_views, plan_document
from internkontroll.errors import FieldError, NotFound
from internkontroll.risks.register import board_or_404
from internkontroll.timeutil import today
from internkontroll.web.guards import login_required, principal_of

# Query integers (years) within PostgreSQL's integer range; check_year narrows further.
QueryInt = Annotated[int | None, Parameter(ge=0, le=2**31 - 1)]
CHANGEABLE = ("title", "purpose", "method", "scope", "frequency", "report_when", "reported_to")


def _year(year: int | None) -> int:
    return year if year is not None else today().year


async def plan_json(principal: Principal, plan_id: int) -> PlanOut:
    """The plan document of one version as JSON."""
    return plan_out(await plan_document(principal, plan_id))


async def control_json(principal: Principal, plan_control_id: int) -> PlanControlOut:
    """One control of a plan as the plan document shows it."""
    row = await plan_controls.get_plan_control(principal, plan_control_id)
    views = await control_views({"id": row["plan"], "year": row["year"]})
    return control_out(next(v for v in views if v.id == plan_control_id))


def new_control(data: ControlIn) -> plan_controls.ControlInput:
    """The service's input for a control written by hand."""
    return plan_controls.ControlInput(
        title=data.title,
        purpose=data.purpose,
        method=data.method,
        scope=data.scope,
        frequency=data.frequency,
        report_when=data.report_when,
        reported_to=data.reported_to,
        owner_id=data.owner_id,
        process_id=data.process_id,
        risk_ids=tuple(data.risk_ids),
    )


def changed_control(current: dict[str, Any], data: ControlChangeIn) -> plan_controls.ControlInput:
    """The control as it will read: the fields sent, and the current value of the rest."""

    def pick(name: str, current_value: Any) -> Any:
        value = getattr(data, name)
        return current_value if value is UNSET else value

    values = {name: pick(name, current[name] or "") for name in CHANGEABLE}
    return plan_controls.ControlInput(
        **values,
        owner_id=pick("owner_id", current["owner"]),
        process_id=pick("process_id", current["process"]),
        risk_ids=tuple(pick("risk_ids", current["risk_ids"])),
    )


class PlanApi(Controller):
    """Plans, their controls and decisions, and KS's shared points."""

    guards = [login_required]
    tags = ["Internkontrollplan"]

    @get(
        "/api/boards/{board_id:int}/plans",
        summary="Nämndens planversioner för ett år",
        responses=errors(*READ),
    )
    async def list_versions(
        self, request: Request, board_id: FromPath[int], year: QueryInt = None
    ) -> list[PlanVersionOut]:
        """Every version of the plan, oldest first, with status and decision (§, Dnr).
        The year defaults to the current one."""
        rows = await plans.plan_versions(principal_of(request), board_id, _year(year))
        return [version_out(r) for r in rows]

    @post(
        "/api/boards/{board_id:int}/plans",
        summary="Skapa nämndens utkast till internkontrollplan",
        status_code=HTTP_201_CREATED,
        responses=errors(*WRITE),
    )
    async def create(
        self, request: Request, board_id: FromPath[int], data: JSONBody[PlanIn]
    ) -> PlanOut:
        """Every risk of the year treated as kontrollmoment becomes a control, highest value
        first, after KS's shared points. 409 if the board already has a plan for the year."""
        principal = principal_of(request)
        plan_id = await plans.create_plan(principal, board_id, data.year)
        return await plan_json(principal, plan_id)

    @get(
        "/api/plans/{plan_id:int}",
        summary="En planversion med kontrollmoment och risker",
        responses=errors(*READ),
    )
    async def get_one(self, request: Request, plan_id: FromPath[int]) -> PlanOut:
        """Status, decision, deadline flag, every version and the controls with their risks'
        values and colours (pinned once adopted)."""
        return await plan_json(principal_of(request), plan_id)

    @get(
        "/api/plans/{plan_id:int}/readiness",
        summary="Vad som saknas före beslut",
        responses=errors(*READ),
    )
    async def readiness(self, request: Request, plan_id: FromPath[int]) -> ReadinessOut:
        """Missing shared points, high risks without control or motivation, incomplete
        controls. Only a draft can be sent: any other status is reported as field 'status'."""
        plan = await plans.get_plan(principal_of(request), plan_id)
        problems = await readiness_problems(plan)
        if plan["status"] != "draft":
            label = PLAN_STATUS_LABELS[plan["status"]]
            problems.insert(0, FieldError("status", f"planen är inte ett utkast (status: {label})"))
        return readiness_out(problems)

    @post(
        "/api/plans/{plan_id:int}/controls",
        summary="Lägg till ett kontrollmoment i utkastet",
        status_code=HTTP_201_CREATED,
        responses=errors(*WRITE),
    )
    async def add_control(
        self, request: Request, plan_id: FromPath[int], data: JSONBody[ControlIn]
    ) -> PlanControlOut:
        """Written by hand and linked to any of the board's risks; 409 unless a draft."""
        principal = principal_of(request)
        new_id = await plan_controls.add_control(principal, plan_id, new_control(data))
        return await control_json(principal, new_id)

    @put(
        "/api/plan-controls/{plan_control_id:int}",
        summary="Ändra ett kontrollmoment",
        responses=errors(*WRITE),
    )
    async def update_control(
        self, request: Request, plan_control_id: FromPath[int], data: JSONBody[ControlChangeIn]
    ) -> PlanControlOut:
        """Fields left out keep their value. A shared point keeps KS's wording: only owner,
        scope, reported_to and risks may change. 409 unless the plan is a draft."""
        principal = principal_of(request)
        current = await plan_controls.get_plan_control(principal, plan_control_id)
        await plan_controls.update_control(
            principal, plan_control_id, changed_control(current, data)
        )
        return await control_json(principal, plan_control_id)

    @delete(
        "/api/plan-controls/{plan_control_id:int}",
        summary="Ta bort ett kontrollmoment ur utkastet",
        status_code=HTTP_204_NO_CONTENT,
        responses=errors(*WRITE),
    )
    async def remove_control(self, request: Request, plan_control_id: FromPath[int]) -> None:
        """KS's shared points cannot be removed; 409 unless the plan is a draft."""
        await plan_controls.remove_control(principal_of(request), plan_control_id)

    @post(
        "/api/plans/{plan_id:int}/send-for-decision",
        summary="Markera planen för beslut",
        status_code=HTTP_200_OK,
        responses=errors(*WRITE),
    )
    async def send_for_decision(self, request: Request, plan_id: FromPath[int]) -> PlanOut:
        """A complete draft becomes 'för beslut'; otherwise 409 listing what is missing."""
        principal = principal_of(request)
        await plans.send_for_decision(principal, plan_id)
        return await plan_json(principal, plan_id)

    @post(
        "/api/plans/{plan_id:int}/return-to-draft",
        summary="Ta tillbaka planen till utkast",
        status_code=HTTP_200_OK,
        responses=errors(*WRITE),
    )
    async def return_to_draft(self, request: Request, plan_id: FromPath[int]) -> PlanOut:
        """Only a plan 'för beslut' can go back; an adopted plan never does (409)."""
        principal = principal_of(request)
        await plans.return_to_draft(principal, plan_id)
        return await plan_json(principal, plan_id)

    @post(
        "/api/plans/{plan_id:int}/adopt",
        summary="Registrera nämndens beslut om planen",
        status_code=HTTP_200_OK,
        responses=errors(*WRITE),
    )
    async def adopt(
        self, request: Request, plan_id: FromPath[int], data: JSONBody[DecisionIn]
    ) -> PlanOut:
        """The board's secretary records meeting date, § and Dnr; the plan is then frozen
        and replaces the earlier adopted version."""
        principal = principal_of(request)
        decision = DecisionInput(data.decided_on, data.paragraph, data.registry_number)
        await plans.adopt(principal, plan_id, decision)
        return await plan_json(principal, plan_id)

    @post(
        "/api/plans/{plan_id:int}/new-version",
        summary="Påbörja en ny version av den antagna planen",
        status_code=HTTP_201_CREATED,
        responses=errors(*WRITE),
    )
    async def new_version(self, request: Request, plan_id: FromPath[int]) -> PlanOut:
        """A draft copy of the adopted plan; its controls keep their identity and results."""
        principal = principal_of(request)
        new_id = await plans.new_version(principal, plan_id)
        return await plan_json(principal, new_id)

    @post(
        "/api/plans/{plan_id:int}/add-shared-points",
        summary="Lägg in KS:s gemensamma kontrollmoment i utkastet",
        status_code=HTTP_200_OK,
        responses=errors(*WRITE),
    )
    async def add_shared_points(
        self, request: Request, plan_id: FromPath[int]
    ) -> SharedPointsAddedOut:
        """Adds the year's shared points the draft lacks; added is 0 when none were missing."""
        principal = principal_of(request)
        added = await plan_controls.add_missing_shared_points(principal, plan_id)
        return SharedPointsAddedOut(added=added, plan=await plan_json(principal, plan_id))

    @get("/api/plan-status", summary="Nämndernas planer mot deadline", responses=errors(401, 422))
    async def plan_status(self, request: Request, year: QueryInt = None) -> PlanStatusOverviewOut:
        """Every board: adopted on time, late, missing after the deadline, or not yet adopted.
        Adoption is a public decision; the plan itself needs read access. Default: this year."""
        year = _year(year)
        statuses = await plan_statuses(year)
        return PlanStatusOverviewOut(
            year=year, deadline=plan_deadline(year), boards=[status_out(s) for s in statuses]
        )

    @get(
        "/api/shared-controls",
        summary="KS:s gemensamma kontrollmoment för ett år",
        responses=errors(401, 404, 422),
    )
    async def get_shared(self, request: Request, year: QueryInt = None) -> SharedDecisionOut:
        """The decision (date, §, Dnr) and its points; 404 until KS has decided."""
        year = _year(year)
        decision = await shared.shared_decision(year)
        if decision is None:
            raise NotFound(f"KS har inte beslutat om gemensamma kontrollmoment för {year} än.")
        return shared_decision_out(decision)

    @post(
        "/api/shared-controls",
        summary="Registrera KS:s beslut om gemensamma kontrollmoment",
        status_code=HTTP_201_CREATED,
        responses=errors(*WRITE),
    )
    async def record_shared(
        self, request: Request, data: JSONBody[SharedDecisionIn]
    ) -> SharedDecisionOut:
        """KS's secretary or a coordinator; exactly the configured number of points. Every
        board's draft for the year gets them at once. 409 if the year is already decided."""
        principal = principal_of(request)
        await shared.record_shared_decision(
            principal,
            shared.SharedDecisionInput(
                year=data.year,
                decision=DecisionInput(data.decided_on, data.paragraph, data.registry_number),
                points=tuple(
                    shared.SharedPointInput(
                        title=p.title,
                        method=p.method,
                        report_when=p.report_when,
                        purpose=p.purpose,
                        frequency=p.frequency,
                    )
                    for p in data.points
                ),
            ),
        )
        decision = await shared.shared_decision(data.year)
        assert decision is not None  # stored just above
        return shared_decision_out(decision)

    @get(
        "/api/control-owners/{board_id:int}",
        summary="Valbara kontrollansvariga i nämnden",
        responses=errors(*READ),
    )
    async def control_owners(self, request: Request, board_id: FromPath[int]) -> list[OwnerOut]:
        """Active users holding the board's control-owner role, by name."""
        await board_or_404(board_id)
        require(principal_of(request), Action.VIEW_BOARD, board_id)
        rows = await plan_controls.control_owner_choices(board_id)
        return [OwnerOut(id=r["id"], username=r["username"], name=r["name"]) for r in rows]

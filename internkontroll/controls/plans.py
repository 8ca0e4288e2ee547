"""A board's internkontrollplan: derived from the risks, sent for decision, adopted, revised."""

from __future__ import annotations

from typing import Any

from piccolo.querystring import QueryString

from internkontroll.audit import services as audit
from internkontroll.auth.permissions import Action, can, require
from internkontroll.auth.principal import Actor, Principal
from internkontroll.controls.decisions import DecisionInput, decision_errors, paragraph_text
from internkontroll.controls.occasions import sync_occasions
from internkontroll.controls.readiness import readiness_problems
from internkontroll.controls.shared_insert import insert_shared_controls
from internkontroll.controls.tables import (
    FROZEN_STATUSES,
    PLAN_STATUS_LABELS,
    Control,
    ControlPlan,
    PlanControl,
    PlanControlRisk,
    SharedControlPoint,
)
from internkontroll.db import current_engine, write_transaction
from internkontroll.errors import Conflict, NotFound, NotReady, ValidationFailed
from internkontroll.organisation.tables import Board
from internkontroll.risks.register import MAX_ID, board_or_404, check_year
from internkontroll.risks.tables import RiskAssessment
from internkontroll.timeutil import now

FROZEN_MESSAGE = (
    "Planen är antagen och kan inte ändras. Skapa en ny version och låt nämnden besluta om den."
)
FOR_DECISION_MESSAGE = (
    "Planen är skickad för beslut. Ta tillbaka den till utkast för att ändra den."
)


async def get_plan(principal: Principal, plan_id: int) -> dict[str, Any]:
    """One plan version with its board's names; 404 or 403 as appropriate."""
    if not 0 < plan_id <= MAX_ID:
        raise NotFound("Planen finns inte.")
    row = (
        await ControlPlan.select(
            ControlPlan.all_columns(),
            ControlPlan.board.short_name.as_alias("board_short_name"),
            ControlPlan.board.name.as_alias("board_name"),
        )
        .where(ControlPlan.id == plan_id)
        .first()
    )
    if row is None:
        raise NotFound("Planen finns inte.")
    require(principal, Action.VIEW_BOARD, row["board"])
    return row


def require_draft(plan: dict[str, Any]) -> None:
    """Refuse (409) any change to a plan that is not a draft."""
    if plan["status"] == "for_decision":
        raise Conflict(FOR_DECISION_MESSAGE)
    if plan["status"] != "draft":
        raise Conflict(FROZEN_MESSAGE)


async def lock_board(board_id: int) -> None:
    """Serialise plan changes of one board: both engines queue on this row until commit."""
    await Board.update({Board.active: Board.active}).where(Board.id == board_id)


async def reread(plan_id: int) -> dict[str, Any]:
    """The plan row as it is inside the current transaction."""
    row = await ControlPlan.select().where(ControlPlan.id == plan_id).first()
    if row is None:
        raise NotFound("Planen finns inte.")
    return row


async def plan_versions(principal: Principal, board_id: int, year: int) -> list[dict[str, Any]]:
    """Every version of a board's plan for a year, oldest first."""
    await board_or_404(board_id)
    require(principal, Action.VIEW_BOARD, board_id)
    check_year(year)
    return await (
        ControlPlan.select()
        .where((ControlPlan.board == board_id) & (ControlPlan.year == year))
        .order_by(ControlPlan.version)
    )


async def create_plan(principal: Principal, board_id: int, year: int) -> int:
    """Draft a board's first plan for a year from its risks and KS's shared points."""
    board = await board_or_404(board_id)
    require(principal, Action.EDIT_PLAN, board_id)
    check_year(year)
    async with write_transaction():
        await lock_board(board_id)
        if await ControlPlan.exists().where(
            (ControlPlan.board == board_id) & (ControlPlan.year == year)
        ):
            raise Conflict(f"{board['short_name']} har redan en plan för {year}.")
        rows = await ControlPlan.insert(
            ControlPlan(
                board=board_id,
                year=year,
                version=1,
                status="draft",
                created_by_name=principal.display_name,
            )
        ).returning(ControlPlan.id)
        plan_id = rows[0]["id"]
        points = await SharedControlPoint.select().where(SharedControlPoint.year == year)
        shared = await insert_shared_controls(plan_id, board_id, year, points, start=1)
        derived = await _derive_risk_controls(plan_id, board_id, year, start=len(points) + 1)
        await audit.record(
            Actor.of(principal),
            "create",
            "control_plan",
            plan_id,
            board_id=board_id,
            after={"year": year, "version": 1, "shared": shared, "from_risks": derived},
            summary=(
                f"Internkontrollplan {year} skapad: {derived} kontrollmoment från risker, "
                f"{shared} gemensamma"
            ),
        )
    return plan_id


async def _derive_risk_controls(plan_id: int, board_id: int, year: int, start: int) -> int:
    """One control per active risk of the year treated as kontrollmoment, highest value first."""
    rows = (
        await RiskAssessment.select(
            RiskAssessment.risk,
            RiskAssessment.value,
            RiskAssessment.risk.title.as_alias("title"),
            RiskAssessment.risk.process.as_alias("process"),
        )
        .where(
            (RiskAssessment.year == year)
            & RiskAssessment.current.eq(True)
            & (RiskAssessment.treatment == "control")
            & (RiskAssessment.risk.board == board_id)
            & RiskAssessment.risk.active.eq(True)
        )
        .order_by(RiskAssessment.value, ascending=False)
        .order_by(RiskAssessment.risk.title)
    )
    if not rows:
        return 0
    controls = await Control.insert(*[Control(board=board_id, year=year) for _ in rows]).returning(
        Control.id
    )
    plan_controls = await PlanControl.insert(
        *[
            PlanControl(
                plan=plan_id,
                control=control["id"],
                position=start + n,
                process=row["process"],
                title=row["title"],
            )
            for n, (row, control) in enumerate(zip(rows, controls, strict=True))
        ]
    ).returning(PlanControl.id)
    await PlanControlRisk.insert(
        *[
            PlanControlRisk(plan_control=pc["id"], risk=row["risk"])
            for row, pc in zip(rows, plan_controls, strict=True)
        ]
    )
    return len(rows)


async def new_version(principal: Principal, plan_id: int) -> int:
    """Draft a revision of the adopted plan; its controls keep their identity and results."""
    plan = await get_plan(principal, plan_id)
    require(principal, Action.EDIT_PLAN, plan["board"])
    async with write_transaction():
        await lock_board(plan["board"])
        plan = await reread(plan_id)
        if plan["status"] != "adopted":
            raise Conflict("En ny version utgår från den gällande, antagna planen.")
        siblings = await ControlPlan.select(ControlPlan.version, ControlPlan.status).where(
            (ControlPlan.board == plan["board"]) & (ControlPlan.year == plan["year"])
        )
        if any(s["status"] in ("draft", "for_decision") for s in siblings):
            raise Conflict("Det finns redan en ny version under arbete.")
        version = max(s["version"] for s in siblings) + 1
        rows = await ControlPlan.insert(
            ControlPlan(
                board=plan["board"],
                year=plan["year"],
                version=version,
                status="draft",
                based_on=plan_id,
                created_by_name=principal.display_name,
            )
        ).returning(ControlPlan.id)
        new_id = rows[0]["id"]
        await _copy_controls(plan_id, new_id)
        await audit.record(
            Actor.of(principal),
            "create",
            "control_plan",
            new_id,
            board_id=plan["board"],
            after={"year": plan["year"], "version": version, "based_on": plan_id},
            summary=f"Internkontrollplan {plan['year']} version {version} påbörjad",
        )
    return new_id


async def _copy_controls(from_plan: int, to_plan: int) -> None:
    old = await PlanControl.select().where(PlanControl.plan == from_plan).order_by(PlanControl.id)
    if not old:
        return
    copied = await PlanControl.insert(
        *[
            PlanControl(**{k: v for k, v in row.items() if k not in ("id", "plan")}, plan=to_plan)
            for row in old
        ]
    ).returning(PlanControl.id)
    new_by_old = {row["id"]: new["id"] for row, new in zip(old, copied, strict=True)}
    links = await PlanControlRisk.select().where(
        PlanControlRisk.plan_control.is_in(list(new_by_old))
    )
    if links:
        await PlanControlRisk.insert(
            *[
                PlanControlRisk(plan_control=new_by_old[link["plan_control"]], risk=link["risk"])
                for link in links
            ]
        )


def _require_sender(principal: Principal, board_id: int) -> None:
    """Preparers and secretaries both move a plan between draft and 'för beslut'."""
    if not can(principal, Action.RECORD_DECISION, board_id):
        require(principal, Action.EDIT_PLAN, board_id)


async def send_for_decision(principal: Principal, plan_id: int) -> None:
    """Mark a complete draft 'för beslut'; otherwise say what is missing (409)."""
    plan = await get_plan(principal, plan_id)
    _require_sender(principal, plan["board"])
    async with write_transaction():
        await lock_board(plan["board"])
        current = await reread(plan_id)
        if current["status"] in FROZEN_STATUSES:
            raise Conflict(FROZEN_MESSAGE)
        if current["status"] != "draft":
            raise Conflict("Bara ett utkast kan skickas för beslut.")
        problems = await readiness_problems(current)
        if problems:
            raise NotReady(
                "Planen kan inte skickas för beslut än: " + "; ".join(p.message for p in problems),
                problems,
            )
        await _set_status(principal, current, "for_decision", sent_for_decision_at=now())


async def return_to_draft(principal: Principal, plan_id: int) -> None:
    """Take a plan that is 'för beslut' back to draft."""
    plan = await get_plan(principal, plan_id)
    _require_sender(principal, plan["board"])
    async with write_transaction():
        await lock_board(plan["board"])
        current = await reread(plan_id)
        if current["status"] != "for_decision":
            if current["status"] in FROZEN_STATUSES:
                raise Conflict(FROZEN_MESSAGE)
            raise Conflict("Planen är redan ett utkast.")
        await _set_status(principal, current, "draft", sent_for_decision_at=None)


async def _set_status(
    principal: Principal, plan: dict[str, Any], status: str, **values: Any
) -> None:
    await ControlPlan.update(
        {ControlPlan.status: status, **{getattr(ControlPlan, k): v for k, v in values.items()}}
    ).where(ControlPlan.id == plan["id"])
    after = await reread(plan["id"])
    await audit.record(
        Actor.of(principal),
        "status",
        "control_plan",
        plan["id"],
        board_id=plan["board"],
        before=plan,
        after=after,
        summary=(
            f"Internkontrollplan {plan['year']} v{plan['version']}: "
            f"{PLAN_STATUS_LABELS[plan['status']]} → {PLAN_STATUS_LABELS[status]}"
        ),
    )


async def adopt(principal: Principal, plan_id: int, decision: DecisionInput) -> None:
    """Record the nämnd's decision; the plan freezes and replaces the earlier adopted version."""
    plan = await get_plan(principal, plan_id)
    require(principal, Action.RECORD_DECISION, plan["board"])
    # An adopted plan answers 409 whatever the body says: the state, not the input, is wrong.
    if plan["status"] in FROZEN_STATUSES:
        raise Conflict("Planen är redan antagen.")
    previous = None
    if plan["based_on"] is not None:
        previous = await ControlPlan.select().where(ControlPlan.id == plan["based_on"]).first()
    errors = decision_errors(decision, not_before=previous["decided_on"] if previous else None)
    if errors:
        raise ValidationFailed(errors)
    async with write_transaction():
        await lock_board(plan["board"])
        current = await reread(plan_id)
        if current["status"] != "for_decision":
            if current["status"] in FROZEN_STATUSES:
                raise Conflict("Planen är redan antagen.")
            raise Conflict("Planen måste vara markerad för beslut innan beslutet registreras.")
        await ControlPlan.update(
            {ControlPlan.status: "superseded", ControlPlan.superseded_at: now()}
        ).where(
            (ControlPlan.board == current["board"])
            & (ControlPlan.year == current["year"])
            & (ControlPlan.status == "adopted")
        )
        await _pin_assessments(plan_id, current["year"])
        await ControlPlan.update(
            {
                ControlPlan.status: "adopted",
                ControlPlan.decided_on: decision.decided_on,
                ControlPlan.paragraph: paragraph_text(decision.paragraph),
                ControlPlan.registry_number: decision.registry_number.strip(),
                ControlPlan.adopted_at: now(),
                ControlPlan.adopted_by: principal.id,
                ControlPlan.adopted_by_name: principal.display_name,
            }
        ).where(ControlPlan.id == plan_id)
        await sync_occasions(plan_id)
        after = await reread(plan_id)
        await audit.record(
            Actor.of(principal),
            "adopt",
            "control_plan",
            plan_id,
            board_id=current["board"],
            before=current,
            after=after,
            summary=(
                f"Internkontrollplan {current['year']} v{current['version']} antagen "
                f"{decision.decided_on.isoformat()} {after['paragraph']}, "
                f"Dnr {after['registry_number']}"
            ),
        )


async def _pin_assessments(plan_id: int, year: int) -> None:
    """Point each of the plan's risk links at the scoring it was adopted with (one statement)."""
    await current_engine().run_querystring(
        QueryString(
            "UPDATE plan_control_risk SET assessment = ("
            "SELECT a.id FROM risk_assessment a WHERE a.risk = plan_control_risk.risk "
            "AND a.year = {} AND a.current) "
            "WHERE plan_control IN (SELECT id FROM plan_control WHERE plan = {})",
            year,
            plan_id,
        )
    )

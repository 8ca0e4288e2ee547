"""Editing the controls of a draft plan; shared points keep KS's wording."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from internkontroll.audit import services as audit
from internkontroll.auth.permissions import Action, require
from internkontroll.auth.principal import Actor, Principal
from internkontroll.auth.tables import Membership
from internkontroll.controls.plans import get_plan, lock_board, require_draft, reread
from internkontroll.controls.readiness import shared_points_missing
from internkontroll.controls.shared_insert import insert_shared_controls
from internkontroll.controls.tables import (
    FREQUENCY_LABELS,
    METHOD_LABELS,
    Control,
    ControlPlan,
    PlanControl,
    PlanControlRisk,
)
from internkontroll.db import write_transaction
from internkontroll.errors import Conflict, FieldError, NotFound, ValidationFailed
from internkontroll.organisation.tables import Process
from internkontroll.risks.register import MAX_ID
from internkontroll.risks.tables import Risk

LIMITS = {
    "title": 300,
    "purpose": 4000,
    "scope": 4000,
    "report_when": 200,
    "reported_to": 200,
}
MAX_LINKED_RISKS = 50
# Fields KS decides for a shared point; a board sets only the rest.
SHARED_FIELDS = ("title", "purpose", "method", "frequency", "report_when")
SHARED_FIXED_MESSAGE = "bestäms av KS för det gemensamma kontrollmomentet och kan inte ändras"


@dataclass(frozen=True)
class ControlInput:
    """What a preparer writes for a control."""

    title: str
    purpose: str = ""
    method: str = ""
    scope: str = ""
    frequency: str = ""
    report_when: str = ""
    reported_to: str = ""
    owner_id: int | None = None
    process_id: int | None = None
    risk_ids: tuple[int, ...] = field(default_factory=tuple)


def _text_errors(data: ControlInput) -> list[FieldError]:
    errors = []
    if not data.title.strip():
        errors.append(FieldError("title", "beskriv vad som kontrolleras"))
    for name, limit in LIMITS.items():
        value = getattr(data, name)
        if len(value) > limit:
            errors.append(FieldError(name, f"högst {limit} tecken"))
        elif "\x00" in value:
            errors.append(FieldError(name, "innehåller ett otillåtet tecken"))
    if data.method and data.method not in METHOD_LABELS:
        errors.append(FieldError("method", "välj en av metoderna i listan"))
    if data.frequency and data.frequency not in FREQUENCY_LABELS:
        errors.append(FieldError("frequency", "välj en av frekvenserna i listan"))
    return errors


async def control_owner_choices(board_id: int) -> list[dict[str, Any]]:
    """Active users holding the board's control-owner role, by name."""
    rows = await Membership.select(
        Membership.user.id.as_alias("id"),
        Membership.user.username.as_alias("username"),
        Membership.user.first_name.as_alias("first_name"),
        Membership.user.last_name.as_alias("last_name"),
    ).where(
        (Membership.board == board_id)
        & (Membership.role == "control_owner")
        & Membership.user.active.eq(True)
    )
    for row in rows:
        row["name"] = f"{row['first_name']} {row['last_name']}".strip() or row["username"]
    return sorted(rows, key=lambda r: r["name"].lower())


async def _validate(board_id: int, data: ControlInput) -> tuple[list[FieldError], str]:
    """Every field error, and the owner's display name."""
    errors = _text_errors(data)
    owner_name = ""
    if data.owner_id is not None:
        owner = next(
            (o for o in await control_owner_choices(board_id) if o["id"] == data.owner_id), None
        )
        if owner is None:
            errors.append(
                FieldError("owner_id", "välj en användare som är kontrollansvarig i nämnden")
            )
        else:
            owner_name = owner["name"]
    if data.process_id is not None and (
        not 0 < data.process_id <= MAX_ID
        or not await Process.exists().where(
            (Process.id == data.process_id) & (Process.board == board_id)
        )
    ):
        errors.append(FieldError("process_id", "processen finns inte i nämnden"))
    risk_ids = set(data.risk_ids)
    if len(risk_ids) > MAX_LINKED_RISKS:
        errors.append(FieldError("risk_ids", f"högst {MAX_LINKED_RISKS} risker per kontrollmoment"))
    elif risk_ids:
        if any(not 0 < r <= MAX_ID for r in risk_ids):
            errors.append(FieldError("risk_ids", "risken finns inte i nämndens register"))
        else:
            known = {
                r["id"]
                for r in await Risk.select(Risk.id).where(
                    Risk.id.is_in(sorted(risk_ids)) & (Risk.board == board_id)
                )
            }
            if known != risk_ids:
                errors.append(FieldError("risk_ids", "risken finns inte i nämndens register"))
    return errors, owner_name


def _values(data: ControlInput, owner_name: str) -> dict[str, Any]:
    return {
        "title": data.title.strip(),
        "purpose": data.purpose.strip(),
        "method": data.method,
        "scope": data.scope.strip(),
        "frequency": data.frequency,
        "report_when": data.report_when.strip(),
        "reported_to": data.reported_to.strip(),
        "owner": data.owner_id,
        "owner_name": owner_name,
        "process": data.process_id,
    }


async def _set_risks(plan_control_id: int, risk_ids: tuple[int, ...]) -> None:
    await PlanControlRisk.delete().where(PlanControlRisk.plan_control == plan_control_id)
    if risk_ids:
        await PlanControlRisk.insert(
            *[PlanControlRisk(plan_control=plan_control_id, risk=r) for r in sorted(set(risk_ids))]
        )


async def _editable(principal: Principal, plan_id: int) -> dict[str, Any]:
    plan = await get_plan(principal, plan_id)
    require(principal, Action.EDIT_PLAN, plan["board"])
    require_draft(plan)
    return plan


async def get_plan_control(principal: Principal, plan_control_id: int) -> dict[str, Any]:
    """One control of a plan with its plan's board, year and status; 404/403."""
    if not 0 < plan_control_id <= MAX_ID:
        raise NotFound("Kontrollmomentet finns inte.")
    row = (
        await PlanControl.select(
            PlanControl.all_columns(),
            PlanControl.plan.board.as_alias("board"),
            PlanControl.plan.year.as_alias("year"),
            PlanControl.plan.status.as_alias("plan_status"),
            PlanControl.control.shared_point.as_alias("shared_point"),
        )
        .where(PlanControl.id == plan_control_id)
        .first()
    )
    if row is None:
        raise NotFound("Kontrollmomentet finns inte.")
    require(principal, Action.VIEW_BOARD, row["board"])
    row["risk_ids"] = [
        r["risk"]
        for r in await PlanControlRisk.select(PlanControlRisk.risk).where(
            PlanControlRisk.plan_control == plan_control_id
        )
    ]
    return row


async def add_control(principal: Principal, plan_id: int, data: ControlInput) -> int:
    """Add a control written by hand to a draft plan."""
    plan = await _editable(principal, plan_id)
    errors, owner_name = await _validate(plan["board"], data)
    if errors:
        raise ValidationFailed(errors)
    async with write_transaction():
        await lock_board(plan["board"])
        require_draft(await reread(plan_id))
        last = (
            await PlanControl.select(PlanControl.position)
            .where(PlanControl.plan == plan_id)
            .order_by(PlanControl.position, ascending=False)
            .first()
        )
        control = await Control.insert(Control(board=plan["board"], year=plan["year"])).returning(
            Control.id
        )
        rows = await PlanControl.insert(
            PlanControl(
                plan=plan_id,
                control=control[0]["id"],
                position=(last["position"] if last else 0) + 1,
                **_values(data, owner_name),
            )
        ).returning(PlanControl.id)
        pc_id = rows[0]["id"]
        await _set_risks(pc_id, data.risk_ids)
        after = await PlanControl.select().where(PlanControl.id == pc_id).first()
        await audit.record(
            Actor.of(principal),
            "create",
            "plan_control",
            pc_id,
            board_id=plan["board"],
            after={**after, "risk_ids": sorted(set(data.risk_ids))},
            summary=f"Kontrollmoment tillagt i plan {plan['year']}: {after['title'][:150]}",
        )
    return pc_id


async def update_control(principal: Principal, plan_control_id: int, data: ControlInput) -> None:
    """Edit a control of a draft plan; a shared point's KS wording stays as decided."""
    before = await get_plan_control(principal, plan_control_id)
    require(principal, Action.EDIT_PLAN, before["board"])
    require_draft({"status": before["plan_status"]})
    errors, owner_name = await _validate(before["board"], data)
    if before["shared_point"]:
        for name in SHARED_FIELDS:
            if getattr(data, name).strip() != (before[name] or "").strip():
                errors.append(FieldError(name, SHARED_FIXED_MESSAGE))
        if data.process_id is not None:
            errors.append(FieldError("process_id", SHARED_FIXED_MESSAGE))
    if errors:
        raise ValidationFailed(errors)
    async with write_transaction():
        await lock_board(before["board"])
        require_draft(await reread(before["plan"]))
        values = _values(data, owner_name)
        await PlanControl.update({getattr(PlanControl, k): v for k, v in values.items()}).where(
            PlanControl.id == plan_control_id
        )
        await _set_risks(plan_control_id, data.risk_ids)
        after = await PlanControl.select().where(PlanControl.id == plan_control_id).first()
        await audit.record(
            Actor.of(principal),
            "update",
            "plan_control",
            plan_control_id,
            board_id=before["board"],
            before=before,
            after={**after, "risk_ids": sorted(set(data.risk_ids))},
            summary=f"Kontrollmoment ändrat: {after['title'][:150]}",
        )


async def remove_control(principal: Principal, plan_control_id: int) -> None:
    """Take a control out of a draft plan; KS's shared points cannot be removed."""
    before = await get_plan_control(principal, plan_control_id)
    require(principal, Action.EDIT_PLAN, before["board"])
    require_draft({"status": before["plan_status"]})
    if before["shared_point"]:
        raise Conflict("Gemensamma kontrollmoment är beslutade av KS och kan inte tas bort.")
    async with write_transaction():
        await lock_board(before["board"])
        require_draft(await reread(before["plan"]))
        await PlanControl.delete().where(PlanControl.id == plan_control_id)
        # The identity goes too unless an earlier version (and its results) still uses it.
        if not await PlanControl.exists().where(PlanControl.control == before["control"]):
            await Control.delete().where(Control.id == before["control"])
        await audit.record(
            Actor.of(principal),
            "delete",
            "plan_control",
            plan_control_id,
            board_id=before["board"],
            before=before,
            summary=f"Kontrollmoment borttaget: {before['title'][:150]}",
        )


async def add_missing_shared_points(principal: Principal, plan_id: int) -> int:
    """Put KS's shared points of the year into a draft that lacks them; return how many."""
    plan = await _editable(principal, plan_id)
    async with write_transaction():
        await lock_board(plan["board"])
        require_draft(await reread(plan_id))
        missing = await shared_points_missing(plan_id, plan["year"])
        if not missing:
            return 0
        await PlanControl.update({PlanControl.position: PlanControl.position + len(missing)}).where(
            PlanControl.plan == plan_id
        )
        added = await insert_shared_controls(plan_id, plan["board"], plan["year"], missing, start=1)
        await audit.record(
            Actor.of(principal),
            "update",
            "control_plan",
            plan_id,
            board_id=plan["board"],
            after={"shared_points_added": [p["id"] for p in missing]},
            summary=f"{added} gemensamma kontrollmoment tillagda i plan {plan['year']}",
        )
    return added


async def open_drafts(year: int) -> list[dict[str, Any]]:
    """Every plan of the year that is still a draft."""
    return await ControlPlan.select().where(
        (ControlPlan.year == year) & (ControlPlan.status == "draft")
    )

"""KS's decision on the shared control points every board tests in a year."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from internkontroll.audit import services as audit
from internkontroll.auth.permissions import Action, require
from internkontroll.auth.principal import Actor, Principal
from internkontroll.controls.decisions import DecisionInput, decision_errors, paragraph_text
from internkontroll.controls.plans import lock_board, reread
from internkontroll.controls.shared_insert import insert_shared_controls
from internkontroll.controls.tables import (
    FREQUENCY_LABELS,
    METHOD_LABELS,
    ControlPlan,
    PlanControl,
    SharedControlDecision,
    SharedControlPoint,
)
from internkontroll.db import is_unique_violation, write_transaction
from internkontroll.errors import Conflict, FieldError, ValidationFailed
from internkontroll.risks.register import check_year
from internkontroll.settings import get_settings

POINT_LIMITS = {"title": 300, "purpose": 4000, "report_when": 200}


@dataclass(frozen=True)
class SharedPointInput:
    """One shared control point as KS words it."""

    title: str
    method: str
    report_when: str
    purpose: str = ""
    frequency: str = "half_yearly"


@dataclass(frozen=True)
class SharedDecisionInput:
    """KS's decision for a year with exactly the configured number of points."""

    year: int
    decision: DecisionInput
    points: tuple[SharedPointInput, ...]


def point_errors(index: int, point: SharedPointInput) -> list[FieldError]:
    """What is wrong with one point; fields are named points[N].field."""
    prefix = f"points[{index}]"
    errors = []
    if not point.title.strip():
        errors.append(FieldError(f"{prefix}.title", "beskriv vad som kontrolleras"))
    if point.method not in METHOD_LABELS:
        errors.append(FieldError(f"{prefix}.method", "välj en av metoderna i listan"))
    if point.frequency not in FREQUENCY_LABELS:
        errors.append(FieldError(f"{prefix}.frequency", "välj en av frekvenserna i listan"))
    if not point.report_when.strip():
        errors.append(FieldError(f"{prefix}.report_when", "ange när resultatet rapporteras"))
    for name, limit in POINT_LIMITS.items():
        value = getattr(point, name)
        if len(value) > limit:
            errors.append(FieldError(f"{prefix}.{name}", f"högst {limit} tecken"))
        elif "\x00" in value:
            errors.append(FieldError(f"{prefix}.{name}", "innehåller ett otillåtet tecken"))
    return errors


async def record_shared_decision(principal: Principal, data: SharedDecisionInput) -> int:
    """Store KS's decision and its points; every draft plan of the year gets them at once."""
    require(principal, Action.MANAGE_SHARED_CONTROLS)
    check_year(data.year)
    wanted = get_settings().shared_points_per_year
    errors = decision_errors(data.decision)
    if len(data.points) != wanted:
        errors.append(
            FieldError("points", f"KS beslutar om exakt {wanted} gemensamma kontrollmoment per år")
        )
    for index, point in enumerate(data.points):
        errors += point_errors(index, point)
    if errors:
        raise ValidationFailed(errors)
    try:
        return await _store(principal, data)
    except Exception as exc:
        if is_unique_violation(exc):  # a concurrent decision for the same year won
            raise Conflict(_already(data.year)) from exc
        raise


def _already(year: int) -> str:
    return f"KS har redan beslutat om gemensamma kontrollmoment för {year}."


async def _store(principal: Principal, data: SharedDecisionInput) -> int:
    actor = Actor.of(principal)
    async with write_transaction():
        # One decision per year: the unique year is the lock; check first for a clear message.
        if await SharedControlDecision.exists().where(SharedControlDecision.year == data.year):
            raise Conflict(_already(data.year))
        rows = await SharedControlDecision.insert(
            SharedControlDecision(
                year=data.year,
                decided_on=data.decision.decided_on,
                paragraph=paragraph_text(data.decision.paragraph),
                registry_number=data.decision.registry_number.strip(),
                recorded_by=principal.id,
                recorded_by_name=principal.display_name,
            )
        ).returning(SharedControlDecision.id)
        decision_id = rows[0]["id"]
        await SharedControlPoint.insert(
            *[
                SharedControlPoint(
                    decision=decision_id,
                    year=data.year,
                    position=n + 1,
                    title=p.title.strip(),
                    purpose=p.purpose.strip(),
                    method=p.method,
                    frequency=p.frequency,
                    report_when=p.report_when.strip(),
                )
                for n, p in enumerate(data.points)
            ]
        )
        points = (
            await SharedControlPoint.select()
            .where(SharedControlPoint.decision == decision_id)
            .order_by(SharedControlPoint.position)
        )
        drafts = (
            await ControlPlan.select()
            .where((ControlPlan.year == data.year) & (ControlPlan.status == "draft"))
            .order_by(ControlPlan.board)
        )
        updated = 0
        for plan in drafts:
            # A board may be sending this draft for decision right now: wait, then look again.
            await lock_board(plan["board"])
            if (await reread(plan["id"]))["status"] != "draft":
                continue
            updated += 1
            await PlanControl.update(
                {PlanControl.position: PlanControl.position + len(points)}
            ).where(PlanControl.plan == plan["id"])
            await insert_shared_controls(plan["id"], plan["board"], data.year, points, start=1)
        await audit.record(
            actor,
            "decide",
            "shared_control_decision",
            decision_id,
            after={
                "year": data.year,
                "decided_on": data.decision.decided_on,
                "paragraph": paragraph_text(data.decision.paragraph),
                "registry_number": data.decision.registry_number.strip(),
                "points": [p["title"] for p in points],
                "drafts_updated": updated,
            },
            summary=f"KS:s gemensamma kontrollmoment för {data.year} registrerade",
        )
    return decision_id


async def shared_decision(year: int) -> dict[str, Any] | None:
    """KS's decision for a year with its points, or None if KS has not decided yet."""
    check_year(year)
    decision = (
        await SharedControlDecision.select().where(SharedControlDecision.year == year).first()
    )
    if decision is None:
        return None
    decision["points"] = (
        await SharedControlPoint.select()
        .where(SharedControlPoint.decision == decision["id"])
        .order_by(SharedControlPoint.position)
    )
    return decision

"""What a draft plan still lacks before it can be sent for decision."""

from __future__ import annotations

from typing import Any

from internkontroll.auth.tables import Membership
from internkontroll.controls.tables import PlanControl, PlanControlRisk, SharedControlPoint
from internkontroll.errors import FieldError
from internkontroll.risks.scale import is_high
from internkontroll.risks.scales import scales_by_id
from internkontroll.risks.tables import RiskAssessment

REQUIRED_CONTROL_FIELDS = {
    "title": "vad som kontrolleras",
    "method": "metod",
    "frequency": "frekvens",
    "report_when": "när det rapporteras",
    "owner": "kontrollansvarig",
}


async def readiness_problems(plan: dict[str, Any]) -> list[FieldError]:
    """Missing shared points, uncovered high risks and incomplete controls, in that order."""
    board_id, year = plan["board"], plan["year"]
    controls = (
        await PlanControl.select(
            PlanControl.all_columns(),
            PlanControl.control.shared_point.as_alias("shared_point"),
        )
        .where(PlanControl.plan == plan["id"])
        .order_by(PlanControl.position)
    )
    problems: list[FieldError] = []
    if not controls:
        problems.append(FieldError("controls", "planen har inga kontrollmoment"))
    included = {c["shared_point"] for c in controls if c["shared_point"]}
    points = await SharedControlPoint.select().where(SharedControlPoint.year == year)
    for point in sorted(points, key=lambda p: p["position"]):
        if point["id"] not in included:
            problems.append(
                FieldError(
                    f"shared_point:{point['id']}",
                    f"KS:s gemensamma kontrollmoment saknas: {point['title']}",
                )
            )
    problems += await _uncovered_high_risks(plan["id"], board_id, year)
    owners = {
        r["user"]
        for r in await Membership.select(Membership.user).where(
            (Membership.board == board_id)
            & (Membership.role == "control_owner")
            & Membership.user.active.eq(True)
        )
    }
    for control in controls:
        missing = [
            label
            for field, label in REQUIRED_CONTROL_FIELDS.items()
            if not str(control[field] or "").strip()
        ]
        if control["owner"] and control["owner"] not in owners:
            missing.append("en kontrollansvarig med den rollen i nämnden")
        if missing:
            problems.append(
                FieldError(
                    f"control:{control['id']}",
                    f"kontrollmomentet \u201d{control['title'] or 'utan rubrik'}\u201d saknar "
                    + ", ".join(missing),
                )
            )
    return problems


async def _uncovered_high_risks(plan_id: int, board_id: int, year: int) -> list[FieldError]:
    """High risks of the year with neither a control in this plan nor a written motivation."""
    rows = await RiskAssessment.select(
        RiskAssessment.risk,
        RiskAssessment.value,
        RiskAssessment.scale,
        RiskAssessment.motivation,
        RiskAssessment.risk.title.as_alias("title"),
    ).where(
        (RiskAssessment.year == year)
        & RiskAssessment.current.eq(True)
        & (RiskAssessment.risk.board == board_id)
        & RiskAssessment.risk.active.eq(True)
    )
    scales = await scales_by_id({r["scale"] for r in rows})
    linked = {
        r["risk"]
        for r in await PlanControlRisk.select(PlanControlRisk.risk).where(
            PlanControlRisk.plan_control.plan == plan_id
        )
    }
    problems = []
    for row in sorted(rows, key=lambda r: (-r["value"], r["title"])):
        if not is_high(scales[row["scale"]], row["value"]):
            continue
        if row["risk"] in linked or any(ch.isalnum() for ch in row["motivation"]):
            continue
        problems.append(
            FieldError(
                f"risk:{row['risk']}",
                f"den höga risken \u201d{row['title']}\u201d (riskvärde {row['value']}) har varken "
                "ett kontrollmoment i planen eller en motivering",
            )
        )
    return problems


async def shared_points_missing(plan_id: int, year: int) -> list[dict[str, Any]]:
    """KS's points for the year that the plan does not include yet."""
    included = {
        r["shared_point"]
        for r in await PlanControl.select(
            PlanControl.control.shared_point.as_alias("shared_point")
        ).where(PlanControl.plan == plan_id)
    }
    points = (
        await SharedControlPoint.select()
        .where(SharedControlPoint.year == year)
        .order_by(SharedControlPoint.position)
    )
    return [p for p in points if p["id"] not in included]

"""Yearly scoring of risks: the treatment rule, history, and starting next year's analysis."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from internkontroll.audit import services as audit
from internkontroll.auth.permissions import Action, require
from internkontroll.auth.principal import Actor, Principal
from internkontroll.db import write_transaction
from internkontroll.errors import FieldError, ValidationFailed
from internkontroll.risks.register import board_or_404, check_year, get_risk
from internkontroll.risks.scale import Scale, cell, is_high
from internkontroll.risks.scales import ensure_scale_version
from internkontroll.risks.tables import TREATMENT_LABELS, Risk, RiskAssessment

MAX_MOTIVATION = 4000
TREATS_HIGH_RISK = {"control", "direct_action"}


@dataclass(frozen=True)
class AssessmentInput:
    """A preparer's scoring of one risk for one year."""

    likelihood: int
    impact: int
    treatment: str
    motivation: str = ""


def _has_text(text: str) -> bool:
    """True if the text has a visible character (a zero-width space is not a motivation)."""
    return any(ch.isalnum() for ch in text)


def check_treatment(scale: Scale, value: int, treatment: str, motivation: str) -> None:
    """A high risk needs a control, a direct action, or an acceptance with a motivation."""
    errors: list[FieldError] = []
    if treatment not in TREATMENT_LABELS:
        errors.append(
            FieldError("treatment", "välj kontrollmoment, direktåtgärd, bevaka eller acceptera")
        )
    elif is_high(scale, value):
        if treatment == "accept" and not _has_text(motivation):
            errors.append(
                FieldError(
                    "motivation",
                    f"en accepterad risk med riskvärde {value} (tröskel {scale.plan_threshold}) "
                    "kräver en skriftlig motivering",
                )
            )
        elif treatment not in TREATS_HIGH_RISK | {"accept"}:
            errors.append(
                FieldError(
                    "treatment",
                    f"riskvärde {value} når tröskeln {scale.plan_threshold}: välj kontrollmoment "
                    "eller direktåtgärd, eller acceptera med motivering",
                )
            )
    if len(motivation) > MAX_MOTIVATION:
        errors.append(FieldError("motivation", f"högst {MAX_MOTIVATION} tecken"))
    elif "\x00" in motivation:
        errors.append(FieldError("motivation", "innehåller ett otillåtet tecken"))
    if errors:
        raise ValidationFailed(errors)


async def assess(
    principal: Principal, risk_id: int, year: int, data: AssessmentInput, *, source: str = "manual"
) -> int:
    """Score a risk for a year; the earlier scoring stays in the history."""
    risk = await get_risk(principal, risk_id)
    require(principal, Action.EDIT_RISKS, risk["board"])
    check_year(year)
    actor = Actor.of(principal)
    async with write_transaction():
        # Lock the risk so two scorings of it queue instead of colliding on "one current".
        await Risk.update({Risk.active: Risk.active}).where(Risk.id == risk_id)
        scale_id, scale = await ensure_scale_version(actor)
        value = cell(scale, data.likelihood, data.impact).value
        check_treatment(scale, value, data.treatment, data.motivation)
        before = (
            await RiskAssessment.select()
            .where(
                (RiskAssessment.risk == risk_id)
                & (RiskAssessment.year == year)
                & RiskAssessment.current.eq(True)
            )
            .first()
        )
        if before:
            await RiskAssessment.update({RiskAssessment.current: False}).where(
                RiskAssessment.id == before["id"]
            )
        rows = await RiskAssessment.insert(
            RiskAssessment(
                risk=risk_id,
                year=year,
                scale=scale_id,
                likelihood=data.likelihood,
                impact=data.impact,
                value=value,
                treatment=data.treatment,
                motivation=data.motivation.strip(),
                assessed_by=principal.id,
                assessed_by_name=principal.display_name,
                source=source,
                current=True,
            )
        ).returning(RiskAssessment.id)
        new_id = rows[0]["id"]
        after = await RiskAssessment.select().where(RiskAssessment.id == new_id).first()
        await audit.record(
            actor,
            "assess",
            "risk_assessment",
            new_id,
            board_id=risk["board"],
            before=before,
            after=after,
            summary=f"{risk['title'][:150]} {year}: {data.likelihood}×{data.impact}={value}",
        )
    return new_id


async def history(principal: Principal, risk_id: int) -> list[dict[str, Any]]:
    """Every scoring of a risk, newest first, across all years."""
    await get_risk(principal, risk_id)
    return (
        await RiskAssessment.select()
        .where(RiskAssessment.risk == risk_id)
        .order_by(RiskAssessment.year, ascending=False)
        .order_by(RiskAssessment.id, ascending=False)
    )


async def start_year(principal: Principal, board_id: int, from_year: int) -> int:
    """Copy last year's current assessments into next year as a starting point; return how many."""
    await board_or_404(board_id)
    require(principal, Action.EDIT_RISKS, board_id)
    check_year(from_year, "from_year")
    check_year(from_year + 1, "from_year")
    to_year = from_year + 1
    actor = Actor.of(principal)
    async with write_transaction():
        active_ids = [
            r["id"]
            for r in await Risk.select(Risk.id).where(
                (Risk.board == board_id) & (Risk.active == True)  # noqa: E712
            )
        ]
        if not active_ids:
            return 0
        source_rows = await RiskAssessment.select().where(
            RiskAssessment.risk.is_in(active_ids)
            & (RiskAssessment.year == from_year)
            & RiskAssessment.current.eq(True)
        )
        already = {
            r["risk"]
            for r in await RiskAssessment.select(RiskAssessment.risk).where(
                RiskAssessment.risk.is_in(active_ids) & (RiskAssessment.year == to_year)
            )
        }
        copies = [
            RiskAssessment(
                risk=row["risk"],
                year=to_year,
                scale=row["scale"],
                likelihood=row["likelihood"],
                impact=row["impact"],
                value=row["value"],
                treatment=row["treatment"],
                motivation=row["motivation"],
                assessed_by=principal.id,
                assessed_by_name=principal.display_name,
                source="copied",
                current=True,
            )
            for row in source_rows
            if row["risk"] not in already
        ]
        if copies:
            await RiskAssessment.insert(*copies)
        await audit.record(
            actor,
            "start_year",
            "risk_register",
            board_id,
            board_id=board_id,
            after={"from_year": from_year, "to_year": to_year, "copied": len(copies)},
            summary=f"Riskanalys {to_year} påbörjad från {from_year} ({len(copies)} risker)",
        )
    return len(copies)

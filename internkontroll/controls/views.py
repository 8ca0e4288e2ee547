"""The plan as pages, the PDF, Excel and the API show it: one read model for all of them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from internkontroll.auth.principal import Principal
from internkontroll.controls.deadline import TIMELINESS_LABELS, plan_deadline, timeliness
from internkontroll.controls.plans import get_plan
from internkontroll.controls.tables import (
    FREQUENCY_LABELS,
    METHOD_LABELS,
    PLAN_STATUS_LABELS,
    ControlPlan,
    PlanControl,
    PlanControlRisk,
)
from internkontroll.organisation.tables import Municipality
from internkontroll.risks.tables import RiskAssessment
from internkontroll.risks.views import HeatMap, heat_map, with_cells


@dataclass
class PlanRisk:
    """A risk a control addresses, with the scoring it carries (pinned once adopted)."""

    risk_id: int
    title: str
    value: int | None
    likelihood: int | None
    impact: int | None
    colour: str
    band: str
    band_colour_name: str
    high: bool


@dataclass
class PlanControlView:
    """One row of the plan's control table."""

    id: int
    control_id: int
    position: int
    shared: bool
    process_id: int | None
    process_name: str
    title: str
    purpose: str
    method: str
    method_label: str
    scope: str
    frequency: str
    frequency_label: str
    report_when: str
    owner_id: int | None
    owner_name: str
    reported_to: str
    risks: list[PlanRisk] = field(default_factory=list)

    @property
    def top_risk(self) -> PlanRisk | None:
        """The highest-valued risk the control addresses."""
        scored = [r for r in self.risks if r.value is not None]
        return max(scored, key=lambda r: r.value) if scored else (self.risks or [None])[0]


@dataclass
class PlanDocument:
    """A plan version with everything shown about it."""

    plan: dict[str, Any]
    municipality: str
    board_name: str
    board_short_name: str
    controls: list[PlanControlView]
    versions: list[dict[str, Any]]
    deadline: dt.date
    timeliness: str
    heat_map: HeatMap | None = None

    @property
    def status(self) -> str:
        """The plan's status code."""
        return self.plan["status"]

    @property
    def status_label(self) -> str:
        """Utkast, För beslut, Antagen or Ersatt."""
        return PLAN_STATUS_LABELS[self.plan["status"]]

    @property
    def timeliness_label(self) -> str:
        """Antagen i tid, Antagen för sent, Saknas or Ej antagen än."""
        return TIMELINESS_LABELS[self.timeliness]

    @property
    def is_draft(self) -> bool:
        """True while the plan may be edited."""
        return self.plan["status"] == "draft"

    @property
    def is_frozen(self) -> bool:
        """True once adopted (or superseded)."""
        return self.plan["status"] in ("adopted", "superseded")

    @property
    def title(self) -> str:
        """'Internkontrollplan 2027' as printed."""
        return f"Internkontrollplan {self.plan['year']}"


async def plan_document(
    principal: Principal, plan_id: int, *, with_heat_map: bool = False
) -> PlanDocument:
    """Everything about one plan version in a constant number of queries."""
    plan = await get_plan(principal, plan_id)
    controls = await control_views(plan)
    versions = await (
        ControlPlan.select()
        .where((ControlPlan.board == plan["board"]) & (ControlPlan.year == plan["year"]))
        .order_by(ControlPlan.version)
    )
    first = next((v["decided_on"] for v in versions if v["decided_on"] is not None), None)
    municipality = await Municipality.select(Municipality.name).first()
    document = PlanDocument(
        plan=plan,
        municipality=municipality["name"] if municipality else "",
        board_name=plan["board_name"],
        board_short_name=plan["board_short_name"],
        controls=controls,
        versions=versions,
        deadline=plan_deadline(plan["year"]),
        timeliness=timeliness(plan["year"], first),
    )
    if with_heat_map:
        document.heat_map = await heat_map(principal, plan["year"], board_id=plan["board"])
    return document


async def control_views(plan: dict[str, Any]) -> list[PlanControlView]:
    """The plan's controls in order, with their risks and values (4 queries)."""
    rows = (
        await PlanControl.select(
            PlanControl.all_columns(),
            PlanControl.process.name.as_alias("process_name"),
            PlanControl.control.shared_point.as_alias("shared_point"),
        )
        .where(PlanControl.plan == plan["id"])
        .order_by(PlanControl.position)
        .order_by(PlanControl.id)
    )
    links = (
        await PlanControlRisk.select(
            PlanControlRisk.plan_control,
            PlanControlRisk.risk,
            PlanControlRisk.assessment,
            PlanControlRisk.risk.title.as_alias("title"),
        )
        .where(PlanControlRisk.plan_control.plan == plan["id"])
        .order_by(PlanControlRisk.risk.title)
    )
    scores = await _scores(plan, links)
    by_control: dict[int, list[PlanRisk]] = {}
    for link in links:
        score = scores.get(link["assessment"] or -link["risk"])
        by_control.setdefault(link["plan_control"], []).append(
            PlanRisk(
                risk_id=link["risk"],
                title=link["title"],
                value=score["value"] if score else None,
                likelihood=score["likelihood"] if score else None,
                impact=score["impact"] if score else None,
                colour=score["colour"] if score else "#ffffff",
                band=score["band"] if score else "Ej bedömd",
                band_colour_name=score["band_colour_name"] if score else "",
                high=score["high"] if score else False,
            )
        )
    result = []
    for row in rows:
        risks = sorted(
            by_control.get(row["id"], []), key=lambda r: (-(r.value or 0), r.title.lower())
        )
        result.append(
            PlanControlView(
                id=row["id"],
                control_id=row["control"],
                position=row["position"],
                shared=row["shared_point"] is not None,
                process_id=row["process"],
                process_name=row["process_name"] or "",
                title=row["title"],
                purpose=row["purpose"],
                method=row["method"],
                method_label=METHOD_LABELS.get(row["method"], ""),
                scope=row["scope"],
                frequency=row["frequency"],
                frequency_label=FREQUENCY_LABELS.get(row["frequency"], ""),
                report_when=row["report_when"],
                owner_id=row["owner"],
                owner_name=row["owner_name"],
                reported_to=row["reported_to"],
                risks=risks,
            )
        )
    return result


async def _scores(plan: dict[str, Any], links: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """Scorings keyed by assessment id (pinned) or minus the risk id (a draft's live value)."""
    pinned = sorted({link["assessment"] for link in links if link["assessment"]})
    live = sorted({link["risk"] for link in links if not link["assessment"]})
    rows: list[dict[str, Any]] = []
    if pinned:
        rows += await RiskAssessment.select().where(RiskAssessment.id.is_in(pinned))
    if live:
        rows += [
            {**r, "live": True}
            for r in await RiskAssessment.select().where(
                RiskAssessment.risk.is_in(live)
                & (RiskAssessment.year == plan["year"])
                & RiskAssessment.current.eq(True)
            )
        ]
    rows = await with_cells(rows)
    return {(-r["risk"] if r.get("live") else r["id"]): r for r in rows}

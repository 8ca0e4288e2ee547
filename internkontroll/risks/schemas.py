"""JSON shapes of the risk API, and conversion from the services' rows."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import msgspec
from msgspec import Meta

from internkontroll.risks.scale import Scale
from internkontroll.risks.tables import TREATMENT_LABELS
from internkontroll.risks.views import BoardRiskSummary, HeatMap

Id = Annotated[int, Meta(ge=1, le=2**31 - 1)]
Score = Annotated[int, Meta(ge=0, le=100)]
Year = Annotated[int, Meta(ge=0, le=9999)]


class RiskIn(msgspec.Struct):
    """A risk as a preparer enters it; active=false retires it, leaving it out keeps it."""

    process_id: Id
    category_id: Id
    title: str
    description: str = ""
    consequence: str = ""
    responsible: str = ""
    active: bool | None = None


class AssessmentIn(msgspec.Struct):
    """One year's scoring: treatment is control, direct_action, monitor or accept."""

    year: Year
    likelihood: Score
    impact: Score
    treatment: str
    motivation: str = ""


class StartYearIn(msgspec.Struct):
    """Copy this year's register into the next year."""

    from_year: Year


class StartYearOut(msgspec.Struct):
    """How many assessments were copied into which year."""

    from_year: int
    to_year: int
    copied: int


class RiskOut(msgspec.Struct):
    """A risk in a board's register."""

    id: int
    board_id: int
    process_id: int
    process_name: str
    category_id: int
    category_name: str
    title: str
    description: str
    consequence: str
    responsible: str
    first_year: int
    active: bool


class AssessmentOut(msgspec.Struct):
    """One scoring of a risk; colour and band come from the scale it was scored on."""

    id: int
    risk_id: int
    year: int
    scale_id: int
    likelihood: int
    impact: int
    value: int
    colour: str
    band: str
    high: bool
    treatment: str
    treatment_label: str
    motivation: str
    assessed_by: str
    assessed_at: dt.datetime
    source: str
    current: bool


class RegisterEntryOut(msgspec.Struct):
    """A risk of the year's register with this and last year's scoring."""

    risk: RiskOut
    assessment: AssessmentOut | None
    previous: AssessmentOut | None
    change: str


class RiskDetailOut(msgspec.Struct):
    """A risk with every scoring it has had, newest first."""

    risk: RiskOut
    history: list[AssessmentOut]


class LevelOut(msgspec.Struct):
    """A level of an axis."""

    value: int
    label: str
    definition: str


class BandOut(msgspec.Struct):
    """A band of risk values."""

    low: int
    high: int
    label: str
    colour: str
    colour_name: str


class ScaleOut(msgspec.Struct):
    """The risk matrix; id is null until the first assessment stores the default."""

    id: int | None
    likelihood: list[LevelOut]
    impact: list[LevelOut]
    bands: list[BandOut]
    cell_colours: dict[str, str]
    plan_threshold: int


class LevelIn(msgspec.Struct):
    """A level as an admin enters it."""

    label: str
    definition: str = ""


class ScaleIn(msgspec.Struct):
    """A new version of the risk matrix (3–5 levels per axis)."""

    likelihood: list[LevelIn]
    impact: list[LevelIn]
    bands: list[BandOut]
    plan_threshold: int
    cell_colours: dict[str, str] = {}
    note: str = ""


class HeatMapCellOut(msgspec.Struct):
    """One cell: its scores, value, colour, band and the risks in it."""

    likelihood: int
    impact: int
    value: int
    colour: str
    band: str
    count: int
    risk_ids: list[int]


class HeatMapOut(msgspec.Struct):
    """A heat map as data for one year; assessments scored on an earlier, different matrix
    are in `earlier`, each map on its own scale."""

    year: int
    board_id: int | None
    process_id: int | None
    category_id: int | None
    plan_threshold: int
    likelihood_levels: list[LevelOut]
    impact_levels: list[LevelOut]
    cells: list[HeatMapCellOut]
    total: int
    off_scale: int
    scale_ids: list[int]
    earlier: list[HeatMapOut]


class AcceptedHighRiskOut(msgspec.Struct):
    """A high risk a board chose to accept, with its motivation."""

    risk_id: int
    title: str
    board_id: int
    board_short_name: str
    board_name: str
    year: int
    likelihood: int
    impact: int
    value: int
    motivation: str
    assessed_by: str
    assessed_at: dt.datetime


class BoardSummaryOut(msgspec.Struct):
    """A board's year in figures."""

    board_id: int
    short_name: str
    name: str
    assessed: int
    high: int
    accepted_high: int
    by_band: dict[str, int]


class ImportOut(msgspec.Struct):
    """What an Excel import wrote."""

    created: int
    updated: int
    assessed: int


def risk_out(row: dict[str, Any]) -> RiskOut:
    """A risk row (with process_name and category_name) as JSON."""
    return RiskOut(
        id=row["id"],
        board_id=row["board"],
        process_id=row["process"],
        process_name=row["process_name"],
        category_id=row["category"],
        category_name=row["category_name"],
        title=row["title"],
        description=row["description"],
        consequence=row["consequence"],
        responsible=row["responsible"],
        first_year=row["first_year"],
        active=row["active"],
    )


def assessment_out(row: dict[str, Any] | None) -> AssessmentOut | None:
    """An assessment row decorated by views.with_cells as JSON."""
    if row is None:
        return None
    return AssessmentOut(
        id=row["id"],
        risk_id=row["risk"],
        year=row["year"],
        scale_id=row["scale"],
        likelihood=row["likelihood"],
        impact=row["impact"],
        value=row["value"],
        colour=row["colour"],
        band=row["band"],
        high=row["high"],
        treatment=row["treatment"],
        treatment_label=TREATMENT_LABELS.get(row["treatment"], row["treatment"]),
        motivation=row["motivation"],
        assessed_by=row["assessed_by_name"],
        assessed_at=row["assessed_at"],
        source=row["source"],
        current=row["current"],
    )


def _levels(levels) -> list[LevelOut]:
    return [LevelOut(lv.value, lv.label, lv.definition) for lv in levels]


def scale_out(scale_id: int | None, scale: Scale) -> ScaleOut:
    """A scale as JSON."""
    return ScaleOut(
        id=scale_id,
        likelihood=_levels(scale.likelihood),
        impact=_levels(scale.impact),
        bands=[BandOut(b.low, b.high, b.label, b.colour, b.colour_name) for b in scale.bands],
        cell_colours={f"{lk},{im}": c for (lk, im), c in sorted(scale.cell_colours.items())},
        plan_threshold=scale.plan_threshold,
    )


def heat_map_out(
    heat_map: HeatMap, board_id: int | None, process_id: int | None, category_id: int | None
) -> HeatMapOut:
    """A heat map as data."""
    return HeatMapOut(
        year=heat_map.year,
        board_id=board_id,
        process_id=process_id,
        category_id=category_id,
        plan_threshold=heat_map.scale.plan_threshold,
        likelihood_levels=_levels(heat_map.scale.likelihood),
        impact_levels=_levels(heat_map.scale.impact),
        cells=[
            HeatMapCellOut(c.likelihood, c.impact, c.value, c.colour, c.band, c.count, c.risk_ids)
            for c in heat_map.cells
        ],
        total=heat_map.total,
        off_scale=heat_map.off_scale,
        scale_ids=heat_map.scale_ids,
        earlier=[heat_map_out(m, board_id, process_id, category_id) for m in heat_map.earlier],
    )


def accepted_out(row: dict[str, Any]) -> AcceptedHighRiskOut:
    """An accepted high risk as JSON."""
    return AcceptedHighRiskOut(
        risk_id=row["risk"],
        title=row["title"],
        board_id=row["board_id"],
        board_short_name=row["board_short_name"],
        board_name=row["board_name"],
        year=row["year"],
        likelihood=row["likelihood"],
        impact=row["impact"],
        value=row["value"],
        motivation=row["motivation"],
        assessed_by=row["assessed_by_name"],
        assessed_at=row["assessed_at"],
    )


def summary_out(summary: BoardRiskSummary) -> BoardSummaryOut:
    """A board summary as JSON."""
    return BoardSummaryOut(
        board_id=summary.board_id,
        short_name=summary.short_name,
        name=summary.name,
        assessed=summary.assessed,
        high=summary.high,
        accepted_high=summary.accepted_high,
        by_band=summary.by_band,
    )

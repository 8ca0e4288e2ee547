"""Read models of the register: the year's list with changes, heat maps, accepted high risks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from internkontroll.auth.permissions import Action, readable_board_ids, require
from internkontroll.auth.principal import Principal
from internkontroll.errors import NotFound
from internkontroll.organisation.tables import Board
from internkontroll.risks.register import check_year
from internkontroll.risks.scale import Scale, cell, cells, is_high
from internkontroll.risks.scales import current_scale, scales_by_id
from internkontroll.risks.tables import Risk, RiskAssessment

ASSESSMENT_FIELDS = ("likelihood", "impact", "value", "treatment")


def change_status(current: dict[str, Any] | None, previous: dict[str, Any] | None) -> str:
    """'ny' without last year's scoring, 'ändrad' if scores or treatment moved."""
    if current is None:
        return "ej bedömd"
    if previous is None:
        return "ny"
    if any(current[f] != previous[f] for f in ASSESSMENT_FIELDS):
        return "ändrad"
    return "oförändrad"


async def _board(board_id: int) -> dict[str, Any]:
    board = await Board.select().where(Board.id == board_id).first()
    if board is None:
        raise NotFound("Nämnden finns inte.")
    return board


async def register(principal: Principal, board_id: int, year: int) -> list[dict[str, Any]]:
    """A board's risks with this year's and last year's scoring and what changed (3 queries)."""
    await _board(board_id)
    require(principal, Action.VIEW_BOARD, board_id)
    check_year(year)
    risks = (
        await Risk.select(
            Risk.all_columns(),
            Risk.process.name.as_alias("process_name"),
            Risk.category.name.as_alias("category_name"),
        )
        .where(Risk.board == board_id)
        .order_by(Risk.id)
    )
    ids = [r["id"] for r in risks]
    by_year: dict[int, dict[int, dict[str, Any]]] = {year: {}, year - 1: {}}
    if ids:
        rows = await RiskAssessment.select().where(
            RiskAssessment.risk.is_in(ids)
            & RiskAssessment.year.is_in([year, year - 1])
            & RiskAssessment.current.eq(True)
        )
        for row in rows:
            by_year[row["year"]][row["risk"]] = row
    scales = await scales_by_id({a["scale"] for y in by_year.values() for a in y.values()})
    result = []
    for risk in risks:
        current = by_year[year].get(risk["id"])
        previous = by_year[year - 1].get(risk["id"])
        # An unscored risk belongs to a year only while active and once it has entered the register.
        if current is None and (not risk["active"] or risk["first_year"] > year):
            continue
        entry = {
            **risk,
            "assessment": current,
            "previous": previous,
            "change": change_status(current, previous),
        }
        if current:
            c = cell(scales[current["scale"]], current["likelihood"], current["impact"])
            entry["colour"] = c.colour
            entry["band"] = c.band.label
            entry["band_colour_name"] = c.band.colour_name
            entry["high"] = is_high(scales[current["scale"]], c.value)
        result.append(entry)
    order = {"ny": 0, "ändrad": 1, "ej bedömd": 2, "oförändrad": 3}
    return sorted(
        result,
        key=lambda r: (-(r["assessment"] or {}).get("value", 0), order[r["change"]], r["title"]),
    )


@dataclass
class HeatMapCell:
    """A cell with its colour, band and how many risks sit in it."""

    likelihood: int
    impact: int
    value: int
    colour: str
    band: str
    colour_name: str
    count: int = 0
    risk_ids: list[int] = field(default_factory=list)


@dataclass
class HeatMap:
    """Counts per cell for one year, on the scale the year was scored on."""

    year: int
    scale: Scale
    cells: list[HeatMapCell]
    total: int
    off_scale: int = 0

    def cell_at(self, likelihood: int, impact: int) -> HeatMapCell:
        """The cell at these scores."""
        return next(c for c in self.cells if (c.likelihood, c.impact) == (likelihood, impact))


async def heat_map(
    principal: Principal,
    year: int,
    *,
    board_id: int | None = None,
    process_id: int | None = None,
    category_id: int | None = None,
) -> HeatMap:
    """The heat map of one board, or of every board the principal reads when board_id is None."""
    check_year(year)
    query = RiskAssessment.select(
        RiskAssessment.risk, RiskAssessment.likelihood, RiskAssessment.impact, RiskAssessment.scale
    ).where((RiskAssessment.year == year) & RiskAssessment.current.eq(True))
    if board_id is not None:
        await _board(board_id)
        require(principal, Action.VIEW_BOARD, board_id)
        query = query.where(RiskAssessment.risk.board == board_id)
    else:
        readable = readable_board_ids(principal)
        if readable is not None:
            if not readable:
                readable = {-1}
            query = query.where(RiskAssessment.risk.board.is_in(sorted(readable)))
    if process_id is not None:
        query = query.where(RiskAssessment.risk.process == process_id)
    if category_id is not None:
        query = query.where(RiskAssessment.risk.category == category_id)
    rows = await query.order_by(RiskAssessment.risk)
    if rows:
        newest = max(r["scale"] for r in rows)
        scale = (await scales_by_id({newest}))[newest]
    else:
        scale = (await current_scale())[1]
    grid = {
        (c.likelihood, c.impact): HeatMapCell(
            c.likelihood, c.impact, c.value, c.colour, c.band.label, c.band.colour_name
        )
        for c in cells(scale)
    }
    off_scale = 0
    for row in rows:
        target = grid.get((row["likelihood"], row["impact"]))
        if target is None:
            off_scale += 1
            continue
        target.count += 1
        target.risk_ids.append(row["risk"])
    return HeatMap(
        year=year,
        scale=scale,
        cells=list(grid.values()),
        total=len(rows) - off_scale,
        off_scale=off_scale,
    )


async def accepted_high_risks(principal: Principal, year: int) -> list[dict[str, Any]]:
    """Risks at or above the threshold that a board accepted, for KS's review."""
    require(principal, Action.VIEW_ALL_BOARDS)
    check_year(year)
    rows = (
        await RiskAssessment.select(
            RiskAssessment.all_columns(),
            RiskAssessment.risk.title.as_alias("title"),
            RiskAssessment.risk.board.id.as_alias("board_id"),
            RiskAssessment.risk.board.short_name.as_alias("board_short_name"),
            RiskAssessment.risk.board.name.as_alias("board_name"),
        )
        .where(
            (RiskAssessment.year == year)
            & RiskAssessment.current.eq(True)
            & (RiskAssessment.treatment == "accept")
        )
        .order_by(RiskAssessment.value, ascending=False)
    )
    scales = await scales_by_id({r["scale"] for r in rows})
    return [r for r in rows if is_high(scales[r["scale"]], r["value"])]

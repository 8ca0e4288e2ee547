"""Read models of the register: the year's list with changes, heat maps, accepted high risks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from piccolo.query.functions.aggregate import Count

from internkontroll.auth.permissions import Action, readable_board_ids, require
from internkontroll.auth.principal import Principal
from internkontroll.errors import ValidationFailed
from internkontroll.organisation.tables import Board
from internkontroll.risks.register import board_or_404, check_year
from internkontroll.risks.scale import Scale, band_for, cell, cells, is_high
from internkontroll.risks.scales import current_scale, scales_by_id
from internkontroll.risks.tables import Risk, RiskAssessment

ASSESSMENT_FIELDS = ("likelihood", "impact", "value", "treatment")
CHANGE_ORDER = ("ny", "ändrad", "ej bedömd", "oförändrad")


def change_status(current: dict[str, Any] | None, previous: dict[str, Any] | None) -> str:
    """'ny' without last year's scoring, 'ändrad' if scores or treatment moved."""
    if current is None:
        return "ej bedömd"
    if previous is None:
        return "ny"
    if any(current[f] != previous[f] for f in ASSESSMENT_FIELDS):
        return "ändrad"
    return "oförändrad"


async def register(principal: Principal, board_id: int, year: int) -> list[dict[str, Any]]:
    """A board's risks with this year's and last year's scoring and what changed (3 queries)."""
    await board_or_404(board_id)
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
        for row in await with_cells(rows):
            by_year[row["year"]][row["risk"]] = row
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
            entry["colour"] = current["colour"]
            entry["band"] = current["band"]
            entry["band_colour_name"] = current["band_colour_name"]
            entry["high"] = current["high"]
        result.append(entry)
    order = {status: n for n, status in enumerate(CHANGE_ORDER)}
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
    scale_ids: list[int] = field(default_factory=list)
    # Assessments of the same year scored on an earlier, different matrix, each on its own.
    earlier: list[HeatMap] = field(default_factory=list)

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
    query = await _scoped(principal, query, board_id)
    if process_id is not None:
        query = query.where(RiskAssessment.risk.process == process_id)
    if category_id is not None:
        query = query.where(RiskAssessment.risk.category == category_id)
    rows = await query.order_by(RiskAssessment.risk)
    if not rows:
        return empty_heat_map(year, (await current_scale())[1])
    scales = await scales_by_id({r["scale"] for r in rows})
    # Versions with the same definition draw as one map; a different matrix gets its own map,
    # so no assessment is ever recoloured by a later scale.
    groups: list[tuple[Scale, list[int]]] = []
    for scale_id in sorted(scales, reverse=True):
        same = next((g for g in groups if g[0] == scales[scale_id]), None)
        if same:
            same[1].append(scale_id)
        else:
            groups.append((scales[scale_id], [scale_id]))
    maps = [_filled(year, scale, ids, rows) for scale, ids in groups]
    maps[0].earlier = maps[1:]
    return maps[0]


def _filled(year: int, scale: Scale, scale_ids: list[int], rows: list[dict[str, Any]]) -> HeatMap:
    heat_map = empty_heat_map(year, scale)
    heat_map.scale_ids = scale_ids
    grid = {(c.likelihood, c.impact): c for c in heat_map.cells}
    for row in rows:
        if row["scale"] not in scale_ids:
            continue
        target = grid.get((row["likelihood"], row["impact"]))
        if target is None:  # only a hand-edited database gets here
            heat_map.off_scale += 1
            continue
        target.count += 1
        target.risk_ids.append(row["risk"])
        heat_map.total += 1
    return heat_map


def empty_heat_map(year: int, scale: Scale) -> HeatMap:
    """Every cell of the scale with a count of zero."""
    return HeatMap(
        year=year,
        scale=scale,
        cells=[
            HeatMapCell(c.likelihood, c.impact, c.value, c.colour, c.band.label, c.band.colour_name)
            for c in cells(scale)
        ],
        total=0,
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


async def with_cells(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add colour, band and 'high' to assessments, each on the scale it was scored on."""
    scales = await scales_by_id({r["scale"] for r in rows})
    for row in rows:
        scale = scales[row["scale"]]
        try:
            c = cell(scale, row["likelihood"], row["impact"])
        except ValidationFailed:  # a stored score can only leave its scale by hand-editing
            row.update(colour="#ffffff", band="Utanför skalan", band_colour_name="", high=False)
            continue
        row.update(
            colour=c.colour,
            band=c.band.label,
            band_colour_name=c.band.colour_name,
            high=is_high(scale, c.value),
        )
    return rows


async def cell_risks(
    principal: Principal,
    year: int,
    likelihood: int,
    impact: int,
    *,
    board_id: int | None = None,
    process_id: int | None = None,
    category_id: int | None = None,
    scale_ids: list[int] | None = None,
) -> list[dict[str, Any]]:
    """The risks scored in one cell of a heat map, with board, process and category (1 query)."""
    check_year(year)
    query = RiskAssessment.select(
        RiskAssessment.all_columns(),
        RiskAssessment.risk.title.as_alias("title"),
        RiskAssessment.risk.board.id.as_alias("board_id"),
        RiskAssessment.risk.board.short_name.as_alias("board_short_name"),
        RiskAssessment.risk.process.name.as_alias("process_name"),
        RiskAssessment.risk.category.name.as_alias("category_name"),
    ).where(
        (RiskAssessment.year == year)
        & RiskAssessment.current.eq(True)
        & (RiskAssessment.likelihood == likelihood)
        & (RiskAssessment.impact == impact)
    )
    query = await _scoped(principal, query, board_id)
    if process_id is not None:
        query = query.where(RiskAssessment.risk.process == process_id)
    if category_id is not None:
        query = query.where(RiskAssessment.risk.category == category_id)
    if scale_ids:
        query = query.where(RiskAssessment.scale.is_in(scale_ids))
    return await query.order_by(RiskAssessment.risk.board.short_name).order_by(
        RiskAssessment.risk.title
    )


async def _scoped(principal: Principal, query, board_id: int | None):
    """Limit an assessment query to one readable board, or to every board the principal reads."""
    if board_id is not None:
        await board_or_404(board_id)
        require(principal, Action.VIEW_BOARD, board_id)
        return query.where(RiskAssessment.risk.board == board_id)
    readable = readable_board_ids(principal)
    if readable is None:
        return query
    return query.where(RiskAssessment.risk.board.is_in(sorted(readable) or [-1]))


@dataclass
class BoardRiskSummary:
    """One board's year in figures, for the overview of all boards."""

    board_id: int
    short_name: str
    name: str
    assessed: int = 0
    high: int = 0
    accepted_high: int = 0
    by_band: dict[str, int] = field(default_factory=dict)


async def board_summaries(principal: Principal, year: int) -> list[BoardRiskSummary]:
    """Assessed, high and accepted-high risks per readable board, aggregated in SQL."""
    check_year(year)
    readable = readable_board_ids(principal)
    boards_query = Board.select(Board.id, Board.short_name, Board.name, Board.kind).where(
        Board.active == True  # noqa: E712
    )
    if readable is not None:
        boards_query = boards_query.where(Board.id.is_in(sorted(readable) or [-1]))
    boards = await boards_query.order_by(Board.name)
    summaries = {b["id"]: BoardRiskSummary(b["id"], b["short_name"], b["name"]) for b in boards}
    if not summaries:
        return []
    board_col = RiskAssessment.risk.board.id.as_alias("board_id")
    rows = (
        await RiskAssessment.select(
            board_col,
            RiskAssessment.scale,
            RiskAssessment.value,
            RiskAssessment.treatment,
            Count(RiskAssessment.id, alias="n"),
        )
        .where(
            (RiskAssessment.year == year)
            & RiskAssessment.current.eq(True)
            & RiskAssessment.risk.board.is_in(list(summaries))
        )
        .group_by(
            RiskAssessment.risk.board.id,
            RiskAssessment.scale,
            RiskAssessment.value,
            RiskAssessment.treatment,
        )
    )
    scales = await scales_by_id({r["scale"] for r in rows})
    for row in rows:
        summary = summaries[row["board_id"]]
        scale = scales[row["scale"]]
        summary.assessed += row["n"]
        band = band_for(scale, row["value"]).label
        summary.by_band[band] = summary.by_band.get(band, 0) + row["n"]
        if is_high(scale, row["value"]):
            summary.high += row["n"]
            if row["treatment"] == "accept":
                summary.accepted_high += row["n"]
    executive_first = sorted(boards, key=lambda b: (b["kind"] != "executive", b["name"]))
    return [summaries[b["id"]] for b in executive_first]

"""Every risk a user may read, across boards, for one year: one query for the rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from internkontroll.auth.permissions import Action, readable_board_ids, require
from internkontroll.auth.principal import Principal
from internkontroll.errors import ValidationFailed
from internkontroll.organisation.tables import Board, Process
from internkontroll.risks.heatmap_draw import text_colour_on
from internkontroll.risks.register import board_or_404, check_year
from internkontroll.risks.scale import Scale, cell, is_high
from internkontroll.risks.scales import scales_by_id
from internkontroll.risks.tables import TREATMENT_LABELS, RiskAssessment


@dataclass(frozen=True)
class RiskFilter:
    """What narrows the list; None means no narrowing."""

    board_id: int | None = None
    category_id: int | None = None
    process_id: int | None = None
    min_value: int | None = None
    treatment: str | None = None


# The request's own names for the filter fields, so a 422 names what the caller typed.
API_FIELDS = {"year": "year", "treatment": "treatment", "min_value": "min_value"}
PAGE_FIELDS = {"year": "ar", "treatment": "hantering", "min_value": "varde"}


def check_filter(filters: RiskFilter, fields: dict[str, str] = API_FIELDS) -> None:
    """422 naming the field for a treatment that does not exist or a negative value."""
    if filters.treatment is not None and filters.treatment not in TREATMENT_LABELS:
        choices = ", ".join(TREATMENT_LABELS)
        raise ValidationFailed.one(fields["treatment"], f"ska vara en av {choices}")
    if filters.min_value is not None and filters.min_value < 0:
        raise ValidationFailed.one(fields["min_value"], "får inte vara negativt")


async def risk_list(
    principal: Principal,
    year: int,
    filters: RiskFilter = RiskFilter(),
    fields: dict[str, str] = API_FIELDS,
) -> list[dict[str, Any]]:
    """The year's current assessments on readable boards, highest value first, then board and
    title, each with board, process, category, colour and band (one query, plus the scales)."""
    check_year(year, fields["year"])
    check_filter(filters, fields)
    query = RiskAssessment.select(
        RiskAssessment.risk.as_alias("risk_id"),
        RiskAssessment.risk.title.as_alias("title"),
        RiskAssessment.risk.active.as_alias("active"),
        RiskAssessment.risk.board.id.as_alias("board_id"),
        RiskAssessment.risk.board.short_name.as_alias("board_short_name"),
        RiskAssessment.risk.board.name.as_alias("board_name"),
        RiskAssessment.risk.process.id.as_alias("process_id"),
        RiskAssessment.risk.process.name.as_alias("process_name"),
        RiskAssessment.risk.category.id.as_alias("category_id"),
        RiskAssessment.risk.category.name.as_alias("category_name"),
        RiskAssessment.scale,
        RiskAssessment.likelihood,
        RiskAssessment.impact,
        RiskAssessment.value,
        RiskAssessment.treatment,
    ).where((RiskAssessment.year == year) & RiskAssessment.current.eq(True))
    if filters.board_id is not None:
        await board_or_404(filters.board_id)
        require(principal, Action.VIEW_BOARD, filters.board_id)
        query = query.where(RiskAssessment.risk.board == filters.board_id)
    else:
        readable = readable_board_ids(principal)
        if readable is not None:
            query = query.where(RiskAssessment.risk.board.is_in(sorted(readable) or [-1]))
    if filters.category_id is not None:
        query = query.where(RiskAssessment.risk.category == filters.category_id)
    if filters.process_id is not None:
        query = query.where(RiskAssessment.risk.process == filters.process_id)
    if filters.min_value is not None:
        query = query.where(RiskAssessment.value >= filters.min_value)
    if filters.treatment is not None:
        query = query.where(RiskAssessment.treatment == filters.treatment)
    rows = await (
        query.order_by(RiskAssessment.value, ascending=False)
        .order_by(RiskAssessment.risk.board.short_name)
        .order_by(RiskAssessment.risk.title)
        .order_by(RiskAssessment.risk.id)
    )
    return await with_cells(rows)


async def with_cells(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add colour, band, high and text_colour, each on the scale the row was scored on; a
    thousand rows share a few dozen cells, so each cell is worked out once."""
    scales = await scales_by_id({r["scale"] for r in rows})
    seen: dict[tuple[int, int, int], dict[str, Any]] = {}
    for row in rows:
        key = (row["scale"], row["likelihood"], row["impact"])
        if key not in seen:
            seen[key] = _cell_fields(scales[row["scale"]], row["likelihood"], row["impact"])
        row.update(seen[key])
    return rows


def _cell_fields(scale: Scale, likelihood: int, impact: int) -> dict[str, Any]:
    try:
        c = cell(scale, likelihood, impact)
    except ValidationFailed:  # a stored score can only leave its scale by hand-editing
        return {
            "colour": "#ffffff",
            "text_colour": "#000000",
            "band": "Utanför skalan",
            "high": False,
        }
    return {
        "colour": c.colour,
        "text_colour": text_colour_on(c.colour),
        "band": c.band.label,
        "high": is_high(scale, c.value),
    }


async def readable_boards(principal: Principal) -> list[dict[str, Any]]:
    """The boards the principal reads, by name (one query), for the board filter."""
    query = Board.select(Board.id, Board.short_name, Board.name)
    readable = readable_board_ids(principal)
    if readable is not None:
        query = query.where(Board.id.is_in(sorted(readable) or [-1]))
    return await query.order_by(Board.name)


async def board_processes(board_id: int | None) -> list[dict[str, Any]]:
    """A chosen board's active processes (processes belong to one board; none without one)."""
    if board_id is None:
        return []
    return (
        await Process.select(Process.id, Process.name)
        .where((Process.board == board_id) & (Process.active == True))  # noqa: E712
        .order_by(Process.name)
    )

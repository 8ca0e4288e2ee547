"""Excel export of risk registers, and the empty import template."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from internkontroll.auth.permissions import Action, readable_board_ids, require
from internkontroll.auth.principal import Principal
from internkontroll.errors import ValidationFailed
from internkontroll.organisation.tables import Board
from internkontroll.risks.excel_layout import (
    COLUMNS,
    WRAP,
    band_text,
    fill,
    font_on,
    instructions_sheet,
    put,
    register_sheet,
    scale_sheet,
    to_bytes,
)
from internkontroll.risks.register import board_or_404, check_year
from internkontroll.risks.scale import Scale, cell
from internkontroll.risks.scales import current_scale, scales_by_id
from internkontroll.risks.tables import TREATMENT_LABELS, Risk, RiskAssessment

LONG_TEXT = frozenset({"title", "description", "consequence", "motivation"})
COLOURED = frozenset({"value", "band"})
ASCII_NAME = str.maketrans("åäöÅÄÖéÉüÜ", "aaoAAOeEuU")


async def template_workbook() -> bytes:
    """The empty, documented import template on the current scale."""
    _, scale = await current_scale()
    return await asyncio.to_thread(_build, [], scale, "Mall för import av riskregister")


async def export_register(principal: Principal, year: int, board_id: int | None = None) -> bytes:
    """One board's register for a year, or every board the principal reads when board_id is None."""
    if board_id is not None:
        await board_or_404(board_id)
        require(principal, Action.VIEW_BOARD, board_id)
        content, _ = await _export({board_id}, year)
    else:
        content, _ = await _export(readable_board_ids(principal), year)
    return content


async def system_export_register(year: int, board_id: int | None = None) -> tuple[bytes, int]:
    """The command line's export (the server's own trust, never a request): file and row count."""
    if board_id is not None:
        await board_or_404(board_id)
    return await _export(None if board_id is None else {board_id}, year)


def export_filename(year: int, board_short: str | None) -> str:
    """'riskregister-BUN-2026.xlsx', or 'riskregister-alla-2026.xlsx' for every board."""
    name = "alla"
    if board_short:
        name = re.sub(r"[^A-Za-z0-9_-]+", "_", board_short.translate(ASCII_NAME)).strip("_")
    return f"riskregister-{name or 'namnd'}-{year}.xlsx"


async def _export(board_ids: set[int] | None, year: int) -> tuple[bytes, int]:
    check_year(year)
    rows = await _register_rows(board_ids, year)
    _, scale = await current_scale()
    if board_ids is None:
        heading = f"Riskregister {year} – alla nämnder"
    else:
        boards = await Board.select(Board.short_name).where(
            Board.id.is_in(sorted(board_ids) or [-1])
        )
        names = ", ".join(sorted(b["short_name"] for b in boards)) or "inga nämnder"
        heading = f"Riskregister {year} – {names}"
    content = await asyncio.to_thread(_build, rows, scale, heading)
    return content, len(rows)


async def _register_rows(
    board_ids: set[int] | None, year: int
) -> list[tuple[dict[str, Any], str | None]]:
    """Each risk of the year's register as cell values, with its colour (4 queries in all)."""
    if board_ids is not None and not board_ids:
        return []
    risks_query = Risk.select(
        Risk.all_columns(),
        Risk.process.name.as_alias("process_name"),
        Risk.category.name.as_alias("category_name"),
        Risk.board.short_name.as_alias("board_short_name"),
    )
    scores_query = RiskAssessment.select().where(
        (RiskAssessment.year == year) & RiskAssessment.current.eq(True)
    )
    if board_ids is not None:
        risks_query = risks_query.where(Risk.board.is_in(sorted(board_ids)))
        scores_query = scores_query.where(RiskAssessment.risk.board.is_in(sorted(board_ids)))
    risks = await risks_query
    scores = {row["risk"]: row for row in await scores_query}
    scales = await scales_by_id({a["scale"] for a in scores.values()})
    entries = []
    for risk in risks:
        score = scores.get(risk["id"])
        # The same membership rule as views.register: an unscored risk belongs to a year only
        # while active and once it has entered the register.
        if score is None and (not risk["active"] or risk["first_year"] > year):
            continue
        entries.append((risk, score))
    entries.sort(
        key=lambda e: (
            e[0]["board_short_name"],
            -(e[1]["value"] if e[1] else 0),
            e[0]["title"].casefold(),
            e[0]["id"],
        )
    )
    return [_values(risk, score, scales) for risk, score in entries]


def _values(
    risk: dict[str, Any], score: dict[str, Any] | None, scales: dict[int, Scale]
) -> tuple[dict[str, Any], str | None]:
    values: dict[str, Any] = {
        "board": risk["board_short_name"],
        "process": risk["process_name"],
        "category": risk["category_name"],
        "title": risk["title"],
        "description": risk["description"],
        "consequence": risk["consequence"],
        "responsible": risk["responsible"],
        "likelihood": None,
        "impact": None,
        "value": None,
        "band": None,
        "treatment": None,
        "motivation": None,
        "active": "Ja" if risk["active"] else "Nej",
    }
    colour = None
    if score is not None:
        values |= {
            "likelihood": score["likelihood"],
            "impact": score["impact"],
            "value": score["value"],
            "treatment": TREATMENT_LABELS.get(score["treatment"], score["treatment"]),
            "motivation": score["motivation"],
        }
        try:
            square = cell(scales[score["scale"]], score["likelihood"], score["impact"])
        except ValidationFailed:
            square = None  # a score off its own scale: show it, uncoloured, rather than fail
        if square is not None:
            values["band"] = band_text(square.band)
            colour = square.colour
    return values, colour


def _build(rows: list[tuple[dict[str, Any], str | None]], scale: Scale, heading: str) -> bytes:
    wb = Workbook()
    ws = register_sheet(wb, scale)
    for number, (values, colour) in enumerate(rows, 2):
        for index, column in enumerate(COLUMNS, 1):
            target = put(ws, number, index, values[column.key])
            if column.key in LONG_TEXT:
                target.alignment = WRAP
            if colour and column.key in COLOURED:
                target.fill = fill(colour)
                target.font = font_on(colour)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{len(rows) + 1}"
    instructions_sheet(wb, scale, heading)
    scale_sheet(wb, scale)
    return to_bytes(wb)

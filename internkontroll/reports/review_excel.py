"""KS's consolidated review as an Excel workbook: the same content as the page and the PDF."""

from __future__ import annotations

import asyncio

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from internkontroll.auth.principal import Principal
from internkontroll.errors import NotFound
from internkontroll.reports.review import no_review_message
from internkontroll.reports.review_document import (
    JUDGEMENT_HEX,
    NO_JUDGEMENT,
    ReviewDocument,
    judgement_text,
    review_document,
)
from internkontroll.reports.review_pdf import review_file_name
from internkontroll.risks.excel_layout import BOLD, WRAP, fill, font_on, put, to_bytes

BOARD_SHEET = "Bedömning per nämnd"
PROCESS_SHEET = "Bedömning per process"
NOT_REPORTED_SHEET = "Ej rapporterat"
TEXT_SHEET = "Iakttagelser och förslag"

BOARD_COLUMNS: tuple[tuple[str, int], ...] = (
    ("Nämnd", 34),
    ("Kortnamn", 10),
    ("Bedömning", 30),
    ("Kommentar", 40),
    ("Plan", 22),
    ("Testade", 9),
    ("Planerade", 10),
    ("Mindre avvikelser", 10),
    ("Väsentliga avvikelser", 11),
    ("Försenade åtgärder", 10),
    ("Accepterade höga risker", 11),
    ("Uppföljning mottagen", 22),
)
PROCESS_COLUMNS: tuple[tuple[str, int], ...] = (
    ("Nämnd", 10),
    ("Process", 30),
    ("Bedömning", 30),
    ("Kommentar", 50),
)


def _header(ws: Worksheet, document: ReviewDocument) -> int:
    """Title and facts; returns the row of the table's header."""
    put(ws, 1, 1, document.title).font = Font(bold=True, size=14)
    facts = (
        ("Kommun", document.municipality or "–"),
        ("År", document.year),
        ("Status", document.status_label),
        ("Beslut", document.decision_text),
        ("Underlag", f"{document.period_label}, siffror per {document.as_of.isoformat()}"),
        ("Nämnder som inte har rapporterat", document.not_reported_text),
    )
    for row, (label, value) in enumerate(facts, 2):
        put(ws, row, 1, label).font = BOLD
        put(ws, row, 3, value)
    return 2 + len(facts) + 1


def _columns(ws: Worksheet, row: int, columns: tuple[tuple[str, int], ...]) -> None:
    for index, (title, width) in enumerate(columns, 1):
        put(ws, row, index, title).font = BOLD
        ws.column_dimensions[get_column_letter(index)].width = width


def _colour(cell, level: str | None) -> None:
    if level in JUDGEMENT_HEX:
        cell.fill = fill(JUDGEMENT_HEX[level])
        cell.font = font_on(JUDGEMENT_HEX[level])


def _board_sheet(ws: Worksheet, document: ReviewDocument) -> None:
    first = _header(ws, document)
    _columns(ws, first, BOARD_COLUMNS)
    for row, section in enumerate(document.sections, first + 1):
        b, judgement = section.figures, section.judgement
        values = [
            b.name,
            b.short_name,
            judgement_text(judgement.level) if judgement else NO_JUDGEMENT,
            judgement.comment if judgement and judgement.comment else None,
            b.timeliness_label,
            b.counts.tested,
            b.counts.due,
            b.counts.deviations_minor,
            b.counts.deviations_major,
            b.counts.overdue_actions,
            b.accepted_high_risks,
            b.reported_text,
        ]
        for column, value in enumerate(values, 1):
            put(ws, row, column, value)
        ws.cell(row=row, column=4).alignment = WRAP
        _colour(ws.cell(row=row, column=3), judgement.level if judgement else None)
    ws.freeze_panes = ws.cell(row=first + 1, column=1)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.print_title_rows = f"{first}:{first}"


def _process_sheet(ws: Worksheet, document: ReviewDocument) -> None:
    _columns(ws, 1, PROCESS_COLUMNS)
    for row, (section, judgement) in enumerate(document.process_judgements, 2):
        put(ws, row, 1, section.figures.short_name)
        put(ws, row, 2, judgement.process_name)
        _colour(put(ws, row, 3, judgement_text(judgement.level)), judgement.level)
        put(ws, row, 4, judgement.comment or None).alignment = WRAP


def _not_reported_sheet(ws: Worksheet, document: ReviewDocument) -> None:
    _columns(ws, 1, (("Nämnd", 40), ("Kortnamn", 12)))
    for row, board in enumerate(document.not_reported, 2):
        put(ws, row, 1, board.name)
        put(ws, row, 2, board.short_name)


def _text_sheet(ws: Worksheet, document: ReviewDocument) -> None:
    ws.column_dimensions["A"].width = 110
    put(ws, 1, 1, "Iakttagelser").font = BOLD
    put(ws, 2, 1, document.findings or None).alignment = WRAP
    put(ws, 4, 1, "Förbättringsförslag").font = BOLD
    put(ws, 5, 1, document.proposals or None).alignment = WRAP


def review_workbook(document: ReviewDocument) -> bytes:
    """The review as an .xlsx file: boards, processes, boards not reported, findings."""
    wb = Workbook()
    ws = wb.active
    ws.title = BOARD_SHEET
    _board_sheet(ws, document)
    _process_sheet(wb.create_sheet(PROCESS_SHEET), document)
    _not_reported_sheet(wb.create_sheet(NOT_REPORTED_SHEET), document)
    _text_sheet(wb.create_sheet(TEXT_SHEET), document)
    return to_bytes(wb)


async def render_review_workbook(principal: Principal, year: int) -> tuple[str, bytes]:
    """The year's review as a workbook, built off the event loop; 404 without a review."""
    document = await review_document(principal, year)
    if document.review is None:
        raise NotFound(no_review_message(year))
    content = await asyncio.to_thread(review_workbook, document)
    return review_file_name(year, "xlsx"), content

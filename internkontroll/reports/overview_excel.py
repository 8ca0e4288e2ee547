"""KS's overview and the shared points' report as Excel workbooks, with the page's figures."""

from __future__ import annotations

import asyncio

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from internkontroll.auth.principal import Principal
from internkontroll.reports.counts import Counts
from internkontroll.reports.overview import (
    OUTCOME_COLOURS,
    Overview,
    SharedPointReport,
    outcome_colour,
    outcome_text,
    overview,
    report_file_name,
    shared_points_report,
)
from internkontroll.reports.overview_pdf import (
    OVERVIEW_FILE,
    TIMELINESS_COLOURS,
    municipality_name,
)
from internkontroll.reports.periods import ReportingPeriod
from internkontroll.reports.shared_pdf import SHARED_FILE
from internkontroll.risks.excel_layout import BOLD, fill, font_on, put, to_bytes

OVERVIEW_SHEET = "Översikt"
SHARED_SHEET = "Gemensamma kontrollmoment"

# (header, Counts attribute or None for a computed column) — the same figures as the page.
COUNT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("Förfallna tillfällen", "due"),
    ("Testade", "tested"),
    ("Andel testade (%)", "tested_percent"),
    *((f"{label} ({colour.lower()})", code) for code, colour, label, _ in OUTCOME_COLOURS),
    ("Avvikelser mindre", "deviations_minor"),
    ("Avvikelser väsentliga", "deviations_major"),
    ("Öppna avvikelser", "open_deviations"),
    ("Öppna åtgärder", "open_actions"),
    ("Försenade åtgärder", "overdue_actions"),
    ("Avslutade åtgärder", "closed_actions"),
)
OUTCOME_HEADERS = {
    f"{label} ({colour.lower()})": hexa for _, colour, label, hexa in OUTCOME_COLOURS
}


def _headers(ws: Worksheet, row: int, titles: list[str]) -> None:
    for index, title in enumerate(titles, 1):
        target = put(ws, row, index, title)
        target.font = BOLD
        if title in OUTCOME_HEADERS:
            target.fill = fill(OUTCOME_HEADERS[title])
            target.font = font_on(OUTCOME_HEADERS[title])
        ws.column_dimensions[get_column_letter(index)].width = max(12, min(len(title) + 2, 40))


def _figures(counts: Counts) -> list[int | None]:
    return [getattr(counts, attribute) for _, attribute in COUNT_COLUMNS]


def _facts(ws: Worksheet, title: str, facts: list[tuple[str, object]]) -> int:
    """Title and facts at the top; returns the table's header row."""
    put(ws, 1, 1, title).font = Font(bold=True, size=14)
    for row, (label, value) in enumerate(facts, 2):
        put(ws, row, 1, label).font = BOLD
        put(ws, row, 2, value)
    return 2 + len(facts) + 1


def _finish(ws: Worksheet, header_row: int, last_row: int, columns: int) -> None:
    ws.freeze_panes = ws.cell(row=header_row + 1, column=3)
    ws.auto_filter.ref = f"A{header_row}:{get_column_letter(columns)}{last_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.print_title_rows = f"{header_row}:{header_row}"


def overview_workbook(view: Overview, municipality: str) -> bytes:
    """The overview as an .xlsx file: one row per board and a totals row."""
    wb = Workbook()
    ws = wb.active
    ws.title = OVERVIEW_SHEET
    first = _facts(
        ws,
        f"Internkontroll {view.year} – alla nämnder och bolag",
        [
            ("Kommun", municipality),
            ("Rapporteringstillfälle", view.period.label),
            ("Resultat utförda", f"{view.period.start} – {view.period.end}"),
            ("Försenade åtgärder per", view.as_of),
        ],
    )
    titles = ["Kortnamn", "Nämnd eller bolag", "Plan", "Beslutsfrist"]
    titles += [title for title, _ in COUNT_COLUMNS] + ["Accepterade höga risker"]
    titles += [f"Uppföljning {p.short_label.lower()}" for p in view.periods]
    _headers(ws, first, titles)
    row = first
    for row, board in enumerate(view.boards, first + 1):
        values = [board.short_name, board.name, board.plan_status_label, board.timeliness_label]
        values += _figures(board.counts) + [board.accepted_high_risks]
        values += [board.follow_up_label(p.key) for p in view.periods]
        for column, value in enumerate(values, 1):
            put(ws, row, column, value)
        deadline = ws.cell(row=row, column=4)
        deadline.fill = fill(TIMELINESS_COLOURS[board.timeliness])
        deadline.font = font_on(TIMELINESS_COLOURS[board.timeliness])
    row += 1
    totals = ["Summa", f"{len(view.boards)} nämnder och bolag", "", f"{view.on_time} i tid"]
    totals += _figures(view.totals) + [view.accepted_high_risks]
    totals += [f"{view.reported(p.key)} skickade" for p in view.periods]
    for column, value in enumerate(totals, 1):
        put(ws, row, column, value).font = BOLD
    _finish(ws, first, row, len(titles))
    return to_bytes(wb)


def shared_workbook(
    period: ReportingPeriod, points: list[SharedPointReport], municipality: str
) -> bytes:
    """The shared points' report as an .xlsx file: one row per point and board."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHARED_SHEET
    first = _facts(
        ws,
        "Gemensamma kontrollmoment – rapport till kommunstyrelsen",
        [
            ("Kommun", municipality),
            ("Rapporteringstillfälle", period.label),
            ("Resultat utförda", f"{period.start} – {period.end}"),
        ],
    )
    titles = ["Gemensamt kontrollmoment", "Kortnamn", "Nämnd eller bolag"]
    titles += [title for title, _ in COUNT_COLUMNS] + ["Sämsta utfall"]
    _headers(ws, first, titles)
    ws.column_dimensions["A"].width = 40
    row = first
    for point in points:
        for r in point.rows:
            row += 1
            values: list[object] = [f"{point.position}. {point.title}", r.short_name, r.name]
            if r.control_id is None:
                values.append("Saknar kontrollmomentet i en plan")
            else:
                values += _figures(r.counts) + [outcome_text(r.worst_outcome)]
            for column, value in enumerate(values, 1):
                put(ws, row, column, value)
            if r.worst_outcome:
                worst = ws.cell(row=row, column=len(titles))
                worst.fill = fill(outcome_colour(r.worst_outcome))
                worst.font = font_on(outcome_colour(r.worst_outcome))
    _finish(ws, first, row, len(titles))
    return to_bytes(wb)


async def render_overview_workbook(
    principal: Principal, year: int, period: ReportingPeriod
) -> tuple[str, bytes]:
    """The overview the principal may see, as a workbook built off the event loop."""
    view = await overview(principal, year, period)
    content = await asyncio.to_thread(overview_workbook, view, await municipality_name())
    return report_file_name(OVERVIEW_FILE, period, "xlsx"), content


async def render_shared_workbook(
    principal: Principal, year: int, period: ReportingPeriod
) -> tuple[str, bytes]:
    """The shared points' report the principal may see, as a workbook off the event loop."""
    points = await shared_points_report(principal, year, period)
    content = await asyncio.to_thread(shared_workbook, period, points, await municipality_name())
    return report_file_name(SHARED_FILE, period, "xlsx"), content

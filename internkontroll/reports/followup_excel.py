"""A board's follow-up as an Excel workbook: totals, one row per control, results, deviations."""

from __future__ import annotations

import asyncio

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from internkontroll.auth.principal import Principal
from internkontroll.reports.followup_figures import (
    CONTROL_COUNT_COLUMNS,
    TOTAL_ROWS,
    follow_up_file_name,
)
from internkontroll.reports.followup_pdf import SHARED_MARK, SIGNAL_COLOURS
from internkontroll.reports.followups import FollowUpDocument, follow_up_document
from internkontroll.risks.excel_layout import BOLD, WRAP, fill, font_on, put, to_bytes

TOTALS_SHEET = "Sammanställning"
CONTROLS_SHEET = "Kontrollmoment"
RESULTS_SHEET = "Resultat"
DEVIATIONS_SHEET = "Avvikelser"


def _header(ws: Worksheet, headers: list[tuple[str, int]], row: int = 1) -> None:
    for index, (title, width) in enumerate(headers, 1):
        put(ws, row, index, title).font = BOLD
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = ws.cell(row=row + 1, column=1)


def _totals_sheet(ws: Worksheet, document: FollowUpDocument) -> None:
    figures = document.figures
    ws.title = TOTALS_SHEET
    put(ws, 1, 1, document.title).font = Font(bold=True, size=14)
    facts = [
        ("Kommun", figures.municipality),
        ("Nämnd", f"{figures.board_name} ({figures.board_short_name})"),
        ("Rapporteringstillfälle", document.period.label),
        ("Status", document.status_label),
        ("Beslut", document.decision_text or "Utkast – inte godkänd av nämnden"),
        ("Uppgifter per", figures.as_of),
        ("Samlad bedömning", document.judgement_label or "Ej angiven"),
        ("Sammanfattning", document.summary),
        ("Accepterade höga risker", figures.accepted_high_risks),
    ]
    if figures.plan is not None:
        facts.insert(4, ("Internkontrollplan", f"Version {figures.plan.version}"))
        facts.insert(5, ("Planens beslut", figures.plan.decision_text))
        facts.insert(6, ("Beslutsfrist", figures.plan.timeliness_label))
    for row, (label, value) in enumerate(facts, 2):
        put(ws, row, 1, label).font = BOLD
        cell = put(ws, row, 2, value)
        cell.alignment = WRAP
        if label == "Samlad bedömning" and document.judgement:
            colour = SIGNAL_COLOURS[document.judgement]
            cell.fill = fill(colour)
            cell.font = font_on(colour)
        if label == "Uppgifter per":
            cell.number_format = "yyyy-mm-dd"
    first = len(facts) + 3
    put(ws, first, 1, "Nämnden totalt").font = BOLD
    put(ws, first, 2, "Antal").font = BOLD
    for row, (label, attr) in enumerate(TOTAL_ROWS, first + 1):
        put(ws, row, 1, label)
        put(ws, row, 2, getattr(figures.totals, attr))
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 70


def _controls_sheet(ws: Worksheet, document: FollowUpDocument) -> None:
    headers = [("Kontrollmoment", 40), ("Typ", 16), ("Process", 20), ("Frekvens", 13)]
    headers += [("Kontrollansvarig", 22), ("I gällande plan", 10)]
    headers += [(title, 11) for title, _ in CONTROL_COUNT_COLUMNS]
    headers += [("Ej testade", 11), ("Öppna avvikelser", 11), ("Avslutade åtgärder", 11)]
    _header(ws, headers)
    for row, c in enumerate(document.figures.controls, 2):
        values = [
            c.title,
            SHARED_MARK if c.shared else "Nämndens eget",
            c.process or None,
            c.frequency_label or None,
            c.owner or None,
            "Ja" if c.in_plan else "Nej",
        ]
        values += [getattr(c.counts, attr) for _, attr in CONTROL_COUNT_COLUMNS]
        values += [c.counts.untested, c.counts.open_deviations, c.counts.closed_actions]
        for column, value in enumerate(values, 1):
            put(ws, row, column, value)
        ws.cell(row=row, column=1).alignment = WRAP
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(document.figures.controls) + 1}"


def _results_sheet(ws: Worksheet, document: FollowUpDocument) -> None:
    headers = [("Kontrollmoment", 40), ("Tillfälle", 16), ("Utförd", 12), ("Utfall", 20)]
    headers += [("Urval", 30), ("Kommentar", 40), ("Skäl", 30), ("Utförd av", 22)]
    _header(ws, headers)
    row = 2
    for c in document.figures.controls:
        for r in c.results:
            values = [
                c.title,
                r.occasion_label,
                r.performed_on,
                r.outcome_label,
                r.sample,
                r.comment or None,
                r.reason or None,
                r.performed_by,
            ]
            for column, value in enumerate(values, 1):
                put(ws, row, column, value)
            ws.cell(row=row, column=3).number_format = "yyyy-mm-dd"
            colour = SIGNAL_COLOURS[r.signal]
            ws.cell(row=row, column=4).fill = fill(colour)
            ws.cell(row=row, column=4).font = font_on(colour)
            row += 1


def _deviations_sheet(ws: Worksheet, document: FollowUpDocument) -> None:
    headers = [("Kontrollmoment", 36), ("Avvikelse", 40), ("Allvar", 12), ("Funnen", 12)]
    headers += [("Grundorsak", 30), ("Status", 20), ("Åtgärd", 36), ("Ansvarig", 20)]
    headers += [("Ursprungligt slutdatum", 14), ("Slutdatum", 14), ("Klar", 12)]
    headers += [("Åtgärdens status", 14)]
    _header(ws, headers)
    row = 2
    figures = document.figures
    for d in figures.deviations:
        for a in d.actions or [None]:
            values = [
                figures.control_title(d.control_id),
                d.description,
                d.severity_label,
                d.found_on,
                d.root_cause or None,
                d.status_label,
                a.description if a else "Ingen åtgärd",
                a.responsible if a else None,
                a.original_due_on if a else None,
                a.due_on if a else None,
                a.closed_on if a else None,
                a.status_label if a else None,
            ]
            for column, value in enumerate(values, 1):
                put(ws, row, column, value)
            for column in (4, 9, 10, 11):
                ws.cell(row=row, column=column).number_format = "yyyy-mm-dd"
            if a is not None and a.status == "overdue":
                ws.cell(row=row, column=12).font = Font(bold=True, color="C62828")
            row += 1


def follow_up_workbook(document: FollowUpDocument) -> bytes:
    """The follow-up as an .xlsx file with the same figures as the page and the PDF."""
    wb = Workbook()
    _totals_sheet(wb.active, document)
    _controls_sheet(wb.create_sheet(CONTROLS_SHEET), document)
    _results_sheet(wb.create_sheet(RESULTS_SHEET), document)
    _deviations_sheet(wb.create_sheet(DEVIATIONS_SHEET), document)
    return to_bytes(wb)


async def render_follow_up_workbook(
    principal: Principal, board_id: int, year: int, period_key: str
) -> tuple[str, bytes]:
    """Load a follow-up the principal may read and build its workbook off the event loop."""
    document = await follow_up_document(principal, board_id, year, period_key)
    content = await asyncio.to_thread(follow_up_workbook, document)
    return follow_up_file_name(document.figures, "xlsx"), content

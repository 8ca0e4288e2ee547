"""The internkontrollplan as an Excel workbook: a header block and one row per control."""

from __future__ import annotations

import asyncio
import re

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from internkontroll.auth.principal import Principal
from internkontroll.controls.decisions import paragraph_text
from internkontroll.controls.views import PlanControlView, PlanDocument, PlanRisk, plan_document
from internkontroll.risks.excel_export import ASCII_NAME
from internkontroll.risks.excel_layout import BOLD, WRAP, fill, font_on, put, to_bytes
from internkontroll.risks.scale import RED

PLAN_SHEET = "Plan"
SHARED_MARK = "Gemensamt (KS)"
NOT_ADOPTED = "Ej antagen"

# (header, width) of the control table; column A is wide enough for the header block's labels.
CONTROL_COLUMNS: tuple[tuple[str, int], ...] = (
    ("Process", 24),
    ("Kontrollmoment", 40),
    ("Typ", 20),
    ("Syfte", 40),
    ("Risker", 40),
    ("Högsta riskvärde", 11),
    ("Nivå", 16),
    ("Metod", 15),
    ("Omfattning och urval", 30),
    ("Frekvens", 13),
    ("Kontrollansvarig", 22),
    ("Rapporteras", 22),
    ("Rapporteras till", 22),
)
WRAPPED = frozenset({"Kontrollmoment", "Syfte", "Risker", "Omfattning och urval"})
LATE = frozenset({"late", "missing"})


def plan_file_name(document: PlanDocument, extension: str) -> str:
    """An ASCII file name such as 'internkontrollplan-BUN-2027-v1.pdf'."""
    ascii_short = document.board_short_name.translate(ASCII_NAME)
    board = re.sub(r"[^A-Za-z0-9_-]+", "_", ascii_short).strip("_")
    year, version = document.plan["year"], document.plan["version"]
    return f"internkontrollplan-{board or 'namnd'}-{year}-v{version}.{extension}"


def decision_text(document: PlanDocument) -> str:
    """'Antagen 2027-01-20 § 7, Dnr BUN 2026/12', or 'Ej antagen'."""
    plan = document.plan
    if plan["decided_on"] is None:
        return NOT_ADOPTED
    parts = [f"Antagen {plan['decided_on'].isoformat()}"]
    if paragraph_text(plan["paragraph"]):
        parts.append(paragraph_text(plan["paragraph"]))
    text = " ".join(parts)
    if plan["registry_number"]:
        text += f", Dnr {plan['registry_number']}"
    return text


def deadline_text(document: PlanDocument) -> str:
    """The deadline flag as printed, e.g. 'Antagen för sent (deadline 2027-01-31)'."""
    return f"{document.timeliness_label} (deadline {document.deadline.isoformat()})"


def band_label(risk: PlanRisk) -> str:
    """'Hög (röd)': the band with its colour named, so the colour is never the only signal."""
    return f"{risk.band} ({risk.band_colour_name})" if risk.band_colour_name else risk.band


def risk_text(risk: PlanRisk) -> str:
    """'Skolskjuts utan avtal: 16 Hög (röd)', or the title with 'ej bedömd'."""
    if risk.value is None:
        return f"{risk.title}: {risk.band.lower()}"
    return f"{risk.title}: {risk.value} {band_label(risk)}"


def _row(control: PlanControlView) -> list[object]:
    top = control.top_risk
    return [
        control.process_name or None,
        control.title,
        SHARED_MARK if control.shared else "Nämndens eget",
        control.purpose or None,
        "\n".join(risk_text(r) for r in control.risks) or None,
        top.value if top is not None else None,
        band_label(top) if top is not None else None,
        control.method_label or None,
        control.scope or None,
        control.frequency_label or None,
        control.owner_name or None,
        control.report_when or None,
        control.reported_to or None,
    ]


def _header_block(ws: Worksheet, document: PlanDocument) -> int:
    """Title and the plan's facts in two pairs of columns; returns the table's header row."""
    put(ws, 1, 1, document.title).font = Font(bold=True, size=14)
    left = (
        ("Kommun", document.municipality),
        ("Nämnd", f"{document.board_name} ({document.board_short_name})"),
        ("År", document.plan["year"]),
        ("Version", document.plan["version"]),
    )
    right = (
        ("Status", document.status_label),
        ("Beslut", decision_text(document)),
        ("Beslutsfrist", deadline_text(document)),
        ("Antal kontrollmoment", len(document.controls)),
    )
    for row, ((label, value), (label2, value2)) in enumerate(zip(left, right, strict=True), 2):
        put(ws, row, 1, label).font = BOLD
        put(ws, row, 2, value)
        put(ws, row, 3, label2).font = BOLD
        target = put(ws, row, 4, value2)
        # A late or missing plan is flagged wherever it shows, the export included.
        if label2 == "Beslutsfrist" and document.timeliness in LATE:
            target.fill = fill(RED)
            target.font = font_on(RED)
    return 2 + len(left) + 1


def plan_workbook(document: PlanDocument) -> bytes:
    """The plan as an .xlsx file: header block and every control with all its fields."""
    wb = Workbook()
    ws = wb.active
    ws.title = PLAN_SHEET
    first = _header_block(ws, document)
    for index, (title, width) in enumerate(CONTROL_COLUMNS, 1):
        put(ws, first, index, title).font = BOLD
        ws.column_dimensions[get_column_letter(index)].width = width
    titles = [title for title, _ in CONTROL_COLUMNS]
    wrapped = {titles.index(title) + 1 for title in WRAPPED}
    coloured = (titles.index("Högsta riskvärde") + 1, titles.index("Nivå") + 1)
    for row, control in enumerate(document.controls, first + 1):
        for index, value in enumerate(_row(control), 1):
            target = put(ws, row, index, value)
            if index in wrapped:
                target.alignment = WRAP
        top = control.top_risk
        if top is not None and top.value is not None:
            for index in coloured:
                ws.cell(row=row, column=index).fill = fill(top.colour)
                ws.cell(row=row, column=index).font = font_on(top.colour)
    last = first + len(document.controls)
    ws.freeze_panes = ws.cell(row=first + 1, column=1)
    ws.auto_filter.ref = f"A{first}:{get_column_letter(len(CONTROL_COLUMNS))}{last}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.print_title_rows = f"{first}:{first}"
    return to_bytes(wb)


async def render_plan_workbook(principal: Principal, plan_id: int) -> tuple[str, bytes]:
    """Load a plan the principal may read and build its workbook off the event loop."""
    document = await plan_document(principal, plan_id)
    content = await asyncio.to_thread(plan_workbook, document)
    return plan_file_name(document, "xlsx"), content

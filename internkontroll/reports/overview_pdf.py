"""KS's overview of every board as a PDF: one landscape table, traffic lights with their labels."""

from __future__ import annotations

import asyncio

from reportlab.platypus import Flowable, Paragraph, Spacer

from internkontroll.auth.principal import Principal
from internkontroll.organisation.tables import Municipality
from internkontroll.reports.counts import Counts
from internkontroll.reports.overview import (
    OUTCOME_COLOURS,
    BoardOverview,
    Overview,
    overview,
    report_file_name,
    share_text,
)
from internkontroll.reports.pdf_style import (
    LANDSCAPE,
    PORTRAIT,
    DocumentInfo,
    build_pdf,
    content_width,
    data_table,
    fact_table,
    para,
    signal_cell,
    styles,
    switch_to,
    text,
)
from internkontroll.reports.periods import ReportingPeriod
from internkontroll.reports.plan_pdf import TIMELINESS_COLOURS

OVERVIEW_FILE = "ks-oversikt"
FOLLOW_UP_COLOURS = {"sent": "#2e7d32", "approved": "#c8e6c9", "draft": "#fff3c4", "": "#ffffff"}

# (header, share of the landscape width); the follow-up columns share what is left.
FIGURE_COLUMNS: tuple[tuple[str, float], ...] = (
    ("Nämnd eller bolag", 0.14),
    ("Plan", 0.11),
    ("Testade av förfallna", 0.08),
    *((colour, 0.052) for _, colour, _, _ in OUTCOME_COLOURS),
    ("Avvikelser mindre / väsentliga / öppna", 0.10),
    ("Försenade åtgärder", 0.075),
    ("Accepterade höga risker", 0.08),
)


async def municipality_name() -> str:
    """The kommun's name as reports print it."""
    row = await Municipality.select(Municipality.name).first()
    return (row or {}).get("name") or "Internkontroll"


def legend() -> str:
    """'Grön = utan anmärkning, Gul = mindre avvikelse, …': what each colour stands for."""
    return ", ".join(f"{colour} = {label.lower()}" for _, colour, label, _ in OUTCOME_COLOURS)


def _widths(view: Overview) -> list[float]:
    width = content_width(LANDSCAPE)
    used = sum(share for _, share in FIGURE_COLUMNS)
    rest = (1 - used) / max(len(view.periods), 1)
    return [share * width for _, share in FIGURE_COLUMNS] + [rest * width] * len(view.periods)


def _header(view: Overview, widths: list[float]) -> list[object]:
    s = styles()
    cells: list[object] = []
    for index, (title, _) in enumerate(FIGURE_COLUMNS):
        colour = next((hexa for _, name, _, hexa in OUTCOME_COLOURS if name == title), None)
        if colour:
            cells.append(signal_cell(title, colour, widths[index] - 8))
        else:
            cells.append(Paragraph(text(title), s.cell_header))
    for p in view.periods:
        cells.append(Paragraph(text(f"Uppföljning {p.short_label.lower()}"), s.cell_header))
    return cells


def figure_cells(counts: Counts, accepted: int) -> list[str]:
    """The figures of a row in column order, as printed (the test reads them back)."""
    return [
        share_text(counts),
        *(str(getattr(counts, code)) for code, _, _, _ in OUTCOME_COLOURS),
        f"{counts.deviations_minor} / {counts.deviations_major} / {counts.open_deviations}",
        str(counts.overdue_actions),
        str(accepted),
    ]


def _row(view: Overview, board: BoardOverview, widths: list[float]) -> list[object]:
    s = styles()
    plan = [
        para(board.plan_status_label, s.cell),
        signal_cell(board.timeliness_label, TIMELINESS_COLOURS[board.timeliness], widths[1] - 8),
    ]
    follow_ups = [
        signal_cell(
            board.follow_up_label(p.key),
            FOLLOW_UP_COLOURS[board.follow_ups.get(p.key, "")],
            widths[len(FIGURE_COLUMNS) + i] - 8,
        )
        for i, p in enumerate(view.periods)
    ]
    return [
        para(f"{board.short_name} – {board.name}", s.cell),
        plan,
        *(para(cell, s.cell) for cell in figure_cells(board.counts, board.accepted_high_risks)),
        *follow_ups,
    ]


def _totals(view: Overview) -> list[object]:
    s = styles()
    return [
        para(f"Summa ({len(view.boards)})", s.cell_header),
        para(f"{view.on_time} i tid", s.cell),
        *(para(cell, s.cell) for cell in figure_cells(view.totals, view.accepted_high_risks)),
        *(para(f"{view.reported(p.key)} skickade", s.cell) for p in view.periods),
    ]


def _title_block(view: Overview, municipality: str) -> list[Flowable]:
    s = styles()
    period = view.period
    missing = view.not_reported()
    facts: list[tuple[str, object]] = [
        ("Kommun", municipality),
        ("Rapporteringstillfälle", period.label),
        ("Resultat utförda", f"{period.start.isoformat()} – {period.end.isoformat()}"),
        ("Försenade åtgärder per", view.as_of.isoformat()),
        (
            "Har inte skickat uppföljningen till KS",
            ", ".join(b.short_name for b in missing) if missing else "Alla har skickat",
        ),
    ]
    return [
        para(f"Internkontroll {view.year} – alla nämnder och bolag", s.title),
        para(period.label, s.subtitle),
        fact_table(facts, content_width(PORTRAIT)),
        Spacer(1, 6),
        para(f"Resultat per färg: {legend()}.", s.small),
    ]


def build_overview_pdf(view: Overview, municipality: str) -> bytes:
    """KS's overview as a landscape A4 PDF (pure CPU work, no database)."""
    widths = _widths(view)
    rows = [_header(view, widths)]
    rows += [_row(view, board, widths) for board in view.boards]
    rows.append(_totals(view))
    story = _title_block(view, municipality)
    if view.boards:
        story += switch_to(LANDSCAPE)
        story.append(para(f"Alla nämnder och bolag – {view.period.label}", styles().heading))
        story.append(data_table(rows, widths))
    else:
        story.append(para("Det finns inga aktiva nämnder.", styles().body))
    info = DocumentInfo(
        municipality=municipality,
        title=f"Internkontroll – alla nämnder och bolag, {view.period.label}",
        subject="KS:s översikt av internkontrollen",
        header=f"KS översikt · {view.period.label}",
        footer="Kommunstyrelsens uppföljning av internkontrollen",
        keywords=f"internkontroll, kommunstyrelsen, uppföljning, {view.year}",
    )
    return build_pdf(story, info)


async def render_overview_pdf(
    principal: Principal, year: int, period: ReportingPeriod
) -> tuple[str, bytes]:
    """The overview the principal may see, as a PDF built off the event loop."""
    view = await overview(principal, year, period)
    content = await asyncio.to_thread(build_overview_pdf, view, await municipality_name())
    return report_file_name(OVERVIEW_FILE, period, "pdf"), content

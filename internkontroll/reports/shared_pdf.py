"""The shared points' report to KS as a PDF: each shared point with every board's results."""

from __future__ import annotations

import asyncio

from reportlab.platypus import Flowable, KeepTogether, Paragraph, TableStyle

from internkontroll.auth.principal import Principal
from internkontroll.reports.counts import Counts
from internkontroll.reports.overview import (
    OUTCOME_COLOURS,
    SharedPointReport,
    SharedPointRow,
    build_shared_points_report,
    outcome_colour,
    outcome_text,
    report_file_name,
    share_text,
    shared_points_report,
)
from internkontroll.reports.overview_pdf import legend, municipality_name
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

SHARED_FILE = "gemensamma-kontrollmoment"
NO_CONTROL = "Saknar kontrollmomentet i en plan"

# (header, share of the landscape width)
COLUMNS: tuple[tuple[str, float], ...] = (
    ("Nämnd eller bolag", 0.22),
    ("Testade av förfallna", 0.10),
    *((colour, 0.065) for _, colour, _, _ in OUTCOME_COLOURS),
    ("Sämsta utfall", 0.18),
    ("Avvikelser mindre", 0.08),
    ("Avvikelser väsentliga", 0.08),
    ("Öppna avvikelser", 0.08),
)


def shared_figure_cells(counts: Counts) -> list[str]:
    """A row's figures before the worst outcome, in column order (the test reads them back)."""
    return [share_text(counts), *(str(getattr(counts, c)) for c, _, _, _ in OUTCOME_COLOURS)]


def _header(widths: list[float]) -> list[object]:
    s = styles()
    cells: list[object] = []
    for index, (title, _) in enumerate(COLUMNS):
        colour = next((hexa for _, name, _, hexa in OUTCOME_COLOURS if name == title), None)
        cells.append(
            signal_cell(title, colour, widths[index] - 8)
            if colour
            else Paragraph(text(title), s.cell_header)
        )
    return cells


def _row(row: SharedPointRow, widths: list[float]) -> list[object]:
    s = styles()
    name = para(f"{row.short_name} – {row.name}", s.cell)
    if row.control_id is None:
        return [name, para(NO_CONTROL, s.cell)] + [""] * (len(COLUMNS) - 2)
    c = row.counts
    worst = signal_cell(
        outcome_text(row.worst_outcome), outcome_colour(row.worst_outcome), widths[6] - 8
    )
    return [
        name,
        *(para(cell, s.cell) for cell in shared_figure_cells(c)),
        worst,
        para(str(c.deviations_minor), s.cell),
        para(str(c.deviations_major), s.cell),
        para(str(c.open_deviations), s.cell),
    ]


def _point(point: SharedPointReport, widths: list[float]) -> list[Flowable]:
    s = styles()
    table = data_table([_header(widths)] + [_row(r, widths) for r in point.rows], widths)
    # A board without the control gets one cell saying so across the figures.
    table.setStyle(
        TableStyle(
            [
                ("SPAN", (1, index), (-1, index))
                for index, r in enumerate(point.rows, 1)
                if r.control_id is None
            ]
        )
    )
    missing = [r.short_name for r in point.rows if r.control_id is None]
    story: list[Flowable] = [
        KeepTogether([para(f"{point.position}. {point.title}", s.heading), table])
    ]
    if missing:
        story.append(para(f"{NO_CONTROL}: {', '.join(missing)}.", s.small))
    return story


def build_shared_pdf(
    period: ReportingPeriod, points: list[SharedPointReport], municipality: str
) -> bytes:
    """The shared points' report for one reporting point as an A4 PDF (no database)."""
    s = styles()
    facts: list[tuple[str, object]] = [
        ("Kommun", municipality),
        ("Rapporteringstillfälle", period.label),
        ("Resultat utförda", f"{period.start.isoformat()} – {period.end.isoformat()}"),
        ("Gemensamma kontrollmoment", "\n".join(f"{p.position}. {p.title}" for p in points)),
    ]
    story: list[Flowable] = [
        para("Gemensamma kontrollmoment – rapport till kommunstyrelsen", s.title),
        para(period.label, s.subtitle),
        fact_table(facts, content_width(PORTRAIT)),
        para(
            "KS beslutar varje år om gemensamma kontrollmoment för alla nämnder och bolag. "
            "Ett resultat räknas i den period då kontrollen utfördes. "
            f"Resultat per färg: {legend()}.",
            s.body,
        ),
    ]
    widths = [share * content_width(LANDSCAPE) for _, share in COLUMNS]
    story += switch_to(LANDSCAPE)
    for point in points:
        story += _point(point, widths)
    info = DocumentInfo(
        municipality=municipality,
        title=f"Gemensamma kontrollmoment – {period.label}",
        subject="Rapport om de gemensamma kontrollmomenten till KS",
        header=f"Gemensamma kontrollmoment · {period.label}",
        footer="Rapport till kommunstyrelsen",
        keywords=f"internkontroll, gemensamma kontrollmoment, kommunstyrelsen, {period.year}",
    )
    return build_pdf(story, info)


async def render_shared_pdf(
    principal: Principal, year: int, period: ReportingPeriod
) -> tuple[str, bytes]:
    """The shared points' report the principal may see, built off the event loop."""
    points = await shared_points_report(principal, year, period)
    content = await asyncio.to_thread(build_shared_pdf, period, points, await municipality_name())
    return report_file_name(SHARED_FILE, period, "pdf"), content


async def system_render_shared_pdf(
    period: ReportingPeriod,
) -> tuple[list[SharedPointReport], bytes]:
    """The command line's report (it reads every board); no PDF when the year has no points."""
    points = await build_shared_points_report(period.year, period)
    if not points:
        return points, b""
    content = await asyncio.to_thread(build_shared_pdf, period, points, await municipality_name())
    return points, content

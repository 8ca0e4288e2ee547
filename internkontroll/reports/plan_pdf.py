"""The internkontrollplan as a PDF for the nämnd's meeting papers and the archive."""

from __future__ import annotations

import asyncio

from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer

from internkontroll.auth.principal import Principal
from internkontroll.controls.excel import (
    LATE,
    SHARED_MARK,
    band_label,
    deadline_text,
    decision_text,
    plan_file_name,
)
from internkontroll.controls.tables import PLAN_STATUS_LABELS, ControlPlan
from internkontroll.controls.views import PlanControlView, PlanDocument, plan_document
from internkontroll.reports.pdf_style import (
    DRAFT_WATERMARK,
    FONT,
    GREY,
    LANDSCAPE,
    PORTRAIT,
    DocumentInfo,
    build_pdf,
    content_width,
    data_table,
    embedded,
    fact_table,
    markup,
    para,
    signal_cell,
    styles,
    switch_to,
    text,
)
from internkontroll.risks.heatmap_draw import count_text, layout, reportlab_drawing
from internkontroll.risks.register import check_year
from internkontroll.risks.scale import GREEN, RED
from internkontroll.risks.views import HeatMap

# The command line prints as the server itself: it reads every board and writes nothing.
SYSTEM_READER = Principal(
    id=0, username="system", display_name="Systemet", global_roles=frozenset({"auditor"})
)
TIMELINESS_COLOURS = {"on_time": GREEN, "late": RED, "missing": RED, "pending": GREY}
NO_CONTROLS = "Planen har inga kontrollmoment."
NOTE_SIZE = 7.5
NOTE_COLOUR = "#555555"

# (header, share of the landscape width) of the control table.
COLUMNS: tuple[tuple[str, float], ...] = (
    ("Process", 0.10),
    ("Risk", 0.15),
    ("Riskvärde", 0.09),
    ("Kontrollmoment", 0.24),
    ("Metod", 0.08),
    ("Frekvens", 0.08),
    ("Kontrollansvarig", 0.12),
    ("Rapporteras", 0.14),
)


def _info(document: PlanDocument) -> DocumentInfo:
    version = document.plan["version"]
    board = document.board_short_name or document.board_name
    return DocumentInfo(
        municipality=document.municipality or "Internkontroll",
        title=f"{document.title} – {document.board_name}, version {version}",
        subject="Internkontrollplan",
        header=f"{document.title} · {board} · version {version}",
        footer=f"{document.board_name} · Status: {document.status_label}",
        watermark=DRAFT_WATERMARK if document.is_draft else "",
        keywords=f"internkontroll, internkontrollplan, {board}, {document.plan['year']}",
    )


def _title_block(document: PlanDocument) -> list[Flowable]:
    s = styles()
    width = content_width(PORTRAIT)
    plan = document.plan
    shared = sum(1 for c in document.controls if c.shared)
    deadline = signal_cell(
        deadline_text(document), TIMELINESS_COLOURS[document.timeliness], width * 0.6
    )
    facts: list[tuple[str, object]] = [
        ("Kommun", document.municipality),
        ("Nämnd", f"{document.board_name} ({document.board_short_name})"),
        ("År", plan["year"]),
        ("Version", plan["version"]),
        ("Status", document.status_label),
        ("Beslut", decision_text(document)),
        ("Beslutsfrist", deadline),
        (
            "Kontrollmoment",
            f"{len(document.controls)}, varav {shared} gemensamma beslutade av KS",
        ),
    ]
    if len(document.versions) > 1:
        facts.append(("Versioner", "\n".join(_version_line(v) for v in document.versions)))
    story: list[Flowable] = [
        para(document.title, s.title),
        para(document.board_name, s.subtitle),
        fact_table(facts, width),
    ]
    if document.timeliness in LATE:
        story.append(Spacer(1, 6))
        story.append(
            para(
                "Planen antogs inte senast vid beslutsfristen."
                if document.timeliness == "late"
                else "Planen är inte antagen och beslutsfristen har passerat.",
                s.body,
            )
        )
    if plan["status"] == "superseded":
        story.append(para("Denna version är ersatt av en senare antagen version.", s.body))
    return story


def _version_line(version: dict) -> str:
    decided = version["decided_on"]
    when = f", antagen {decided.isoformat()}" if decided else ""
    return f"Version {version['version']}: {PLAN_STATUS_LABELS[version['status']]}{when}"


def _heat_map_section(heat_map: HeatMap | None) -> list[Flowable]:
    s = styles()
    if heat_map is None:
        return []
    story: list[Flowable] = [para(f"Riskbedömning {heat_map.year}", s.heading)]
    maps = [("", heat_map)] + [
        (f"Bedömt på en tidigare riskmatris ({n})", m) for n, m in enumerate(heat_map.earlier, 1)
    ]
    for label, current in maps:
        grid = layout(current)
        block: list[Flowable] = []
        if label:
            block.append(para(label, s.body))
        block.append(embedded(reportlab_drawing(grid, cell_size=46, font=FONT)))
        summary = (
            f"{count_text(current.total)} bedömda. Rutan visar antalet risker och rutans "
            f"riskvärde och nivå. Risker med riskvärde {grid.plan_threshold} eller mer ska "
            "hanteras i planen."
        )
        if current.off_scale:
            summary += f" {count_text(current.off_scale)} ligger utanför skalan och visas inte."
        block.append(para(summary, s.small))
        story.append(KeepTogether(block))
    return story


def _risk_cell(control: PlanControlView, width: float) -> Flowable | Paragraph:
    top = control.top_risk
    if top is None:
        return para("–", styles().cell)
    if top.value is None:
        return signal_cell(top.band, "#ffffff", width)
    return signal_cell(f"{top.value} {band_label(top)}", top.colour, width)


def _lines(*lines: str) -> str:
    """Markup lines joined by line breaks: one Paragraph per cell keeps long tables fast."""
    return "<br/>".join(line for line in lines if line)


def _note(label: str, value: str) -> str:
    """A secondary line of a cell, smaller and grey: 'Syfte: ...'."""
    if not value:
        return ""
    return f'<font size="{NOTE_SIZE}" color="{NOTE_COLOUR}">{text(label)}: {text(value)}</font>'


def _row(control: PlanControlView, widths: list[float]) -> list[object]:
    s = styles()
    process = _lines(
        f"<b>{text(SHARED_MARK)}</b>" if control.shared else "",
        text(control.process_name or ("" if control.shared else "–")),
    )
    risks = _lines(
        *(text(f"{r.title} ({r.value})" if r.value is not None else r.title) for r in control.risks)
    )
    what = _lines(
        f"<b>{text(control.title)}</b>",
        _note("Syfte", control.purpose),
        _note("Omfattning", control.scope),
    )
    report = _lines(text(control.report_when or "–"), _note("Till", control.reported_to))
    return [
        markup(process, s.cell),
        markup(risks or "–", s.cell),
        _risk_cell(control, widths[2] - 8),
        markup(what, s.cell),
        para(control.method_label or "–", s.cell),
        para(control.frequency_label or "–", s.cell),
        para(control.owner_name or "Ej utsedd", s.cell),
        markup(report, s.cell),
    ]


def _control_table(document: PlanDocument) -> list[Flowable]:
    s = styles()
    width = content_width(LANDSCAPE)
    widths = [share * width for _, share in COLUMNS]
    header = [Paragraph(text(title), s.cell_header) for title, _ in COLUMNS]
    rows = [header] + [_row(control, widths) for control in document.controls]
    shared = sum(1 for c in document.controls if c.shared)
    intro = (
        f"{len(document.controls)} kontrollmoment. Kontrollmoment märkta "
        f"{SHARED_MARK} har beslutats av kommunstyrelsen för alla nämnder ({shared} st). "
        "Riskvärdet är det högsta bland de risker kontrollmomentet hanterar."
    )
    return [
        para(f"Kontrollmoment {document.plan['year']}", s.heading),
        para(intro, s.small),
        data_table(rows, widths),
    ]


def build_plan_pdf(document: PlanDocument) -> bytes:
    """The plan as an A4 PDF with embedded fonts (pure CPU work, no database)."""
    story = _title_block(document)
    story += _heat_map_section(document.heat_map)
    if document.controls:
        story += switch_to(LANDSCAPE)
        story += _control_table(document)
    else:
        story += [para("Kontrollmoment", styles().heading), para(NO_CONTROLS, styles().body)]
    return build_pdf(story, _info(document))


async def render_plan_pdf(principal: Principal, plan_id: int) -> tuple[str, bytes]:
    """Load a plan the principal may read and build its PDF off the event loop."""
    document = await plan_document(principal, plan_id, with_heat_map=True)
    content = await asyncio.to_thread(build_plan_pdf, document)
    return plan_file_name(document, "pdf"), content


async def system_render_plan_pdf(
    board_id: int, year: int, version: int | None = None
) -> tuple[str, bytes, PlanDocument] | None:
    """The command line's PDF of a board's plan (latest version by default); None without one."""
    check_year(year)
    query = ControlPlan.select(ControlPlan.id).where(
        (ControlPlan.board == board_id) & (ControlPlan.year == year)
    )
    if version is not None:
        query = query.where(ControlPlan.version == version)
    row = await query.order_by(ControlPlan.version, ascending=False).first()
    if row is None:
        return None
    document = await plan_document(SYSTEM_READER, row["id"], with_heat_map=True)
    content = await asyncio.to_thread(build_plan_pdf, document)
    return plan_file_name(document, "pdf"), content, document

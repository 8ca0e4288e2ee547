"""A board's follow-up as a PDF for the nämnd's meeting papers, and on to KS."""

from __future__ import annotations

import asyncio

from reportlab.platypus import Flowable, Paragraph, Spacer

from internkontroll.auth.principal import Principal
from internkontroll.reports.followup_figures import (
    CONTROL_COUNT_COLUMNS,
    TOTAL_ROWS,
    ControlLine,
    DeviationLine,
    follow_up_file_name,
)
from internkontroll.reports.followups import FollowUpDocument, follow_up_document
from internkontroll.reports.pdf_style import (
    DRAFT_WATERMARK,
    GREY,
    LANDSCAPE,
    PORTRAIT,
    DocumentInfo,
    build_pdf,
    content_width,
    data_table,
    fact_table,
    markup,
    para,
    signal_cell,
    styles,
    switch_to,
    text,
)
from internkontroll.risks.scale import GREEN, RED, YELLOW

SIGNAL_COLOURS = {"green": GREEN, "yellow": YELLOW, "red": RED, "grey": GREY}
TIMELINESS_COLOURS = {"on_time": GREEN, "late": RED, "missing": RED, "pending": GREY}
SHARED_MARK = "Gemensamt (KS)"
NO_SUMMARY = "Ingen samlad bedömning är skriven än."
OVERDUE_MARK = "FÖRSENAD"


def _info(document: FollowUpDocument) -> DocumentInfo:
    figures = document.figures
    board = figures.board_short_name or figures.board_name
    return DocumentInfo(
        municipality=figures.municipality or "Internkontroll",
        title=f"{document.title} – {figures.board_name}",
        subject="Uppföljning av internkontrollplan",
        header=f"Uppföljning · {board} · {document.period.label}",
        footer=f"{figures.board_name} · Status: {document.status_label}",
        watermark="" if document.is_frozen else DRAFT_WATERMARK,
        keywords=f"internkontroll, uppföljning, {board}, {figures.year}, {figures.period_key}",
    )


def _title_block(document: FollowUpDocument) -> list[Flowable]:
    s = styles()
    width = content_width(PORTRAIT)
    figures = document.figures
    plan = figures.plan
    facts: list[tuple[str, object]] = [
        ("Kommun", figures.municipality),
        ("Nämnd", f"{figures.board_name} ({figures.board_short_name})"),
        ("Rapporteringstillfälle", f"{document.period.label} (1 januari – {_day(document)})"),
        ("Status", document.status_label),
        ("Beslut", document.decision_text or "UTKAST – inte godkänd av nämnden"),
        ("Uppgifter per", figures.as_of.isoformat()),
    ]
    if plan is not None:
        facts.append(("Internkontrollplan", f"Version {plan.version}. {plan.decision_text}"))
        facts.append(
            (
                "Beslutsfrist",
                signal_cell(
                    f"{plan.timeliness_label} (deadline {plan.deadline.isoformat()})",
                    TIMELINESS_COLOURS[plan.timeliness],
                    width * 0.6,
                ),
            )
        )
    else:
        facts.append(("Internkontrollplan", f"Ingen antagen plan för {figures.year}"))
    facts.append(("Accepterade höga risker", figures.accepted_high_risks))
    if document.follow_up and document.follow_up["sent_at"] is not None:
        facts.append(("Skickad till KS", document.follow_up["sent_at"].date().isoformat()))
    return [
        para(document.title, s.title),
        para(figures.board_name, s.subtitle),
        fact_table(facts, width),
    ]


def _day(document: FollowUpDocument) -> str:
    return document.period.end.isoformat()


def _judgement(document: FollowUpDocument) -> list[Flowable]:
    s = styles()
    story: list[Flowable] = [para("Samlad bedömning", s.heading)]
    if document.judgement:
        story.append(
            signal_cell(
                document.judgement_label,
                SIGNAL_COLOURS[document.judgement],
                content_width(PORTRAIT) * 0.7,
            )
        )
        story.append(Spacer(1, 6))
    story.append(para(document.summary or NO_SUMMARY, s.body))
    return story


def _totals(document: FollowUpDocument) -> list[Flowable]:
    s = styles()
    width = content_width(PORTRAIT)
    totals = document.figures.totals
    rows = [[Paragraph("Nämnden totalt", s.cell_header), Paragraph("Antal", s.cell_header)]]
    rows += [
        [para(label, s.cell), para(getattr(totals, attr), s.cell)] for label, attr in TOTAL_ROWS
    ]
    return [
        para("Sammanställning", s.heading),
        para(
            "Resultat räknas i perioden då kontrollen utfördes, från 1 januari till "
            "rapporteringstillfället.",
            s.small,
        ),
        data_table(rows, [0.6 * width, 0.2 * width]),
    ]


def _control_row(control: ControlLine) -> list[object]:
    s = styles()
    first = [
        f"<b>{text(SHARED_MARK)}</b>" if control.shared else "",
        f"<b>{text(control.title)}</b>",
        text(control.process) if control.process else "",
        "" if control.in_plan else "<i>Utgått ur planen</i>",
    ]
    cells: list[object] = [
        markup("<br/>".join(x for x in first if x), s.cell),
        para(control.frequency_label or "–", s.cell),
        para(control.owner or "Ej utsedd", s.cell),
    ]
    cells += [para(getattr(control.counts, attr), s.cell) for _, attr in CONTROL_COUNT_COLUMNS]
    lines = [
        f"{r.performed_on.isoformat()} {text(r.outcome_label)}: {text(r.sample)}"
        + (f" – {text(r.comment)}" if r.comment else "")
        + (f" (skäl: {text(r.reason)})" if r.reason else "")
        for r in control.results
    ]
    cells.append(markup("<br/>".join(lines) or "Inga resultat i perioden", s.cell_small))
    return cells


def _control_table(document: FollowUpDocument) -> list[Flowable]:
    s = styles()
    width = content_width(LANDSCAPE)
    shares = [0.2, 0.07, 0.09] + [0.045] * len(CONTROL_COUNT_COLUMNS) + [0.28]
    widths = [share * width for share in shares]
    headers = ["Kontrollmoment", "Frekvens", "Kontrollansvarig"]
    headers += [title for title, _ in CONTROL_COUNT_COLUMNS] + ["Resultat i perioden"]
    rows: list[list[object]] = [[Paragraph(text(h), s.cell_header) for h in headers]]
    rows += [_control_row(c) for c in document.figures.controls]
    return [
        para("Kontrollmoment", s.heading),
        para(
            f"Gemensamma kontrollmoment beslutade av KS står först ({SHARED_MARK}). Grön = utan "
            "anmärkning, gul = mindre avvikelse, röd = väsentlig avvikelse, grå = ej genomförd.",
            s.small,
        ),
        data_table(rows, widths),
    ]


def _deviation_row(document: FollowUpDocument, deviation: DeviationLine) -> list[object]:
    s = styles()
    what = [
        f"<b>{text(document.figures.control_title(deviation.control_id))}</b>",
        text(deviation.description),
    ]
    if deviation.root_cause:
        what.append(f"Grundorsak: {text(deviation.root_cause)}")
    actions = []
    for a in deviation.actions:
        mark = f"<b>{OVERDUE_MARK}</b> " if a.status == "overdue" else ""
        actions.append(
            f"{mark}{text(a.description)} – {text(a.responsible)}, klart senast "
            f"{text(a.due_text)} ({text(a.status_label.lower())})"
        )
    return [
        markup("<br/>".join(what), s.cell),
        para(f"{deviation.found_on.isoformat()}", s.cell),
        signal_cell(deviation.severity_label, SIGNAL_COLOURS[deviation.signal]),
        para(deviation.status_label, s.cell),
        markup("<br/>".join(actions) or "Ingen åtgärd", s.cell),
    ]


def _deviations(document: FollowUpDocument) -> list[Flowable]:
    s = styles()
    found = document.figures.deviations
    story: list[Flowable] = [para("Avvikelser och åtgärder", s.heading)]
    if not found:
        return [*story, para("Inga avvikelser i perioden.", s.body)]
    width = content_width(LANDSCAPE)
    widths = [w * width for w in (0.33, 0.08, 0.1, 0.12, 0.37)]
    headers = ["Avvikelse", "Funnen", "Allvar", "Status", "Åtgärder"]
    rows: list[list[object]] = [[Paragraph(h, s.cell_header) for h in headers]]
    rows += [_deviation_row(document, d) for d in found]
    overdue = len(document.figures.overdue_actions)
    story.append(
        para(
            f"{len(found)} avvikelser. Försenade åtgärder är märkta {OVERDUE_MARK} ({overdue} st); "
            "ett uppskjutet slutdatum visas med det ursprungliga datumet först.",
            s.small,
        )
    )
    story.append(data_table(rows, widths))
    return story


def build_follow_up_pdf(document: FollowUpDocument) -> bytes:
    """The follow-up as an A4 PDF with embedded fonts (pure CPU work, no database)."""
    story = _title_block(document)
    story += _judgement(document)
    story += _totals(document)
    if document.figures.controls:
        story += switch_to(LANDSCAPE)
        story += _control_table(document)
        story += _deviations(document)
    else:
        story += [para("Kontrollmoment", styles().heading), para("Inga kontrollmoment.")]
    return build_pdf(story, _info(document))


async def render_follow_up_pdf(
    principal: Principal, board_id: int, year: int, period_key: str
) -> tuple[str, bytes]:
    """Load a follow-up the principal may read and build its PDF off the event loop."""
    document = await follow_up_document(principal, board_id, year, period_key)
    content = await asyncio.to_thread(build_follow_up_pdf, document)
    return follow_up_file_name(document.figures, "pdf"), content

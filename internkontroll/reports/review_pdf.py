"""KS's consolidated review as a PDF, ready to attach to the kommunstyrelse's agenda."""

from __future__ import annotations

import asyncio
from functools import cache

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, Paragraph, Spacer

from internkontroll.auth.principal import Principal
from internkontroll.errors import NotFound
from internkontroll.reports.pdf_style import (
    DRAFT_WATERMARK,
    DocumentInfo,
    build_pdf,
    content_width,
    data_table,
    fact_table,
    para,
    signal_cell,
    styles,
    text,
)
from internkontroll.reports.review import JudgementView, no_review_message
from internkontroll.reports.review_document import (
    JUDGEMENT_HEX,
    NO_JUDGEMENT,
    ReviewDocument,
    build_review_document,
    judgement_text,
    review_document,
)

# (header, share of the portrait width) of the key figures table.
FIGURE_COLUMNS: tuple[tuple[str, float], ...] = (
    ("Nämnd", 0.20),
    ("Plan", 0.12),
    ("Testade av planerade", 0.10),
    ("Avvikelser mindre", 0.10),
    ("Avvikelser väsentliga", 0.10),
    ("Åtgärder försenade", 0.10),
    ("Höga risker accepterade", 0.12),
    ("Helårsuppföljning mottagen", 0.16),
)
SUMMARY_COLUMNS = (("Nämnd", 0.30), ("Bedömning", 0.30), ("Kommentar", 0.40))
PROCESS_COLUMNS = (("Nämnd", 0.12), ("Process", 0.25), ("Bedömning", 0.28), ("Kommentar", 0.35))
NO_PROCESS_JUDGEMENTS = "Inga processer är bedömda."
WHITE = "#ffffff"


def review_file_name(year: int, extension: str) -> str:
    """'samlad-bedomning-2025.pdf'."""
    return f"samlad-bedomning-{year}.{extension}"


def figure_row(document: ReviewDocument, index: int) -> list[str]:
    """The key figures of one board as printed (shared with the workbook)."""
    b = document.sections[index].figures
    return [
        f"{b.name} ({b.short_name})",
        b.timeliness_label,
        b.share_text,
        str(b.counts.deviations_minor),
        str(b.counts.deviations_major),
        str(b.counts.overdue_actions),
        str(b.accepted_high_risks),
        b.reported_text,
    ]


@cache
def _narrow_header() -> ParagraphStyle:
    """Smaller headers, so the key figures' eight columns fit a portrait page unbroken."""
    return ParagraphStyle("ik-review-narrow", parent=styles().cell_header, fontSize=7, leading=8.5)


def _heading(value: str) -> Flowable:
    """A section heading that never ends a page alone."""
    heading = para(value, styles().heading)
    heading.keepWithNext = True
    return heading


def _info(document: ReviewDocument) -> DocumentInfo:
    return DocumentInfo(
        municipality=document.municipality or "Internkontroll",
        title=document.title,
        subject="Kommunstyrelsens samlade bedömning av den interna kontrollen",
        header=f"Samlad bedömning {document.year} · Kommunstyrelsen",
        footer=f"Samlad bedömning {document.year} · {document.decision_text}",
        watermark="" if document.is_decided else DRAFT_WATERMARK,
        keywords=f"internkontroll, samlad bedömning, kommunstyrelsen, {document.year}",
    )


def _verdict(judgement: JudgementView | None, width: float) -> Flowable:
    if judgement is None:
        return signal_cell(NO_JUDGEMENT, WHITE, width)
    return signal_cell(judgement_text(judgement.level), JUDGEMENT_HEX[judgement.level], width)


def _title_block(document: ReviewDocument) -> list[Flowable]:
    s = styles()
    width = content_width()
    facts: list[tuple[str, object]] = [
        ("Kommun", document.municipality or "–"),
        ("År", document.year),
        ("Status", document.status_label),
        ("Beslut", document.decision_text),
        ("Underlag", f"{document.period_label}, siffror per {document.as_of.isoformat()}"),
        ("Nämnder som inte har rapporterat", document.not_reported_text),
    ]
    return [
        para(document.title, s.title),
        para("Kommunstyrelsen", s.subtitle),
        fact_table(facts, width),
        Spacer(1, 6),
        para(
            "Bedömningen per nämnd: grön – tillfredsställande; gul – brister som nämnden själv "
            "rättar; röd – inte tillfredsställande, KS bör agera.",
            s.small,
        ),
    ]


def _summary(document: ReviewDocument) -> list[Flowable]:
    s = styles()
    width = content_width()
    widths = [share * width for _, share in SUMMARY_COLUMNS]
    rows: list[list[object]] = [[Paragraph(text(h), s.cell_header) for h, _ in SUMMARY_COLUMNS]]
    for section in document.sections:
        b = section.figures
        judgement = section.judgement
        rows.append(
            [
                para(f"{b.name} ({b.short_name})", s.cell),
                _verdict(judgement, widths[1] - 8),
                para(judgement.comment if judgement and judgement.comment else "–", s.cell),
            ]
        )
    return [_heading("Bedömning per nämnd"), data_table(rows, widths)]


def _figures(document: ReviewDocument) -> list[Flowable]:
    s = styles()
    width = content_width()
    widths = [share * width for _, share in FIGURE_COLUMNS]
    header = _narrow_header()
    rows: list[list[object]] = [[Paragraph(text(h), header) for h, _ in FIGURE_COLUMNS]]
    for index in range(len(document.sections)):
        rows.append([para(value, s.cell) for value in figure_row(document, index)])
    total = document.totals
    rows.append(
        [
            Paragraph("<b>Totalt</b>", s.cell),
            para("", s.cell),
            para(f"{total.tested} av {total.due}", s.cell),
            para(total.deviations_minor, s.cell),
            para(total.deviations_major, s.cell),
            para(total.overdue_actions, s.cell),
            para(document.accepted_high_risks, s.cell),
            para(f"{document.reported_count} av {len(document.sections)}", s.cell),
        ]
    )
    intro = (
        f"{document.period_label}: kontrolltillfällen testade av dem som planerats, avvikelser "
        "efter allvarlighet, åtgärder som passerat sitt klart-datum, risker med högt riskvärde "
        "som nämnden accepterat, och om nämndens helårsuppföljning har kommit till KS."
    )
    return [_heading("Nyckeltal per nämnd"), para(intro, s.small), data_table(rows, widths)]


def _not_reported(document: ReviewDocument) -> list[Flowable]:
    s = styles()
    story: list[Flowable] = [_heading("Nämnder som inte har rapporterat")]
    if not document.not_reported:
        story.append(para("Alla nämnder har skickat sin helårsuppföljning till KS.", s.body))
        return story
    story.append(
        para(
            f"{len(document.not_reported)} nämnder hade inte skickat sin helårsuppföljning för "
            f"{document.year} till KS:",
            s.body,
        )
    )
    for board in document.not_reported:
        story.append(para(f"• {board.name} ({board.short_name})", s.body))
    return story


def _processes(document: ReviewDocument) -> list[Flowable]:
    s = styles()
    story: list[Flowable] = [_heading("Bedömning per process")]
    judged = document.process_judgements
    if not judged:
        return story + [para(NO_PROCESS_JUDGEMENTS, s.body)]
    width = content_width()
    widths = [share * width for _, share in PROCESS_COLUMNS]
    rows: list[list[object]] = [[Paragraph(text(h), s.cell_header) for h, _ in PROCESS_COLUMNS]]
    for section, judgement in judged:
        rows.append(
            [
                para(section.figures.short_name, s.cell),
                para(judgement.process_name, s.cell),
                _verdict(judgement, widths[2] - 8),
                para(judgement.comment or "–", s.cell),
            ]
        )
    return story + [data_table(rows, widths)]


def _texts(document: ReviewDocument) -> list[Flowable]:
    s = styles()
    story: list[Flowable] = []
    for heading, value, empty in (
        ("Iakttagelser", document.findings, "Inga iakttagelser är skrivna."),
        ("Förbättringsförslag", document.proposals, "Inga förbättringsförslag är skrivna."),
    ):
        story += [_heading(heading), para(value or empty, s.body)]
    return story


def build_review_pdf(document: ReviewDocument) -> bytes:
    """The review as an A4 PDF with embedded fonts (pure CPU work, no database)."""
    story = _title_block(document)
    story += _summary(document)
    story += _figures(document)
    story += _not_reported(document)
    story += _processes(document)
    story += _texts(document)
    return build_pdf(story, _info(document))


async def render_review_pdf(principal: Principal, year: int) -> tuple[str, bytes]:
    """The year's review for a reader of all boards, built off the event loop; 404 without one."""
    document = await review_document(principal, year)
    if document.review is None:
        raise NotFound(no_review_message(year))
    content = await asyncio.to_thread(build_review_pdf, document)
    return review_file_name(year, "pdf"), content


async def system_render_review_pdf(year: int) -> tuple[bytes, ReviewDocument] | None:
    """The command line's PDF of the year's review; None when there is no review."""
    document = await build_review_document(year)
    if document.review is None:
        return None
    return await asyncio.to_thread(build_review_pdf, document), document

"""The house style of every printed report: embedded fonts, A4 pages, header, footer, watermark.

The plan, the follow-ups and KS's review all build their PDFs through `build_pdf`, so they
look alike, print the same everywhere and carry their fonts inside the file for archiving.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import cache
from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import HexColor
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Table,
    TableStyle,
)

from internkontroll.risks.heatmap_draw import text_colour_on

FONTS_DIR = Path(__file__).with_name("fonts")
FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
PORTRAIT = "portrait"
LANDSCAPE = "landscape"
PORTRAIT_SIZE = A4
LANDSCAPE_SIZE = landscape(A4)
SIDE_MARGIN = 16 * mm
TOP_MARGIN = 22 * mm
BOTTOM_MARGIN = 18 * mm

INK = HexColor("#1a1a1a")
MUTED = HexColor("#555555")
RULE = HexColor("#9e9e9e")
HEADER_FILL = HexColor("#e8eaed")
WATERMARK = HexColor("#e3e3e3")
DRAFT_WATERMARK = "UTKAST"

# Reports' traffic lights take green, yellow and red from the risk scale; grey means not yet.
GREY = "#9e9e9e"

# XML 1.0 has no place for these; a stray one in user text would stop the whole document.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_font_lock = threading.Lock()


def register_fonts() -> None:
    """Register the embedded DejaVu fonts with ReportLab once per process."""
    with _font_lock:
        if FONT in pdfmetrics.getRegisteredFontNames():
            return
        pdfmetrics.registerFont(TTFont(FONT, str(FONTS_DIR / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont(FONT_BOLD, str(FONTS_DIR / "DejaVuSans-Bold.ttf")))
        # <b> in a paragraph must pick the embedded bold face, never a built-in font.
        pdfmetrics.registerFontFamily(
            FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD
        )


@dataclass(frozen=True)
class Styles:
    """The paragraph styles of the house style."""

    title: ParagraphStyle
    subtitle: ParagraphStyle
    heading: ParagraphStyle
    body: ParagraphStyle
    small: ParagraphStyle
    cell: ParagraphStyle
    cell_small: ParagraphStyle
    cell_header: ParagraphStyle


@cache
def styles() -> Styles:
    """The shared paragraph styles (fonts registered first)."""
    register_fonts()

    def style(name: str, size: float, *, bold: bool = False, **kw) -> ParagraphStyle:
        return ParagraphStyle(
            name,
            fontName=FONT_BOLD if bold else FONT,
            fontSize=size,
            leading=kw.pop("leading", size * 1.25),
            textColor=kw.pop("textColor", INK),
            alignment=TA_LEFT,
            **kw,
        )

    return Styles(
        title=style("ik-title", 20, bold=True, spaceAfter=4, leading=25),
        subtitle=style("ik-subtitle", 13, spaceAfter=10, textColor=MUTED),
        heading=style("ik-heading", 13, bold=True, spaceBefore=10, spaceAfter=6),
        body=style("ik-body", 10, spaceAfter=6),
        small=style("ik-small", 8, textColor=MUTED, spaceAfter=4),
        cell=style("ik-cell", 8.5),
        cell_small=style("ik-cell-small", 7.5, textColor=MUTED),
        cell_header=style("ik-cell-header", 8, bold=True),
    )


def text(value: object) -> str:
    """User text made safe for a Paragraph: XML escaped, no control characters, line breaks kept."""
    cleaned = _CONTROL_CHARS.sub("", "" if value is None else str(value))
    return escape(cleaned.replace("\r\n", "\n").replace("\r", "\n")).replace("\n", "<br/>")


def para(value: object, style: ParagraphStyle | None = None) -> Paragraph:
    """A Paragraph of user text (escaped) in a style, the body style by default."""
    return Paragraph(text(value), style or styles().body)


def markup(xml: str, style: ParagraphStyle | None = None) -> Paragraph:
    """A Paragraph of trusted markup: every user value inside it must come through text()."""
    return Paragraph(xml, style or styles().body)


def content_width(orientation: str = PORTRAIT) -> float:
    """The width of the text frame of a portrait or landscape page."""
    size = LANDSCAPE_SIZE if orientation == LANDSCAPE else PORTRAIT_SIZE
    return size[0] - 2 * SIDE_MARGIN


def switch_to(orientation: str) -> list[Flowable]:
    """Flowables that continue the story on a new page of the given orientation."""
    return [NextPageTemplate(orientation), PageBreak()]


@cache
def _signal_style(ink: str) -> ParagraphStyle:
    return ParagraphStyle(
        f"ik-signal-{ink}", parent=styles().cell, fontName=FONT_BOLD, textColor=HexColor(ink)
    )


def signal_cell(label: str, colour: str, width: float | None = None) -> Table:
    """A coloured box that always carries its text label, in black or white for contrast."""
    style = _signal_style(text_colour_on(colour))
    box = Table([[Paragraph(text(label), style)]], colWidths=[width] if width else None)
    box.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT_BOLD),
                ("BACKGROUND", (0, 0), (-1, -1), HexColor(colour)),
                # A white or pale colour still needs an edge to read as a box on paper.
                ("BOX", (0, 0), (-1, -1), 0.5, RULE),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return box


def embedded(drawing: Drawing) -> Drawing:
    """A ReportLab drawing whose default font is the embedded one, not Helvetica."""
    register_fonts()
    drawing.initialFontName = FONT
    return drawing


def data_table(rows: list[list[object]], col_widths: list[float], *, header_rows: int = 1) -> Table:
    """A grid table in the house style; header rows repeat on every page, long rows split."""
    register_fonts()
    table = Table(
        rows,
        colWidths=col_widths,
        repeatRows=header_rows,
        splitInRow=40,  # a row longer than a page (a very long purpose) breaks inside itself
    )
    commands = [
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("FONTSIZE", (0, 0), (-1, -1), 8.5),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("GRID", (0, 0), (-1, -1), 0.4, RULE),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
    if header_rows:
        commands += [
            ("BACKGROUND", (0, 0), (-1, header_rows - 1), HEADER_FILL),
            ("FONTNAME", (0, 0), (-1, header_rows - 1), FONT_BOLD),
        ]
    table.setStyle(TableStyle(commands))
    return table


def fact_table(facts: list[tuple[str, object]], width: float) -> Table:
    """Label and value pairs, e.g. a title block's Nämnd, År, Status; values may be flowables."""
    s = styles()
    rows = [
        [
            Paragraph(text(label), s.cell_header),
            value if isinstance(value, Flowable) else Paragraph(text(value), s.cell),
        ]
        for label, value in facts
    ]
    table = Table(rows, colWidths=[0.28 * width, 0.72 * width], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table


@dataclass(frozen=True)
class DocumentInfo:
    """What the pages and the PDF's metadata say about a document."""

    municipality: str
    title: str
    subject: str
    header: str = ""
    footer: str = ""
    watermark: str = ""
    keywords: str = ""


def _draw_page(canvas: Canvas, doc: BaseDocTemplate) -> None:
    """Header and watermark, drawn before the page's content so content stays on top."""
    info: DocumentInfo = doc.ik_info
    width, height = canvas._pagesize
    canvas.saveState()
    if info.watermark:
        canvas.setFillColor(WATERMARK)
        size = min(width, height) / (len(info.watermark) * 0.9)
        canvas.setFont(FONT_BOLD, size)
        canvas.translate(width / 2, height / 2)
        canvas.rotate(35 if width < height else 25)
        canvas.drawCentredString(0, -size * 0.35, info.watermark)
        canvas.restoreState()
        canvas.saveState()
    top = height - 12 * mm
    canvas.setFillColor(INK)
    canvas.setFont(FONT_BOLD, 9)
    canvas.drawString(SIDE_MARGIN, top, info.municipality)
    canvas.setFont(FONT, 9)
    canvas.drawRightString(width - SIDE_MARGIN, top, info.header or info.title)
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.5)
    canvas.line(SIDE_MARGIN, top - 3 * mm, width - SIDE_MARGIN, top - 3 * mm)
    canvas.restoreState()


class _PagedCanvas(Canvas):
    """Holds every page back until the end, so each footer can say 'Sida N av M'."""

    def __init__(self, *args, footer: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._held_pages: list[dict] = []
        self._footer = footer

    def showPage(self) -> None:  # noqa: N802 - ReportLab's name
        self._held_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._held_pages)
        for number, state in enumerate(self._held_pages, 1):
            self.__dict__.update(state)
            self._draw_footer(number, total)
            Canvas.showPage(self)
        Canvas.save(self)

    def _draw_footer(self, number: int, total: int) -> None:
        width, _ = self._pagesize
        y = 10 * mm
        self.saveState()
        self.setStrokeColor(RULE)
        self.setLineWidth(0.5)
        self.line(SIDE_MARGIN, y + 4 * mm, width - SIDE_MARGIN, y + 4 * mm)
        self.setFillColor(MUTED)
        self.setFont(FONT, 8)
        if self._footer:
            self.drawString(SIDE_MARGIN, y, self._footer)
        self.drawRightString(width - SIDE_MARGIN, y, f"Sida {number} av {total}")
        self.restoreState()


def build_pdf(story: list[Flowable], info: DocumentInfo) -> bytes:
    """Lay out a story on A4 pages in the house style and return the PDF (pure CPU work)."""
    register_fonts()
    buffer = BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=PORTRAIT_SIZE,
        leftMargin=SIDE_MARGIN,
        rightMargin=SIDE_MARGIN,
        topMargin=TOP_MARGIN,
        bottomMargin=BOTTOM_MARGIN,
        title=info.title,
        author=info.municipality,
        subject=info.subject,
        keywords=info.keywords,
        creator="Internkontroll",
        lang="sv-SE",
        # Without this the canvas names Helvetica on every page, a font no file carries.
        initialFontName=FONT,
    )
    doc.ik_info = info
    templates = []
    for name, size in ((PORTRAIT, PORTRAIT_SIZE), (LANDSCAPE, LANDSCAPE_SIZE)):
        frame = Frame(
            SIDE_MARGIN,
            BOTTOM_MARGIN,
            size[0] - 2 * SIDE_MARGIN,
            size[1] - TOP_MARGIN - BOTTOM_MARGIN,
            id=f"{name}-frame",
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        templates.append(PageTemplate(id=name, frames=[frame], onPage=_draw_page, pagesize=size))
    doc.addPageTemplates(templates)

    def canvasmaker(*args, **kwargs) -> _PagedCanvas:
        return _PagedCanvas(*args, footer=info.footer, **kwargs)

    doc.build(story, canvasmaker=canvasmaker)
    return buffer.getvalue()

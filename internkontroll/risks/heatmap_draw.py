"""The heat map drawing: one grid layout, rendered as an HTML table and as a ReportLab drawing.

Likelihood runs bottom to top and impact left to right, as risk matrices are printed. Every
cell carries its count and band as text, so colour is never the only signal.
"""

from __future__ import annotations

from dataclasses import dataclass

from internkontroll.risks.views import HeatMap

BLACK = "#000000"
WHITE = "#ffffff"


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    """WCAG relative luminance of a #rrggbb colour."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(first: str, second: str) -> float:
    """WCAG contrast ratio between two colours (1 to 21)."""
    a, b = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def text_colour_on(background: str) -> str:
    """Black or white, whichever reads better on the background."""
    if contrast_ratio(background, BLACK) >= contrast_ratio(background, WHITE):
        return BLACK
    return WHITE


@dataclass(frozen=True)
class DrawnCell:
    """One cell as drawn: position in the grid, colours and its texts."""

    likelihood: int
    impact: int
    value: int
    count: int
    band: str
    colour: str
    text_colour: str
    description: str


@dataclass(frozen=True)
class DrawnRow:
    """One likelihood level, drawn as a row; the highest level comes first."""

    likelihood: int
    label: str
    cells: tuple[DrawnCell, ...]


@dataclass(frozen=True)
class HeatMapGrid:
    """What every renderer draws: rows top to bottom, impact columns left to right."""

    year: int
    rows: tuple[DrawnRow, ...]
    impact_labels: tuple[tuple[int, str], ...]
    total: int
    off_scale: int
    plan_threshold: int

    @property
    def columns(self) -> int:
        """How many impact levels there are."""
        return len(self.impact_labels)


def count_text(count: int) -> str:
    """'1 risk' / 'n risker' in Swedish."""
    return "1 risk" if count == 1 else f"{count} risker"


def layout(heat_map: HeatMap) -> HeatMapGrid:
    """Arrange a heat map as rows of cells with readable text colours."""
    scale = heat_map.scale
    rows = []
    for level in sorted(scale.likelihood, key=lambda lv: lv.value, reverse=True):
        drawn = []
        for impact in scale.impact:
            c = heat_map.cell_at(level.value, impact.value)
            drawn.append(
                DrawnCell(
                    likelihood=c.likelihood,
                    impact=c.impact,
                    value=c.value,
                    count=c.count,
                    band=c.band,
                    colour=c.colour,
                    text_colour=text_colour_on(c.colour),
                    description=(
                        f"Sannolikhet {c.likelihood} ({level.label}), konsekvens {c.impact} "
                        f"({impact.label}): riskvärde {c.value}, {c.band.lower()}, "
                        f"{count_text(c.count)}"
                    ),
                )
            )
        rows.append(DrawnRow(level.value, level.label, tuple(drawn)))
    return HeatMapGrid(
        year=heat_map.year,
        rows=tuple(rows),
        impact_labels=tuple((lv.value, lv.label) for lv in scale.impact),
        total=heat_map.total,
        off_scale=heat_map.off_scale,
        plan_threshold=scale.plan_threshold,
    )


def reportlab_drawing(grid: HeatMapGrid, *, cell_size: float = 42, font: str = "Helvetica"):
    """The grid as a ReportLab Drawing for PDFs (counts and values printed in every cell)."""
    from reportlab.graphics.shapes import Drawing, Rect, String
    from reportlab.lib.colors import HexColor

    label_width = 92.0
    axis_height = 34.0
    rows = len(grid.rows)
    width = label_width + cell_size * grid.columns
    height = axis_height + cell_size * rows + 14
    drawing = Drawing(width, height)
    top = height - 14
    drawing.add(String(label_width, top + 3, f"Riskkarta {grid.year}", fontName=font, fontSize=9))
    for r, row in enumerate(grid.rows):
        y = top - (r + 1) * cell_size
        drawing.add(
            String(
                label_width - 4,
                y + cell_size / 2 - 3,
                f"{row.likelihood} {row.label}"[:18],
                fontName=font,
                fontSize=7,
                textAnchor="end",
            )
        )
        for c, cell in enumerate(row.cells):
            x = label_width + c * cell_size
            drawing.add(
                Rect(
                    x,
                    y,
                    cell_size,
                    cell_size,
                    fillColor=HexColor(cell.colour),
                    strokeColor=HexColor(WHITE),
                    strokeWidth=1,
                )
            )
            ink = HexColor(cell.text_colour)
            drawing.add(
                String(
                    x + cell_size / 2,
                    y + cell_size / 2 - 1,
                    str(cell.count) if cell.count else "–",
                    fontName=font,
                    fontSize=12,
                    fillColor=ink,
                    textAnchor="middle",
                )
            )
            drawing.add(
                String(
                    x + cell_size / 2,
                    y + 4,
                    f"{cell.value} {cell.band}",
                    fontName=font,
                    fontSize=6,
                    fillColor=ink,
                    textAnchor="middle",
                )
            )
    bottom = top - rows * cell_size
    for c, (value, label) in enumerate(grid.impact_labels):
        drawing.add(
            String(
                label_width + c * cell_size + cell_size / 2,
                bottom - 10,
                f"{value} {label}"[:14],
                fontName=font,
                fontSize=6,
                textAnchor="middle",
            )
        )
    drawing.add(
        String(
            label_width + grid.columns * cell_size / 2,
            bottom - 24,
            "Konsekvens",
            fontName=font,
            fontSize=7,
            textAnchor="middle",
        )
    )
    drawing.add(String(2, top + 3, "Sannolikhet", fontName=font, fontSize=7))
    return drawing

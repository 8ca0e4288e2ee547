"""The shared heat-map drawing: orientation, readable text colours, and the PDF drawing."""

from __future__ import annotations

import pytest

from internkontroll.risks.heatmap_draw import (
    contrast_ratio,
    layout,
    reportlab_drawing,
    text_colour_on,
)
from internkontroll.risks.scale import default_scale
from internkontroll.risks.views import empty_heat_map


def test_contrast_ratio_matches_wcag_reference_values():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("size", [3, 4, 5])
def test_every_default_cell_text_reaches_aa_contrast(size):
    for band in default_scale(size).bands:
        assert contrast_ratio(band.colour, text_colour_on(band.colour)) >= 4.5, band


def test_text_colour_follows_the_background():
    assert text_colour_on("#f9c80e") == "#000000"
    assert text_colour_on("#c62828") == "#ffffff"


def test_layout_puts_the_highest_likelihood_on_top_and_counts_in_cells():
    heat_map = empty_heat_map(2026, default_scale())
    heat_map.cell_at(4, 1).count = 2
    grid = layout(heat_map)
    assert [row.likelihood for row in grid.rows] == [4, 3, 2, 1]
    assert [c.impact for c in grid.rows[0].cells] == [1, 2, 3, 4]
    top_left = grid.rows[0].cells[0]
    assert (top_left.likelihood, top_left.impact, top_left.value, top_left.count) == (4, 1, 4, 2)
    assert "2 risker" in top_left.description and "medel" in top_left.description
    assert grid.rows[3].cells[0].description.endswith("0 risker")
    assert grid.impact_labels[3] == (4, "Allvarlig")


def test_rectangular_scales_are_laid_out():
    scale = default_scale(5)
    grid = layout(empty_heat_map(2026, scale))
    assert len(grid.rows) == 5 and grid.columns == 5
    assert grid.rows[0].cells[-1].value == 25


def test_reportlab_drawing_prints_counts_values_and_bands():
    from reportlab.graphics.shapes import String

    heat_map = empty_heat_map(2026, default_scale())
    heat_map.cell_at(3, 4).count = 7
    drawing = reportlab_drawing(layout(heat_map))
    texts = [item.text for item in drawing.contents if isinstance(item, String)]
    assert "7" in texts and "12 Hög" in texts and "Riskkarta 2026" in texts
    assert texts.count("–") == 15  # every empty cell says so in text, not by colour alone


def test_reportlab_drawing_renders_to_pdf():
    from reportlab.graphics import renderPDF

    pdf = renderPDF.drawToString(reportlab_drawing(layout(empty_heat_map(2026, default_scale()))))
    assert pdf.startswith(b"%PDF")

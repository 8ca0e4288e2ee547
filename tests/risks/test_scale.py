"""Scoring and banding, exhaustively over every cell of every supported matrix size."""

import pytest

from internkontroll.errors import ValidationFailed
from internkontroll.risks.scale import (
    GREEN,
    RED,
    YELLOW,
    band_for,
    cell,
    cells,
    default_scale,
    is_high,
    risk_value,
    scale_from_dict,
    scale_to_dict,
)

SIZES = (3, 4, 5)


def test_default_is_the_clients_four_by_four():
    scale = default_scale()
    assert [lv.label for lv in scale.likelihood] == [
        "Osannolik",
        "Mindre sannolik",
        "Möjlig",
        "Sannolik",
    ]
    assert [lv.label for lv in scale.impact] == ["Försumbar", "Lindrig", "Kännbar", "Allvarlig"]
    assert all(lv.definition for lv in scale.likelihood + scale.impact)
    assert [(b.low, b.high, b.label, b.colour_name) for b in scale.bands] == [
        (1, 3, "Låg", "grön"),
        (4, 8, "Medel", "gul"),
        (9, 16, "Hög", "röd"),
    ]
    assert scale.plan_threshold == 9


# Hand-written expectations for the 4 × 4 default: the colour of each cell, row = sannolikhet.
EXPECTED_4X4 = {
    1: ["grön", "grön", "grön", "gul"],
    2: ["grön", "gul", "gul", "gul"],
    3: ["grön", "gul", "röd", "röd"],
    4: ["gul", "gul", "röd", "röd"],
}


@pytest.mark.parametrize("likelihood", [1, 2, 3, 4])
@pytest.mark.parametrize("impact", [1, 2, 3, 4])
def test_every_cell_of_the_default(likelihood, impact):
    c = cell(default_scale(), likelihood, impact)
    assert c.value == likelihood * impact
    assert c.band.colour_name == EXPECTED_4X4[likelihood][impact - 1]
    assert c.colour == {"grön": GREEN, "gul": YELLOW, "röd": RED}[c.band.colour_name]
    assert is_high(default_scale(), c.value) == (c.value >= 9)


@pytest.mark.parametrize("size", SIZES)
def test_every_cell_of_every_size(size):
    scale = default_scale(size)
    all_cells = cells(scale)
    assert len(all_cells) == size * size
    for c in all_cells:
        assert c.value == c.likelihood * c.impact
        assert c.band.low <= c.value <= c.band.high
        assert c.colour == c.band.colour
    # Colours never get lighter as either score rises.
    order = {GREEN: 0, YELLOW: 1, RED: 2}
    grid = {(c.likelihood, c.impact): order[c.colour] for c in all_cells}
    for (lk, im), rank in grid.items():
        if lk < size:
            assert grid[(lk + 1, im)] >= rank
        if im < size:
            assert grid[(lk, im + 1)] >= rank
    assert grid[(1, 1)] == 0 and grid[(size, size)] == 2
    assert scale.plan_threshold == scale.bands[-1].low


@pytest.mark.parametrize("size", SIZES)
def test_scores_outside_the_scale_are_refused(size):
    scale = default_scale(size)
    for lk, im, field in [
        (0, 1, "likelihood"),
        (size + 1, 1, "likelihood"),
        (1, 0, "impact"),
        (1, size + 1, "impact"),
    ]:
        with pytest.raises(ValidationFailed) as err:
            risk_value(scale, lk, im)
        assert [e.field for e in err.value.errors] == [field]


def test_cell_colour_overrides_band():
    data = scale_to_dict(default_scale())
    data["cell_colours"] = {"1,4": "#c62828"}
    scale = scale_from_dict(data)
    assert cell(scale, 1, 4).colour == "#c62828"
    assert cell(scale, 1, 4).band.label == "Medel"  # the band (and its text) stays
    assert cell(scale, 4, 1).colour == YELLOW


@pytest.mark.parametrize("size", SIZES)
def test_round_trip(size):
    scale = default_scale(size)
    assert scale_from_dict(scale_to_dict(scale)) == scale


def _bad(**changes):
    data = scale_to_dict(default_scale())
    data.update(changes)
    with pytest.raises(ValidationFailed) as err:
        scale_from_dict(data)
    return {e.field for e in err.value.errors}


def test_invalid_scales_name_the_field():
    two = [{"label": "A"}, {"label": "B"}]
    six = [{"label": str(n)} for n in range(6)]
    assert _bad(likelihood=two) == {"likelihood"}
    assert _bad(impact=six) == {"impact"}
    assert _bad(likelihood=[{"label": ""}, {"label": "B"}, {"label": "C"}]) == {
        "likelihood[1].label"
    }
    assert _bad(bands=[{"low": 1, "high": 8, "label": "L", "colour": "#00ff00"}]) == {"bands"}
    assert _bad(
        bands=[
            {"low": 1, "high": 9, "label": "L", "colour": "#00ff00"},
            {"low": 8, "high": 16, "label": "H", "colour": "#ff0000"},
        ]
    ) == {"bands"}
    assert _bad(bands=[{"low": 1, "high": 16, "label": "L", "colour": "grön"}]) == {
        "bands[1].colour"
    }
    assert _bad(plan_threshold=17) == {"plan_threshold"}
    assert _bad(plan_threshold="hög") == {"plan_threshold"}
    assert _bad(cell_colours={"5,1": "#000000"}) == {"cell_colours"}
    assert _bad(cell_colours={"1,1": "svart"}) == {"cell_colours"}


def test_band_lookup_rejects_values_outside():
    with pytest.raises(ValueError):
        band_for(default_scale(), 17)


def test_non_square_scale():
    data = scale_to_dict(default_scale())
    data["impact"] = data["impact"] + [{"label": "Katastrofal", "definition": ""}]
    data["bands"][-1]["high"] = 20
    scale = scale_from_dict(data)
    assert scale.max_value == 20
    assert cell(scale, 4, 5).value == 20


@pytest.mark.parametrize("size_l", SIZES)
@pytest.mark.parametrize("size_i", SIZES)
def test_every_cell_of_every_rectangular_size(size_l, size_i):
    """Each axis can have 3–5 levels on its own; every cell of every combination is scored."""
    top = size_l * size_i
    data = scale_to_dict(default_scale(4))
    data["likelihood"] = [{"label": f"S{n}", "definition": ""} for n in range(1, size_l + 1)]
    data["impact"] = [{"label": f"K{n}", "definition": ""} for n in range(1, size_i + 1)]
    data["bands"] = [
        {"low": 1, "high": top // 3, "label": "Låg", "colour": GREEN, "colour_name": "grön"},
        {"low": top // 3 + 1, "high": top // 2, "label": "Medel", "colour": YELLOW,
         "colour_name": "gul"},
        {"low": top // 2 + 1, "high": top, "label": "Hög", "colour": RED, "colour_name": "röd"},
    ]  # fmt: skip
    data["plan_threshold"] = top // 2 + 1
    data["cell_colours"] = {f"{size_l},1": "#123456"}
    scale = scale_from_dict(data)
    all_cells = cells(scale)
    assert len(all_cells) == top
    assert {(c.likelihood, c.impact) for c in all_cells} == {
        (lk, im) for lk in range(1, size_l + 1) for im in range(1, size_i + 1)
    }
    for c in all_cells:
        assert c.value == c.likelihood * c.impact == risk_value(scale, c.likelihood, c.impact)
        assert c.band == band_for(scale, c.value)
        expected = "#123456" if (c.likelihood, c.impact) == (size_l, 1) else c.band.colour
        assert c.colour == expected
        assert is_high(scale, c.value) == (c.value > top // 2)
    with pytest.raises(ValidationFailed):
        risk_value(scale, size_l + 1, 1)
    with pytest.raises(ValidationFailed):
        risk_value(scale, 1, size_i + 1)

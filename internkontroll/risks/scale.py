"""The risk matrix as pure functions: levels, risk value, bands and cell colours."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from internkontroll.errors import FieldError, ValidationFailed

MIN_LEVELS = 3
MAX_LEVELS = 5
MAX_LABEL = 60
MAX_DEFINITION = 500
COLOUR_PATTERN = re.compile(r"^#[0-9a-fA-F]{6}$")

GREEN = "#2e7d32"
YELLOW = "#f9c80e"
RED = "#c62828"


@dataclass(frozen=True)
class Level:
    """One step on an axis: its number, label and the definition shown while scoring."""

    value: int
    label: str
    definition: str = ""


@dataclass(frozen=True)
class Band:
    """A range of risk values with a name and colour, e.g. 9–16 hög (röd)."""

    low: int
    high: int
    label: str
    colour: str
    colour_name: str


@dataclass(frozen=True)
class Scale:
    """A complete risk matrix; assessments keep the scale they were scored on."""

    likelihood: tuple[Level, ...]
    impact: tuple[Level, ...]
    bands: tuple[Band, ...]
    plan_threshold: int
    cell_colours: Mapping[tuple[int, int], str] = field(default_factory=dict)

    @property
    def max_value(self) -> int:
        """The highest risk value on this scale."""
        return len(self.likelihood) * len(self.impact)


@dataclass(frozen=True)
class Cell:
    """One cell of the matrix with its value, band and colour."""

    likelihood: int
    impact: int
    value: int
    band: Band
    colour: str


def risk_value(scale: Scale, likelihood: int, impact: int) -> int:
    """Riskvärde = sannolikhet × konsekvens; refuses scores outside the scale."""
    errors = []
    if not 1 <= likelihood <= len(scale.likelihood):
        errors.append(FieldError("likelihood", f"sannolikhet ska vara 1–{len(scale.likelihood)}"))
    if not 1 <= impact <= len(scale.impact):
        errors.append(FieldError("impact", f"konsekvens ska vara 1–{len(scale.impact)}"))
    if errors:
        raise ValidationFailed(errors)
    return likelihood * impact


def band_for(scale: Scale, value: int) -> Band:
    """The band a risk value falls in."""
    for band in scale.bands:
        if band.low <= value <= band.high:
            return band
    raise ValueError(f"risk value {value} is outside every band")  # validate_scale prevents this


def cell(scale: Scale, likelihood: int, impact: int) -> Cell:
    """Value, band and colour of one cell; a per-cell colour overrides the band's."""
    value = risk_value(scale, likelihood, impact)
    band = band_for(scale, value)
    colour = scale.cell_colours.get((likelihood, impact), band.colour)
    return Cell(likelihood, impact, value, band, colour)


def cells(scale: Scale) -> list[Cell]:
    """Every cell, likelihood-major."""
    return [
        cell(scale, lk, im)
        for lk in range(1, len(scale.likelihood) + 1)
        for im in range(1, len(scale.impact) + 1)
    ]


def is_high(scale: Scale, value: int) -> bool:
    """True if the value reaches the plan threshold and must be treated."""
    return value >= scale.plan_threshold


def _default_bands(size_l: int, size_i: int) -> tuple[Band, ...]:
    top = size_l * size_i
    # 4 × 4 gives the client's bands 1–3, 4–8, 9–16; other sizes keep the same proportions.
    if (size_l, size_i) == (4, 4):
        low_high, medium_high = 3, 8
    else:
        low_high = max(1, round(top * 3 / 16))
        medium_high = max(low_high + 1, round(top * 8 / 16))
    return (
        Band(1, low_high, "Låg", GREEN, "grön"),
        Band(low_high + 1, medium_high, "Medel", YELLOW, "gul"),
        Band(medium_high + 1, top, "Hög", RED, "röd"),
    )


LIKELIHOOD_LABELS = {
    3: (
        ("Osannolik", "Händer nästan aldrig."),
        ("Möjlig", "Kan hända något år."),
        ("Sannolik", "Händer troligen varje år."),
    ),
    4: (
        ("Osannolik", "Risken är praktiskt taget obefintlig; har inte inträffat hos oss."),
        ("Mindre sannolik", "Kan inträffa någon gång, men mer sällan än vart femte år."),
        ("Möjlig", "Kan inträffa under året; har inträffat hos oss eller i liknande kommuner."),
        ("Sannolik", "Inträffar troligen under året eller upprepade gånger."),
    ),
    5: (
        ("Mycket osannolik", "Händer nästan aldrig."),
        ("Osannolik", "Händer sällan."),
        ("Möjlig", "Kan hända något år."),
        ("Sannolik", "Händer troligen varje år."),
        ("Mycket sannolik", "Händer flera gånger per år."),
    ),
}
IMPACT_LABELS = {
    3: (
        ("Lindrig", "Små följder som rättas inom verksamheten."),
        ("Kännbar", "Märkbara följder för invånare, ekonomi eller förtroende."),
        ("Allvarlig", "Stora följder; lagbrott, stor ekonomisk skada eller förtroendekris."),
    ),
    4: (
        ("Försumbar", "Obetydlig följd; ingen märker något utanför verksamheten."),
        ("Lindrig", "Liten följd som rättas inom verksamheten; liten ekonomisk skada."),
        ("Kännbar", "Märkbar följd för invånare eller ekonomi; kan uppmärksammas i media."),
        ("Allvarlig", "Stor följd: lagbrott, betydande ekonomisk skada eller förtroendekris."),
    ),
    5: (
        ("Försumbar", "Obetydlig följd."),
        ("Lindrig", "Liten följd."),
        ("Kännbar", "Märkbar följd."),
        ("Allvarlig", "Stor följd."),
        ("Katastrofal", "Mycket stor följd; verksamheten kan inte fullgöra sitt uppdrag."),
    ),
}


def default_scale(size: int = 4) -> Scale:
    """The client's default matrix (4 × 4, threshold 9), or a like one for 3 or 5 levels."""
    if not MIN_LEVELS <= size <= MAX_LEVELS:
        raise ValueError(f"size must be {MIN_LEVELS}..{MAX_LEVELS}")
    likelihood = tuple(Level(n, lab, d) for n, (lab, d) in enumerate(LIKELIHOOD_LABELS[size], 1))
    impact = tuple(Level(n, lab, d) for n, (lab, d) in enumerate(IMPACT_LABELS[size], 1))
    bands = _default_bands(size, size)
    return Scale(likelihood, impact, bands, plan_threshold=bands[2].low)


def _levels(raw: Any, field_name: str, errors: list[FieldError]) -> tuple[Level, ...]:
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        errors.append(FieldError(field_name, "ska vara en lista med nivåer"))
        return ()
    if not MIN_LEVELS <= len(raw) <= MAX_LEVELS:
        errors.append(FieldError(field_name, f"ska ha {MIN_LEVELS}–{MAX_LEVELS} nivåer"))
    levels = []
    for n, item in enumerate(raw, 1):
        label = str((item or {}).get("label", "")).strip() if isinstance(item, Mapping) else ""
        definition = str(item.get("definition", "")).strip() if isinstance(item, Mapping) else ""
        if not label or len(label) > MAX_LABEL:
            errors.append(FieldError(f"{field_name}[{n}].label", f"1–{MAX_LABEL} tecken"))
        if len(definition) > MAX_DEFINITION:
            errors.append(
                FieldError(f"{field_name}[{n}].definition", f"högst {MAX_DEFINITION} tecken")
            )
        levels.append(Level(n, label, definition))
    return tuple(levels)


def scale_from_dict(data: Mapping[str, Any]) -> Scale:
    """Build and validate a scale from stored or submitted data; 422 naming each bad field."""
    errors: list[FieldError] = []
    likelihood = _levels(data.get("likelihood"), "likelihood", errors)
    impact = _levels(data.get("impact"), "impact", errors)
    if errors:
        raise ValidationFailed(errors)
    top = len(likelihood) * len(impact)
    bands = []
    for n, raw in enumerate(data.get("bands") or [], 1):
        try:
            band = Band(
                int(raw["low"]),
                int(raw["high"]),
                str(raw["label"]).strip(),
                str(raw["colour"]),
                str(raw.get("colour_name", "")).strip(),
            )
        except (KeyError, TypeError, ValueError):
            errors.append(FieldError(f"bands[{n}]", "ska ha low, high, label och colour"))
            continue
        if not COLOUR_PATTERN.match(band.colour):
            errors.append(FieldError(f"bands[{n}].colour", "färg skrivs #rrggbb"))
        if not band.label:
            errors.append(FieldError(f"bands[{n}].label", "namn saknas"))
        bands.append(band)
    bands.sort(key=lambda b: b.low)
    expected = 1
    for band in bands:
        if band.low != expected or band.high < band.low:
            errors.append(
                FieldError("bands", f"banden ska täcka 1–{top} utan glapp eller överlapp")
            )
            break
        expected = band.high + 1
    else:
        if expected != top + 1:
            errors.append(
                FieldError("bands", f"banden ska täcka 1–{top} utan glapp eller överlapp")
            )
    overrides: dict[tuple[int, int], str] = {}
    for key, colour in (data.get("cell_colours") or {}).items():
        try:
            lk, im = (int(p) for p in str(key).split(","))
        except ValueError:
            errors.append(FieldError("cell_colours", f"ogiltig cell {key!r}; skriv 'S,K'"))
            continue
        if not (1 <= lk <= len(likelihood) and 1 <= im <= len(impact)):
            errors.append(FieldError("cell_colours", f"cellen {key} ligger utanför matrisen"))
        elif not COLOUR_PATTERN.match(str(colour)):
            errors.append(FieldError("cell_colours", f"färgen för {key} skrivs #rrggbb"))
        else:
            overrides[(lk, im)] = str(colour)
    try:
        threshold = int(data.get("plan_threshold", 0))
    except (TypeError, ValueError):
        threshold = 0
    if not 1 <= threshold <= top:
        errors.append(FieldError("plan_threshold", f"ska vara 1–{top}"))
    if errors:
        raise ValidationFailed(errors)
    return Scale(likelihood, impact, tuple(bands), threshold, overrides)


def scale_to_dict(scale: Scale) -> dict[str, Any]:
    """A JSON-safe form of the scale, for storage and the API."""
    return {
        "likelihood": [{"label": lv.label, "definition": lv.definition} for lv in scale.likelihood],
        "impact": [{"label": lv.label, "definition": lv.definition} for lv in scale.impact],
        "bands": [
            {
                "low": b.low,
                "high": b.high,
                "label": b.label,
                "colour": b.colour,
                "colour_name": b.colour_name,
            }
            for b in scale.bands
        ],
        "cell_colours": {f"{lk},{im}": c for (lk, im), c in sorted(scale.cell_colours.items())},
        "plan_threshold": scale.plan_threshold,
    }

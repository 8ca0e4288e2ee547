"""The register workbook's layout: columns, limits, formula-safe cells and the help sheets."""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from internkontroll.risks.assessments import MAX_MOTIVATION
from internkontroll.risks.register import LIMITS
from internkontroll.risks.scale import Band, Scale, cell
from internkontroll.risks.tables import TREATMENT_LABELS

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 5000
REGISTER_SHEET = "Riskregister"
INSTRUCTIONS_SHEET = "Instruktioner"
SCALE_SHEET = "Skala"

# Excel runs text starting with these as a formula (tab and CR are used to smuggle them in).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
PARAGRAPH_CHARS = 110
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")


@dataclass(frozen=True)
class Column:
    """One column of the Riskregister sheet and how the import treats it."""

    key: str
    header: str
    width: int
    on_import: str
    help: str


COLUMNS: tuple[Column, ...] = (
    Column("board", "Nämnd", 10, "läses inte", "Nämndens kortnamn. Nämnden väljs vid importen."),
    Column(
        "process",
        "Process",
        24,
        "krävs",
        "En aktiv process i nämnden, stavad som i Internkontroll (stora och små bokstäver "
        "spelar ingen roll).",
    ),
    Column("category", "Riskkategori", 18, "krävs", "En riskkategori som finns i Internkontroll."),
    Column(
        "title",
        "Risk (rubrik)",
        36,
        "krävs",
        f"Riskens rubrik, högst {LIMITS['title']} tecken. Process och rubrik tillsammans "
        "identifierar risken.",
    ),
    Column(
        "description",
        "Vad kan gå fel",
        44,
        "valfri",
        f"Högst {LIMITS['description']} tecken.",
    ),
    Column(
        "consequence",
        "Varför det spelar roll",
        44,
        "valfri",
        f"Högst {LIMITS['consequence']} tecken.",
    ),
    Column(
        "responsible",
        "Ansvarig",
        22,
        "valfri",
        f"Ansvarig person eller funktion, högst {LIMITS['responsible']} tecken.",
    ),
    Column("likelihood", "Sannolikhet", 12, "se nedan", "Heltal på skalan (bladet Skala)."),
    Column("impact", "Konsekvens", 12, "se nedan", "Heltal på skalan (bladet Skala)."),
    Column("value", "Riskvärde", 10, "läses inte", "Sannolikhet × konsekvens, räknas ut."),
    Column("band", "Färg/nivå", 14, "läses inte", "Riskvärdets nivå och färg, räknas ut."),
    Column(
        "treatment",
        "Hantering",
        16,
        "se nedan",
        "Kontrollmoment, Direktåtgärd, Bevaka eller Acceptera.",
    ),
    Column(
        "motivation",
        "Motivering",
        40,
        "valfri",
        f"Krävs när en risk över tröskeln accepteras. Högst {MAX_MOTIVATION} tecken.",
    ),
    Column(
        "active",
        "Aktiv",
        8,
        "valfri",
        "Ja eller Nej. Nej avslutar risken: den följer inte med till kommande år. Tomt ändrar "
        "inget (en ny risk blir aktiv).",
    ),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
REQUIRED_KEYS = ("process", "category", "title")
ASSESSMENT_KEYS = ("likelihood", "impact", "treatment")
IGNORED_KEYS = frozenset({"board", "value", "band"})
TREATMENT_BY_LABEL = {label.casefold(): code for code, label in TREATMENT_LABELS.items()}
# "Risk" alone is what people type when they rebuild the header by hand.
HEADER_ALIASES = {"risk": "title", "rubrik": "title"}


def header_key(text: Any) -> str:
    """A header compared without case or spaces, e.g. 'Risk (rubrik)' → 'risk(rubrik)'."""
    return "".join(str(text).split()).casefold()


KEY_BY_HEADER = {header_key(c.header): c.key for c in COLUMNS} | HEADER_ALIASES


def put(ws: Worksheet, row: int, column: int, value: Any) -> Any:
    """Write a value; text that Excel would run as a formula is stored and kept as plain text."""
    target = ws.cell(row=row, column=column)
    if isinstance(value, str):
        # openpyxl refuses control characters that XML cannot carry; they are invisible anyway.
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        target.value = value
        if value.startswith(FORMULA_PREFIXES):
            target.data_type = "s"
            target.quotePrefix = True
    else:
        target.value = value
    return target


def band_text(band: Band) -> str:
    """'Hög (röd)', or the band's name alone when it has no colour name."""
    return f"{band.label} ({band.colour_name})" if band.colour_name else band.label


def fill(colour: str) -> PatternFill:
    """A solid fill from '#rrggbb'."""
    hex_colour = colour.lstrip("#").upper()
    return PatternFill(fill_type="solid", start_color=hex_colour, end_color=hex_colour)


def font_on(colour: str) -> Font:
    """Black or white text, whichever reads better on the colour."""
    red, green, blue = (int(colour.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4))
    light = 0.299 * red + 0.587 * green + 0.114 * blue > 150
    return Font(color="000000" if light else "FFFFFF", bold=True)


def register_sheet(wb: Workbook, scale: Scale) -> Worksheet:
    """The Riskregister sheet with its header, widths and drop-downs, as the first sheet."""
    ws = wb.active
    ws.title = REGISTER_SHEET
    for index, column in enumerate(COLUMNS, 1):
        put(ws, 1, index, column.header).font = BOLD
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.freeze_panes = "A2"
    last = MAX_IMPORT_ROWS + 1

    def letter(key: str) -> str:
        return get_column_letter([c.key for c in COLUMNS].index(key) + 1)

    for key, size in (("likelihood", len(scale.likelihood)), ("impact", len(scale.impact))):
        rule = DataValidation(
            type="whole",
            operator="between",
            formula1="1",
            formula2=str(size),
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=COLUMN_BY_KEY[key].header,
            error=f"Ange ett heltal 1–{size}.",
        )
        rule.add(f"{letter(key)}2:{letter(key)}{last}")
        ws.add_data_validation(rule)
    for key, choices in (
        ("treatment", ",".join(TREATMENT_LABELS.values())),
        ("active", "Ja,Nej"),
    ):
        rule = DataValidation(
            type="list",
            formula1=f'"{choices}"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=COLUMN_BY_KEY[key].header,
            error=f"Välj {choices.replace(',', ', ')}.",
        )
        rule.add(f"{letter(key)}2:{letter(key)}{last}")
        ws.add_data_validation(rule)
    return ws


def _lines(
    ws: Worksheet, start: int, lines: list[str | tuple[Any, ...]], bold: bool = False
) -> int:
    row = start
    for line in lines:
        if isinstance(line, str):
            # A paragraph spans the three columns; Excel sizes no merged row, so estimate it.
            put(ws, row, 1, line).alignment = WRAP
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=3)
            ws.row_dimensions[row].height = 15 * (1 + len(line) // PARAGRAPH_CHARS)
        else:
            for column, value in enumerate(line, 1):
                target = put(ws, row, column, value)
                target.alignment = WRAP
                if bold:
                    target.font = BOLD
        row += 1
    return row


def _levels(ws: Worksheet, start: int, scale: Scale) -> int:
    row = start
    for name, levels in (("Sannolikhet", scale.likelihood), ("Konsekvens", scale.impact)):
        row = _lines(ws, row, [("Nivå", name, "Definition")], bold=True)
        row = _lines(ws, row, [(lv.value, lv.label, lv.definition) for lv in levels]) + 1
    return row


def instructions_sheet(wb: Workbook, scale: Scale, heading: str) -> None:
    """The Instruktioner sheet: columns, matching, the treatment rule and the scale."""
    ws = wb.create_sheet(INSTRUCTIONS_SHEET)
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 18
    ws.column_dimensions["C"].width = 90
    put(ws, 1, 1, heading).font = Font(bold=True, size=14)
    treatments = ", ".join(TREATMENT_LABELS.values())
    row = _lines(
        ws,
        3,
        [
            f"Bladet {REGISTER_SHEET} har en rad per risk. Rad 1 är rubrikraden. Kolumnerna "
            "känns igen på sin rubrik, så ordningen får ändras; andra kolumner läses inte.",
            "En fil gäller en nämnd och ett år, som väljs när filen importeras. Tomma rader "
            "hoppas över.",
            "En rad vars process och rubrik (stora och små bokstäver spelar ingen roll) redan "
            "finns i nämndens register uppdaterar den risken; annars läggs en ny risk till från "
            "det valda året. Två rader med samma process och rubrik är ett fel.",
            "Sannolikhet, Konsekvens och Hantering fylls i tillsammans eller lämnas alla tomma. "
            "Tomma betyder att raden inte bedöms det året; en befintlig bedömning ändras då inte.",
            f"Hantering är en av {treatments}. En risk med riskvärde {scale.plan_threshold} "
            "eller mer (sannolikhet × konsekvens) ska hanteras med Kontrollmoment eller "
            "Direktåtgärd, eller accepteras med en skriftlig Motivering.",
            "Bedömningarna sparas på den aktuella riskmatrisen (bladet Skala).",
            "Allt eller inget: innehåller filen ett enda fel importeras ingenting. Varje fel "
            "redovisas med radnummer och kolumn; rätta raderna och importera filen igen.",
            f"Högst {MAX_IMPORT_ROWS} rader och {MAX_IMPORT_BYTES // (1024 * 1024)} MB. Spara "
            "som Excel-arbetsbok (.xlsx); det äldre formatet .xls och CSV-filer kan inte läsas.",
            "Text som börjar med =, +, - eller @ sparas som text, aldrig som formel.",
        ],
    )
    row = _lines(ws, row + 1, [("Kolumn", "Vid import", "Beskrivning")], bold=True)
    row = _lines(ws, row, [(c.header, c.on_import, c.help) for c in COLUMNS])
    _levels(ws, row + 1, scale)


def scale_sheet(wb: Workbook, scale: Scale) -> None:
    """The Skala sheet: levels with definitions, bands, the threshold and the coloured matrix."""
    ws = wb.create_sheet(SCALE_SHEET)
    ws.column_dimensions["A"].width = 20
    ws.column_dimensions["B"].width = 20
    ws.column_dimensions["C"].width = 80
    row = _lines(ws, _levels(ws, 1, scale), [("Riskvärde", "Nivå", "Färg")], bold=True)
    for band in scale.bands:
        put(ws, row, 1, f"{band.low}–{band.high}")
        put(ws, row, 2, band.label)
        swatch = put(ws, row, 3, band.colour_name)
        swatch.fill = fill(band.colour)
        swatch.font = font_on(band.colour)
        row += 1
    _lines(
        ws,
        row + 1,
        [
            f"Tröskel för internkontrollplanen: riskvärde {scale.plan_threshold}. En risk på eller "
            "över tröskeln ska få ett kontrollmoment eller en direktåtgärd, eller accepteras "
            "med motivering."
        ],
    )
    # The matrix sits beside the tables, highest likelihood on top as it is usually drawn.
    first = 5
    ws.column_dimensions[get_column_letter(first)].width = 16
    put(ws, 1, first, "Sannolikhet ↓ Konsekvens →").font = BOLD
    for offset, level in enumerate(scale.impact, 1):
        put(ws, 1, first + offset, level.value).font = BOLD
    for row, level in enumerate(reversed(scale.likelihood), 2):
        put(ws, row, first, level.value).font = BOLD
        for offset, impact in enumerate(scale.impact, 1):
            square = cell(scale, level.value, impact.value)
            target = put(ws, row, first + offset, square.value)
            target.fill = fill(square.colour)
            target.font = font_on(square.colour)
            target.alignment = Alignment(horizontal="center")


def to_bytes(wb: Workbook) -> bytes:
    """The workbook as the bytes of an .xlsx file."""
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()

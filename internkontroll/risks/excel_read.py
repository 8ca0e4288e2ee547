"""Reading the Riskregister sheet of an uploaded file, refusing anything that is not one."""

from __future__ import annotations

import datetime as dt
import zipfile
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from openpyxl import load_workbook

from internkontroll.errors import FieldError, ValidationFailed
from internkontroll.risks.excel_layout import (
    ASSESSMENT_KEYS,
    COLUMN_BY_KEY,
    IGNORED_KEYS,
    KEY_BY_HEADER,
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS,
    REGISTER_SHEET,
    REQUIRED_KEYS,
    header_key,
)

# Every column is found by its header; a sheet wider than this is not a register.
MAX_COLUMNS = 60
# Rows are streamed; past this many (blank or not) the sheet is refused rather than read on.
MAX_SCANNED_ROWS = 20 * MAX_IMPORT_ROWS
# Unpacked size of every part together: a zip bomb stops here, a real register is far below.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
NOT_XLSX = (
    "Filen kan inte läsas som en Excel-arbetsbok (.xlsx). Spara den i Excel som "
    "”Excel-arbetsbok (*.xlsx)” och försök igen."
)


@dataclass(frozen=True)
class SheetRow:
    """One non-blank row of the Riskregister sheet, its cells keyed by column."""

    number: int
    values: dict[str, Any]


@dataclass(frozen=True)
class Sheet:
    """The columns the file has and its non-blank rows."""

    keys: frozenset[str]
    rows: list[SheetRow]


def file_error(*messages: str) -> ValidationFailed:
    """A refusal of the whole file, each reason on the field 'file'."""
    return ValidationFailed(
        [FieldError("file", m) for m in messages],
        message="Filen importerades inte: " + " ".join(messages),
    )


def read_sheet(content: bytes) -> Sheet:
    """Parse the Riskregister sheet (CPU work: call in a thread); file errors name 'file'."""
    if not content:
        raise file_error("Filen är tom.")
    if len(content) > MAX_IMPORT_BYTES:
        raise file_error(f"Filen är större än {MAX_IMPORT_BYTES // (1024 * 1024)} MB.")
    if content.startswith(OLE2_SIGNATURE):
        raise file_error(
            "Filen är i det äldre Excel-formatet (.xls). Öppna den i Excel och spara den som "
            "”Excel-arbetsbok (*.xlsx)”.",
        )
    try:
        with zipfile.ZipFile(BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise file_error(NOT_XLSX) from exc
    if unpacked > MAX_UNPACKED_BYTES:
        raise file_error("Filen är för stor uppackad för att vara ett register.")
    try:
        wb = load_workbook(BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken package
        raise file_error(NOT_XLSX) from exc
    try:
        return _read(wb)
    except ValidationFailed:
        raise
    except Exception as exc:  # a sheet part that breaks while streamed
        raise file_error(f"Bladet {REGISTER_SHEET} kunde inte läsas. {NOT_XLSX}") from exc
    finally:
        wb.close()


def _read(wb: Any) -> Sheet:
    name = next((n for n in wb.sheetnames if n.strip().casefold() == REGISTER_SHEET.casefold()), "")
    ws = wb[name] if name else None
    if ws is None or not hasattr(ws, "iter_rows"):
        raise file_error(
            f"Bladet ”{REGISTER_SHEET}” saknas i filen. Utgå från mallen eller en exporterad fil.",
        )
    rows = ws.iter_rows(min_row=1, max_col=MAX_COLUMNS, values_only=True)
    header = next(rows, None)
    if header is None or all(blank(v) for v in header):
        raise file_error(f"Rubrikraden (rad 1) saknas på bladet {REGISTER_SHEET}.")
    positions = _positions(header)
    data = []
    for number, values in enumerate(rows, 2):
        if number > MAX_SCANNED_ROWS:
            raise file_error(
                f"Bladet {REGISTER_SHEET} har innehåll eller formatering på fler än "
                f"{MAX_SCANNED_ROWS} rader. Ta bort de tomma raderna längst ned.",
            )
        picked = {k: values[i] if i < len(values) else None for k, i in positions.items()}
        if all(blank(v) for v in picked.values()):
            continue
        if len(data) == MAX_IMPORT_ROWS:
            raise file_error(
                f"Filen har fler än {MAX_IMPORT_ROWS} risker. Dela upp den i flera filer.",
            )
        data.append(SheetRow(number, picked))
    if not data:
        raise file_error(f"Bladet {REGISTER_SHEET} har inga risker att läsa in.")
    return Sheet(frozenset(positions), data)


def _positions(header: tuple[Any, ...]) -> dict[str, int]:
    positions: dict[str, int] = {}
    errors = []
    for index, heading in enumerate(header):
        key = None if blank(heading) else KEY_BY_HEADER.get(header_key(heading))
        if key is None or key in IGNORED_KEYS:
            continue
        if key in positions:
            errors.append(f"Kolumnen ”{COLUMN_BY_KEY[key].header}” finns två gånger i rubrikraden.")
        positions[key] = index
    for key in REQUIRED_KEYS:
        if key not in positions:
            errors.append(f"Kolumnen ”{COLUMN_BY_KEY[key].header}” saknas i rubrikraden (rad 1).")
    if any(k in positions for k in ASSESSMENT_KEYS):
        for key in ASSESSMENT_KEYS:
            if key not in positions:
                errors.append(
                    f"Kolumnen ”{COLUMN_BY_KEY[key].header}” saknas; Sannolikhet, Konsekvens "
                    "och Hantering hör ihop."
                )
    if errors:
        raise file_error(*errors)
    return positions


def blank(value: Any) -> bool:
    """True for an empty cell or one holding only spaces."""
    return value is None or (isinstance(value, str) and not value.strip())


def fold(text: str) -> str:
    """Text compared without case or repeated spaces."""
    return " ".join(text.split()).casefold()


def text(value: Any) -> str:
    """A cell as text: numbers as Excel shows them, dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Ja" if value else "Nej"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    return str(value).strip()

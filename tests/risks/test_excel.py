"""Excel: the template, export, all-or-nothing import, file checks, permissions, formulas."""

import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from internkontroll.audit.tables import AuditEvent
from internkontroll.errors import Forbidden, NotFound, ValidationFailed
from internkontroll.organisation.tables import Process
from internkontroll.risks.assessments import AssessmentInput, assess
from internkontroll.risks.excel import (
    COLUMNS,
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS,
    XLSX_MEDIA_TYPE,
    ImportResult,
    export_filename,
    export_register,
    import_register,
    template_workbook,
)
from internkontroll.risks.register import RiskInput, create_risk, update_risk
from internkontroll.risks.scale import default_scale, scale_to_dict
from internkontroll.risks.scales import change_scale
from internkontroll.risks.tables import Risk, RiskAssessment
from internkontroll.risks.views import register
from tests.conftest import make_board
from tests.risks.conftest import add_risk

HEADERS = [c.header for c in COLUMNS]
YEAR = 2026


def _open(content: bytes):
    return load_workbook(io.BytesIO(content))


def _rows(content: bytes) -> list[dict]:
    """The Riskregister sheet as dicts keyed by header."""
    ws = _open(content)["Riskregister"]
    values = list(ws.iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def _file(rows: list[dict | None], headers: list[str] | None = None) -> bytes:
    """A workbook with the given header and rows (None is a blank row)."""
    headers = headers or HEADERS
    wb = Workbook()
    ws = wb.active
    ws.title = "Riskregister"
    ws.append(headers)
    for row in rows:
        ws.append([None] * len(headers) if row is None else [row.get(h) for h in headers])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _row(title: str = "Skolskjuts utan avtal", **kw) -> dict:
    row = {
        "Process": "Skolskjuts",
        "Riskkategori": "Legal risk",
        "Risk (rubrik)": title,
        "Vad kan gå fel": "Avtal saknas.",
        "Varför det spelar roll": "Otillåten direktupphandling.",
        "Ansvarig": "Samordnare",
    }
    names = {
        "process": "Process",
        "likelihood": "Sannolikhet",
        "impact": "Konsekvens",
        "treatment": "Hantering",
        "motivation": "Motivering",
        "active": "Aktiv",
    }
    for key, value in kw.items():
        row[names.get(key, key)] = value
    return row


async def _process(board_id: int, name: str, active: bool = True) -> int:
    rows = await Process.insert(Process(board=board_id, name=name, active=active)).returning(
        Process.id
    )
    return rows[0]["id"]


async def _board_b(world) -> int:
    """An empty board whose processes have the names of the world's board."""
    board_b = await make_board("MBN")
    await _process(board_b, "Skolskjuts")
    await _process(board_b, "Bygglov")
    return board_b


async def _import_errors(world, rows, **kw) -> list[tuple[str, str]]:
    with pytest.raises(ValidationFailed) as err:
        await import_register(world.preparer, world.board, YEAR, _file(rows, **kw))
    return [(e.field, e.message) for e in err.value.errors]


def _comparable(entries: list[dict]) -> list[tuple]:
    def key(entry):
        a = entry["assessment"] or {}
        return (
            entry["process_name"],
            entry["category_name"],
            entry["title"],
            entry["description"],
            entry["consequence"],
            entry["responsible"],
            entry["active"],
            a.get("likelihood"),
            a.get("impact"),
            a.get("value"),
            a.get("treatment"),
            a.get("motivation"),
        )

    return sorted(key(e) for e in entries)


async def _seed_register(world) -> dict[str, int]:
    """Four risks on BUN: high with a control, accepted high, low watched, unassessed."""
    ids = {
        "control": await add_risk(world, "Skolskjuts utan avtal"),
        "accepted": await add_risk(world, "Fel i attest", category_id=world.category2),
        "low": await add_risk(world, "Sen fakturering", description="", responsible=""),
        "open": await add_risk(world, "Ej bedömd risk"),
    }
    await assess(world.preparer, ids["control"], YEAR, AssessmentInput(4, 3, "control"))
    await assess(
        world.preparer, ids["accepted"], YEAR, AssessmentInput(3, 3, "accept", "KS informeras.")
    )
    await assess(world.preparer, ids["low"], YEAR, AssessmentInput(1, 2, "monitor"))
    return ids


# ------------------------------------------------------------------ template and export


async def test_template_has_headers_instructions_scale_and_dropdowns(db):
    content = await template_workbook()
    wb = _open(content)
    assert wb.sheetnames == ["Riskregister", "Instruktioner", "Skala"]
    ws = wb["Riskregister"]
    assert [c.value for c in ws[1]] == HEADERS
    assert ws.max_row == 1
    assert ws.freeze_panes == "A2"
    assert all(c.font.bold for c in ws[1])
    rules = {(v.type, v.formula1, v.formula2) for v in ws.data_validations.dataValidation}
    assert ("list", '"Kontrollmoment,Direktåtgärd,Bevaka,Acceptera"', None) in rules
    assert ("whole", "1", "4") in rules
    instructions = " ".join(
        str(v) for row in wb["Instruktioner"].iter_rows(values_only=True) for v in row if v
    )
    for header in HEADERS:
        assert header in instructions
    assert "riskvärde 9 eller mer" in instructions
    assert "Allt eller inget" in instructions
    scale_text = " ".join(
        str(v) for row in wb["Skala"].iter_rows(values_only=True) for v in row if v
    )
    assert "Kan inträffa under året" in scale_text  # the definition of Möjlig on 4 × 4
    assert "Allvarlig" in scale_text


async def test_template_follows_the_current_scale(world):
    await change_scale(world.admin, scale_to_dict(default_scale(5)), "5 × 5")
    wb = _open(await template_workbook())
    rules = {(v.type, v.formula2) for v in wb["Riskregister"].data_validations.dataValidation}
    assert ("whole", "5") in rules
    assert ("whole", "4") not in rules
    assert "Katastrofal" in [v for row in wb["Skala"].iter_rows(values_only=True) for v in row]


async def test_export_holds_values_band_colour_and_blanks_for_unassessed(world):
    await _seed_register(world)
    content = await export_register(world.viewer, YEAR, world.board)
    rows = {r["Risk (rubrik)"]: r for r in _rows(content)}
    assert set(rows) == {
        "Skolskjuts utan avtal",
        "Fel i attest",
        "Sen fakturering",
        "Ej bedömd risk",
    }
    high = rows["Skolskjuts utan avtal"]
    assert high == {
        "Nämnd": "BUN",
        "Process": "Skolskjuts",
        "Riskkategori": "Legal risk",
        "Risk (rubrik)": "Skolskjuts utan avtal",
        "Vad kan gå fel": "Avtal saknas för delar av skolskjutsen.",
        "Varför det spelar roll": "Otillåten direktupphandling.",
        "Ansvarig": "Skolskjutssamordnare",
        "Sannolikhet": 4,
        "Konsekvens": 3,
        "Riskvärde": 12,
        "Färg/nivå": "Hög (röd)",
        "Hantering": "Kontrollmoment",
        "Motivering": None,
        "Aktiv": "Ja",
    }
    assert rows["Fel i attest"]["Riskkategori"] == "IT-risk"
    assert rows["Fel i attest"]["Motivering"] == "KS informeras."
    assert rows["Sen fakturering"]["Färg/nivå"] == "Låg (grön)"
    assert rows["Sen fakturering"]["Hantering"] == "Bevaka"
    unscored = rows["Ej bedömd risk"]
    for header in ("Sannolikhet", "Konsekvens", "Riskvärde", "Färg/nivå", "Hantering"):
        assert unscored[header] is None
    ws = _open(content)["Riskregister"]
    band_column = HEADERS.index("Färg/nivå") + 1
    fills = {
        ws.cell(row=r, column=4).value: ws.cell(row=r, column=band_column).fill.fgColor.rgb
        for r in range(2, ws.max_row + 1)
    }
    assert fills["Skolskjuts utan avtal"].endswith("C62828")
    assert fills["Sen fakturering"].endswith("2E7D32")
    assert fills["Ej bedömd risk"] in (None, "00000000")
    # The highest risk comes first, as on the register page.
    assert ws.cell(row=2, column=4).value == "Skolskjuts utan avtal"


async def test_export_lists_the_same_risks_as_the_register_page(world):
    await _seed_register(world)
    retired = await add_risk(world, "Avslutad risk")
    retired_but_scored = await add_risk(world, "Avslutad men bedömd")
    await add_risk(world, "Nästa års risk", year=YEAR + 1)
    await assess(world.preparer, retired_but_scored, YEAR, AssessmentInput(2, 2, "monitor"))
    for risk_id, title in ((retired, "Avslutad risk"), (retired_but_scored, "Avslutad men bedömd")):
        data = RiskInput(world.process, world.category, title)
        await update_risk(world.preparer, risk_id, data, active=False)
    old = await add_risk(world, "Fjolårets bedömning", year=YEAR - 1)
    await assess(world.preparer, old, YEAR - 1, AssessmentInput(4, 4, "control"))

    content = await export_register(world.admin, YEAR, world.board)
    rows = {r["Risk (rubrik)"]: r for r in _rows(content)}
    page = {e["title"] for e in await register(world.admin, world.board, YEAR)}
    assert set(rows) == page
    assert "Avslutad risk" not in rows and "Nästa års risk" not in rows
    assert rows["Avslutad men bedömd"]["Aktiv"] == "Nej"
    # Last year's score is not this year's.
    assert rows["Fjolårets bedömning"]["Sannolikhet"] is None


async def test_export_shows_the_current_scoring_of_the_year(world):
    risk_id = await add_risk(world)
    await assess(world.preparer, risk_id, YEAR, AssessmentInput(3, 3, "control"))
    await assess(world.preparer, risk_id, YEAR, AssessmentInput(2, 1, "monitor"))
    (row,) = _rows(await export_register(world.preparer, YEAR, world.board))
    assert (row["Sannolikhet"], row["Konsekvens"], row["Riskvärde"]) == (2, 1, 2)
    assert row["Färg/nivå"] == "Låg (grön)"


def test_export_filename_and_media_type():
    assert export_filename(2026, "BUN") == "riskregister-BUN-2026.xlsx"
    assert export_filename(2026, None) == "riskregister-alla-2026.xlsx"
    assert export_filename(2026, "MÖN/ÅV") == "riskregister-MON_AV-2026.xlsx"
    assert XLSX_MEDIA_TYPE.endswith("spreadsheetml.sheet")


# ------------------------------------------------------------------ import


async def test_round_trip_into_an_empty_board_gives_the_same_register(world):
    await _seed_register(world)
    await _process(world.board, "Bygglov")
    bygg = (await Process.select(Process.id).where(Process.name == "Bygglov").first())["id"]
    await add_risk(world, "Bygglov utan grannehörande", process_id=bygg)
    board_b = await _board_b(world)
    content = await export_register(world.admin, YEAR, world.board)

    result = await import_register(world.admin, board_b, YEAR, content, "bun.xlsx")

    assert result == ImportResult(created=5, updated=0, assessed=3)
    original = await register(world.admin, world.board, YEAR)
    copied = await register(world.admin, board_b, YEAR)
    assert _comparable(copied) == _comparable(original)
    assert {e["board"] for e in copied} == {board_b}
    assert {r["first_year"] for r in await Risk.select().where(Risk.board == board_b)} == {YEAR}
    sources = await RiskAssessment.select(RiskAssessment.source).where(
        RiskAssessment.risk.board == board_b
    )
    assert {r["source"] for r in sources} == {"import"}


async def test_reimport_updates_by_process_and_title_without_duplicates(world):
    ids = await _seed_register(world)
    rows = _rows(await export_register(world.preparer, YEAR, world.board))
    for row in rows:
        if row["Risk (rubrik)"] == "Skolskjuts utan avtal":
            row["Risk (rubrik)"] = "SKOLSKJUTS UTAN AVTAL"  # matched without case
            row["Vad kan gå fel"] = "Avtalet gick ut i juni."
    before_history = await RiskAssessment.count()

    result = await import_register(world.preparer, world.board, YEAR, _file(rows))

    assert (result.created, result.updated, result.assessed) == (0, 1, 0)
    assert result.unchanged == 3
    assert await Risk.count().where(Risk.board == world.board) == 4
    risk = await Risk.select().where(Risk.id == ids["control"]).first()
    assert risk["description"] == "Avtalet gick ut i juni."
    assert risk["title"] == "SKOLSKJUTS UTAN AVTAL"
    assert await RiskAssessment.count() == before_history  # identical scorings are not repeated


async def test_reimported_scoring_keeps_history(world):
    ids = await _seed_register(world)
    rows = _rows(await export_register(world.preparer, YEAR, world.board))
    for row in rows:
        if row["Risk (rubrik)"] == "Sen fakturering":
            row["Sannolikhet"], row["Hantering"] = 4, "Direktåtgärd"

    result = await import_register(world.preparer, world.board, YEAR, _file(rows))

    assert (result.created, result.updated, result.assessed) == (0, 0, 1)
    scorings = (
        await RiskAssessment.select()
        .where(RiskAssessment.risk == ids["low"])
        .order_by(RiskAssessment.id)
    )
    assert [(s["value"], s["treatment"], s["current"], s["source"]) for s in scorings] == [
        (2, "monitor", False, "manual"),
        (8, "direct_action", True, "import"),
    ]
    assert scorings[1]["assessed_by_name"] == "Handlaggare"


async def test_blank_scores_leave_an_existing_scoring_alone(world):
    ids = await _seed_register(world)
    result = await import_register(
        world.preparer, world.board, YEAR, _file([_row("Skolskjuts utan avtal")])
    )
    assert result.assessed == 0
    current = await RiskAssessment.select().where(
        (RiskAssessment.risk == ids["control"]) & RiskAssessment.current.eq(True)
    )
    assert [(c["likelihood"], c["impact"]) for c in current] == [(4, 3)]


async def test_lenient_input_is_accepted(world):
    """Reordered, re-cased headers, extra columns, floats, text numbers, any-case treatment."""
    headers = ["  risk (RUBRIK) ", "hantering", "Egen anteckning", "PROCESS", "riskkategori"]
    headers += ["Sannolikhet", "KONSEKVENS", "Riskvärde", "Nämnd", "aktiv"]
    rows = [
        {
            "  risk (RUBRIK) ": "Skolskjuts utan avtal",
            "hantering": "kontrollmoment",
            "Egen anteckning": "läses inte",
            "PROCESS": "skolskjuts",
            "riskkategori": "LEGAL RISK",
            "Sannolikhet": 3.0,
            "KONSEKVENS": " 4 ",
            "Riskvärde": 999,  # ignored: recomputed
            "Nämnd": "SN",  # ignored: the board is chosen by the caller
            "aktiv": "nej",
        },
        None,
        {"  risk (RUBRIK) ": "Andra", "PROCESS": "Skolskjuts", "riskkategori": "IT-risk"},
    ]
    result = await import_register(world.preparer, world.board, YEAR, _file(rows, headers))
    assert (result.created, result.assessed) == (2, 1)
    risk = await Risk.select().where(Risk.title == "Skolskjuts utan avtal").first()
    assert (risk["board"], risk["process"], risk["active"]) == (world.board, world.process, False)
    assert risk["description"] == ""  # no such column in the file
    scoring = await RiskAssessment.select().first()
    assert (scoring["likelihood"], scoring["impact"], scoring["value"]) == (3, 4, 12)
    assert scoring["treatment"] == "control"


async def test_all_or_nothing_reports_every_bad_row_and_writes_nothing(world):
    await add_risk(world, "Befintlig")
    risks_before = await Risk.count()
    events_before = await AuditEvent.count()
    rows = [
        _row("Bra ett"),
        _row("Dålig process", process="Finns inte"),
        None,  # Excel row 4 is blank and skipped, the numbers still follow Excel
        _row("Bra två", likelihood=2, impact=2, treatment="Bevaka"),
        _row("Dålig poäng", likelihood=7, impact=1, treatment="Bevaka"),
        _row("Befintlig", description="Ny text"),
    ]
    with pytest.raises(ValidationFailed) as err:
        await import_register(world.preparer, world.board, YEAR, _file(rows))
    errors = {(e.field, e.message) for e in err.value.errors}
    assert errors == {
        ("rad 3: Process", "processen ”Finns inte” finns inte i BUN"),
        ("rad 6: Sannolikhet", "sannolikhet ska vara 1–4"),
    }
    assert err.value.message == "Filen importerades inte: 2 fel. Rätta raderna och försök igen."
    assert await Risk.count() == risks_before
    existing = await Risk.select().where(Risk.title == "Befintlig").first()
    assert existing["description"] != "Ny text"
    assert await RiskAssessment.count() == 0
    assert await AuditEvent.count() == events_before


LONG = "x" * 4001


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (_row(process="Finns inte"), {("rad 2: Process", "finns inte i BUN")}),
        (_row(process="Försörjningsstöd"), {("rad 2: Process", "finns inte i BUN")}),
        (_row(process=""), {("rad 2: Process", "processen saknas")}),
        (_row(process="Nedlagd"), {("rad 2: Process", "är inaktiv")}),
        (_row(Riskkategori="Påhittad risk"), {("rad 2: Riskkategori", "finns inte")}),
        (_row(""), {("rad 2: Risk (rubrik)", "rubriken får inte vara tom")}),
        (_row("r" * 201), {("rad 2: Risk (rubrik)", "högst 200 tecken")}),
        (_row(**{"Vad kan gå fel": LONG}), {("rad 2: Vad kan gå fel", "högst 4000 tecken")}),
        (_row(Ansvarig="a" * 201), {("rad 2: Ansvarig", "högst 200 tecken")}),
        (
            _row(likelihood=5, impact=1, treatment="Bevaka"),
            {("rad 2: Sannolikhet", "sannolikhet ska vara 1–4")},
        ),
        (
            _row(likelihood=1, impact=0, treatment="Bevaka"),
            {("rad 2: Konsekvens", "konsekvens ska vara 1–4")},
        ),
        (_row(likelihood=3.5, impact=1, treatment="Bevaka"), {("rad 2: Sannolikhet", "heltal")}),
        (_row(likelihood="tre", impact=1, treatment="Bevaka"), {("rad 2: Sannolikhet", "heltal")}),
        (_row(likelihood=True, impact=1, treatment="Bevaka"), {("rad 2: Sannolikhet", "heltal")}),
        (_row(likelihood=1, impact=1, treatment="Ignorera"), {("rad 2: Hantering", "välj")}),
        (_row(likelihood=3, impact=3, treatment="Bevaka"), {("rad 2: Hantering", "tröskeln 9")}),
        (
            _row(likelihood=4, impact=4, treatment="Acceptera"),
            {("rad 2: Motivering", "kräver en skriftlig motivering")},
        ),
        (
            _row(likelihood=4, impact=4, treatment="Acceptera", motivation=LONG),
            {("rad 2: Motivering", "högst 4000 tecken")},
        ),
        (
            _row(likelihood=2),
            {("rad 2: Konsekvens", "fylls i tillsammans"), ("rad 2: Hantering", "tillsammans")},
        ),
        (_row(motivation="Därför"), {("rad 2: Motivering", "kräver sannolikhet")}),
        (_row(active="Kanske"), {("rad 2: Aktiv", "Ja eller Nej")}),
    ],
)
async def test_each_kind_of_row_error(world, row, expected):
    await _process(world.board, "Nedlagd", active=False)
    errors = await _import_errors(world, [row])
    assert len(errors) == len(expected), errors
    for field, fragment in expected:
        assert any(f == field and fragment in m for f, m in errors), (field, fragment, errors)
    assert await Risk.count() == 0


async def test_duplicate_rows_are_an_error_naming_the_first(world):
    errors = await _import_errors(world, [_row("Samma"), _row("Annan"), _row(" SAMMA ")])
    assert errors == [("rad 4: Risk (rubrik)", "samma process och rubrik som rad 2")]
    assert await Risk.count() == 0


async def test_a_formula_in_the_file_counts_by_its_value_never_its_text(world):
    wb = Workbook()
    ws = wb.active
    ws.title = "Riskregister"
    ws.append(HEADERS)
    values = _row("Med formel", likelihood="=1+1", impact=1, treatment="Bevaka")
    ws.append([values.get(h) for h in HEADERS])
    out = io.BytesIO()
    wb.save(out)
    # openpyxl saves no computed value, so the cell reads as empty: the scoring is incomplete.
    with pytest.raises(ValidationFailed) as err:
        await import_register(world.preparer, world.board, YEAR, out.getvalue())
    assert [(e.field, e.message.split(":")[0]) for e in err.value.errors] == [
        ("rad 2: Sannolikhet", "sannolikhet saknas")
    ]


# ------------------------------------------------------------------ files that are not registers


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def _other_sheet_only() -> bytes:
    wb = Workbook()
    wb.active.title = "Blad1"
    wb.active.append(HEADERS)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _empty_register_sheet() -> bytes:
    wb = Workbook()
    wb.active.title = "Riskregister"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda: b"", "tom"),
        (lambda: b"\0" * (MAX_IMPORT_BYTES + 1), "större än 5 MB"),
        (lambda: b"Process;Risk\nSkolskjuts;Avtal\n", "Excel-arbetsbok (.xlsx)"),
        (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "äldre Excel-formatet (.xls)"),
        (lambda: _zip({"readme.txt": b"hej"}), "Excel-arbetsbok (.xlsx)"),
        (lambda: _file([_row()])[:2000], "Excel-arbetsbok (.xlsx)"),  # cut short
        (lambda: _zip({"bomb.xml": b"\0" * (101 * 1024 * 1024)}), "för stor uppackad"),
        (_other_sheet_only, "Bladet ”Riskregister” saknas"),
        (_empty_register_sheet, "Rubrikraden (rad 1) saknas"),
        (lambda: _file([]), "inga risker"),
        (lambda: _file([None, None]), "inga risker"),
        (lambda: _file([_row()], ["Process", "Risk (rubrik)"]), "”Riskkategori” saknas"),
        (
            lambda: _file([_row()], ["Process", "Riskkategori", "Risk", "Sannolikhet"]),
            "”Konsekvens” saknas",
        ),
        (
            lambda: _file([_row()], ["Process", "Riskkategori", "Risk (rubrik)", "Process"]),
            "”Process” finns två gånger",
        ),
    ],
)
async def test_files_that_are_not_a_register_fail_on_the_file_field(world, make, fragment):
    with pytest.raises(ValidationFailed) as err:
        await import_register(world.preparer, world.board, YEAR, make(), "fil.xlsx")
    assert {e.field for e in err.value.errors} == {"file"}
    assert any(fragment in e.message for e in err.value.errors), err.value.errors
    assert err.value.message.startswith("Filen importerades inte: ")
    assert await Risk.count() == 0
    assert await AuditEvent.count().where(AuditEvent.action == "import") == 0


async def test_more_rows_than_the_limit_is_refused(world):
    rows = [_row(f"Risk {n}") for n in range(MAX_IMPORT_ROWS + 1)]
    with pytest.raises(ValidationFailed) as err:
        await import_register(world.preparer, world.board, YEAR, _file(rows))
    assert err.value.errors[0].field == "file"
    assert str(MAX_IMPORT_ROWS) in err.value.errors[0].message
    assert await Risk.count() == 0


async def test_year_outside_the_range_is_refused(world):
    with pytest.raises(ValidationFailed) as err:
        await import_register(world.preparer, world.board, 1999, _file([_row()]))
    assert err.value.errors[0].field == "year"


# ------------------------------------------------------------------ permissions and audit


async def test_only_the_boards_preparers_and_admins_import(world):
    content = _file([_row()])
    for who in (world.secretary, world.viewer, world.outsider, world.auditor, world.ks_member):
        with pytest.raises(Forbidden):
            await import_register(who, world.board, YEAR, content)
        # Refused before the file is even read.
        with pytest.raises(Forbidden):
            await import_register(who, world.board, YEAR, b"not a workbook")
    assert await Risk.count() == 0
    await import_register(world.preparer, world.board, YEAR, content)
    assert await Risk.count() == 1
    with pytest.raises(NotFound):
        await import_register(world.admin, 999_999, YEAR, content)


async def test_export_permissions(world):
    await add_risk(world, "BUN-risk")
    sn_risk = RiskInput(world.other_process, world.category, "SN-risk")
    await create_risk(world.outsider, world.other_board, YEAR, sn_risk)

    with pytest.raises(Forbidden):
        await export_register(world.outsider, YEAR, world.board)
    with pytest.raises(NotFound):
        await export_register(world.admin, YEAR, 999_999)

    def titles(content):
        return {(r["Nämnd"], r["Risk (rubrik)"]) for r in _rows(content)}

    assert titles(await export_register(world.outsider, YEAR)) == {("SN", "SN-risk")}
    assert titles(await export_register(world.viewer, YEAR)) == {("BUN", "BUN-risk")}
    everything = {("BUN", "BUN-risk"), ("SN", "SN-risk")}
    assert titles(await export_register(world.auditor, YEAR)) == everything
    assert titles(await export_register(world.ks_member, YEAR)) == everything
    assert titles(await export_register(world.secretary, YEAR, world.board)) == {
        ("BUN", "BUN-risk")
    }


async def test_import_is_audited_once_as_a_whole_and_per_change(world):
    rows = [_row("Ny", likelihood=3, impact=3, treatment="Kontrollmoment"), _row("Annan")]
    await import_register(world.preparer, world.board, YEAR, _file(rows), "register.xlsx")
    summary = (
        await AuditEvent.select()
        .where(AuditEvent.action == "import")
        .output(load_json=True)
        .first()
    )
    assert summary["entity"] == "risk_register"
    assert summary["board"] == world.board
    assert summary["actor_username"] == "handlaggare"
    assert summary["after"] == {
        "year": YEAR,
        "created": 2,
        "updated": 0,
        "assessed": 1,
        "filename": "register.xlsx",
    }
    per_change = await AuditEvent.select(AuditEvent.action, AuditEvent.entity).where(
        AuditEvent.action != "import"
    )
    actions = sorted((e["action"], e["entity"]) for e in per_change)
    assert ("create", "risk") in actions and actions.count(("create", "risk")) == 2
    assert ("assess", "risk_assessment") in actions


async def test_a_failure_while_writing_leaves_nothing_behind(world, monkeypatch):
    """Every write of an import shares one transaction: a late failure undoes the early ones."""
    from internkontroll.audit import services as audit_services

    real_record = audit_services.record

    async def record(actor, action, *args, **kw):
        if action == "import":
            raise RuntimeError("disk full")
        return await real_record(actor, action, *args, **kw)

    monkeypatch.setattr(audit_services, "record", record)
    rows = [_row("Ett", likelihood=2, impact=2, treatment="Bevaka"), _row("Två")]
    with pytest.raises(RuntimeError):
        await import_register(world.preparer, world.board, YEAR, _file(rows))
    assert await Risk.count() == 0
    assert await RiskAssessment.count() == 0
    assert await AuditEvent.count().where(AuditEvent.entity == "risk") == 0


# ------------------------------------------------------------------ formula injection

FORMULAS = ['=HYPERLINK("http://x")', "-1+2", "@SUM(A1)", "+1"]


async def test_export_never_writes_a_formula_and_the_text_survives_a_round_trip(world):
    for text in FORMULAS:
        await add_risk(world, text, description=f"=CMD|'/c calc'!A0 {text}", responsible=text)
    content = await export_register(world.preparer, YEAR, world.board)

    ws = _open(content)["Riskregister"]
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells)
    titles = {c.value: c for c in cells if c.column == 4 and c.row > 1}
    assert set(titles) == set(FORMULAS)
    assert all(c.quotePrefix for c in titles.values())
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml

    board_b = await _board_b(world)
    await import_register(world.admin, board_b, YEAR, content)
    copied = await Risk.select().where(Risk.board == board_b)
    assert {r["title"] for r in copied} == set(FORMULAS)
    assert {r["responsible"] for r in copied} == set(FORMULAS)
    assert {r["description"] for r in copied} == {f"=CMD|'/c calc'!A0 {t}" for t in FORMULAS}

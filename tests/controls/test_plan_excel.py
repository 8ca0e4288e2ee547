"""The plan as an Excel workbook: header block, every control, formula-safe text, over HTTP."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from internkontroll.controls import plans
from internkontroll.controls.excel import (
    CONTROL_COLUMNS,
    PLAN_SHEET,
    plan_workbook,
    render_plan_workbook,
)
from internkontroll.controls.views import plan_document
from internkontroll.errors import Forbidden
from internkontroll.organisation.tables import Municipality
from internkontroll.risks.excel import XLSX_MEDIA_TYPE
from tests.conftest import login
from tests.controls.conftest import ADOPTION, YEAR, complete_controls, decide_shared_points

HEADERS = [title for title, _ in CONTROL_COLUMNS]


async def _adopted(world) -> int:
    await Municipality.insert(Municipality(name="Åsby kommun", organisation_number="212000-0000"))
    await decide_shared_points(world)
    plan_id = await plans.create_plan(world.preparer, world.board, YEAR)
    await complete_controls(world, plan_id)
    await plans.send_for_decision(world.preparer, plan_id)
    await plans.adopt(world.secretary, plan_id, ADOPTION)
    return plan_id


def _sheet(content: bytes):
    return load_workbook(io.BytesIO(content))[PLAN_SHEET]


def _facts(ws) -> dict[str, object]:
    """The header block's label → value pairs (two pairs a row, above the table)."""
    facts = {}
    for row in ws.iter_rows(min_row=2, max_row=5, max_col=4, values_only=True):
        facts[row[0]] = row[1]
        facts[row[2]] = row[3]
    return facts


def _table(ws) -> list[dict[str, object]]:
    """The control rows as dicts keyed by header."""
    header_row = next(
        r[0].row for r in ws.iter_rows(min_col=1, max_col=1) if r[0].value == HEADERS[0]
    )
    rows = ws.iter_rows(min_row=header_row, values_only=True)
    assert list(next(rows)) == HEADERS
    return [dict(zip(HEADERS, row, strict=True)) for row in rows]


async def test_workbook_has_header_block_and_every_control(plan_world):
    plan_id = await _adopted(plan_world)
    document = await plan_document(plan_world.viewer, plan_id)
    ws = _sheet(plan_workbook(document))
    assert ws["A1"].value == "Internkontrollplan 2026"
    facts = _facts(ws)
    assert facts["Kommun"] == "Åsby kommun"
    assert facts["Nämnd"] == "Barn- och utbildningsnämnden (BUN)"
    assert facts["År"] == 2026
    assert facts["Version"] == 1
    assert facts["Status"] == "Antagen"
    assert facts["Beslut"] == "Antagen 2026-01-20 § 7, Dnr BUN 2025/301"
    assert facts["Beslutsfrist"] == "Antagen i tid (deadline 2026-01-31)"
    assert facts["Antal kontrollmoment"] == len(document.controls)

    rows = _table(ws)
    assert [r["Kontrollmoment"] for r in rows] == [c.title for c in document.controls]
    assert [r["Typ"] for r in rows].count("Gemensamt (KS)") == 2
    by_title = {r["Kontrollmoment"]: r for r in rows}
    avtal = by_title["Skolskjuts utan avtal"]
    assert avtal["Process"] == "Skolskjuts"
    assert avtal["Risker"] == "Skolskjuts utan avtal: 16 Hög (röd)"
    assert avtal["Högsta riskvärde"] == 16
    assert avtal["Nivå"] == "Hög (röd)"
    assert avtal["Metod"] == "Stickprov"
    assert avtal["Frekvens"] == "Kvartalsvis"
    assert avtal["Omfattning och urval"] == "10 av 120 ärenden"
    assert avtal["Kontrollansvarig"] == "Kontrollant"
    assert avtal["Rapporteras"] == "Delår och helår"
    assert avtal["Rapporteras till"] == "Nämnden"
    assert by_title["Attest av leverantörsfakturor"]["Syfte"] == "Att attestordningen följs"

    header_row = ws.max_row - len(rows)
    assert ws.freeze_panes == f"A{header_row + 1}"
    assert ws.auto_filter.ref == f"A{header_row}:M{ws.max_row}"
    assert ws.cell(row=header_row, column=1).font.b
    assert ws.column_dimensions["B"].width == 40


async def test_late_draft_is_flagged_and_formula_text_stays_text(plan_world):
    await decide_shared_points(plan_world)
    plan_id = await plans.create_plan(plan_world.preparer, plan_world.board, YEAR)
    document = await plan_document(plan_world.preparer, plan_id)
    tricky = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\t=1", "\r=2"]
    for control, value in zip(document.controls, tricky, strict=False):
        control.title = value
    document.controls[-1].scope = "=1+1"
    ws = _sheet(plan_workbook(document))
    facts = _facts(ws)
    assert facts["Status"] == "Utkast"
    assert facts["Beslut"] == "Ej antagen"
    assert facts["Beslutsfrist"] == "Saknas – deadline passerad (deadline 2026-01-31)"
    flagged = next(c for c in ws["D"] if c.value == facts["Beslutsfrist"])
    assert flagged.fill.fgColor.rgb.endswith("C62828")
    rows = _table(ws)
    for row, value in zip(rows, tricky, strict=False):
        assert row["Kontrollmoment"] == value
    for cells in ws.iter_rows():
        for cell in cells:
            if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@")):
                assert cell.data_type == "s", cell.coordinate
                assert cell.quotePrefix, cell.coordinate
    assert rows[-1]["Omfattning och urval"] == "=1+1"


async def test_render_names_the_file_and_checks_permission(plan_world):
    plan_id = await _adopted(plan_world)
    name, content = await render_plan_workbook(plan_world.viewer, plan_id)
    assert name == "internkontrollplan-BUN-2026-v1.xlsx"
    assert content.startswith(b"PK")
    with pytest.raises(Forbidden):
        await render_plan_workbook(plan_world.outsider, plan_id)


async def test_workbook_over_http(client, plan_world):
    plan_id = await _adopted(plan_world)
    assert (await client.get(f"/api/plans/{plan_id}/plan.xlsx")).status_code == 401
    assert (await login(client, "annan")).status_code == 303
    assert (await client.get(f"/api/plans/{plan_id}/plan.xlsx")).status_code == 403
    assert (await login(client, "ledamot")).status_code == 303
    response = await client.get(f"/api/plans/{plan_id}/plan.xlsx")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX_MEDIA_TYPE
    assert (
        'filename="internkontrollplan-BUN-2026-v1.xlsx"' in response.headers["content-disposition"]
    )
    assert _facts(_sheet(response.content))["Status"] == "Antagen"
    assert (await client.get(f"/api/plans/{plan_id + 1}/plan.xlsx")).status_code == 404

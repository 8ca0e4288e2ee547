"""The risk pages: register, risk form, assessment, heat maps, overview, matrix, import."""

from __future__ import annotations

import re

import httpx

from internkontroll.risks.assessments import AssessmentInput, assess
from internkontroll.risks.tables import Risk, RiskAssessment, RiskScaleVersion
from tests.conftest import csrf_token, login
from tests.risks.conftest import add_risk


async def as_user(client: httpx.AsyncClient, username: str) -> None:
    response = await login(client, username)
    assert response.status_code == 303, response.text


def form(client: httpx.AsyncClient, **fields: str) -> dict[str, str]:
    return {"_csrf_token": csrf_token(client), **fields}


async def scored(world, title: str, likelihood: int, impact: int, year: int = 2026, **kw) -> int:
    risk_id = await add_risk(world, title, year=year)
    await assess(
        world.preparer,
        risk_id,
        year,
        AssessmentInput(likelihood, impact, kw.get("treatment", "control"), kw.get("why", "")),
    )
    return risk_id


async def test_register_page_lists_risks_with_values_and_changes(client, world):
    await scored(world, "Skolskjuts utan avtal", 3, 4, year=2025)
    await assess(world.preparer, 1, 2026, AssessmentInput(2, 4, "control"))
    await add_risk(world, "Ej bedömd risk")
    await as_user(client, "handlaggare")
    page = await client.get(f"/namnder/{world.board}/risker?ar=2026")
    assert page.status_code == 200
    text = page.text
    assert "Riskregister 2026" in text
    assert "Skolskjuts utan avtal" in text and "ändrad" in text
    assert "Ej bedömd risk" in text and "ej bedömd" in text
    assert '8<span class="chip__band"> Medel' in text  # 2 × 4 = 8, with its band as text
    assert f'href="/namnder/{world.board}/risker/ny?ar=2026"' in text
    assert "Påbörja riskanalys 2027" in text

    filtered = await client.get(
        f"/namnder/{world.board}/risker?ar=2026&process={world.other_process}"
    )
    assert "Skolskjuts utan avtal" not in filtered.text
    bad = await client.get(f"/namnder/{world.board}/risker?ar=abc")
    assert bad.status_code == 422 and "ar" in bad.text


async def test_readers_see_no_edit_controls_and_outsiders_nothing(client, world):
    await add_risk(world, "Synlig risk")
    await as_user(client, "sekreterare")
    page = await client.get(f"/namnder/{world.board}/risker")
    assert page.status_code == 200 and "Synlig risk" in page.text
    assert "Ny risk" not in page.text and "Påbörja riskanalys" not in page.text
    assert (await client.get(f"/namnder/{world.board}/risker/ny")).status_code == 403
    assert (await client.get("/risker/1/bedomning")).status_code == 403
    await client.post("/logout", data=form(client))
    await as_user(client, "annan")
    denied = await client.get(f"/namnder/{world.board}/risker")
    assert denied.status_code == 403 and "Synlig risk" not in denied.text
    assert (await client.get("/risker/1")).status_code == 403
    assert (await client.get(f"/namnder/{world.board}/riskkarta")).status_code == 403


async def test_create_risk_form_errors_then_success(client, world):
    await as_user(client, "handlaggare")
    url = f"/namnder/{world.board}/risker"
    bad = await client.post(
        url,
        data=form(client, year="2026", title=" ", process_id="", category_id=str(world.category)),
    )
    assert bad.status_code == 422
    assert "måste fyllas i" in bad.text and 'aria-invalid="true"' in bad.text
    assert await Risk.count() == 0
    bad_title = await client.post(
        url,
        data=form(
            client,
            year="2026",
            title="",
            process_id=str(world.process),
            category_id=str(world.category),
            description="Kvar efter felet",
        ),
    )
    assert bad_title.status_code == 422 and "rubriken får inte vara tom" in bad_title.text
    assert "Kvar efter felet" in bad_title.text  # what the user typed is kept
    ok = await client.post(
        url,
        data=form(
            client,
            year="2026",
            title="Attest utan behörighet",
            process_id=str(world.process),
            category_id=str(world.category),
        ),
    )
    assert ok.status_code == 303
    risk_id = (await Risk.select(Risk.id).first())["id"]
    assert ok.headers["location"] == f"/risker/{risk_id}/bedomning?ar=2026"


async def test_edit_and_retire_a_risk(client, world):
    risk_id = await add_risk(world, "Gammal rubrik")
    await as_user(client, "handlaggare")
    page = await client.get(f"/risker/{risk_id}/andra")
    assert page.status_code == 200 and "Gammal rubrik" in page.text
    saved = await client.post(
        f"/risker/{risk_id}",
        data=form(
            client,
            title="Ny rubrik",
            process_id=str(world.process),
            category_id=str(world.category2),
        ),
    )
    assert saved.status_code == 303
    risk = await Risk.select().where(Risk.id == risk_id).first()
    assert (risk["title"], risk["category"], risk["active"]) == (
        "Ny rubrik",
        world.category2,
        False,
    )


async def test_assessment_form_shows_definitions_and_enforces_the_rule(client, world):
    risk_id = await add_risk(world)
    await as_user(client, "handlaggare")
    page = await client.get(f"/risker/{risk_id}/bedomning?ar=2026")
    assert page.status_code == 200
    assert "Kan inträffa under året; har inträffat hos oss eller i liknande kommuner." in page.text
    assert "Stor följd: lagbrott, betydande ekonomisk skada eller förtroendekris." in page.text

    url = f"/risker/{risk_id}/bedomning"
    refused = await client.post(
        url, data=form(client, year="2026", likelihood="4", impact="4", treatment="monitor")
    )
    assert refused.status_code == 422 and "når tröskeln 9" in refused.text
    assert await RiskAssessment.count() == 0
    accepted_bare = await client.post(
        url, data=form(client, year="2026", likelihood="4", impact="4", treatment="accept")
    )
    assert (
        accepted_bare.status_code == 422 and "kräver en skriftlig motivering" in accepted_bare.text
    )
    missing = await client.post(url, data=form(client, year="2026"))
    assert missing.status_code == 422 and "Sannolikhet" in missing.text

    ok = await client.post(
        url, data=form(client, year="2026", likelihood="4", impact="4", treatment="direct_action")
    )
    assert ok.status_code == 303
    assert ok.headers["location"].startswith(f"/namnder/{world.board}/risker?ar=2026&sparad=")
    register = await client.get(ok.headers["location"])
    assert "Bedömningen av" in register.text and "riskvärde 16" in register.text


async def test_risk_page_shows_history_over_the_years(client, world):
    risk_id = await scored(world, "Historisk risk", 1, 2, year=2024)
    for year, (lk, im) in ((2025, (2, 2)), (2026, (3, 3))):
        await assess(world.preparer, risk_id, year, AssessmentInput(lk, im, "control"))
    await as_user(client, "ledamot")
    page = await client.get(f"/risker/{risk_id}")
    assert page.status_code == 200
    years = re.findall(r"<td>(20\d\d)</td>", page.text)
    assert years == ["2026", "2025", "2024"]
    assert "Bedöm för" not in page.text  # a viewer cannot score


async def test_heat_map_page_counts_and_drills_into_a_cell(client, world):
    await scored(world, "Röd risk", 3, 4)
    await scored(world, "Annan röd risk", 3, 4)
    await scored(world, "Förra årets risk", 1, 1, year=2025, treatment="monitor")
    await as_user(client, "sekreterare")
    page = await client.get(f"/namnder/{world.board}/riskkarta?ar=2026")
    assert page.status_code == 200
    assert "Riskkarta 2026 (i år)" in page.text and "Riskkarta 2025 (föregående år)" in page.text
    assert "riskvärde 12, hög, 2 risker" in page.text
    assert "riskvärde 1, låg, 1 risk" in page.text  # last year's map
    drilled = await client.get(f"/namnder/{world.board}/riskkarta?ar=2026&cell=3-4")
    cell_section = drilled.text.split('id="cell-list"')[1]
    assert "Röd risk" in cell_section and "Annan röd risk" in cell_section
    assert "Förra årets risk" not in cell_section
    filtered = await client.get(
        f"/namnder/{world.board}/riskkarta?ar=2026&kategori={world.category2}&cell=3-4"
    )
    assert "Inga risker i cellen" in filtered.text
    for bad in ("9-9", "x", "3-"):
        response = await client.get(f"/namnder/{world.board}/riskkarta?ar=2026&cell={bad}")
        assert response.status_code == 422, bad


async def test_overview_for_ks_lists_boards_and_accepted_high_risks(client, world):
    await scored(world, "Accepterad hög risk", 4, 4, treatment="accept", why="Ingen rimlig åtgärd.")
    await as_user(client, "ksledamot")
    page = await client.get("/riskoversikt?ar=2026")
    assert page.status_code == 200
    assert "Accepterad hög risk" in page.text and "Ingen rimlig åtgärd." in page.text
    assert "riskvärde 16, hög, 1 risk" in page.text
    drilled = await client.get("/riskoversikt?ar=2026&cell=4-4")
    assert "BUN" in drilled.text.split('id="cell-list"')[1]
    await client.post("/logout", data=form(client))
    await as_user(client, "handlaggare")
    assert (await client.get("/riskoversikt")).status_code == 403


async def test_start_next_year_from_the_register(client, world):
    await scored(world, "Kopierad risk", 2, 3)
    await as_user(client, "handlaggare")
    response = await client.post(
        f"/namnder/{world.board}/risker/nytt-ar", data=form(client, from_year="2026")
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/namnder/{world.board}/risker?ar=2027"
    page = await client.get(response.headers["location"])
    assert "Kopierad risk" in page.text and "oförändrad" in page.text
    bad = await client.post(
        f"/namnder/{world.board}/risker/nytt-ar", data=form(client, from_year="nästa")
    )
    assert bad.status_code == 422


async def test_scale_page_for_everyone_and_the_admin_form(client, world):
    await as_user(client, "ledamot")
    page = await client.get("/riskmatris")
    assert page.status_code == 200 and "Mindre sannolik" in page.text
    assert "Ny version av riskmatrisen" not in page.text
    assert (await client.post("/riskmatris", data=form(client))).status_code == 403
    await client.post("/logout", data=form(client))

    await as_user(client, "admin")
    page = await client.get("/riskmatris?sannolikhet=5&konsekvens=3")
    assert page.status_code == 200 and "Mycket sannolik" in page.text
    fields = {
        "likelihood_count": "3",
        "impact_count": "3",
        "plan_threshold": "6",
        "note": "Treskala",
        **{f"likelihood-{n}-label": f"S{n}" for n in (1, 2, 3)},
        **{f"impact-{n}-label": f"K{n}" for n in (1, 2, 3)},
        "band-1-label": "Låg", "band-1-low": "1", "band-1-high": "2", "band-1-colour": "#2e7d32",
        "band-2-label": "Medel", "band-2-low": "3", "band-2-high": "5", "band-2-colour": "#f9c80e",
        "band-3-label": "Hög", "band-3-low": "6", "band-3-high": "9", "band-3-colour": "#c62828",
        "cell-3-3": "#000000",
    }  # fmt: skip
    bad = await client.post("/riskmatris", data=form(client, **{**fields, "band-2-high": "4"}))
    assert bad.status_code == 422 and "utan glapp" in bad.text
    assert await RiskScaleVersion.count() == 0
    saved = await client.post("/riskmatris", data=form(client, **fields))
    assert saved.status_code == 303
    shown = await client.get("/riskmatris")
    assert "S3" in shown.text and "riskvärde 6 eller högre" in shown.text
    api = (await client.get("/api/risk-scale")).json()
    assert api["cell_colours"] == {"3,3": "#000000"} and len(api["likelihood"]) == 3


async def test_import_page_imports_a_workbook_or_lists_every_bad_row(client, world):
    from internkontroll.risks import excel

    await scored(world, "Exporterad risk", 2, 3)
    workbook = await excel.export_register(world.preparer, 2026, world.board)
    await as_user(client, "handlaggare")
    url = f"/namnder/{world.board}/risker/import"
    page = await client.get(url + "?ar=2027")
    assert page.status_code == 200 and "/api/risks/template.xlsx" in page.text
    done = await client.post(
        url,
        data=form(client, year="2027"),
        files={"file": ("risker.xlsx", workbook, excel.XLSX_MEDIA_TYPE)},
    )
    assert done.status_code == 303, done.text
    register = await client.get(done.headers["location"])
    assert "Importen är klar" in register.text
    assert await RiskAssessment.count().where(RiskAssessment.year == 2027) == 1

    rejected = await client.post(
        url,
        data=form(client, year="2027"),
        files={"file": ("risker.xlsx", b"PK\x03\x04 trasig", excel.XLSX_MEDIA_TYPE)},
    )
    assert rejected.status_code == 422 and "Excel" in rejected.text
    missing = await client.post(url, data=form(client, year="2027"))
    assert missing.status_code == 422 and "välj en Excelfil" in missing.text

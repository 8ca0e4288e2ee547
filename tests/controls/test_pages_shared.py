"""The pages across boards: the deadline overview, KS's shared points, and junk input."""

from __future__ import annotations

import datetime as dt
import re

from internkontroll.controls import plans
from internkontroll.controls.decisions import DecisionInput
from internkontroll.controls.views import plan_document
from tests.controls.conftest import YEAR, complete_controls, decide_shared_points
from tests.controls.test_pages import as_user, draft, form


async def test_overview_flags_each_board_on_time_late_missing_or_pending(client, plan_world):
    plan_id = await decide_and_draft_late(plan_world)
    await as_user(client, "samordnare")
    page = (await client.get(f"/planer?ar={YEAR}")).text
    assert "ska antas senast 31 januari 2026" in page
    bun = _row(page, "Barn- och utbildningsnämnden")
    assert "Antagen för sent" in bun and "10 februari 2026" in bun
    assert f'href="/namnder/{plan_world.board}/plan?ar=2026"' in bun
    assert "Saknas – deadline passerad" in _row(page, "Socialnämnden")
    assert "Ingen plan" in _row(page, "Kommunstyrelsen")
    late = (await client.get(f"/planer/{plan_id}")).text
    assert 'class="flag flag--late"' in late and "Antagen för sent" in late
    upcoming = (await client.get("/planer?ar=2027")).text
    assert "Ej antagen än" in _row(upcoming, "Socialnämnden")

    await as_user(client, "handlaggare")
    own = (await client.get(f"/planer?ar={YEAR}")).text
    # Every board's flag is public; only boards the user reads link to their plan.
    assert "Saknas – deadline passerad" in _row(own, "Socialnämnden")
    assert f'href="/namnder/{plan_world.other_board}/plan' not in own
    assert f'href="/namnder/{plan_world.board}/plan?ar=2026"' in _row(own, "Barn- och")
    assert 'href="/planer"' in own  # the main menu's link


def _row(page: str, board_name: str) -> str:
    match = re.search(r"<tr>(?:(?!</tr>).)*" + re.escape(board_name) + r".*?</tr>", page, re.S)
    assert match, board_name
    return match.group(0)


async def decide_and_draft_late(world) -> int:

    await decide_shared_points(world)
    plan_id = await draft(world)
    await complete_controls(world, plan_id)
    await plans.send_for_decision(world.preparer, plan_id)
    await plans.adopt(world.secretary, plan_id, DecisionInput(dt.date(2026, 2, 10), "§ 9", "D 1"))
    return plan_id


SHARED_FORM = {
    "year": "2027",
    "decided_on": "2026-11-02",
    "paragraph": "§ 188",
    "registry_number": "KS 2026/77",
    "points-0-title": "Attest av leverantörsfakturor",
    "points-0-method": "sample",
    "points-0-frequency": "half_yearly",
    "points-0-report_when": "Delår och helår",
    "points-1-title": "Registrering av allmänna handlingar",
    "points-1-purpose": "Offentlighetsprincipen",
    "points-1-method": "review",
    "points-1-frequency": "half_yearly",
    "points-1-report_when": "Delår och helår",
}


async def test_shared_decision_form_for_ks_and_the_coordinator_only(client, plan_world):
    next_year = await plans.create_plan(plan_world.preparer, plan_world.board, 2027)
    await as_user(client, "handlaggare")
    page = (await client.get("/gemensamma-kontrollmoment?ar=2027")).text
    assert "KS har inte beslutat om gemensamma kontrollmoment för 2027 än" in page
    assert "Registrera KS:s beslut" not in page
    denied = await client.post("/gemensamma-kontrollmoment", data=form(client, **SHARED_FORM))
    assert denied.status_code == 403

    await as_user(client, "ks-sekreterare")
    assert (
        "Registrera KS:s beslut för 2027"
        in (await client.get("/gemensamma-kontrollmoment?ar=2027")).text
    )
    await as_user(client, "samordnare")
    page = (await client.get("/gemensamma-kontrollmoment?ar=2027")).text
    assert "Gemensamt kontrollmoment 2" in page and "Gemensamt kontrollmoment 3" not in page
    bad = await client.post(
        "/gemensamma-kontrollmoment",
        data=form(
            client,
            **{**SHARED_FORM, "points-0-title": "", "points-1-method": "", "decided_on": "x"},
        ),
    )
    assert bad.status_code == 422
    assert 'href="#f-points-0-title">Kontrollmoment 1, vad som kontrolleras</a>' in bad.text
    assert 'href="#f-points-1-method">Kontrollmoment 2, kontrollmetod</a>' in bad.text
    assert 'href="#f-decided_on">Sammanträdesdatum</a>' in bad.text
    assert re.search(r'id="f-points-0-title"[^>]*aria-invalid="true"', bad.text)
    assert 'value="Registrering av allmänna handlingar"' in bad.text  # kept

    done = await client.post("/gemensamma-kontrollmoment", data=form(client, **SHARED_FORM))
    assert done.status_code == 303
    assert done.headers["location"] == "/gemensamma-kontrollmoment?ar=2027&klart=1"
    page = (await client.get(done.headers["location"])).text
    assert "KS:s beslut är registrerat" in page and "Dnr KS 2026/77" in page
    assert "Offentlighetsprincipen" in page and "Registrera KS:s beslut" not in page
    document = await plan_document(plan_world.preparer, next_year)
    assert [c.title for c in document.controls if c.shared] == [
        "Attest av leverantörsfakturor",
        "Registrering av allmänna handlingar",
    ]
    again = await client.post("/gemensamma-kontrollmoment", data=form(client, **SHARED_FORM))
    assert again.status_code == 409


async def test_junk_in_forms_and_queries_gets_422_never_500(client, plan_world):
    plan_id = await draft(plan_world)
    await as_user(client, "handlaggare")
    url = f"/planer/{plan_id}/kontrollmoment"
    for risk_ids in (["²"], ["99999999999999999999"], ["-1"], ["abc", "1"]):
        answer = await client.post(url, data=form(client, title="Test", risk_ids=risk_ids))
        assert answer.status_code == 422, risk_ids
    for field in ("owner_id", "process_id"):
        answer = await client.post(url, data=form(client, title="Test", **{field: "9" * 30}))
        assert answer.status_code == 422 and "talet är för stort" in answer.text
    nul = await client.post(url, data=form(client, title="A\x00B"))
    assert nul.status_code == 422 and "otillåtet tecken" in nul.text
    for query in ("ar=1999", "ar=99999999999", "ar=x"):
        assert (await client.get(f"/planer?{query}")).status_code == 422, query
        assert (await client.get(f"/gemensamma-kontrollmoment?{query}")).status_code == 422
    early = await client.post(f"/namnder/{plan_world.board}/plan", data=form(client, ar="1999"))
    assert early.status_code == 422
    await as_user(client, "samordnare")
    for year in ("1999", "tjugo", ""):
        answer = await client.post(
            "/gemensamma-kontrollmoment", data=form(client, **{**SHARED_FORM, "year": year})
        )
        assert answer.status_code == 422, year

"""The plan pages: a board's plan, its controls, decisions, the overview and KS's points."""

from __future__ import annotations

import re
from typing import Any

import httpx

from internkontroll.controls import plans
from internkontroll.controls.tables import ControlPlan, PlanControl, PlanControlRisk
from tests.conftest import csrf_token, login
from tests.controls.conftest import ADOPTION, YEAR, complete_controls, decide_shared_points


async def as_user(client: httpx.AsyncClient, username: str) -> None:
    await client.post("/logout", data={"_csrf_token": csrf_token(client)})
    response = await login(client, username)
    assert response.status_code == 303, response.text


def form(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    return {"_csrf_token": csrf_token(client), **fields}


async def draft(world) -> int:
    """BUN's plan for YEAR as its preparer would create it."""
    return await plans.create_plan(world.preparer, world.board, YEAR)


async def adopted(world) -> int:
    await decide_shared_points(world)
    plan_id = await draft(world)
    await complete_controls(world, plan_id)
    await plans.send_for_decision(world.preparer, plan_id)
    await plans.adopt(world.secretary, plan_id, ADOPTION)
    return plan_id


async def controls_of(plan_id: int) -> list[dict[str, Any]]:
    return await (
        PlanControl.select(
            PlanControl.all_columns(), PlanControl.control.shared_point.as_alias("shared_point")
        )
        .where(PlanControl.plan == plan_id)
        .order_by(PlanControl.position)
    )


async def test_no_plan_yet_then_a_draft_in_one_step(client, plan_world):
    await decide_shared_points(plan_world)
    await as_user(client, "handlaggare")
    url = f"/namnder/{plan_world.board}/plan?ar={YEAR}"
    empty = await client.get(url)
    assert empty.status_code == 200
    assert "Nämnden har ingen plan för 2026 än" in empty.text
    assert "Saknas – deadline passerad" in empty.text  # 31 January 2026 has passed
    assert "3 med hanteringen kontrollmoment" in empty.text
    assert "Skapa utkast för 2026" in empty.text

    created = await client.post(
        f"/namnder/{plan_world.board}/plan", data=form(client, ar=str(YEAR))
    )
    assert created.status_code == 303
    plan_id = (await ControlPlan.select(ControlPlan.id).first())["id"]
    assert created.headers["location"] == f"/planer/{plan_id}?klart=skapad"
    shown = await client.get(created.headers["location"])
    assert "Utkastet är skapat" in shown.text
    page = (await client.get(url)).text
    assert page.count('class="tag tag--shared">Gemensamt (KS)') == 2
    assert "Attest av leverantörsfakturor" in page and "Skolskjuts utan avtal" in page
    assert '16<span class="chip__band"> Hög' in page  # value with its band in words
    assert "Detta saknas innan planen kan skickas för beslut" in page
    assert "saknar metod, frekvens, när det rapporteras, kontrollansvarig" in page
    assert page.count(">Ta bort ur planen<") == 3  # never on KS's two points
    for action in ("Lägg till kontrollmoment", "Skicka för beslut"):
        assert action in page
    assert f'href="/api/plans/{plan_id}/plan.pdf"' in page and "Skriv ut (PDF)" in page
    assert f'href="/api/plans/{plan_id}/plan.xlsx"' in page
    assert "Registrera beslut" not in page and "Ny version" not in page
    again = await client.post(f"/namnder/{plan_world.board}/plan", data=form(client, ar="2026"))
    assert again.status_code == 409 and "har redan en plan för 2026" in again.text
    bad = await client.get(f"/namnder/{plan_world.board}/plan?ar=tjugo")
    assert bad.status_code == 422


async def test_readers_see_no_buttons_and_outsiders_nothing(client, plan_world):
    plan_id = await draft(plan_world)
    await as_user(client, "ledamot")
    page = await client.get(f"/planer/{plan_id}")
    assert page.status_code == 200 and "Skolskjuts utan avtal" in page.text
    for action in ("Lägg till kontrollmoment", "Skicka för beslut", "Ta bort ur planen", "Ändra"):
        assert action not in page.text
    empty = await client.get(f"/namnder/{plan_world.board}/plan?ar=2030")
    assert "Skapa utkast" not in empty.text
    assert (await client.get(f"/planer/{plan_id}/kontrollmoment/ny")).status_code == 403
    await as_user(client, "annan")
    for url in (
        f"/planer/{plan_id}",
        f"/namnder/{plan_world.board}/plan?ar={YEAR}",
        f"/planer/{plan_id}/kontrollmoment/ny",
        "/kontrollmoment/1/andra",
    ):
        denied = await client.get(url)
        assert denied.status_code == 403, url
        assert "Barn- och utbildningsnämnden" not in denied.text
    removal = await client.post("/kontrollmoment/1/ta-bort", data=form(client))
    assert removal.status_code == 403
    for url in ("/planer/999", "/kontrollmoment/999/andra", "/namnder/999/plan", "/planer/0"):
        assert (await client.get(url)).status_code == 404, url
    assert (await client.post("/kontrollmoment/999", data=form(client))).status_code == 404


async def test_add_edit_and_remove_a_control(client, plan_world):
    plan_id = await draft(plan_world)
    await as_user(client, "handlaggare")
    page = await client.get(f"/planer/{plan_id}/kontrollmoment/ny")
    assert page.status_code == 200
    assert f'<option value="{plan_world.owner_id}"' in page.text  # the board's control owner
    assert f'name="risk_ids" value="{plan_world.risks["bevaka"]}"' in page.text
    assert '2<span class="chip__band"> Låg' in page.text

    url = f"/planer/{plan_id}/kontrollmoment"
    bad = await client.post(
        url,
        data=form(
            client,
            title="  ",
            method="gissning",
            scope="Tio ärenden per kvartal",
            owner_id=str(plan_world.other_owner_id),
            risk_ids=[str(plan_world.risks["lag"])],
        ),
    )
    assert bad.status_code == 422
    assert "beskriv vad som kontrolleras" in bad.text
    assert "välj en av metoderna i listan" in bad.text
    assert "välj en användare som är kontrollansvarig i nämnden" in bad.text
    assert 'href="#f-title"' in bad.text and 'id="f-title"' in bad.text
    assert 'aria-invalid="true"' in bad.text
    assert "Tio ärenden per kvartal" in bad.text  # what was typed stays
    assert re.search(rf'value="{plan_world.risks["lag"]}"\s+checked', bad.text)
    not_a_number = await client.post(url, data=form(client, title="X", owner_id="Anna"))
    assert not_a_number.status_code == 422 and "ska vara ett heltal" in not_a_number.text
    assert len(await controls_of(plan_id)) == 3

    added = await client.post(
        url,
        data=form(
            client,
            title="Delegationsbeslut anmäls i tid",
            purpose="Att nämnden får kännedom om beslut",
            process_id=str(plan_world.process),
            method="register_analysis",
            scope="Samtliga beslut under perioden",
            frequency="four_monthly",
            report_when="Delår och helår",
            owner_id=str(plan_world.owner_id),
            reported_to="Nämnden",
            risk_ids=[str(plan_world.risks["lag"]), str(plan_world.risks["bevaka"])],
        ),
    )
    assert added.status_code == 303
    control = (await controls_of(plan_id))[-1]
    assert added.headers["location"] == (
        f"/planer/{plan_id}?klart=tillagt#kontrollmoment-{control['id']}"
    )
    links = await PlanControlRisk.count().where(PlanControlRisk.plan_control == control["id"])
    assert links == 2
    page = (await client.get(added.headers["location"])).text
    assert "Kontrollmomentet är tillagt" in page and "Registeranalys" in page
    assert "Tertialvis" in page and "Kontrollant" in page

    edit = await client.get(f"/kontrollmoment/{control['id']}/andra")
    assert edit.status_code == 200 and "Delegationsbeslut anmäls i tid" in edit.text
    saved = await client.post(
        f"/kontrollmoment/{control['id']}",
        data=form(client, title="Delegationsbeslut anmäls inom en månad", method="sample"),
    )
    assert saved.status_code == 303 and "klart=sparat" in saved.headers["location"]
    row = (await controls_of(plan_id))[-1]
    assert (row["title"], row["method"], row["owner"]) == (
        "Delegationsbeslut anmäls inom en månad",
        "sample",
        None,
    )
    removed = await client.post(f"/kontrollmoment/{control['id']}/ta-bort", data=form(client))
    assert removed.status_code == 303
    assert removed.headers["location"] == f"/planer/{plan_id}?klart=borttaget"
    assert len(await controls_of(plan_id)) == 3


async def test_a_shared_point_keeps_ks_wording_and_cannot_be_removed(client, plan_world):
    await decide_shared_points(plan_world)
    plan_id = await draft(plan_world)
    shared = (await controls_of(plan_id))[0]
    assert shared["shared_point"]
    await as_user(client, "handlaggare")
    page = await client.get(f"/kontrollmoment/{shared['id']}/andra")
    assert page.status_code == 200
    assert "Gemensamt kontrollmoment beslutat av KS" in page.text
    assert 'id="f-title" name="title"' not in page.text  # KS's text is not an input here
    assert 'type="hidden" name="title" value="Attest av leverantörsfakturor"' in page.text
    changed = await client.post(
        f"/kontrollmoment/{shared['id']}",
        data=form(
            client,
            title="Vår egen rubrik",
            purpose="Att attestordningen följs",
            method="sample",
            frequency="half_yearly",
            report_when="Delår och helår",
        ),
    )
    assert changed.status_code == 422 and "bestäms av KS" in changed.text
    kept = await client.post(
        f"/kontrollmoment/{shared['id']}",
        data=form(
            client,
            title="Attest av leverantörsfakturor",
            purpose="Att attestordningen följs",
            method="sample",
            frequency="half_yearly",
            report_when="Delår och helår",
            scope="20 fakturor per halvår",
            owner_id=str(plan_world.owner_id),
            reported_to="Kommunstyrelsen",
        ),
    )
    assert kept.status_code == 303
    row = (await controls_of(plan_id))[0]
    assert (row["scope"], row["owner"]) == ("20 fakturor per halvår", plan_world.owner_id)
    refused = await client.post(f"/kontrollmoment/{shared['id']}/ta-bort", data=form(client))
    assert refused.status_code == 409 and "kan inte tas bort" in refused.text


async def test_sending_for_decision_lists_what_is_missing(client, plan_world):
    await decide_shared_points(plan_world)
    plan_id = await draft(plan_world)
    await as_user(client, "handlaggare")
    refused = await client.post(f"/planer/{plan_id}/for-beslut", data=form(client))
    assert refused.status_code == 409
    assert "Planen kan inte skickas för beslut än" in refused.text
    assert "Kontrollmomentet ”Skolskjuts utan avtal” saknar metod" in refused.text
    control = (await controls_of(plan_id))[2]
    assert f'href="/kontrollmoment/{control["id"]}/andra"' in refused.text
    # The risk the plan drops: its high risk then has neither a control nor a motivation.
    await client.post(f"/kontrollmoment/{control['id']}/ta-bort", data=form(client))
    page = (await client.get(f"/planer/{plan_id}")).text
    assert "Den höga risken ”Skolskjuts utan avtal” (riskvärde 16)" in page
    assert f'href="/risker/{plan_world.risks["avtal"]}/bedomning?ar=2026"' in page
    assert (await ControlPlan.select(ControlPlan.status).first())["status"] == "draft"


async def test_draft_to_adopted_through_the_pages(client, plan_world):
    await decide_shared_points(plan_world)
    plan_id = await draft(plan_world)
    await complete_controls(plan_world, plan_id)
    await as_user(client, "handlaggare")
    assert "Planen är komplett" in (await client.get(f"/planer/{plan_id}")).text
    sent = await client.post(f"/planer/{plan_id}/for-beslut", data=form(client))
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/planer/{plan_id}?klart=for-beslut"
    page = (await client.get(sent.headers["location"])).text
    assert "Planen är markerad för beslut" in page and "Ta tillbaka till utkast" in page
    assert "Registrera beslut" not in page and "Lägg till kontrollmoment" not in page
    assert (await client.get(f"/planer/{plan_id}/beslut")).status_code == 403

    await as_user(client, "sekreterare")
    page = (await client.get(f"/planer/{plan_id}")).text
    assert "Registrera beslut" in page and "Ta tillbaka till utkast" in page
    back = await client.post(f"/planer/{plan_id}/utkast", data=form(client))
    assert back.status_code == 303 and "klart=utkast" in back.headers["location"]
    again = await client.post(f"/planer/{plan_id}/utkast", data=form(client))
    assert again.status_code == 409
    resent = await client.post(f"/planer/{plan_id}/for-beslut", data=form(client))
    assert resent.status_code == 303  # a secretary may send it too

    decision = await client.get(f"/planer/{plan_id}/beslut")
    assert decision.status_code == 200 and 'type="date"' in decision.text
    url = f"/planer/{plan_id}/beslut"
    empty = await client.post(url, data=form(client, registry_number="BUN 2025/301"))
    assert empty.status_code == 422
    assert "ange datumet" in empty.text and "ange paragraf (§)" in empty.text
    assert 'value="BUN 2025/301"' in empty.text
    typo = await client.post(url, data=form(client, decided_on="20 jan", paragraph="7"))
    assert typo.status_code == 422 and "ÅÅÅÅ-MM-DD" in typo.text
    future = await client.post(
        url, data=form(client, decided_on="2099-01-01", paragraph="7", registry_number="X")
    )
    assert future.status_code == 422 and "kan inte ligga i framtiden" in future.text
    done = await client.post(
        url, data=form(client, decided_on="2026-01-20", paragraph="7", registry_number="BUN 1")
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"/planer/{plan_id}?klart=antagen"
    page = (await client.get(done.headers["location"])).text
    assert "Antagen av nämnden 20 januari 2026, § 7, Dnr BUN 1" in page
    assert "Antagen i tid" in page and "Registrera beslut" not in page
    assert (await client.get(url)).status_code == 409


async def test_an_adopted_plan_is_frozen_and_revised_in_a_new_version(client, plan_world):
    plan_id = await adopted(plan_world)
    control = (await controls_of(plan_id))[2]
    await as_user(client, "handlaggare")
    page = (await client.get(f"/planer/{plan_id}")).text
    assert "Planen är antagen och låst" in page and "Ny version" in page
    for action in ("Lägg till kontrollmoment", "Skicka för beslut", ">Ändra<", "Ta bort ur planen"):
        assert action not in page
    writes = (
        ("GET", f"/planer/{plan_id}/kontrollmoment/ny"),
        ("POST", f"/planer/{plan_id}/kontrollmoment"),
        ("GET", f"/kontrollmoment/{control['id']}/andra"),
        ("POST", f"/kontrollmoment/{control['id']}"),
        ("POST", f"/kontrollmoment/{control['id']}/ta-bort"),
        ("POST", f"/planer/{plan_id}/gemensamma"),
        ("POST", f"/planer/{plan_id}/for-beslut"),
    )
    for method, url in writes:
        answer = await client.request(
            method, url, data=form(client, title="Ny") if method == "POST" else None
        )
        assert answer.status_code == 409, (method, url)

    revised = await client.post(f"/planer/{plan_id}/ny-version", data=form(client))
    assert revised.status_code == 303
    new_id = (await ControlPlan.select(ControlPlan.id).order_by(ControlPlan.id).run())[-1]["id"]
    assert revised.headers["location"] == f"/planer/{new_id}?klart=ny-version"
    page = (await client.get(f"/namnder/{plan_world.board}/plan?ar={YEAR}")).text
    assert "Version 2: " in page and "Version 2 (visas)" in page
    assert f'href="/planer/{plan_id}">Version 1</a>' in page
    assert "20 januari 2026, § 7, Dnr BUN 2025/301" in page  # version 1's decision is listed
    old = (await client.get(f"/planer/{plan_id}")).text
    assert "Du ser version 1" in old and "Ny version" not in old
    second = await client.post(f"/planer/{plan_id}/ny-version", data=form(client))
    assert second.status_code == 409 and "redan en ny version under arbete" in second.text


async def test_missing_shared_points_can_be_fetched_into_a_draft(client, plan_world):
    plan_id = await draft(plan_world)
    await complete_controls(plan_world, plan_id)
    await plans.send_for_decision(plan_world.preparer, plan_id)
    await decide_shared_points(plan_world)  # KS decides while the plan awaits the nämnd
    await as_user(client, "handlaggare")
    await client.post(f"/planer/{plan_id}/utkast", data=form(client))
    page = (await client.get(f"/planer/{plan_id}")).text
    assert "KS:s gemensamma kontrollmoment saknas: Attest av leverantörsfakturor" in page
    assert "Hämta KS:s gemensamma kontrollmoment" in page
    fetched = await client.post(f"/planer/{plan_id}/gemensamma", data=form(client))
    assert fetched.status_code == 303 and "klart=gemensamma" in fetched.headers["location"]
    page = (await client.get(fetched.headers["location"])).text
    assert page.count("Gemensamt (KS)") == 2 and "Hämta KS:s" not in page
    again = await client.post(f"/planer/{plan_id}/gemensamma", data=form(client))
    assert "klart=gemensamma-fanns" in again.headers["location"]

"""The follow-up's pages and JSON API: who sees which form, who may write, decide and send."""

from __future__ import annotations

import httpx

from internkontroll.reports.tables import FollowUp
from tests.conftest import csrf_token
from tests.controls import conftest as plan_fixtures
from tests.controls.conftest import YEAR
from tests.controls.test_pages import as_user, form
from tests.reports.test_followup_figures import build_tested_world

plan_world = plan_fixtures.plan_world  # the plan tests' world, shared with these

DECISION = {"decided_on": "2026-09-15", "paragraph": "80", "registry_number": "BUN 2026/90"}
SAVE_BUTTON = "Spara bedömningen"
DECISION_FORM = "Registrera nämndens beslut"
SEND_BUTTON = "Skicka till KS"


def api(world, period: str = "delar") -> str:
    return f"/api/boards/{world.board}/follow-ups/{YEAR}/{period}"


def page_url(world, period: str = "delar") -> str:
    return f"/namnder/{world.board}/uppfoljning/{YEAR}/{period}"


def headers(client: httpx.AsyncClient) -> dict[str, str]:
    return {"x-csrftoken": csrf_token(client)}


async def test_the_chain_through_the_pages(client, plan_world):
    await build_tested_world(plan_world)
    url = page_url(plan_world)
    await as_user(client, "ledamot")
    listing = await client.get(f"/namnder/{plan_world.board}/uppfoljning?ar={YEAR}")
    assert listing.status_code == 200
    assert "Delår per 31 augusti 2026" in listing.text and "Helår 2026" in listing.text
    assert "Ej påbörjad" in listing.text and 'aria-current="page">Uppföljning' in listing.text
    viewer = await client.get(url)
    assert viewer.status_code == 200
    assert SAVE_BUTTON not in viewer.text and DECISION_FORM not in viewer.text

    await as_user(client, "handlaggare")
    preparer = await client.get(url)
    assert SAVE_BUTTON in preparer.text and DECISION_FORM not in preparer.text
    bad = await client.post(url, data=form(client, judgement="lila", summary="Text"))
    assert bad.status_code == 422
    assert "välj en bedömning" in bad.text and "Text</textarea>" in bad.text
    saved = await client.post(url, data=form(client, judgement="yellow", summary="Brister."))
    assert saved.status_code == 303 and saved.headers["location"] == f"{url}?klart=sparad"
    page = await client.get(saved.headers["location"])
    assert "Bedömningen är sparad" in page.text and "Brister.</textarea>" in page.text

    await as_user(client, "sekreterare")
    secretary = await client.get(url)
    assert SAVE_BUTTON not in secretary.text and DECISION_FORM in secretary.text
    assert SEND_BUTTON not in secretary.text
    early = await client.post(
        f"{url}/beslut", data=form(client, **{**DECISION, "decided_on": "2026-08-01"})
    )
    assert early.status_code == 422 and "beslutsdatumet kan inte vara före 2026-08-31" in early.text
    decided = await client.post(f"{url}/beslut", data=form(client, **DECISION))
    assert decided.status_code == 303, decided.text
    page = await client.get(decided.headers["location"])
    assert "Godkänd av nämnden 2026-09-15 § 80, Dnr BUN 2026/90" in page.text
    assert SEND_BUTTON in page.text and DECISION_FORM not in page.text
    sent = await client.post(f"{url}/skicka", data=form(client))
    assert sent.status_code == 303
    page = await client.get(sent.headers["location"])
    assert "Uppföljningen är skickad till KS" in page.text and SEND_BUTTON not in page.text

    await as_user(client, "handlaggare")
    frozen = await client.post(url, data=form(client, judgement="green", summary="Ändrad"))
    assert frozen.status_code == 409
    assert (await FollowUp.select(FollowUp.summary).first())["summary"] == "Brister."


async def test_approving_an_unwritten_follow_up_says_what_is_missing(client, plan_world):
    await build_tested_world(plan_world)
    await as_user(client, "sekreterare")
    refused = await client.post(f"{page_url(plan_world)}/beslut", data=form(client, **DECISION))
    assert refused.status_code == 409
    assert "Uppföljningen kan inte godkännas än" in refused.text


async def test_the_chain_through_the_api(client, plan_world):
    await build_tested_world(plan_world)
    base = api(plan_world)
    await as_user(client, "ledamot")
    got = await client.get(base)
    assert got.status_code == 200
    body = got.json()
    assert (body["status"], body["period_label"]) == ("not_started", "Delår per 31 augusti 2026")
    assert body["figures"]["controls"][0]["shared"] is True
    denied = await client.put(base, json={"judgement": "green"}, headers=headers(client))
    assert denied.status_code == 403

    await as_user(client, "sekreterare")
    assert (
        await client.put(base, json={"judgement": "green"}, headers=headers(client))
    ).status_code == 403
    early = await client.post(f"{base}/send", headers=headers(client))
    assert early.status_code == 409
    assert "först när nämndens beslut" in early.json()["detail"]

    await as_user(client, "handlaggare")
    bad = await client.put(base, json={"judgement": "blue"}, headers=headers(client))
    assert bad.status_code == 422 and "judgement" in bad.text
    saved = await client.put(
        base, json={"judgement": "red", "summary": "Allvarliga brister."}, headers=headers(client)
    )
    assert saved.status_code == 200 and saved.json()["status"] == "draft"
    assert (
        await client.post(f"{base}/decision", json=DECISION, headers=headers(client))
    ).status_code == 403

    await as_user(client, "sekreterare")
    early = await client.post(
        f"{base}/decision", json={**DECISION, "decided_on": "2026-08-30"}, headers=headers(client)
    )
    assert early.status_code == 422 and "decided_on" in early.text
    decided = await client.post(f"{base}/decision", json=DECISION, headers=headers(client))
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    assert decided.json()["frozen"] is True and decided.json()["paragraph"] == "§ 80"
    again = await client.post(f"{base}/decision", json=DECISION, headers=headers(client))
    assert again.status_code == 409
    sent = await client.post(f"{base}/send", headers=headers(client))
    assert sent.status_code == 200 and sent.json()["status"] == "sent"
    assert (await client.post(f"{base}/send", headers=headers(client))).status_code == 409


async def test_other_boards_and_bad_paths_are_refused(client, plan_world):
    await build_tested_world(plan_world)
    await as_user(client, "annan")  # SN's preparer
    assert (await client.get(api(plan_world))).status_code == 403
    assert (await client.get(f"{api(plan_world)}/follow-up.pdf")).status_code == 403
    assert (await client.get(page_url(plan_world))).status_code == 403
    await as_user(client, "ledamot")
    unknown = await client.get(api(plan_world, "tertial"))
    assert unknown.status_code == 422 and "period" in unknown.text
    assert (await client.get(f"/api/boards/999999/follow-ups/{YEAR}/delar")).status_code == 404
    assert (await client.get(page_url(plan_world, "tertial"))).status_code == 422
    client.cookies.clear()
    assert (await client.get(api(plan_world))).status_code == 401


async def test_openapi_documents_the_api_in_swedish(client):
    schema = (await client.get("/schema/openapi.json")).json()
    path = schema["paths"]["/api/boards/{board_id}/follow-ups/{year}/{period}"]
    assert path["get"]["summary"] == "Nämndens uppföljning vid ett rapporteringstillfälle"
    assert path["put"]["tags"] == ["Uppföljning"]
    decision = schema["paths"]["/api/boards/{board_id}/follow-ups/{year}/{period}/decision"]
    assert decision["post"]["summary"] == "Registrera nämndens beslut om uppföljningen"

"""The plan API's doors: who may do what, what each role sees, and junk input."""

from __future__ import annotations

from internkontroll.controls import plans
from internkontroll.controls.tables import ControlPlan
from internkontroll.controls.views import plan_document
from tests.conftest import make_user
from tests.controls.conftest import YEAR
from tests.controls.test_api import ADOPT_BODY, as_user, fields
from tests.controls.test_plans import adopted_plan, ready_draft, snapshot

HUGE = 3_000_000_000


async def test_the_deadline_overview_shows_every_board_to_everyone_signed_in(client, plan_world):
    w = plan_world
    await adopted_plan(w)
    assert (await client.get("/api/plan-status")).status_code == 401
    await make_user("utan-roll")
    for username in ("ledamot", "annan", "utan-roll", "revisor", "samordnare", "admin"):
        await as_user(client, username)
        response = await client.get(f"/api/plan-status?year={YEAR}")
        assert response.status_code == 200
        rows = {b["short_name"]: b for b in response.json()["boards"]}
        assert list(rows) == ["KS", "BUN", "SN"], username
        assert rows["BUN"]["timeliness"] == "on_time"
        assert (rows["SN"]["timeliness"], rows["SN"]["status_label"]) == (
            "missing",
            "Ingen plan",
        )


async def test_who_may_do_what_over_http(client, plan_world):
    w = plan_world
    plan_id = await ready_draft(w)
    control = (await plan_document(w.admin, plan_id)).controls[3]
    before = await snapshot(w.board)
    for username in ("ledamot", "revisor", "annan", "kontrollant", "ks-ledamot", "samordnare"):
        headers = await as_user(client, username)
        for attempt in (
            client.post(f"/api/boards/{w.board}/plans", json={"year": 2027}, headers=headers),
            client.post(f"/api/plans/{plan_id}/controls", json={"title": "x"}, headers=headers),
            client.put(f"/api/plan-controls/{control.id}", json={"scope": "x"}, headers=headers),
            client.delete(f"/api/plan-controls/{control.id}", headers=headers),
            client.post(f"/api/plans/{plan_id}/send-for-decision", headers=headers),
            client.post(f"/api/plans/{plan_id}/return-to-draft", headers=headers),
            client.post(f"/api/plans/{plan_id}/adopt", json=ADOPT_BODY, headers=headers),
            client.post(f"/api/plans/{plan_id}/new-version", headers=headers),
            client.post(f"/api/plans/{plan_id}/add-shared-points", headers=headers),
        ):
            response = await attempt
            assert response.status_code == 403, (username, response.request.url)
            assert response.json()["detail"] == "Du har inte behörighet till detta."
        reads = (
            f"/api/plans/{plan_id}",
            f"/api/plans/{plan_id}/readiness",
            f"/api/boards/{w.board}/plans",
            f"/api/control-owners/{w.board}",
        )
        for path in reads:
            response = await client.get(path)
            assert response.status_code == (403 if username == "annan" else 200), (username, path)
            assert "Barn- och utbildningsnämnden" not in response.text or username != "annan"
    assert await snapshot(w.board) == before

    headers = await as_user(client, "admin")
    created = await client.post(
        f"/api/boards/{w.other_board}/plans", json={"year": YEAR}, headers=headers
    )
    assert created.status_code == 201
    assert (
        await client.post(f"/api/plans/{plan_id}/send-for-decision", headers=headers)
    ).is_success
    adopted = await client.post(f"/api/plans/{plan_id}/adopt", json=ADOPT_BODY, headers=headers)
    assert adopted.status_code == 200 and adopted.json()["adopted_by_name"] == "Admin"


async def test_junk_input_gets_4xx_never_500(client, plan_world):
    w = plan_world
    plan_id = await ready_draft(w)
    control = (await plan_document(w.admin, plan_id)).controls[3]
    await plans.send_for_decision(w.preparer, plan_id)
    await plans.return_to_draft(w.preparer, plan_id)
    before = await snapshot(w.board)
    headers = await as_user(client, "admin")
    for path in (
        f"/api/plans/{HUGE}",
        f"/api/plans/{HUGE}/readiness",
        f"/api/boards/{HUGE}/plans",
        f"/api/control-owners/{HUGE}",
        "/api/plans/-1",
        "/api/plans/999999",
    ):
        assert (await client.get(path)).status_code == 404, path
    for method, path in (
        ("POST", f"/api/plans/{HUGE}/send-for-decision"),
        ("POST", f"/api/plans/{HUGE}/return-to-draft"),
        ("POST", f"/api/plans/{HUGE}/new-version"),
        ("POST", f"/api/plans/{HUGE}/add-shared-points"),
        ("DELETE", f"/api/plan-controls/{HUGE}"),
        ("DELETE", "/api/plan-controls/0"),
    ):
        response = await client.request(method, path, headers=headers)
        assert response.status_code == 404, path
    for path, body in (
        (f"/api/plans/{HUGE}/controls", {"title": "x"}),
        (f"/api/plans/{HUGE}/adopt", ADOPT_BODY),
        (f"/api/boards/{HUGE}/plans", {"year": YEAR}),
    ):
        assert (await client.post(path, json=body, headers=headers)).status_code == 404, path
    assert (
        await client.put(f"/api/plan-controls/{HUGE}", json={}, headers=headers)
    ).status_code == 404
    for query in ("year=99999999999", "year=1800", "year=abc", "year=-5"):
        for path in ("/api/plan-status", "/api/shared-controls", f"/api/boards/{w.board}/plans"):
            response = await client.get(f"{path}?{query}")
            assert response.status_code == 422 and fields(response) == ["year"], (path, query)

    plans_url = f"/api/boards/{w.board}/plans"
    for body, field in (
        ({"year": 10**20}, "year"),
        ({"year": 2101}, "year"),
        ({"year": "tjugo"}, "year"),
        ({}, "year"),
    ):
        response = await client.post(plans_url, json=body, headers=headers)
        assert response.status_code == 422 and field in fields(response), body
    controls_url = f"/api/plans/{plan_id}/controls"
    for body, field in (
        ({"title": "a\x00b"}, "title"),
        ({"title": 5}, "title"),
        ({}, "title"),
        ({"title": "x", "owner_id": HUGE}, "owner_id"),
        ({"title": "x", "owner_id": "1"}, "owner_id"),
        ({"title": "x", "process_id": 0}, "process_id"),
        ({"title": "x", "risk_ids": [HUGE]}, "risk_ids[0]"),
        ({"title": "x", "risk_ids": "1"}, "risk_ids"),
        ({"title": "x", "method": "gissning"}, "method"),
        ({"title": "x", "purpose": "p" * 4001}, "purpose"),
    ):
        response = await client.post(controls_url, json=body, headers=headers)
        assert response.status_code == 422 and field in fields(response), (body, response.text)
        if body:  # an empty PUT changes nothing and is fine
            put = await client.put(f"/api/plan-controls/{control.id}", json=body, headers=headers)
            assert put.status_code == 422, (body, put.text)
    not_json = await client.post(
        controls_url, content=b"{not json", headers={**headers, "content-type": "application/json"}
    )
    assert not_json.status_code in (400, 422)
    await plans.send_for_decision(w.preparer, plan_id)
    adopt_url = f"/api/plans/{plan_id}/adopt"
    for body, field in (
        ({**ADOPT_BODY, "decided_on": "2026-02-30"}, "decided_on"),
        ({**ADOPT_BODY, "decided_on": "99999-01-01"}, "decided_on"),
        ({**ADOPT_BODY, "decided_on": 20260120}, "decided_on"),
        ({**ADOPT_BODY, "decided_on": "2099-01-20"}, "decided_on"),
        ({**ADOPT_BODY, "decided_on": "0001-01-01"}, "decided_on"),
        ({**ADOPT_BODY, "paragraph": "\x00"}, "paragraph"),
        ({**ADOPT_BODY, "registry_number": " "}, "registry_number"),
        ({**ADOPT_BODY, "registry_number": "x" * 51}, "registry_number"),
        ({"paragraph": "7", "registry_number": "x"}, "decided_on"),
    ):
        response = await client.post(adopt_url, json=body, headers=headers)
        assert response.status_code == 422 and field in fields(response), (body, response.text)
    await plans.return_to_draft(w.preparer, plan_id)
    assert await snapshot(w.board) == before
    assert await ControlPlan.count() == 1

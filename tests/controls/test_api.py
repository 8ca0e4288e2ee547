"""The plan API over HTTP: the yearly cycle, the freeze, controls and KS's shared points."""

from __future__ import annotations

import httpx

from internkontroll.controls import plans
from internkontroll.controls.tables import SharedControlDecision
from internkontroll.controls.views import plan_document
from tests.conftest import csrf_token, login
from tests.controls.conftest import YEAR, complete_controls, decide_shared_points
from tests.controls.test_plans import adopted_plan, snapshot

ADOPT_BODY = {"decided_on": "2026-01-20", "paragraph": "7", "registry_number": "BUN 2025/301"}
POINTS = [
    {
        "title": "Attest av leverantörsfakturor",
        "method": "sample",
        "report_when": "Delår och helår",
    },
    {"title": "Registrering av allmänna handlingar", "method": "review", "report_when": "Helår"},
]
KS_BODY = {
    "year": YEAR,
    "decided_on": "2025-11-20",
    "paragraph": "§ 201",
    "registry_number": "KS 2025/412",
    "points": POINTS,
}


async def as_user(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    """Sign in as someone else and return the CSRF header API writes need."""
    client.cookies.clear()
    response = await login(client, username)
    assert response.status_code == 303, response.text
    return {"x-csrftoken": csrf_token(client)}


def fields(response: httpx.Response) -> list[str]:
    """The fields a 422 answer names."""
    return [e["field"] for e in response.json().get("errors", [])]


async def test_the_yearly_cycle_over_http(client, plan_world):
    w = plan_world
    headers = await as_user(client, "samordnare")
    decided = await client.post("/api/shared-controls", json=KS_BODY, headers=headers)
    assert decided.status_code == 201, decided.text
    assert [p["method_label"] for p in decided.json()["points"]] == ["Stickprov", "Genomgång"]

    headers = await as_user(client, "handlaggare")
    created = await client.post(
        f"/api/boards/{w.board}/plans", json={"year": YEAR}, headers=headers
    )
    assert created.status_code == 201, created.text
    plan = created.json()
    plan_id = plan["id"]
    assert (plan["status"], plan["status_label"], plan["editable"]) == ("draft", "Utkast", True)
    assert [(c["title"], c["shared"]) for c in plan["controls"]] == [
        ("Attest av leverantörsfakturor", True),
        ("Registrering av allmänna handlingar", True),
        ("Skolskjuts utan avtal", False),
        ("Felaktig elevpeng", False),
        ("Sen delegationsanmälan", False),
    ]
    risk = plan["controls"][2]["risks"][0]
    assert (risk["value"], risk["colour"], risk["band"], risk["high"]) == (
        16,
        "#c62828",
        "Hög",
        True,
    )
    again = await client.post(f"/api/boards/{w.board}/plans", json={"year": YEAR}, headers=headers)
    assert again.status_code == 409
    assert again.json()["detail"] == "BUN har redan en plan för 2026."

    readiness = (await client.get(f"/api/plans/{plan_id}/readiness")).json()
    assert readiness["ready"] is False and len(readiness["problems"]) == 5
    refused = await client.post(f"/api/plans/{plan_id}/send-for-decision", headers=headers)
    assert refused.status_code == 409
    assert len(refused.json()["errors"]) == 5
    assert "kontrollansvarig" in refused.json()["detail"]

    owners = (await client.get(f"/api/control-owners/{w.board}")).json()
    assert owners == [{"id": w.owner_id, "username": "kontrollant", "name": "Kontrollant"}]
    for control in plan["controls"]:
        body = {"owner_id": w.owner_id}  # left-out fields keep their value
        if not control["shared"]:
            body.update(method="sample", frequency="quarterly", report_when="Delår och helår")
        put = await client.put(f"/api/plan-controls/{control['id']}", json=body, headers=headers)
        assert put.status_code == 200, put.text
        assert put.json()["owner_name"] == "Kontrollant"
        assert put.json()["title"] == control["title"]
    assert (await client.get(f"/api/plans/{plan_id}/readiness")).json() == {
        "ready": True,
        "problems": [],
    }
    sent = await client.post(f"/api/plans/{plan_id}/send-for-decision", headers=headers)
    assert sent.status_code == 200 and sent.json()["status_label"] == "För beslut"
    assert (await client.get(f"/api/plans/{plan_id}/readiness")).json() == {
        "ready": False,
        "problems": [
            {"field": "status", "message": "planen är inte ett utkast (status: För beslut)"}
        ],
    }
    denied = await client.post(f"/api/plans/{plan_id}/adopt", json=ADOPT_BODY, headers=headers)
    assert denied.status_code == 403

    headers = await as_user(client, "sekreterare")
    control_id = plan["controls"][3]["id"]
    edit = await client.put(
        f"/api/plan-controls/{control_id}", json={"scope": "alla"}, headers=headers
    )
    assert edit.status_code == 403
    back = await client.post(f"/api/plans/{plan_id}/return-to-draft", headers=headers)
    assert back.status_code == 200 and back.json()["status"] == "draft"
    assert (
        await client.post(f"/api/plans/{plan_id}/send-for-decision", headers=headers)
    ).is_success
    adopted = await client.post(f"/api/plans/{plan_id}/adopt", json=ADOPT_BODY, headers=headers)
    assert adopted.status_code == 200, adopted.text
    body = adopted.json()
    assert (body["status"], body["status_label"], body["frozen"], body["editable"]) == (
        "adopted",
        "Antagen",
        True,
        False,
    )
    assert (body["decided_on"], body["paragraph"], body["adopted_by_name"]) == (
        "2026-01-20",
        "§ 7",
        "Sekreterare",
    )
    assert (body["deadline"], body["timeliness"], body["timeliness_label"]) == (
        "2026-01-31",
        "on_time",
        "Antagen i tid",
    )

    headers = await as_user(client, "handlaggare")
    revised = await client.post(f"/api/plans/{plan_id}/new-version", headers=headers)
    assert revised.status_code == 201, revised.text
    v2 = revised.json()
    assert (v2["version"], v2["based_on"], v2["status"]) == (2, plan_id, "draft")
    assert [c["control_id"] for c in v2["controls"]] == [c["control_id"] for c in body["controls"]]
    versions = (await client.get(f"/api/boards/{w.board}/plans?year={YEAR}")).json()
    assert [
        (
            v["version"],
            v["status_label"],
            v["decided_on"],
            v["registry_number"],
            v["adopted_by_name"],
        )
        for v in versions
    ] == [(1, "Antagen", "2026-01-20", "BUN 2025/301", "Sekreterare"), (2, "Utkast", None, "", "")]
    assert [v["version"] for v in v2["versions"]] == [1, 2]

    await as_user(client, "ledamot")
    status = (await client.get(f"/api/plan-status?year={YEAR}")).json()
    assert status["deadline"] == "2026-01-31"
    assert [(b["short_name"], b["version"], b["timeliness"]) for b in status["boards"]] == [
        ("KS", None, "missing"),
        ("BUN", 2, "on_time"),
        ("SN", None, "missing"),
    ]


async def test_every_write_route_refuses_a_decided_plan(client, plan_world):
    w = plan_world
    plan_id = await adopted_plan(w)
    controls = (await plan_document(w.admin, plan_id)).controls
    before = await snapshot(w.board)
    control_body = {"title": "Nytt", "owner_id": w.owner_id}
    for username in ("admin", "handlaggare"):
        headers = await as_user(client, username)
        attempts = [
            client.post(f"/api/plans/{plan_id}/controls", json=control_body, headers=headers),
            client.post(f"/api/plans/{plan_id}/add-shared-points", headers=headers),
            client.post(f"/api/plans/{plan_id}/send-for-decision", headers=headers),
            client.post(f"/api/plans/{plan_id}/return-to-draft", headers=headers),
            client.post(f"/api/boards/{w.board}/plans", json={"year": YEAR}, headers=headers),
        ]
        for control in controls:
            attempts += [
                client.put(f"/api/plan-controls/{control.id}", json=control_body, headers=headers),
                client.put(f"/api/plan-controls/{control.id}", json={}, headers=headers),
                client.delete(f"/api/plan-controls/{control.id}", headers=headers),
            ]
        for attempt in attempts:
            response = await attempt
            assert response.status_code == 409, (username, response.request.url, response.text)
    for username in ("admin", "sekreterare"):
        headers = await as_user(client, username)
        for body in (ADOPT_BODY, {**ADOPT_BODY, "paragraph": ""}):
            again = await client.post(f"/api/plans/{plan_id}/adopt", json=body, headers=headers)
            assert again.status_code == 409, again.text
    assert await snapshot(w.board) == before

    second = await plans.new_version(w.preparer, plan_id)
    await plans.send_for_decision(w.preparer, second)
    waiting = (await plan_document(w.admin, second)).controls
    before = await snapshot(w.board)
    headers = await as_user(client, "handlaggare")
    for attempt in (
        client.post(f"/api/plans/{second}/controls", json=control_body, headers=headers),
        client.put(f"/api/plan-controls/{waiting[3].id}", json={"scope": "x"}, headers=headers),
        client.delete(f"/api/plan-controls/{waiting[3].id}", headers=headers),
        client.post(f"/api/plans/{second}/add-shared-points", headers=headers),
        client.post(f"/api/plans/{second}/new-version", headers=headers),
        client.post(f"/api/plans/{plan_id}/new-version", headers=headers),
    ):
        response = await attempt
        assert response.status_code == 409, (response.request.url, response.text)
    assert await snapshot(w.board) == before


async def test_controls_by_hand_and_kss_fixed_points(client, plan_world):
    w = plan_world
    await decide_shared_points(w)
    plan_id = await plans.create_plan(w.preparer, w.board, YEAR)
    controls = (await plan_document(w.preparer, plan_id)).controls
    headers = await as_user(client, "handlaggare")
    added = await client.post(
        f"/api/plans/{plan_id}/controls",
        json={
            "title": "Avtal stäms av",
            "method": "reconciliation",
            "frequency": "monthly",
            "owner_id": w.owner_id,
            "process_id": w.process,
            "risk_ids": [w.risks["avtal"], w.risks["elevpeng"]],
        },
        headers=headers,
    )
    assert added.status_code == 201, added.text
    new = added.json()
    assert (new["position"], new["method_label"], new["process_name"]) == (
        6,
        "Avstämning",
        "Skolskjuts",
    )
    assert [r["value"] for r in new["risks"]] == [16, 9]

    kept = await client.put(
        f"/api/plan-controls/{new['id']}", json={"scope": "Alla avtal"}, headers=headers
    )
    assert (kept.json()["title"], kept.json()["scope"], len(kept.json()["risks"])) == (
        "Avtal stäms av",
        "Alla avtal",
        2,
    )
    cleared = await client.put(
        f"/api/plan-controls/{new['id']}",
        json={"owner_id": None, "process_id": None, "risk_ids": []},
        headers=headers,
    )
    assert (cleared.json()["owner_id"], cleared.json()["process_id"], cleared.json()["risks"]) == (
        None,
        None,
        [],
    )

    shared = controls[0]
    changed = await client.put(
        f"/api/plan-controls/{shared.id}",
        json={"title": "Annat", "method": "survey"},
        headers=headers,
    )
    assert changed.status_code == 422 and fields(changed) == ["title", "method"]
    owner = await client.put(
        f"/api/plan-controls/{shared.id}", json={"owner_id": w.owner_id}, headers=headers
    )
    assert owner.status_code == 200 and owner.json()["title"] == shared.title
    removed = await client.delete(f"/api/plan-controls/{shared.id}", headers=headers)
    assert removed.status_code == 409 and "KS" in removed.json()["detail"]

    gone = await client.delete(f"/api/plan-controls/{new['id']}", headers=headers)
    assert gone.status_code == 204 and gone.content == b""
    assert (
        await client.delete(f"/api/plan-controls/{new['id']}", headers=headers)
    ).status_code == 404
    left = (await client.get(f"/api/plans/{plan_id}")).json()["controls"]
    assert [c["id"] for c in left] == [c.id for c in controls]


async def test_missing_shared_points_are_added_over_http(client, plan_world):
    w = plan_world
    plan_id = await plans.create_plan(w.preparer, w.board, YEAR)
    await complete_controls(w, plan_id)
    await plans.send_for_decision(w.preparer, plan_id)
    await decide_shared_points(w)
    await plans.return_to_draft(w.preparer, plan_id)
    headers = await as_user(client, "handlaggare")
    readiness = (await client.get(f"/api/plans/{plan_id}/readiness")).json()
    assert [p["message"] for p in readiness["problems"]] == [
        "KS:s gemensamma kontrollmoment saknas: Attest av leverantörsfakturor",
        "KS:s gemensamma kontrollmoment saknas: Registrering av allmänna handlingar",
    ]
    added = await client.post(f"/api/plans/{plan_id}/add-shared-points", headers=headers)
    assert added.status_code == 200 and added.json()["added"] == 2
    assert [c["shared"] for c in added.json()["plan"]["controls"]][:2] == [True, True]
    again = await client.post(f"/api/plans/{plan_id}/add-shared-points", headers=headers)
    assert again.json()["added"] == 0


async def test_kss_shared_points_over_http(client, plan_world):
    headers = await as_user(client, "samordnare")
    missing = await client.get(f"/api/shared-controls?year={YEAR}")
    assert missing.status_code == 404
    assert (
        missing.json()["detail"] == "KS har inte beslutat om gemensamma kontrollmoment för 2026 än."
    )
    for username in ("sekreterare", "handlaggare", "revisor", "ks-ledamot", "kontrollant"):
        headers = await as_user(client, username)
        denied = await client.post("/api/shared-controls", json=KS_BODY, headers=headers)
        assert denied.status_code == 403, username
    headers = await as_user(client, "ks-sekreterare")
    first = await client.post("/api/shared-controls", json=KS_BODY, headers=headers)
    assert first.status_code == 201 and first.json()["recorded_by_name"] == "Ks-sekreterare"
    second = await client.post("/api/shared-controls", json=KS_BODY, headers=headers)
    assert second.status_code == 409
    headers = await as_user(client, "samordnare")
    one = await client.post(
        "/api/shared-controls",
        json={**KS_BODY, "year": 2027, "points": POINTS[:1]},
        headers=headers,
    )
    assert one.status_code == 422 and fields(one) == ["points"]
    bad = [
        ({"year": 10**20}, "year"),
        ({"year": 1800}, "year"),
        ({"year": "tjugo"}, "year"),
        ({"decided_on": "2025-02-30"}, "decided_on"),
        ({"decided_on": "2099-01-01"}, "decided_on"),
        ({"paragraph": "\x00"}, "paragraph"),
        ({"points": "två"}, "points"),
        ({"points": [{**POINTS[0], "method": "gissning"}, POINTS[1]]}, "points[0].method"),
        ({"points": [POINTS[0], {**POINTS[1], "title": "a\x00"}]}, "points[1].title"),
    ]
    for overrides, field in bad:
        response = await client.post(
            "/api/shared-controls", json={**KS_BODY, "year": 2027, **overrides}, headers=headers
        )
        assert response.status_code == 422, (overrides, response.text)
        assert field in fields(response), (overrides, response.text)
    ok = await client.post("/api/shared-controls", json={**KS_BODY, "year": 2027}, headers=headers)
    assert ok.status_code == 201
    assert await SharedControlDecision.count() == 2
    await as_user(client, "kontrollant")
    read = (await client.get("/api/shared-controls?year=2027")).json()
    assert (read["paragraph"], [p["title"] for p in read["points"]]) == (
        "§ 201",
        [p["title"] for p in POINTS],
    )


async def test_openapi_documents_the_plan_api(client, plan_world):
    await as_user(client, "handlaggare")
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    for path in (
        "/api/boards/{board_id}/plans",
        "/api/plans/{plan_id}",
        "/api/plans/{plan_id}/readiness",
        "/api/plans/{plan_id}/controls",
        "/api/plan-controls/{plan_control_id}",
        "/api/plans/{plan_id}/send-for-decision",
        "/api/plans/{plan_id}/return-to-draft",
        "/api/plans/{plan_id}/adopt",
        "/api/plans/{plan_id}/new-version",
        "/api/plans/{plan_id}/add-shared-points",
        "/api/plan-status",
        "/api/shared-controls",
        "/api/control-owners/{board_id}",
    ):
        assert path in paths, path

"""The risk API over HTTP: writes, reads, bad input, permissions and the heat map as data."""

from __future__ import annotations

import httpx

from internkontroll.risks.tables import Risk, RiskAssessment
from tests.conftest import csrf_token, login
from tests.risks.conftest import add_risk


async def signed_in(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    """Log in and return the CSRF header API writes need."""
    response = await login(client, username)
    assert response.status_code == 303, response.text
    return {"x-csrftoken": csrf_token(client)}


def risk_body(world, **overrides):
    return {
        "process_id": world.process,
        "category_id": world.category,
        "title": "Elevpeng betalas ut fel",
        "description": "Fel antal elever rapporteras.",
        "consequence": "Ekonomisk skada.",
        "responsible": "Controller",
        **overrides,
    }


async def test_preparer_creates_scores_and_reads_the_register(client, world):
    headers = await signed_in(client, "handlaggare")
    created = await client.post(
        f"/api/boards/{world.board}/risks?year=2026", json=risk_body(world), headers=headers
    )
    assert created.status_code == 201, created.text
    risk_id = created.json()["risk"]["id"]
    assert created.json()["risk"]["process_name"] == "Skolskjuts"

    listed = (await client.get(f"/api/boards/{world.board}/risks?year=2026")).json()
    assert [(e["risk"]["id"], e["change"], e["assessment"]) for e in listed] == [
        (risk_id, "ej bedömd", None)
    ]

    scored = await client.post(
        f"/api/risks/{risk_id}/assessments",
        json={"year": 2026, "likelihood": 3, "impact": 4, "treatment": "control"},
        headers=headers,
    )
    assert scored.status_code == 201, scored.text
    body = scored.json()
    assert (body["value"], body["band"], body["colour"], body["high"]) == (
        12,
        "Hög",
        "#c62828",
        True,
    )
    assert body["treatment_label"] == "Kontrollmoment"
    assert body["assessed_by"]

    heat = (await client.get(f"/api/boards/{world.board}/heatmap?year=2026")).json()
    by_cell = {(c["likelihood"], c["impact"]): c for c in heat["cells"]}
    assert len(heat["cells"]) == 16 and heat["total"] == 1
    assert by_cell[(3, 4)]["count"] == 1 and by_cell[(3, 4)]["risk_ids"] == [risk_id]
    assert by_cell[(3, 4)]["colour"] == "#c62828"
    assert sum(c["count"] for c in heat["cells"]) == 1
    assert heat["plan_threshold"] == 9
    assert [lv["label"] for lv in heat["likelihood_levels"]][0] == "Osannolik"


async def test_rescoring_keeps_history(client, world):
    risk_id = await add_risk(world)
    headers = await signed_in(client, "handlaggare")
    for likelihood in (2, 1):
        response = await client.post(
            f"/api/risks/{risk_id}/assessments",
            json={"year": 2026, "likelihood": likelihood, "impact": 2, "treatment": "monitor"},
            headers=headers,
        )
        assert response.status_code == 201
    history = (await client.get(f"/api/risks/{risk_id}")).json()["history"]
    assert [(a["likelihood"], a["current"]) for a in history] == [(1, True), (2, False)]


async def test_bad_input_names_the_field_and_writes_nothing(client, world):
    headers = await signed_in(client, "handlaggare")
    url = f"/api/boards/{world.board}/risks?year=2026"
    cases = [
        ({"title": "  "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"description": "x" * 4001}, "description"),
        ({"process_id": world.other_process}, "process_id"),
        ({"process_id": 999_999}, "process_id"),
        ({"category_id": 999_999}, "category_id"),
    ]
    for overrides, field in cases:
        response = await client.post(url, json=risk_body(world, **overrides), headers=headers)
        assert response.status_code == 422, (overrides, response.text)
        assert field in [e["field"] for e in response.json()["errors"]], overrides
    bad_year = await client.post(
        f"/api/boards/{world.board}/risks?year=1800", json=risk_body(world), headers=headers
    )
    assert bad_year.status_code == 422
    assert await Risk.count() == 0

    risk_id = await add_risk(world)
    assess_url = f"/api/risks/{risk_id}/assessments"
    score_cases = [
        ({"likelihood": 5, "impact": 1, "treatment": "monitor"}, "likelihood"),
        ({"likelihood": 1, "impact": 0, "treatment": "monitor"}, "impact"),
        ({"likelihood": 3, "impact": 3, "treatment": "monitor"}, "treatment"),
        ({"likelihood": 3, "impact": 3, "treatment": "accept"}, "motivation"),
        ({"likelihood": 1, "impact": 1, "treatment": "ignore"}, "treatment"),
    ]
    for body, field in score_cases:
        response = await client.post(assess_url, json={"year": 2026, **body}, headers=headers)
        assert response.status_code == 422, (body, response.text)
        errors = response.json()["errors"]
        assert field in [e["field"] for e in errors], body
        assert all(e["message"] for e in errors)
    malformed = await client.post(assess_url, json={"year": 2026}, headers=headers)
    assert malformed.status_code == 422
    assert await RiskAssessment.count() == 0


async def test_high_risk_accepted_with_motivation_is_listed_for_ks(client, world):
    risk_id = await add_risk(world)
    headers = await signed_in(client, "handlaggare")
    response = await client.post(
        f"/api/risks/{risk_id}/assessments",
        json={
            "year": 2026,
            "likelihood": 4,
            "impact": 3,
            "treatment": "accept",
            "motivation": "Kostnaden för kontroll överstiger nyttan.",
        },
        headers=headers,
    )
    assert response.status_code == 201
    await client.post("/logout", data={"_csrf_token": csrf_token(client)})
    await signed_in(client, "revisor")
    accepted = (await client.get("/api/accepted-high-risks?year=2026")).json()
    assert [(a["risk_id"], a["value"], a["board_short_name"]) for a in accepted] == [
        (risk_id, 12, "BUN")
    ]
    overview = {
        s["short_name"]: s for s in (await client.get("/api/risk-overview?year=2026")).json()
    }
    assert overview["BUN"]["accepted_high"] == 1 and overview["BUN"]["high"] == 1
    assert overview["SN"]["assessed"] == 0


async def test_permissions(client, world):
    risk_id = await add_risk(world)
    body = {"year": 2026, "likelihood": 1, "impact": 1, "treatment": "monitor"}
    for username in ("sekreterare", "ledamot", "annan", "revisor", "ksledamot"):
        headers = await signed_in(client, username)
        write = await client.post(f"/api/risks/{risk_id}/assessments", json=body, headers=headers)
        assert write.status_code == 403, username
        create = await client.post(
            f"/api/boards/{world.board}/risks", json=risk_body(world), headers=headers
        )
        assert create.status_code == 403, username
        read = await client.get(f"/api/risks/{risk_id}")
        assert read.status_code == (403 if username == "annan" else 200), username
        listing = await client.get(f"/api/boards/{world.board}/risks")
        assert listing.status_code == (403 if username == "annan" else 200), username
        await client.post("/logout", data={"_csrf_token": csrf_token(client)})
    headers = await signed_in(client, "admin")
    assert (
        await client.post(f"/api/risks/{risk_id}/assessments", json=body, headers=headers)
    ).status_code == 201
    assert (await client.get("/api/boards/999999/risks")).status_code == 404


async def test_all_boards_heat_map_shows_only_readable_boards(client, world):
    risk_id = await add_risk(world)
    headers = await signed_in(client, "handlaggare")
    await client.post(
        f"/api/risks/{risk_id}/assessments",
        json={"year": 2026, "likelihood": 2, "impact": 2, "treatment": "monitor"},
        headers=headers,
    )
    assert (await client.get("/api/heatmap?year=2026")).json()["total"] == 1
    await client.post("/logout", data={"_csrf_token": csrf_token(client)})
    await signed_in(client, "annan")
    assert (await client.get("/api/heatmap?year=2026")).json()["total"] == 0
    assert (await client.get("/api/risk-overview?year=2026")).status_code == 403
    assert (await client.get("/api/accepted-high-risks?year=2026")).status_code == 403


async def test_start_year_then_changes_are_marked(client, world):
    kept = await add_risk(world, "Oförändrad risk")
    moved = await add_risk(world, "Ändrad risk")
    headers = await signed_in(client, "handlaggare")
    for risk_id in (kept, moved):
        await client.post(
            f"/api/risks/{risk_id}/assessments",
            json={"year": 2026, "likelihood": 2, "impact": 2, "treatment": "monitor"},
            headers=headers,
        )
    started = await client.post(
        f"/api/boards/{world.board}/risks/start-year", json={"from_year": 2026}, headers=headers
    )
    assert started.status_code == 201 and started.json() == {
        "from_year": 2026,
        "to_year": 2027,
        "copied": 2,
    }
    await client.post(
        f"/api/risks/{moved}/assessments",
        json={"year": 2027, "likelihood": 3, "impact": 2, "treatment": "monitor"},
        headers=headers,
    )
    new = await client.post(
        f"/api/boards/{world.board}/risks?year=2027",
        json=risk_body(world, title="Ny risk 2027"),
        headers=headers,
    )
    await client.post(
        f"/api/risks/{new.json()['risk']['id']}/assessments",
        json={"year": 2027, "likelihood": 1, "impact": 1, "treatment": "accept"},
        headers=headers,
    )
    changes = {
        e["risk"]["title"]: e["change"]
        for e in (await client.get(f"/api/boards/{world.board}/risks?year=2027")).json()
    }
    assert changes == {
        "Oförändrad risk": "oförändrad",
        "Ändrad risk": "ändrad",
        "Ny risk 2027": "ny",
    }
    again = await client.post(
        f"/api/boards/{world.board}/risks/start-year", json={"from_year": 2026}, headers=headers
    )
    assert again.json()["copied"] == 0
    denied = await client.post(
        f"/api/boards/{world.other_board}/risks/start-year",
        json={"from_year": 2026},
        headers=headers,
    )
    assert denied.status_code == 403


async def test_scale_change_keeps_past_colours(client, world):
    risk_id = await add_risk(world)
    headers = await signed_in(client, "admin")
    body = {"year": 2025, "likelihood": 2, "impact": 2, "treatment": "monitor"}
    await client.post(f"/api/risks/{risk_id}/assessments", json=body, headers=headers)
    scale = (await client.get("/api/risk-scale")).json()
    scale["bands"][1]["colour"] = "#ff8800"
    scale["plan_threshold"] = 4
    scale["note"] = "Strängare tröskel"
    scale.pop("id")
    changed = await client.put("/api/risk-scale", json=scale, headers=headers)
    assert changed.status_code == 200, changed.text
    assert changed.json()["plan_threshold"] == 4

    old = (await client.get(f"/api/risks/{risk_id}")).json()["history"][0]
    assert (old["colour"], old["high"]) == ("#f9c80e", False)
    refused = await client.post(
        f"/api/risks/{risk_id}/assessments", json={**body, "year": 2026}, headers=headers
    )
    assert refused.status_code == 422  # 4 is now at the threshold: monitor no longer allowed
    await client.post(
        f"/api/risks/{risk_id}/assessments",
        json={**body, "year": 2026, "treatment": "control"},
        headers=headers,
    )
    history = (await client.get(f"/api/risks/{risk_id}")).json()["history"]
    assert [(a["year"], a["colour"]) for a in history] == [(2026, "#ff8800"), (2025, "#f9c80e")]

    scale["bands"][0]["high"] = 1  # leaves a gap
    bad = await client.put("/api/risk-scale", json=scale, headers=headers)
    assert bad.status_code == 422 and "bands" in [e["field"] for e in bad.json()["errors"]]


async def test_only_admins_change_the_scale(client, world):
    headers = await signed_in(client, "handlaggare")
    scale = (await client.get("/api/risk-scale")).json()
    scale.pop("id")
    assert (await client.put("/api/risk-scale", json=scale, headers=headers)).status_code == 403


async def test_openapi_documents_the_risk_api(client, world):
    await signed_in(client, "handlaggare")
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    for path in (
        "/api/boards/{board_id}/risks",
        "/api/risks/{risk_id}/assessments",
        "/api/boards/{board_id}/heatmap",
        "/api/heatmap",
        "/api/risk-scale",
        "/api/boards/{board_id}/risks/import",
        "/api/risks/template.xlsx",
    ):
        assert path in paths, path


async def test_a_new_scale_never_recolours_a_year_on_the_heat_map(client, world):
    """Re-scoring one risk of a year on a new matrix leaves the others drawn on their own."""
    old = await add_risk(world, "Bedömd på gamla matrisen")
    moved = await add_risk(world, "Bedömd på nya matrisen")
    headers = await signed_in(client, "admin")
    for risk_id in (old, moved):
        await client.post(
            f"/api/risks/{risk_id}/assessments",
            json={"year": 2025, "likelihood": 3, "impact": 3, "treatment": "control"},
            headers=headers,
        )
    five = {
        "likelihood": [{"label": f"S{n}"} for n in range(1, 6)],
        "impact": [{"label": f"K{n}"} for n in range(1, 6)],
        "bands": [
            {"low": 1, "high": 9, "label": "Låg", "colour": "#2e7d32", "colour_name": "grön"},
            {"low": 10, "high": 25, "label": "Hög", "colour": "#c62828", "colour_name": "röd"},
        ],
        "plan_threshold": 10,
    }
    assert (await client.put("/api/risk-scale", json=five, headers=headers)).status_code == 200
    await client.post(
        f"/api/risks/{moved}/assessments",
        json={"year": 2025, "likelihood": 5, "impact": 1, "treatment": "monitor"},
        headers=headers,
    )
    heat = (await client.get(f"/api/boards/{world.board}/heatmap?year=2025")).json()
    assert len(heat["cells"]) == 25 and heat["total"] == 1
    [earlier] = heat["earlier"]
    assert len(earlier["cells"]) == 16 and earlier["total"] == 1
    cell = next(c for c in earlier["cells"] if (c["likelihood"], c["impact"]) == (3, 3))
    assert (cell["count"], cell["colour"], cell["band"]) == (1, "#c62828", "Hög")
    assert cell["risk_ids"] == [old]


async def test_junk_ids_and_text_get_4xx_never_500(client, world):
    risk_id = await add_risk(world)
    headers = await signed_in(client, "handlaggare")
    huge = 3_000_000_000
    for path in (
        f"/api/risks/{huge}",
        f"/api/boards/{huge}/risks",
        f"/risker/{huge}",
        f"/namnder/{huge}/risker",
        f"/namnder/{huge}",
    ):
        assert (await client.get(path)).status_code == 404, path
    assert (
        await client.get(f"/api/boards/{world.board}/heatmap?process_id={huge}")
    ).status_code == 422
    assert (await client.get(f"/namnder/{world.board}/riskkarta?process={huge}")).status_code == 422
    assert (await client.get(f"/namnder/{world.board}/riskkarta?ar=2000")).status_code == 200
    too_big = await client.post(
        f"/api/boards/{world.board}/risks", json=risk_body(world, process_id=huge), headers=headers
    )
    assert too_big.status_code in (400, 422)
    nul = await client.post(
        f"/api/boards/{world.board}/risks", json=risk_body(world, title="a\x00b"), headers=headers
    )
    assert nul.status_code == 422 and nul.json()["errors"][0]["field"] == "title"
    invisible = await client.post(
        f"/api/risks/{risk_id}/assessments",
        json={
            "year": 2026,
            "likelihood": 4,
            "impact": 4,
            "treatment": "accept",
            "motivation": "\u200b",
        },
        headers=headers,
    )
    assert invisible.status_code == 422
    last_year = await client.post(
        f"/api/boards/{world.board}/risks/start-year", json={"from_year": 2100}, headers=headers
    )
    assert last_year.status_code == 422
    assert await RiskAssessment.count() == 0


async def test_put_without_active_keeps_a_retired_risk_retired(client, world):
    risk_id = await add_risk(world)
    headers = await signed_in(client, "handlaggare")
    retired = await client.put(
        f"/api/risks/{risk_id}", json=risk_body(world, active=False), headers=headers
    )
    assert retired.json()["risk"]["active"] is False
    edited = await client.put(
        f"/api/risks/{risk_id}", json=risk_body(world, title="Ny rubrik"), headers=headers
    )
    assert edited.json()["risk"] == {**edited.json()["risk"], "title": "Ny rubrik", "active": False}


async def test_a_missing_json_field_is_named(client, world):
    risk_id = await add_risk(world)
    headers = await signed_in(client, "handlaggare")
    response = await client.post(
        f"/api/risks/{risk_id}/assessments",
        json={"year": 2026, "impact": 2, "treatment": "monitor"},
        headers=headers,
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "likelihood", "message": "saknas"}]

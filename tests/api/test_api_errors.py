"""What the fuzzing found, pinned down: bad input is a 4xx naming the field, never a 500,
and the OpenAPI document names the statuses and media types the API answers with."""

from __future__ import annotations

import httpx

from tests.conftest import csrf_token, login, make_board, make_user

NUL_MESSAGE = "innehåller ett otillåtet tecken"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def _admin(client: httpx.AsyncClient) -> dict[str, str]:
    await make_user("admin", admin=True)
    assert (await login(client, "admin")).status_code == 303
    return {"x-csrftoken": csrf_token(client)}


def _fields(response: httpx.Response) -> list[str]:
    return [e["field"] for e in response.json()["errors"]]


async def test_audit_filters_refuse_nul_and_ids_beyond_the_database(client):
    await _admin(client)
    answer = await client.get("/api/audit", params={"entity": "risk\x00", "actor": "a\x00"})
    assert answer.status_code == 422, answer.text
    assert _fields(answer) == ["entity", "actor"]
    assert answer.json()["errors"][0]["message"] == NUL_MESSAGE
    answer = await client.get("/api/audit", params={"board_id": str(2**31)})
    assert answer.status_code == 422 and _fields(answer) == ["board_id"]
    page = await client.get("/granskningslogg", params={"board_id": str(10**20)})
    assert page.status_code == 422 and "Nämnd" in page.text
    assert (await client.get("/api/audit", params={"offset": str(2**63)})).status_code == 422


async def test_api_login_refuses_nul_in_the_user_name(client):
    answer = await client.post("/api/login", json={"username": "admin\x00", "password": "x"})
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"] == [{"field": "username", "message": NUL_MESSAGE}]


async def test_risk_import_without_a_file_names_the_field(client):
    headers = await _admin(client)
    board = await make_board("BUN")
    answer = await client.post(
        f"/api/boards/{board}/risks/import", data={"year": "2026"}, files={}, headers=headers
    )
    # Without files httpx sends a urlencoded body, which is no multipart form at all.
    assert answer.status_code == 400, answer.text
    multipart = await client.post(
        f"/api/boards/{board}/risks/import",
        files={"note": (None, "ingen fil")},
        headers=headers,
    )
    assert multipart.status_code == 422, multipart.text
    assert _fields(multipart) == ["file"]


async def test_a_new_risk_scale_refuses_nul_naming_the_path(client):
    headers = await _admin(client)
    scale = {
        "likelihood": [{"label": f"S{n}"} for n in range(1, 5)],
        "impact": [{"label": f"K{n}", "definition": "\x00" if n == 2 else ""} for n in range(1, 5)],
        "bands": [
            {"low": 1, "high": 8, "label": "Låg", "colour": "#2e7d32", "colour_name": "grön"},
            {"low": 9, "high": 16, "label": "Hög", "colour": "#c62828", "colour_name": "röd"},
        ],
        "plan_threshold": 9,
        "note": "Ny\x00",
    }
    answer = await client.put("/api/risk-scale", json=scale, headers=headers)
    assert answer.status_code == 422, answer.text
    assert _fields(answer) == ["impact[1].definition", "note"]


async def test_openapi_names_error_statuses_and_download_types(client):
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    operations = {
        (method.upper(), path): op
        for path, item in paths.items()
        if path.startswith("/api/")
        for method, op in item.items()
    }
    assert len(operations) > 70
    for (method, path), op in operations.items():
        responses = op["responses"]
        assert "503" in responses, (method, path)
        if path != "/api/login":
            assert "401" in responses, (method, path)
        error = responses["401" if "401" in responses else "422"]["content"]["application/json"]
        assert error["schema"] == {"$ref": "#/components/schemas/ErrorOut"}, (method, path)
    plan_pdf = operations[("GET", "/api/plans/{plan_id}/plan.pdf")]["responses"]["200"]
    assert list(plan_pdf["content"]) == ["application/pdf"]
    overview_xlsx = operations[("GET", "/api/overview.xlsx")]["responses"]["200"]
    assert list(overview_xlsx["content"]) == [XLSX]
    upload = operations[("POST", "/api/boards/{board_id}/risks/import")]["requestBody"]
    assert upload["content"]["multipart/form-data"]["schema"]["required"] == ["file"]

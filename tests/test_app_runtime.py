"""Health check, OpenAPI, error pages, and the PostgreSQL pool in the app lifespan."""

import dataclasses

import httpx
import pytest

from internkontroll.app import create_app
from internkontroll.db import current_engine
from internkontroll.organisation import services as organisation
from tests.conftest import is_postgres, login, make_user


async def test_healthz_names_the_engine(client):
    response = await client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == ("postgres" if is_postgres() else "sqlite")


@pytest.mark.no_test_pool  # points the engine at a closed port; a pool would not follow
async def test_healthz_reports_unreachable_database(client, monkeypatch):
    engine = current_engine()
    if is_postgres():
        monkeypatch.setitem(engine.config, "database", "finns_inte")
    else:
        monkeypatch.setattr(engine, "path", "/nonexistent/dir/db.sqlite")
    response = await client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["detail"] == "Databasen svarar inte."


async def test_openapi_document_lists_the_api(client):
    schema = (await client.get("/schema/openapi.json")).json()
    assert schema["info"]["title"] == "Internkontroll API"
    for path in ("/api/boards", "/api/boards/{board_id}", "/api/audit", "/api/me", "/healthz"):
        assert path in schema["paths"], path
    assert not any(p.startswith("/admin") for p in schema["paths"])


async def test_unknown_page_is_swedish_404(client):
    await make_user("anna")
    await login(client, "anna")
    response = await client.get("/finns-inte")
    assert response.status_code == 404
    assert 'lang="sv"' in response.text
    assert "Sidan finns inte" in response.text


async def test_unknown_api_path_is_json_404(client):
    response = await client.get("/api/finns-inte")
    assert response.status_code == 404
    assert response.json()["status_code"] == 404


@pytest.mark.parametrize("production", [False, True])
async def test_internal_error_never_shows_a_traceback(db, settings, monkeypatch, production):
    async def broken(*_args, **_kwargs):
        raise RuntimeError("hemlig intern detalj")

    monkeypatch.setattr(organisation, "visible_boards", broken)
    await make_user("anna")
    app = create_app(
        dataclasses.replace(settings, production=production, allowed_hosts=("testserver",)),
        use_pool=False,
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
        base_url="https://testserver",
    ) as http:
        await login(http, "anna")
        page = await http.get("/namnder")
        api = await http.get("/api/boards")
    assert page.status_code == 500 and api.status_code == 500
    for response in (page, api):
        assert "hemlig intern detalj" not in response.text
        assert "Traceback" not in response.text
    assert "Något gick fel" in page.text


@pytest.mark.no_test_pool  # the app opens its own pool here
async def test_lifespan_opens_and_closes_the_postgres_pool(db, settings):
    app = create_app(settings, use_pool=True)
    engine = current_engine()
    async with app.lifespan():
        if is_postgres():
            assert engine.pool is not None
            assert engine.pool.get_max_size() == settings.db_pool_max
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as http:
            assert (await http.get("/healthz")).status_code == 200
    if is_postgres():
        assert engine.pool is None


async def test_production_refuses_unknown_host(db, settings):
    app = create_app(
        dataclasses.replace(settings, production=True, allowed_hosts=("ik.kommun.se",)),
        use_pool=False,
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://evil.example"
    ) as http:
        assert (await http.get("/healthz")).status_code == 400
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://ik.kommun.se"
    ) as http:
        assert (await http.get("/healthz")).status_code == 200

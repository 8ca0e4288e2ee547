"""KS's JSON API and pages: who may read them, bad input, and the figures they carry."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import login
from tests.reports import test_counts as counts_fixtures
from tests.reports.test_counts import BUN_DELAR, BUN_HELAR

plan_world = counts_fixtures.plan_world
clock = counts_fixtures.clock
counts_world = counts_fixtures.counts_world

JSON_ROUTES = ("/api/overview", "/api/shared-results", "/api/trends")
DOWNLOADS = (
    "/api/overview.pdf",
    "/api/overview.xlsx",
    "/api/shared-results.pdf",
    "/api/shared-results.xlsx",
)
PAGES = ("/ks/oversikt", "/ks/gemensamma", "/ks/trender")


async def as_user(client: httpx.AsyncClient, username: str) -> None:
    client.cookies.clear()
    assert (await login(client, username)).status_code == 303


@pytest.mark.parametrize("username", ["samordnare", "revisor", "ks-ledamot", "admin"])
async def test_coordinators_auditors_and_ks_members_read_everything(counts_world, client, username):
    await as_user(client, username)
    for route in (*JSON_ROUTES, *DOWNLOADS, *PAGES):
        year = "ar" if route.startswith("/ks/") else "year"
        answer = await client.get(f"{route}?{year}=2026&period=delar")
        assert answer.status_code == 200, (route, answer.text[:200])


@pytest.mark.parametrize("username", ["handlaggare", "sekreterare", "ledamot", "kontrollant"])
async def test_board_roles_are_refused(counts_world, client, username):
    await as_user(client, username)
    for route in (*JSON_ROUTES, *DOWNLOADS, *PAGES):
        answer = await client.get(route)
        assert answer.status_code == 403, route
        assert "Barn- och utbildningsnämnden" not in answer.text


async def test_anonymous_callers_log_in_first(counts_world, client):
    for route in (*JSON_ROUTES, *DOWNLOADS):
        assert (await client.get(route)).status_code == 401, route
    for route in PAGES:
        answer = await client.get(route)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


async def test_bad_year_or_period_is_422_naming_the_field(counts_world, client):
    await as_user(client, "samordnare")
    for route in (*JSON_ROUTES[:2], *DOWNLOADS):
        for query, field in (
            ("year=1800", "year"),
            ("year=tjugo", "year"),
            ("year=2026&period=kvartal", "period"),
        ):
            answer = await client.get(f"{route}?{query}")
            assert answer.status_code == 422, (route, query)
            assert field in answer.text, (route, query, answer.text)
    for route in PAGES[:2]:
        for query, field in (("ar=1800", "ar"), ("ar=x", "ar"), ("ar=2026&period=q", "period")):
            answer = await client.get(f"{route}?{query}")
            assert answer.status_code == 422 and field in answer.text, (route, query)
    assert "välj delar, helar" in (await client.get("/api/overview?period=x")).text


async def test_overview_json_carries_the_service_figures(counts_world, client):
    await as_user(client, "revisor")
    body = (await client.get("/api/overview?year=2026&period=delar")).json()
    assert body["period"]["key"] == "delar" and body["period"]["end"] == "2026-08-31"
    assert [b["short_name"] for b in body["boards"]] == ["KS", "BUN", "SN"]
    bun = body["boards"][1]
    want = {**BUN_DELAR.as_dict(), "tested_percent": BUN_DELAR.tested_percent}
    assert bun["counts"] == want
    assert bun["timeliness_label"] == "Antagen i tid" and bun["accepted_high_risks"] == 1
    assert [f["label"] for f in bun["follow_ups"]] == ["Ej påbörjad", "Ej påbörjad"]
    assert body["totals"] == want
    assert body["not_reported"] == ["KS", "BUN", "SN"]
    helar = (await client.get("/api/overview?year=2026&period=helar")).json()
    assert helar["boards"][1]["counts"]["tested"] == BUN_HELAR.tested


async def test_shared_results_json(counts_world, client):
    await as_user(client, "ks-ledamot")
    body = (await client.get("/api/shared-results?year=2026&period=delar")).json()
    first = body["points"][0]
    bun = next(r for r in first["rows"] if r["short_name"] == "BUN")
    assert (bun["counts"]["tested"], bun["worst_outcome"]) == (1, "passed")
    assert bun["worst_outcome_label"] == "Utan anmärkning (grön)"
    ks = next(r for r in first["rows"] if r["short_name"] == "KS")
    assert ks["control_id"] is None and ks["worst_outcome_label"] == "Inget resultat"
    empty = (await client.get("/api/shared-results?year=2031")).json()
    assert empty["points"] == []


async def test_trends_per_board_and_year(counts_world, client):
    await as_user(client, "samordnare")
    body = (await client.get("/api/trends")).json()
    assert body["years"] == [2026]
    bun = next(b for b in body["boards"] if b["short_name"] == "BUN")
    (point,) = bun["years"]
    # 2026 is this year as of 15 November: the figures per delår, the latest point reached.
    assert point["period_label"] == "Delår per 31 augusti 2026"
    assert point["counts"]["tested"] == BUN_DELAR.tested
    assert point["timeliness_label"] == "Antagen i tid"
    page = await client.get("/ks/trender")
    assert "Barn- och utbildningsnämnden" in page.text and "9 av 15 (60 %)" in page.text

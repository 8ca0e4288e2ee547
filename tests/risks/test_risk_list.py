"""Alla risker: the cross-board risk list (service, page /risker and GET /api/risks)."""

from __future__ import annotations

import httpx
import pytest

from internkontroll.errors import Forbidden, NotFound, ValidationFailed
from internkontroll.querycount import counting_queries
from internkontroll.risks.assessments import AssessmentInput, assess
from internkontroll.risks.register import RiskInput, create_risk
from internkontroll.risks.risk_list import PAGE_FIELDS, RiskFilter, risk_list
from internkontroll.risks.tables import Risk, RiskAssessment
from tests.conftest import login
from tests.risks.conftest import RiskWorld, add_risk

YEAR = 2026


async def _scored(world: RiskWorld, title: str, likelihood: int, impact: int, **kw) -> int:
    treatment = kw.pop("treatment", "control")
    risk_id = await add_risk(world, title, **kw)
    await assess(
        world.admin, risk_id, YEAR, AssessmentInput(likelihood, impact, treatment, "Motiverad.")
    )
    return risk_id


@pytest.fixture
async def listed(world: RiskWorld) -> RiskWorld:
    """BUN: three scored risks and one unscored; SN: one scored risk; a 2025 scoring too."""
    await _scored(world, "Bussar saknas", 2, 2)
    await _scored(world, "Avtal saknas", 2, 2, category_id=world.category2)
    await _scored(world, "Mutor", 4, 4, treatment="direct_action")
    await add_risk(world, "Ännu inte bedömd")
    other = await create_risk(
        world.outsider,
        world.other_board,
        YEAR,
        RiskInput(world.other_process, world.category, "Felaktiga utbetalningar"),
    )
    await assess(world.admin, other, YEAR, AssessmentInput(2, 2, "monitor", ""))
    await assess(world.admin, other, YEAR - 1, AssessmentInput(1, 1, "accept", ""))
    return world


def _titles(rows) -> list[str]:
    return [r["title"] for r in rows]


async def test_lists_the_years_scored_risks_highest_value_first(listed: RiskWorld):
    rows = await risk_list(listed.admin, YEAR)
    # Equal values are ordered by board short name, then title.
    assert _titles(rows) == ["Mutor", "Avtal saknas", "Bussar saknas", "Felaktiga utbetalningar"]
    top = rows[0]
    assert top["board_short_name"] == "BUN" and top["process_name"] == "Skolskjuts"
    assert top["category_name"] == "Legal risk" and top["treatment"] == "direct_action"
    assert (top["likelihood"], top["impact"], top["value"]) == (4, 4, 16)
    assert top["colour"].startswith("#") and top["band"] and top["high"] is True
    assert _titles(await risk_list(listed.admin, YEAR - 1)) == ["Felaktiga utbetalningar"]


async def test_filters(listed: RiskWorld):
    async def titles(**filters) -> list[str]:
        return _titles(await risk_list(listed.admin, YEAR, RiskFilter(**filters)))

    assert await titles(board_id=listed.other_board) == ["Felaktiga utbetalningar"]
    assert await titles(category_id=listed.category2) == ["Avtal saknas"]
    assert await titles(process_id=listed.other_process) == ["Felaktiga utbetalningar"]
    assert await titles(min_value=5) == ["Mutor"]
    assert await titles(treatment="monitor") == ["Felaktiga utbetalningar"]
    assert await titles(board_id=listed.board, min_value=4, treatment="monitor") == []


async def test_only_readable_boards(listed: RiskWorld):
    assert "Felaktiga utbetalningar" not in _titles(await risk_list(listed.viewer, YEAR))
    assert _titles(await risk_list(listed.outsider, YEAR)) == ["Felaktiga utbetalningar"]
    assert len(await risk_list(listed.auditor, YEAR)) == 4
    assert len(await risk_list(listed.ks_member, YEAR)) == 4
    with pytest.raises(Forbidden):
        await risk_list(listed.viewer, YEAR, RiskFilter(board_id=listed.other_board))
    with pytest.raises(NotFound):
        await risk_list(listed.admin, YEAR, RiskFilter(board_id=listed.other_board + 999))


async def test_bad_filters_name_the_field(listed: RiskWorld):
    with pytest.raises(ValidationFailed) as caught:
        await risk_list(listed.admin, YEAR, RiskFilter(treatment="ignore"), PAGE_FIELDS)
    assert caught.value.errors[0].field == "hantering"
    with pytest.raises(ValidationFailed) as caught:
        await risk_list(listed.admin, 1999)
    assert caught.value.errors[0].field == "year"


async def _bulk(world: RiskWorld, count: int) -> None:
    """`count` scored risks on each of the two boards, inserted directly (fast)."""
    scale_id = (await RiskAssessment.select(RiskAssessment.scale).first())["scale"]
    for board, process in ((world.board, world.process), (world.other_board, world.other_process)):
        risks = [
            Risk(
                board=board,
                process=process,
                category=world.category,
                title=f"R{n}",
                first_year=YEAR,
            )
            for n in range(count)
        ]
        ids = [r["id"] for r in await Risk.insert(*risks).returning(Risk.id)]
        await RiskAssessment.insert(
            *[
                RiskAssessment(
                    risk=i,
                    year=YEAR,
                    scale=scale_id,
                    likelihood=1 + n % 4,
                    impact=2,
                    value=(1 + n % 4) * 2,
                    treatment="monitor",
                )
                for n, i in enumerate(ids)
            ]
        )


async def test_the_same_few_queries_whatever_the_size(listed: RiskWorld):
    counts = []
    for added, per_board in ((5, 5), (15, 20)):  # then four times as many
        await _bulk(listed, added)
        with counting_queries() as statements:
            rows = await risk_list(listed.auditor, YEAR)
        counts.append(len(statements))
        assert len(rows) == 4 + 2 * per_board
    # One statement for the rows, one for the matrices they were scored on.
    assert counts == [2, 2]


# ------------------------------------------------------------------ page and API


async def test_page_and_api_need_a_login(client: httpx.AsyncClient, listed: RiskWorld):
    page = await client.get("/risker")
    assert page.status_code in (302, 303) and page.headers["location"].startswith("/login")
    api = await client.get("/api/risks")
    assert api.status_code == 401


async def test_page_shows_only_readable_boards(client: httpx.AsyncClient, listed: RiskWorld):
    await login(client, "ledamot")  # viewer on BUN only
    page = await client.get(f"/risker?ar={YEAR}")
    assert page.status_code == 200
    assert "3 risker" in page.text and "Mutor" in page.text
    assert "Felaktiga utbetalningar" not in page.text and "Nämnden SN" not in page.text
    assert page.text.index("Mutor") < page.text.index("Avtal saknas")
    assert "Direktåtgärd" in page.text
    denied = await client.get(f"/risker?ar={YEAR}&namnd={listed.other_board}")
    assert denied.status_code == 403


async def test_page_filters_and_counts(client: httpx.AsyncClient, listed: RiskWorld):
    await login(client, "revisor")
    page = await client.get(f"/risker?ar={YEAR}&varde=4&hantering=monitor")
    assert page.status_code == 200
    assert "1 risk matchar filtret" in page.text and "Felaktiga utbetalningar" in page.text
    assert "Mutor" not in page.text
    chosen = await client.get(f"/risker?ar={YEAR}&namnd={listed.board}&process={listed.process}")
    assert "3 risker" in chosen.text and 'name="process"' in chosen.text


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("varde=mycket", "varde"),
        ("hantering=ignorera", "hantering"),
        ("ar=1999", "ar"),
        ("namnd=x", "namnd"),
    ],
)
async def test_page_bad_filter_is_422_naming_the_field(
    client: httpx.AsyncClient, listed: RiskWorld, query: str, field: str
):
    await login(client, "revisor")
    page = await client.get(f"/risker?{query}")
    assert page.status_code == 422
    assert field in page.text


async def test_api_lists_readable_rows(client: httpx.AsyncClient, listed: RiskWorld):
    await login(client, "annan")  # preparer on SN only
    answer = await client.get(f"/api/risks?year={YEAR}")
    assert answer.status_code == 200
    body = answer.json()
    assert [r["title"] for r in body] == ["Felaktiga utbetalningar"]
    assert body[0]["board_short_name"] == "SN" and body[0]["value"] == 4
    assert set(body[0]) >= {"risk_id", "colour", "band", "treatment", "process_name"}
    assert (await client.get(f"/api/risks?board_id={listed.board}")).status_code == 403


async def test_api_bad_filter_is_422_naming_the_field(client: httpx.AsyncClient, listed: RiskWorld):
    await login(client, "revisor")
    for query, field in (
        ("treatment=ignore", "treatment"),
        ("min_value=-1", "min_value"),
        ("year=abc", "year"),
    ):
        answer = await client.get(f"/api/risks?{query}")
        assert answer.status_code == 422, query
        assert field in {e["field"] for e in answer.json()["errors"]}, answer.text

"""GET /api/wheel: the page's data as JSON, with the same permission filtering."""

from __future__ import annotations

import re

import pytest

from internkontroll.reminders import wheel_api, wheel_pages
from tests.controls.test_api import as_user, fields
from tests.reports import test_counts as counts_fixtures
from tests.reports.test_counts import AS_OF

plan_world = counts_fixtures.plan_world
clock = counts_fixtures.clock
counts_world = counts_fixtures.counts_world


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    """The API's and the page's today: 15 November 2026."""
    monkeypatch.setattr(wheel_api, "today", lambda: AS_OF)
    monkeypatch.setattr(wheel_pages, "today", lambda: AS_OF)


def milestones(data: dict) -> dict[str, dict]:
    """Every milestone of the answer by key."""
    return {m["key"]: m for month in data["months"] for m in month["milestones"]}


async def test_anonymous_callers_get_401(client, plan_world):
    response = await client.get("/api/wheel")
    assert response.status_code == 401
    assert response.json()["detail"] == "Du behöver logga in."


async def test_a_board_member_gets_only_their_boards(client, counts_world):
    await as_user(client, "annan")  # a preparer on SN
    response = await client.get("/api/wheel?year=2026")
    assert response.status_code == 200
    data = response.json()
    assert data["restricted"] is True and data["on"] == "2026-11-15"
    assert [b["short_name"] for b in data["boards"]] == ["SN"]
    steps = milestones(data)
    assert [b["short_name"] for b in steps["plan"]["boards"]] == ["SN"]
    assert steps["plan"]["status"] == "late" and steps["plan"]["status_label"] == "Försenad"
    assert "Barn- och utbildningsnämnden" not in response.text
    assert "BUN" not in response.text
    assert data["occasions"] == {"due": 0, "tested": 0, "late": 0}
    assert all(month["boards"] == [] for month in data["months"])


async def test_a_coordinator_gets_every_board_with_the_counts(client, counts_world):
    await as_user(client, "samordnare")
    data = (await client.get("/api/wheel")).json()
    assert data["year"] == 2026 and data["restricted"] is False
    assert [b["short_name"] for b in data["boards"]] == ["KS", "BUN", "SN"]
    steps = milestones(data)
    plan = steps["plan"]
    assert (plan["due_on"], plan["non_working"], plan["when"]) == (
        "2026-01-31",
        "lördag",
        "senast 31 januari 2026",
    )
    assert {b["short_name"]: b["status"] for b in plan["boards"]} == {
        "KS": "late",
        "BUN": "done",
        "SN": "late",
    }
    assert steps["samlad"]["window_start"] == "2027-03-01"
    assert data["occasions"] == {"due": 24, "tested": 14, "late": 6}
    march = data["months"][2]
    assert march["occasions"] == {"due": 3, "tested": 2, "late": 1}
    assert march["boards"] == [
        {
            "board_id": counts_world.plan.board,
            "occasions": {"due": 3, "tested": 2, "late": 1},
            "actions": {"due": 0, "open": 0, "overdue": 0, "closed": 0},
        }
    ]
    assert [m["is_current"] for m in data["months"]].index(True) == 10


async def test_page_and_api_say_the_same(client, counts_world):
    await as_user(client, "samordnare")
    data = (await client.get("/api/wheel?year=2026")).json()
    html = (await client.get("/arshjul?ar=2026")).text
    for key, step in milestones(data).items():
        row = re.search(rf'<tr data-milestone="{key}">(.*?)</tr>', html, re.S)
        assert row, key
        assert step["summary"] in row.group(1), key
        assert step["status_label"] in row.group(1), key


@pytest.mark.parametrize("query", ["?year=1800", "?year=2101"])
async def test_a_year_out_of_range_is_a_422_naming_the_field(client, plan_world, query):
    await as_user(client, "ledamot")
    response = await client.get(f"/api/wheel{query}")
    assert response.status_code == 422
    assert fields(response) == ["year"]
    assert "året ska vara 2000–2100" in response.json()["detail"]


async def test_a_year_that_is_not_a_number_is_refused(client, plan_world):
    await as_user(client, "ledamot")
    response = await client.get("/api/wheel?year=tjugo")
    assert response.status_code in (400, 422)
    assert fields(response) == ["year"]

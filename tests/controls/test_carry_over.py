"""Next year's risk analysis shows last year's untested controls and every open deviation."""

from __future__ import annotations

import datetime as dt

import pytest

from internkontroll.controls import carry_over, results
from internkontroll.controls.carry_over import controls_carry_over
from internkontroll.controls.results import ResultInput, log_result
from internkontroll.controls.testing_tables import TestOccasion
from tests.controls.test_pages import adopted, as_user

DAY = dt.date(2026, 11, 15)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    for module in (results, carry_over):
        monkeypatch.setattr(module, "today", lambda: DAY)


async def _occasions(board: int) -> dict[tuple[int, str], int]:
    rows = await TestOccasion.select().where(TestOccasion.board == board)
    return {(r["control"], r["period_key"]): r["id"] for r in rows}


def _result(outcome: str, **extra) -> ResultInput:
    return ResultInput(dt.date(2026, 6, 1), "Kim", "5 av 50", outcome, **extra)


async def test_untested_and_open_deviations_carry_over_with_their_risks(plan_world):
    w = plan_world
    await adopted(w)
    occasions = await _occasions(w.board)
    quarterly = sorted({c for c, k in occasions if k == "Q1"})
    first = quarterly[0]
    # First control: Q1–Q3 tested, one with a deviation; the others untested.
    await log_result(w.owner, occasions[(first, "Q1")], _result("passed"))
    await log_result(w.owner, occasions[(first, "Q2")], _result("major", deviation="Avtal saknas"))
    await log_result(w.owner, occasions[(first, "Q3")], _result("not_performed", reason="Sjukdom"))
    items = await controls_carry_over(w.board, 2027)
    deviations = [i for i in items if i.kind == "deviation"]
    assert len(deviations) == 1 and "Avtal saknas" in deviations[0].detail
    assert deviations[0].risk_ids  # the control's risks are marked in the register
    untested = {i.link: i for i in items if i.kind == "untested"}
    # Q3 not performed counts as untested; Q4 is not due yet on 15 November.
    assert untested[f"/kontroller/{first}"].detail == "Kvartal 3: ej genomförd"
    other = quarterly[1]
    assert "Kvartal 1" in untested[f"/kontroller/{other}"].detail
    assert "Kvartal 4" not in untested[f"/kontroller/{other}"].detail
    # Other boards and the same year see nothing of it.
    assert await controls_carry_over(w.other_board, 2027) == []
    assert [i for i in await controls_carry_over(w.board, 2026) if i.kind == "untested"] == []


async def test_the_register_page_of_next_year_shows_the_carry_over(client, plan_world):
    w = plan_world
    await adopted(w)
    occasions = await _occasions(w.board)
    control = sorted({c for c, k in occasions if k == "Q1"})[0]
    await log_result(w.owner, occasions[(control, "Q1")], _result("minor", deviation="Fel konto"))
    await as_user(client, "ledamot")
    page = await client.get(f"/namnder/{w.board}/risker?ar=2027")
    assert page.status_code == 200
    assert "Att beakta från tidigare år" in page.text
    assert "Fel konto" in page.text and "Ej testat 2026" in page.text

"""The board's follow-up in a real browser: a preparer writes the judgement and summary, the
secretary records the nämnd's decision (first a date before the period's end, refused) and
sends it to KS. Each step's page passes axe.

The test takes the latest reporting point reached (last year's helår before this year's first
one) and a board of the demo kommun whose follow-up for it is not started. Where every board
has started it, the test sets one board's follow-up aside and puts it back afterwards; either
way the other browser tests see the demo as it was loaded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from internkontroll.controls.tables import ControlPlan
from internkontroll.organisation.tables import Board
from internkontroll.reports.periods import reporting_periods
from internkontroll.reports.tables import FollowUp
from internkontroll.timeutil import today
from tests.browser.helpers import check_accessibility, expect, open_page
from tests.browser.test_testing import live_database

PageAs = Callable[[str], Awaitable[Any]]
SUMMARY = "Kontrollerna är genomförda. Två mindre avvikelser åtgärdas under hösten."
PREFERRED = "BOST"  # the demo's board that has not started this year's delår


async def _unstarted_board(year: int, key: str) -> dict[str, Any] | None:
    """A board with an adopted plan for the year and no follow-up for the period yet."""
    adopted = {
        p["board"]
        for p in await ControlPlan.select(ControlPlan.board).where(
            (ControlPlan.year == year) & (ControlPlan.status == "adopted")
        )
    }
    started = {
        f["board"]
        for f in await FollowUp.select(FollowUp.board).where(
            (FollowUp.year == year) & (FollowUp.period == key)
        )
    }
    boards = await Board.select(Board.id, Board.short_name, Board.name).where(Board.active.eq(True))
    free = [b for b in boards if b["id"] in adopted and b["id"] not in started]
    free.sort(key=lambda b: b["short_name"] != PREFERRED)
    return free[0] if free else None


async def _set_aside(year: int, key: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Remove the preferred board's follow-up for the period; return the board and the rows."""
    board = (
        await Board.select(Board.id, Board.short_name, Board.name)
        .where(Board.short_name == PREFERRED)
        .first()
    )
    assert board is not None, f"the demo has no {PREFERRED}"
    where = (FollowUp.board == board["id"]) & (FollowUp.year == year) & (FollowUp.period == key)
    rows = await FollowUp.select().where(where)
    await FollowUp.delete().where(where)
    return board, rows


async def test_preparer_writes_secretary_approves_and_sends(
    page_as: PageAs, pytestconfig: pytest.Config
):
    day = today()
    periods = reporting_periods(day.year - 1) + reporting_periods(day.year)
    period = [p for p in periods if p.end <= day][-1]
    set_aside: list[dict[str, Any]] = []
    async with live_database(pytestconfig):
        board = await _unstarted_board(period.year, period.key)
        if board is None:
            board, set_aside = await _set_aside(period.year, period.key)
    short = board["short_name"].lower()
    url = f"/namnder/{board['id']}/uppfoljning/{period.year}/{period.key}"
    try:
        preparer = await page_as(f"{short}-handlaggare")
        await open_page(preparer, f"/namnder/{board['id']}/uppfoljning?ar={period.year}")
        await check_accessibility(preparer, "uppföljningens årslista")
        await preparer.get_by_role("link", name=period.label).click()
        await expect(preparer.locator("#follow-up-status")).to_have_text("Ej påbörjad")
        await check_accessibility(preparer, "uppföljningen, utkast")
        await preparer.get_by_label("Gul: Brister som nämnden själv rättar").check()
        await preparer.get_by_label("Sammanfattning").fill(SUMMARY)
        await preparer.get_by_role("button", name="Spara bedömningen").click()
        await expect(preparer.get_by_role("status")).to_have_text(
            "Bedömningen är sparad i utkastet."
        )
        await expect(preparer.locator("#follow-up-status")).to_have_text("Utkast")
        await expect(preparer.get_by_label("Sammanfattning")).to_have_value(SUMMARY)

        secretary = await page_as(f"{short}-sekreterare")
        await open_page(secretary, url)
        await expect(secretary.get_by_role("button", name="Spara bedömningen")).to_have_count(0)
        early = period.end - dt.timedelta(days=1)
        await secretary.get_by_label("Sammanträdesdatum").fill(early.isoformat())
        await secretary.get_by_label("Paragraf (§)").fill("88")
        await secretary.get_by_label("Diarienummer (Dnr)").fill(f"{board['short_name']} 2026/77")
        await secretary.get_by_role("button", name="Registrera beslut").click()
        summary = secretary.get_by_role("alert")
        await expect(summary).to_contain_text(
            f"beslutsdatumet kan inte vara före {period.end.isoformat()}"
        )
        await check_accessibility(secretary, "beslutsformuläret med fel")
        await secretary.get_by_label("Sammanträdesdatum").fill(day.isoformat())
        await secretary.get_by_role("button", name="Registrera beslut").click()
        await expect(secretary.get_by_role("status")).to_contain_text(
            "Nämndens beslut är registrerat"
        )
        await expect(secretary.locator("#decision-line")).to_contain_text(
            f"Godkänd av nämnden {day.isoformat()} § 88"
        )
        await expect(secretary.locator("#follow-up-status")).to_have_text("Godkänd av nämnden")
        await secretary.get_by_role("button", name="Skicka till KS").click()
        await expect(secretary.get_by_role("status")).to_have_text(
            "Uppföljningen är skickad till KS."
        )
        await expect(secretary.locator("#follow-up-status")).to_have_text("Skickad till KS")
        await expect(secretary.get_by_text(SUMMARY)).to_be_visible()
        await check_accessibility(secretary, "uppföljningen, skickad till KS")

        # Frozen: the preparer no longer gets a form.
        await open_page(preparer, url)
        await expect(preparer.get_by_role("button", name="Spara bedömningen")).to_have_count(0)
    finally:
        async with live_database(pytestconfig):
            await FollowUp.delete().where(
                (FollowUp.board == board["id"])
                & (FollowUp.year == period.year)
                & (FollowUp.period == period.key)
            )
            if set_aside:
                await FollowUp.insert(*(FollowUp(**row) for row in set_aside))

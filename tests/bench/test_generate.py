"""The storkommun generator writes a consistent kommun: the rows the services would write.

A small scale is generated per test; its rows are checked against the rules the services
keep (one adopted plan per board and year with KS's shared points, occasions from the
schedule, results only when due, a deviation and an action per finding, frozen figures on
approved follow-ups, KS's decided review), and the app's own pages render it.
"""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from bench.generate import SMALL, GenerateRefused, Scale, generate
from internkontroll.controls.schedule import occasion_slots
from internkontroll.controls.tables import Control, ControlPlan, PlanControl, PlanControlRisk
from internkontroll.controls.testing_tables import (
    CorrectiveAction,
    Deviation,
    TestOccasion,
    TestResult,
)
from internkontroll.organisation.tables import Board
from internkontroll.reports.followup_schemas import figures_from_json
from internkontroll.reports.tables import ConsolidatedReview, FollowUp, ReviewJudgement
from internkontroll.risks.tables import Risk, RiskAssessment
from internkontroll.settings import get_settings
from internkontroll.timeutil import today
from tests.conftest import csrf_token

YEAR = 2025
TODAY = dt.date(YEAR, 10, 15)  # a year in progress: delår reported, helår not yet


async def test_small_kommun_is_consistent(db):
    """Counts per table, and every row as the services would have written it."""
    world = await generate(SMALL, year=YEAR, today=TODAY)
    years = [YEAR - 1, YEAR]
    boards = await Board.select().order_by(Board.id)
    assert [b["kind"] for b in boards] == ["executive", "board", "company"]
    assert world.board_ids == tuple(b["id"] for b in boards)
    assert world.ks_board_id == boards[0]["id"] and world.sample_board_id == boards[1]["id"]
    assert await Risk.count() == 3 * SMALL.risks_per_board
    current = await RiskAssessment.select(RiskAssessment.risk, RiskAssessment.year).where(
        RiskAssessment.current.eq(True) & RiskAssessment.year.is_in(years)
    )
    assert len(current) == len({(r["risk"], r["year"]) for r in current}) == 2 * 18

    plans = await ControlPlan.select().where(ControlPlan.status == "adopted")
    assert sorted((p["board"], p["year"]) for p in plans) == sorted(
        (b["id"], y) for b in boards for y in years
    )
    assert all(p["decided_on"] <= TODAY and p["adopted_by"] is not None for p in plans)
    assert world.plan_id in {p["id"] for p in plans if p["board"] == world.sample_board_id}
    settings = get_settings()
    for plan in plans:
        controls = await PlanControl.select(
            PlanControl.all_columns(), PlanControl.control.shared_point.as_alias("shared")
        ).where(PlanControl.plan == plan["id"])
        assert len(controls) == SMALL.controls_per_board
        assert sum(c["shared"] is not None for c in controls) == settings.shared_points_per_year
        derived = [c for c in controls if c["shared"] is None]
        links = await PlanControlRisk.select().where(
            PlanControlRisk.plan_control.is_in([c["id"] for c in derived])
        )
        # Every derived control addresses a risk, pinned to the scoring it was adopted with.
        assert len(links) == len(derived) and all(link["assessment"] for link in links)
        for control in controls:
            assert control["owner"] is not None and control["frequency"] and control["method"]
            occasions = await TestOccasion.select().where(
                TestOccasion.control == control["control"]
            )
            slots = occasion_slots(control["frequency"], plan["year"], settings.reporting_points)
            assert sorted(o["period_key"] for o in occasions) == sorted(s.key for s in slots)

    results = await TestResult.select(TestResult.all_columns(), TestResult.occasion.due_on)
    assert results and all(r["performed_on"] <= TODAY for r in results)
    logged = {r["occasion"] for r in results}
    history = await TestOccasion.select().where(TestOccasion.year == YEAR - 1)
    assert all(o["id"] in logged for o in history), "every earlier occasion has a result"
    this_year = await TestOccasion.select().where(TestOccasion.year == YEAR)
    assert not {o["id"] for o in this_year if o["due_on"] >= TODAY and not o["open_ended"]} & logged
    assert sorted(world.open_occasion_ids) == sorted(
        o["id"]
        for o in this_year
        if o["board"] == world.sample_board_id and not o["open_ended"] and o["id"] not in logged
    )
    corrections = [r for r in results if r["corrects"] is not None]
    assert corrections, "some results are corrected by a later entry"
    findings = [r for r in results if r["outcome"] in ("minor", "major")]
    deviations = await Deviation.select()
    assert sorted(d["found_in"] for d in deviations) == sorted(r["id"] for r in findings)
    actions = await CorrectiveAction.select()
    assert sorted(a["deviation"] for a in actions) == sorted(d["id"] for d in deviations)
    assert any(a["closed_on"] is None for a in actions)
    assert all(a["original_due_on"] <= a["due_on"] for a in actions)

    follow_ups = await FollowUp.select()
    assert {(f["year"], f["period"]) for f in follow_ups} == {
        (YEAR - 1, "delar"),
        (YEAR - 1, "helar"),
        (YEAR, "delar"),
    }
    for row in follow_ups:
        frozen = row["status"] in ("approved", "sent")
        assert bool(row["snapshot"]) == frozen
        if frozen:
            figures = figures_from_json(row["snapshot"])
            assert figures.board_id == row["board"] and figures.period_key == row["period"]
            assert row["period_end"] <= row["decided_on"] <= TODAY
    review = await ConsolidatedReview.select().where(ConsolidatedReview.year == YEAR - 1).first()
    assert review["status"] == "decided" and review["snapshot"]
    judged = await ReviewJudgement.select().where(ReviewJudgement.review == review["id"])
    assert {j["board"] for j in judged if j["board"]} == set(world.board_ids)
    assert not await ConsolidatedReview.exists().where(ConsolidatedReview.year == YEAR)
    assert world.draft_plan_id is not None
    draft = await ControlPlan.select().where(ControlPlan.id == world.draft_plan_id).first()
    assert (draft["status"], draft["year"]) == ("draft", YEAR + 1)
    assert await Control.count() > 0


async def test_early_in_the_year_nothing_lies_ahead(db):
    """In February: last year complete, no result or follow-up after today, no review yet."""
    on = dt.date(YEAR, 2, 10)
    world = await generate(SMALL, year=YEAR, today=on)
    assert not await TestResult.exists().where(TestResult.performed_on > on)
    assert not await FollowUp.exists().where(FollowUp.year == YEAR)
    assert not await ConsolidatedReview.exists()  # KS reviews last year in April
    assert world.draft_plan_id is None and not await RiskAssessment.exists().where(
        RiskAssessment.year == YEAR + 1
    )
    plans = await ControlPlan.select().where(ControlPlan.year == YEAR)
    assert len(plans) == 3 and all(p["decided_on"] <= on for p in plans)


async def test_pages_render_the_generated_kommun(db, client: httpx.AsyncClient):
    """KS's overview, a plan and Mina kontroller show the generated kommun; a second run refuses."""
    on = today()
    world = await generate(SMALL, year=on.year, today=on)
    await client.get("/login")
    signed_in = await client.post(
        "/login",
        data={
            "username": world.users["coordinator"],
            "password": world.password,
            "_csrf_token": csrf_token(client),
        },
    )
    assert signed_in.status_code == 303
    overview = await client.get("/ks/oversikt")
    assert overview.status_code == 200
    for board in await Board.select(Board.name):
        assert board["name"] in overview.text
    plan = await client.get(f"/planer/{world.plan_id}")
    assert plan.status_code == 200
    titles = await PlanControl.select(PlanControl.title).where(PlanControl.plan == world.plan_id)
    for row in titles:
        assert row["title"] in plan.text
    with pytest.raises(GenerateRefused):
        await generate(SMALL, year=on.year, today=on)


async def test_scale_is_checked(db):
    """A scale with fewer risks than controls to derive is refused before anything is written."""
    with pytest.raises(ValueError, match="risks"):
        await generate(
            Scale(boards=2, risks_per_board=1, controls_per_board=5, history_years=0),
            year=YEAR,
            today=TODAY,
        )
    assert not await Board.exists()

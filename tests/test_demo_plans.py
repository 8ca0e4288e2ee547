"""The demo kommun's plans: this year adopted (KFN late), KS's shared points, next year drafted."""

import datetime as dt

from internkontroll.controls.deadline import plan_statuses
from internkontroll.controls.readiness import readiness_problems
from internkontroll.controls.shared import shared_decision
from internkontroll.controls.tables import Control, ControlPlan, PlanControl
from internkontroll.demo_risks import started_next_year
from internkontroll.timeutil import today


async def test_this_years_plans_are_adopted_and_one_is_late(demo_db):
    year = today().year
    statuses = {s.short_name: s for s in await plan_statuses(year)}
    assert {s.status for s in statuses.values()} == {"adopted"}
    late = [short for short, s in statuses.items() if s.timeliness == "late"]
    # Before 12 February the demo dates KFN's meeting today, which is still on time.
    if today() >= dt.date(year, 2, 12):
        assert late == ["KFN"]
        assert statuses["KFN"].first_decided_on.month == 2
    assert all(s.plan_id for s in statuses.values())


async def test_last_years_plans_are_adopted_and_tn_was_late(demo_db):
    statuses = {s.short_name: s for s in await plan_statuses(today().year - 1)}
    assert {s.status for s in statuses.values()} == {"adopted"}
    assert [short for short, s in statuses.items() if s.timeliness == "late"] == ["TN"]


async def test_shared_points_last_this_and_next_year_are_in_every_plan(demo_db):
    year = today().year
    for y in (year - 1, year, year + 1):
        decision = await shared_decision(y)
        assert decision is not None and len(decision["points"]) == 2
        point_ids = {p["id"] for p in decision["points"]}
        plans = await ControlPlan.select().where(ControlPlan.year == y)
        for plan in plans:
            included = {
                r["shared_point"]
                for r in await PlanControl.select(
                    PlanControl.control.shared_point.as_alias("shared_point")
                ).where(PlanControl.plan == plan["id"])
            }
            assert point_ids <= included, plan


async def test_next_years_plans_are_drafts_of_the_boards_that_started(demo_db):
    year = today().year
    drafts = await ControlPlan.select(
        ControlPlan.board.short_name.as_alias("short"), ControlPlan.status
    ).where(ControlPlan.year == year + 1)
    assert sorted(d["short"] for d in drafts) == sorted(started_next_year())
    assert {d["status"] for d in drafts} == {"draft"}


async def test_adopted_demo_plans_are_complete(demo_db):
    plans = await ControlPlan.select().where(ControlPlan.status == "adopted")
    for plan in plans:
        assert await readiness_problems(plan) == []
        assert plan["paragraph"].startswith("§ ") and plan["registry_number"]
    assert await Control.count() == await PlanControl.count()

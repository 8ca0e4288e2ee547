"""Plan versions: a revision keeps the controls' identity, supersedes only when adopted."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from internkontroll.controls import plans
from internkontroll.controls.decisions import DecisionInput
from internkontroll.controls.plan_controls import (
    ControlInput,
    add_control,
    remove_control,
    update_control,
)
from internkontroll.controls.tables import Control, ControlPlan, PlanControl, PlanControlRisk
from internkontroll.controls.views import plan_document
from internkontroll.errors import ValidationFailed
from internkontroll.risks.assessments import AssessmentInput, assess
from tests.controls.conftest import YEAR
from tests.controls.test_plans import adopted_plan, snapshot, status_of


async def test_a_new_version_keeps_the_controls_identity(plan_world):
    w = plan_world
    first = await adopted_plan(w)
    v1 = await plan_document(w.viewer, first)
    second = await plans.new_version(w.preparer, first)
    v2 = await plan_document(w.viewer, second)
    assert v2.plan["version"] == 2 and v2.plan["based_on"] == first and v2.is_draft
    assert [c.control_id for c in v2.controls] == [c.control_id for c in v1.controls]
    assert [c.owner_id for c in v2.controls] == [w.owner_id] * 5
    assert {c.id for c in v2.controls}.isdisjoint({c.id for c in v1.controls})
    unpinned = await PlanControlRisk.select().where(PlanControlRisk.plan_control.plan == second)
    assert unpinned and all(link["assessment"] is None for link in unpinned)
    # The draft shows today's scoring; the adopted version keeps the one it was decided on.
    await assess(w.preparer, w.risks["avtal"], YEAR, AssessmentInput(2, 2, "control"))
    assert (await plan_document(w.viewer, second)).controls[2].risks[0].value == 4
    assert (await plan_document(w.viewer, first)).controls[2].risks[0].value == 16

    await update_control(
        w.preparer,
        v2.controls[3].id,
        ControlInput(
            title="Elevpeng stäms av mot folkbokföringen",
            method="reconciliation",
            frequency="monthly",
            report_when="Delår och helår",
            owner_id=w.owner_id,
            process_id=w.process,
            risk_ids=(w.risks["elevpeng"],),
        ),
    )
    assert (await plan_document(w.viewer, first)).controls[3].title == "Felaktig elevpeng"
    assert await status_of(first) == "adopted"
    await plans.send_for_decision(w.preparer, second)
    assert await status_of(first) == "adopted"  # superseded only by the new decision
    await plans.adopt(w.secretary, second, DecisionInput(dt.date(2026, 4, 15), "§ 44", "BUN 2"))
    versions = await plans.plan_versions(w.auditor, w.board, YEAR)
    assert [(v["version"], v["status"]) for v in versions] == [(1, "superseded"), (2, "adopted")]
    assert versions[0]["superseded_at"] is not None
    document = await plan_document(w.viewer, second)
    assert document.timeliness == "on_time"  # the first adoption was in time
    assert len(document.versions) == 2
    third = await plans.new_version(w.preparer, second)
    assert (await plans.get_plan(w.viewer, third))["version"] == 3


async def test_a_later_decision_cannot_be_dated_before_the_one_it_replaces(plan_world):
    w = plan_world
    first = await adopted_plan(w)
    second = await plans.new_version(w.preparer, first)
    await plans.send_for_decision(w.preparer, second)
    before = await snapshot(w.board)
    with pytest.raises(ValidationFailed) as failed:
        await plans.adopt(w.secretary, second, DecisionInput(dt.date(2026, 1, 19), "§ 9", "x"))
    assert [e.field for e in failed.value.errors] == ["decided_on"]
    assert "2026-01-20" in failed.value.errors[0].message
    with pytest.raises(ValidationFailed) as failed:
        await plans.adopt(w.secretary, second, DecisionInput(dt.date(2099, 1, 1), "§ 9", "x"))
    assert [e.field for e in failed.value.errors] == ["decided_on"]
    assert await snapshot(w.board) == before
    await plans.adopt(w.secretary, second, DecisionInput(dt.date(2026, 1, 20), "§ 9", "x"))


async def test_a_control_removed_in_a_new_version_keeps_its_identity(plan_world):
    w = plan_world
    first = await adopted_plan(w)
    second = await plans.new_version(w.preparer, first)
    v2 = await plan_document(w.preparer, second)
    removed = v2.controls[4]
    await remove_control(w.preparer, removed.id)
    assert await Control.exists().where(Control.id == removed.control_id)
    assert removed.control_id in [
        c.control_id for c in (await plan_document(w.viewer, first)).controls
    ]
    added = await add_control(w.preparer, second, ControlInput(title="Nytt moment"))
    added_identity = (await PlanControl.select().where(PlanControl.id == added).first())["control"]
    await remove_control(w.preparer, added)
    # Used by no version, so nothing can have been logged against it: it goes.
    assert not await Control.exists().where(Control.id == added_identity)


async def test_two_concurrent_new_versions_make_one_draft(plan_world):
    w = plan_world
    first = await adopted_plan(w)
    results = await asyncio.gather(
        plans.new_version(w.preparer, first),
        plans.new_version(w.admin, first),
        return_exceptions=True,
    )
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "int"], results
    assert await ControlPlan.count() == 2

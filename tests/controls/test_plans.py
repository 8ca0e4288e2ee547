"""Plan lifecycle: derivation, transitions, the freeze, atomic adoption, permissions, races."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from internkontroll.controls import plans
from internkontroll.controls.decisions import DecisionInput
from internkontroll.controls.plan_controls import (
    ControlInput,
    add_control,
    add_missing_shared_points,
    remove_control,
    update_control,
)
from internkontroll.controls.tables import Control, ControlPlan, PlanControl, PlanControlRisk
from internkontroll.controls.views import plan_document
from internkontroll.errors import Conflict, Forbidden, NotFound, ValidationFailed
from internkontroll.organisation.tables import Process
from internkontroll.risks.assessments import AssessmentInput, assess
from internkontroll.risks.register import RiskInput, create_risk, update_risk
from tests.controls.conftest import ADOPTION, YEAR, complete_controls, decide_shared_points

SHARED_TITLES = ["Attest av leverantörsfakturor", "Registrering av allmänna handlingar"]
RISK_TITLES = ["Skolskjuts utan avtal", "Felaktig elevpeng", "Sen delegationsanmälan"]


async def snapshot(board_id: int) -> tuple[list, list, list, list]:
    """Every plan, control, risk link and control identity of a board, in id order."""
    return (
        await ControlPlan.select().where(ControlPlan.board == board_id).order_by(ControlPlan.id),
        await PlanControl.select()
        .where(PlanControl.plan.board == board_id)
        .order_by(PlanControl.id),
        await PlanControlRisk.select()
        .where(PlanControlRisk.plan_control.plan.board == board_id)
        .order_by(PlanControlRisk.id),
        await Control.select().where(Control.board == board_id).order_by(Control.id),
    )


async def ready_draft(world) -> int:
    """KS's points decided, the plan drafted and every control completed."""
    await decide_shared_points(world)
    plan_id = await plans.create_plan(world.preparer, world.board, YEAR)
    await complete_controls(world, plan_id)
    return plan_id


async def adopted_plan(world) -> int:
    """A complete plan sent for decision and adopted on 20 January."""
    plan_id = await ready_draft(world)
    await plans.send_for_decision(world.preparer, plan_id)
    await plans.adopt(world.secretary, plan_id, ADOPTION)
    return plan_id


async def status_of(plan_id: int) -> str:
    """The stored status of a plan version."""
    row = await ControlPlan.select(ControlPlan.status).where(ControlPlan.id == plan_id).first()
    return row["status"]


async def test_draft_to_adopted(plan_world):
    await decide_shared_points(plan_world)
    plan_id = await plans.create_plan(plan_world.preparer, plan_world.board, YEAR)
    document = await plan_document(plan_world.preparer, plan_id)
    assert [c.title for c in document.controls] == SHARED_TITLES + RISK_TITLES
    assert [c.shared for c in document.controls] == [True, True, False, False, False]
    await complete_controls(plan_world, plan_id)
    await plans.send_for_decision(plan_world.preparer, plan_id)
    await plans.adopt(plan_world.secretary, plan_id, ADOPTION)
    document = await plan_document(plan_world.viewer, plan_id)
    assert document.status == "adopted"
    assert document.timeliness == "on_time"
    assert document.controls[2].risks[0].value == 16
    plan = document.plan
    assert (plan["decided_on"], plan["paragraph"], plan["registry_number"]) == (
        dt.date(2026, 1, 20),
        "§ 7",
        "BUN 2025/301",
    )
    assert plan["adopted_by_name"] == "Sekreterare" and plan["adopted_at"] is not None
    links = await PlanControlRisk.select().where(PlanControlRisk.plan_control.plan == plan_id)
    assert links and all(link["assessment"] is not None for link in links)


async def test_derivation_takes_only_the_boards_control_treated_active_risks_of_the_year(
    plan_world,
):
    w = plan_world
    sn_process = (
        await Process.insert(Process(board=w.other_board, name="Försörjningsstöd")).returning(
            Process.id
        )
    )[0]["id"]

    async def risk(title, board, process, principal, year, score, treatment="control"):
        data = RiskInput(process_id=process, category_id=w.category, title=title)
        risk_id = await create_risk(principal, board, year, data)
        await assess(principal, risk_id, year, AssessmentInput(*score, treatment))
        return risk_id

    await risk("Annan nämnds risk", w.other_board, sn_process, w.outsider, YEAR, (4, 4))
    retired = await risk("Avvecklad risk", w.board, w.process, w.preparer, YEAR, (4, 3))
    await update_risk(
        w.preparer,
        retired,
        RiskInput(process_id=w.process, category_id=w.category, title="Avvecklad risk"),
        active=False,
    )
    await risk("Bara nästa år", w.board, w.process, w.preparer, YEAR + 1, (4, 4))
    rescored = await risk("Omprövad risk", w.board, w.process, w.preparer, YEAR, (2, 3))
    await assess(w.preparer, rescored, YEAR, AssessmentInput(1, 1, "monitor"))
    await risk("Attestrutin brister", w.board, w.process, w.preparer, YEAR, (3, 3))

    plan_id = await plans.create_plan(w.preparer, w.board, YEAR)
    document = await plan_document(w.preparer, plan_id)
    # Highest value first; equal values by title. No shared points: KS has not decided.
    assert [(c.title, c.top_risk.value) for c in document.controls] == [
        ("Skolskjuts utan avtal", 16),
        ("Attestrutin brister", 9),
        ("Felaktig elevpeng", 9),
        ("Sen delegationsanmälan", 4),
    ]
    assert [c.position for c in document.controls] == [1, 2, 3, 4]
    assert all(c.process_id == w.process and len(c.risks) == 1 for c in document.controls)
    identities = await Control.select().where(Control.year == YEAR)
    assert {i["board"] for i in identities} == {w.board}
    assert await Control.count().where(Control.board == w.other_board) == 0


async def test_shared_points_come_first_and_a_board_has_one_plan_a_year(plan_world):
    await decide_shared_points(plan_world)
    plan_id = await plans.create_plan(plan_world.preparer, plan_world.board, YEAR)
    document = await plan_document(plan_world.preparer, plan_id)
    assert [c.title for c in document.controls[:2]] == SHARED_TITLES
    assert [c.reported_to for c in document.controls[:2]] == ["Kommunstyrelsen"] * 2
    before = await snapshot(plan_world.board)
    with pytest.raises(Conflict, match="redan en plan för 2026"):
        await plans.create_plan(plan_world.admin, plan_world.board, YEAR)
    assert await snapshot(plan_world.board) == before
    other = await plans.create_plan(plan_world.preparer, plan_world.board, YEAR + 1)
    assert other != plan_id


async def test_create_plan_refuses_bad_boards_years_and_roles(plan_world):
    w = plan_world
    with pytest.raises(NotFound):
        await plans.create_plan(w.admin, 999_999, YEAR)
    with pytest.raises(NotFound):
        await plans.create_plan(w.admin, 3_000_000_000, YEAR)
    for year in (1999, 2101, 10**12):
        with pytest.raises(ValidationFailed) as failed:
            await plans.create_plan(w.preparer, w.board, year)
        assert failed.value.errors[0].field == "year"
    for principal in (
        w.secretary,
        w.viewer,
        w.owner,
        w.outsider,
        w.auditor,
        w.coordinator,
        w.ks_member,
    ):
        with pytest.raises(Forbidden):
            await plans.create_plan(principal, w.board, YEAR)
    assert await ControlPlan.count() == 0
    assert await plans.create_plan(w.admin, w.board, YEAR)


async def test_every_allowed_transition(plan_world):
    w = plan_world
    plan_id = await ready_draft(w)
    await plans.send_for_decision(w.preparer, plan_id)
    row = await plans.get_plan(w.viewer, plan_id)
    assert row["status"] == "for_decision" and row["sent_for_decision_at"] is not None
    await plans.return_to_draft(w.secretary, plan_id)
    row = await plans.get_plan(w.viewer, plan_id)
    assert row["status"] == "draft" and row["sent_for_decision_at"] is None
    await plans.send_for_decision(w.secretary, plan_id)
    await plans.return_to_draft(w.preparer, plan_id)
    await plans.send_for_decision(w.admin, plan_id)
    await plans.adopt(w.secretary, plan_id, DecisionInput(dt.date(2026, 1, 20), "7", " Dnr 1 "))
    row = await plans.get_plan(w.viewer, plan_id)
    assert (row["status"], row["paragraph"], row["registry_number"]) == (
        "adopted",
        "§ 7",
        "Dnr 1",
    )


async def test_forbidden_transitions_change_nothing(plan_world):
    w = plan_world
    plan_id = await ready_draft(w)
    before = await snapshot(w.board)
    with pytest.raises(Conflict, match="markerad för beslut"):
        await plans.adopt(w.admin, plan_id, ADOPTION)  # draft → adopted directly
    with pytest.raises(Conflict, match="redan ett utkast"):
        await plans.return_to_draft(w.admin, plan_id)
    with pytest.raises(Conflict, match="antagna planen"):
        await plans.new_version(w.admin, plan_id)  # a new version from a draft
    assert await snapshot(w.board) == before

    await plans.send_for_decision(w.preparer, plan_id)
    before = await snapshot(w.board)
    with pytest.raises(Conflict, match="Bara ett utkast"):
        await plans.send_for_decision(w.admin, plan_id)
    with pytest.raises(Conflict, match="antagna planen"):
        await plans.new_version(w.admin, plan_id)
    assert await snapshot(w.board) == before

    await plans.adopt(w.secretary, plan_id, ADOPTION)
    before = await snapshot(w.board)
    with pytest.raises(Conflict, match="är antagen"):
        await plans.return_to_draft(w.admin, plan_id)  # adopted → draft
    with pytest.raises(Conflict, match="är antagen"):
        await plans.send_for_decision(w.admin, plan_id)
    with pytest.raises(Conflict, match="redan antagen"):
        await plans.adopt(w.admin, plan_id, ADOPTION)  # re-adopting
    with pytest.raises(Conflict, match="redan antagen"):  # the state wins over a bad body
        await plans.adopt(w.admin, plan_id, DecisionInput(dt.date(2026, 1, 20), "", ""))
    assert await snapshot(w.board) == before

    second = await plans.new_version(w.preparer, plan_id)
    before = await snapshot(w.board)
    with pytest.raises(Conflict, match="redan en ny version"):
        await plans.new_version(w.admin, plan_id)  # two open versions
    await plans.send_for_decision(w.preparer, second)
    with pytest.raises(Conflict, match="redan en ny version"):
        await plans.new_version(w.admin, plan_id)
    await plans.adopt(w.secretary, second, ADOPTION)
    before = await snapshot(w.board)
    with pytest.raises(Conflict, match="antagna planen"):
        await plans.new_version(w.admin, plan_id)  # from the superseded version
    for attempt in (
        plans.send_for_decision(w.admin, plan_id),
        plans.return_to_draft(w.admin, plan_id),
        plans.adopt(w.admin, plan_id, ADOPTION),
    ):
        with pytest.raises(Conflict):
            await attempt
    assert await snapshot(w.board) == before


async def test_a_plan_for_decision_cannot_be_edited(plan_world):
    w = plan_world
    plan_id = await ready_draft(w)
    await plans.send_for_decision(w.preparer, plan_id)
    document = await plan_document(w.preparer, plan_id)
    before = await snapshot(w.board)
    edit = ControlInput(title="Ändrad", method="sample", frequency="yearly")
    with pytest.raises(Conflict, match="skickad för beslut"):
        await add_control(w.preparer, plan_id, edit)
    for control in document.controls:
        with pytest.raises(Conflict, match="skickad för beslut"):
            await update_control(w.preparer, control.id, edit)
        with pytest.raises(Conflict, match="skickad för beslut"):
            await remove_control(w.preparer, control.id)
    with pytest.raises(Conflict, match="skickad för beslut"):
        await add_missing_shared_points(w.preparer, plan_id)
    assert await snapshot(w.board) == before


async def test_an_adopted_plan_is_frozen_on_every_write_path(plan_world):
    w = plan_world
    plan_id = await adopted_plan(w)
    document = await plan_document(w.preparer, plan_id)
    before = await snapshot(w.board)
    for principal in (w.preparer, w.admin):
        edit = ControlInput(title="Ändrad", owner_id=w.owner_id, risk_ids=(w.risks["lag"],))
        with pytest.raises(Conflict, match="antagen"):
            await add_control(principal, plan_id, edit)
        for control in document.controls:
            with pytest.raises(Conflict, match="antagen"):
                await update_control(principal, control.id, edit)
            with pytest.raises(Conflict, match="antagen"):
                await remove_control(principal, control.id)
        with pytest.raises(Conflict, match="antagen"):
            await add_missing_shared_points(principal, plan_id)
        with pytest.raises(Conflict):
            await plans.send_for_decision(principal, plan_id)
        with pytest.raises(Conflict):
            await plans.return_to_draft(principal, plan_id)
        with pytest.raises(Conflict):
            await plans.create_plan(principal, w.board, YEAR)
    with pytest.raises(Conflict):
        await plans.adopt(w.secretary, plan_id, ADOPTION)
    assert await snapshot(w.board) == before

    # Re-scoring or renaming nothing in the plan: the adopted values stay as decided.
    await assess(w.preparer, w.risks["avtal"], YEAR, AssessmentInput(1, 2, "control"))
    assert await snapshot(w.board) == before
    frozen = await plan_document(w.viewer, plan_id)
    assert frozen.controls[2].risks[0].value == 16


async def test_adoption_is_atomic(plan_world, monkeypatch):
    w = plan_world
    first = await adopted_plan(w)
    second = await plans.new_version(w.preparer, first)
    await plans.send_for_decision(w.preparer, second)
    before = await snapshot(w.board)

    async def broken(*args, **kwargs):
        raise RuntimeError("audit store down")

    monkeypatch.setattr(plans.audit, "record", broken)
    with pytest.raises(RuntimeError):
        await plans.adopt(w.secretary, second, DecisionInput(dt.date(2026, 3, 2), "§ 30", "x"))
    assert await snapshot(w.board) == before
    assert await status_of(second) == "for_decision"
    assert await status_of(first) == "adopted"
    pinned = await PlanControlRisk.select().where(
        (PlanControlRisk.plan_control.plan == second) & PlanControlRisk.assessment.is_not_null()
    )
    assert pinned == []
    monkeypatch.undo()
    await plans.adopt(w.secretary, second, DecisionInput(dt.date(2026, 3, 2), "§ 30", "x"))
    assert (await status_of(first), await status_of(second)) == ("superseded", "adopted")


async def test_who_may_move_a_plan(plan_world):
    w = plan_world
    plan_id = await ready_draft(w)
    denied = (w.viewer, w.owner, w.outsider, w.auditor, w.coordinator, w.ks_member, w.ks_secretary)
    for principal in denied:
        with pytest.raises(Forbidden):
            await plans.send_for_decision(principal, plan_id)
    await plans.send_for_decision(w.preparer, plan_id)
    for principal in denied:
        with pytest.raises(Forbidden):
            await plans.return_to_draft(principal, plan_id)
    for principal in (*denied, w.preparer):
        with pytest.raises(Forbidden):
            await plans.adopt(principal, plan_id, ADOPTION)
    assert await status_of(plan_id) == "for_decision"
    await plans.adopt(w.secretary, plan_id, ADOPTION)
    for principal in (*denied, w.secretary):
        with pytest.raises(Forbidden):
            await plans.new_version(principal, plan_id)
    second = await plans.new_version(w.admin, plan_id)
    await plans.send_for_decision(w.admin, second)
    await plans.adopt(w.admin, second, ADOPTION)
    with pytest.raises(Forbidden):
        await plans.get_plan(w.outsider, plan_id)
    for principal in (w.viewer, w.owner, w.auditor, w.coordinator, w.ks_member):
        assert (await plans.get_plan(principal, plan_id))["id"] == plan_id
    with pytest.raises(NotFound):
        await plans.get_plan(w.admin, 3_000_000_000)


async def test_two_concurrent_drafts_make_one_plan(plan_world):
    w = plan_world
    await decide_shared_points(w)
    results = await asyncio.gather(
        plans.create_plan(w.preparer, w.board, YEAR),
        plans.create_plan(w.admin, w.board, YEAR),
        return_exceptions=True,
    )
    created = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(created) == 1 and len(refused) == 1, results
    assert await ControlPlan.count() == 1
    assert await PlanControl.count() == 5 and await Control.count() == 5


async def test_two_concurrent_adoptions_record_one_decision(plan_world):
    w = plan_world
    plan_id = await ready_draft(w)
    await plans.send_for_decision(w.preparer, plan_id)
    results = await asyncio.gather(
        plans.adopt(w.secretary, plan_id, ADOPTION),
        plans.adopt(w.admin, plan_id, DecisionInput(dt.date(2026, 1, 21), "§ 8", "y")),
        return_exceptions=True,
    )
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "NoneType"], results
    row = await plans.get_plan(w.viewer, plan_id)
    winner = "Sekreterare" if results[0] is None else "Admin"
    assert (row["status"], row["adopted_by_name"]) == ("adopted", winner)

"""Occasions follow the adopted plan: first versions schedule the year, revisions lose no result."""

from __future__ import annotations

import datetime as dt

import pytest

from internkontroll.controls import deviations, plans, results
from internkontroll.controls.decisions import DecisionInput
from internkontroll.controls.plan_controls import (
    ControlInput,
    add_control,
    remove_control,
    update_control,
)
from internkontroll.controls.results import ResultInput, log_result
from internkontroll.controls.schedule import occasion_slots
from internkontroll.controls.testing_reads import control_record
from internkontroll.controls.testing_tables import Deviation, TestOccasion, TestResult
from internkontroll.controls.views import plan_document
from internkontroll.errors import Conflict
from internkontroll.settings import get_settings
from tests.controls.conftest import ADOPTION, YEAR
from tests.controls.test_plans import adopted_plan, ready_draft

MONTHS_FROM_JUNE = [f"M{m:02d}" for m in range(6, 13)]


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    """Results are logged as if on 15 November 2026."""
    day = dt.date(2026, 11, 15)
    for module in (results, deviations):
        monkeypatch.setattr(module, "today", lambda: day)
    return day


def result_on(day: dt.date, outcome: str = "passed", deviation: str = "") -> ResultInput:
    return ResultInput(day, "Kim Kontrollant", "10 av 80 ärenden", outcome, deviation=deviation)


async def controls_of(world, plan_id: int):
    """The plan's controls in plan order: two shared half-yearly points, three risk controls."""
    return (await plan_document(world.preparer, plan_id)).controls


async def set_frequency(world, control, frequency: str) -> None:
    """Rewrite one control of a draft with another frequency, everything else as it was."""
    await update_control(
        world.preparer,
        control.id,
        ControlInput(
            title=control.title,
            purpose=control.purpose,
            method=control.method,
            scope=control.scope,
            frequency=frequency,
            report_when=control.report_when,
            reported_to=control.reported_to,
            owner_id=world.owner_id,
            process_id=control.process_id,
            risk_ids=tuple(r.risk_id for r in control.risks),
        ),
    )


async def revise(
    world,
    plan_id: int,
    decided_on: dt.date,
    frequencies: dict[int, str] | None = None,
    removed: tuple[int, ...] = (),
) -> int:
    """Draft a revision, change frequencies / remove controls (by control id), adopt it."""
    draft = await plans.new_version(world.preparer, plan_id)
    for control in await controls_of(world, draft):
        if control.control_id in removed:
            await remove_control(world.preparer, control.id)
        elif frequencies and control.control_id in frequencies:
            await set_frequency(world, control, frequencies[control.control_id])
    await plans.send_for_decision(world.preparer, draft)
    await plans.adopt(
        world.secretary, draft, DecisionInput(decided_on, "§ 50", f"BUN 2026/{draft}")
    )
    return draft


async def occasions_of(control_id: int) -> dict[str, dict]:
    """A control's occasions by period key."""
    rows = await TestOccasion.select().where(TestOccasion.control == control_id)
    by_key = {r["period_key"]: r for r in rows}
    assert len(by_key) == len(rows), "two occasions with one period key"
    return by_key


async def board_occasions(board_id: int) -> dict[int, dict]:
    rows = await TestOccasion.select().where(TestOccasion.board == board_id)
    return {r["id"]: r for r in rows}


def slot_rows(frequency: str, year: int = YEAR) -> dict[str, tuple]:
    return {
        s.key: (s.period_start, s.period_end, s.due_on, s.reporting_point, s.open_ended)
        for s in occasion_slots(frequency, year, get_settings().reporting_points)
    }


def stored_rows(occasions: dict[str, dict]) -> dict[str, tuple]:
    return {
        key: (
            r["period_start"],
            r["period_end"],
            r["due_on"],
            r["reporting_point"],
            r["open_ended"],
        )
        for key, r in occasions.items()
    }


# ------------------------------------------------------------------ the first version


async def test_a_first_adoption_schedules_exactly_the_slots_of_every_control(plan_world):
    w = plan_world
    plan_id = await ready_draft(w)
    controls = await controls_of(w, plan_id)
    for control, frequency in zip(
        controls[2:], ["monthly", "four_monthly", "as_needed"], strict=True
    ):
        await set_frequency(w, control, frequency)
    await plans.send_for_decision(w.preparer, plan_id)
    await plans.adopt(w.secretary, plan_id, ADOPTION)

    expected = dict(
        zip(
            [c.control_id for c in controls],
            ["half_yearly", "half_yearly", "monthly", "four_monthly", "as_needed"],
            strict=True,
        )
    )
    total = 0
    for control_id, frequency in expected.items():
        occasions = await occasions_of(control_id)
        assert stored_rows(occasions) == slot_rows(frequency), frequency
        assert all(r["scheduled"] for r in occasions.values())
        assert {(r["board"], r["year"]) for r in occasions.values()} == {(w.board, YEAR)}
        total += len(occasions)
    assert total == 2 + 2 + 12 + 3 + 1
    assert len(await board_occasions(w.board)) == total


async def test_a_first_version_adopted_late_still_covers_the_whole_year(plan_world):
    w = plan_world
    plan_id = await ready_draft(w)
    await plans.send_for_decision(w.preparer, plan_id)
    await plans.adopt(w.secretary, plan_id, DecisionInput(dt.date(2026, 10, 5), "§ 90", "BUN 1"))
    controls = await controls_of(w, plan_id)
    # Periods that ended before the decision are scheduled too: the plan covers its year.
    quarterly = await occasions_of(controls[2].control_id)
    assert stored_rows(quarterly) == slot_rows("quarterly")
    assert stored_rows(await occasions_of(controls[0].control_id)) == slot_rows("half_yearly")


# ------------------------------------------------------------------ revisions


async def test_a_revision_to_monthly_keeps_the_logged_quarter_and_adds_only_months_ahead(
    plan_world,
):
    w = plan_world
    plan_id = await adopted_plan(w)
    controls = await controls_of(w, plan_id)
    changed = controls[2].control_id
    before = await occasions_of(changed)
    result_id = await log_result(w.owner, before["Q1"]["id"], result_on(dt.date(2026, 3, 31)))
    others_before = {
        oid: row
        for oid, row in (await board_occasions(w.board)).items()
        if row["control"] != changed
    }

    await revise(w, plan_id, dt.date(2026, 6, 15), {changed: "monthly"})

    after = await occasions_of(changed)
    assert set(after) == {"Q1", *MONTHS_FROM_JUNE}
    # The logged quarter stays, same row, out of the schedule; its result is still there.
    assert after["Q1"]["id"] == before["Q1"]["id"]
    assert after["Q1"]["scheduled"] is False
    stored = await TestResult.select().where(TestResult.occasion == after["Q1"]["id"])
    assert [r["id"] for r in stored] == [result_id]
    # Quarters without results are gone; months are only those ending on/after 15 June.
    gone = [before[k]["id"] for k in ("Q2", "Q3", "Q4")]
    assert not await TestOccasion.exists().where(TestOccasion.id.is_in(gone))
    monthly = slot_rows("monthly")
    for key in MONTHS_FROM_JUNE:
        assert after[key]["scheduled"] is True
        assert stored_rows({key: after[key]})[key] == monthly[key]
    # Every other control keeps its occasions untouched.
    others_after = {
        oid: row
        for oid, row in (await board_occasions(w.board)).items()
        if row["control"] != changed
    }
    assert others_after == others_before
    # The record still shows the retired quarter with its result, and the months are testable.
    assert await log_result(w.owner, after["M06"]["id"], result_on(dt.date(2026, 6, 30)))
    record = await control_record(w.viewer, changed)
    q1 = next(o for o in record.occasions if o.id == after["Q1"]["id"])
    assert [r.id for r in q1.results] == [result_id]


async def test_a_month_ending_on_the_decision_day_is_scheduled(plan_world):
    w = plan_world
    plan_id = await adopted_plan(w)
    changed = (await controls_of(w, plan_id))[2].control_id
    await revise(w, plan_id, dt.date(2026, 5, 31), {changed: "monthly"})
    assert sorted(await occasions_of(changed)) == [f"M{m:02d}" for m in range(5, 13)]


async def test_a_retired_occasion_refuses_new_results(plan_world):
    w = plan_world
    plan_id = await adopted_plan(w)
    changed = (await controls_of(w, plan_id))[2].control_id
    q1 = (await occasions_of(changed))["Q1"]
    await log_result(w.owner, q1["id"], result_on(dt.date(2026, 3, 31)))
    await revise(w, plan_id, dt.date(2026, 6, 15), {changed: "monthly"})
    with pytest.raises(Conflict, match="antagna plan"):
        await log_result(w.preparer, q1["id"], result_on(dt.date(2026, 4, 2)))
    assert await TestResult.count().where(TestResult.occasion == q1["id"]) == 1


async def test_a_control_added_in_a_revision_gets_only_the_periods_ahead(plan_world):
    w = plan_world
    plan_id = await adopted_plan(w)
    draft = await plans.new_version(w.preparer, plan_id)
    added = await add_control(
        w.preparer,
        draft,
        ControlInput(
            title="Avstämning av kassan",
            purpose="Att kassan stämmer",
            method="reconciliation",
            scope="Alla kassor",
            frequency="quarterly",
            report_when="Delår och helår",
            reported_to="Nämnden",
            owner_id=w.owner_id,
            process_id=w.process,
        ),
    )
    before = await board_occasions(w.board)
    await plans.send_for_decision(w.preparer, draft)
    await plans.adopt(w.secretary, draft, DecisionInput(dt.date(2026, 6, 30), "§ 60", "BUN 9"))
    control_id = next(c.control_id for c in await controls_of(w, draft) if c.id == added)
    occasions = await occasions_of(control_id)
    # Q2 ends on the decision day itself and is still ahead; Q1 is not scheduled after the fact.
    assert stored_rows(occasions) == {
        k: v for k, v in slot_rows("quarterly").items() if k in ("Q2", "Q3", "Q4")
    }
    assert all(r["scheduled"] for r in occasions.values())
    after = await board_occasions(w.board)
    assert {k: v for k, v in after.items() if v["control"] != control_id} == before


async def test_a_removed_control_keeps_only_its_occasions_with_results(plan_world):
    w = plan_world
    plan_id = await adopted_plan(w)
    removed = (await controls_of(w, plan_id))[4].control_id
    before = await occasions_of(removed)
    passed = await log_result(w.owner, before["Q1"]["id"], result_on(dt.date(2026, 3, 31)))
    minor = await log_result(
        w.owner,
        before["Q2"]["id"],
        result_on(dt.date(2026, 6, 30), "minor", deviation="Anmälan kom för sent"),
    )

    await revise(w, plan_id, dt.date(2026, 9, 1), removed=(removed,))

    after = await occasions_of(removed)
    assert sorted(after) == ["Q1", "Q2"]
    assert {k: (r["id"], r["scheduled"]) for k, r in after.items()} == {
        "Q1": (before["Q1"]["id"], False),
        "Q2": (before["Q2"]["id"], False),
    }
    kept = await TestResult.select(TestResult.id).where(TestResult.control == removed)
    assert sorted(r["id"] for r in kept) == sorted([passed, minor])
    deviation = await Deviation.select().where(Deviation.found_in == minor).first()
    assert deviation is not None and deviation["occasion"] == before["Q2"]["id"]
    assert not await TestOccasion.exists().where(
        TestOccasion.id.is_in([before["Q3"]["id"], before["Q4"]["id"]])
    )


async def test_a_removed_control_without_results_loses_all_its_occasions(plan_world):
    w = plan_world
    plan_id = await adopted_plan(w)
    removed = (await controls_of(w, plan_id))[4].control_id
    await revise(w, plan_id, dt.date(2026, 2, 1), removed=(removed,))
    assert await occasions_of(removed) == {}


async def test_a_revision_back_reschedules_the_retired_occasion_instead_of_duplicating_it(
    plan_world,
):
    w = plan_world
    plan_id = await adopted_plan(w)
    changed = (await controls_of(w, plan_id))[2].control_id
    q1 = (await occasions_of(changed))["Q1"]
    q1_result = await log_result(w.owner, q1["id"], result_on(dt.date(2026, 3, 31)))

    second = await revise(w, plan_id, dt.date(2026, 6, 15), {changed: "monthly"})
    july = (await occasions_of(changed))["M07"]
    july_result = await log_result(w.owner, july["id"], result_on(dt.date(2026, 7, 31)))

    await revise(w, second, dt.date(2026, 8, 20), {changed: "quarterly"})

    after = await occasions_of(changed)
    # Q2 ended before the third decision and was dropped in the second: it does not return.
    assert sorted(after) == ["M07", "Q1", "Q3", "Q4"]
    assert (after["Q1"]["id"], after["Q1"]["scheduled"]) == (q1["id"], True)
    assert (after["M07"]["id"], after["M07"]["scheduled"]) == (july["id"], False)
    assert after["Q3"]["scheduled"] and after["Q4"]["scheduled"]
    assert stored_rows({"Q1": after["Q1"]}) == {"Q1": slot_rows("quarterly")["Q1"]}
    assert (
        await TestOccasion.count().where(
            (TestOccasion.control == changed) & (TestOccasion.period_key == "Q1")
        )
        == 1
    )
    results_now = await TestResult.select(TestResult.id, TestResult.occasion).where(
        TestResult.control == changed
    )
    assert sorted((r["id"], r["occasion"]) for r in results_now) == sorted(
        [(q1_result, q1["id"]), (july_result, july["id"])]
    )


async def test_a_revision_to_an_open_ended_frequency_reuses_the_yearly_occasion(plan_world):
    w = plan_world
    plan_id = await ready_draft(w)
    control = (await controls_of(w, plan_id))[3]
    await set_frequency(w, control, "yearly")
    await plans.send_for_decision(w.preparer, plan_id)
    await plans.adopt(w.secretary, plan_id, ADOPTION)
    yearly = (await occasions_of(control.control_id))["Y"]
    assert yearly["open_ended"] is False

    second = await revise(w, plan_id, dt.date(2026, 3, 1), {control.control_id: "continuous"})
    continuous = await occasions_of(control.control_id)
    assert sorted(continuous) == ["Y"]
    assert (continuous["Y"]["id"], continuous["Y"]["open_ended"]) == (yearly["id"], True)
    await log_result(w.owner, yearly["id"], result_on(dt.date(2026, 3, 31)))
    await log_result(w.owner, yearly["id"], result_on(dt.date(2026, 4, 30)))

    await revise(w, second, dt.date(2026, 5, 1), {control.control_id: "yearly"})
    back = await occasions_of(control.control_id)
    assert (back["Y"]["id"], back["Y"]["open_ended"], back["Y"]["scheduled"]) == (
        yearly["id"],
        False,
        True,
    )
    assert await TestResult.count().where(TestResult.occasion == yearly["id"]) == 2


async def test_a_revision_without_changes_touches_no_occasion(plan_world):
    w = plan_world
    plan_id = await adopted_plan(w)
    changed = (await controls_of(w, plan_id))[2].control_id
    q1 = (await occasions_of(changed))["Q1"]
    await log_result(w.owner, q1["id"], result_on(dt.date(2026, 3, 31)))
    before = await board_occasions(w.board)
    await revise(w, plan_id, dt.date(2026, 11, 1))
    assert await board_occasions(w.board) == before

"""Logging results: who may, append-only storage, corrections, deviations following the outcome."""

from __future__ import annotations

import datetime as dt

import pytest

from internkontroll.controls import deviations, plans, results
from internkontroll.controls.plan_controls import ControlInput, update_control
from internkontroll.controls.results import ResultInput, correct_result, log_result
from internkontroll.controls.testing_reads import control_record
from internkontroll.controls.testing_tables import Deviation, TestOccasion, TestResult
from internkontroll.controls.views import plan_document
from internkontroll.errors import Conflict, Forbidden, ValidationFailed
from tests.controls.conftest import ADOPTION
from tests.controls.test_plans import adopted_plan, ready_draft

PASSED = ResultInput(dt.date(2026, 3, 31), "Kim Kontrollant", "20 av 312 fakturor", "passed")
MINOR = ResultInput(
    dt.date(2026, 3, 31),
    "Kim Kontrollant",
    "20 av 312 fakturor",
    "minor",
    deviation="Två fakturor saknade attest",
)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    """Results are logged as if on 15 November 2026."""
    day = dt.date(2026, 11, 15)
    for module in (results, deviations):
        monkeypatch.setattr(module, "today", lambda: day)
    return day


async def first_occasion(board: int, frequency_key: str = "Q1") -> dict:
    """The board's first occasion with the given period key."""
    return (
        await TestOccasion.select()
        .where((TestOccasion.board == board) & (TestOccasion.period_key == frequency_key))
        .order_by(TestOccasion.id)
        .first()
    )


async def test_adoption_schedules_occasions_from_each_frequency(plan_world):
    await adopted_plan(plan_world)
    rows = await TestOccasion.select().where(TestOccasion.board == plan_world.board)
    keys = sorted(r["period_key"] for r in rows)
    # Two shared points half-yearly, three risk controls quarterly.
    assert keys == sorted(["H1", "H2"] * 2 + ["Q1", "Q2", "Q3", "Q4"] * 3)
    h1 = next(r for r in rows if r["period_key"] == "H1")
    assert h1["due_on"] == dt.date(2026, 8, 31) and h1["reporting_point"] == dt.date(2026, 8, 31)


async def test_the_owner_logs_a_result_and_nobody_can_overwrite_it(plan_world):
    await adopted_plan(plan_world)
    occasion = await first_occasion(plan_world.board)
    result_id = await log_result(plan_world.owner, occasion["id"], PASSED)
    with pytest.raises(Conflict, match="rättelse"):
        await log_result(plan_world.preparer, occasion["id"], PASSED)
    stored = await TestResult.select().where(TestResult.occasion == occasion["id"])
    assert [r["id"] for r in stored] == [result_id]
    assert stored[0]["recorded_by"] == plan_world.owner_id


@pytest.mark.parametrize("who", ["viewer", "secretary", "outsider", "admin", "auditor"])
async def test_only_the_owner_and_preparers_log_results(plan_world, who):
    await adopted_plan(plan_world)
    occasion = await first_occasion(plan_world.board)
    with pytest.raises(Forbidden):
        await log_result(getattr(plan_world, who), occasion["id"], PASSED)
    assert not await TestResult.exists().where(TestResult.occasion == occasion["id"])


async def test_a_preparer_may_log_for_any_control_of_the_board(plan_world):
    await adopted_plan(plan_world)
    occasion = await first_occasion(plan_world.board)
    assert await log_result(plan_world.preparer, occasion["id"], PASSED)


async def test_a_correction_is_a_new_entry_pointing_back(plan_world):
    await adopted_plan(plan_world)
    occasion = await first_occasion(plan_world.board)
    first = await log_result(plan_world.owner, occasion["id"], PASSED)
    with pytest.raises(ValidationFailed) as missing_reason:
        await correct_result(plan_world.owner, first, MINOR)
    assert [e.field for e in missing_reason.value.errors] == ["correction_reason"]
    fix = ResultInput(**{**MINOR.__dict__, "correction_reason": "Fel urval registrerat"})
    second = await correct_result(plan_world.owner, first, fix)
    with pytest.raises(Conflict, match="senaste"):
        await correct_result(plan_world.owner, first, fix)
    rows = (
        await TestResult.select()
        .where(TestResult.occasion == occasion["id"])
        .order_by(TestResult.id)
    )
    assert [(r["id"], r["corrects"], r["outcome"]) for r in rows] == [
        (first, None, "passed"),
        (second, first, "minor"),
    ]
    record = await control_record(plan_world.viewer, occasion["control"])
    view = next(o for o in record.occasions if o.id == occasion["id"])
    assert view.signal.code == "yellow"
    assert [r.id for r in view.results] == [second, first]
    assert view.results[1].corrected_by == second
    assert len(record.deviations) == 1 and record.deviations[0].is_open


async def test_correcting_to_no_deviation_withdraws_the_deviation(plan_world):
    await adopted_plan(plan_world)
    occasion = await first_occasion(plan_world.board)
    first = await log_result(plan_world.owner, occasion["id"], MINOR)
    fix = ResultInput(**{**PASSED.__dict__, "correction_reason": "Attesten fanns i annat system"})
    await correct_result(plan_world.owner, first, fix)
    deviation = await Deviation.select().where(Deviation.found_in == first).first()
    assert deviation["withdrawn_at"] is not None
    assert "annat system" in deviation["withdrawn_reason"]


async def test_a_deviation_outcome_needs_a_description(plan_world):
    await adopted_plan(plan_world)
    occasion = await first_occasion(plan_world.board)
    data = ResultInput(**{**MINOR.__dict__, "deviation": " "})
    with pytest.raises(ValidationFailed) as caught:
        await log_result(plan_world.owner, occasion["id"], data)
    assert [e.field for e in caught.value.errors] == ["deviation"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"performed_on": None}, "performed_on"),
        ({"performed_on": dt.date(2026, 11, 16)}, "performed_on"),
        ({"performed_on": dt.date(2025, 12, 31)}, "performed_on"),
        ({"sample": ""}, "sample"),
        ({"performed_by_name": " "}, "performed_by_name"),
        ({"outcome": "great"}, "outcome"),
        ({"outcome": "not_performed"}, "reason"),
        ({"comment": "x" * 4001}, "comment"),
    ],
)
async def test_bad_results_name_the_field_and_store_nothing(plan_world, change, field):
    await adopted_plan(plan_world)
    occasion = await first_occasion(plan_world.board)
    with pytest.raises(ValidationFailed) as caught:
        await log_result(
            plan_world.owner, occasion["id"], ResultInput(**{**PASSED.__dict__, **change})
        )
    assert field in [e.field for e in caught.value.errors]
    assert not await TestResult.exists().where(TestResult.occasion == occasion["id"])


async def test_open_ended_occasions_take_several_results(plan_world):
    plan_id = await ready_draft(plan_world)
    document = await plan_document(plan_world.preparer, plan_id)
    control = document.controls[-1]
    await update_control(
        plan_world.preparer,
        control.id,
        ControlInput(
            title=control.title,
            purpose=control.purpose,
            method=control.method,
            scope=control.scope,
            frequency="continuous",
            report_when=control.report_when,
            reported_to=control.reported_to,
            owner_id=plan_world.owner_id,
            process_id=control.process_id,
            risk_ids=tuple(r.risk_id for r in control.risks),
        ),
    )
    await plans.send_for_decision(plan_world.preparer, plan_id)
    await plans.adopt(plan_world.secretary, plan_id, ADOPTION)
    occasion = await TestOccasion.select().where(TestOccasion.control == control.control_id).first()
    assert occasion["open_ended"] and occasion["period_key"] == "Y"
    await log_result(plan_world.owner, occasion["id"], PASSED)
    await log_result(plan_world.owner, occasion["id"], MINOR)
    record = await control_record(plan_world.viewer, control.control_id)
    assert record.occasions[0].signal.code == "yellow"  # the most serious standing result


async def test_a_draft_has_no_occasions_and_a_revision_draft_keeps_the_adopted_ones(plan_world):
    plan_id = await ready_draft(plan_world)
    assert not await TestOccasion.exists().where(TestOccasion.board == plan_world.board)
    await plans.send_for_decision(plan_world.preparer, plan_id)
    await plans.adopt(plan_world.secretary, plan_id, ADOPTION)
    occasion = await first_occasion(plan_world.board)
    await plans.new_version(plan_world.preparer, plan_id)
    # The adopted version still stands while its revision is drafted.
    assert await log_result(plan_world.owner, occasion["id"], PASSED)


async def test_an_occasion_dropped_by_a_revision_takes_no_new_results(plan_world):
    plan_id = await adopted_plan(plan_world)
    occasion = await first_occasion(plan_world.board)
    await TestOccasion.update({TestOccasion.scheduled: False}).where(
        TestOccasion.id == occasion["id"]
    )
    with pytest.raises(Conflict, match="antagna plan"):
        await log_result(plan_world.owner, occasion["id"], PASSED)
    assert plan_id

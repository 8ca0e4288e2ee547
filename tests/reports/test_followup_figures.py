"""The follow-up's figures against a hand-checked world: periods, corrections, years, totals.

The world (BUN, plan 2026 adopted 2026-01-20; today is after 31 August 2026):

| control (plan order)               | freq   | results                                         |
|------------------------------------|--------|-------------------------------------------------|
| Attest av leverantörsfakturor (KS) | H1, H2 | H1 passed 06-15                                 |
| Registrering av allm. handl. (KS)  | H1, H2 | H1 minor 08-20, action overdue (due 10-01)      |
| Skolskjuts utan avtal              | Q1–Q4  | Q1 major 04-10, action closed; Q3 passed 09-15  |
| Felaktig elevpeng                  | Q1–Q4  | Q1 passed 03-31, corrected to not performed     |
| Sen delegationsanmälan             | Q1–Q4  | –                                               |

All dates are in 2026. Plus a 2025 plan whose Q4 2025 occasion was tested on 2026-01-15:
that result belongs to 2025.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from internkontroll.controls import deviations, plans, results
from internkontroll.controls.decisions import DecisionInput
from internkontroll.controls.plan_controls import ControlInput, add_control
from internkontroll.controls.tables import PlanControl
from internkontroll.controls.testing_tables import CorrectiveAction, Deviation, TestOccasion
from internkontroll.db import current_engine
from internkontroll.reports.counts import Counts
from internkontroll.reports.followup_figures import build_figures
from internkontroll.reports.followup_schemas import figures_from_json, figures_to_json
from internkontroll.reports.periods import reporting_period
from internkontroll.risks.register import board_or_404
from internkontroll.timeutil import today
from tests.controls import conftest as plan_fixtures
from tests.controls.conftest import YEAR
from tests.controls.test_pages import adopted

plan_world = plan_fixtures.plan_world  # the plan tests' world, shared with these

SHARED_A = "Attest av leverantörsfakturor"
SHARED_B = "Registrering av allmänna handlingar"
AVTAL = "Skolskjuts utan avtal"
ELEVPENG = "Felaktig elevpeng"
LAG = "Sen delegationsanmälan"
ORDER = [SHARED_A, SHARED_B, AVTAL, ELEVPENG, LAG]
OVERDUE_DUE = dt.date(2026, 10, 1)


@dataclass
class FollowUpWorld:
    """The plan world with BUN's 2026 plan adopted and tested as in the module's table."""

    world: object
    plan_id: int
    controls: dict[str, int]  # title -> control id
    occasions: dict[tuple[str, str], int]  # (title, period key) -> occasion id
    results: dict[str, int]


def _result(day: dt.date, outcome: str, **kw) -> results.ResultInput:
    return results.ResultInput(
        performed_on=day,
        performed_by_name="Kim Kontrollant",
        sample="10 av 80",
        outcome=outcome,
        **kw,
    )


async def build_tested_world(world) -> FollowUpWorld:
    """Adopt BUN's 2026 plan and log the results, deviations and actions of the table above."""
    plan_id = await adopted(world)
    rows = await PlanControl.select(PlanControl.control, PlanControl.title).where(
        PlanControl.plan == plan_id
    )
    controls = {r["title"]: r["control"] for r in rows}
    occasions = {
        (title, o["period_key"]): o["id"]
        for title, control_id in controls.items()
        for o in await TestOccasion.select().where(TestOccasion.control == control_id)
    }
    owner = world.owner
    ids: dict[str, int] = {}
    ids["a"] = await results.log_result(
        owner, occasions[(SHARED_A, "H1")], _result(dt.date(2026, 6, 15), "passed")
    )
    ids["b"] = await results.log_result(
        owner,
        occasions[(SHARED_B, "H1")],
        _result(dt.date(2026, 8, 20), "minor", deviation="Diarieföring sen i tre ärenden"),
    )
    ids["avtal"] = await results.log_result(
        owner,
        occasions[(AVTAL, "Q1")],
        _result(dt.date(2026, 4, 10), "major", deviation="Två körningar utan avtal"),
    )
    ids["avtal_q3"] = await results.log_result(
        owner, occasions[(AVTAL, "Q3")], _result(dt.date(2026, 9, 15), "passed")
    )
    ids["elevpeng"] = await results.log_result(
        owner, occasions[(ELEVPENG, "Q1")], _result(dt.date(2026, 3, 31), "passed")
    )
    ids["elevpeng_fix"] = await results.correct_result(
        owner,
        ids["elevpeng"],
        _result(
            dt.date(2026, 3, 31),
            "not_performed",
            reason="Systemet var inte tillgängligt",
            correction_reason="Stickprovet gjordes aldrig",
        ),
    )
    for key in ("b", "avtal"):
        deviation = await Deviation.select(Deviation.id).where(Deviation.found_in == ids[key])
        ids[f"deviation_{key}"] = deviation[0]["id"]
    ids["action_avtal"] = await deviations.add_action(
        owner,
        ids["deviation_avtal"],
        deviations.ActionInput("Teckna avtal", world.owner_id, today() + dt.timedelta(days=10)),
    )
    await deviations.close_action(owner, ids["action_avtal"], dt.date(2026, 5, 2), "Avtal tecknat")
    # A due date in the past cannot be typed in: the action was written when it was due ahead.
    rows = await CorrectiveAction.insert(
        CorrectiveAction(
            deviation=ids["deviation_b"],
            board=world.board,
            description="Rätta rutinen för diarieföring",
            responsible=world.owner_id,
            responsible_name="Kontrollant",
            original_due_on=OVERDUE_DUE,
            due_on=OVERDUE_DUE,
        )
    ).returning(CorrectiveAction.id)
    ids["action_b"] = rows[0]["id"]
    await _last_year(world)
    return FollowUpWorld(world, plan_id, controls, occasions, ids)


async def _last_year(world) -> None:
    """A 2025 plan with one control whose Q4 occasion was tested in January 2026."""
    plan_id = await plans.create_plan(world.preparer, world.board, 2025)
    await add_control(
        world.preparer,
        plan_id,
        ControlInput(
            title="Fjolårets kontroll",
            method="sample",
            scope="5 ärenden",
            frequency="quarterly",
            report_when="Helår",
            reported_to="Nämnden",
            owner_id=world.owner_id,
        ),
    )
    await plans.send_for_decision(world.preparer, plan_id)
    await plans.adopt(world.secretary, plan_id, DecisionInput(dt.date(2025, 1, 20), "§ 3", "X 1"))
    occasion = (
        await TestOccasion.select()
        .where((TestOccasion.year == 2025) & (TestOccasion.period_key == "Q4"))
        .first()
    )
    await results.log_result(
        world.owner,
        occasion["id"],
        _result(dt.date(2026, 1, 15), "major", deviation="Fjolårets avvikelse"),
    )


def counts(**values: int) -> Counts:
    """Counts with the given fields, zero elsewhere."""
    return Counts(**values)


# What a hand count of the table gives per reporting point (as of today: the action on
# Registrering was due 2026-10-01 and is overdue either way).
DELAR = {
    SHARED_A: counts(due=1, tested=1, passed=1),
    SHARED_B: counts(
        due=1, tested=1, minor=1, deviations_minor=1, open_deviations=1, open_actions=1,
        overdue_actions=1,
    ),
    AVTAL: counts(due=2, tested=1, major=1, deviations_major=1, closed_actions=1),
    ELEVPENG: counts(due=2, tested=1, not_performed=1),
    LAG: counts(due=2),
}  # fmt: skip
HELAR = {
    **DELAR,
    SHARED_A: counts(due=2, tested=1, passed=1),
    SHARED_B: counts(
        due=2, tested=1, minor=1, deviations_minor=1, open_deviations=1, open_actions=1,
        overdue_actions=1,
    ),
    AVTAL: counts(due=4, tested=2, passed=1, major=1, deviations_major=1, closed_actions=1),
    ELEVPENG: counts(due=4, tested=1, not_performed=1),
    LAG: counts(due=4),
}  # fmt: skip
DELAR_TOTAL = counts(
    due=8, tested=4, passed=1, minor=1, major=1, not_performed=1, deviations_minor=1,
    deviations_major=1, open_deviations=1, open_actions=1, overdue_actions=1, closed_actions=1,
)  # fmt: skip
HELAR_TOTAL = counts(
    due=16, tested=5, passed=2, minor=1, major=1, not_performed=1, deviations_minor=1,
    deviations_major=1, open_deviations=1, open_actions=1, overdue_actions=1, closed_actions=1,
)  # fmt: skip


async def figures_for(world, key: str):
    board = await board_or_404(world.board)
    return await build_figures(board, reporting_period(YEAR, key), today())


async def test_delar_figures_match_the_hand_count(plan_world):
    tw = await build_tested_world(plan_world)
    figures = await figures_for(plan_world, "delar")
    assert [c.title for c in figures.controls] == ORDER
    assert [c.shared for c in figures.controls] == [True, True, False, False, False]
    assert {c.title: c.counts for c in figures.controls} == DELAR
    assert figures.totals == DELAR_TOTAL
    assert figures.accepted_high_risks == 1  # "Lokaler för små", 3 × 4, accepted
    assert figures.plan is not None and figures.plan.version == 1
    assert figures.plan.decision_text == "Antagen 2026-01-20 § 7, Dnr BUN 2025/301"
    assert figures.plan.timeliness_label == "Antagen i tid"
    by_title = {c.title: c for c in figures.controls}
    # The result performed on 15 September belongs to helår, not to delår per 31 August.
    assert [r.performed_on for r in by_title[AVTAL].results] == [dt.date(2026, 4, 10)]
    # The correction replaces the result it corrects.
    (elevpeng,) = by_title[ELEVPENG].results
    assert elevpeng.id == tw.results["elevpeng_fix"]
    assert (elevpeng.outcome_label, elevpeng.signal) == ("Ej genomförd", "grey")
    assert elevpeng.occasion_label == "Kvartal 1 2026"
    (deviation,) = by_title[SHARED_B].deviations
    assert (deviation.severity_label, deviation.status) == ("Mindre", "overdue")
    (action,) = deviation.actions
    assert (action.status_label, action.due_on) == ("Försenad", OVERDUE_DUE)
    (closed,) = by_title[AVTAL].deviations
    assert closed.status_label == "Åtgärdad" and closed.actions[0].status == "closed"
    assert [d.severity for d in figures.deviations] == ["major", "minor"]
    assert [(d.id, a.id) for d, a in figures.overdue_actions] == [
        (tw.results["deviation_b"], tw.results["action_b"])
    ]
    # Last year's control and its result tested in January never show in 2026.
    text = figures_to_json(figures)
    assert "Fjolårets" not in text


async def test_helar_counts_the_whole_year(plan_world):
    await build_tested_world(plan_world)
    figures = await figures_for(plan_world, "helar")
    assert {c.title: c.counts for c in figures.controls} == HELAR
    assert figures.totals == HELAR_TOTAL
    by_title = {c.title: c for c in figures.controls}
    assert [r.performed_on for r in by_title[AVTAL].results] == [
        dt.date(2026, 4, 10),
        dt.date(2026, 9, 15),
    ]


async def test_board_totals_equal_the_sum_of_the_control_rows(plan_world):
    await build_tested_world(plan_world)
    for key in ("delar", "helar"):
        figures = await figures_for(plan_world, key)
        summed = Counts()
        for control in figures.controls:
            summed.add(control.counts)
        assert summed == figures.totals, key


async def test_a_control_dropped_by_a_revision_still_reports_its_results(plan_world):
    tw = await build_tested_world(plan_world)
    await results.log_result(
        plan_world.owner, tw.occasions[(LAG, "Q1")], _result(dt.date(2026, 3, 30), "passed")
    )
    new_id = await plans.new_version(plan_world.preparer, tw.plan_id)
    dropped = (
        await PlanControl.select(PlanControl.id)
        .where((PlanControl.plan == new_id) & (PlanControl.control == tw.controls[LAG]))
        .first()
    )
    from internkontroll.controls.plan_controls import remove_control

    await remove_control(plan_world.preparer, dropped["id"])
    await plans.send_for_decision(plan_world.preparer, new_id)
    await plans.adopt(
        plan_world.secretary, new_id, DecisionInput(dt.date(2026, 9, 1), "§ 70", "BUN 2026/5")
    )
    figures = await figures_for(plan_world, "helar")
    last = figures.controls[-1]
    assert (last.title, last.in_plan) == (LAG, False)
    # Its one tested occasion stays; the ones never tested went with the revision.
    assert last.counts == counts(due=1, tested=1, passed=1)
    summed = Counts()
    for control in figures.controls:
        summed.add(control.counts)
    assert summed == figures.totals
    assert figures.plan.version == 2


async def test_snapshot_round_trips(plan_world):
    await build_tested_world(plan_world)
    figures = await figures_for(plan_world, "delar")
    assert figures_from_json(figures_to_json(figures)) == figures


async def test_a_fixed_number_of_queries_whatever_the_size(plan_world, monkeypatch):
    await build_tested_world(plan_world)
    board = await board_or_404(plan_world.board)
    period = reporting_period(YEAR, "helar")
    engine_class = type(current_engine())
    original = engine_class.run_querystring
    calls = []

    async def counting(self, *args, **kwargs):
        calls.append(1)
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(engine_class, "run_querystring", counting)
    await build_figures(board, period, today())
    small = len(calls)
    # More results, deviations and controls' worth of rows must not add queries.
    for o in await TestOccasion.select().where(
        (TestOccasion.board == plan_world.board)
        & (TestOccasion.year == YEAR)
        & (TestOccasion.period_key == "Q2")
    ):
        await results.log_result(
            plan_world.owner, o["id"], _result(dt.date(2026, 6, 1), "minor", deviation="Fel")
        )
    calls.clear()
    await build_figures(board, period, today())
    assert len(calls) == small, (small, len(calls))
    assert small <= 25

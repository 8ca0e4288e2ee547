"""The counting rules against a small world whose every figure was worked out by hand.

BUN's plan for 2026 (adopted 20 January) has KS's two shared points (half-yearly: H1 due
31 Aug, H2 due 31 Dec), a monthly control (Skolskjuts utan avtal) and two quarterly ones
(Felaktig elevpeng, Sen delegationsanmälan). SN and KS have no plan. Results:

  monthly M01  passed   2026-02-03
          M02  minor    2026-03-05  deviation D1, action A1 due 2026-04-30, open
          M03  passed   2026-04-02, corrected to major (same day): deviation D2, no action
          M04  minor    2026-05-04  deviation D3, corrected to passed: D3 withdrawn
          M05  not_performed 2026-06-10
          M08  passed   2026-09-02  (due 31 Aug, tested after: helår only)
          M10  passed   2026-08-20  (due 31 Oct, tested early: due and tested in delår)
          M11  passed   2026-11-10
  elevpeng Q1  minor    2026-04-10  deviation D4, action A2 due 06-30 closed 06-15
          Q2   major    2026-07-15  deviation D5, action A3 due 2026-12-31, open
          Q3   passed   2025-12-30  (inserted directly: another year, never counts)
          Q4   passed   2027-01-10  (inserted directly: another year, never counts)
  shared A H1  passed   2026-08-31  (the last day of delår)
  shared B H1  passed   2026-09-03  (helår only)
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass

import pytest

from internkontroll.controls import deviations, plans, results
from internkontroll.controls.deviations import ActionInput, add_action, close_action
from internkontroll.controls.plan_controls import ControlInput, update_control
from internkontroll.controls.results import ResultInput, correct_result, log_result
from internkontroll.controls.testing_tables import Deviation, TestOccasion, TestResult
from internkontroll.controls.views import plan_document
from internkontroll.organisation.tables import Process
from internkontroll.reports import overview as overview_module
from internkontroll.reports.counts import Counts, accepted_high_risks, period_counts
from internkontroll.reports.periods import reporting_period
from internkontroll.risks.assessments import AssessmentInput, assess
from internkontroll.risks.register import RiskInput, create_risk
from tests.controls import conftest as plan_fixtures
from tests.controls.conftest import ADOPTION, YEAR, PlanWorld, decide_shared_points

plan_world = plan_fixtures.plan_world

AS_OF = dt.date(2026, 11, 15)
DELAR = reporting_period(YEAR, "delar")
HELAR = reporting_period(YEAR, "helar")
MONTHLY = "Skolskjuts utan avtal"
QUARTERLY = "Felaktig elevpeng"
SHARED_A = "Attest av leverantörsfakturor"
SHARED_B = "Registrering av allmänna handlingar"


@dataclass
class CountsWorld:
    plan: PlanWorld
    plan_id: int
    controls: dict[str, int]  # title -> control id


class Clock:
    """The services' today, moved by hand (actions may not be due in the past when added)."""

    def __init__(self) -> None:
        self.day = AS_OF

    def __call__(self) -> dt.date:
        return self.day


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """results, deviations and the overview read this clock as today."""
    now = Clock()
    for module in (results, deviations, overview_module):
        monkeypatch.setattr(module, "today", now)
    return now


def result(day: dt.date, outcome: str = "passed", deviation: str = "", **kw) -> ResultInput:
    """A result as the control owner writes it."""
    reason = "Sjukdom" if outcome == "not_performed" else ""
    return ResultInput(
        day, "Kim Kontrollant", "10 av 50", outcome, reason, deviation=deviation, **kw
    )


async def occasion(control_id: int, key: str) -> int:
    """The id of a control's occasion with the period key."""
    row = (
        await TestOccasion.select(TestOccasion.id)
        .where((TestOccasion.control == control_id) & (TestOccasion.period_key == key))
        .first()
    )
    return row["id"]


async def deviation_of(result_id: int) -> int:
    """The deviation a result found."""
    return (await Deviation.select(Deviation.id).where(Deviation.found_in == result_id).first())[
        "id"
    ]


async def insert_result(control_id: int, key: str, day: dt.date) -> None:
    """A result stored directly, dated where the service refuses to date one."""
    row = (
        await TestOccasion.select()
        .where(TestOccasion.id == await occasion(control_id, key))
        .first()
    )
    await TestResult.insert(
        TestResult(
            occasion=row["id"],
            control=control_id,
            board=row["board"],
            performed_on=day,
            performed_by_name="Inlagd direkt",
            sample="1 av 1",
            outcome="passed",
        )
    )


async def adopted_with_monthly(world: PlanWorld) -> int:
    """BUN's plan with the first risk control monthly and the other two quarterly."""
    await decide_shared_points(world)
    plan_id = await plans.create_plan(world.preparer, world.board, YEAR)
    document = await plan_document(world.preparer, plan_id)
    for control in document.controls:
        await update_control(
            world.preparer,
            control.id,
            ControlInput(
                title=control.title,
                purpose=control.purpose if control.shared else "Förebygga fel",
                method=control.method or "sample",
                scope=control.scope or "10 av 120 ärenden",
                frequency=control.frequency
                or ("monthly" if control.title == MONTHLY else "quarterly"),
                report_when=control.report_when or "Delår och helår",
                reported_to=control.reported_to or "Nämnden",
                owner_id=world.owner_id,
                process_id=None if control.shared else control.process_id,
                risk_ids=tuple(r.risk_id for r in control.risks),
            ),
        )
    await plans.send_for_decision(world.preparer, plan_id)
    await plans.adopt(world.secretary, plan_id, ADOPTION)
    return plan_id


async def build_counts_world(world: PlanWorld, clock: Clock) -> CountsWorld:
    """The world of the module docstring."""
    plan_id = await adopted_with_monthly(world)
    document = await plan_document(world.viewer, plan_id)
    ids = {c.title: c.control_id for c in document.controls}
    owner = world.owner
    m, q = ids[MONTHLY], ids[QUARTERLY]
    clock.day = AS_OF
    await log_result(owner, await occasion(m, "M01"), result(dt.date(2026, 2, 3)))
    m02 = await log_result(
        owner, await occasion(m, "M02"), result(dt.date(2026, 3, 5), "minor", "Saknat avtal")
    )
    m03 = await log_result(owner, await occasion(m, "M03"), result(dt.date(2026, 4, 2)))
    await correct_result(
        owner,
        m03,
        result(dt.date(2026, 4, 2), "major", "Inget avtal alls", correction_reason="Fel utfall"),
    )
    m04 = await log_result(
        owner, await occasion(m, "M04"), result(dt.date(2026, 5, 4), "minor", "Avtal saknades")
    )
    await correct_result(
        owner, m04, result(dt.date(2026, 5, 4), correction_reason="Avtalet fanns i pärmen")
    )
    await log_result(owner, await occasion(m, "M05"), result(dt.date(2026, 6, 10), "not_performed"))
    await log_result(owner, await occasion(m, "M08"), result(dt.date(2026, 9, 2)))
    await log_result(owner, await occasion(m, "M10"), result(dt.date(2026, 8, 20)))
    await log_result(owner, await occasion(m, "M11"), result(dt.date(2026, 11, 10)))
    q1 = await log_result(
        owner, await occasion(q, "Q1"), result(dt.date(2026, 4, 10), "minor", "Fel elevpeng")
    )
    q2 = await log_result(
        owner, await occasion(q, "Q2"), result(dt.date(2026, 7, 15), "major", "Stora fel")
    )
    await insert_result(q, "Q3", dt.date(2025, 12, 30))
    await insert_result(q, "Q4", dt.date(2027, 1, 10))
    await log_result(owner, await occasion(ids[SHARED_A], "H1"), result(dt.date(2026, 8, 31)))
    await log_result(owner, await occasion(ids[SHARED_B], "H1"), result(dt.date(2026, 9, 3)))
    # Actions may not be due in the past when added: the clock goes back for each.
    clock.day = dt.date(2026, 4, 1)
    await add_action(
        owner,
        await deviation_of(m02),
        ActionInput("Teckna avtal", world.owner_id, dt.date(2026, 4, 30)),
    )
    clock.day = dt.date(2026, 6, 1)
    a2 = await add_action(
        owner,
        await deviation_of(q1),
        ActionInput("Rätta elevpeng", world.owner_id, dt.date(2026, 6, 30)),
    )
    clock.day = dt.date(2026, 6, 20)
    await close_action(owner, a2, dt.date(2026, 6, 15), "Rättat")
    clock.day = AS_OF
    await add_action(
        owner,
        await deviation_of(q2),
        ActionInput("Ny rutin", world.owner_id, dt.date(2026, 12, 31)),
    )
    return CountsWorld(world, plan_id, ids)


_built: dict[str, object] = {}


@pytest.fixture
async def counts_world(plan_world, clock, db, database_factory) -> CountsWorld:
    """The hand-checked world, built once per session and copied per test."""
    if "kept" in _built:
        await database_factory.restore(db, _built["kept"])
        return copy.deepcopy(_built["world"])
    world = await build_counts_world(plan_world, clock)
    _built["kept"] = await database_factory.snapshot(db, "counts_world")
    _built["world"] = copy.deepcopy(world)
    return world


# The hand-checked figures of BUN (see the module docstring).
BUN_DELAR = Counts(
    due=15,  # M01–M08 + M10 early, elevpeng Q1–Q2, delegation Q1–Q2, A H1, B H1
    tested=9,  # M01–M05, M10, elevpeng Q1–Q2, A H1
    passed=4,  # M01, M04 (corrected), M10, A H1
    minor=2,  # M02, elevpeng Q1
    major=2,  # M03 (corrected), elevpeng Q2
    not_performed=1,  # M05
    deviations_minor=2,  # D1, D4 (D3 withdrawn)
    deviations_major=2,  # D2, D5
    open_deviations=3,  # D1 (A1 open), D2 (no action), D5 (A3 open); D4's only action closed
    open_actions=2,  # A1, A3
    overdue_actions=1,  # A1 due 30 April
    closed_actions=1,  # A2
)
BUN_HELAR = Counts(
    due=24,  # every occasion: 12 monthly, 4 + 4 quarterly, 2 + 2 half-yearly
    tested=12,  # delår's 9 + M08, M11, B H1; never Q3 (2025) or Q4 (2027)
    passed=7,
    minor=2,
    major=2,
    not_performed=1,
    deviations_minor=2,
    deviations_major=2,
    open_deviations=3,
    open_actions=2,
    overdue_actions=1,
    closed_actions=1,
)


async def test_delar_figures_match_the_hand_count(counts_world):
    counts = await period_counts(DELAR, AS_OF)
    assert counts[counts_world.plan.board] == BUN_DELAR
    # Boards without a plan have nothing to count.
    assert counts_world.plan.other_board not in counts and counts_world.plan.ks not in counts


async def test_helar_counts_what_was_performed_after_31_august(counts_world):
    counts = await period_counts(HELAR, AS_OF)
    assert counts[counts_world.plan.board] == BUN_HELAR


async def test_per_control_the_monthly_control(counts_world):
    monthly = counts_world.controls[MONTHLY]
    delar = (await period_counts(DELAR, AS_OF, group_by="control", ids=[monthly]))[monthly]
    assert (delar.due, delar.tested, delar.untested) == (9, 6, 3)  # M06, M07, M08 untested
    assert (delar.passed, delar.minor, delar.major, delar.not_performed) == (3, 1, 1, 1)
    assert (delar.deviations_minor, delar.deviations_major) == (1, 1)  # D1, D2; D3 withdrawn
    helar = (await period_counts(HELAR, AS_OF, group_by="control", ids=[monthly]))[monthly]
    assert (helar.due, helar.tested, helar.passed) == (12, 8, 5)


async def test_shared_points_count_on_the_day_performed(counts_world):
    a, b = counts_world.controls[SHARED_A], counts_world.controls[SHARED_B]
    delar = await period_counts(DELAR, AS_OF, group_by="control", ids=[a, b])
    # A was tested on 31 August, the last day of delår; B three days later.
    assert (delar[a].due, delar[a].tested, delar[a].passed) == (1, 1, 1)
    assert (delar[b].due, delar[b].tested, delar[b].passed) == (1, 0, 0)
    helar = await period_counts(HELAR, AS_OF, group_by="control", ids=[a, b])
    assert (helar[b].due, helar[b].tested, helar[b].passed) == (2, 1, 1)


async def test_a_result_of_another_year_never_counts(counts_world):
    q = counts_world.controls[QUARTERLY]
    helar = (await period_counts(HELAR, AS_OF, group_by="control", ids=[q]))[q]
    # Q1 and Q2 only: the 2025 and 2027 results on Q3 and Q4 count in no 2026 report.
    assert (helar.due, helar.tested, helar.passed) == (4, 2, 0)
    for year in (2025, 2027):
        assert await period_counts(reporting_period(year, "helar"), AS_OF) == {}


async def test_overdue_is_relative_to_the_as_of_date(counts_world):
    board = counts_world.plan.board
    before = (await period_counts(HELAR, dt.date(2026, 4, 15)))[board]
    assert (before.open_actions, before.overdue_actions) == (2, 0)  # A1 not yet due
    on_the_day = (await period_counts(HELAR, dt.date(2026, 4, 30)))[board]
    assert on_the_day.overdue_actions == 0  # due today is not overdue
    after = (await period_counts(HELAR, dt.date(2027, 1, 1)))[board]
    assert after.overdue_actions == 2  # A1 and A3


async def test_ids_restrict_and_an_empty_list_counts_nothing(counts_world):
    board = counts_world.plan.board
    assert await period_counts(DELAR, AS_OF, ids=[]) == {}
    assert set(await period_counts(DELAR, AS_OF, ids=[board])) == {board}
    with pytest.raises(ValueError):
        await period_counts(DELAR, AS_OF, group_by="nope")  # type: ignore[arg-type]


async def test_accepted_high_risks_at_or_above_the_threshold_only(plan_world):
    world = plan_world
    # BUN: 'Lokaler för små' (3 × 4 = 12) accepted; add an accepted low one (2 × 2).
    low = await create_risk(
        world.preparer,
        world.board,
        YEAR,
        RiskInput(process_id=world.process, category_id=world.category, title="Liten risk"),
    )
    await assess(world.preparer, low, YEAR, AssessmentInput(2, 2, "accept", "Liten."))
    # SN: exactly at the threshold (3 × 3 = 9) accepted, and one high risk under control.
    sn_process = (
        await Process.insert(Process(board=world.other_board, name="Bistånd")).returning(Process.id)
    )[0]["id"]
    for title, treatment in (("Vid tröskeln", "accept"), ("Hög men kontrollerad", "control")):
        risk = await create_risk(
            world.outsider,
            world.other_board,
            YEAR,
            RiskInput(process_id=sn_process, category_id=world.category, title=title),
        )
        motivation = "Godtas." if treatment == "accept" else ""
        await assess(world.outsider, risk, YEAR, AssessmentInput(3, 3, treatment, motivation))
    assert await accepted_high_risks(YEAR) == {world.board: 1, world.other_board: 1}
    assert await accepted_high_risks(YEAR + 1) == {}


async def test_a_deviation_counts_where_the_correction_that_carries_it_does(counts_world):
    """A deviation found on 25 August and carried by a correction dated 5 September counts
    where the standing correction does (helår), as the occasion's result does, not in delår."""
    monthly = counts_world.controls[MONTHLY]
    owner = counts_world.plan.owner
    first = await log_result(
        owner, await occasion(monthly, "M06"), result(dt.date(2026, 8, 25), "minor", "Avtal saknas")
    )
    await correct_result(
        owner, first, result(dt.date(2026, 9, 5), "minor", correction_reason="Fel datum")
    )
    board = counts_world.plan.board
    delar = (await period_counts(DELAR, AS_OF))[board]
    assert (delar.tested, delar.deviations_minor, delar.open_deviations) == (9, 2, 3)
    helar = (await period_counts(HELAR, AS_OF))[board]
    assert (helar.tested, helar.minor, helar.deviations_minor, helar.open_deviations) == (
        13,
        3,
        3,
        4,
    )

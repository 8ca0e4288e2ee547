"""The årshjul service: statuses and counts on controlled days, per-board filtering, dates.

The worlds come from the reporting tests: `plan_world` (KS, BUN and SN, no plans) and
`counts_world` (BUN's plan for 2026 adopted 20 January with hand-counted occasions, results
and actions; see tests/reports/test_counts.py).
"""

from __future__ import annotations

import datetime as dt

from internkontroll.controls import plans
from internkontroll.controls.decisions import DecisionInput
from internkontroll.db import current_engine
from internkontroll.organisation.tables import Board
from internkontroll.reminders.wheel import build_wheel, relative_day
from internkontroll.reminders.wheel_counts import ActionCounts, OccasionCounts
from internkontroll.reports.tables import ConsolidatedReview, FollowUp
from tests.conftest import make_board
from tests.controls.conftest import complete_controls, decide_shared_points
from tests.reports import test_counts as counts_fixtures
from tests.reports.test_counts import AS_OF, YEAR, adopted_with_monthly

plan_world = counts_fixtures.plan_world
clock = counts_fixtures.clock
counts_world = counts_fixtures.counts_world


def milestone(wheel, key):
    """The wheel's milestone with the key."""
    return next(m for m in wheel.milestones if m.key == key)


def rows(m) -> dict[str, tuple[str, str]]:
    """A milestone's board rows: short name → (status, note)."""
    return {b.short_name: (b.status, b.note) for b in m.boards}


# ------------------------------------------------------------------ the plan deadline


async def test_plan_deadline_is_upcoming_then_ongoing_then_late_when_no_plan_is_adopted(
    plan_world,
):
    early = milestone(await build_wheel(YEAR, dt.date(2026, 1, 5), None), "plan")
    assert (early.status, early.status_label) == ("upcoming", "Kommande")
    assert early.summary == "0 av 3 nämnder har antagit planen"
    assert set(rows(early).values()) == {("upcoming", "Ej antagen än")}
    # From the first reminder (14 days before) the step is under way.
    near = milestone(await build_wheel(YEAR, dt.date(2026, 1, 20), None), "plan")
    assert (near.status, near.status_label) == ("ongoing", "Pågår")
    on_the_day = milestone(await build_wheel(YEAR, dt.date(2026, 1, 31), None), "plan")
    assert on_the_day.status == "ongoing"  # due today is not late
    late = milestone(await build_wheel(YEAR, dt.date(2026, 2, 1), None), "plan")
    assert (late.status, late.status_label, late.signal) == ("late", "Försenad", "red")
    assert late.summary == "0 av 3 nämnder har antagit planen; 3 försenade: KS, BUN, SN"
    assert rows(late)["BUN"] == ("late", "Inte antagen")


async def test_an_adopted_plan_is_done_and_the_step_is_done_when_every_board_has_one(
    plan_world, clock
):
    await adopted_with_monthly(plan_world)  # BUN adopts on 20 January
    wheel = await build_wheel(YEAR, dt.date(2026, 2, 1), None)
    plan = milestone(wheel, "plan")
    assert rows(plan)["BUN"] == ("done", "Antagen i tid 20 januari 2026")
    assert rows(plan)["SN"] == ("late", "Inte antagen")
    assert (plan.status, plan.done, plan.total) == ("late", 1, 3)
    assert plan.summary == "1 av 3 nämnder har antagit planen; 2 försenade: KS, SN"
    # Before the deadline one adopted plan makes the step "pågår".
    assert milestone(await build_wheel(YEAR, dt.date(2026, 1, 2), None), "plan").status == (
        "ongoing"
    )
    await Board.update({Board.active: False}).where(Board.short_name.is_in(["KS", "SN"]))
    alone = milestone(await build_wheel(YEAR, dt.date(2026, 2, 1), None), "plan")
    assert (alone.status, alone.status_label, alone.signal) == ("done", "Klar", "green")
    assert alone.summary == "1 av 1 nämnd har antagit planen"


async def test_a_plan_adopted_after_the_deadline_is_done_and_named_as_late(plan_world, clock):
    world = plan_world
    await decide_shared_points(world)
    plan_id = await plans.create_plan(world.preparer, world.board, YEAR)
    await complete_controls(world, plan_id)
    await plans.send_for_decision(world.preparer, plan_id)
    await plans.adopt(world.secretary, plan_id, DecisionInput(dt.date(2026, 2, 12), "§ 9", "1"))
    plan = milestone(await build_wheel(YEAR, dt.date(2026, 3, 1), None), "plan")
    assert rows(plan)["BUN"] == ("done", "Antagen för sent 12 februari 2026")
    assert plan.summary.startswith("1 av 3 nämnder har antagit planen, 1 av dem för sent: BUN")


# ------------------------------------------------------------------ dates as decided


async def test_weekend_and_holiday_due_dates_are_shown_as_decided_and_named(plan_world):
    wheel = await build_wheel(2027, dt.date(2027, 1, 10), None)
    plan = milestone(wheel, "plan")
    # 31 January 2027 is a Sunday: the date stays, the page says why reminders come earlier.
    assert (plan.due_on, plan.non_working, plan.when) == (
        dt.date(2027, 1, 31),
        "söndag",
        "senast 31 januari 2027",
    )
    helar = milestone(wheel, "rapport-helar")
    assert (helar.due_on, helar.non_working, helar.when) == (
        dt.date(2027, 12, 31),
        "Nyårsafton",
        "per 31 december 2027",
    )
    assert milestone(wheel, "rapport-delar").non_working is None  # Tuesday 31 August 2027
    assert milestone(await build_wheel(YEAR, AS_OF, None), "plan").non_working == "lördag"


async def test_the_cycle_runs_into_the_next_year_with_helar_and_the_review(plan_world):
    wheel = await build_wheel(YEAR, AS_OF, None)
    keys = [(m.year, m.month) for m in wheel.months]
    assert keys == [(YEAR, month) for month in range(1, 13)] + [(YEAR + 1, 3)]
    after = wheel.months[-1]
    assert not after.in_plan_year
    assert [m.key for m in after.milestones] == ["uppfoljning-helar", "samlad"]
    follow_up = milestone(wheel, "uppfoljning-helar")
    assert follow_up.due_on == dt.date(2027, 3, 1)  # 31 December + 60 days
    review = milestone(wheel, "samlad")
    assert (review.window_start, review.due_on, review.when) == (
        dt.date(2027, 3, 1),
        dt.date(2027, 4, 30),
        "mars–april 2027",
    )
    october = wheel.months[9]
    assert [m.key for m in october.milestones] == ["uppfoljning-delar"]  # 31 Aug + 60 days
    december = wheel.months[11]
    assert [m.key for m in december.milestones] == ["rapport-helar", "gemensamma-beslut"]
    assert [m.key for m in wheel.months[7].milestones] == ["rapport-delar"]


async def test_today_is_marked_in_its_month(plan_world):
    wheel = await build_wheel(YEAR, AS_OF, None)
    assert [m.key for m in wheel.months if m.is_current] == ["2026-11"]
    assert wheel.current_month is wheel.months[10]
    assert (await build_wheel(YEAR, dt.date(2025, 6, 1), None)).current_month is None
    in_march_after = await build_wheel(YEAR, dt.date(2027, 3, 2), None)
    assert in_march_after.current_month.key == "2027-03"
    assert relative_day(dt.date(2026, 11, 29), AS_OF) == "om 14 dagar"
    assert relative_day(AS_OF, AS_OF) == "i dag"
    assert relative_day(dt.date(2026, 11, 12), AS_OF) == "för 3 dagar sedan"


# ------------------------------------------------------------------ occasions and actions


async def test_occasions_and_actions_per_month_match_the_hand_count(counts_world):
    wheel = await build_wheel(YEAR, AS_OF, None)
    bun = counts_world.plan.board
    # (due, tested, late on 15 November) per month; an occasion is tested once it has any
    # result (elevpeng Q3 and Q4 have theirs from other years). Monthly, two quarterly and
    # two half-yearly controls.
    expected = {
        1: (1, 1, 0),
        2: (1, 1, 0),
        3: (3, 2, 1),  # delegation Q1
        4: (1, 1, 0),
        5: (1, 1, 0),
        6: (3, 1, 2),  # M06, delegation Q2
        7: (1, 0, 1),  # M07
        8: (3, 3, 0),  # M08, A H1, B H1
        9: (3, 1, 2),  # M09, delegation Q3
        10: (1, 1, 0),
        11: (1, 1, 0),  # M11 tested early; due 30 November
        12: (5, 1, 0),  # only elevpeng Q4; not yet due
    }
    got = {
        m.month: (m.occasions.due, m.occasions.tested, m.occasions.late)
        for m in wheel.months
        if m.in_plan_year
    }
    assert got == expected
    assert wheel.occasions == OccasionCounts(24, 14, 6)
    assert wheel.months[2].occasion_boards == {bun: OccasionCounts(3, 2, 1)}
    # A1 due 30 April, open (overdue); A2 due 30 June, closed; A3 due 31 December, open.
    assert wheel.months[3].actions == ActionCounts(due=1, open=1, overdue=1, closed=0)
    assert wheel.months[5].actions == ActionCounts(due=1, open=0, overdue=0, closed=1)
    assert wheel.months[11].actions == ActionCounts(due=1, open=1, overdue=0, closed=0)
    assert wheel.actions == ActionCounts(due=3, open=2, overdue=1, closed=1)
    assert wheel.earlier_open_actions == 0
    # A year later every open action is overdue, and last year's show up as carried.
    next_year = await build_wheel(YEAR + 1, dt.date(2027, 1, 15), None)
    assert next_year.earlier_open_actions == 2


async def test_a_reporting_point_counts_the_occasions_due_by_then(counts_world):
    wheel = await build_wheel(YEAR, AS_OF, None)
    delar = milestone(wheel, "rapport-delar")
    assert delar.status == "done"  # 31 August has passed
    assert delar.summary == (
        "10 av 14 kontrolltillfällen med sista datum till och med 31 augusti 2026 har testats; "
        "4 försenade"
    )
    assert rows(delar) == {"BUN": ("late", "10 av 14 testade, 4 försenade")}
    helar = milestone(wheel, "rapport-helar")
    assert helar.status == "ongoing"
    assert rows(helar) == {"BUN": ("late", "14 av 24 testade, 6 försenade")}


# ------------------------------------------------------------------ follow-ups and KS's steps


async def test_follow_ups_are_owed_by_boards_with_an_adopted_plan(counts_world):
    world = counts_world.plan
    wheel = await build_wheel(YEAR, AS_OF, None)
    delar = milestone(wheel, "uppfoljning-delar")
    assert rows(delar) == {"BUN": ("late", "Inte skickad till KS")}  # SN and KS have no plan
    assert delar.summary == "0 av 1 nämnd har skickat uppföljningen till KS; 1 försenad: BUN"
    shared = milestone(wheel, "gemensamma-delar")
    assert shared.status == "late"
    await FollowUp.insert(
        FollowUp(board=world.board, year=YEAR, period="delar", period_end=dt.date(2026, 8, 31),
                 status="sent")
    )  # fmt: skip
    wheel = await build_wheel(YEAR, AS_OF, None)
    assert milestone(wheel, "uppfoljning-delar").status == "done"
    assert rows(milestone(wheel, "uppfoljning-delar")) == {"BUN": ("done", "Skickad till KS")}
    assert milestone(wheel, "gemensamma-delar").status == "done"
    assert milestone(wheel, "uppfoljning-helar").status == "upcoming"


async def test_no_shared_points_decided_means_no_shared_reporting_step(plan_world):
    wheel = await build_wheel(YEAR, AS_OF, None)
    assert not [m for m in wheel.milestones if m.kind == "shared_reporting"]
    # Nobody has a plan, so no follow-up is owed; the step says so.
    delar = milestone(wheel, "uppfoljning-delar")
    assert (delar.boards, delar.status) == ((), "done")
    assert delar.summary == "Ingen nämnd att visa har en antagen plan för 2026"


async def test_ks_decision_on_next_years_shared_points(plan_world):
    key = "gemensamma-beslut"
    before = milestone(await build_wheel(YEAR, AS_OF, None), key)
    assert before.title == "KS beslutar om gemensamma kontrollmoment för 2027"
    assert (before.due_on, before.status) == (dt.date(2026, 12, 31), "upcoming")
    assert before.link == "/gemensamma-kontrollmoment?ar=2027"
    assert milestone(await build_wheel(YEAR, dt.date(2026, 12, 20), None), key).status == (
        "ongoing"
    )
    assert milestone(await build_wheel(YEAR, dt.date(2027, 1, 4), None), key).status == "late"
    await decide_shared_points(plan_world, 2027)
    done = milestone(await build_wheel(YEAR, dt.date(2027, 1, 4), None), key)
    assert (done.status, done.summary) == (
        "done",
        "KS har beslutat om gemensamma kontrollmoment för 2027",
    )


async def test_ks_consolidated_review_in_march_and_april_the_year_after(plan_world):
    def review_on(wheel):
        return milestone(wheel, "samlad")

    assert review_on(await build_wheel(YEAR, AS_OF, None)).status == "upcoming"
    assert review_on(await build_wheel(YEAR, dt.date(2027, 3, 10), None)).status == "ongoing"
    assert review_on(await build_wheel(YEAR, dt.date(2027, 5, 1), None)).status == "late"
    await ConsolidatedReview.insert(ConsolidatedReview(year=YEAR, findings="Iakttagelser"))
    draft = review_on(await build_wheel(YEAR, AS_OF, None))
    assert (draft.status, draft.summary) == ("ongoing", "Ett utkast finns")
    await ConsolidatedReview.update(
        {
            ConsolidatedReview.status: "decided",
            ConsolidatedReview.decided_on: dt.date(2027, 4, 14),
            ConsolidatedReview.paragraph: "§ 58",
        }
    ).where(ConsolidatedReview.year == YEAR)
    decided = review_on(await build_wheel(YEAR, dt.date(2027, 5, 1), None))
    assert (decided.status, decided.summary) == ("done", "KS beslutade den 14 april 2027, § 58")


# ------------------------------------------------------------------ who sees which boards


async def test_a_board_member_sees_only_their_boards_a_coordinator_all(counts_world):
    world = counts_world.plan
    member = await build_wheel(YEAR, AS_OF, {world.other_board})  # SN only
    assert member.restricted and [b.short_name for b in member.boards] == ["SN"]
    for m in member.milestones:
        assert {b.short_name for b in m.boards} <= {"SN"}, m.key
        assert "BUN" not in m.summary, m.key
    assert rows(milestone(member, "plan")) == {"SN": ("late", "Inte antagen")}
    # BUN's occasions and actions are not SN's to count.
    assert member.occasions == OccasionCounts() and member.actions == ActionCounts()
    assert all(not m.occasion_boards and not m.action_boards for m in member.months)
    # KS's own steps are the kommun's: shown to everyone, without board names.
    assert milestone(member, "gemensamma-delar").summary == (
        "Inte alla nämnder med antagen plan har rapporterat"
    )
    assert milestone(member, "gemensamma-delar").link is None
    coordinator = await build_wheel(YEAR, AS_OF, None)
    assert not coordinator.restricted
    assert [b.short_name for b in coordinator.boards] == ["KS", "BUN", "SN"]
    assert set(rows(milestone(coordinator, "plan"))) == {"KS", "BUN", "SN"}
    assert milestone(coordinator, "gemensamma-delar").summary.startswith(
        "0 av 1 nämnder har rapporterat; saknas: BUN"
    )
    assert coordinator.occasions.due == 24


async def test_a_deactivated_board_is_not_in_the_wheel(counts_world):
    await Board.update({Board.active: False}).where(Board.short_name == "BUN")
    wheel = await build_wheel(YEAR, AS_OF, None)
    assert [b.short_name for b in wheel.boards] == ["KS", "SN"]
    assert wheel.occasions == OccasionCounts() and wheel.actions == ActionCounts()


async def test_the_wheel_makes_the_same_number_of_queries_for_any_number_of_boards(
    counts_world, monkeypatch
):
    engine_class = type(current_engine())
    run = engine_class.run_querystring
    queries = 0

    async def counting(self, *args, **kwargs):
        nonlocal queries
        queries += 1
        return await run(self, *args, **kwargs)

    monkeypatch.setattr(engine_class, "run_querystring", counting)
    await build_wheel(YEAR, AS_OF, None)
    few = queries
    for n in range(10):
        await make_board(f"N{n}")
    queries = 0
    wheel = await build_wheel(YEAR, AS_OF, None)
    assert len(wheel.boards) == 13
    assert queries == few <= 15, (few, queries)

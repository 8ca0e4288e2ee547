"""The demo kommun's results: mostly green, some yellow, one red with an overdue action."""

import datetime as dt

from internkontroll import demo
from internkontroll.controls.testing_tables import (
    CorrectiveAction,
    Deviation,
    TestOccasion,
    TestResult,
)
from internkontroll.timeutil import today


async def test_results_so_far_are_mostly_green_with_some_yellow_and_one_red(demo_db):
    year = today().year
    outcomes = [
        r["outcome"]
        for r in await TestResult.select(TestResult.outcome).where(TestResult.occasion.year == year)
    ]
    due = await TestOccasion.count().where(
        (TestOccasion.due_on < today()) & (TestOccasion.year == year)
    )
    assert len(outcomes) <= due  # only occasions already due have results
    if today() < dt.date(year, 4, 5):
        return  # before the first quarter is due and tested, the year has too few results
    assert outcomes.count("passed") > len(outcomes) / 2
    assert outcomes.count("minor") >= 3
    assert outcomes.count("major") == 1
    red = (
        await Deviation.select()
        .where((Deviation.severity == "major") & (Deviation.occasion.year == year))
        .first()
    )
    assert red["root_cause"] and red["why_1"] and red["why_4"]
    action = await CorrectiveAction.select().where(CorrectiveAction.deviation == red["id"]).first()
    assert action["closed_on"] is None and action["due_on"] < today()
    assert action["original_due_on"] < action["due_on"]  # postponed, the first date kept
    this_year = CorrectiveAction.deviation.occasion.year == year
    assert await CorrectiveAction.exists().where(
        CorrectiveAction.closed_on.is_not_null() & this_year
    )


async def test_results_are_performed_within_their_year_and_never_in_the_future(demo_db):
    rows = await TestResult.select(
        TestResult.performed_on, TestResult.occasion.year.as_alias("year")
    )
    assert rows
    assert all(r["performed_on"].year == r["year"] for r in rows)
    assert all(r["performed_on"] <= today() for r in rows)


async def test_loading_the_demo_twice_logs_nothing_twice(demo_db):
    before = await TestResult.count()
    await demo.load_demo()
    assert await TestResult.count() == before

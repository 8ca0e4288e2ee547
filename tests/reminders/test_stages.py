"""Reminder stages: lead times, working-day moves, overdue rounds, one per day, the message."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from internkontroll.reminders.model import Deadline, DeadlineKind, Recipient
from internkontroll.reminders.stages import (
    MAX_MOVE_DAYS,
    a_year_after,
    overdue_end,
    reminder_message,
    stage_label,
    stage_on,
    stages_for,
    swedish_date,
)
from internkontroll.reminders.workdays import is_working_day
from internkontroll.settings import ReminderConfig

CONFIG = ReminderConfig()
SUNDAY = dt.date(2027, 1, 31)


def deadline(due: dt.date, *, done: bool = False, remind_until: dt.date | None = None) -> Deadline:
    return Deadline(
        kind=DeadlineKind.PLAN_ADOPTION,
        subject="plan:1:2027",
        title="Internkontrollplan 2027 för BUN ska antas",
        due_on=due,
        board_id=1,
        board_name="BUN",
        link="/namnder/1/plan?ar=2027",
        done=done,
        recipients=(Recipient(7, "Du är nämndsekreterare för BUN."),),
        remind_until=remind_until,
    )


def plan(stages) -> list[tuple[str, dt.date]]:
    return [(s.code, s.planned_on) for s in stages]


def test_a_sunday_due_date_moves_reminders_back_to_working_days():
    stages = stages_for(deadline(SUNDAY, remind_until=dt.date(2027, 2, 20)), CONFIG)
    assert plan(stages) == [
        ("fore-14", dt.date(2027, 1, 15)),  # 17 January is a Sunday: Friday before
        ("fore-3", dt.date(2027, 1, 28)),
        ("dag", dt.date(2027, 1, 29)),  # the due Sunday: Friday before
        ("sen-1", dt.date(2027, 2, 8)),  # 7 February is a Sunday: Monday after
        ("sen-2", dt.date(2027, 2, 15)),
    ]
    assert [s.overdue for s in stages] == [False, False, False, True, True]


def test_overdue_rounds_stop_at_remind_until_at_until_and_when_done():
    due = dt.date(2027, 3, 10)  # a Wednesday
    weekly = stages_for(deadline(due, remind_until=dt.date(2027, 3, 31)), CONFIG)
    assert [s.planned_on for s in weekly if s.overdue] == [
        dt.date(2027, 3, 17),
        dt.date(2027, 3, 24),
        dt.date(2027, 3, 31),  # on remind_until itself: still sent
    ]
    until = stages_for(deadline(due), CONFIG, until=dt.date(2027, 3, 30))
    assert [s.code for s in until if s.overdue] == ["sen-1", "sen-2"]
    assert [s.code for s in stages_for(deadline(due, done=True), CONFIG)] == [
        "fore-14",
        "fore-3",
        "dag",
    ]
    off = dataclasses.replace(CONFIG, overdue_every_days=0)
    assert not any(s.overdue for s in stages_for(deadline(due), off))


def test_overdue_reminders_stop_at_the_latest_a_year_after_the_due_date():
    due = dt.date(2027, 3, 10)  # a Wednesday; 10 March 2028 is a Friday
    daily = dataclasses.replace(CONFIG, overdue_every_days=1)
    stages = stages_for(deadline(due), daily)
    assert stages[-1].planned_on == dt.date(2028, 3, 10)
    assert stage_on(deadline(due), daily, dt.date(2028, 3, 10)) is not None
    assert stage_on(deadline(due), daily, dt.date(2028, 3, 13)) is None  # the next Monday
    # A later end of the deadline's own does not lift the limit; an earlier one wins.
    late_end = deadline(due, remind_until=dt.date(2029, 1, 1))
    assert overdue_end(late_end) == dt.date(2028, 3, 10)
    assert stages_for(late_end, daily)[-1].planned_on == dt.date(2028, 3, 10)
    assert overdue_end(deadline(due, remind_until=dt.date(2027, 4, 1))) == dt.date(2027, 4, 1)
    assert a_year_after(dt.date(2028, 2, 29)) == dt.date(2029, 2, 28)
    assert overdue_end(deadline(dt.date(2028, 2, 29))) == dt.date(2029, 2, 28)


@pytest.mark.parametrize(
    ("code", "text"),
    [
        ("fore-14", "14 dagar före"),
        ("fore-3", "3 dagar före"),
        ("fore-1", "1 dag före"),
        ("dag", "på dagen"),
        ("sen-1", "försenad, påminnelse 1"),
        ("sen-12", "försenad, påminnelse 12"),
        ("okänd", "okänd"),
    ],
)
def test_stage_label_is_swedish(code, text):
    assert stage_label(code) == text


def test_two_stages_on_one_day_keep_the_one_closest_to_the_due_date():
    # Annandag påsk 2027 (Monday 29 March): "dag" moves back over Easter to Thursday 25
    # March, where "fore-3" (Good Friday 26 March) lands too; "dag" wins.
    easter_monday = dt.date(2027, 3, 29)
    assert plan(stages_for(deadline(easter_monday, done=True), CONFIG)) == [
        ("fore-14", dt.date(2027, 3, 15)),
        ("dag", dt.date(2027, 3, 25)),
    ]
    # Daily overdue reminders over Christmas 2027: 24–26 December all move on to Monday the
    # 27th, which keeps the earliest round.
    daily = dataclasses.replace(CONFIG, days_before=(0,), overdue_every_days=1)
    stages = stages_for(deadline(dt.date(2027, 12, 22)), daily, until=dt.date(2027, 12, 29))
    assert plan(stages) == [
        ("dag", dt.date(2027, 12, 22)),
        ("sen-1", dt.date(2027, 12, 23)),
        ("sen-2", dt.date(2027, 12, 27)),
        ("sen-6", dt.date(2027, 12, 28)),
        ("sen-7", dt.date(2027, 12, 29)),
    ]


def test_lead_times_follow_the_setting():
    config = dataclasses.replace(CONFIG, days_before=(30, 7, 1), overdue_every_days=14)
    stages = stages_for(deadline(dt.date(2027, 6, 16)), config, until=dt.date(2027, 7, 20))
    assert plan(stages) == [
        ("fore-30", dt.date(2027, 5, 17)),
        ("fore-7", dt.date(2027, 6, 9)),
        ("fore-1", dt.date(2027, 6, 15)),
        ("sen-1", dt.date(2027, 6, 30)),
        ("sen-2", dt.date(2027, 7, 14)),
    ]


def test_every_stage_of_two_years_of_due_dates_is_on_a_working_day_and_stage_on_agrees():
    config = dataclasses.replace(CONFIG, overdue_every_days=3)
    due = dt.date(2026, 12, 1)
    while due < dt.date(2028, 12, 31):
        item = deadline(due, remind_until=due + dt.timedelta(days=40))
        stages = stages_for(item, config)
        days = [s.planned_on for s in stages]
        assert all(is_working_day(day) for day in days)
        assert len(set(days)) == len(days)
        # The planner looks this far ahead of a day for stages moved back over holidays.
        assert min(days) >= due - dt.timedelta(days=max(config.days_before) + MAX_MOVE_DAYS)
        by_day = {s.planned_on: s for s in stages}
        for offset in range(-20, 45):
            day = due + dt.timedelta(days=offset)
            assert stage_on(item, config, day) == by_day.get(day), (due, day)
        due += dt.timedelta(days=1)


def test_swedish_date_names_weekday_and_month():
    assert swedish_date(SUNDAY) == "söndag 31 januari 2027"
    assert swedish_date(dt.date(2027, 6, 25)) == "fredag 25 juni 2027"


@pytest.mark.parametrize(
    ("on", "text"),
    [
        (dt.date(2027, 1, 17), "Ska vara klart senast söndag 31 januari 2027, om 14 dagar."),
        (dt.date(2027, 1, 30), "Ska vara klart senast söndag 31 januari 2027, om 1 dag."),
        (SUNDAY, "Ska vara klart senast söndag 31 januari 2027, i dag."),
        (
            dt.date(2027, 2, 1),
            "Försenad: skulle ha varit klart senast söndag 31 januari 2027 (1 dag sedan).",
        ),
        (
            dt.date(2027, 2, 7),
            "Försenad: skulle ha varit klart senast söndag 31 januari 2027 (7 dagar sedan).",
        ),
    ],
)
def test_reminder_message_shows_the_due_date_as_decided(on, text):
    item = deadline(SUNDAY)
    stage = stages_for(item, CONFIG)[0]
    assert reminder_message(item, stage, on) == text

"""When a deadline's reminders fall due, and what they say: pure functions, no database.

A deadline gets one reminder per lead time (REMINDER_DAYS_BEFORE, default 14, 3 and 0 days
before: "fore-14", "fore-3", "dag"), each moved back to the previous working day when it
would fall on a weekend or holiday, and while it is not done one every
REMINDER_OVERDUE_EVERY_DAYS after the due date ("sen-1", "sen-2", …), moved on to the next
working day. Overdue reminders stop at the deadline's own end (Deadline.remind_until) and,
whatever that says, at the latest a year after the due date (overdue_end). The due date
itself is always shown as decided, even on a Sunday.
"""

from __future__ import annotations

import datetime as dt

from internkontroll.controls.schedule import MONTH_NAMES
from internkontroll.reminders.model import Deadline, Stage
from internkontroll.reminders.workdays import next_working_day, previous_working_day
from internkontroll.settings import ReminderConfig

WEEKDAY_NAMES = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")
# The longest run of Swedish non-working days is well under this: how far a stage can move
# back before its nominal day (the planner widens its window by it).
MAX_MOVE_DAYS = 10


def swedish_date(day: dt.date) -> str:
    """'söndag 31 januari 2027'."""
    return f"{WEEKDAY_NAMES[day.weekday()]} {day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


def days_text(days: int) -> str:
    """'1 dag', '14 dagar'."""
    return f"{days} dag" if days == 1 else f"{days} dagar"


def stage_code(days_before: int) -> str:
    """'fore-14' for a reminder ahead of time, 'dag' for the one on the day."""
    return "dag" if days_before == 0 else f"fore-{days_before}"


def overdue_code(round_: int) -> str:
    """'sen-1' for the first reminder once overdue, 'sen-2' for the second, …"""
    return f"sen-{round_}"


def a_year_after(day: dt.date) -> dt.date:
    """The same date a year later (29 February: 28 February)."""
    if day.month == 2 and day.day == 29:
        return dt.date(day.year + 1, 2, 28)
    return day.replace(year=day.year + 1)


def overdue_end(deadline: Deadline) -> dt.date:
    """The last day an overdue reminder may fall on: remind_until, at the latest a year on.

    Overdue reminders stop at the latest a year after the due date, also for a deadline
    with no end of its own (remind_until None): nobody is reminded every week for ever.
    """
    end = a_year_after(deadline.due_on)
    if deadline.remind_until is not None:
        end = min(end, deadline.remind_until)
    return end


def stage_label(code: str) -> str:
    """A stage in Swedish: '14 dagar före', 'på dagen', 'försenad, påminnelse 2'."""
    if code == "dag":
        return "på dagen"
    kind, _, number = code.partition("-")
    if number.isdigit():
        if kind == "fore":
            return f"{days_text(int(number))} före"
        if kind == "sen":
            return f"försenad, påminnelse {int(number)}"
    return code


def stages_for(
    deadline: Deadline, config: ReminderConfig, until: dt.date | None = None
) -> list[Stage]:
    """Every reminder moment of a deadline, in date order, at most one per day.

    Overdue stages stop at overdue_end (remind_until, at the latest a year after the due
    date) and at `until`, whichever comes first, and there are none once the deadline is
    done. When two stages land on one working day, the one closest to the due date wins.
    """
    due = deadline.due_on
    # (nominal distance from the due date, stage): the smaller distance wins a shared day.
    candidates: list[tuple[int, Stage]] = []
    for days in sorted(set(config.days_before), reverse=True):
        planned = previous_working_day(due - dt.timedelta(days=days))
        candidates.append((days, Stage(stage_code(days), planned, overdue=False)))
    if config.overdue_every_days > 0 and not deadline.done:
        end = overdue_end(deadline)
        if until is not None:
            end = min(end, until)
        round_ = 1
        while True:
            nominal = round_ * config.overdue_every_days
            planned = next_working_day(due + dt.timedelta(days=nominal))
            if planned > end:
                break
            candidates.append((nominal, Stage(overdue_code(round_), planned, overdue=True)))
            round_ += 1
    by_day: dict[dt.date, tuple[int, Stage]] = {}
    for distance, stage in candidates:
        kept = by_day.get(stage.planned_on)
        if kept is None or distance < kept[0]:
            by_day[stage.planned_on] = (distance, stage)
    return [stage for _, stage in sorted(by_day.values(), key=lambda c: c[1].planned_on)]


def stage_on(deadline: Deadline, config: ReminderConfig, on: dt.date) -> Stage | None:
    """The deadline's stage planned exactly on the day, or None (as stages_for, but quicker).

    Only the few nominal days that can move onto `on` are looked at, which matters to the
    planner: it asks this for every open deadline on every day.
    """
    due = deadline.due_on
    best: tuple[int, Stage] | None = None
    for days in set(config.days_before):
        nominal = due - dt.timedelta(days=days)
        if (
            on <= nominal <= on + dt.timedelta(days=MAX_MOVE_DAYS)
            and previous_working_day(nominal) == on
            and (best is None or days < best[0])
        ):
            best = (days, Stage(stage_code(days), on, overdue=False))
    every = config.overdue_every_days
    if best is None and every > 0 and not deadline.done and due < on <= overdue_end(deadline):
        first = max(1, -(-((on - due).days - MAX_MOVE_DAYS) // every))
        for round_ in range(first, (on - due).days // every + 1):
            nominal = due + dt.timedelta(days=round_ * every)
            if next_working_day(nominal) == on:
                return Stage(overdue_code(round_), on, overdue=True)
    return best[1] if best else None


def reminder_message(deadline: Deadline, stage: Stage, on: dt.date) -> str:
    """The Swedish sentence of a reminder sent on a day, naming the due date as decided."""
    # The day, not the stage, decides the wording: "dag" moved to a Friday says "om 2 dagar".
    due = deadline.due_on
    if on > due:
        ago = days_text((on - due).days)
        return f"Försenad: skulle ha varit klart senast {swedish_date(due)} ({ago} sedan)."
    if on == due:
        return f"Ska vara klart senast {swedish_date(due)}, i dag."
    return f"Ska vara klart senast {swedish_date(due)}, om {days_text((due - on).days)}."

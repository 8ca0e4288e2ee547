"""Swedish working days: weekends, public holidays and the de facto ones offices close for."""

from __future__ import annotations

import datetime as dt

import pytest

from internkontroll.reminders.stages import MAX_MOVE_DAYS
from internkontroll.reminders.workdays import (
    holiday_name,
    is_working_day,
    next_working_day,
    non_working_reason,
    previous_working_day,
)


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (dt.date(2027, 1, 1), "Nyårsdagen"),
        (dt.date(2027, 1, 6), "Trettondedag jul"),
        (dt.date(2027, 3, 26), "Långfredagen"),
        (dt.date(2027, 3, 29), "Annandag påsk"),
        (dt.date(2027, 5, 6), "Kristi himmelsfärdsdag"),
        (dt.date(2028, 6, 6), "Nationaldagen"),
        (dt.date(2027, 6, 25), "Midsommarafton"),
        (dt.date(2027, 12, 24), "Julafton"),
        (dt.date(2027, 12, 31), "Nyårsafton"),
    ],
)
def test_weekday_holidays_are_not_working_days(day, name):
    assert day.weekday() < 5
    assert holiday_name(day) == name
    assert not is_working_day(day)
    assert non_working_reason(day) == name


def test_weekends_and_ordinary_weekdays():
    assert non_working_reason(dt.date(2027, 1, 30)) == "lördag"
    assert non_working_reason(dt.date(2027, 1, 31)) == "söndag"
    assert not is_working_day(dt.date(2027, 1, 31))
    for day in (dt.date(2027, 1, 29), dt.date(2027, 6, 24), dt.date(2027, 12, 23)):
        assert is_working_day(day)
        assert non_working_reason(day) is None
        assert holiday_name(day) is None


def test_moving_to_the_nearest_working_day_across_easter_and_christmas():
    assert previous_working_day(dt.date(2027, 3, 29)) == dt.date(2027, 3, 25)
    assert next_working_day(dt.date(2027, 3, 26)) == dt.date(2027, 3, 30)
    assert previous_working_day(dt.date(2027, 12, 26)) == dt.date(2027, 12, 23)
    assert next_working_day(dt.date(2027, 12, 24)) == dt.date(2027, 12, 27)
    assert next_working_day(dt.date(2027, 12, 31)) == dt.date(2028, 1, 3)
    workday = dt.date(2027, 2, 1)
    assert previous_working_day(workday) == workday == next_working_day(workday)


def test_no_run_of_non_working_days_is_longer_than_the_planners_margin():
    day, longest, run = dt.date(2025, 1, 1), 0, 0
    while day < dt.date(2035, 1, 1):
        run = 0 if is_working_day(day) else run + 1
        longest = max(longest, run)
        day += dt.timedelta(days=1)
    assert 4 <= longest < MAX_MOVE_DAYS

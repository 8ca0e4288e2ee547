"""Swedish working days: no reminder is sent on a weekend or a public holiday."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays

# Public holidays plus the de facto ones (midsommarafton, julafton, nyårsafton), which
# Swedish offices close for just the same.
HOLIDAY_CATEGORIES = ("public", "de_facto")


@lru_cache(maxsize=64)
def _holidays(year: int) -> dict[dt.date, str]:
    calendar = holidays.country_holidays(
        "SE", years=year, language="sv", categories=HOLIDAY_CATEGORIES
    )
    return dict(calendar.items())


def holiday_name(day: dt.date) -> str | None:
    """The Swedish name of the holiday on this day, or None."""
    return _holidays(day.year).get(day)


def is_working_day(day: dt.date) -> bool:
    """True on a weekday that is not a Swedish public or de facto holiday."""
    return day.weekday() < 5 and holiday_name(day) is None


def previous_working_day(day: dt.date) -> dt.date:
    """The day itself if it is a working day, else the nearest working day before it."""
    while not is_working_day(day):
        day -= dt.timedelta(days=1)
    return day


def next_working_day(day: dt.date) -> dt.date:
    """The day itself if it is a working day, else the nearest working day after it."""
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def non_working_reason(day: dt.date) -> str | None:
    """'lördag', 'söndag' or the holiday's name when the day is not a working day."""
    name = holiday_name(day)
    if name:
        return name
    if day.weekday() == 5:
        return "lördag"
    if day.weekday() == 6:
        return "söndag"
    return None

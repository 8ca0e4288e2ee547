"""Swedish local time: every date a user sees or types is in Europe/Stockholm."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def now() -> dt.datetime:
    """The current time, timezone-aware."""
    return dt.datetime.now(dt.UTC)


def today() -> dt.date:
    """Today's date in Sweden."""
    return now().astimezone(STOCKHOLM).date()


def start_of_day(day: dt.date) -> dt.datetime:
    """Midnight at the start of a Swedish calendar day, as an aware datetime."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=STOCKHOLM)


def format_datetime(value: dt.datetime | None) -> str:
    """'2026-11-22 14:05' in Swedish local time."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")

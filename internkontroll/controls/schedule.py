"""Test occasions from a control's frequency: which periods, and when each is due."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

# Löpande and vid behov get one yearly occasion that takes any number of results.
OPEN_ENDED_FREQUENCIES = frozenset({"continuous", "as_needed"})

PERIOD_LABELS = {
    "Y": "Helår",
    "H1": "Halvår 1",
    "H2": "Halvår 2",
    "T1": "Tertial 1",
    "T2": "Tertial 2",
    "T3": "Tertial 3",
    "Q1": "Kvartal 1",
    "Q2": "Kvartal 2",
    "Q3": "Kvartal 3",
    "Q4": "Kvartal 4",
}
MONTH_NAMES = (
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
)


@dataclass(frozen=True)
class Slot:
    """One scheduled test of a control: the period it covers and the date it is due."""

    key: str
    period_start: dt.date
    period_end: dt.date
    reporting_point: dt.date
    open_ended: bool = False

    @property
    def due_on(self) -> dt.date:
        """An occasion is due when its period ends."""
        return self.period_end


def period_label(key: str) -> str:
    """'Kvartal 2', 'mars', 'Helår' for an occasion's period key."""
    if key.startswith("M"):
        return MONTH_NAMES[int(key[1:]) - 1]
    return PERIOD_LABELS.get(key, key)


def month_day(year: int, month: int, day: int) -> dt.date:
    """The date, with 29 February read as the 28th in years that lack it."""
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _months(year: int, size: int, prefix: str) -> list[tuple[str, dt.date, dt.date]]:
    """Consecutive periods of `size` months from January, keyed prefix + number."""
    return [
        (
            f"{prefix}{index + 1:02d}" if prefix == "M" else f"{prefix}{index + 1}",
            dt.date(year, 1 + index * size, 1),
            _month_end(year, (index + 1) * size),
        )
        for index in range(12 // size)
    ]


def _halves(year: int, points: list[dt.date]) -> list[tuple[str, dt.date, dt.date]]:
    """Two halves split at the delår point when the kommun has one delår, else at 30 June."""
    split = points[0] if len(points) == 2 else dt.date(year, 6, 30)
    return [
        ("H1", dt.date(year, 1, 1), split),
        ("H2", split + dt.timedelta(days=1), dt.date(year, 12, 31)),
    ]


def occasion_slots(
    frequency: str, year: int, reporting_points: tuple[tuple[int, int], ...]
) -> list[Slot]:
    """The year's test occasions for a frequency; an unknown or empty frequency gets none."""
    points = [month_day(year, month, day) for month, day in reporting_points]
    if frequency == "monthly":
        periods = _months(year, 1, "M")
    elif frequency == "quarterly":
        periods = _months(year, 3, "Q")
    elif frequency == "four_monthly":
        periods = _months(year, 4, "T")
    elif frequency == "half_yearly":
        periods = _halves(year, points)
    elif frequency == "yearly" or frequency in OPEN_ENDED_FREQUENCIES:
        periods = [("Y", dt.date(year, 1, 1), dt.date(year, 12, 31))]
    else:
        return []
    return [
        Slot(
            key=key,
            period_start=start,
            period_end=end,
            reporting_point=next(p for p in points if p >= end),
            open_ended=frequency in OPEN_ENDED_FREQUENCIES,
        )
        for key, start, end in periods
    ]

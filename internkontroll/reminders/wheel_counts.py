"""The årshjul's figures per board and day, summed in SQL: test occasions and actions.

Each query groups by board and due date, so its size depends on the calendar, never on the
number of occasions or actions; the wheel folds the days into months in Python.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from piccolo.querystring import QueryString

from internkontroll.db import current_engine


@dataclass
class OccasionCounts:
    """Test occasions due in a span: how many, how many have a result, how many are late."""

    due: int = 0
    tested: int = 0
    late: int = 0  # due before the day looked from, still without a result

    @property
    def untested(self) -> int:
        """Due but without a result (late or not yet)."""
        return self.due - self.tested

    def add(self, other: OccasionCounts) -> None:
        """Add another board's or day's figures to these."""
        self.due += other.due
        self.tested += other.tested
        self.late += other.late


@dataclass
class ActionCounts:
    """Corrective actions with their (current) due date in a span."""

    due: int = 0
    open: int = 0
    overdue: int = 0  # open past the due date
    closed: int = 0

    def add(self, other: ActionCounts) -> None:
        """Add another board's or day's figures to these."""
        self.due += other.due
        self.open += other.open
        self.overdue += other.overdue
        self.closed += other.closed


@dataclass
class DayFigures:
    """Per board, per due date: the occasions and actions of one year, and older open actions."""

    occasions: dict[int, dict[dt.date, OccasionCounts]] = field(default_factory=dict)
    actions: dict[int, dict[dt.date, ActionCounts]] = field(default_factory=dict)
    # Actions due before the year that are still open, per board (all overdue by then).
    earlier_open: dict[int, int] = field(default_factory=dict)


def _date(value: Any) -> dt.date:
    # SQLite hands dates back as ISO text, PostgreSQL as dates.
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


async def _rows(sql: str, *args: Any) -> list[dict[str, Any]]:
    return await current_engine().run_querystring(QueryString(sql, *args))


async def day_figures(year: int, on: dt.date) -> DayFigures:
    """The year's occasions and actions per active board and due date (2 queries)."""
    figures = DayFigures()
    occasions = await _rows(
        """SELECT o.board AS board, o.due_on AS due_on, COUNT(*) AS due,
                  SUM(CASE WHEN EXISTS (SELECT 1 FROM test_result r WHERE r.occasion = o.id)
                           THEN 1 ELSE 0 END) AS tested
           FROM test_occasion o JOIN board b ON b.id = o.board
           WHERE o.year = {} AND o.scheduled AND b.active
           GROUP BY o.board, o.due_on""",
        year,
    )
    for row in occasions:
        due_on = _date(row["due_on"])
        due, tested = int(row["due"]), int(row["tested"] or 0)
        late = due - tested if due_on < on else 0
        figures.occasions.setdefault(row["board"], {})[due_on] = OccasionCounts(due, tested, late)
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    # An action counts at its current due date (a postponement moves it); withdrawn
    # deviations take their actions with them.
    actions = await _rows(
        """SELECT a.board AS board, a.due_on AS due_on, COUNT(*) AS n,
                  SUM(CASE WHEN a.closed_on IS NULL THEN 1 ELSE 0 END) AS open
           FROM corrective_action a JOIN deviation d ON d.id = a.deviation
                JOIN board b ON b.id = a.board
           WHERE d.withdrawn_at IS NULL AND b.active AND a.due_on <= {}
             AND (a.due_on >= {} OR a.closed_on IS NULL)
           GROUP BY a.board, a.due_on""",
        end,
        start,
    )
    for row in actions:
        due_on = _date(row["due_on"])
        count, still_open = int(row["n"]), int(row["open"] or 0)
        if due_on < start:
            board = row["board"]
            figures.earlier_open[board] = figures.earlier_open.get(board, 0) + still_open
            continue
        overdue = still_open if due_on < on else 0
        figures.actions.setdefault(row["board"], {})[due_on] = ActionCounts(
            count, still_open, overdue, count - still_open
        )
    return figures

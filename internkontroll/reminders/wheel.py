"""The kommun-wide årshjul: the year's cycle month by month, what is done and what is late.

Board-bound milestones (plan, follow-ups, reporting points, occasions, actions) count only
the boards the viewer may read; KS's own steps (shared points, the consolidated review) are
the kommun's and shown to everyone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from internkontroll.controls.deadline import (
    KIND_ORDER,
    TIMELINESS_LABELS,
    plan_deadline,
    timeliness,
)
from internkontroll.controls.schedule import MONTH_NAMES, month_day
from internkontroll.controls.tables import ControlPlan
from internkontroll.organisation.tables import Board
from internkontroll.reminders.deadlines import collect_deadlines, follow_up_due
from internkontroll.reminders.model import Deadline, DeadlineKind
from internkontroll.reminders.wheel_counts import ActionCounts, OccasionCounts, day_figures
from internkontroll.reminders.wheel_steps import (
    STATUS_LABELS,
    STATUS_SIGNALS,
    BoardRow,
    Milestone,
    WheelBoard,
    board_milestone,
    long_date,
    reporting_point_milestone,
    review_milestone,
    shared_decision_milestone,
    shared_reporting_milestone,
)
from internkontroll.reports.periods import reporting_periods
from internkontroll.reports.tables import ConsolidatedReview
from internkontroll.risks.register import check_year
from internkontroll.settings import get_settings

__all__ = [
    "STATUS_LABELS",
    "STATUS_SIGNALS",
    "BoardRow",
    "Milestone",
    "Wheel",
    "WheelBoard",
    "WheelMonth",
    "build_wheel",
    "relative_day",
]

SOURCE_KINDS = (
    DeadlineKind.PLAN_ADOPTION,
    DeadlineKind.FOLLOW_UP,
    DeadlineKind.SHARED_DECISION,
    DeadlineKind.SHARED_REPORTING,
)


@dataclass
class WheelMonth:
    """One month: its milestones and, in the plan year, the occasions and actions due."""

    year: int
    month: int
    in_plan_year: bool
    is_current: bool
    milestones: list[Milestone] = field(default_factory=list)
    occasions: OccasionCounts = field(default_factory=OccasionCounts)
    occasion_boards: dict[int, OccasionCounts] = field(default_factory=dict)  # by board id
    actions: ActionCounts = field(default_factory=ActionCounts)
    action_boards: dict[int, ActionCounts] = field(default_factory=dict)  # by board id

    @property
    def key(self) -> str:
        """'2026-03', the month's anchor."""
        return f"{self.year}-{self.month:02d}"

    @property
    def label(self) -> str:
        """'mars 2026'."""
        return f"{MONTH_NAMES[self.month - 1]} {self.year}"


@dataclass
class Wheel:
    """The year's cycle for one viewer on one day."""

    year: int
    on: dt.date
    restricted: bool  # True when the viewer reads only some boards
    boards: list[WheelBoard]
    months: list[WheelMonth]
    occasions: OccasionCounts
    actions: ActionCounts
    earlier_open_actions: int  # due before the year and still open

    @property
    def milestones(self) -> list[Milestone]:
        """Every milestone in date order."""
        return [m for month in self.months for m in month.milestones]

    @property
    def current_month(self) -> WheelMonth | None:
        """The month holding today, when the wheel shows it."""
        return next((m for m in self.months if m.is_current), None)


def relative_day(day: dt.date, on: dt.date) -> str:
    """'i dag', 'i morgon', 'om 14 dagar', 'i går' or 'för 3 dagar sedan'."""
    days = (day - on).days
    if days == 0:
        return "i dag"
    if days == 1:
        return "i morgon"
    if days == -1:
        return "i går"
    return f"om {days} dagar" if days > 0 else f"för {-days} dagar sedan"


def shared_points_due(year: int) -> dt.date:
    """The last day in the year for KS's decision on the following year's shared points."""
    month, day = get_settings().reminders.shared_points_deadline
    return month_day(year, month, day)


async def active_boards() -> list[WheelBoard]:
    """Every active board, KS first, then nämnder, then bolag, by short name (1 query)."""
    rows = (
        await Board.select(Board.id, Board.short_name, Board.name, Board.kind)
        .where(Board.active.eq(True))
        .order_by(Board.short_name)
    )
    rows.sort(key=lambda b: KIND_ORDER.get(b["kind"], len(KIND_ORDER)))
    return [WheelBoard(b["id"], b["short_name"], b["name"], b["kind"]) for b in rows]


async def first_adoptions(year: int) -> dict[int, dt.date]:
    """Per board, the meeting date of the first adopted version of its plan for the year."""
    rows = (
        await ControlPlan.select(ControlPlan.board, ControlPlan.decided_on)
        .where((ControlPlan.year == year) & ControlPlan.decided_on.is_not_null())
        .order_by(ControlPlan.version)
    )
    first: dict[int, dt.date] = {}
    for row in rows:
        first.setdefault(row["board"], row["decided_on"])
    return first


def _by_due(deadlines: list[Deadline], kind: DeadlineKind, due_on: dt.date) -> list[Deadline]:
    # Deadlines are matched by their date as the settings give it, whichever year
    # collect_deadlines files them under.
    return [d for d in deadlines if d.kind == kind and d.due_on == due_on]


def _months(year: int, on: dt.date, milestones: list[Milestone]) -> list[WheelMonth]:
    keys = {(year, month) for month in range(1, 13)}
    keys |= {(m.starts_on.year, m.starts_on.month) for m in milestones}
    months = {
        key: WheelMonth(
            year=key[0],
            month=key[1],
            in_plan_year=key[0] == year,
            is_current=(on.year, on.month) == key,
        )
        for key in sorted(keys)
    }
    # Stable: on one day the steps keep the cycle's order (reporting point, follow-up, shared).
    for milestone in sorted(milestones, key=lambda m: (m.starts_on, m.due_on)):
        months[(milestone.starts_on.year, milestone.starts_on.month)].milestones.append(milestone)
    return list(months.values())


def _fold(
    months: list[WheelMonth],
    boards: list[WheelBoard],
    per_day: dict[int, dict[dt.date, Any]],
    what: str,
    empty: Callable[[], Any],
) -> None:
    """Sum each board's days into its months: the month's total and a row per board."""
    by_key = {(m.year, m.month): m for m in months}
    for board in boards:
        sums: dict[tuple[int, int], Any] = {}
        for day, counts in per_day.get(board.id, {}).items():
            sums.setdefault((day.year, day.month), empty()).add(counts)
        for key, counts in sorted(sums.items()):
            month = by_key.get(key)
            if month is not None:
                getattr(month, what).add(counts)
                getattr(month, f"{what[:-1]}_boards")[board.id] = counts


async def build_wheel(year: int, on: dt.date, readable: set[int] | None) -> Wheel:
    """The year's cycle as a viewer reading `readable` boards (None: all) sees it on `on`."""
    check_year(year)
    overseer = readable is None
    boards = await active_boards()
    visible = [b for b in boards if readable is None or b.id in readable]
    # The year's deadlines include helår's follow-up (due the year after) and KS's
    # decision on next year's shared points (due this year).
    deadlines = await collect_deadlines([year], kinds=SOURCE_KINDS)
    figures = await day_figures(year, on)
    review = (
        await ConsolidatedReview.select(
            ConsolidatedReview.status, ConsolidatedReview.decided_on, ConsolidatedReview.paragraph
        )
        .where(ConsolidatedReview.year == year)
        .first()
    )

    due = plan_deadline(year)
    adopted = await first_adoptions(year)
    milestones = [
        board_milestone(
            DeadlineKind.PLAN_ADOPTION,
            year,
            on,
            visible,
            _by_due(deadlines, DeadlineKind.PLAN_ADOPTION, due),
            due,
            overseer=overseer,
            done_notes={
                board: f"{TIMELINESS_LABELS[timeliness(year, day)]} {long_date(day)}"
                for board, day in adopted.items()
            },
            done_late=frozenset(b for b, day in adopted.items() if day > due),
        )
    ]
    for period in reporting_periods(year):
        milestones.append(
            reporting_point_milestone(period, on, visible, figures.occasions, overseer=overseer)
        )
        due = follow_up_due(period, get_settings().reminders.follow_up_due_days)
        milestones.append(
            board_milestone(
                DeadlineKind.FOLLOW_UP,
                year,
                on,
                visible,
                _by_due(deadlines, DeadlineKind.FOLLOW_UP, due),
                due,
                overseer=overseer,
                period=period,
            )
        )
        # No shared points decided for the year: nothing shared to report.
        for shared in _by_due(deadlines, DeadlineKind.SHARED_REPORTING, due)[:1]:
            milestones.append(shared_reporting_milestone(period, on, shared, overseer=overseer))
    due = shared_points_due(year)
    decided = any(d.done for d in _by_due(deadlines, DeadlineKind.SHARED_DECISION, due))
    milestones.append(shared_decision_milestone(year, on, due, decided))
    milestones.append(review_milestone(year, on, review, overseer=overseer))

    months = _months(year, on, milestones)
    _fold(months, visible, figures.occasions, "occasions", OccasionCounts)
    _fold(months, visible, figures.actions, "actions", ActionCounts)
    occasions, actions = OccasionCounts(), ActionCounts()
    for month in months:
        occasions.add(month.occasions)
        actions.add(month.actions)
    return Wheel(
        year=year,
        on=on,
        restricted=not overseer,
        boards=visible,
        months=months,
        occasions=occasions,
        actions=actions,
        earlier_open_actions=sum(figures.earlier_open.get(b.id, 0) for b in visible),
    )

"""The plan deadline and whether each board adopted its plan on time, late, or not yet."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

from internkontroll.controls.tables import PLAN_STATUS_LABELS, ControlPlan
from internkontroll.organisation.tables import Board
from internkontroll.risks.register import check_year
from internkontroll.settings import get_settings
from internkontroll.timeutil import today

KIND_ORDER = {"executive": 0, "board": 1, "company": 2}
TIMELINESS_LABELS = {
    "on_time": "Antagen i tid",
    "late": "Antagen för sent",
    "missing": "Saknas – deadline passerad",
    "pending": "Ej antagen än",
}


def plan_deadline(year: int, month_day: tuple[int, int] | None = None) -> dt.date:
    """The last day to adopt the plan for a year (default 31 January of that year)."""
    month, day = month_day or get_settings().plan_deadline
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def timeliness(year: int, first_decided_on: dt.date | None, on: dt.date | None = None) -> str:
    """'on_time' or 'late' by the first adoption's meeting date; else 'missing' or 'pending'."""
    deadline = plan_deadline(year)
    if first_decided_on is not None:
        return "on_time" if first_decided_on <= deadline else "late"
    return "missing" if (on or today()) > deadline else "pending"


@dataclass(frozen=True)
class BoardPlanStatus:
    """One board's plan for a year as the deadline overview shows it."""

    board_id: int
    short_name: str
    name: str
    kind: str
    plan_id: int | None
    version: int | None
    status: str | None
    status_label: str
    first_decided_on: dt.date | None
    timeliness: str

    @property
    def timeliness_label(self) -> str:
        """The Swedish text for the flag."""
        return TIMELINESS_LABELS[self.timeliness]


async def plan_statuses(year: int) -> list[BoardPlanStatus]:
    """Every active board's plan for a year with its deadline flag (2 queries)."""
    return (await plan_statuses_by_year([year]))[year]


async def plan_statuses_by_year(years: list[int]) -> dict[int, list[BoardPlanStatus]]:
    """Per year, every active board's plan with its deadline flag (2 queries for all years)."""
    for year in years:
        check_year(year)
    boards = (
        await Board.select(Board.id, Board.short_name, Board.name, Board.kind)
        .where(Board.active.eq(True))
        .order_by(Board.short_name)
    )
    boards.sort(key=lambda b: KIND_ORDER.get(b["kind"], len(KIND_ORDER)))
    plans = (
        (
            await ControlPlan.select(
                ControlPlan.id,
                ControlPlan.board,
                ControlPlan.year,
                ControlPlan.version,
                ControlPlan.status,
                ControlPlan.decided_on,
            )
            .where(ControlPlan.year.is_in(sorted(set(years))))
            .order_by(ControlPlan.version)
        )
        if years
        else []
    )
    latest: dict[tuple[int, int], dict[str, Any]] = {}
    first_adopted: dict[tuple[int, int], dt.date] = {}
    for plan in plans:
        key = (plan["year"], plan["board"])
        latest[key] = plan
        if plan["decided_on"] is not None and key not in first_adopted:
            first_adopted[key] = plan["decided_on"]
    return {year: _statuses(year, boards, latest, first_adopted) for year in years}


def _statuses(year: int, boards, latest, first_adopted) -> list[BoardPlanStatus]:
    result = []
    for board in boards:
        plan = latest.get((year, board["id"]))
        first = first_adopted.get((year, board["id"]))
        result.append(
            BoardPlanStatus(
                board_id=board["id"],
                short_name=board["short_name"],
                name=board["name"],
                kind=board["kind"],
                plan_id=plan["id"] if plan else None,
                version=plan["version"] if plan else None,
                status=plan["status"] if plan else None,
                status_label=PLAN_STATUS_LABELS[plan["status"]] if plan else "Ingen plan",
                first_decided_on=first,
                timeliness=timeliness(year, first),
            )
        )
    return result

"""JSON API of the årshjul: the same milestones, statuses and counts as the page."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec
from litestar import Controller, Request, get
from litestar.params import Parameter

from internkontroll.api_schemas import errors
from internkontroll.auth.permissions import readable_board_ids
from internkontroll.reminders.wheel import Wheel, WheelMonth, build_wheel
from internkontroll.reminders.wheel_counts import ActionCounts, OccasionCounts
from internkontroll.reminders.wheel_steps import Milestone
from internkontroll.risks.register import check_year
from internkontroll.timeutil import today
from internkontroll.web.guards import login_required, principal_of

YearQuery = Annotated[
    int | None,
    Parameter(ge=0, le=2**31 - 1, description="Året; utan: innevarande år"),
]


class OccasionCountsOut(msgspec.Struct):
    """Test occasions due: with a result (tested), and late (past due without one)."""

    due: int
    tested: int
    late: int


class ActionCountsOut(msgspec.Struct):
    """Corrective actions by their current due date: open, overdue (open past due), closed."""

    due: int
    open: int
    overdue: int
    closed: int


class WheelBoardOut(msgspec.Struct):
    """An active board the viewer may read."""

    id: int
    short_name: str
    name: str
    kind: str


class BoardRowOut(msgspec.Struct):
    """One board's part in a milestone; status is done, late, ongoing or upcoming."""

    board_id: int
    short_name: str
    status: str
    status_label: str
    note: str
    link: str


class MilestoneOut(msgspec.Struct):
    """A step of the cycle with its date as decided (a window's last day for a window)."""

    key: str
    kind: str
    title: str
    description: str
    due_on: dt.date
    window_start: dt.date | None
    when: str
    non_working: str | None
    status: str
    status_label: str
    summary: str
    link: str | None
    done: int
    total: int
    boards: list[BoardRowOut]


class BoardMonthOut(msgspec.Struct):
    """One board's occasions and actions due in a month."""

    board_id: int
    occasions: OccasionCountsOut
    actions: ActionCountsOut


class MonthOut(msgspec.Struct):
    """A month of the cycle; occasions and actions are counted in the plan year's months."""

    year: int
    month: int
    label: str
    in_plan_year: bool
    is_current: bool
    milestones: list[MilestoneOut]
    occasions: OccasionCountsOut
    actions: ActionCountsOut
    boards: list[BoardMonthOut]


class WheelOut(msgspec.Struct):
    """The year's cycle as the caller sees it: `restricted` when only some boards are theirs."""

    year: int
    on: dt.date
    restricted: bool
    boards: list[WheelBoardOut]
    months: list[MonthOut]
    occasions: OccasionCountsOut
    actions: ActionCountsOut
    earlier_open_actions: int


def _occasions(c: OccasionCounts) -> OccasionCountsOut:
    return OccasionCountsOut(c.due, c.tested, c.late)


def _actions(c: ActionCounts) -> ActionCountsOut:
    return ActionCountsOut(c.due, c.open, c.overdue, c.closed)


def milestone_out(m: Milestone) -> MilestoneOut:
    """A milestone as JSON."""
    return MilestoneOut(
        key=m.key,
        kind=m.kind,
        title=m.title,
        description=m.description,
        due_on=m.due_on,
        window_start=m.window_start,
        when=m.when,
        non_working=m.non_working,
        status=m.status,
        status_label=m.status_label,
        summary=m.summary,
        link=m.link,
        done=m.done,
        total=m.total,
        boards=[
            BoardRowOut(b.board_id, b.short_name, b.status, b.status_label, b.note, b.link)
            for b in m.boards
        ],
    )


def _month_out(month: WheelMonth, wheel: Wheel) -> MonthOut:
    boards = [
        BoardMonthOut(
            board.id,
            _occasions(month.occasion_boards.get(board.id, OccasionCounts())),
            _actions(month.action_boards.get(board.id, ActionCounts())),
        )
        for board in wheel.boards
        if board.id in month.occasion_boards or board.id in month.action_boards
    ]
    return MonthOut(
        year=month.year,
        month=month.month,
        label=month.label,
        in_plan_year=month.in_plan_year,
        is_current=month.is_current,
        milestones=[milestone_out(m) for m in month.milestones],
        occasions=_occasions(month.occasions),
        actions=_actions(month.actions),
        boards=boards,
    )


def wheel_out(wheel: Wheel) -> WheelOut:
    """The whole wheel as JSON."""
    return WheelOut(
        year=wheel.year,
        on=wheel.on,
        restricted=wheel.restricted,
        boards=[WheelBoardOut(b.id, b.short_name, b.name, b.kind) for b in wheel.boards],
        months=[_month_out(m, wheel) for m in wheel.months],
        occasions=_occasions(wheel.occasions),
        actions=_actions(wheel.actions),
        earlier_open_actions=wheel.earlier_open_actions,
    )


class WheelApi(Controller):
    """Årshjul as data: every signed-in user, board rows only for the boards they may read."""

    guards = [login_required]
    tags = ["Påminnelser och årshjul"]

    @get(
        "/api/wheel",
        summary="Årshjulet: årets hållpunkter med status, månad för månad",
        responses=errors(401, 422),
    )
    async def wheel(self, request: Request, year: YearQuery = None) -> WheelOut:
        """The plan deadline, reporting points, follow-ups to KS, KS's shared points and
        consolidated review, with status (done, late, ongoing, upcoming) and counts, and per
        month the test occasions and actions due. Default: this year."""
        principal = principal_of(request)
        year = today().year if year is None else year
        check_year(year, "year")
        wheel = await build_wheel(year, today(), readable_board_ids(principal))
        return wheel_out(wheel)

"""Reading the organisation: boards, their departments, processes and members."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from piccolo.apps.user.tables import BaseUser

from internkontroll.auth.permissions import Action, readable_board_ids, require
from internkontroll.auth.principal import Principal
from internkontroll.auth.tables import Membership
from internkontroll.errors import NotFound
from internkontroll.organisation.tables import (
    Board,
    Department,
    DepartmentBoard,
    Municipality,
    Process,
    RiskCategory,
)

KIND_ORDER = {"executive": 0, "board": 1, "company": 2}
DEFAULT_MUNICIPALITY_NAME = "Kommunen"


async def municipality() -> dict[str, Any]:
    """The municipality's name and organisation number (defaults when not yet set up)."""
    row = await Municipality.select().order_by(Municipality.id).first()
    return row or {"id": None, "name": DEFAULT_MUNICIPALITY_NAME, "organisation_number": ""}


async def visible_boards(
    principal: Principal, *, include_inactive: bool = False
) -> list[dict[str, Any]]:
    """Boards the principal may read, KS first, with the principal's own roles."""
    ids = readable_board_ids(principal)
    query = Board.select(Board.id, Board.name, Board.short_name, Board.kind, Board.active)
    if ids is not None:
        if not ids:
            return []
        query = query.where(Board.id.is_in(sorted(ids)))
    if not include_inactive:
        query = query.where(Board.active == True)  # noqa: E712 - Piccolo needs ==
    rows = await query
    for row in rows:
        row["my_roles"] = sorted(principal.roles_on(row["id"]))
    return sorted(rows, key=lambda b: (KIND_ORDER.get(b["kind"], 9), b["name"]))


@dataclass(frozen=True)
class BoardDetail:
    """A board with what belongs to it."""

    board: dict[str, Any]
    departments: list[dict[str, Any]]
    processes: list[dict[str, Any]]
    members: list[dict[str, Any]]


async def get_board(principal: Principal, board_id: int) -> dict[str, Any]:
    """One board the principal may read; 404 if it does not exist, 403 if not theirs."""
    if not 0 < board_id <= 2**31 - 1:
        raise NotFound("Nämnden finns inte.")
    board = await Board.select().where(Board.id == board_id).first()
    if board is None:
        raise NotFound("Nämnden finns inte.")
    require(principal, Action.VIEW_BOARD, board_id)
    return board


async def board_detail(principal: Principal, board_id: int) -> BoardDetail:
    """A board with its departments, processes and members."""
    board = await get_board(principal, board_id)
    departments = await DepartmentBoard.select(
        DepartmentBoard.department.id.as_alias("id"),
        DepartmentBoard.department.name.as_alias("name"),
    ).where(DepartmentBoard.board == board_id)
    processes = (
        await Process.select(Process.id, Process.name, Process.description, Process.active)
        .where(Process.board == board_id)
        .order_by(Process.sort_order)
        .order_by(Process.name)
    )
    member_rows = (
        await Membership.select(
            Membership.user.id.as_alias("user_id"),
            Membership.user.username.as_alias("username"),
            Membership.user.first_name.as_alias("first_name"),
            Membership.user.last_name.as_alias("last_name"),
            Membership.role,
        )
        .where(Membership.board == board_id)
        .where(Membership.user.active == True)  # noqa: E712
        .order_by(Membership.user.username)
    )
    members: dict[int, dict[str, Any]] = {}
    for row in member_rows:
        entry = members.setdefault(
            row["user_id"],
            {
                "id": row["user_id"],
                "username": row["username"],
                "name": " ".join(p for p in (row["first_name"], row["last_name"]) if p)
                or row["username"],
                "roles": [],
            },
        )
        entry["roles"].append(row["role"])
    return BoardDetail(
        board=board,
        departments=sorted(departments, key=lambda d: d["name"]),
        processes=processes,
        members=list(members.values()),
    )


async def risk_categories(*, include_inactive: bool = False) -> list[dict[str, Any]]:
    """The instance's risk categories in display order."""
    query = RiskCategory.select().order_by(RiskCategory.sort_order).order_by(RiskCategory.name)
    if not include_inactive:
        query = query.where(RiskCategory.active == True)  # noqa: E712
    return await query


async def departments_with_boards() -> list[dict[str, Any]]:
    """Every department with the short names of the boards it serves."""
    departments = await Department.select().order_by(Department.name)
    links = await DepartmentBoard.select(
        DepartmentBoard.department, DepartmentBoard.board.short_name.as_alias("short_name")
    )
    by_department: dict[int, list[str]] = {}
    for link in links:
        by_department.setdefault(link["department"], []).append(link["short_name"])
    for department in departments:
        department["boards"] = sorted(by_department.get(department["id"], []))
    return departments


async def user_count() -> int:
    """How many users exist (used to decide whether the demo may load)."""
    return await BaseUser.count()

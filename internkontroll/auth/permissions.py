"""The one place that answers: may this user do X (on board B)?"""

from __future__ import annotations

from enum import StrEnum

from internkontroll.auth.principal import Principal
from internkontroll.errors import Forbidden


class Action(StrEnum):
    """Everything a route may ask permission for."""

    VIEW_BOARD = "view_board"
    EDIT_RISKS = "edit_risks"
    EDIT_PLAN = "edit_plan"
    RECORD_DECISION = "record_decision"
    LOG_RESULT = "log_result"
    WRITE_FOLLOW_UP = "write_follow_up"
    VIEW_ALL_BOARDS = "view_all_boards"
    MANAGE_SHARED_CONTROLS = "manage_shared_controls"
    WRITE_CONSOLIDATED_REVIEW = "write_consolidated_review"
    RECORD_REVIEW_DECISION = "record_review_decision"
    VIEW_AUDIT = "view_audit"
    ADMINISTER = "administer"


BOARD_ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    "viewer": frozenset({Action.VIEW_BOARD}),
    "secretary": frozenset({Action.VIEW_BOARD, Action.RECORD_DECISION}),
    "preparer": frozenset(
        {Action.VIEW_BOARD, Action.EDIT_RISKS, Action.EDIT_PLAN, Action.WRITE_FOLLOW_UP}
    ),
    "control_owner": frozenset({Action.VIEW_BOARD, Action.LOG_RESULT}),
}

# Read-only actions on every board; nothing here writes a board's data.
READ_EVERYTHING = frozenset({Action.VIEW_BOARD, Action.VIEW_ALL_BOARDS})

GLOBAL_ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    "auditor": READ_EVERYTHING | {Action.VIEW_AUDIT},
    "coordinator": READ_EVERYTHING
    | {
        Action.MANAGE_SHARED_CONTROLS,
        Action.WRITE_CONSOLIDATED_REVIEW,
        Action.RECORD_REVIEW_DECISION,
    },
}

BOARD_SCOPED = frozenset(
    {
        Action.VIEW_BOARD,
        Action.EDIT_RISKS,
        Action.EDIT_PLAN,
        Action.RECORD_DECISION,
        Action.LOG_RESULT,
        Action.WRITE_FOLLOW_UP,
    }
)

# KS's own secretaries record KS's decisions: the shared control points and the review.
KS_SECRETARY_ACTIONS = frozenset({Action.MANAGE_SHARED_CONTROLS, Action.RECORD_REVIEW_DECISION})

DENIED_MESSAGE = "Du har inte behörighet till detta."


def can(principal: Principal | None, action: Action, board_id: int | None = None) -> bool:
    """True if the principal may perform the action (on the board, for board-scoped actions)."""
    if principal is None:
        return False
    if principal.is_admin:
        return True
    for role in principal.global_roles:
        if action in GLOBAL_ROLE_ACTIONS.get(role, frozenset()):
            return True
    # Members of the kommunstyrelse oversee every board: they read all of them.
    if principal.is_executive_member and action in READ_EVERYTHING:
        return True
    if action in KS_SECRETARY_ACTIONS and any(
        "secretary" in principal.roles_on(b) for b in principal.executive_board_ids
    ):
        return True
    if action not in BOARD_SCOPED or board_id is None:
        return False
    return any(action in BOARD_ROLE_ACTIONS.get(r, ()) for r in principal.roles_on(board_id))


def require(principal: Principal | None, action: Action, board_id: int | None = None) -> None:
    """Raise 403 with a Swedish message unless the principal may perform the action."""
    if not can(principal, action, board_id):
        raise Forbidden(detail=DENIED_MESSAGE)


def readable_board_ids(principal: Principal) -> set[int] | None:
    """Boards the principal may read; None means every board."""
    if can(principal, Action.VIEW_ALL_BOARDS):
        return None
    return {b for b in principal.memberships if can(principal, Action.VIEW_BOARD, b)}

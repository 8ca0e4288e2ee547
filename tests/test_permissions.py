"""Unit tests of the authorization module: `can`, `require`, `readable_board_ids`.

No HTTP and no database: principals are built directly. The expected answers are
written out below as an explicit table, never recomputed from the module's own
role tables, so a mistaken edit of the rules makes these tests fail.
"""

from __future__ import annotations

import pytest
from litestar.exceptions import PermissionDeniedException

from internkontroll.auth.permissions import Action, can, readable_board_ids, require
from internkontroll.auth.principal import Principal

KS = 1  # the kommunstyrelse (kind "executive")
OWN = 2  # the board in question
OTHER = 3  # another board

DENIED = "Du har inte behörighet till detta."
BOARD_ROLES = ("viewer", "secretary", "preparer", "control_owner")


def principal(
    *,
    admin: bool = False,
    global_roles: tuple[str, ...] = (),
    roles: dict[int, tuple[str, ...]] | None = None,
) -> Principal:
    """A principal as load_principal builds it: executive ids are the KS boards it sits on."""
    memberships = {b: frozenset(r) for b, r in (roles or {}).items()}
    return Principal(
        id=7,
        username="testare",
        display_name="Testare",
        is_admin=admin,
        global_roles=frozenset(global_roles),
        memberships=memberships,
        executive_board_ids=frozenset({KS} & set(memberships)),
    )


# Each case: the principal and the board every board-scoped question is asked about.
CASES: dict[str, tuple[Principal | None, int]] = {
    "anonymous": (None, OWN),
    "no_role": (principal(), OWN),
    "admin": (principal(admin=True), OWN),
    "coordinator": (principal(global_roles=("coordinator",)), OWN),
    "auditor": (principal(global_roles=("auditor",)), OWN),
    "coordinator+auditor": (principal(global_roles=("coordinator", "auditor")), OWN),
    **{f"{r}@own": (principal(roles={OWN: (r,)}), OWN) for r in BOARD_ROLES},
    **{f"{r}@other": (principal(roles={OTHER: (r,)}), OWN) for r in BOARD_ROLES},
    **{f"ks_{r}": (principal(roles={KS: (r,)}), OWN) for r in BOARD_ROLES},
    **{f"ks_{r}@ks": (principal(roles={KS: (r,)}), KS) for r in BOARD_ROLES},
    "all_board_roles@own": (principal(roles={OWN: BOARD_ROLES}), OWN),
    "all_board_roles@other": (principal(roles={OTHER: BOARD_ROLES}), OWN),
    "viewer@own+preparer@other": (principal(roles={OWN: ("viewer",), OTHER: ("preparer",)}), OWN),
    "coordinator+preparer@own": (
        principal(global_roles=("coordinator",), roles={OWN: ("preparer",)}),
        OWN,
    ),
    "auditor+secretary@own": (
        principal(global_roles=("auditor",), roles={OWN: ("secretary",)}),
        OWN,
    ),
    # Role names that are not roles grant nothing.
    "global_role_named_admin": (principal(global_roles=("admin",)), OWN),
    "unknown_board_role@own": (principal(roles={OWN: ("chairman",)}), OWN),
    "empty_membership@own": (principal(roles={OWN: ()}), OWN),
    # A KS id the user is not a member of does not make them a KS member.
    "executive_id_without_membership": (
        Principal(
            id=7,
            username="testare",
            display_name="Testare",
            memberships={OWN: frozenset({"viewer"})},
            executive_board_ids=frozenset({KS}),
        ),
        OTHER,
    ),
}

# Columns of the table below, in order. Board-scoped actions (the first six) are
# asked about the case's board; the others are asked without a board.
COLUMNS = (
    "VIEW_BOARD",
    "EDIT_RISKS",
    "EDIT_PLAN",
    "RECORD_DECISION",
    "LOG_RESULT",
    "WRITE_FOLLOW_UP",
    "VIEW_ALL_BOARDS",
    "MANAGE_SHARED_CONTROLS",
    "WRITE_CONSOLIDATED_REVIEW",
    "RECORD_REVIEW_DECISION",
    "VIEW_AUDIT",
    "ADMINISTER",
)
BOARD_SCOPED_COLUMNS = COLUMNS[:6]

# fmt: off
EXPECTED: dict[str, str] = {
    #                                  VIE RSK PLN DEC RES FLU ALL SHR CON RVD AUD ADM
    "anonymous":                       " .   .   .   .   .   .   .   .   .   .   .   . ",
    "no_role":                         " .   .   .   .   .   .   .   .   .   .   .   . ",
    "admin":                           " Y   Y   Y   Y   Y   Y   Y   Y   Y   Y   Y   Y ",
    "coordinator":                     " Y   .   .   .   .   .   Y   Y   Y   Y   .   . ",
    "auditor":                         " Y   .   .   .   .   .   Y   .   .   .   Y   . ",
    "coordinator+auditor":             " Y   .   .   .   .   .   Y   Y   Y   Y   Y   . ",
    "viewer@own":                      " Y   .   .   .   .   .   .   .   .   .   .   . ",
    "secretary@own":                   " Y   .   .   Y   .   .   .   .   .   .   .   . ",
    "preparer@own":                    " Y   Y   Y   .   .   Y   .   .   .   .   .   . ",
    "control_owner@own":               " Y   .   .   .   Y   .   .   .   .   .   .   . ",
    "viewer@other":                    " .   .   .   .   .   .   .   .   .   .   .   . ",
    "secretary@other":                 " .   .   .   .   .   .   .   .   .   .   .   . ",
    "preparer@other":                  " .   .   .   .   .   .   .   .   .   .   .   . ",
    "control_owner@other":             " .   .   .   .   .   .   .   .   .   .   .   . ",
    "ks_viewer":                       " Y   .   .   .   .   .   Y   .   .   .   .   . ",
    "ks_secretary":                    " Y   .   .   .   .   .   Y   Y   .   Y   .   . ",
    "ks_preparer":                     " Y   .   .   .   .   .   Y   .   .   .   .   . ",
    "ks_control_owner":                " Y   .   .   .   .   .   Y   .   .   .   .   . ",
    "ks_viewer@ks":                    " Y   .   .   .   .   .   Y   .   .   .   .   . ",
    "ks_secretary@ks":                 " Y   .   .   Y   .   .   Y   Y   .   Y   .   . ",
    "ks_preparer@ks":                  " Y   Y   Y   .   .   Y   Y   .   .   .   .   . ",
    "ks_control_owner@ks":             " Y   .   .   .   Y   .   Y   .   .   .   .   . ",
    "all_board_roles@own":             " Y   Y   Y   Y   Y   Y   .   .   .   .   .   . ",
    "all_board_roles@other":           " .   .   .   .   .   .   .   .   .   .   .   . ",
    "viewer@own+preparer@other":       " Y   .   .   .   .   .   .   .   .   .   .   . ",
    "coordinator+preparer@own":        " Y   Y   Y   .   .   Y   Y   Y   Y   Y   .   . ",
    "auditor+secretary@own":           " Y   .   .   Y   .   .   Y   .   .   .   Y   . ",
    "global_role_named_admin":         " .   .   .   .   .   .   .   .   .   .   .   . ",
    "unknown_board_role@own":          " .   .   .   .   .   .   .   .   .   .   .   . ",
    "empty_membership@own":            " .   .   .   .   .   .   .   .   .   .   .   . ",
    "executive_id_without_membership": " .   .   .   .   .   .   .   .   .   .   .   . ",
}

# Boards readable_board_ids must return; None means "every board".
EXPECTED_READABLE: dict[str, set[int] | None] = {
    "no_role": set(),
    "admin": None,
    "coordinator": None,
    "auditor": None,
    "coordinator+auditor": None,
    "viewer@own": {OWN},
    "secretary@own": {OWN},
    "preparer@own": {OWN},
    "control_owner@own": {OWN},
    "viewer@other": {OTHER},
    "secretary@other": {OTHER},
    "preparer@other": {OTHER},
    "control_owner@other": {OTHER},
    "ks_viewer": None,
    "ks_secretary": None,
    "ks_preparer": None,
    "ks_control_owner": None,
    "ks_viewer@ks": None,
    "ks_secretary@ks": None,
    "ks_preparer@ks": None,
    "ks_control_owner@ks": None,
    "all_board_roles@own": {OWN},
    "all_board_roles@other": {OTHER},
    "viewer@own+preparer@other": {OWN, OTHER},
    "coordinator+preparer@own": None,
    "auditor+secretary@own": None,
    "global_role_named_admin": set(),
    "unknown_board_role@own": set(),
    "empty_membership@own": set(),
    "executive_id_without_membership": {OWN},
}
# fmt: on


def expected(case: str, action: str) -> bool:
    marks = EXPECTED[case].split()
    assert len(marks) == len(COLUMNS), f"row {case!r} has {len(marks)} marks"
    assert set(marks) <= {"Y", "."}, f"row {case!r} has a mark that is neither Y nor ."
    return marks[COLUMNS.index(action)] == "Y"


MATRIX = [(case, action) for case in CASES for action in COLUMNS]


def test_table_covers_every_action_and_case():
    """A new Action, or a case without a row, must get an explicit expectation."""
    assert {a.name for a in Action} == set(COLUMNS)
    assert set(EXPECTED) == set(CASES)
    assert set(EXPECTED_READABLE) == set(CASES) - {"anonymous"}


@pytest.mark.parametrize(("case", "action"), MATRIX, ids=[f"{c}-{a}" for c, a in MATRIX])
def test_can_and_require(case: str, action: str):
    """can() answers as the table says, and require() raises exactly when can() says no."""
    who, board = CASES[case]
    act = Action[action]
    want = expected(case, action)
    if action in BOARD_SCOPED_COLUMNS:
        on: int | None = board
        assert can(who, act, board) is want
    else:
        # Global actions do not depend on a board, whether one is given or not.
        on = None
        assert can(who, act) is want
        assert can(who, act, board) is want
        assert can(who, act, OTHER) is want
    if want:
        assert require(who, act, on) is None
        return
    with pytest.raises(PermissionDeniedException) as info:
        require(who, act, on)
    assert info.value.status_code == 403
    assert info.value.detail == DENIED


# Board roles never reach past their own board: asked about every board that is not
# theirs, a pure board-role holder (no global role, not on the KS) gets nothing.
PURE_MEMBERS = [(r, b) for r in BOARD_ROLES for b in (OWN, OTHER)]


@pytest.mark.parametrize(("role", "holds_on"), PURE_MEMBERS)
def test_board_roles_do_not_extend_to_other_boards(role: str, holds_on: int):
    who = principal(roles={holds_on: (role,)})
    for board in {KS, OWN, OTHER, 99} - {holds_on}:
        for action in BOARD_SCOPED_COLUMNS:
            assert can(who, Action[action], board) is False, (role, holds_on, board, action)


@pytest.mark.parametrize("role", BOARD_ROLES)
def test_board_roles_grant_nothing_without_a_board(role: str):
    who = principal(roles={OWN: (role,)})
    for action in Action:
        assert can(who, action) is False, action
        assert can(who, action, None) is False, action


@pytest.mark.parametrize(
    "case",
    ["admin", "coordinator", "auditor", "ks_viewer", "ks_preparer", "coordinator+auditor"],
)
def test_all_readers_view_every_board(case: str):
    who, _ = CASES[case]
    for board in (KS, OWN, OTHER, 12345):
        assert can(who, Action.VIEW_BOARD, board) is True, board


@pytest.mark.parametrize(
    "case", ["coordinator", "auditor", "coordinator+auditor", "ks_viewer", "ks_secretary"]
)
def test_all_readers_write_no_board_they_hold_no_role_on(case: str):
    who, _ = CASES[case]
    writes = ("EDIT_RISKS", "EDIT_PLAN", "RECORD_DECISION", "LOG_RESULT")
    for board in (OWN, OTHER, 12345):
        for action in writes:
            assert can(who, Action[action], board) is False, (board, action)


def test_anonymous_may_do_nothing_anywhere():
    for action in Action:
        for board in (None, KS, OWN, OTHER):
            assert can(None, action, board) is False
            with pytest.raises(PermissionDeniedException) as info:
                require(None, action, board)
            assert info.value.detail == DENIED


def test_admin_may_do_everything_everywhere():
    who = principal(admin=True)
    for action in Action:
        for board in (None, KS, OWN, OTHER, 12345):
            assert can(who, action, board) is True
            require(who, action, board)


READABLE_CASES = sorted(EXPECTED_READABLE)


@pytest.mark.parametrize("case", READABLE_CASES)
def test_readable_board_ids(case: str):
    who, _ = CASES[case]
    assert who is not None
    assert readable_board_ids(who) == EXPECTED_READABLE[case]


def test_denied_message_is_swedish():
    with pytest.raises(PermissionDeniedException) as info:
        require(principal(), Action.ADMINISTER)
    assert info.value.detail == "Du har inte behörighet till detta."
    assert info.value.status_code == 403

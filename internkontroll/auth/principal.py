"""The signed-in user as every request sees it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Principal:
    """A signed-in user with the roles that decide what they may do."""

    id: int
    username: str
    display_name: str
    is_admin: bool = False
    global_roles: frozenset[str] = frozenset()
    memberships: Mapping[int, frozenset[str]] = field(default_factory=dict)
    executive_board_ids: frozenset[int] = frozenset()

    def has_global_role(self, role: str) -> bool:
        """True if the user holds this global role."""
        return role in self.global_roles

    def roles_on(self, board_id: int) -> frozenset[str]:
        """The user's roles on one board."""
        return self.memberships.get(board_id, frozenset())

    @property
    def is_executive_member(self) -> bool:
        """True if the user holds any role on the kommunstyrelse."""
        return any(board_id in self.memberships for board_id in self.executive_board_ids)


@dataclass(frozen=True)
class Actor:
    """Who a change is recorded against in the audit trail."""

    id: int | None
    username: str

    @classmethod
    def of(cls, principal: Principal | None) -> Actor:
        """The actor for a principal, or the system when there is none."""
        if principal is None:
            return SYSTEM
        return cls(id=principal.id, username=principal.username)


SYSTEM = Actor(id=None, username="system")

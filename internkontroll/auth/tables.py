"""Role and login-throttle tables; users themselves are Piccolo's BaseUser."""

from __future__ import annotations

from enum import Enum

from piccolo.apps.user.tables import BaseUser
from piccolo.columns import ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.choices import Choice
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from internkontroll.organisation.tables import Board


class GlobalRoleName(Enum):
    """Roles that apply across all boards (admin is BaseUser.admin)."""

    coordinator = Choice(value="coordinator", display_name="Internkontrollsamordnare")
    auditor = Choice(value="auditor", display_name="Revisor")


class BoardRoleName(Enum):
    """Roles a user holds on one board."""

    secretary = Choice(value="secretary", display_name="Nämndsekreterare")
    preparer = Choice(value="preparer", display_name="Handläggare")
    control_owner = Choice(value="control_owner", display_name="Kontrollansvarig")
    viewer = Choice(value="viewer", display_name="Läsbehörighet (ledamot)")


class GlobalRole(Table, tablename="global_role"):
    """A coordinator or auditor role held by a user (unique per pair)."""

    user = ForeignKey(BaseUser, index=True, null=False, on_delete=OnDelete.cascade)
    role = Varchar(length=20, choices=GlobalRoleName)


class Membership(Table, tablename="membership"):
    """A user's role on one board (unique per user, board and role)."""

    user = ForeignKey(BaseUser, index=True, null=False, on_delete=OnDelete.cascade)
    board = ForeignKey(Board, index=True, null=False, on_delete=OnDelete.cascade)
    role = Varchar(length=20, choices=BoardRoleName)


class LoginThrottle(Table, tablename="login_throttle"):
    """Failed login attempts per user name, for the growing delay."""

    username = Varchar(length=100, unique=True)
    failures = Integer(default=0)
    last_failure_at = Timestamptz(default=TimestamptzNow())
    locked_until = Timestamptz(null=True, default=None)

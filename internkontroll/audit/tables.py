"""The audit event table."""

from __future__ import annotations

from piccolo.apps.user.tables import BaseUser
from piccolo.columns import JSON, ForeignKey, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from internkontroll.organisation.tables import Board


class AuditEvent(Table, tablename="audit_event"):
    """One recorded change; never updated or deleted by the application."""

    at = Timestamptz(default=TimestamptzNow(), index=True)
    actor = ForeignKey(BaseUser, null=True, index=True, on_delete=OnDelete.set_null)
    actor_username = Varchar(length=100, default="system")
    action = Varchar(length=40, index=True)
    entity = Varchar(length=60, index=True)
    entity_id = Varchar(length=60, default="")
    board = ForeignKey(Board, null=True, index=True, on_delete=OnDelete.set_null)
    summary = Varchar(length=300, default="")
    source = Varchar(length=20, default="app")
    before = JSON(null=True, default=None)
    after = JSON(null=True, default=None)

"""Notifications (one per reminder and user), preferences and the scheduler's run claims."""

from __future__ import annotations

from piccolo.apps.user.tables import BaseUser
from piccolo.columns import Boolean, Date, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.readable import Readable
from piccolo.table import Table

from internkontroll.organisation.tables import Board

EMAIL_STATUS_LABELS = {
    "pending": "Väntar på att skickas",
    "sending": "Skickas",
    "sent": "Skickad",
    "failed": "Misslyckades",
    "skipped": "Skickas inte",
}


class Notification(Table, tablename="notification"):
    """One reminder to one user: the in-app entry and its e-mail's delivery state.

    The unique key (thing, due date, stage, user) is the claim that makes a reminder happen
    exactly once, whichever scheduler process gets there first.
    """

    key = Varchar(length=300, unique=True)
    user = ForeignKey(BaseUser, index=True, null=False, on_delete=OnDelete.cascade)
    board = ForeignKey(Board, index=True, null=True, on_delete=OnDelete.cascade)
    kind = Varchar(length=30)
    subject = Varchar(length=120)
    stage = Varchar(length=20)
    title = Varchar(length=300)
    message = Text(default="")
    reason = Varchar(length=300, default="")
    link = Varchar(length=300, default="")
    due_on = Date()
    planned_on = Date(index=True)
    overdue = Boolean(default=False)
    created_at = Timestamptz(default=TimestamptzNow())
    read_at = Timestamptz(null=True, default=None)
    email_status = Varchar(length=20, default="pending", index=True)
    email_attempts = Integer(default=0)
    email_next_at = Timestamptz(null=True, default=None)
    email_claimed_at = Timestamptz(null=True, default=None)
    email_sent_at = Timestamptz(null=True, default=None)
    email_error = Text(default="")

    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(template="%s", columns=[cls.title])


class NotificationPreference(Table, tablename="notification_preference"):
    """A user's choices: e-mail on or off, and the version of their calendar feed's secret."""

    user = ForeignKey(BaseUser, unique=True, index=True, null=False, on_delete=OnDelete.cascade)
    email_enabled = Boolean(default=True)
    # Renewing the feed address bumps this; the token is derived from it and the secret key.
    calendar_version = Integer(default=1)
    updated_at = Timestamptz(default=TimestamptzNow())


class SchedulerRun(Table, tablename="scheduler_run"):
    """A claimed run of a scheduled job for one day; the unique key makes the claim exclusive."""

    key = Varchar(length=100, unique=True)
    job = Varchar(length=50, index=True)
    run_on = Date(index=True)
    claimed_at = Timestamptz(default=TimestamptzNow())
    claimed_by = Varchar(length=200, default="")
    completed_at = Timestamptz(null=True, default=None)
    created_count = Integer(default=0)
    error = Text(default="")

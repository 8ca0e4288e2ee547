"""A user's in-app notifications and reminder preferences: list, read marks, e-mail on/off."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from piccolo.apps.user.tables import BaseUser
from piccolo.query import OrderByRaw

from internkontroll.audit import services as audit
from internkontroll.auth.principal import Actor, Principal
from internkontroll.auth.services import real_email
from internkontroll.db import write_transaction
from internkontroll.errors import NotFound
from internkontroll.reminders.model import DEADLINE_KIND_LABELS, DeadlineKind
from internkontroll.reminders.tables import Notification, NotificationPreference
from internkontroll.risks.register import MAX_ID
from internkontroll.settings import get_settings
from internkontroll.timeutil import now

PAGE_SIZE = 25
MAX_PAGE_SIZE = 200
NOT_FOUND_MESSAGE = "Påminnelsen finns inte."


@dataclass(frozen=True)
class NotificationView:
    """One notification as the list and the API show it."""

    id: int
    kind: str
    kind_label: str
    title: str
    message: str
    reason: str
    link: str
    board_short_name: str
    due_on: dt.date
    planned_on: dt.date
    overdue: bool
    created_at: dt.datetime
    read_at: dt.datetime | None

    @property
    def is_read(self) -> bool:
        """True once the user has marked it read."""
        return self.read_at is not None


@dataclass(frozen=True)
class NotificationList:
    """One page of a user's notifications with the counts the page and API show."""

    items: list[NotificationView]
    total: int  # matching the filter
    unread: int  # all unread, whatever the filter
    limit: int
    offset: int
    unread_only: bool


@dataclass(frozen=True)
class Preferences:
    """A user's reminder settings and whether e-mail can reach them at all."""

    email_enabled: bool
    calendar_version: int
    smtp_configured: bool
    email_address: str  # "" when the user has no real address

    @property
    def email_will_be_sent(self) -> bool:
        """True when reminders actually go out by e-mail to this user."""
        return self.email_enabled and self.smtp_configured and bool(self.email_address)


def _kind_label(kind: str) -> str:
    try:
        return DEADLINE_KIND_LABELS[DeadlineKind(kind)]
    except ValueError:
        return kind


def _view(row: dict[str, Any]) -> NotificationView:
    return NotificationView(
        id=row["id"],
        kind=row["kind"],
        kind_label=_kind_label(row["kind"]),
        title=row["title"],
        message=row["message"],
        reason=row["reason"],
        link=row["link"],
        board_short_name=row.get("board_short_name") or "",
        due_on=row["due_on"],
        planned_on=row["planned_on"],
        overdue=bool(row["overdue"]),
        created_at=row["created_at"],
        read_at=row["read_at"],
    )


def _columns() -> list[Any]:
    n = Notification
    return [
        n.id,
        n.kind,
        n.title,
        n.message,
        n.reason,
        n.link,
        n.board.short_name.as_alias("board_short_name"),
        n.due_on,
        n.planned_on,
        n.overdue,
        n.created_at,
        n.read_at,
    ]


async def list_notifications(
    user_id: int, *, unread_only: bool = False, limit: int = PAGE_SIZE, offset: int = 0
) -> NotificationList:
    """A page of the user's notifications: unread first, then newest first."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    offset = max(0, offset)
    query = Notification.select(*_columns()).where(Notification.user == user_id)
    counted = Notification.count().where(Notification.user == user_id)
    if unread_only:
        query = query.where(Notification.read_at.is_null())
        counted = counted.where(Notification.read_at.is_null())
    # NULLs sort differently on SQLite and PostgreSQL, so unread-first is spelt out.
    rows = (
        await query.order_by(OrderByRaw("CASE WHEN read_at IS NULL THEN 0 ELSE 1 END"))
        .order_by(Notification.planned_on, Notification.id, ascending=False)
        .limit(limit)
        .offset(offset)
    )
    total = await counted
    unread = total if unread_only else await unread_count(user_id)
    return NotificationList(
        items=[_view(r) for r in rows],
        total=total,
        unread=unread,
        limit=limit,
        offset=offset,
        unread_only=unread_only,
    )


async def unread_count(user_id: int) -> int:
    """How many of the user's notifications are unread (one indexed count)."""
    return await Notification.count().where(
        (Notification.user == user_id) & Notification.read_at.is_null()
    )


def _check_id(notification_id: int) -> None:
    """404 for an id no row can have: PostgreSQL would refuse it as an integer (a 500)."""
    if not 0 < notification_id <= MAX_ID:
        raise NotFound(NOT_FOUND_MESSAGE)


async def get_notification(user_id: int, notification_id: int) -> NotificationView:
    """One of the user's own notifications; another user's answers 404 like a missing one."""
    _check_id(notification_id)
    row = (
        await Notification.select(*_columns())
        .where((Notification.id == notification_id) & (Notification.user == user_id))
        .first()
    )
    if row is None:
        raise NotFound(NOT_FOUND_MESSAGE)
    return _view(row)


async def mark_read(principal: Principal, notification_id: int) -> NotificationView:
    """Mark one of the principal's notifications read (again is harmless); 404 if not theirs."""
    # Read marks are the user's own inbox state, not register data: no audit event.
    _check_id(notification_id)
    await Notification.update({Notification.read_at: now()}).where(
        (Notification.id == notification_id)
        & (Notification.user == principal.id)
        & Notification.read_at.is_null()
    )
    return await get_notification(principal.id, notification_id)


async def mark_all_read(principal: Principal) -> int:
    """Mark every unread notification of the principal read; return how many were unread."""
    rows = (
        await Notification.update({Notification.read_at: now()})
        .where((Notification.user == principal.id) & Notification.read_at.is_null())
        .returning(Notification.id)
    )
    return len(rows)


async def _preference_row(user_id: int) -> dict[str, Any] | None:
    return (
        await NotificationPreference.select().where(NotificationPreference.user == user_id).first()
    )


async def get_preferences(user_id: int) -> Preferences:
    """The user's settings; a user who never changed anything has e-mail on, feed version 1."""
    row = await _preference_row(user_id)
    user = await BaseUser.select(BaseUser.email).where(BaseUser.id == user_id).first()
    return Preferences(
        email_enabled=True if row is None else bool(row["email_enabled"]),
        calendar_version=1 if row is None else int(row["calendar_version"]),
        smtp_configured=get_settings().smtp is not None,
        email_address=real_email(user["email"] if user else None),
    )


async def _ensure_preference(user_id: int) -> dict[str, Any] | None:
    """The row before the change (None if it did not exist); creates it with the defaults."""
    before = await _preference_row(user_id)
    if before is None:
        # Two first changes at once must not collide on the unique user column.
        await NotificationPreference.insert(NotificationPreference(user=user_id)).on_conflict(
            target=NotificationPreference.user, action="DO NOTHING"
        )
    return before


async def set_email_enabled(principal: Principal, enabled: bool) -> Preferences:
    """Turn reminder e-mail on or off for the principal; audited."""
    async with write_transaction():
        before = await _ensure_preference(principal.id)
        await NotificationPreference.update(
            {
                NotificationPreference.email_enabled: enabled,
                NotificationPreference.updated_at: now(),
            }
        ).where(NotificationPreference.user == principal.id)
        after = await _preference_row(principal.id)
        assert after is not None
        await audit.record(
            Actor.of(principal),
            "create" if before is None else "update",
            "notification_preference",
            after["id"],
            before=before,
            after=after,
            summary="E-post om påminnelser " + ("på" if enabled else "av"),
        )
    return await get_preferences(principal.id)


async def renew_calendar_feed(principal: Principal) -> int:
    """Give the principal a new calendar feed address (the old stops at once); audited.

    Returns the new calendar version, from which the feed's token is derived.
    """
    async with write_transaction():
        before = await _ensure_preference(principal.id)
        await NotificationPreference.update(
            {
                NotificationPreference.calendar_version: NotificationPreference.calendar_version
                + 1,
                NotificationPreference.updated_at: now(),
            }
        ).where(NotificationPreference.user == principal.id)
        after = await _preference_row(principal.id)
        assert after is not None
        await audit.record(
            Actor.of(principal),
            "renew_feed",
            "notification_preference",
            after["id"],
            before=before,
            after=after,
            summary="Ny adress till kalenderflödet",
        )
    return int(after["calendar_version"])

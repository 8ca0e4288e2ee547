"""JSON API of the user's notifications, reminder preferences and calendar feed address."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec
from litestar import Controller, Request, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK

from internkontroll.api_schemas import errors
from internkontroll.errors import ValidationFailed
from internkontroll.reminders import calendar_feed, notifications
from internkontroll.reminders.notifications import NotificationView, Preferences
from internkontroll.web.guards import login_required, principal_of


class NotificationOut(msgspec.Struct):
    """One reminder to the user."""

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
    read: bool
    read_at: dt.datetime | None
    created_at: dt.datetime


class NotificationListOut(msgspec.Struct):
    """A page of the user's reminders, unread first, and the number unread."""

    total: int
    unread_count: int
    limit: int
    offset: int
    items: list[NotificationOut]


class ReadAllOut(msgspec.Struct):
    """How many reminders were marked read, and how many remain unread (0)."""

    marked: int
    unread_count: int


class PreferencesIn(msgspec.Struct):
    """Reminder e-mail on (true) or off (false)."""

    email_enabled: bool


class PreferencesOut(msgspec.Struct):
    """The user's reminder settings and whether e-mail actually reaches them."""

    email_enabled: bool
    smtp_configured: bool
    email_address: str
    email_will_be_sent: bool
    calendar_url: str


class CalendarFeedOut(msgspec.Struct):
    """The calendar feed's (new) secret address."""

    calendar_url: str


def notification_out(view: NotificationView) -> NotificationOut:
    """The JSON shape of a notification."""
    return NotificationOut(
        id=view.id,
        kind=view.kind,
        kind_label=view.kind_label,
        title=view.title,
        message=view.message,
        reason=view.reason,
        link=view.link,
        board_short_name=view.board_short_name,
        due_on=view.due_on,
        planned_on=view.planned_on,
        overdue=view.overdue,
        read=view.is_read,
        read_at=view.read_at,
        created_at=view.created_at,
    )


async def preferences_out(user_id: int, prefs: Preferences) -> PreferencesOut:
    """The JSON shape of the preferences, with the feed's current address."""
    return PreferencesOut(
        email_enabled=prefs.email_enabled,
        smtp_configured=prefs.smtp_configured,
        email_address=prefs.email_address,
        email_will_be_sent=prefs.email_will_be_sent,
        calendar_url=await calendar_feed.feed_url(user_id),
    )


def _unread_filter(olasta: str | None, unread: str | None) -> bool:
    """?olasta=1 or ?unread=true; any other value than 1/0/true/false answers 422."""
    chosen = False
    for field, raw in (("olasta", olasta), ("unread", unread)):
        value = (raw or "").strip().lower()
        if value in {"1", "true"}:
            chosen = True
        elif value not in {"", "0", "false"}:
            raise ValidationFailed.one(field, "ska vara true eller false (1 eller 0)")
    return chosen


class NotificationApi(Controller):
    """The signed-in user's own reminders; nobody sees or marks another's."""

    guards = [login_required]
    tags = ["Påminnelser"]

    @get("/api/notifications", summary="Mina påminnelser", responses=errors(401, 422))
    async def index(
        self,
        request: Request,
        olasta: FromQuery[str | None] = None,
        unread: FromQuery[str | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=notifications.MAX_PAGE_SIZE)] = (
            notifications.PAGE_SIZE
        ),
        offset: Annotated[int, QueryParameter(ge=0, le=2**31 - 1)] = 0,
    ) -> NotificationListOut:
        """Unread first, then newest first; ?unread=true (or ?olasta=1) shows only unread.
        unread_count counts every unread reminder whatever the filter."""
        listing = await notifications.list_notifications(
            principal_of(request).id,
            unread_only=_unread_filter(olasta, unread),
            limit=limit,
            offset=offset,
        )
        return NotificationListOut(
            total=listing.total,
            unread_count=listing.unread,
            limit=listing.limit,
            offset=listing.offset,
            items=[notification_out(v) for v in listing.items],
        )

    @post(
        "/api/notifications/{notification_id:int}/read",
        summary="Markera en påminnelse som läst",
        status_code=HTTP_200_OK,
        responses=errors(401, 404, 422),
    )
    async def read_one(self, request: Request, notification_id: FromPath[int]) -> NotificationOut:
        """Only one's own: another user's reminder answers 404 like a missing one."""
        return notification_out(
            await notifications.mark_read(principal_of(request), notification_id)
        )

    @post(
        "/api/notifications/read-all",
        summary="Markera alla påminnelser som lästa",
        status_code=HTTP_200_OK,
        responses=errors(401),
    )
    async def read_all(self, request: Request) -> ReadAllOut:
        """Marks every unread reminder of the user read."""
        marked = await notifications.mark_all_read(principal_of(request))
        return ReadAllOut(marked=marked, unread_count=0)

    @get(
        "/api/notifications/preferences",
        summary="Mina inställningar för påminnelser",
        responses=errors(401),
    )
    async def preferences(self, request: Request) -> PreferencesOut:
        """E-mail on or off, whether e-mail is configured at all, and the calendar feed URL."""
        user_id = principal_of(request).id
        return await preferences_out(user_id, await notifications.get_preferences(user_id))

    @put(
        "/api/notifications/preferences",
        summary="Slå på eller av e-post om påminnelser",
        status_code=HTTP_200_OK,
        responses=errors(400, 401, 422),
    )
    async def set_preferences(
        self, request: Request, data: JSONBody[PreferencesIn]
    ) -> PreferencesOut:
        """{"email_enabled": true|false}; anything else answers 422 naming the field."""
        principal = principal_of(request)
        prefs = await notifications.set_email_enabled(principal, data.email_enabled)
        return await preferences_out(principal.id, prefs)

    @post(
        "/api/calendar-feed/renew",
        summary="Förnya kalenderflödets adress",
        status_code=HTTP_200_OK,
        responses=errors(401),
    )
    async def renew_feed(self, request: Request) -> CalendarFeedOut:
        """A new secret address; the old one stops working at once."""
        principal = principal_of(request)
        await notifications.renew_calendar_feed(principal)
        return CalendarFeedOut(calendar_url=await calendar_feed.feed_url(principal.id))

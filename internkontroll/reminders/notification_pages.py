"""The user's reminders page (Påminnelser) and the public calendar feed address."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template

from internkontroll.errors import NotFound, ValidationFailed
from internkontroll.reminders import calendar_feed, notifications
from internkontroll.web import forms
from internkontroll.web.guards import login_required, principal_of
from internkontroll.web.templating import page

PAGE_PATH = "/paminnelser"
FEED_NOT_FOUND = "Kalenderflödet finns inte. Adressen kan ha förnyats; hämta den nya i Påminnelser."
DONE_MESSAGES = {
    "last": "Påminnelsen är markerad som läst.",
    "alla-lasta": "Alla påminnelser är markerade som lästa.",
    "epost-pa": "E-post om påminnelser är påslagen.",
    "epost-av": "E-post om påminnelser är avstängd. Du ser dem fortfarande här.",
    "ny-adress": (
        "Kalenderflödet har fått en ny adress. Den gamla slutar fungera direkt: "
        "lägg in den nya i din kalender."
    ),
}
EMAIL_CHOICES = {"1": True, "0": False}


def _flag(raw: str | None, field: str) -> bool:
    """A yes/no query parameter: empty or 0 means no, 1 means yes; anything else 422."""
    value = (raw or "").strip().lower()
    if value in {"", "0", "false"}:
        return False
    if value in {"1", "true"}:
        return True
    raise ValidationFailed.one(field, "ska vara 1 eller 0")


def _offset(raw: str | None) -> int:
    value = forms.optional_int(raw, "offset") or 0
    if value < 0:
        raise ValidationFailed.one("offset", "får inte vara negativt")
    return value


def _is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request", "").lower() == "true"


def _back(what: str, unread_only: bool = False, anchor: str = "") -> Redirect:
    query = f"?klart={what}" + ("&olasta=1" if unread_only else "")
    return Redirect(f"{PAGE_PATH}{query}{anchor}", status_code=303)


async def notifications_template(
    request: Request, *, unread_only: bool = False, offset: int = 0, done: str | None = None
) -> Template:
    """The list with its filter and paging, and the e-mail and calendar settings."""
    principal = principal_of(request)
    listing = await notifications.list_notifications(
        principal.id, unread_only=unread_only, offset=offset
    )
    return page(
        "reminders/notifications.html",
        listing=listing,
        preferences=await notifications.get_preferences(principal.id),
        feed_url=await calendar_feed.feed_url(principal.id),
        done=DONE_MESSAGES.get(done or ""),
        page_path=PAGE_PATH,
    )


class NotificationPages(Controller):
    """Påminnelser: the list, read marks, e-mail on/off and the calendar feed's address."""

    guards = [login_required]
    include_in_schema = False

    @get(PAGE_PATH)
    async def show(
        self,
        request: Request,
        olasta: FromQuery[str | None] = None,
        offset: FromQuery[str | None] = None,
        klart: FromQuery[str | None] = None,
    ) -> Template:
        """The user's reminders, unread first (or only unread), and their settings."""
        return await notifications_template(
            request, unread_only=_flag(olasta, "olasta"), offset=_offset(offset), done=klart
        )

    @post(f"{PAGE_PATH}/{{notification_id:int}}/las")
    async def read_one(
        self,
        request: Request,
        notification_id: FromPath[int],
        data: URLEncodedBody[dict[str, str]],
    ) -> Redirect | Template:
        """Mark one reminder read: htmx gets the item and the new count, a form a redirect."""
        principal = principal_of(request)
        item = await notifications.mark_read(principal, notification_id)
        if _is_htmx(request):
            return page(
                "reminders/_read_item.html",
                item=item,
                unread=await notifications.unread_count(principal.id),
            )
        unread_only = forms.text(data, "olasta") == "1"
        return _back("last", unread_only, f"#paminnelse-{item.id}")

    @post(f"{PAGE_PATH}/las-alla")
    async def read_all(self, request: Request) -> Redirect:
        """Mark every reminder of the user read."""
        await notifications.mark_all_read(principal_of(request))
        return _back("alla-lasta")

    @post(f"{PAGE_PATH}/epost")
    async def email(self, request: Request, data: URLEncodedBody[dict[str, str]]) -> Redirect:
        """Turn reminder e-mail on or off."""
        choice = forms.text(data, "email_enabled").strip()
        if choice not in EMAIL_CHOICES:
            raise ValidationFailed.one("email_enabled", "välj om du vill få e-post eller inte")
        enabled = EMAIL_CHOICES[choice]
        await notifications.set_email_enabled(principal_of(request), enabled)
        return _back("epost-pa" if enabled else "epost-av", anchor="#epost-heading")

    @post(f"{PAGE_PATH}/kalender/ny-adress")
    async def renew(self, request: Request) -> Redirect:
        """Give the calendar feed a new address; the old one stops working at once."""
        await notifications.renew_calendar_feed(principal_of(request))
        return _back("ny-adress", anchor="#kalender-heading")


class CalendarFeed(Controller):
    """The calendar feed: public (calendar programs send no session), behind a secret token."""

    include_in_schema = False

    @get(f"{calendar_feed.FEED_PATH}/{{feed:str}}")
    async def feed(self, feed: FromPath[str]) -> Response[bytes]:
        """The user's deadlines as iCalendar; an unknown or renewed token answers 404."""
        token = feed.removesuffix(calendar_feed.FEED_SUFFIX)
        found = None
        if feed.endswith(calendar_feed.FEED_SUFFIX):
            found = await calendar_feed.user_for_token(token)
        if found is None:
            raise NotFound(FEED_NOT_FOUND)
        body = await calendar_feed.build_feed(found[0])
        headers: dict[str, Any] = {
            "Cache-Control": "private, no-store",
            "Content-Disposition": 'inline; filename="internkontroll.ics"',
            "X-Robots-Tag": "noindex",
        }
        return Response(body, media_type=calendar_feed.CALENDAR_MEDIA_TYPE, headers=headers)

"""Each user's secret calendar feed (iCalendar) of every deadline that concerns them.

The token in the address is an HMAC of the user id and the feed's version under SECRET_KEY, so
no secret is stored: renewing bumps the version and the old address stops working at once.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
from urllib.parse import urlsplit

from icalendar import Calendar, Event
from piccolo.apps.user.tables import BaseUser

from internkontroll.reminders import deadlines as deadline_rules
from internkontroll.reminders.model import DEADLINE_KIND_LABELS, Deadline
from internkontroll.reminders.stages import swedish_date
from internkontroll.reminders.tables import NotificationPreference
from internkontroll.risks.register import MAX_ID
from internkontroll.settings import get_settings
from internkontroll.timeutil import now, today

FEED_PATH = "/kalender"
FEED_SUFFIX = ".ics"
CALENDAR_MEDIA_TYPE = "text/calendar"  # Litestar adds "; charset=utf-8"
# fullmatch: "$" would also let a trailing newline through. The id is at most 10 digits and
# no larger than MAX_ID (checked in user_for_token): PostgreSQL's integer.
TOKEN_PATTERN = re.compile(r"([1-9][0-9]{0,9})-([A-Za-z0-9_-]{43})")
PRODID = "-//Internkontroll//Påminnelser//SV"
REFRESH = dt.timedelta(hours=6)  # how often calendar programs are asked to fetch the feed


def feed_token(user_id: int, version: int, secret_key: str | None = None) -> str:
    """The secret token for a user's feed at one version: '{user_id}-{HMAC-SHA256}'."""
    key = (secret_key or get_settings().secret_key).encode("utf-8")
    message = f"calendar-feed|{user_id}|{version}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    mac = base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")
    return f"{user_id}-{mac}"


async def _feed_user(user_id: int) -> tuple[str, int] | None:
    """(display name, feed version) of an active user, or None."""
    user = (
        await BaseUser.select(
            BaseUser.username, BaseUser.first_name, BaseUser.last_name, BaseUser.active
        )
        .where(BaseUser.id == user_id)
        .first()
    )
    if user is None or not user["active"]:
        return None
    pref = (
        await NotificationPreference.select(NotificationPreference.calendar_version)
        .where(NotificationPreference.user == user_id)
        .first()
    )
    version = 1 if pref is None else int(pref["calendar_version"])
    name = " ".join(p for p in (user["first_name"], user["last_name"]) if p) or user["username"]
    return name, version


async def feed_url(user_id: int) -> str:
    """The user's current feed address: PUBLIC_URL/kalender/{token}.ics."""
    found = await _feed_user(user_id)
    version = 1 if found is None else found[1]
    return f"{get_settings().public_url}{FEED_PATH}/{feed_token(user_id, version)}{FEED_SUFFIX}"


async def user_for_token(token: str) -> tuple[int, str] | None:
    """(user id, display name) for a valid, current token of an active user; else None."""
    match = TOKEN_PATTERN.fullmatch(token or "")
    if match is None:
        return None
    user_id = int(match.group(1))
    if user_id > MAX_ID:
        return None
    found = await _feed_user(user_id)
    if found is None:
        return None
    name, version = found
    if not hmac.compare_digest(feed_token(user_id, version), token):
        return None
    return user_id, name


def _status(deadline: Deadline, on: dt.date) -> tuple[str, str]:
    """(SUMMARY prefix, Swedish status line) of a deadline on a day."""
    # The labels are the årshjul's (Klar, Försenad); the sentences the reminders' own.
    due = swedish_date(deadline.due_on)
    if deadline.done:
        return "Klar: ", "Status: Klar."
    if deadline.is_late(on):
        return "Försenad: ", f"Status: Försenad. Skulle ha varit klart senast {due}."
    return "", f"Status: Ska vara klart senast {due}."


def _event(deadline: Deadline, user_id: int, on: dt.date, stamp: dt.datetime) -> Event:
    settings = get_settings()
    prefix, status = _status(deadline, on)
    url = settings.public_url + deadline.link
    reasons = [r.reason for r in deadline.recipients if r.user_id == user_id]
    lines = [DEADLINE_KIND_LABELS[deadline.kind] + "."]
    if deadline.detail:
        lines.append(deadline.detail)
    if deadline.board_name:
        lines.append(f"Nämnd: {deadline.board_name}.")
    lines.append(status)
    if reasons:
        lines.append("Varför du får den: " + " ".join(reasons))
    lines.append(f"Öppna: {url}")
    host = urlsplit(settings.public_url).netloc or "internkontroll"
    event = Event()
    # Stable per thing and due date: a postponed action is a new event, a renamed one is not.
    event.add("uid", f"{deadline.subject}/{deadline.due_on.isoformat()}@{host}")
    event.add("dtstamp", stamp)
    event.add("dtstart", deadline.due_on)
    event.add("dtend", deadline.due_on + dt.timedelta(days=1))
    event.add("summary", prefix + deadline.title)
    event.add("description", "\n".join(lines))
    event.add("url", url)
    event.add("categories", [DEADLINE_KIND_LABELS[deadline.kind]])
    event.add("transp", "TRANSPARENT")  # a deadline does not make anyone busy
    return event


async def build_feed(user_id: int, *, on: dt.date | None = None) -> bytes:
    """The iCalendar feed of every deadline concerning the user, last year to next year."""
    found = await _feed_user(user_id)
    name = found[0] if found else ""
    on = on or today()
    items = await deadline_rules.collect_deadlines(range(on.year - 1, on.year + 2), user_id=user_id)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"Internkontroll – {name}")
    calendar.add("x-wr-timezone", "Europe/Stockholm")
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT6H")  # Outlook's older name for the same
    stamp = now().replace(microsecond=0)
    for deadline in items:
        if any(r.user_id == user_id for r in deadline.recipients):
            calendar.add_component(_event(deadline, user_id, on, stamp))
    return calendar.to_ical()

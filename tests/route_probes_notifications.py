"""Route-matrix rows for the reminders package: notifications, preferences, the calendar feed.

Every signed-in user has their own reminders, so every role may use these routes; what differs
is whose notification a row touches. The world gives the secretary a notification about OWN
("own") and OTHER's member a notification naming OTHER's secret control ("other"): only the
secretary may mark "own" read, and nobody in the table may touch "other" (404 like a missing
one), nor ever see it. The calendar feed is public behind its token: "own" is the role-less
user's current feed (no deadlines, so nothing to leak), "other" a renewed, dead address.
Forged rows come first; a forged "e-mail off" must never be stored (the real rows turn it on).
"""

from __future__ import annotations

import datetime as dt

import httpx
from icalendar import Calendar
from piccolo.apps.user.tables import BaseUser

from internkontroll.auth.services import load_principal
from internkontroll.reminders.calendar_feed import feed_token
from internkontroll.reminders.notification_pages import FEED_NOT_FOUND
from internkontroll.reminders.notifications import NOT_FOUND_MESSAGE, renew_calendar_feed
from internkontroll.reminders.tables import Notification, NotificationPreference
from tests.route_probes import BYSTANDER, CSRF_EXPIRED, FORGED, Probe, row

PAGE = "/paminnelser"
API = "/api/notifications"
OWN_TITLE = "Internkontrollplan 2027 för ALFA ska antas"
OTHER_TITLE = "Testa ”Hemlig kontroll i Omega” – helår 2026"
FEED = "/kalender/{feed:str}"

# ROLES order: anon adm coo aud sec pre ctl vie ksv none
EVERYONE_PAGE = "303  {ok} {ok} {ok} {ok} {ok} {ok} {ok} {ok} {ok}"
EVERYONE_API = "401  {ok} {ok} {ok} {ok} {ok} {ok} {ok} {ok} {ok}"
PUBLIC = "{ok}  {ok} {ok} {ok} {ok} {ok} {ok} {ok} {ok} {ok}"
NOT_MINE = {404: NOT_FOUND_MESSAGE}

# fmt: off
PROBES: list[Probe] = [
    #    anon adm coo aud sec pre ctl vie ksv none
    row(EVERYONE_PAGE.format(ok=200), "GET", PAGE, check="notifications_page"),
    row(EVERYONE_API.format(ok=200), "GET", API, check="notifications_json"),
    row(EVERYONE_API.format(ok=200), "GET", f"{API}/preferences", check="preferences_json"),
    row(PUBLIC.format(ok=200), "GET", FEED, item="own", check="calendar"),
    row(PUBLIC.format(ok=404), "GET", FEED, item="other", messages={404: FEED_NOT_FOUND}),
    row(PUBLIC.format(ok=404), "GET", FEED, item="missing", messages={404: FEED_NOT_FOUND}),
    # Forged: no CSRF token.
    row(FORGED, "POST", f"{PAGE}/{{notification_id:int}}/las", item="own", form={},
        messages={403: CSRF_EXPIRED}),
    row(FORGED, "POST", f"{PAGE}/las-alla", form={}, messages={403: CSRF_EXPIRED}),
    row(FORGED, "POST", f"{PAGE}/epost", form={"email_enabled": "0"},
        messages={403: CSRF_EXPIRED}),
    row(FORGED, "POST", f"{PAGE}/kalender/ny-adress", form={}, messages={403: CSRF_EXPIRED}),
    row(FORGED, "POST", f"{API}/{{notification_id:int}}/read", item="own",
        messages={403: CSRF_EXPIRED}),
    row(FORGED, "POST", f"{API}/read-all", messages={403: CSRF_EXPIRED}),
    row(FORGED, "PUT", f"{API}/preferences", json={"email_enabled": False},
        messages={403: CSRF_EXPIRED}),
    row(FORGED, "POST", "/api/calendar-feed/renew", messages={403: CSRF_EXPIRED}),
    # Marking one read: only one's own.
    #    anon adm coo aud sec pre ctl vie ksv none
    row("401  404 404 404 200 404 404 404 404 404", "POST", f"{API}/{{notification_id:int}}/read",
        item="own", csrf="header", messages=NOT_MINE),
    row("401  404 404 404 404 404 404 404 404 404", "POST", f"{API}/{{notification_id:int}}/read",
        item="other", csrf="header", messages=NOT_MINE),
    row("401  404 404 404 404 404 404 404 404 404", "POST", f"{API}/{{notification_id:int}}/read",
        item="missing", csrf="header", messages=NOT_MINE),
    row("303  404 404 404 303 404 404 404 404 404", "POST", f"{PAGE}/{{notification_id:int}}/las",
        item="own", form={}, csrf="form", messages=NOT_MINE,
        locations={303: PAGE + "?klart=last#paminnelse-{notification_own}"}),
    row("303  404 404 404 404 404 404 404 404 404", "POST", f"{PAGE}/{{notification_id:int}}/las",
        item="other", form={}, csrf="form", messages=NOT_MINE),
    row("303  404 404 404 404 404 404 404 404 404", "POST", f"{PAGE}/{{notification_id:int}}/las",
        item="missing", form={}, csrf="form", messages=NOT_MINE),
    # Everything read, e-mail on, a new feed address: each for oneself.
    row(EVERYONE_API.format(ok=200), "POST", f"{API}/read-all", csrf="header"),
    row(EVERYONE_PAGE.format(ok=303), "POST", f"{PAGE}/las-alla", form={}, csrf="form",
        locations={303: PAGE + "?klart=alla-lasta"}),
    row(EVERYONE_API.format(ok=422), "PUT", f"{API}/preferences", json={}, csrf="header",
        messages={422: None}),
    row(EVERYONE_API.format(ok=200), "PUT", f"{API}/preferences", json={"email_enabled": True},
        csrf="header"),
    row(EVERYONE_PAGE.format(ok=303), "POST", f"{PAGE}/epost", form={"email_enabled": "1"},
        csrf="form", locations={303: PAGE + "?klart=epost-pa#epost-heading"}),
    row(EVERYONE_API.format(ok=200), "POST", "/api/calendar-feed/renew", csrf="header",
        check="renewed_json"),
    row(EVERYONE_PAGE.format(ok=303), "POST", f"{PAGE}/kalender/ny-adress", form={}, csrf="form",
        locations={303: PAGE + "?klart=ny-adress#kalender-heading"}),
]
# fmt: on


async def _user_id(username: str) -> int:
    row_ = await BaseUser.select(BaseUser.id).where(BaseUser.username == username).first()
    return row_["id"]


async def _notify(user_id: int, board_id: int, title: str, subject: str) -> int:
    rows = await Notification.insert(
        Notification(
            key=f"{subject}|2027-01-31|fore-14|{user_id}",
            user=user_id,
            board=board_id,
            kind="plan_adoption",
            subject=subject,
            stage="fore-14",
            title=title,
            message="Ska vara klart senast söndag 31 januari 2027, om 14 dagar.",
            reason="Du har en roll i nämnden.",
            link=f"/namnder/{board_id}/plan?ar=2027",
            due_on=dt.date(2027, 1, 31),
            planned_on=dt.date(2027, 1, 18),
            email_status="skipped",
        )
    ).returning(Notification.id)
    return rows[0]["id"]


async def add_world(ids: dict[str, int]) -> None:
    """The secretary's notification about OWN, the bystander's about OTHER, feed tokens."""
    secretary = await _user_id("secretary")
    bystander = await _user_id(BYSTANDER[0])
    ids["notification_own"] = await _notify(secretary, ids["own"], OWN_TITLE, "plan:own:2027")
    ids["notification_other"] = await _notify(
        bystander, ids["other"], OTHER_TITLE, "occasion:other"
    )
    ids["notification_missing"] = ids["notification_other"] + 1000
    no_role = await _user_id("no-role")
    # Path values, not ids: concrete_path writes them into /kalender/{feed}.
    ids["feed_own"] = f"{feed_token(no_role, 1)}.ics"  # type: ignore[assignment]
    await renew_calendar_feed(await load_principal(bystander))
    ids["feed_other"] = f"{feed_token(bystander, 1)}.ics"  # type: ignore[assignment]
    ids["feed_missing"] = f"{no_role}-{'A' * 43}.ics"  # type: ignore[assignment]


def check(
    role: str, probe: Probe, response: httpx.Response, ids: dict[str, int], where: str
) -> list[str] | None:
    """Problems with a response these rows own, or None when the row is not theirs."""
    mine = role == "secretary"  # other slices' rows may add reminders of their own
    if probe.check == "notifications_page":
        if (OWN_TITLE in response.text) == mine:
            return []
        return [f"{where}: page {'lacks' if mine else 'shows'} {OWN_TITLE!r}"]
    if probe.check == "notifications_json":
        body = response.json()
        titles = [item["title"] for item in body["items"]]
        ok = (OWN_TITLE in titles) == mine and body["unread_count"] >= mine
        return [] if ok else [f"{where}: lists {titles} ({body['unread_count']} unread)"]
    if probe.check == "preferences_json":
        body = response.json()
        ok = body["email_enabled"] is True and "/kalender/" in body["calendar_url"]
        return [] if ok else [f"{where}: preferences {body}"]
    if probe.check == "calendar":
        calendar = Calendar.from_ical(response.content)
        name = str(calendar.get("X-WR-CALNAME"))
        events = [c for c in calendar.walk() if c.name == "VEVENT"]
        ok = name == "Internkontroll – No-role" and not events
        return [] if ok else [f"{where}: feed {name!r} with {len(events)} events"]
    if probe.check == "renewed_json":
        url = response.json()["calendar_url"]
        return [] if url.endswith(".ics") and "/kalender/" in url else [f"{where}: {url!r}"]
    return None


async def forged_traces() -> list[str]:
    """Tables where a forged request's text was stored (empty when none was)."""
    turned_off = await NotificationPreference.exists().where(
        NotificationPreference.email_enabled.eq(False)
    )
    return ["notification_preference (a forged e-mail off)"] if turned_off else []

"""The calendar feed: secret tokens, renewal, and the iCalendar parsed back with icalendar."""

from __future__ import annotations

import datetime as dt

import httpx
from icalendar import Calendar
from piccolo.apps.user.tables import BaseUser

from internkontroll.auth.services import load_principal
from internkontroll.reminders import calendar_feed
from internkontroll.reminders.calendar_feed import (
    build_feed,
    feed_token,
    feed_url,
    user_for_token,
)
from internkontroll.reminders.model import Deadline, DeadlineKind, Recipient
from internkontroll.reminders.notifications import renew_calendar_feed
from internkontroll.timeutil import today
from tests.conftest import make_user

ON = dt.date(2027, 2, 10)


def _events(body: bytes) -> list:
    calendar = Calendar.from_ical(body)
    return [c for c in calendar.walk() if c.name == "VEVENT"]


def _path(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


# ------------------------------------------------------------------ the token


def test_the_token_is_an_hmac_of_user_version_and_secret():
    token = feed_token(7, 1, "a" * 40)

    assert token == feed_token(7, 1, "a" * 40)
    assert token.startswith("7-") and len(token) == 2 + 43
    assert token != feed_token(7, 2, "a" * 40)  # renewal
    assert token != feed_token(8, 1, "a" * 40)  # another user
    assert token != feed_token(7, 1, "b" * 40)  # another installation's secret
    assert "a" * 40 not in token


async def test_a_current_token_finds_its_user_and_nothing_else_does(db):
    user_id = await make_user("anna")
    token = feed_token(user_id, 1)

    assert await user_for_token(token) == (user_id, "Anna")
    assert await feed_url(user_id) == f"http://127.0.0.1:8000/kalender/{token}.ics"
    secret = token.split("-", 1)[1]
    # Change the last character to one it is not, or the "forgery" could equal the token.
    forged = f"{user_id}-{secret[:-1]}{'B' if secret.endswith('A') else 'A'}"
    other_user = f"{user_id + 1}-{token.split('-', 1)[1]}"
    for bad in (forged, other_user, "", "anna", f"{user_id}-", token + "x", "0-" + "A" * 43):
        assert await user_for_token(bad) is None, bad


async def test_a_token_with_an_id_beyond_the_database_integer_is_refused_unread(db, monkeypatch):
    # PostgreSQL refuses a parameter beyond its integer: the id must never reach a query.
    user_id = await make_user("anna")
    token = feed_token(user_id, 1)

    async def no_query(uid: int):
        raise AssertionError(f"looked up user {uid}")

    monkeypatch.setattr(calendar_feed, "_feed_user", no_query)
    for huge in (2**31, 9999999999):
        assert await user_for_token(feed_token(huge, 1)) is None
    assert await user_for_token(f"{10**20}-{'A' * 43}") is None
    assert await user_for_token(token + "\n") is None  # "$" would have let this through


async def test_renewal_kills_the_old_token_at_once(db):
    user_id = await make_user("anna")
    principal = await load_principal(user_id)
    old = feed_token(user_id, 1)

    assert await renew_calendar_feed(principal) == 2

    assert await user_for_token(old) is None
    new = feed_token(user_id, 2)
    assert await user_for_token(new) == (user_id, "Anna")
    assert await feed_url(user_id) == f"http://127.0.0.1:8000/kalender/{new}.ics"


async def test_a_deactivated_users_token_stops_working(db):
    user_id = await make_user("anna")
    token = feed_token(user_id, 1)
    await BaseUser.update({BaseUser.active: False}).where(BaseUser.id == user_id)

    assert await user_for_token(token) is None


# ------------------------------------------------------------------ the feed's content


def _deadline(kind: DeadlineKind, subject: str, due_on: dt.date, done: bool, *recipients):
    return Deadline(
        kind=kind,
        subject=subject,
        title=f"Rubrik för {subject}",
        due_on=due_on,
        board_id=3,
        board_name="BUN",
        link=f"/sida/{subject.replace(':', '-')}",
        done=done,
        recipients=tuple(recipients),
        detail="Vad som ska göras.",
    )


async def test_the_feed_has_one_all_day_event_per_deadline_of_the_user(db, monkeypatch):
    user_id = await make_user("anna", board_roles=())
    mine = Recipient(user_id, "Du är nämndsekreterare för BUN.")
    theirs = Recipient(user_id + 1, "Du är handläggare för BUN.")
    deadlines = [
        _deadline(DeadlineKind.PLAN_ADOPTION, "plan:3:2027", dt.date(2027, 1, 31), True, mine),
        _deadline(DeadlineKind.ACTION, "action:5", dt.date(2027, 2, 6), False, theirs, mine),
        _deadline(DeadlineKind.TEST_OCCASION, "occasion:9", dt.date(2027, 3, 31), False, mine),
        _deadline(DeadlineKind.FOLLOW_UP, "followup:4", dt.date(2027, 3, 1), False, theirs),
    ]
    asked: dict = {}

    async def fake_collect(years, **options):
        asked.update(years=list(years), **options)
        return deadlines

    monkeypatch.setattr(calendar_feed.deadline_rules, "collect_deadlines", fake_collect)

    body = await build_feed(user_id, on=ON)

    assert asked == {"years": [2026, 2027, 2028], "user_id": user_id}
    calendar = Calendar.from_ical(body)
    assert str(calendar["X-WR-CALNAME"]) == "Internkontroll – Anna"
    assert str(calendar["VERSION"]) == "2.0"
    assert calendar.decoded("REFRESH-INTERVAL") == dt.timedelta(hours=6)
    events = _events(body)
    # Someone else's deadline, handed back by mistake, is still left out.
    assert [str(e["UID"]) for e in events] == [
        "plan:3:2027/2027-01-31@127.0.0.1:8000",
        "action:5/2027-02-06@127.0.0.1:8000",
        "occasion:9/2027-03-31@127.0.0.1:8000",
    ]
    plan, action, occasion = events
    # All-day events on the date as decided, even a Sunday (31 January 2027).
    assert plan.decoded("DTSTART") == dt.date(2027, 1, 31)
    assert plan.decoded("DTEND") == dt.date(2027, 2, 1)
    assert not isinstance(plan.decoded("DTSTART"), dt.datetime)
    assert str(plan["SUMMARY"]) == "Klar: Rubrik för plan:3:2027"
    assert str(action["SUMMARY"]) == "Försenad: Rubrik för action:5"
    assert str(occasion["SUMMARY"]) == "Rubrik för occasion:9"
    assert str(action["URL"]) == "http://127.0.0.1:8000/sida/action-5"
    description = str(action["DESCRIPTION"])
    assert "Åtgärd." in description and "Vad som ska göras." in description
    # The årshjul's labels, the reminders' sentences and the app's long Swedish date.
    assert "Status: Försenad. Skulle ha varit klart senast lördag 6 februari 2027." in description
    assert "2027-02-06" not in description
    assert "Varför du får den: Du är nämndsekreterare för BUN." in description
    assert "handläggare" not in description  # the other recipient's reason is theirs
    assert "Öppna: http://127.0.0.1:8000/sida/action-5" in description
    assert "Status: Klar." in str(plan["DESCRIPTION"])
    assert "Status: Ska vara klart senast onsdag 31 mars 2027." in str(occasion["DESCRIPTION"])
    assert all(isinstance(e.decoded("DTSTAMP"), dt.datetime) for e in events)


async def test_the_uid_is_stable_and_a_new_due_date_is_a_new_event(db, monkeypatch):
    user_id = await make_user("anna")
    mine = Recipient(user_id, "Du ansvarar för åtgärden.")
    due = [dt.date(2027, 2, 6)]

    async def fake_collect(years, **options):
        return [_deadline(DeadlineKind.ACTION, "action:5", due[0], False, mine)]

    monkeypatch.setattr(calendar_feed.deadline_rules, "collect_deadlines", fake_collect)
    first = _events(await build_feed(user_id, on=ON))[0]["UID"]
    assert _events(await build_feed(user_id, on=ON + dt.timedelta(days=3)))[0]["UID"] == first

    due[0] = dt.date(2027, 3, 6)  # postponed
    assert _events(await build_feed(user_id, on=ON))[0]["UID"] != first


async def test_the_demo_feed_holds_exactly_the_users_own_deadlines(demo_db):
    """With the real rules: the secretary of BUN gets BUN's deadlines and no other board's."""
    user = await BaseUser.select(BaseUser.id).where(BaseUser.username == "bun-sekreterare").first()
    events = _events(await build_feed(user["id"]))

    assert events, "the demo's BUN secretary has deadlines"
    year = today().year
    titles = [str(e["SUMMARY"]) for e in events]
    assert any(f"Internkontrollplan {year + 1} för BUN ska antas" in t for t in titles)
    assert all("BUN" in t for t in titles if "Internkontrollplan" in t)
    assert not any(" SN " in t or t.endswith(" SN ska antas") for t in titles)
    uids = [str(e["UID"]) for e in events]
    assert len(uids) == len(set(uids))
    years = {e.decoded("DTSTART").year for e in events}
    assert years <= {year - 1, year, year + 1}
    next_plan = next(e for e in events if f"Internkontrollplan {year + 1}" in str(e["SUMMARY"]))
    assert next_plan.decoded("DTSTART") == dt.date(year + 1, 1, 31)
    assert "Du är nämndsekreterare för BUN." in str(next_plan["DESCRIPTION"])


# ------------------------------------------------------------------ over HTTP


async def test_the_feed_answers_without_a_session_as_text_calendar(client: httpx.AsyncClient):
    user_id = await make_user("anna")
    path = _path(await feed_url(user_id))

    answer = await client.get(path)

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/calendar; charset=utf-8"
    assert "no-store" in answer.headers["cache-control"]
    calendar = Calendar.from_ical(answer.content)
    assert str(calendar["X-WR-CALNAME"]) == "Internkontroll – Anna"


async def test_a_feed_with_an_id_beyond_the_database_integer_answers_404(
    client: httpx.AsyncClient,
):
    await make_user("anna")

    for huge in (2**31, 9999999999):
        answer = await client.get(f"/kalender/{feed_token(huge, 1)}.ics")
        assert answer.status_code == 404, answer.text
        assert "Kalenderflödet finns inte." in answer.text


async def test_an_unknown_renewed_or_deactivated_feed_answers_404(client: httpx.AsyncClient):
    user_id = await make_user("anna")
    principal = await load_principal(user_id)
    old = _path(await feed_url(user_id))
    token = feed_token(user_id, 1)

    assert (await client.get(f"/kalender/{token}")).status_code == 404  # no .ics
    assert (await client.get(f"/kalender/{user_id}-{'A' * 43}.ics")).status_code == 404
    await renew_calendar_feed(principal)
    gone = await client.get(old)
    assert gone.status_code == 404
    assert "Kalenderflödet finns inte." in gone.text
    new = _path(await feed_url(user_id))
    assert (await client.get(new)).status_code == 200
    await BaseUser.update({BaseUser.active: False}).where(BaseUser.id == user_id)
    assert (await client.get(new)).status_code == 404

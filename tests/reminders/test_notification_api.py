"""The notifications JSON API: one's own reminders, read marks, preferences, feed renewal."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from internkontroll.reminders.calendar_feed import feed_token
from internkontroll.reminders.notifications import get_preferences, unread_count
from tests.conftest import csrf_token, login, make_board, make_user
from tests.reminders.notification_factory import add_notification

API = "/api/notifications"


async def _signed_in(client: httpx.AsyncClient, name: str = "anna") -> int:
    user_id = await make_user(name)
    assert (await login(client, name)).status_code == 303
    return user_id


def _headers(client: httpx.AsyncClient) -> dict[str, str]:
    return {"x-csrftoken": csrf_token(client)}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", API),
        ("POST", f"{API}/1/read"),
        ("POST", f"{API}/read-all"),
        ("GET", f"{API}/preferences"),
        ("PUT", f"{API}/preferences"),
        ("POST", "/api/calendar-feed/renew"),
    ],
)
async def test_anonymous_callers_get_401(client: httpx.AsyncClient, method: str, path: str):
    await client.get("/login")
    body = {"email_enabled": False} if method == "PUT" else None

    answer = await client.request(method, path, json=body, headers=_headers(client))

    assert answer.status_code == 401
    assert answer.json() == {"status_code": 401, "detail": "Du behöver logga in."}


async def test_the_list_has_the_users_own_items_unread_first_and_the_unread_count(
    client: httpx.AsyncClient,
):
    user_id = await _signed_in(client)
    board = await make_board("BUN")
    read = await add_notification(user_id, "Läst", read=True, planned_on=dt.date(2027, 1, 20))
    unread = await add_notification(
        user_id, "Oläst", board_id=board, overdue=True, planned_on=dt.date(2027, 1, 2)
    )
    await add_notification(await make_user("bertil"), "Bertils")

    body = (await client.get(API)).json()

    assert (body["total"], body["unread_count"], body["limit"], body["offset"]) == (2, 1, 25, 0)
    assert [i["id"] for i in body["items"]] == [unread, read]
    first = body["items"][0]
    assert first == {
        "id": unread,
        "kind": "plan_adoption",
        "kind_label": "Internkontrollplan ska antas",
        "title": "Oläst",
        "message": "Ska vara klart senast söndag 31 januari 2027, om 14 dagar.",
        "reason": "Du är nämndsekreterare för BUN.",
        "link": "/namnder/1/plan?ar=2027",
        "board_short_name": "BUN",
        "due_on": "2027-01-31",
        "planned_on": "2027-01-02",
        "overdue": True,
        "read": False,
        "read_at": None,
        "created_at": first["created_at"],
    }
    assert body["items"][1]["read"] is True and body["items"][1]["read_at"]


@pytest.mark.parametrize("query", ["unread=true", "olasta=1", "unread=1&olasta=0"])
async def test_the_unread_filter(client: httpx.AsyncClient, query: str):
    user_id = await _signed_in(client)
    await add_notification(user_id, "Läst", read=True)
    unread = await add_notification(user_id, "Oläst")

    body = (await client.get(f"{API}?{query}")).json()

    assert [i["id"] for i in body["items"]] == [unread]
    assert body["total"] == 1 and body["unread_count"] == 1


async def test_paging(client: httpx.AsyncClient):
    user_id = await _signed_in(client)
    ids = [
        await add_notification(user_id, f"Dag {d}", planned_on=dt.date(2027, 1, d))
        for d in range(1, 6)
    ]

    body = (await client.get(f"{API}?limit=2&offset=2")).json()

    assert [i["id"] for i in body["items"]] == [ids[2], ids[1]]
    assert (body["total"], body["limit"], body["offset"]) == (5, 2, 2)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("unread=ja", "unread"),
        ("olasta=2", "olasta"),
        ("limit=0", "limit"),
        ("offset=-1", "offset"),
    ],
)
async def test_bad_query_answers_422_naming_the_field(
    client: httpx.AsyncClient, query: str, field: str
):
    await _signed_in(client)

    answer = await client.get(f"{API}?{query}")

    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == [field]


async def test_marking_one_read(client: httpx.AsyncClient):
    user_id = await _signed_in(client)
    mine = await add_notification(user_id, "Min")
    await add_notification(user_id, "Min andra")

    answer = await client.post(f"{API}/{mine}/read", headers=_headers(client))

    assert answer.status_code == 200
    assert answer.json()["id"] == mine and answer.json()["read"] is True
    assert (await client.get(API)).json()["unread_count"] == 1


async def test_another_users_or_a_missing_notification_answers_404(client: httpx.AsyncClient):
    await _signed_in(client)
    bertil = await make_user("bertil")
    theirs = await add_notification(bertil, "Bertils")

    for target in (theirs, theirs + 1000):
        answer = await client.post(f"{API}/{target}/read", headers=_headers(client))
        assert answer.status_code == 404
        assert answer.json() == {"status_code": 404, "detail": "Påminnelsen finns inte."}
    assert await unread_count(bertil) == 1


async def test_an_id_beyond_the_database_integer_answers_404(client: httpx.AsyncClient):
    user_id = await _signed_in(client)
    await add_notification(user_id, "Min")

    for target in ("0", str(2**31), "9999999999", str(10**20)):
        answer = await client.post(f"{API}/{target}/read", headers=_headers(client))
        assert answer.status_code == 404, (target, answer.text)
        assert answer.json() == {"status_code": 404, "detail": "Påminnelsen finns inte."}
    assert await unread_count(user_id) == 1


async def test_marking_all_read(client: httpx.AsyncClient):
    user_id = await _signed_in(client)
    bertil = await make_user("bertil")
    for title in ("Ett", "Två"):
        await add_notification(user_id, title)
    await add_notification(bertil, "Bertils")

    answer = await client.post(f"{API}/read-all", headers=_headers(client))

    assert answer.status_code == 200
    assert answer.json() == {"marked": 2, "unread_count": 0}
    assert await unread_count(user_id) == 0 and await unread_count(bertil) == 1


async def test_preferences_default_and_turning_email_off(client: httpx.AsyncClient):
    user_id = await _signed_in(client)
    url = f"http://127.0.0.1:8000/kalender/{feed_token(user_id, 1)}.ics"

    assert (await client.get(f"{API}/preferences")).json() == {
        "email_enabled": True,
        "smtp_configured": False,
        "email_address": "",
        "email_will_be_sent": False,
        "calendar_url": url,
    }
    answer = await client.put(
        f"{API}/preferences", json={"email_enabled": False}, headers=_headers(client)
    )

    assert answer.status_code == 200
    assert answer.json()["email_enabled"] is False
    assert (await get_preferences(user_id)).email_enabled is False
    assert (await client.get(f"{API}/preferences")).json()["email_enabled"] is False


@pytest.mark.parametrize(
    "body", [{}, {"email_enabled": "ja"}, {"email_enabled": None}, {"email_enabled": [True]}]
)
async def test_bad_preferences_answer_422_naming_email_enabled(
    client: httpx.AsyncClient, body: dict
):
    user_id = await _signed_in(client)

    answer = await client.put(f"{API}/preferences", json=body, headers=_headers(client))

    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == ["email_enabled"]
    assert (await get_preferences(user_id)).email_enabled is True


async def test_renewing_the_feed_returns_the_new_address_and_kills_the_old(
    client: httpx.AsyncClient,
):
    user_id = await _signed_in(client)
    old = f"/kalender/{feed_token(user_id, 1)}.ics"

    answer = await client.post("/api/calendar-feed/renew", headers=_headers(client))

    assert answer.status_code == 200
    new = f"/kalender/{feed_token(user_id, 2)}.ics"
    assert answer.json() == {"calendar_url": f"http://127.0.0.1:8000{new}"}
    assert (await client.get(old)).status_code == 404
    assert (await client.get(new)).status_code == 200
    assert (await client.get(f"{API}/preferences")).json()["calendar_url"].endswith(new)


async def test_writes_without_the_csrf_header_are_refused(client: httpx.AsyncClient):
    user_id = await _signed_in(client)
    mine = await add_notification(user_id)

    for method, path, body in (
        ("POST", f"{API}/{mine}/read", None),
        ("POST", f"{API}/read-all", None),
        ("PUT", f"{API}/preferences", {"email_enabled": False}),
        ("POST", "/api/calendar-feed/renew", None),
    ):
        assert (await client.request(method, path, json=body)).status_code == 403, path
    assert await unread_count(user_id) == 1
    prefs = await get_preferences(user_id)
    assert prefs.email_enabled is True and prefs.calendar_version == 1

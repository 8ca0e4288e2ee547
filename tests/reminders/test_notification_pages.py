"""The Påminnelser page: the list, read marks (form and htmx), settings, and the header count."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import httpx
import pytest
from piccolo.apps.user.tables import BaseUser

from internkontroll.reminders import notifications
from internkontroll.reminders.calendar_feed import feed_token
from internkontroll.reminders.notifications import get_preferences, unread_count
from internkontroll.settings import SmtpConfig, get_settings
from tests.conftest import csrf_token, login, make_board, make_user
from tests.reminders.notification_factory import add_notification

PAGE = "/paminnelser"


async def _signed_in(client: httpx.AsyncClient, name: str = "anna") -> int:
    user_id = await make_user(name)
    answer = await login(client, name)
    assert answer.status_code == 303
    return user_id


def _form(client: httpx.AsyncClient, **fields: str) -> dict[str, str]:
    return {**fields, "_csrf_token": csrf_token(client)}


def _header_link(html: str) -> str:
    match = re.search(r'<a href="/paminnelser" id="notification-link"[^>]*>.*?</a>', html, re.S)
    assert match, "the header has no link to Påminnelser"
    return match.group(0)


async def test_anonymous_is_sent_to_log_in(client: httpx.AsyncClient):
    answer = await client.get(PAGE)

    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Fpaminnelser"


async def test_the_list_shows_what_why_link_date_and_flags_in_text(client: httpx.AsyncClient):
    user_id = await _signed_in(client)
    board = await make_board("BUN")
    late = await add_notification(
        user_id,
        "Åtgärd: Rutin för attest",
        board_id=board,
        kind="action",
        overdue=True,
        stage="sen-1",
        due_on=dt.date(2027, 2, 5),
        planned_on=dt.date(2027, 2, 12),
        message="Försenad: skulle ha varit klart senast fredag 5 februari 2027 (7 dagar sedan).",
        reason="Du är ansvarig för åtgärden.",
        link="/avvikelser/12",
    )
    read = await add_notification(user_id, "Redan läst påminnelse", read=True)
    other = await make_user("bertil")
    await add_notification(other, "Bertils hemliga påminnelse")

    html = (await client.get(PAGE)).text

    item = re.search(rf'<li[^>]*id="paminnelse-{late}".*?</li>', html, re.S).group(0)
    assert '<a href="/avvikelser/12">Åtgärd: Rutin för attest</a>' in item
    assert "Oläst" in item and '<span class="overdue-flag">Försenad</span>' in item
    assert "skulle ha varit klart senast fredag 5 februari 2027" in item
    assert "Varför du får den:</span> Du är ansvarig för åtgärden." in item
    assert '<time datetime="2027-02-12">2027-02-12</time>' in item
    assert "Klart senast <time" in item and "BUN" in item and "Åtgärd" in item
    assert "Markera som läst" in item
    read_item = re.search(rf'<li[^>]*id="paminnelse-{read}".*?</li>', html, re.S).group(0)
    assert "Läst" in read_item and "Oläst" not in read_item
    assert "Markera som läst" not in read_item
    assert "Bertils hemliga påminnelse" not in html
    assert "Du har 1 oläst påminnelse." in html
    assert html.index(f'id="paminnelse-{late}"') < html.index(f'id="paminnelse-{read}"')


async def test_the_header_shows_the_unread_count_on_every_page(client: httpx.AsyncClient):
    user_id = await _signed_in(client)
    for title in ("Ett", "Två", "Tre"):
        await add_notification(user_id, title)
    await add_notification(user_id, "Läst", read=True)

    for path in ("/", "/namnder", "/mina-kontroller", PAGE):
        link = _header_link((await client.get(path)).text)
        assert 'aria-label="Påminnelser, 3 olästa"' in link, path
        assert 'Påminnelser <span class="badge">3</span>' in link, path
    assert 'aria-current="page"' in _header_link((await client.get(PAGE)).text)


async def test_the_header_says_none_unread_without_a_badge(client: httpx.AsyncClient):
    await _signed_in(client)

    link = _header_link((await client.get("/")).text)

    assert 'aria-label="Påminnelser, inga olästa"' in link
    assert "badge" not in link


async def test_the_unread_count_is_one_query_per_page_and_none_for_the_api(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
):
    user_id = await _signed_in(client)
    await add_notification(user_id)
    counted: list[int] = []
    real = notifications.unread_count

    async def counting(uid: int) -> int:
        counted.append(uid)
        return await real(uid)

    from internkontroll.web import middleware

    monkeypatch.setattr(middleware, "unread_count", counting)
    await client.get("/")
    assert counted == [user_id]
    await client.get("/api/me")
    await client.get("/static/app.css")
    assert counted == [user_id]


async def test_marking_one_read_with_a_form_redirects_and_the_count_drops(
    client: httpx.AsyncClient,
):
    user_id = await _signed_in(client)
    first = await add_notification(user_id, "Första")
    await add_notification(user_id, "Andra")

    answer = await client.post(f"{PAGE}/{first}/las", data=_form(client))

    assert answer.status_code == 303
    assert answer.headers["location"] == f"{PAGE}?klart=last#paminnelse-{first}"
    assert await unread_count(user_id) == 1
    page = (await client.get(answer.headers["location"])).text
    assert "Påminnelsen är markerad som läst." in page
    assert 'Påminnelser <span class="badge">1</span>' in _header_link(page)


async def test_marking_one_read_from_the_unread_filter_returns_to_it(client: httpx.AsyncClient):
    user_id = await _signed_in(client)
    first = await add_notification(user_id, "Första")

    answer = await client.post(f"{PAGE}/{first}/las", data=_form(client, olasta="1"))

    assert answer.headers["location"] == f"{PAGE}?klart=last&olasta=1#paminnelse-{first}"


async def test_marking_one_read_with_htmx_swaps_the_item_and_the_header_count(
    client: httpx.AsyncClient,
):
    user_id = await _signed_in(client)
    first = await add_notification(user_id, "Första")
    await add_notification(user_id, "Andra")

    answer = await client.post(
        f"{PAGE}/{first}/las",
        data=_form(client),
        headers={"hx-request": "true", "x-csrftoken": csrf_token(client)},
    )

    assert answer.status_code == 200
    html = answer.text
    assert "<html" not in html
    assert f'id="paminnelse-{first}" tabindex="-1" autofocus' in html
    assert "Läst" in html and "Markera som läst" not in html
    link = _header_link(html)
    assert 'hx-swap-oob="true"' in link and 'aria-label="Påminnelser, 1 oläst"' in link
    assert 'id="notification-status" hx-swap-oob="innerHTML"' in html
    assert "Markerad som läst: Första. 1 oläst kvar." in html


async def test_another_users_notification_answers_404_and_stays_unread(
    client: httpx.AsyncClient,
):
    await _signed_in(client)
    bertil = await make_user("bertil")
    theirs = await add_notification(bertil, "Bertils")

    answer = await client.post(f"{PAGE}/{theirs}/las", data=_form(client))

    assert answer.status_code == 404
    assert "Påminnelsen finns inte." in answer.text
    assert "Bertils" not in answer.text
    assert await unread_count(bertil) == 1


async def test_an_id_beyond_the_database_integer_answers_404(client: httpx.AsyncClient):
    user_id = await _signed_in(client)
    await add_notification(user_id, "Min")

    for target in ("0", str(2**31), "9999999999", str(10**20)):
        answer = await client.post(f"{PAGE}/{target}/las", data=_form(client))
        assert answer.status_code == 404, (target, answer.text)
        assert "Påminnelsen finns inte." in answer.text
    assert await unread_count(user_id) == 1


async def test_marking_all_read(client: httpx.AsyncClient):
    user_id = await _signed_in(client)
    for title in ("Ett", "Två"):
        await add_notification(user_id, title)
    before = (await client.get(PAGE)).text
    assert "Markera alla som lästa" in before

    answer = await client.post(f"{PAGE}/las-alla", data=_form(client))

    assert answer.status_code == 303
    assert answer.headers["location"] == f"{PAGE}?klart=alla-lasta"
    assert await unread_count(user_id) == 0
    after = (await client.get(answer.headers["location"])).text
    assert "Alla påminnelser är markerade som lästa." in after
    assert "Markera alla som lästa" not in after
    assert "Du har inga olästa påminnelser." in after


async def test_the_unread_filter_and_paging(client: httpx.AsyncClient):
    user_id = await _signed_in(client)
    await add_notification(user_id, "Läst påminnelse", read=True)
    for day in range(1, 28):
        await add_notification(user_id, f"Påminnelse dag {day}", planned_on=dt.date(2027, 1, day))

    unread = (await client.get(f"{PAGE}?olasta=1")).text
    assert "Läst påminnelse" not in unread
    assert "Olästa påminnelser" in unread
    assert "Visar 1–25 av 27." in unread
    assert f'href="{PAGE}?olasta=1&amp;offset=25">Nästa' in unread
    second = (await client.get(f"{PAGE}?olasta=1&offset=25")).text
    assert "Påminnelse dag 2<" in second and "Påminnelse dag 1<" in second
    assert "Påminnelse dag 3<" not in second
    everything = (await client.get(f"{PAGE}?offset=25")).text
    assert "Läst påminnelse" in everything


@pytest.mark.parametrize(
    ("query", "field"), [("olasta=ja", "olasta"), ("offset=-1", "offset"), ("offset=x", "offset")]
)
async def test_bad_filters_answer_422_naming_the_field(
    client: httpx.AsyncClient, query: str, field: str
):
    await _signed_in(client)

    answer = await client.get(f"{PAGE}?{query}")

    assert answer.status_code == 422
    assert f"<strong>{field}</strong>" in answer.text


async def test_without_smtp_the_page_says_no_email_is_sent_at_all(client: httpx.AsyncClient):
    await _signed_in(client)

    html = (await client.get(PAGE)).text

    assert "Ingen e-postserver är inställd för Internkontroll" in html
    assert "inga påminnelser skickas med e-post just nu" in html


async def test_with_smtp_the_page_names_the_address(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
):
    await _signed_in(client)
    await BaseUser.update({BaseUser.email: "anna@kommun.se"}).where(BaseUser.username == "anna")
    smtp = SmtpConfig("127.0.0.1", 25, "none", "ik@kommun.se")
    configured = dataclasses.replace(get_settings(), smtp=smtp)
    monkeypatch.setattr(notifications, "get_settings", lambda: configured)

    html = (await client.get(PAGE)).text

    assert "Påminnelser skickas till <strong>anna@kommun.se</strong>." in html
    assert "Ingen e-postserver" not in html


async def test_turning_email_off_and_on(client: httpx.AsyncClient):
    user_id = await _signed_in(client)

    off = await client.post(f"{PAGE}/epost", data=_form(client, email_enabled="0"))

    assert off.status_code == 303
    assert off.headers["location"] == f"{PAGE}?klart=epost-av#epost-heading"
    assert (await get_preferences(user_id)).email_enabled is False
    html = (await client.get(off.headers["location"])).text
    assert "E-post om påminnelser är avstängd." in html
    assert re.search(r'id="f-email-off" name="email_enabled" value="0" checked', html)
    on = await client.post(f"{PAGE}/epost", data=_form(client, email_enabled="1"))
    assert on.headers["location"] == f"{PAGE}?klart=epost-pa#epost-heading"
    assert (await get_preferences(user_id)).email_enabled is True


@pytest.mark.parametrize("value", ["", "ja", "2"])
async def test_a_bad_email_choice_answers_422_naming_the_field(
    client: httpx.AsyncClient, value: str
):
    user_id = await _signed_in(client)

    answer = await client.post(f"{PAGE}/epost", data=_form(client, email_enabled=value))

    assert answer.status_code == 422
    assert "<strong>email_enabled</strong>" in answer.text
    assert (await get_preferences(user_id)).email_enabled is True


async def test_the_calendar_address_is_shown_and_renewing_replaces_it(client: httpx.AsyncClient):
    user_id = await _signed_in(client)
    old = feed_token(user_id, 1)
    html = (await client.get(PAGE)).text
    assert f'value="http://127.0.0.1:8000/kalender/{old}.ics"' in html
    assert "Förnya adressen" in html and "Google Kalender" in html and "Outlook" in html

    answer = await client.post(f"{PAGE}/kalender/ny-adress", data=_form(client))

    assert answer.status_code == 303
    assert answer.headers["location"] == f"{PAGE}?klart=ny-adress#kalender-heading"
    html = (await client.get(answer.headers["location"])).text
    new = feed_token(user_id, 2)
    assert f'value="http://127.0.0.1:8000/kalender/{new}.ics"' in html
    assert old not in html
    assert "Den gamla slutar fungera direkt" in html
    assert (await client.get(f"/kalender/{old}.ics")).status_code == 404
    assert (await client.get(f"/kalender/{new}.ics")).status_code == 200


async def test_writes_without_the_csrf_token_are_refused(client: httpx.AsyncClient):
    user_id = await _signed_in(client)
    first = await add_notification(user_id)

    for path, data in (
        (f"{PAGE}/{first}/las", {}),
        (f"{PAGE}/las-alla", {}),
        (f"{PAGE}/epost", {"email_enabled": "0"}),
        (f"{PAGE}/kalender/ny-adress", {}),
    ):
        assert (await client.post(path, data=data)).status_code == 403, path
    assert await unread_count(user_id) == 1
    prefs = await get_preferences(user_id)
    assert prefs.email_enabled is True and prefs.calendar_version == 1

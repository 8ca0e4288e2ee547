"""A user's notifications and preferences: the list, read marks, e-mail on/off, feed renewal."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt

import pytest

from internkontroll.audit.tables import AuditEvent
from internkontroll.auth.services import load_principal
from internkontroll.errors import NotFound
from internkontroll.reminders import notifications
from internkontroll.reminders.notifications import (
    get_notification,
    get_preferences,
    list_notifications,
    mark_all_read,
    mark_read,
    renew_calendar_feed,
    set_email_enabled,
    unread_count,
)
from internkontroll.reminders.tables import NotificationPreference
from internkontroll.settings import SmtpConfig, get_settings
from tests.conftest import make_board, make_user
from tests.reminders.notification_factory import add_notification


async def _user(name: str):
    return await load_principal(await make_user(name))


async def test_list_shows_unread_first_then_newest_first(db):
    anna = await _user("anna")
    old_unread = await add_notification(anna.id, "Gammal oläst", planned_on=dt.date(2027, 1, 4))
    new_read = await add_notification(
        anna.id, "Ny läst", planned_on=dt.date(2027, 1, 20), read=True
    )
    new_unread = await add_notification(anna.id, "Ny oläst", planned_on=dt.date(2027, 1, 18))
    old_read = await add_notification(
        anna.id, "Gammal läst", planned_on=dt.date(2027, 1, 1), read=True
    )

    listing = await list_notifications(anna.id)

    assert [n.id for n in listing.items] == [new_unread, old_unread, new_read, old_read]
    assert (listing.total, listing.unread) == (4, 2)
    assert [n.is_read for n in listing.items] == [False, False, True, True]


async def test_unread_filter_and_paging(db):
    anna = await _user("anna")
    for day in range(1, 8):
        await add_notification(anna.id, f"Dag {day}", planned_on=dt.date(2027, 1, day))
    await add_notification(anna.id, "Läst", planned_on=dt.date(2027, 2, 1), read=True)

    unread = await list_notifications(anna.id, unread_only=True)
    assert unread.total == 7 and unread.unread == 7
    assert "Läst" not in [n.title for n in unread.items]

    first = await list_notifications(anna.id, limit=3)
    second = await list_notifications(anna.id, limit=3, offset=3)
    last = await list_notifications(anna.id, limit=3, offset=6)
    titles = [n.title for page in (first, second, last) for n in page.items]
    assert titles == [f"Dag {d}" for d in range(7, 0, -1)] + ["Läst"]
    assert (first.total, first.unread) == (8, 7)


async def test_a_user_sees_only_their_own_notifications(db):
    board = await make_board("BUN")
    anna, bertil = await _user("anna"), await _user("bertil")
    await add_notification(anna.id, "Annas", board_id=board)
    await add_notification(bertil.id, "Bertils")

    listing = await list_notifications(anna.id)

    assert [(n.title, n.board_short_name) for n in listing.items] == [("Annas", "BUN")]
    assert listing.items[0].kind_label == "Internkontrollplan ska antas"
    assert await unread_count(anna.id) == 1
    assert await unread_count(bertil.id) == 1


async def test_mark_read_marks_one_and_keeps_the_first_read_time(db):
    anna = await _user("anna")
    first = await add_notification(anna.id, "Första")
    await add_notification(anna.id, "Andra")

    view = await mark_read(anna, first)
    assert view.is_read and view.id == first
    assert await unread_count(anna.id) == 1

    again = await mark_read(anna, first)
    assert again.read_at == view.read_at


async def test_mark_read_of_another_users_notification_answers_404_and_changes_nothing(db):
    anna, bertil = await _user("anna"), await _user("bertil")
    bertils = await add_notification(bertil.id, "Bertils")

    with pytest.raises(NotFound) as caught:
        await mark_read(anna, bertils)
    assert caught.value.status_code == 404
    assert caught.value.message == "Påminnelsen finns inte."
    with pytest.raises(NotFound):
        await mark_read(anna, bertils + 1000)
    assert await unread_count(bertil.id) == 1


@pytest.mark.parametrize("notification_id", [0, -1, 2**31, 10**20])
async def test_ids_no_row_can_have_answer_404_not_a_database_error(db, notification_id: int):
    # PostgreSQL refuses a parameter beyond its integer: without the guard this is a 500.
    anna = await _user("anna")
    await add_notification(anna.id, "Annas")

    for call in (mark_read(anna, notification_id), get_notification(anna.id, notification_id)):
        with pytest.raises(NotFound) as caught:
            await call
        assert caught.value.message == "Påminnelsen finns inte."
    assert await unread_count(anna.id) == 1


async def test_mark_all_read_touches_only_ones_own(db):
    anna, bertil = await _user("anna"), await _user("bertil")
    for title in ("Ett", "Två", "Tre"):
        await add_notification(anna.id, title)
    await add_notification(anna.id, "Redan läst", read=True)
    await add_notification(bertil.id, "Bertils")

    assert await mark_all_read(anna) == 3
    assert await unread_count(anna.id) == 0
    assert await unread_count(bertil.id) == 1
    assert await mark_all_read(anna) == 0


async def test_preferences_default_to_email_on_and_create_no_row(db):
    anna = await _user("anna")

    prefs = await get_preferences(anna.id)

    assert prefs.email_enabled is True
    assert prefs.calendar_version == 1
    assert prefs.email_address == ""  # created without an address: the placeholder is not one
    assert prefs.smtp_configured is False and prefs.email_will_be_sent is False
    assert await NotificationPreference.count() == 0


async def test_preferences_show_a_real_address_and_whether_smtp_is_configured(db, monkeypatch):
    from internkontroll.auth.services import NewUser, create_user

    user_id = await create_user(NewUser(username="cecilia", password="losen-ord", email="c@k.se"))
    smtp = SmtpConfig("127.0.0.1", 25, "none", "ik@kommun.se")
    configured = dataclasses.replace(get_settings(), smtp=smtp)
    monkeypatch.setattr(notifications, "get_settings", lambda: configured)

    prefs = await get_preferences(user_id)

    assert prefs.email_address == "c@k.se"
    assert prefs.smtp_configured is True
    assert prefs.email_will_be_sent is True


async def test_turning_email_off_creates_the_row_once_and_is_audited(db):
    anna = await _user("anna")

    off = await set_email_enabled(anna, False)
    assert off.email_enabled is False
    on = await set_email_enabled(anna, True)
    assert on.email_enabled is True
    await set_email_enabled(anna, False)

    rows = await NotificationPreference.select().where(NotificationPreference.user == anna.id)
    assert len(rows) == 1 and rows[0]["email_enabled"] is False
    events = await AuditEvent.select(
        AuditEvent.action, AuditEvent.entity, AuditEvent.actor_username, AuditEvent.summary
    ).order_by(AuditEvent.id)
    mine = [e for e in events if e["entity"] == "notification_preference"]
    assert [(e["action"], e["summary"]) for e in mine] == [
        ("create", "E-post om påminnelser av"),
        ("update", "E-post om påminnelser på"),
        ("update", "E-post om påminnelser av"),
    ]
    assert {e["actor_username"] for e in mine} == {"anna"}


async def test_two_first_changes_at_once_do_not_collide(db):
    anna = await _user("anna")

    await asyncio.gather(set_email_enabled(anna, False), renew_calendar_feed(anna))

    rows = await NotificationPreference.select().where(NotificationPreference.user == anna.id)
    assert len(rows) == 1
    assert rows[0]["email_enabled"] is False and rows[0]["calendar_version"] == 2


async def test_renewing_the_feed_bumps_its_version_and_is_audited(db):
    anna, bertil = await _user("anna"), await _user("bertil")
    await set_email_enabled(anna, False)

    assert await renew_calendar_feed(anna) == 2
    assert await renew_calendar_feed(anna) == 3

    assert (await get_preferences(anna.id)).calendar_version == 3
    assert (await get_preferences(anna.id)).email_enabled is False  # untouched by renewal
    assert (await get_preferences(bertil.id)).calendar_version == 1
    renewals = await AuditEvent.count().where(AuditEvent.action == "renew_feed")
    assert renewals == 2

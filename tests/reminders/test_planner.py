"""reminders_due: the day's reminders, one per recipient, nothing on holidays, nothing written."""

from __future__ import annotations

import dataclasses

import pytest

from internkontroll.audit.tables import AuditEvent
from internkontroll.controls import deadline as plan_deadline_module
from internkontroll.db import current_engine
from internkontroll.reminders import planner
from internkontroll.reminders.model import DeadlineKind
from internkontroll.reminders.planner import describe, describe_all, reminders_due
from internkontroll.reminders.tables import Notification, SchedulerRun
from internkontroll.settings import get_settings
from tests.reminders.cycle_world import YEAR, d, kommun_at

DRAFTS_SENT = d(1, 13)  # KS decided the shared points; the three plans wait for decision
APRIL = d(4, 8)  # every plan adopted; no follow-up sent, ever


@pytest.fixture
async def january(db, database_factory, monkeypatch):
    return await kommun_at(DRAFTS_SENT, db, database_factory, monkeypatch)


@pytest.fixture
async def april(db, database_factory, monkeypatch):
    return await kommun_at(APRIL, db, database_factory, monkeypatch)


def summary(k, reminders) -> set[tuple[str, str, str]]:
    return {(k.username(r.recipient.user_id), r.deadline.subject, r.stage.code) for r in reminders}


def plan(k, board: str) -> str:
    return f"plan:{k.boards[board]}:{YEAR}"


async def test_the_days_reminders_one_per_recipient(january):
    k, _ = january
    reminders = await reminders_due(d(1, 15))
    assert summary(k, reminders) == {
        (user, plan(k, board), "fore-14")
        for board in ("KS", "BUN", "SN")
        for user in (f"{board.lower()}-sekreterare", f"{board.lower()}-handlaggare")
    }
    sn = next(r for r in reminders if r.recipient.user_id == k.users["sn-handlaggare"])
    assert sn.deadline.kind == DeadlineKind.PLAN_ADOPTION
    assert sn.stage.planned_on == d(1, 15) and not sn.stage.overdue
    assert sn.message == "Ska vara klart senast söndag 31 januari 2027, om 16 dagar."
    assert sn.key == f"{plan(k, 'SN')}|2027-01-31|fore-14|{k.users['sn-handlaggare']}"
    assert await reminders_due(d(1, 14)) == []  # a Thursday with nothing planned


async def test_nothing_on_weekends_or_holidays(january):
    for day in (d(1, 16), d(1, 17), d(1, 30), d(1, 31), d(3, 26), d(12, 24)):
        assert await reminders_due(day) == []
    # The reminders of the Sunday due date went out on the Friday before.
    assert {r.stage.code for r in await reminders_due(d(1, 29))} == {"dag"}


async def test_reading_only_and_the_same_answer_twice(january):
    before = [await t.count() for t in (Notification, SchedulerRun, AuditEvent)]
    first = await reminders_due(d(1, 15))
    second = await reminders_due(d(1, 15))
    assert [r.key for r in first] == [r.key for r in second]
    assert [await t.count() for t in (Notification, SchedulerRun, AuditEvent)] == before


async def test_a_reminder_moved_back_over_easter_is_still_found(january, monkeypatch):
    # With the plan deadline on Monday 12 April 2027, "14 days before" is Annandag påsk: the
    # reminder moves back over the Easter weekend to Thursday 25 March, 18 days ahead.
    moved = dataclasses.replace(get_settings(), plan_deadline=(4, 12))
    monkeypatch.setattr(plan_deadline_module, "get_settings", lambda: moved)
    k, _ = january
    reminders = await reminders_due(d(3, 25))
    assert summary(k, reminders) == {
        (user, plan(k, board), "fore-14")
        for board in ("KS", "BUN", "SN")
        for user in (f"{board.lower()}-sekreterare", f"{board.lower()}-handlaggare")
    }
    assert {r.deadline.due_on for r in reminders} == {d(4, 12)}


async def test_lead_times_and_overdue_rounds_follow_the_settings(january, monkeypatch):
    k, _ = january
    settings = get_settings()
    changed = dataclasses.replace(
        settings,
        reminders=dataclasses.replace(settings.reminders, days_before=(7,), overdue_every_days=0),
    )
    monkeypatch.setattr(planner, "get_settings", lambda: changed)
    assert await reminders_due(d(1, 15)) == []
    assert {r.stage.code for r in await reminders_due(d(1, 22))} == {"fore-7"}  # 24th: Sunday
    assert await reminders_due(d(1, 29)) == []  # no reminder on the day any more
    assert await reminders_due(d(2, 8)) == []  # nor once overdue


async def test_describe_one_line_per_reminder(january, monkeypatch):
    k, _ = january
    reminders = [r for r in await reminders_due(d(1, 15)) if r.deadline.subject == plan(k, "SN")]
    lines = sorted(await describe_all(reminders))
    assert lines == [
        "2027-01-15  sn-handlaggare  Internkontrollplan 2027 för SN ska antas  "
        "(14 dagar före; du är nämndsekreterare och handläggare för SN)",
        "2027-01-15  sn-sekreterare  Internkontrollplan 2027 för SN ska antas  "
        "(14 dagar före; du är nämndsekreterare för SN)",
    ]
    one = reminders[0]
    assert describe(one).startswith(f"2027-01-15  användare {one.recipient.user_id}  ")
    # The user names come from one query, however many reminders there are.
    engine = type(current_engine())
    original = engine.run_querystring
    calls = []

    async def counting(self, querystring, *args, **kwargs):
        calls.append(querystring)
        return await original(self, querystring, *args, **kwargs)

    monkeypatch.setattr(engine, "run_querystring", counting)
    everyone = await reminders_due(d(1, 15))
    calls.clear()
    assert len(await describe_all(everyone)) == 6
    assert len(calls) == 1
    calls.clear()
    assert await describe_all([]) == [] and calls == []


async def test_the_dry_run_line_names_the_stage_in_swedish(january):
    k, _ = january
    lines = {
        reminder.stage.code: describe(reminder)
        for day in (d(1, 15), d(1, 28), d(1, 29), d(2, 8))
        for reminder in await reminders_due(day)
        if reminder.recipient.user_id == k.users["sn-sekreterare"]
    }
    assert {code: line.rsplit("(", 1)[1] for code, line in lines.items()} == {
        "fore-14": "14 dagar före; du är nämndsekreterare för SN)",
        "fore-3": "3 dagar före; du är nämndsekreterare för SN)",
        "dag": "på dagen; du är nämndsekreterare för SN)",
        "sen-1": "försenad, påminnelse 1; du är nämndsekreterare för SN)",
    }
    assert not any(f"({code};" in line for code, line in lines.items())


def subjects(reminders) -> set[str]:
    return {r.deadline.subject for r in reminders}


async def test_an_unsent_delar_follow_up_stops_when_the_helar_one_is_due(april):
    # Delår 2027 was due Saturday 30 October; helår is due Tuesday 29 February 2028.
    k, _ = april
    delar = f"followup:{k.boards['BUN']}:{YEAR}:delar"
    shared = f"shared-reporting:{YEAR}:delar"
    last = await reminders_due(d(2, 28, YEAR + 1))
    assert {delar, shared} <= subjects(last)
    assert {r.stage.code for r in last if r.deadline.subject == delar} == {"sen-17"}
    after = subjects(await reminders_due(d(3, 6, YEAR + 1)))
    assert delar not in after and shared not in after
    # The helår one goes on, on Tuesdays.
    assert f"followup:{k.boards['BUN']}:{YEAR}:helar" in subjects(
        await reminders_due(d(3, 7, YEAR + 1))
    )


async def test_an_unsent_helar_follow_up_is_reminded_until_a_year_after_its_due_date(april):
    # Helår 2027 is due Tuesday 29 February 2028: weekly on Tuesdays, into 2029 (two years
    # after the plan's), and the last on 27 February 2029, a year after.
    k, _ = april
    helar = f"followup:{k.boards['BUN']}:{YEAR}:helar"
    for day, code in ((d(1, 9, YEAR + 2), "sen-45"), (d(2, 27, YEAR + 2), "sen-52")):
        stages = {r.stage.code for r in await reminders_due(day) if r.deadline.subject == helar}
        assert stages == {code}, day
    assert helar not in subjects(await reminders_due(d(3, 6, YEAR + 2)))

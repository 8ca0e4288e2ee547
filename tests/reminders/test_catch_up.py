"""Days caught up later: worded for the day they are created, and one e-mail per thing.

The 2027 plan deadline of the boards in board_world is Sunday 31 January 2027: "fore-14" falls
on Friday 15 January, "fore-3" on Thursday 28 January and "dag" on Friday 29 January.
"""

from __future__ import annotations

import collections
import datetime as dt

from internkontroll.reminders import delivery
from internkontroll.reminders.outbox import EMAIL_TURNED_OFF
from internkontroll.reminders.stages import reminder_message
from tests.reminders.delivery_world import (
    at,
    board_world,
    completed_run,
    notifications,
    reminder,
    script_planner,
    turn_email_off,
    use_settings,
    user_with_email,
    with_mail,
)
from tests.reminders.smtp_server import smtp_server

__all__ = ["smtp_server"]

FRIDAY = dt.date(2027, 1, 29)
MONDAY = dt.date(2027, 2, 1)


async def test_a_day_run_later_is_worded_for_the_day_it_is_created(db, settings, monkeypatch):
    use_settings(monkeypatch, with_mail(settings, None))
    anna = await user_with_email("anna")
    # "fore-3" of a deadline on Monday 1 February falls on Friday 29 January.
    stages = {FRIDAY: "fore-3", MONDAY: "dag"}
    script_planner(
        monkeypatch,
        lambda on: [reminder(anna, on, due_on=MONDAY, stage=stages[on], detail="Planen för BUN")],
    )
    run = await delivery.run_day(FRIDAY, now=at(MONDAY, 8))
    assert run.status == "ran"
    [row] = await notifications()
    assert row["message"] == (
        "Planen för BUN\nSka vara klart senast måndag 1 februari 2027, i dag."
    )
    assert (row["stage"], row["planned_on"]) == ("fore-3", FRIDAY)
    # Run on its own day, the planner's words stand.
    await delivery.run_day(MONDAY, now=at(MONDAY, 8))
    [_, today] = await notifications()
    assert today["message"] == f"Planen för BUN\nSka vara klart senast {MONDAY.isoformat()}."


async def test_a_catch_up_e_mails_only_the_latest_stage_of_a_thing(
    db, settings, monkeypatch, smtp_server
):
    use_settings(monkeypatch, with_mail(settings, smtp_server.config()))
    users = await board_world(2)
    off = users[-1]
    await turn_email_off(off)
    await completed_run(dt.date(2027, 1, 14))
    runs = await delivery.catch_up(now=at(MONDAY, 8))
    assert {r.status for r in runs} == {"ran"}
    rows = await notifications()
    assert collections.Counter(r["stage"] for r in rows) == {
        "fore-14": len(users),
        "fore-3": len(users),
        "dag": len(users),
    }
    # All of them are said as of Monday, the day they were created: a day late.
    plan = reminder(0, FRIDAY, due_on=dt.date(2027, 1, 31))
    late = reminder_message(plan.deadline, plan.stage, MONDAY)
    assert "31 januari 2027 (1 dag sedan)" in late
    assert {r["message"] for r in rows} == {late}
    for row in rows:
        if row["user"] == off:
            expected = ("skipped", EMAIL_TURNED_OFF)
        elif row["stage"] == "dag":
            expected = ("pending", "")
        else:
            expected = ("skipped", delivery.SUPERSEDED)
        assert (row["email_status"], row["email_error"]) == expected, row
    report = await delivery.deliver_pending(now=at(MONDAY, 8))
    assert report.sent == len(users) - 1
    mails = smtp_server.recorder.wait_for(len(users) - 1)
    assert len({str(m["To"]) for m in mails}) == len(mails)  # one mail per person
    assert all(late in m.get_content() for m in mails)


async def test_a_single_day_caught_up_keeps_its_e_mail(db, settings, monkeypatch, smtp_server):
    use_settings(monkeypatch, with_mail(settings, smtp_server.config()))
    users = await board_world(1)
    await completed_run(dt.date(2027, 1, 28))
    runs = await delivery.catch_up(now=at(FRIDAY, 8))
    assert [(r.on, r.status) for r in runs] == [(FRIDAY, "ran")]
    rows = await notifications()
    assert [(r["stage"], r["email_status"]) for r in rows] == [("dag", "pending")] * len(users)
    assert {r["message"] for r in rows} == {
        "Ska vara klart senast söndag 31 januari 2027, om 2 dagar."
    }


def test_superseded_keys_keep_the_latest_per_thing_and_person():
    first, second = dt.date(2027, 1, 15), dt.date(2027, 1, 28)
    early = reminder(1, first, due_on=FRIDAY, stage="fore-14")
    later = reminder(1, second, due_on=FRIDAY, stage="fore-3")
    other_person = reminder(2, first, due_on=FRIDAY, stage="fore-14")
    other_thing = reminder(1, first, subject="plan:2:2027", due_on=FRIDAY, stage="fore-14")
    planned = {second: [later], first: [early, other_person, other_thing]}
    assert delivery.superseded_keys(planned) == {early.key}
    assert delivery.superseded_keys({first: [early]}) == set()

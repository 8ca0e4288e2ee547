"""Recording reminders, a day's run and catching up, and e-mail delivery with retries.

The planner is scripted here (hand-built reminders per day); test_exactly_once.py runs the
real rules. E-mail goes to a real local SMTP server (aiosmtpd).
"""

from __future__ import annotations

import datetime as dt

from piccolo.apps.user.tables import BaseUser

from internkontroll import timeutil
from internkontroll.reminders import delivery
from internkontroll.reminders.tables import Notification, SchedulerRun
from internkontroll.reminders.workdays import is_working_day
from tests.reminders.delivery_world import (
    STOCKHOLM,
    at,
    notifications,
    reminder,
    script_planner,
    turn_email_off,
    use_settings,
    user_with_email,
    with_mail,
)
from tests.reminders.smtp_server import free_port, smtp_server

__all__ = ["smtp_server"]

FRIDAY = dt.date(2027, 1, 29)
SATURDAY = dt.date(2027, 1, 30)
MONDAY = dt.date(2027, 2, 1)


def days(first: dt.date, last: dt.date) -> list[dt.date]:
    count = (last - first).days + 1
    return [first + dt.timedelta(days=n) for n in range(count)]


# ------------------------------------------------------------------ record_reminders


async def test_record_stores_each_reminder_once(db, settings, monkeypatch, smtp_server):
    use_settings(monkeypatch, with_mail(settings, smtp_server.config()))
    anna = await user_with_email("anna")
    first = reminder(anna, FRIDAY, detail="Hela texten om planen")
    second = reminder(anna, FRIDAY, subject="plan:2:2027", title="Plan för SN")
    ids = await delivery.record_reminders([first, second], now=at(FRIDAY))
    assert len(ids) == 2
    again = await delivery.record_reminders([first, second, first], now=at(FRIDAY, 9))
    assert again == []
    rows = await notifications()
    assert [r["key"] for r in rows] == sorted([first.key, second.key])
    row = next(r for r in rows if r["key"] == first.key)
    assert row["user"] == anna and row["kind"] == "plan_adoption" and row["stage"] == "dag"
    assert row["title"] == "Internkontrollplan 2027 för BUN ska antas"
    assert row["message"] == "Hela texten om planen\nSka vara klart senast 2027-01-29."
    assert row["reason"] == "Du är nämndsekreterare för BUN."
    assert row["link"] == "/namnder/1/plan?ar=2027"
    assert row["due_on"] == FRIDAY and row["planned_on"] == FRIDAY and not row["overdue"]
    assert row["email_status"] == "pending" and row["email_error"] == ""
    assert row["email_next_at"] == at(FRIDAY)
    assert row["read_at"] is None


async def test_record_says_why_no_email_is_sent(db, settings, monkeypatch, smtp_server):
    use_settings(monkeypatch, with_mail(settings, smtp_server.config()))
    wants = await user_with_email("vill")
    off = await user_with_email("avstangd")
    await turn_email_off(off)
    no_address = await user_with_email("utanadress", email="")
    reminders = [reminder(uid, FRIDAY) for uid in (wants, off, no_address)]
    await delivery.record_reminders(reminders)
    status = {r["user"]: (r["email_status"], r["email_error"]) for r in await notifications()}
    assert status == {
        wants: ("pending", ""),
        off: ("skipped", "Mottagaren har stängt av påminnelser med e-post."),
        no_address: ("skipped", "Mottagaren har ingen e-postadress."),
    }


async def test_record_without_smtp_or_without_email_keeps_them_in_app(db, settings, monkeypatch):
    use_settings(monkeypatch, with_mail(settings, None))
    anna = await user_with_email("anna")
    await delivery.record_reminders([reminder(anna, FRIDAY)])
    [row] = await notifications()
    assert row["email_status"] == "skipped"
    assert row["email_error"] == (
        "Ingen e-postserver är inställd (SMTP_HOST), så ingen e-post skickas."
    )
    await delivery.record_reminders(
        [reminder(anna, MONDAY)], email=False, skip_reason="Demodata: ingen e-post."
    )
    assert (await notifications(planned_on=MONDAY))[0]["email_error"] == "Demodata: ingen e-post."


async def test_record_of_nothing_writes_nothing(db):
    assert await delivery.record_reminders([]) == []
    assert await Notification.count() == 0


# ------------------------------------------------------------------ run_day


async def test_run_day_claims_the_day_once(db, settings, monkeypatch):
    use_settings(monkeypatch, with_mail(settings, None))
    anna = await user_with_email("anna")
    asked = script_planner(monkeypatch, lambda on: [reminder(anna, on)])
    first = await delivery.run_day(FRIDAY)
    assert (first.status, first.created, len(first.ids)) == ("ran", 1, 1)
    second = await delivery.run_day(FRIDAY)
    assert (second.status, second.created) == ("done_before", 0)
    assert asked == [FRIDAY]  # the second run never even asked the planner
    [run] = await SchedulerRun.select()
    assert run["key"] == "reminders:2027-01-29" and run["job"] == "reminders"
    assert run["run_on"] == FRIDAY and run["created_count"] == 1
    assert run["completed_at"] is not None and run["error"] == ""
    assert run["claimed_by"] == delivery.process_name()
    assert await Notification.count() == 1


async def _claim(day: dt.date, claimed_at: dt.datetime, error: str = "") -> None:
    await SchedulerRun.insert(
        SchedulerRun(
            key=delivery.run_key(day),
            job="reminders",
            run_on=day,
            claimed_at=claimed_at,
            claimed_by="annan-vard:1",
            error=error,
        )
    )


async def test_a_day_another_process_is_running_is_left_to_it(db, settings, monkeypatch):
    use_settings(monkeypatch, with_mail(settings, None))
    anna = await user_with_email("anna")
    asked = script_planner(monkeypatch, lambda on: [reminder(anna, on)])
    now = at(FRIDAY, 8)
    await _claim(FRIDAY, now - dt.timedelta(minutes=5))
    assert (await delivery.run_day(FRIDAY, now=now)).status == "busy"
    assert asked == [] and await Notification.count() == 0


async def test_a_claim_whose_process_died_is_taken_over(db, settings, monkeypatch):
    use_settings(monkeypatch, with_mail(settings, None))
    anna = await user_with_email("anna")
    script_planner(monkeypatch, lambda on: [reminder(anna, on)])
    now = at(FRIDAY, 8)
    await _claim(FRIDAY, now - delivery.RUN_LEASE - dt.timedelta(seconds=1))
    run = await delivery.run_day(FRIDAY, now=now)
    assert (run.status, run.created) == ("ran", 1)
    [row] = await SchedulerRun.select()
    assert row["claimed_by"] == delivery.process_name() and row["completed_at"] is not None


async def test_a_failed_day_records_the_error_and_runs_again_later(db, settings, monkeypatch):
    use_settings(monkeypatch, with_mail(settings, None))
    anna = await user_with_email("anna")
    broken = True

    def plan(on):
        if broken:
            raise RuntimeError("databasen svarade inte")
        return [reminder(anna, on)]

    script_planner(monkeypatch, plan)
    failed = await delivery.run_day(FRIDAY)
    assert failed.status == "failed"
    assert failed.error == "RuntimeError: databasen svarade inte"
    [row] = await SchedulerRun.select()
    assert row["completed_at"] is None and row["error"] == failed.error
    broken = False
    again = await delivery.run_day(FRIDAY)  # no need to wait for the lease: it failed
    assert (again.status, again.created) == ("ran", 1)
    [row] = await SchedulerRun.select()
    assert row["completed_at"] is not None and row["error"] == ""


# ------------------------------------------------------------------ catch_up


def _one_per_working_day(user_id: int):
    return lambda on: [reminder(user_id, on, subject=f"dag:{on}")] if is_working_day(on) else []


async def _completed(day: dt.date) -> None:
    await SchedulerRun.insert(
        SchedulerRun(
            key=delivery.run_key(day),
            job="reminders",
            run_on=day,
            claimed_at=at(day, 7),
            completed_at=at(day, 7, 1),
        )
    )


async def test_catch_up_runs_each_missed_day_once(db, settings, monkeypatch):
    use_settings(monkeypatch, with_mail(settings, None))
    anna = await user_with_email("anna")
    asked = script_planner(monkeypatch, _one_per_working_day(anna))
    # The last completed run was three working days before Monday 1 February.
    await _completed(dt.date(2027, 1, 27))
    runs = await delivery.catch_up(now=at(MONDAY, 8))
    assert [r.on for r in runs] == days(dt.date(2027, 1, 28), MONDAY)
    assert asked == days(dt.date(2027, 1, 28), MONDAY)
    assert {r.status for r in runs} == {"ran"}
    created = [r["planned_on"] for r in await notifications()]
    assert created == [dt.date(2027, 1, 28), FRIDAY, MONDAY]  # none on the weekend
    # A restart the same day (or a second scheduler) finds nothing left to do.
    assert await delivery.catch_up(now=at(MONDAY, 9)) == []
    assert await Notification.count() == 3
    assert await SchedulerRun.count().where(SchedulerRun.completed_at.is_not_null()) == 6


async def test_before_the_send_hour_today_is_not_due_yet(db, settings, monkeypatch):
    use_settings(monkeypatch, with_mail(settings, None, send_hour=7))
    anna = await user_with_email("anna")
    script_planner(monkeypatch, _one_per_working_day(anna))
    await _completed(dt.date(2027, 1, 27))
    runs = await delivery.catch_up(now=at(MONDAY, 6, 59))
    assert [r.on for r in runs] == days(dt.date(2027, 1, 28), dt.date(2027, 1, 31))
    runs = await delivery.catch_up(now=at(MONDAY, 7, 0))
    assert [r.on for r in runs] == [MONDAY]


async def test_a_fresh_install_starts_with_today(db, settings, monkeypatch):
    use_settings(monkeypatch, with_mail(settings, None))
    anna = await user_with_email("anna")
    asked = script_planner(monkeypatch, _one_per_working_day(anna))
    runs = await delivery.catch_up(now=at(MONDAY, 8))
    assert [r.on for r in runs] == [MONDAY] and asked == [MONDAY]
    assert await delivery.catch_up(now=at(MONDAY, 8)) == []


async def test_catch_up_goes_back_at_most_catch_up_days(db, settings, monkeypatch):
    use_settings(monkeypatch, with_mail(settings, None, catch_up_days=10))
    anna = await user_with_email("anna")
    script_planner(monkeypatch, _one_per_working_day(anna))
    await _completed(MONDAY - dt.timedelta(days=60))
    runs = await delivery.catch_up(now=at(MONDAY, 8))
    assert [r.on for r in runs] == days(MONDAY - dt.timedelta(days=10), MONDAY)


async def test_catch_up_takes_a_failed_day_again(db, settings, monkeypatch):
    use_settings(monkeypatch, with_mail(settings, None))
    anna = await user_with_email("anna")
    script_planner(monkeypatch, _one_per_working_day(anna))
    await _claim(dt.date(2027, 1, 28), at(dt.date(2027, 1, 28), 7), error="RuntimeError: x")
    await _completed(FRIDAY)
    runs = await delivery.catch_up(now=at(MONDAY, 8))
    assert [r.on for r in runs] == [dt.date(2027, 1, 28), SATURDAY, dt.date(2027, 1, 31), MONDAY]
    assert [r.status for r in runs] == ["ran"] * 4


# ------------------------------------------------------------------ deliver_pending


async def _pending(user_id: int, day: dt.date = FRIDAY, count: int = 1) -> list[int]:
    reminders = [reminder(user_id, day, subject=f"sak:{n}", title=f"Sak {n}") for n in range(count)]
    return await delivery.record_reminders(reminders, now=at(day, 7))


async def test_delivery_sends_each_pending_mail_once(db, settings, monkeypatch, smtp_server):
    use_settings(monkeypatch, with_mail(settings, smtp_server.config()))
    anna = await user_with_email("anna")
    await BaseUser.update({BaseUser.first_name: "Åsa", BaseUser.last_name: "Öst"}).where(
        BaseUser.id == anna
    )
    await _pending(anna, count=3)
    report = await delivery.deliver_pending(now=at(FRIDAY, 8))
    assert (report.sent, report.retrying, report.failed) == (3, 0, 0)
    mails = smtp_server.recorder.wait_for(3)
    assert sorted(m["Subject"] for m in mails) == [f"Påminnelse: Sak {n}" for n in range(3)]
    assert mails[0]["To"].addresses[0].display_name == "Åsa Öst"
    assert "https://ik.kommun.example/namnder/1/plan?ar=2027" in mails[0].get_content()
    rows = await notifications()
    assert {r["email_status"] for r in rows} == {"sent"}
    assert all(r["email_attempts"] == 1 and r["email_sent_at"] is not None for r in rows)
    again = await delivery.deliver_pending(now=at(FRIDAY, 9))
    assert again.attempted == 0
    assert len(smtp_server.messages) == 3


async def test_more_than_a_batch_is_sent_in_one_round(db, settings, monkeypatch, smtp_server):
    use_settings(monkeypatch, with_mail(settings, smtp_server.config()))
    anna = await user_with_email("anna")
    await _pending(anna, count=delivery.BATCH_SIZE + 5)
    report = await delivery.deliver_pending(now=at(FRIDAY, 8))
    assert report.sent == delivery.BATCH_SIZE + 5
    assert len(smtp_server.recorder.wait_for(delivery.BATCH_SIZE + 5)) == delivery.BATCH_SIZE + 5


async def test_nothing_is_sent_on_a_weekend_or_holiday(db, settings, monkeypatch, smtp_server):
    use_settings(monkeypatch, with_mail(settings, smtp_server.config()))
    anna = await user_with_email("anna")
    await _pending(anna)
    saturday = await delivery.deliver_pending(now=at(SATURDAY, 10))
    assert saturday.not_working_day == "lördag" and saturday.attempted == 0
    christmas = await delivery.deliver_pending(now=at(dt.date(2026, 12, 25), 10))
    assert christmas.not_working_day == "Juldagen"
    assert smtp_server.messages == []
    assert (await notifications())[0]["email_status"] == "pending"
    monday = await delivery.deliver_pending(now=at(MONDAY, 8))
    assert monday.sent == 1


async def test_without_smtp_nothing_is_tried(db, settings, monkeypatch):
    use_settings(monkeypatch, with_mail(settings, None))
    report = await delivery.deliver_pending(now=at(FRIDAY, 8))
    assert report.no_smtp and report.attempted == 0


async def test_smtp_down_retries_later_and_then_sends_once(db, settings, monkeypatch, smtp_server):
    down = smtp_server.config(port=free_port())
    use_settings(monkeypatch, with_mail(settings, down))
    anna = await user_with_email("anna")
    await _pending(anna, count=2)
    now = at(FRIDAY, 8)
    report = await delivery.deliver_pending(now=now)
    assert (report.sent, report.retrying) == (0, 2)
    assert report.errors[0].startswith("Kunde inte ansluta till e-postservern")
    rows = await notifications()
    for row in rows:
        assert row["email_status"] == "pending" and row["email_attempts"] == 1
        assert row["email_next_at"] == now + dt.timedelta(minutes=5)
        assert row["email_error"].startswith("Kunde inte ansluta")
    # Not yet due again; then the server is back.
    use_settings(monkeypatch, with_mail(settings, smtp_server.config()))
    assert (await delivery.deliver_pending(now=now + dt.timedelta(minutes=4))).attempted == 0
    later = await delivery.deliver_pending(now=now + dt.timedelta(minutes=5))
    assert later.sent == 2
    assert len(smtp_server.recorder.wait_for(2)) == 2
    rows = await notifications()
    assert {(r["email_status"], r["email_attempts"], r["email_error"]) for r in rows} == {
        ("sent", 2, "")
    }
    assert (await delivery.deliver_pending(now=now + dt.timedelta(hours=1))).attempted == 0
    assert len(smtp_server.messages) == 2


async def test_backoff_grows_and_ends_in_failed(db, settings, monkeypatch, smtp_server):
    use_settings(monkeypatch, with_mail(settings, smtp_server.config(port=free_port())))
    anna = await user_with_email("anna")
    await _pending(anna)
    now = at(dt.date(2027, 2, 1), 8)
    waits = []
    for attempt in range(1, delivery.MAX_ATTEMPTS + 1):
        await delivery.deliver_pending(now=now)
        [row] = await notifications()
        assert row["email_attempts"] == attempt
        if attempt < delivery.MAX_ATTEMPTS:
            assert row["email_status"] == "pending"
            waits.append(row["email_next_at"] - now)
            now = row["email_next_at"]
            while not is_working_day(now.astimezone(STOCKHOLM).date()):
                now += dt.timedelta(days=1)
    assert row["email_status"] == "failed" and row["email_next_at"] is None
    minutes = [int(w.total_seconds() // 60) for w in waits]
    assert minutes == [5, 15, 60, 180, 360, 720, 1440]
    assert (await delivery.deliver_pending(now=now + dt.timedelta(days=3))).attempted == 0


async def test_a_refused_address_fails_at_once(db, settings, monkeypatch, smtp_server):
    use_settings(monkeypatch, with_mail(settings, smtp_server.config()))
    smtp_server.recorder.refuse.add("fel@kommun.example")
    wrong = await user_with_email("fel", email="fel@kommun.example")
    right = await user_with_email("ratt")
    await delivery.record_reminders([reminder(wrong, FRIDAY), reminder(right, FRIDAY)])
    report = await delivery.deliver_pending(now=at(FRIDAY, 8))
    assert (report.sent, report.failed) == (1, 1)
    status = {r["user"]: (r["email_status"], r["email_error"]) for r in await notifications()}
    assert status[right] == ("sent", "")
    assert status[wrong][0] == "failed" and "550" in status[wrong][1]


async def test_a_user_who_turned_email_off_since_gets_none(db, settings, monkeypatch, smtp_server):
    use_settings(monkeypatch, with_mail(settings, smtp_server.config()))
    anna = await user_with_email("anna")
    bertil = await user_with_email("bertil")
    await delivery.record_reminders([reminder(anna, FRIDAY), reminder(bertil, FRIDAY)])
    await turn_email_off(anna)
    await BaseUser.update({BaseUser.active: False}).where(BaseUser.id == bertil)
    report = await delivery.deliver_pending(now=at(FRIDAY, 8))
    assert (report.sent, report.skipped) == (0, 2)
    assert smtp_server.messages == []
    errors = {r["user"]: r["email_error"] for r in await notifications(email_status="skipped")}
    assert errors == {
        anna: "Mottagaren har stängt av påminnelser med e-post.",
        bertil: "Mottagaren är inte längre aktiv.",
    }


async def test_a_send_whose_process_died_is_taken_over(db, settings, monkeypatch, smtp_server):
    use_settings(monkeypatch, with_mail(settings, smtp_server.config()))
    anna = await user_with_email("anna")
    stale, fresh = await _pending(anna, count=2)
    now = at(FRIDAY, 8)
    monkeypatch.setattr(timeutil, "now", lambda: now)  # the lease runs on the real clock
    lease = delivery.sending_lease()
    for notification_id, claimed in ((stale, now - lease), (fresh, now)):
        await Notification.update(
            {
                Notification.email_status: "sending",
                Notification.email_claimed_at: claimed - dt.timedelta(seconds=1),
                Notification.email_attempts: 1,
            }
        ).where(Notification.id == notification_id)
    report = await delivery.deliver_pending(now=now)
    assert report.sent == 1
    status = {r["id"]: r["email_status"] for r in await notifications()}
    assert status == {stale: "sent", fresh: "sending"}


def test_retry_delays():
    assert delivery.retry_delay(1) == dt.timedelta(minutes=5)
    assert delivery.retry_delay(2) == dt.timedelta(minutes=15)
    assert delivery.retry_delay(3) == dt.timedelta(hours=1)
    assert delivery.retry_delay(50) == dt.timedelta(hours=24)

"""The APScheduler jobs: what runs when, failures that never kill it, and the app lifespan."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging

import httpx
import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from internkontroll import timeutil
from internkontroll.app import create_app
from internkontroll.reminders import delivery, scheduler
from internkontroll.settings import Settings, SmtpConfig

WAIT = 10.0


class FakeJobs:
    """Stand-ins for catch_up and deliver_pending that record their calls."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[str] = []
        self.fail_catch_up = 0  # how many catch-ups raise
        self.hold_catch_up: asyncio.Event | None = None
        self.hold_delivery: asyncio.Event | None = None
        self.stops: list = []  # the stop event each delivery round was given
        monkeypatch.setattr(delivery, "catch_up", self.catch_up)
        monkeypatch.setattr(delivery, "deliver_pending", self.deliver_pending)

    async def catch_up(self, now=None):
        self.calls.append("catch_up")
        if self.hold_catch_up is not None:
            await self.hold_catch_up.wait()
        if self.fail_catch_up:
            self.fail_catch_up -= 1
            raise RuntimeError("databasen svarar inte")
        return [delivery.DayRun(dt.date(2027, 2, 1), "ran", created=3)]

    async def deliver_pending(self, now=None, *, stop=None):
        self.calls.append("deliver")
        self.stops.append(stop)
        if self.hold_delivery is not None:
            await self.hold_delivery.wait()
        return delivery.DeliveryReport(sent=2)


async def wait_until(condition, seconds: float = WAIT) -> None:
    """Poll until the condition holds (the jobs run as tasks on this loop)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.01)


def run_now(jobs: scheduler.ReminderScheduler, job: str) -> None:
    """Make a scheduled job due at once."""
    jobs.scheduler.modify_job(f"reminders-{job}", next_run_time=dt.datetime.now(timeutil.STOCKHOLM))


def changed(settings: Settings, **reminders) -> Settings:
    return dataclasses.replace(
        settings, reminders=dataclasses.replace(settings.reminders, **reminders)
    )


async def test_the_jobs_and_their_triggers(settings, monkeypatch):
    FakeJobs(monkeypatch)
    jobs = scheduler.start_in_app(changed(settings, send_hour=6, delivery_every_minutes=7))
    try:
        by_id = {job.id: job for job in jobs.scheduler.get_jobs()}
        assert set(by_id) == {"reminders-startup", "reminders-daily", "reminders-delivery"}
        daily = by_id["reminders-daily"]
        assert isinstance(daily.trigger, CronTrigger)
        fields = {f.name: str(f) for f in daily.trigger.fields}
        assert (fields["hour"], fields["minute"]) == ("6", "0")
        assert str(daily.trigger.timezone) == "Europe/Stockholm"
        interval = by_id["reminders-delivery"].trigger
        assert isinstance(interval, IntervalTrigger)
        assert interval.interval == dt.timedelta(minutes=7)
        for job in by_id.values():
            assert job.coalesce is True and job.max_instances == 1
            assert job.misfire_grace_time >= 3600
        assert isinstance(by_id["reminders-startup"].trigger, DateTrigger)
        assert str(jobs.scheduler.timezone) == "Europe/Stockholm"
    finally:
        await scheduler.stop(jobs)
    assert not jobs.scheduler.running


async def test_start_catches_up_then_delivers(settings, monkeypatch):
    fake = FakeJobs(monkeypatch)
    jobs = scheduler.start_in_app(settings)
    try:
        await wait_until(lambda: jobs.runs == ["startup"])
        assert fake.calls == ["catch_up", "deliver"]
        run_now(jobs, "delivery")
        await wait_until(lambda: jobs.runs == ["startup", "delivery"])
        # The delivery round catches up too: a failed or abandoned day is taken within minutes.
        assert fake.calls == ["catch_up", "deliver"] * 2
        run_now(jobs, "daily")
        await wait_until(lambda: len(jobs.runs) == 3)
        assert fake.calls == ["catch_up", "deliver"] * 3
    finally:
        await scheduler.stop(jobs)


async def test_a_failing_job_is_logged_and_the_scheduler_goes_on(settings, monkeypatch, caplog):
    fake = FakeJobs(monkeypatch)
    fake.fail_catch_up = 1
    caplog.set_level(logging.ERROR, logger="internkontroll.reminders")
    jobs = scheduler.start_in_app(settings)
    try:
        await wait_until(lambda: fake.calls == ["catch_up"] and not jobs._tasks)
        assert "Påminnelsejobbet startup misslyckades" in caplog.text
        assert "databasen svarar inte" in caplog.text
        assert jobs.scheduler.running
        run_now(jobs, "daily")
        await wait_until(lambda: jobs.runs == ["daily"])
        assert fake.calls == ["catch_up", "catch_up", "deliver"]
    finally:
        await scheduler.stop(jobs)


async def test_jobs_of_one_process_never_overlap(settings, monkeypatch):
    fake = FakeJobs(monkeypatch)
    fake.hold_catch_up = asyncio.Event()
    jobs = scheduler.start_in_app(settings)
    try:
        await wait_until(lambda: fake.calls == ["catch_up"])
        run_now(jobs, "delivery")
        await asyncio.sleep(0.2)  # the delivery job is due but must wait for the catch-up
        assert fake.calls == ["catch_up"]
        fake.hold_catch_up.set()
        await wait_until(lambda: jobs.runs == ["startup", "delivery"])
        assert fake.calls == ["catch_up", "deliver", "catch_up", "deliver"]
    finally:
        await scheduler.stop(jobs)


async def test_stop_lets_a_job_under_way_finish_and_starts_no_other(settings, monkeypatch):
    fake = FakeJobs(monkeypatch)
    fake.hold_delivery = asyncio.Event()  # a delivery round in the middle of sending
    jobs = scheduler.start_in_app(settings)
    await wait_until(lambda: fake.calls == ["catch_up", "deliver"])
    [stop_event] = fake.stops
    assert stop_event is not None and not stop_event.is_set()
    stopping = asyncio.create_task(scheduler.stop(jobs))
    await asyncio.sleep(0.2)
    # The round is told to start no further message, and is waited for, not cancelled.
    assert stop_event.is_set()
    assert not stopping.done() and jobs._tasks
    run_now(jobs, "delivery")  # due meanwhile: it must not start
    await asyncio.sleep(0.2)
    fake.hold_delivery.set()  # the message under way is done; the round settles and ends
    await asyncio.wait_for(stopping, WAIT)
    assert jobs.runs == ["startup"]  # finished as a whole
    assert fake.calls == ["catch_up", "deliver"]
    assert not jobs._tasks and not jobs.scheduler.running


async def test_stop_waits_about_one_smtp_timeout_then_cancels(settings, monkeypatch):
    fake = FakeJobs(monkeypatch)
    fake.hold_delivery = asyncio.Event()  # never set: a mail server that stopped answering
    monkeypatch.setattr(scheduler, "STOP_GRACE_SECONDS", 0.3)
    jobs = scheduler.start_in_app(settings)  # no SMTP in the test settings: grace only
    assert jobs.stop_timeout() == 0.3
    await wait_until(lambda: fake.calls == ["catch_up", "deliver"])
    started = asyncio.get_running_loop().time()
    await scheduler.stop(jobs)
    assert 0.3 <= asyncio.get_running_loop().time() - started < 2
    assert jobs.runs == []
    assert not jobs._tasks and not jobs.scheduler.running


async def test_a_job_waiting_for_its_turn_does_nothing_once_stopping(settings, monkeypatch):
    fake = FakeJobs(monkeypatch)
    fake.hold_catch_up = asyncio.Event()
    jobs = scheduler.start_in_app(settings)
    await wait_until(lambda: fake.calls == ["catch_up"])
    run_now(jobs, "delivery")
    await wait_until(lambda: len(jobs._tasks) == 2)  # the delivery job waits for the lock
    stopping = asyncio.create_task(scheduler.stop(jobs))
    await asyncio.sleep(0.1)
    fake.hold_catch_up.set()
    await asyncio.wait_for(stopping, WAIT)
    assert jobs.runs == ["startup"]
    assert fake.calls == ["catch_up", "deliver"]  # the waiting job never began


def test_stop_waits_at_most_one_smtp_timeout_and_a_little(settings):
    smtp = SmtpConfig(host="smtp", port=25, security="none", sender="ik@kommun.se", timeout=20)
    jobs = scheduler.ReminderScheduler(dataclasses.replace(settings, smtp=smtp))
    assert jobs.stop_timeout() == 20 + scheduler.STOP_GRACE_SECONDS


@pytest.mark.parametrize("run_scheduler", [True, False])
async def test_the_app_starts_the_scheduler_only_when_told(
    db, settings, monkeypatch, run_scheduler
):
    fake = FakeJobs(monkeypatch)
    started: list[scheduler.ReminderScheduler] = []
    real_start = scheduler.start_in_app

    def spy(app_settings):
        started.append(real_start(app_settings))
        return started[-1]

    monkeypatch.setattr(scheduler, "start_in_app", spy)
    app = create_app(changed(settings, run_scheduler=run_scheduler), use_pool=False)
    async with app.lifespan():
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as http:
            assert (await http.get("/healthz")).status_code == 200
        if run_scheduler:
            [jobs] = started
            assert jobs.scheduler.running
            await wait_until(lambda: jobs.runs == ["startup"])
            assert fake.calls == ["catch_up", "deliver"]
        else:
            assert started == []
    if run_scheduler:
        assert not started[0].scheduler.running
    else:
        await asyncio.sleep(0.1)
        assert fake.calls == []


@pytest.mark.no_test_pool  # the process opens its own pool, as `internkontroll scheduler` does
async def test_the_scheduler_process_runs_until_told_to_stop(db, monkeypatch):
    fake = FakeJobs(monkeypatch)
    stop = asyncio.Event()
    task = asyncio.create_task(scheduler.run_scheduler_process(stop))
    await wait_until(lambda: fake.calls == ["catch_up", "deliver"])
    assert not task.done()
    stop.set()
    await asyncio.wait_for(task, WAIT)

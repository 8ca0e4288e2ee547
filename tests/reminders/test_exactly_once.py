"""Exactly once: concurrent runs, two scheduler processes on one PostgreSQL, and restarts.

The reminders come from the real rules: boards N0, N1, … without an adopted plan for 2027,
each with a secretary and a preparer who have e-mail. The plan deadline is Sunday 31 January
2027, so "fore-3" falls on Thursday 28 January and "dag" on Friday 29 January. Processes run
the real command line (`python -m tests.reminders.clock_cli`, which only freezes the clock)
and send to a real local SMTP server.
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from internkontroll.reminders import delivery
from internkontroll.reminders.planner import reminders_due
from internkontroll.reminders.tables import Notification, SchedulerRun
from tests.reminders.delivery_world import (
    at,
    board_world,
    completed_run,
    notifications,
    reminder,
    use_settings,
    user_with_email,
    with_mail,
)
from tests.reminders.smtp_server import smtp_env, smtp_server

__all__ = ["smtp_server"]

REPO_ROOT = Path(__file__).resolve().parents[2]
THURSDAY = dt.date(2027, 1, 28)  # fore-3 of the 2027 plan deadline
FRIDAY = dt.date(2027, 1, 29)  # "dag": 31 January is a Sunday
MONDAY = dt.date(2027, 2, 1)
LAST_RUN = dt.date(2027, 1, 27)  # three working days before MONDAY
PROCESS_TIMEOUT = 120

# Several processes writing one SQLite file collide (STACK-NOTES): SQLite is the one-process
# default, and several schedulers are a PostgreSQL deployment, so the two-process tests are
# postgres_only (the SQLite leg deselects them; see tests/conftest.py).


def process_env(database_factory, db: str, server, now: dt.datetime) -> dict[str, str]:
    """The environment of a scheduler process: this test's database and mail server."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("SMTP_") and key not in {"MAIL_FROM", "PUBLIC_URL"}
    }
    env.update(
        DATABASE_URL=database_factory.url_for(db),
        IK_FAKE_NOW=now.isoformat(),
        PYTHONUNBUFFERED="1",
        **smtp_env(server),
    )
    return env


async def run_process(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    """Run the command line in a new process; (exit code, stdout, stderr)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.reminders.clock_cli",
        *args,
        cwd=REPO_ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), PROCESS_TIMEOUT)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def assert_each_mail_once(server, expected: int) -> None:
    """Exactly `expected` mails arrived, no two alike (same person, same reminder)."""
    mails = server.recorder.wait_for(expected)
    time.sleep(0.3)  # a late duplicate would arrive within this
    mails = list(server.messages)
    seen = collections.Counter((str(m["To"]), str(m["Subject"]), m.get_content()) for m in mails)
    assert [key for key, n in seen.items() if n > 1] == []
    assert len(mails) == expected


# ------------------------------------------------------------------ in one process


async def test_two_runs_of_one_day_at_once_record_it_once(db, settings, monkeypatch):
    use_settings(monkeypatch, with_mail(settings, None))
    users = await board_world(2)
    expected = await reminders_due(FRIDAY)
    assert len(expected) == len(users)
    runs = await asyncio.gather(delivery.run_day(FRIDAY), delivery.run_day(FRIDAY))
    assert sorted(r.status for r in runs)[1] == "ran"
    assert sorted(r.status for r in runs)[0] in {"busy", "done_before"}
    assert sum(r.created for r in runs) == len(users)
    assert sorted(r["key"] for r in await notifications()) == sorted(r.key for r in expected)


async def test_the_same_reminders_recorded_twice_at_once_exist_once(db, settings, monkeypatch):
    use_settings(monkeypatch, with_mail(settings, None))
    users = [await user_with_email(f"u{n}") for n in range(5)]
    reminders = [reminder(u, FRIDAY, subject=f"sak:{n}") for u in users for n in range(20)]
    first, second = await asyncio.gather(
        delivery.record_reminders(reminders), delivery.record_reminders(list(reversed(reminders)))
    )
    assert len(first) + len(second) == 100 and not set(first) & set(second)
    assert await Notification.count() == 100


async def test_two_deliveries_at_once_send_each_mail_once(db, settings, monkeypatch, smtp_server):
    use_settings(monkeypatch, with_mail(settings, smtp_server.config()))
    users = [await user_with_email(f"u{n}") for n in range(3)]
    reminders = [
        reminder(u, FRIDAY, subject=f"sak:{n}", title=f"Sak {n}") for u in users for n in range(40)
    ]
    await delivery.record_reminders(reminders, now=at(FRIDAY, 7))
    reports = await asyncio.gather(
        delivery.deliver_pending(now=at(FRIDAY, 8)), delivery.deliver_pending(now=at(FRIDAY, 8))
    )
    assert sum(r.sent for r in reports) == 120
    assert_each_mail_once(smtp_server, 120)
    assert {r["email_status"] for r in await notifications()} == {"sent"}


# ------------------------------------------------------------------ separate processes


@pytest.mark.postgres_only
async def test_two_scheduler_processes_at_once_send_each_reminder_once(
    db, database_factory, smtp_server
):
    users = await board_world(4)
    await completed_run(LAST_RUN)
    env = process_env(database_factory, db, smtp_server, at(MONDAY, 8))
    # Both start on Monday morning and catch up Thursday to Monday at the same moment.
    results = await asyncio.gather(*(run_process(env, "catch-up") for _ in range(2)))
    for code, _, err in results:
        assert code == 0, err
    rows = await notifications()
    assert len(rows) == 2 * len(users)  # fore-3 and dag for each, once
    assert collections.Counter((r["planned_on"], r["stage"]) for r in rows) == {
        (THURSDAY, "fore-3"): len(users),
        (FRIDAY, "dag"): len(users),
    }
    created = sum(
        int(line.split()[-1])
        for _, out, _ in results
        for line in out.splitlines()
        if line.startswith("dag ")
    )
    assert created == len(rows)
    # Caught up together, fore-3 and dag are one thing to one person: only dag is e-mailed.
    assert_each_mail_once(smtp_server, len(users))
    runs = await SchedulerRun.select().where(SchedulerRun.run_on > LAST_RUN)
    assert sorted(r["run_on"] for r in runs) == [
        LAST_RUN + dt.timedelta(days=n) for n in range(1, 6)
    ]
    assert all(r["completed_at"] is not None for r in runs)
    rows = await notifications()
    assert {(r["stage"], r["email_status"]) for r in rows} == {
        ("fore-3", "skipped"),
        ("dag", "sent"),
    }

    # The command itself, twice at once, for the first overdue reminder (Monday 8 February).
    env = process_env(database_factory, db, smtp_server, at(dt.date(2027, 2, 8), 8))
    results = await asyncio.gather(
        *(run_process(env, "reminders", "--at", "2027-02-08") for _ in range(2))
    )
    outputs = "\n".join(out for _, out, _ in results)
    assert all(code == 0 for code, _, _ in results), outputs
    assert f"{len(users)} nya påminnelser för måndag 8 februari 2027." in outputs
    assert await Notification.count().where(Notification.stage == "sen-1") == len(users)
    assert_each_mail_once(smtp_server, 2 * len(users))


@pytest.mark.postgres_only
async def test_two_delivery_processes_at_once_send_each_mail_once(
    db, database_factory, settings, monkeypatch, smtp_server
):
    use_settings(monkeypatch, with_mail(settings, smtp_server.config()))
    users = [await user_with_email(f"u{n}") for n in range(5)]
    reminders = [
        reminder(u, FRIDAY, subject=f"sak:{n}", title=f"Sak {n}") for u in users for n in range(30)
    ]
    await delivery.record_reminders(reminders, now=at(FRIDAY, 7))
    env = process_env(database_factory, db, smtp_server, at(FRIDAY, 8))
    results = await asyncio.gather(*(run_process(env, "deliver") for _ in range(2)))
    sent = []
    for code, out, err in results:
        assert code == 0, err
        sent.append(int(out.split()[1]))
    assert sum(sent) == 150
    assert_each_mail_once(smtp_server, 150)
    assert await Notification.count().where(Notification.email_status == "sent") == 150


# ------------------------------------------------------------------ across a restart


async def test_a_new_process_the_same_day_creates_and_sends_nothing_again(
    db, database_factory, smtp_server
):
    users = await board_world(2)
    env = process_env(database_factory, db, smtp_server, at(FRIDAY, 8))
    code, out, err = await run_process(env, "reminders", "--at", "2027-01-29")
    assert code == 0, err
    assert f"{len(users)} nya påminnelser för fredag 29 januari 2027." in out
    assert f"E-post: {len(users)} skickade, 0 försöks igen senare, 0 misslyckades." in out
    assert_each_mail_once(smtp_server, len(users))
    # The next process (after a restart, or a second run by hand) finds the day done.
    code, out, err = await run_process(env, "reminders", "--at", "2027-01-29")
    assert code == 0, err
    assert "Påminnelserna för fredag 29 januari 2027 är redan skapade" in out
    assert "E-post: 0 skickade" in out
    code, out, err = await run_process(env, "catch-up")
    assert code == 0, err
    assert "skickade 0" in out
    assert await Notification.count() == len(users)
    assert_each_mail_once(smtp_server, len(users))


class SchedulerProcess:
    """`internkontroll scheduler` in a subprocess (on the frozen clock), its log in a file."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        self.process: asyncio.subprocess.Process | None = None

    async def __aenter__(self) -> SchedulerProcess:
        handle = self.log.open("ab")
        try:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "tests.reminders.clock_cli",
                "scheduler",
                cwd=REPO_ROOT,
                env=self.env,
                stdout=handle,
                stderr=handle,
            )
        finally:
            handle.close()
        return self

    async def wait_for_log(self, text: str, count: int = 1) -> str:
        """The log once `text` appears `count` times in it (fails after PROCESS_TIMEOUT)."""
        deadline = time.monotonic() + PROCESS_TIMEOUT
        while True:
            content = self.log.read_text(encoding="utf-8", errors="replace")
            if content.count(text) >= count:
                return content
            assert self.process is not None
            assert self.process.returncode is None, f"the scheduler exited:\n{content}"
            assert time.monotonic() < deadline, f"no {text!r} in the log:\n{content}"
            await asyncio.sleep(0.1)  # polling the process's log

    async def __aexit__(self, *exc) -> None:
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), 30)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
            raise


async def test_the_scheduler_catches_up_missed_days_on_start_once(
    db, database_factory, smtp_server, tmp_path
):
    users = await board_world(2)
    await completed_run(LAST_RUN)
    env = process_env(database_factory, db, smtp_server, at(MONDAY, 8))
    log = tmp_path / "scheduler.log"
    async with SchedulerProcess(env, log) as first:
        await first.wait_for_log("Påminnelsejobbet startup klart")
    assert first.process.returncode == 0, log.read_text()
    content = log.read_text()
    assert "Schemaläggaren stoppad." in content
    rows = await notifications()
    assert collections.Counter((r["planned_on"], r["stage"]) for r in rows) == {
        (THURSDAY, "fore-3"): len(users),
        (FRIDAY, "dag"): len(users),
    }
    assert_each_mail_once(smtp_server, len(users))  # dag only: fore-3 was caught up with it
    # Restarted the same morning: every day is done, nothing is sent again.
    async with SchedulerProcess(env, log) as second:
        await second.wait_for_log("Påminnelsejobbet startup klart", count=2)
    assert second.process.returncode == 0
    assert await Notification.count() == 2 * len(users)
    assert_each_mail_once(smtp_server, len(users))
    done = await SchedulerRun.count().where(SchedulerRun.completed_at.is_not_null())
    assert done == 6  # 27 January and the five days caught up

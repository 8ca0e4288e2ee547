"""Delivering reminders exactly once: the day's notifications, catching up, and e-mail.

Every write that must happen once is a claim the database arbitrates, so any number of
scheduler processes (or a restarted one) can run the same jobs:
- a day's run is a SchedulerRun row with the unique key "reminders:{day}";
- a notification is a row with the unique key of its reminder (thing, due date, stage, user);
- an e-mail is sent by whoever moves its notification from "pending" to "sending" with a
  conditional UPDATE (or takes over a "sending" claim whose lease has run out): outbox.py.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import socket
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from internkontroll import timeutil
from internkontroll.db import write_transaction
from internkontroll.reminders.model import DueReminder
from internkontroll.reminders.outbox import (
    BATCH_SIZE,
    MAX_ATTEMPTS,
    DeliveryReport,
    EmailDecision,
    deliver_pending,
    email_decisions,
    retry_delay,
    sending_lease,
)
from internkontroll.reminders.planner import reminders_due
from internkontroll.reminders.stages import reminder_message
from internkontroll.reminders.tables import Notification, SchedulerRun
from internkontroll.settings import get_settings

__all__ = [  # the e-mail half lives in outbox.py; callers find both here
    "BATCH_SIZE",
    "MAX_ATTEMPTS",
    "DayRun",
    "DeliveryReport",
    "catch_up",
    "deliver_pending",
    "email_decisions",
    "record_reminders",
    "retry_delay",
    "run_day",
    "sending_lease",
]

log = logging.getLogger("internkontroll.reminders")

JOB = "reminders"
# A day's run claimed this long ago and not completed is taken to have died with its process.
RUN_LEASE = dt.timedelta(minutes=15)
INSERT_CHUNK = 200
SUPERSEDED = "Ersatt av en senare påminnelse om samma sak, som skickas med e-post i stället."


def process_name() -> str:
    """Who holds a claim: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def _utc(value: dt.datetime | None) -> dt.datetime:
    return (value or timeutil.now()).astimezone(dt.UTC)


# ------------------------------------------------------------------ notifications


def _notification(reminder: DueReminder, decision: EmailDecision, now: dt.datetime) -> Notification:
    deadline = reminder.deadline
    message = reminder.message
    if deadline.detail:
        message = f"{deadline.detail}\n{message}"
    return Notification(
        key=reminder.key[:300],
        user=reminder.recipient.user_id,
        board=deadline.board_id,
        kind=str(deadline.kind.value),
        subject=deadline.subject[:120],
        stage=reminder.stage.code[:20],
        title=deadline.title[:300],
        message=message,
        reason=reminder.recipient.reason[:300],
        link=deadline.link[:300],
        due_on=deadline.due_on,
        planned_on=reminder.stage.planned_on,
        overdue=reminder.stage.overdue,
        created_at=now,
        email_status="pending" if decision.send else "skipped",
        email_next_at=now if decision.send else None,
        email_error="" if decision.send else decision.reason,
    )


async def record_reminders(
    reminders: Sequence[DueReminder],
    *,
    email: bool = True,
    skip_reason: str | None = None,
    now: dt.datetime | None = None,
    superseded: Collection[str] = (),
) -> list[int]:
    """Store one notification per reminder not stored before; return the new ids.

    The unique key makes this safe to repeat and to run in several processes at once: a
    reminder already stored is left alone. With email=False (or no SMTP, e-mail turned off,
    no address) the notification is in-app only and says why; so is a reminder whose key is
    in `superseded` (a later reminder of the same thing to the same person is e-mailed).
    """
    if not reminders:
        return []
    moment = _utc(now)
    decisions = await email_decisions(
        (r.recipient.user_id for r in reminders), email=email, skip_reason=skip_reason
    )
    # One order for every process, so concurrent inserts of the same keys cannot deadlock.
    unique = {r.key: r for r in reminders}
    rows = []
    for key in sorted(unique):
        decision = decisions[unique[key].recipient.user_id]
        if decision.send and key in superseded:
            decision = EmailDecision(False, SUPERSEDED)
        rows.append(_notification(unique[key], decision, moment))
    new_ids: list[int] = []
    async with write_transaction():
        for start in range(0, len(rows), INSERT_CHUNK):
            inserted = (
                await Notification.insert(*rows[start : start + INSERT_CHUNK])
                .on_conflict(target=Notification.key, action="DO NOTHING")
                .returning(Notification.id)
            )
            new_ids += [r["id"] for r in inserted]
    return new_ids


# ------------------------------------------------------------------ a day's run


@dataclass(frozen=True)
class DayRun:
    """What running one day's reminders did."""

    on: dt.date
    status: str  # "ran", "done_before", "busy" (another process has it) or "failed"
    created: int = 0
    error: str = ""
    ids: tuple[int, ...] = ()  # the notifications created


DAY_RUN_LABELS = {
    "ran": "körd",
    "done_before": "redan körd",
    "busy": "körs av en annan process",
    "failed": "misslyckades",
}


def run_key(on: dt.date) -> str:
    """The SchedulerRun key of a day's reminders."""
    return f"{JOB}:{on.isoformat()}"


async def _claim_day(on: dt.date, now: dt.datetime) -> tuple[int | None, str]:
    """Claim the day's run; (run id, "") when ours, else (None, why not)."""
    claimed = (
        await SchedulerRun.insert(
            SchedulerRun(
                key=run_key(on), job=JOB, run_on=on, claimed_at=now, claimed_by=process_name()
            )
        )
        .on_conflict(target=SchedulerRun.key, action="DO NOTHING")
        .returning(SchedulerRun.id)
    )
    if claimed:
        return claimed[0]["id"], ""
    existing = (
        await SchedulerRun.select(SchedulerRun.id, SchedulerRun.completed_at)
        .where(SchedulerRun.key == run_key(on))
        .first()
    )
    if existing is None or existing["completed_at"] is not None:
        return None, "done_before"
    # An unfinished claim may be taken over once it failed or its holder went quiet; the
    # condition is re-checked by the UPDATE, so only one process wins it.
    retaken = (
        await SchedulerRun.update(
            {
                SchedulerRun.claimed_at: now,
                SchedulerRun.claimed_by: process_name(),
                SchedulerRun.error: "",
            }
        )
        .where(
            (SchedulerRun.id == existing["id"])
            & SchedulerRun.completed_at.is_null()
            & ((SchedulerRun.claimed_at < now - RUN_LEASE) | (SchedulerRun.error != ""))
        )
        .returning(SchedulerRun.id)
    )
    if retaken:
        return retaken[0]["id"], ""
    return None, "busy"


def _worded_for(reminders: Sequence[DueReminder], on: dt.date) -> list[DueReminder]:
    """The reminders of an earlier day as said on `on` ("i dag", not "om 3 dagar")."""
    return [
        dataclasses.replace(r, message=reminder_message(r.deadline, r.stage, on)) for r in reminders
    ]


async def run_day(
    on: dt.date,
    *,
    email: bool = True,
    skip_reason: str | None = None,
    now: dt.datetime | None = None,
    reminders: Sequence[DueReminder] | None = None,
    superseded: Collection[str] = (),
) -> DayRun:
    """Record the day's reminders once, whoever runs it and however often.

    A day caught up later is worded for the day its reminders are created. `reminders`
    (already asked of the planner) and `superseded` come from catch_up.
    """
    run_id, why_not = await _claim_day(on, _utc(now))
    if run_id is None:
        return DayRun(on, why_not)
    try:
        due = await reminders_due(on) if reminders is None else list(reminders)
        today = _utc(now).astimezone(timeutil.STOCKHOLM).date()
        if on < today:
            due = _worded_for(due, today)
        created = await record_reminders(
            due, email=email, skip_reason=skip_reason, now=now, superseded=superseded
        )
    except Exception as exc:  # recorded on the run; the next catch-up takes it over
        log.exception("Påminnelserna för %s kunde inte skapas", on)
        error = f"{type(exc).__name__}: {exc}"[:2000]
        await SchedulerRun.update({SchedulerRun.error: error}).where(SchedulerRun.id == run_id)
        return DayRun(on, "failed", error=error)
    await SchedulerRun.update(
        {
            SchedulerRun.completed_at: timeutil.now(),
            SchedulerRun.created_count: len(created),
            SchedulerRun.error: "",
        }
    ).where(SchedulerRun.id == run_id)
    return DayRun(on, "ran", created=len(created), ids=tuple(created))


def last_day_due(now: dt.datetime | None = None) -> dt.date:
    """The latest day whose reminders are due: today from send_hour, else yesterday."""
    local = _utc(now).astimezone(timeutil.STOCKHOLM)
    if local.hour >= get_settings().reminders.send_hour:
        return local.date()
    return local.date() - dt.timedelta(days=1)


async def days_to_catch_up(now: dt.datetime | None = None) -> list[dt.date]:
    """Days without a completed run, from the day after the last completed one to today.

    At most catch_up_days back; a fresh install (no completed run) starts with today. Runs
    left unfinished in that window (failed, or their process died) are included again.
    """
    end = last_day_due(now)
    earliest = end - dt.timedelta(days=get_settings().reminders.catch_up_days)
    last = (
        await SchedulerRun.select(SchedulerRun.run_on)
        .where(
            (SchedulerRun.job == JOB)
            & SchedulerRun.completed_at.is_not_null()
            & (SchedulerRun.run_on <= end)
        )
        .order_by(SchedulerRun.run_on, ascending=False)
        .first()
    )
    window = await SchedulerRun.select(SchedulerRun.run_on, SchedulerRun.completed_at).where(
        (SchedulerRun.job == JOB) & (SchedulerRun.run_on >= earliest) & (SchedulerRun.run_on <= end)
    )
    completed = {r["run_on"] for r in window if r["completed_at"] is not None}
    days = {r["run_on"] for r in window if r["completed_at"] is None}
    if last is None:
        days.add(end)
    else:
        day = max(last["run_on"] + dt.timedelta(days=1), earliest)
        while day <= end:
            days.add(day)
            day += dt.timedelta(days=1)
    return sorted(days - completed)


def superseded_keys(planned: dict[dt.date, Sequence[DueReminder]]) -> set[str]:
    """Keys of reminders followed by a later one of the same thing to the same person."""
    latest: dict[tuple[str, int], str] = {}
    every: set[str] = set()
    for day in sorted(planned):
        for reminder in planned[day]:
            latest[(reminder.deadline.subject, reminder.recipient.user_id)] = reminder.key
            every.add(reminder.key)
    return every - set(latest.values())


async def catch_up(now: dt.datetime | None = None) -> list[DayRun]:
    """Run every day that is due and has not run yet: neither dropped nor doubled.

    Several days caught up at once may hold several stages of one deadline for one person
    (fore-14, fore-3, dag): all of them are shown in the app, only the latest is e-mailed.
    """
    days = await days_to_catch_up(now)
    if len(days) <= 1:
        return [await run_day(day, now=now) for day in days]
    planned: dict[dt.date, list[DueReminder]] = {}
    for day in days:
        try:
            planned[day] = await reminders_due(day)
        except Exception:  # run_day asks again and records the failure on the day's run
            log.exception("Påminnelserna för %s kunde inte räknas fram", day)
    superseded = superseded_keys(planned)
    return [
        await run_day(day, now=now, reminders=planned.get(day), superseded=superseded)
        for day in days
    ]

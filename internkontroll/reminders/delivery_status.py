"""What the administrators see of delivery: the scheduler's runs, e-mail states, failures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from piccolo.query.functions.aggregate import Count

from internkontroll import timeutil
from internkontroll.audit.services import record
from internkontroll.auth.permissions import Action, require
from internkontroll.auth.principal import Actor, Principal
from internkontroll.db import write_transaction
from internkontroll.errors import Conflict, NotFound
from internkontroll.reminders.delivery import JOB, RUN_LEASE
from internkontroll.reminders.outbox import sending_lease
from internkontroll.reminders.tables import EMAIL_STATUS_LABELS, Notification, SchedulerRun
from internkontroll.reminders.workdays import non_working_reason

RECENT_RUNS = 30
MAX_PROBLEMS = 200
NO_NOTIFICATION = "Påminnelsen finns inte."
NOT_RESENDABLE = "E-postmeddelandet har inte misslyckats; det behöver inte skickas igen."
BUSY_OR_SENT = (
    "E-postmeddelandet skickas just nu eller har redan skickats; det skickas inte igen. "
    "Ladda om sidan för att se dess läge."
)
RESENDABLE = ("failed", "pending")

RUN_STATUS_LABELS = {
    "done": "Klar",
    "running": "Pågår",
    "failed": "Misslyckades",
    "abandoned": "Avbruten, tas över vid nästa körning",
}


@dataclass(frozen=True)
class RunRow:
    """One of the scheduler's day runs as the page shows it."""

    run_on: dt.date
    status: str
    non_working: str  # "lördag", a holiday's name, or ""
    created: int
    claimed_by: str
    claimed_at: dt.datetime
    completed_at: dt.datetime | None
    error: str

    @property
    def status_label(self) -> str:
        """The status in Swedish."""
        return RUN_STATUS_LABELS[self.status]


@dataclass(frozen=True)
class ProblemMail:
    """An e-mail that failed or waits for another try."""

    id: int
    username: str
    email: str
    title: str
    status: str
    attempts: int
    next_at: dt.datetime | None
    error: str
    planned_on: dt.date

    @property
    def status_label(self) -> str:
        """'Misslyckades', 'Försöks igen' or 'Fastnat i utskick'."""
        if self.status == "pending":
            return "Försöks igen"
        if self.status == "sending":
            return "Fastnat i utskick, tas över automatiskt"
        return EMAIL_STATUS_LABELS.get(self.status, self.status)

    @property
    def resendable(self) -> bool:
        """Failed or retrying e-mail can be sent again at once."""
        return self.status in {"failed", "pending"}


@dataclass(frozen=True)
class DeliveryStatus:
    """Everything the delivery page shows."""

    runs: list[RunRow]
    counts: dict[str, int]  # e-mail status → notifications, every status present
    problems: list[ProblemMail]

    @property
    def total(self) -> int:
        """Every notification ever created."""
        return sum(self.counts.values())


def _run_status(row: dict[str, Any], now: dt.datetime) -> str:
    if row["completed_at"] is not None:
        return "done"
    if row["error"]:
        return "failed"
    if row["claimed_at"] < now - RUN_LEASE:
        return "abandoned"
    return "running"


async def recent_runs(now: dt.datetime | None = None) -> list[RunRow]:
    """The latest day runs of the reminder job, newest day first."""
    moment = now or timeutil.now()
    rows = (
        await SchedulerRun.select()
        .where(SchedulerRun.job == JOB)
        .order_by(SchedulerRun.run_on, ascending=False)
        .limit(RECENT_RUNS)
    )
    return [
        RunRow(
            run_on=r["run_on"],
            status=_run_status(r, moment),
            non_working=non_working_reason(r["run_on"]) or "",
            created=r["created_count"],
            claimed_by=r["claimed_by"],
            claimed_at=r["claimed_at"],
            completed_at=r["completed_at"],
            error=r["error"],
        )
        for r in rows
    ]


async def email_counts() -> dict[str, int]:
    """Notifications per e-mail status (zero for a status with none)."""
    rows = await Notification.select(Notification.email_status, Count(alias="n")).group_by(
        Notification.email_status
    )
    counts = dict.fromkeys(EMAIL_STATUS_LABELS, 0)
    for row in rows:
        counts[row["email_status"]] = row["n"]
    return counts


async def problem_mails(now: dt.datetime | None = None) -> list[ProblemMail]:
    """Failed e-mail, e-mail waiting for another try, and sends whose process went quiet."""
    moment = now or timeutil.now()
    rows = (
        await Notification.select(
            Notification.id,
            Notification.user.username,
            Notification.user.email,
            Notification.title,
            Notification.email_status,
            Notification.email_attempts,
            Notification.email_next_at,
            Notification.email_error,
            Notification.planned_on,
        )
        .where(
            (Notification.email_status == "failed")
            | ((Notification.email_status == "pending") & (Notification.email_attempts > 0))
            | (
                (Notification.email_status == "sending")
                & (Notification.email_claimed_at < moment - sending_lease())
            )
        )
        .order_by(Notification.id, ascending=False)
        .limit(MAX_PROBLEMS)
    )
    order = {"failed": 0, "sending": 1, "pending": 2}
    problems = [
        ProblemMail(
            id=r["id"],
            username=r["user.username"],
            email=r["user.email"] or "",
            title=r["title"],
            status=r["email_status"],
            attempts=r["email_attempts"],
            next_at=r["email_next_at"],
            error=r["email_error"],
            planned_on=r["planned_on"],
        )
        for r in rows
    ]
    return sorted(problems, key=lambda p: (order[p.status], -p.id))


async def delivery_status(now: dt.datetime | None = None) -> DeliveryStatus:
    """The runs, the counts and the problem e-mail, for the administrators' page."""
    return DeliveryStatus(
        runs=await recent_runs(now),
        counts=await email_counts(),
        problems=await problem_mails(now),
    )


async def resend_email(principal: Principal, notification_id: int) -> None:
    """Put a failed (or retrying) e-mail back in line to be sent at the next round; audited."""
    require(principal, Action.ADMINISTER)
    async with write_transaction():
        row = (
            await Notification.select(
                Notification.id,
                Notification.title,
                Notification.user.username,
                Notification.email_status,
                Notification.email_attempts,
                Notification.email_error,
            )
            .where(Notification.id == notification_id)
            .first()
        )
        if row is None:
            raise NotFound(NO_NOTIFICATION)
        if row["email_status"] in {"sending", "sent"}:
            raise Conflict(BUSY_OR_SENT)
        if row["email_status"] not in RESENDABLE or (
            row["email_status"] == "pending" and row["email_attempts"] == 0
        ):
            raise Conflict(NOT_RESENDABLE)
        now = timeutil.now()
        after = {
            "email_status": "pending",
            "email_attempts": 0,
            "email_next_at": now,
            "email_error": "",
        }
        # A delivery round may claim (or send) the mail between the read above and here: the
        # UPDATE checks the state again and touches only a mail still failed or waiting.
        reset = (
            await Notification.update(
                {
                    Notification.email_status: "pending",
                    Notification.email_attempts: 0,
                    Notification.email_next_at: now,
                    Notification.email_claimed_at: None,
                    Notification.email_error: "",
                }
            )
            .where(
                (Notification.id == notification_id)
                & Notification.email_status.is_in(list(RESENDABLE))
            )
            .returning(Notification.id)
        )
        if not reset:
            raise Conflict(BUSY_OR_SENT)
        before = {
            "email_status": row["email_status"],
            "email_attempts": row["email_attempts"],
            "email_error": row["email_error"],
        }
        await record(
            Actor.of(principal),
            "resend",
            "notification",
            notification_id,
            before=before,
            after=after,
            summary=f"E-post skickas igen: {row['title']} till {row['user.username']}",
        )

"""Helpers for the delivery tests: hand-built reminders, a scripted planner, users with e-mail."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

import pytest
from piccolo.apps.user.tables import BaseUser

from internkontroll import timeutil
from internkontroll.reminders import delivery, delivery_pages, outbox
from internkontroll.reminders.model import (
    Deadline,
    DeadlineKind,
    DueReminder,
    Recipient,
    Stage,
)
from internkontroll.reminders.tables import Notification, NotificationPreference, SchedulerRun
from internkontroll.settings import Settings, SmtpConfig
from tests.conftest import make_board, make_user

STOCKHOLM = timeutil.STOCKHOLM


def at(day: dt.date, hour: int = 8, minute: int = 0) -> dt.datetime:
    """A moment on a Swedish day, as an aware datetime."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=STOCKHOLM)


def reminder(
    user_id: int,
    planned_on: dt.date,
    *,
    subject: str = "plan:1:2027",
    due_on: dt.date | None = None,
    stage: str = "dag",
    title: str = "Internkontrollplan 2027 för BUN ska antas",
    board_id: int | None = None,
    detail: str = "",
) -> DueReminder:
    """A reminder as the planner would make it."""
    due = due_on or planned_on
    deadline = Deadline(
        kind=DeadlineKind.PLAN_ADOPTION,
        subject=subject,
        title=title,
        due_on=due,
        board_id=board_id,
        board_name="BUN",
        link="/namnder/1/plan?ar=2027",
        done=False,
        recipients=(Recipient(user_id, "Du är nämndsekreterare för BUN."),),
        detail=detail,
    )
    return DueReminder(
        deadline=deadline,
        stage=Stage(code=stage, planned_on=planned_on, overdue=stage.startswith("sen")),
        recipient=deadline.recipients[0],
        message=f"Ska vara klart senast {due.isoformat()}.",
    )


def script_planner(
    monkeypatch: pytest.MonkeyPatch, plan: Callable[[dt.date], list[DueReminder]]
) -> list[dt.date]:
    """Replace the planner with `plan`; return the list of days it was asked about."""
    asked: list[dt.date] = []

    async def fake(on: dt.date) -> list[DueReminder]:
        asked.append(on)
        return plan(on)

    monkeypatch.setattr(delivery, "reminders_due", fake)
    return asked


def use_settings(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> Settings:
    """Make the delivery modules read these settings."""
    for module in (delivery, outbox, delivery_pages):
        monkeypatch.setattr(module, "get_settings", lambda: settings)
    return settings


def with_mail(settings: Settings, smtp: SmtpConfig | None, **reminders: int | bool) -> Settings:
    """Settings with this mail server (None: e-mail off) and changed reminder settings."""
    return dataclasses.replace(
        settings,
        smtp=smtp,
        public_url="https://ik.kommun.example",
        reminders=dataclasses.replace(settings.reminders, **reminders),
    )


async def user_with_email(username: str, email: str | None = None, **options) -> int:
    """An active user with an e-mail address (None: use username@kommun.example)."""
    user_id = await make_user(username, **options)
    address = f"{username}@kommun.example" if email is None else email
    await BaseUser.update({BaseUser.email: address}).where(BaseUser.id == user_id)
    return user_id


async def turn_email_off(user_id: int) -> None:
    """The user's own choice: no reminders by e-mail."""
    await NotificationPreference.insert(NotificationPreference(user=user_id, email_enabled=False))


async def notifications(**where) -> list[dict]:
    """Every notification (filtered by column == value), oldest first."""
    query = Notification.select().order_by(Notification.id)
    for column, value in where.items():
        query = query.where(getattr(Notification, column) == value)
    return await query


async def board_world(boards: int = 3) -> list[int]:
    """Boards N0… each with a secretary and a preparer who have e-mail; their user ids."""
    users = []
    for n in range(boards):
        short = f"N{n}"
        await make_board(short)
        for role in ("secretary", "preparer"):
            users.append(
                await user_with_email(f"{short.lower()}-{role}", board_roles=((short, role),))
            )
    return users


async def completed_run(day: dt.date) -> None:
    """A day the scheduler finished before it went down."""
    await SchedulerRun.insert(
        SchedulerRun(
            key=delivery.run_key(day),
            job="reminders",
            run_on=day,
            claimed_at=at(day, 7),
            completed_at=at(day, 7, 1),
        )
    )

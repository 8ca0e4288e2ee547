"""The reminders that fall due on a day: pure reading, nothing is written or sent here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from piccolo.apps.user.tables import BaseUser

from internkontroll.reminders.deadlines import collect_deadlines
from internkontroll.reminders.model import DueReminder
from internkontroll.reminders.stages import (
    MAX_MOVE_DAYS,
    reminder_message,
    stage_label,
    stage_on,
)
from internkontroll.reminders.workdays import is_working_day
from internkontroll.settings import get_settings


async def reminders_due(on: dt.date) -> list[DueReminder]:
    """Every reminder planned on the day, one per recipient, for deadlines not yet done.

    None on a weekend or holiday: every stage is moved to a working day.
    """
    if not is_working_day(on):
        return []
    config = get_settings().reminders
    # A stage ahead of time can be moved back over a run of holidays: look that much further.
    horizon = on + dt.timedelta(days=max(config.days_before, default=0) + MAX_MOVE_DAYS)
    # Overdue reminders run up to a year past the due date, and a deadline belongs to its
    # plan's year: a helår follow-up of Y is due in Y+1 and reminded into Y+2.
    deadlines = await collect_deadlines(
        range(on.year - 2, on.year + 2), due_by=horizon, include_done=False
    )
    reminders = []
    for deadline in deadlines:
        stage = stage_on(deadline, config, on)
        if stage is None:
            continue
        message = reminder_message(deadline, stage, on)
        seen: set[int] = set()
        for recipient in deadline.recipients:
            if recipient.user_id in seen:
                continue
            seen.add(recipient.user_id)
            reminders.append(DueReminder(deadline, stage, recipient, message))
    return reminders


def _reason_text(reason: str) -> str:
    """'Du är handläggare för BUN.' as 'du är handläggare för BUN'."""
    text = reason.strip().rstrip(".")
    return text[:1].lower() + text[1:]


def describe(reminder: DueReminder, username: str | None = None) -> str:
    """One line for the dry run: day, user, what, and why (stage; the recipient's reason)."""
    who = username or f"användare {reminder.recipient.user_id}"
    why = f"{stage_label(reminder.stage.code)}; {_reason_text(reminder.recipient.reason)}"
    return f"{reminder.stage.planned_on.isoformat()}  {who}  {reminder.deadline.title}  ({why})"


async def usernames(user_ids: Sequence[int]) -> dict[int, str]:
    """The user names of the ids (one query)."""
    wanted = sorted(set(user_ids))
    if not wanted:
        return {}
    rows = await BaseUser.select(BaseUser.id, BaseUser.username).where(BaseUser.id.is_in(wanted))
    return {row["id"]: row["username"] for row in rows}


async def describe_all(reminders: Sequence[DueReminder]) -> list[str]:
    """describe() for each reminder, with the user names looked up in one query."""
    names = await usernames([r.recipient.user_id for r in reminders])
    return [describe(r, names.get(r.recipient.user_id)) for r in reminders]

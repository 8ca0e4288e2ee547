"""Building notifications for the notification tests: rows as the delivery job writes them."""

from __future__ import annotations

import datetime as dt
import itertools

from internkontroll.reminders.tables import Notification

_serial = itertools.count(1)


async def add_notification(
    user_id: int,
    title: str = "Internkontrollplan 2027 för BUN ska antas",
    *,
    board_id: int | None = None,
    kind: str = "plan_adoption",
    due_on: dt.date = dt.date(2027, 1, 31),
    planned_on: dt.date = dt.date(2027, 1, 18),
    stage: str = "fore-14",
    overdue: bool = False,
    read: bool = False,
    message: str = "Ska vara klart senast söndag 31 januari 2027, om 14 dagar.",
    reason: str = "Du är nämndsekreterare för BUN.",
    link: str = "/namnder/1/plan?ar=2027",
) -> int:
    """Insert one notification to the user and return its id."""
    serial = next(_serial)
    rows = await Notification.insert(
        Notification(
            key=f"test:{serial}|{due_on.isoformat()}|{stage}|{user_id}",
            user=user_id,
            board=board_id,
            kind=kind,
            subject=f"test:{serial}",
            stage=stage,
            title=title,
            message=message,
            reason=reason,
            link=link,
            due_on=due_on,
            planned_on=planned_on,
            overdue=overdue,
            read_at=dt.datetime(2027, 1, 19, 8, 0, tzinfo=dt.UTC) if read else None,
            email_status="skipped",
        )
    ).returning(Notification.id)
    return rows[0]["id"]

"""Demo reminders: the last four weeks of reminder days, run as the scheduler would have run them.

The demo kommun's users then open a notification list with history and an unread count. No
e-mail is sent for demo data (the addresses are example.com-style), and the scheduler's run
records mean a scheduler started afterwards neither repeats nor drops these days.
"""

from __future__ import annotations

import datetime as dt

from piccolo.query.functions.aggregate import Count

from internkontroll.reminders.delivery import run_day
from internkontroll.reminders.tables import Notification

DEMO_DAYS = 28


async def load_reminders(today: dt.date) -> int:
    """Run every reminder day of the last four weeks without e-mail; return how many were made."""
    made = 0
    for offset in range(DEMO_DAYS, -1, -1):
        result = await run_day(
            today - dt.timedelta(days=offset), email=False, skip_reason="Demodata: ingen e-post"
        )
        made += result.created
    return made


async def report_line() -> str:
    """One line for the demo's report: how many reminders, to how many users."""
    rows = await Notification.select(Count(distinct=[Notification.user])).first()
    users = rows["count"] if rows else 0
    total = await Notification.count()
    unread = await Notification.count().where(Notification.read_at.is_null())
    return (
        f"Påminnelser: {total} från de senaste fyra veckorna till {users} användare "
        f"({unread} olästa), utan e-post."
    )

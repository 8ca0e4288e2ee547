"""Deadlines of control testing: each scheduled test occasion and each open corrective action.

Both are read in a fixed number of queries whatever the number of occasions or actions; the
caller (deadlines.collect_deadlines) hands in who holds a role on which active board.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from typing import Any

from piccolo.querystring import QueryString

from internkontroll.controls.schedule import period_label
from internkontroll.controls.testing_tables import CorrectiveAction
from internkontroll.db import current_engine
from internkontroll.reminders.model import Deadline, DeadlineKind, Recipient

TITLE_PART_LIMIT = 200  # the stored title is at most 300 characters


def shorten(text: str, limit: int = TITLE_PART_LIMIT) -> str:
    """The text on one line, cut with an ellipsis past the limit."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


async def occasion_deadlines(
    years: list[int],
    boards: Mapping[int, str],
    members: Mapping[int, Collection[int]],
    *,
    follow_up_due_days: int,
    user_id: int | None,
    due_by: dt.date | None,
    include_done: bool,
) -> list[Deadline]:
    """One deadline per scheduled occasion of an active board, for its control's owner (1 query).

    The owner is the one named in the board's current adopted plan version, and is reminded
    only while active and holding a role on the board (`members`: board → active user ids).
    """
    sql = (
        "SELECT o.id, o.board, o.year, o.period_key, o.due_on, pc.owner, pc.title, "
        "EXISTS (SELECT 1 FROM test_result r WHERE r.occasion = o.id) AS tested "
        "FROM test_occasion o "
        "JOIN board b ON b.id = o.board "
        "JOIN plan_control pc ON pc.control = o.control "
        "JOIN control_plan p ON p.id = pc.plan "
        "WHERE p.status = 'adopted' AND b.active AND o.scheduled "
        "AND o.year >= {} AND o.year <= {}"
    )
    args: list[Any] = [years[0], years[-1]]
    if due_by is not None:
        sql += " AND o.due_on <= {}"
        args.append(due_by)
    if user_id is not None:
        sql += " AND pc.owner = {}"
        args.append(user_id)
    if not include_done:
        sql += " AND NOT EXISTS (SELECT 1 FROM test_result r WHERE r.occasion = o.id)"
    rows = await current_engine().run_querystring(QueryString(sql, *args))
    wanted = set(years)
    return [
        _occasion_deadline(row, boards, members, bool(row["tested"]), follow_up_due_days)
        for row in rows
        if row["year"] in wanted
    ]


def _occasion_deadline(
    occasion: dict[str, Any],
    boards: Mapping[int, str],
    members: Mapping[int, Collection[int]],
    done: bool,
    follow_up_due_days: int,
) -> Deadline:
    board_id = occasion["board"]
    short_name = boards[board_id]
    owner = occasion["owner"]
    recipients = ()
    if owner is not None and owner in members.get(board_id, ()):
        recipients = (
            Recipient(owner, f"Du är kontrollansvarig för kontrollmomentet i {short_name}."),
        )
    year = occasion["year"]
    title = occasion["title"]
    return Deadline(
        kind=DeadlineKind.TEST_OCCASION,
        subject=f"occasion:{occasion['id']}",
        title=f"Testa ”{shorten(title)}” – {period_label(occasion['period_key'])} {year}",
        due_on=occasion["due_on"],
        board_id=board_id,
        board_name=short_name,
        link=f"/kontrolltillfallen/{occasion['id']}/resultat",
        done=done,
        recipients=recipients,
        # Untested occasions stay on the owner's list until the year's follow-up is due.
        remind_until=dt.date(year, 12, 31) + dt.timedelta(days=follow_up_due_days),
        detail=title,
    )


async def action_deadlines(
    years: list[int],
    boards: Mapping[int, str],
    members: Mapping[int, Collection[int]],
    *,
    user_id: int | None,
    due_by: dt.date | None,
    include_done: bool,
) -> list[Deadline]:
    """One deadline per corrective action due in the years, for its responsible (1 query).

    Actions of withdrawn deviations and of deactivated boards are left out; a postponed
    action is due on its current date, so its reminders start over from the new date.
    """
    first, last = dt.date(years[0], 1, 1), dt.date(years[-1], 12, 31)
    if due_by is not None:
        last = min(last, due_by)
    if last < first:
        return []
    where = (
        (CorrectiveAction.due_on >= first)
        & (CorrectiveAction.due_on <= last)
        & CorrectiveAction.deviation.withdrawn_at.is_null()
        & CorrectiveAction.board.active.eq(True)
    )
    if user_id is not None:
        where &= CorrectiveAction.responsible == user_id
    if not include_done:
        where &= CorrectiveAction.closed_on.is_null()
    rows = await CorrectiveAction.select(
        CorrectiveAction.id,
        CorrectiveAction.deviation,
        CorrectiveAction.board,
        CorrectiveAction.description,
        CorrectiveAction.responsible,
        CorrectiveAction.due_on,
        CorrectiveAction.closed_on,
    ).where(where)
    wanted = set(years)
    deadlines = []
    for row in rows:
        if row["due_on"].year not in wanted:
            continue
        board_id = row["board"]
        short_name = boards[board_id]
        responsible = row["responsible"]
        recipients = ()
        if responsible is not None and responsible in members.get(board_id, ()):
            recipients = (Recipient(responsible, f"Du är ansvarig för åtgärden i {short_name}."),)
        deadlines.append(
            Deadline(
                kind=DeadlineKind.ACTION,
                subject=f"action:{row['id']}",
                title=f"Åtgärd: {shorten(row['description'])}",
                due_on=row["due_on"],
                board_id=board_id,
                board_name=short_name,
                link=f"/avvikelser/{row['deviation']}",
                done=row["closed_on"] is not None,
                recipients=recipients,
                detail=row["description"],
            )
        )
    return deadlines

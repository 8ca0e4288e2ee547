"""`internkontroll reminders [--at DATE] [--dry-run]` and `internkontroll scheduler`."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import sys
from collections.abc import Sequence

from internkontroll.timeutil import today

FUTURE_DAY = "--at: en kommande dag kan bara provköras; lägg till --dry-run"


def no_send_line(day: dt.date, reason: str) -> str:
    """'Inga påminnelser skickas på lördag 30 januari 2027.' (a holiday is named)."""
    from internkontroll.reminders.stages import swedish_date

    named = "" if reason in {"lördag", "söndag"} else f" ({reason})"
    return f"Inga påminnelser skickas på {swedish_date(day)}{named}: det är ingen arbetsdag."


def _email_text(decision) -> str:
    return "e-post" if decision.send else f"ingen e-post: {decision.reason.rstrip('.')}"


async def dry_run_lines(day: dt.date) -> list[str]:
    """What would fall due on the day, to whom, why and whether by e-mail; writes nothing."""
    from internkontroll.reminders.delivery import email_decisions
    from internkontroll.reminders.planner import describe_all, reminders_due
    from internkontroll.reminders.stages import swedish_date
    from internkontroll.reminders.tables import Notification
    from internkontroll.reminders.workdays import non_working_reason

    reason = non_working_reason(day)
    if reason:
        return [no_send_line(day, reason)]
    reminders = await reminders_due(day)
    header = (
        f"Påminnelser {swedish_date(day)} (provkörning: ingenting skrivs och ingenting skickas)"
    )
    if not reminders:
        return [header, f"Inga påminnelser faller ut {swedish_date(day)}."]
    keys = [r.key for r in reminders]
    stored = {
        row["key"]
        for row in await Notification.select(Notification.key).where(Notification.key.is_in(keys))
    }
    decisions = await email_decisions(r.recipient.user_id for r in reminders)
    lines = [header + ":"]
    for reminder, text in zip(reminders, await describe_all(reminders), strict=True):
        line = f"{text}  [{_email_text(decisions[reminder.recipient.user_id])}]"
        if reminder.key in stored:
            line += "  – redan skapad, skickas inte igen"
        lines.append(line)
    fresh = [r for r in reminders if r.key not in stored]
    by_mail = sum(1 for r in fresh if decisions[r.recipient.user_id].send)
    people = len({r.recipient.user_id for r in reminders})
    total = (
        f"Totalt {len(reminders)} påminnelser till {people} "
        f"{'person' if people == 1 else 'personer'}; {len(fresh)} nya, {by_mail} med e-post."
    )
    if stored:
        total += f" {len(reminders) - len(fresh)} är redan skapade och skickas inte igen."
    return [*lines, total]


async def _created_lines(ids: Sequence[int]) -> list[str]:
    from internkontroll.reminders.stages import stage_label
    from internkontroll.reminders.tables import EMAIL_STATUS_LABELS, Notification

    if not ids:
        return []
    rows = (
        await Notification.select(
            Notification.user.username,
            Notification.title,
            Notification.stage,
            Notification.email_status,
            Notification.email_error,
        )
        .where(Notification.id.is_in(list(ids)))
        .order_by(Notification.id)
    )
    lines = []
    for row in rows:
        mail = f"e-post: {EMAIL_STATUS_LABELS.get(row['email_status'], row['email_status'])}"
        if row["email_status"] == "skipped":
            mail = f"ingen e-post: {row['email_error'].rstrip('.')}"
        stage = stage_label(row["stage"])
        lines.append(f"  {row['user.username']}  {row['title']}  ({stage}; {mail})")
    return lines


async def run_lines(day: dt.date) -> tuple[int, list[str]]:
    """Record the day's reminders (once) and deliver due e-mail; the exit code and report."""
    from internkontroll.reminders.delivery import deliver_pending, run_day
    from internkontroll.reminders.stages import swedish_date
    from internkontroll.reminders.workdays import non_working_reason

    lines: list[str] = []
    reason = non_working_reason(day)
    if reason:
        lines.append(no_send_line(day, reason))
    run = await run_day(day)
    when = swedish_date(day)
    if run.status == "failed":
        return 1, [*lines, f"Påminnelserna för {when} kunde inte skapas: {run.error}"]
    if run.status == "done_before":
        lines.append(f"Påminnelserna för {when} är redan skapade; ingenting skapas två gånger.")
    elif run.status == "busy":
        lines.append(f"Påminnelserna för {when} skapas just nu av en annan process.")
    elif not reason:
        lines.append(f"{run.created} nya påminnelser för {when}.")
        lines += await _created_lines(run.ids)
    report = await deliver_pending()
    if report.not_working_day:
        lines.append(
            f"E-post skickas inte i dag ({report.not_working_day}); den skickas nästa arbetsdag."
        )
    elif report.no_smtp:
        lines.append(
            "E-post: ingen e-postserver är inställd (SMTP_HOST); påminnelserna finns i appen."
        )
    else:
        lines.append(
            f"E-post: {report.sent} skickade, {report.retrying} försöks igen senare, "
            f"{report.failed} misslyckades."
        )
        lines += [f"  Fel: {error}" for error in report.errors]
    return 0, lines


def cmd_reminders(args: argparse.Namespace) -> int:
    """Preview (--dry-run) or run one day's reminders and deliver the e-mail that is due."""
    day = args.at or today()
    if day > today() and not args.dry_run:
        # Running it would claim the day now, on today's data: the day would never run again.
        print(f"internkontroll: {FUTURE_DAY}", file=sys.stderr)
        return 2
    if args.dry_run:
        code, lines = 0, asyncio.run(dry_run_lines(day))
    else:
        code, lines = asyncio.run(run_lines(day))
    print("\n".join(lines))
    return code


def cmd_scheduler(_args: argparse.Namespace) -> int:
    """Run the reminder jobs in this process until SIGTERM or Ctrl+C."""
    from internkontroll.reminders.scheduler import run_scheduler_process

    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s"
    )
    print("Schemaläggaren för påminnelser körs; avsluta med Ctrl+C.", flush=True)
    asyncio.run(run_scheduler_process())
    print("Schemaläggaren stoppad.", flush=True)
    return 0

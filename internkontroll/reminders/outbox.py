"""E-mail of the notifications: who gets it, and sending each due mail once, with retries.

A mail is sent by whoever moves its notification from "pending" to "sending" with a
conditional UPDATE (or takes over a "sending" claim whose lease has run out), so several
processes never send one mail twice. Nothing is sent on a Swedish weekend or holiday.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from piccolo.apps.user.tables import BaseUser

from internkontroll import timeutil
from internkontroll.reminders import mailer
from internkontroll.reminders.tables import Notification, NotificationPreference
from internkontroll.reminders.workdays import non_working_reason
from internkontroll.settings import get_settings

# A mail claimed this long ago and still "sending" is taken over (well above SMTP_TIMEOUT).
SENDING_LEASE = dt.timedelta(minutes=10)
# Waits after the 1st, 2nd, … failed attempt; the last one repeats until MAX_ATTEMPTS.
RETRY_DELAYS = (
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=15),
    dt.timedelta(hours=1),
    dt.timedelta(hours=3),
    dt.timedelta(hours=6),
    dt.timedelta(hours=12),
    dt.timedelta(hours=24),
)
MAX_ATTEMPTS = 8  # about two and a half days of retrying, then "failed"
BATCH_SIZE = 50
MAX_BATCHES = 40  # per call, so one call always ends

NO_SMTP = "Ingen e-postserver är inställd (SMTP_HOST), så ingen e-post skickas."
EMAIL_TURNED_OFF = "Mottagaren har stängt av påminnelser med e-post."
NO_ADDRESS = "Mottagaren har ingen e-postadress."
NOT_ACTIVE = "Mottagaren är inte längre aktiv."
EMAIL_NOT_WANTED = "E-post skickades inte för den här körningen."


def _utc(value: dt.datetime | None) -> dt.datetime:
    return (value or timeutil.now()).astimezone(dt.UTC)


@dataclass(frozen=True)
class EmailDecision:
    """Whether a user gets reminders by e-mail, and if not, why (Swedish)."""

    send: bool
    reason: str = ""


async def email_decisions(
    user_ids: Iterable[int], *, email: bool = True, skip_reason: str | None = None
) -> dict[int, EmailDecision]:
    """For each user: e-mail or not, and why not (no SMTP, turned off, no address)."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    if not email:
        return {uid: EmailDecision(False, skip_reason or EMAIL_NOT_WANTED) for uid in ids}
    if get_settings().smtp is None:
        return {uid: EmailDecision(False, NO_SMTP) for uid in ids}
    users = await BaseUser.select(BaseUser.id, BaseUser.email, BaseUser.active).where(
        BaseUser.id.is_in(ids)
    )
    prefs = await NotificationPreference.select(
        NotificationPreference.user, NotificationPreference.email_enabled
    ).where(NotificationPreference.user.is_in(ids))
    turned_off = {p["user"] for p in prefs if not p["email_enabled"]}
    by_id = {u["id"]: u for u in users}
    decisions = {}
    for uid in ids:
        user = by_id.get(uid)
        if user is None or not user["active"]:
            decisions[uid] = EmailDecision(False, NOT_ACTIVE)
        elif uid in turned_off:
            decisions[uid] = EmailDecision(False, EMAIL_TURNED_OFF)
        elif not (user["email"] or "").strip():
            decisions[uid] = EmailDecision(False, NO_ADDRESS)
        else:
            decisions[uid] = EmailDecision(True)
    return decisions


@dataclass
class DeliveryReport:
    """What one round of e-mail delivery did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    skipped: int = 0
    not_working_day: str = ""  # e.g. "lördag": nothing is sent on such a day
    no_smtp: bool = False
    errors: list[str] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        """Mails tried in this round."""
        return self.sent + self.retrying + self.failed


def retry_delay(attempts: int) -> dt.timedelta:
    """How long to wait after the given number of failed attempts."""
    return RETRY_DELAYS[min(max(attempts, 1), len(RETRY_DELAYS)) - 1]


def _claimable(now: dt.datetime):
    waiting = (Notification.email_status == "pending") & (
        Notification.email_next_at.is_null() | (Notification.email_next_at <= now)
    )
    abandoned = (Notification.email_status == "sending") & (
        Notification.email_claimed_at < now - SENDING_LEASE
    )
    return waiting | abandoned


async def _claim_batch(now: dt.datetime) -> tuple[list[dict], bool]:
    """Claim up to BATCH_SIZE due mails; (claimed rows, whether any were due at all)."""
    candidates = (
        await Notification.select(Notification.id)
        .where(_claimable(now))
        .order_by(Notification.id)
        .limit(BATCH_SIZE)
    )
    if not candidates:
        return [], False
    ids = [c["id"] for c in candidates]
    # The condition is evaluated again per row under its lock: a row another process
    # claimed in the meantime no longer matches and is not returned here.
    claimed = (
        await Notification.update(
            {
                Notification.email_status: "sending",
                Notification.email_claimed_at: now,
                Notification.email_attempts: Notification.email_attempts + 1,
            }
        )
        .where(Notification.id.is_in(ids) & _claimable(now))
        .returning(
            Notification.id,
            Notification.user,
            Notification.title,
            Notification.message,
            Notification.reason,
            Notification.link,
            Notification.overdue,
            Notification.email_attempts,
        )
    )
    return sorted(claimed, key=lambda r: r["id"]), True


async def _recipients(user_ids: list[int]) -> dict[int, dict]:
    users = await BaseUser.select(
        BaseUser.id, BaseUser.username, BaseUser.first_name, BaseUser.last_name, BaseUser.email
    ).where(BaseUser.id.is_in(user_ids))
    return {u["id"]: u for u in users}


def _display_name(user: dict) -> str:
    name = f"{user['first_name'] or ''} {user['last_name'] or ''}".strip()
    return name or user["username"]


async def _settle(
    updates: dict[tuple[str, dt.datetime | None, dt.datetime | None, str], list[int]],
) -> None:
    """Write each group of outcomes with one UPDATE."""
    for (status, next_at, sent_at, error), ids in updates.items():
        await Notification.update(
            {
                Notification.email_status: status,
                Notification.email_next_at: next_at,
                Notification.email_sent_at: sent_at,
                Notification.email_claimed_at: None,
                Notification.email_error: error[:2000],
            }
        ).where(Notification.id.is_in(ids) & (Notification.email_status == "sending"))


async def _deliver_batch(rows: list[dict], now: dt.datetime, report: DeliveryReport) -> bool:
    """Send one claimed batch; False when the server could not be reached."""
    settings = get_settings()
    assert settings.smtp is not None
    decisions = await email_decisions({r["user"] for r in rows})
    users = await _recipients(sorted({r["user"] for r in rows}))
    updates: dict[tuple, list[int]] = {}
    to_send: list[tuple[dict, object]] = []
    for row in rows:
        decision = decisions[row["user"]]
        if not decision.send:  # turned off (or lost the address) since it was created
            updates.setdefault(("skipped", None, None, decision.reason), []).append(row["id"])
            report.skipped += 1
            continue
        user = users[row["user"]]
        content = mailer.MailContent(
            to=user["email"].strip(),
            name=_display_name(user),
            title=row["title"],
            message=row["message"],
            reason=row["reason"],
            link=row["link"],
            overdue=row["overdue"],
        )
        message = mailer.build_message(
            content, sender=settings.smtp.sender, public_url=settings.public_url, now=now
        )
        to_send.append((row, message))
    outcomes = await asyncio.to_thread(
        mailer.send_batch, settings.smtp, [message for _, message in to_send]
    )
    reachable = True
    for (row, _), outcome in zip(to_send, outcomes, strict=True):
        if outcome.ok:
            key = ("sent", None, timeutil.now(), "")
            report.sent += 1
        elif outcome.permanent or row["email_attempts"] >= MAX_ATTEMPTS:
            key = ("failed", None, None, outcome.error)
            report.failed += 1
        else:
            key = ("pending", now + retry_delay(row["email_attempts"]), None, outcome.error)
            report.retrying += 1
        updates.setdefault(key, []).append(row["id"])
        if not outcome.ok:
            if outcome.error not in report.errors:
                report.errors.append(outcome.error)
            reachable = reachable and not outcome.unreachable
    await _settle(updates)
    return reachable


async def deliver_pending(now: dt.datetime | None = None) -> DeliveryReport:
    """Send every due e-mail once, on Swedish working days; failures wait and retry.

    Never raises for a mail server that is down or slow: the mails stay pending with the
    error and a later round sends them. The SMTP conversation runs in a thread.
    """
    moment = _utc(now)
    report = DeliveryReport()
    reason = non_working_reason(moment.astimezone(timeutil.STOCKHOLM).date())
    if reason:
        report.not_working_day = reason
        return report
    if get_settings().smtp is None:
        report.no_smtp = True
        return report
    for _ in range(MAX_BATCHES):
        rows, any_due = await _claim_batch(moment)
        if not any_due:
            break
        if not rows:  # another process took this batch; look for more
            continue
        if not await _deliver_batch(rows, moment, report):
            break  # the server is down: the rest waits for the next round
    return report

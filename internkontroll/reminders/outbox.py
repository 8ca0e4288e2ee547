"""E-mail of the notifications: who gets it, and sending each due mail once, with retries.

A mail is sent by whoever moves its notification from "pending" to "sending" with a
conditional UPDATE (or takes over a "sending" claim whose lease has run out), so several
processes never send one mail twice. The claim is stamped with the time it is made; the
sender starts no message once its lease is nearly over and settles only rows that still
carry its own stamp. Nothing is sent on a Swedish weekend or holiday.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.message import EmailMessage

from piccolo.apps.user.tables import BaseUser

from internkontroll import timeutil
from internkontroll.auth.services import real_email
from internkontroll.reminders import mailer
from internkontroll.reminders.tables import Notification, NotificationPreference
from internkontroll.reminders.workdays import non_working_reason
from internkontroll.settings import Settings, SmtpConfig, get_settings

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
DEFAULT_SMTP_TIMEOUT = 10  # seconds, as SmtpConfig; only used for the lease without SMTP
# Besides one SMTP timeout per message of a batch, the lease covers connecting, logging in,
# the message under way when the batch's time is up and QUIT (a few timeouts each) …
LEASE_EXTRA_TIMEOUTS = 10
LEASE_MARGIN = dt.timedelta(minutes=1)  # … and the database work around the sending.

NO_SMTP = "Ingen e-postserver är inställd (SMTP_HOST), så ingen e-post skickas."
EMAIL_TURNED_OFF = "Mottagaren har stängt av påminnelser med e-post."
NO_ADDRESS = "Mottagaren har ingen e-postadress."
NOT_ACTIVE = "Mottagaren är inte längre aktiv."
EMAIL_NOT_WANTED = "E-post skickades inte för den här körningen."
NOT_BUILT = "E-postmeddelandet kunde inte skapas: {}"


def batch_window(smtp: SmtpConfig | None = None) -> dt.timedelta:
    """How long after its claim a batch may still start sending a message."""
    config = smtp or get_settings().smtp
    timeout = config.timeout if config else DEFAULT_SMTP_TIMEOUT
    return dt.timedelta(seconds=BATCH_SIZE * timeout)


def sending_lease(smtp: SmtpConfig | None = None) -> dt.timedelta:
    """How long a "sending" claim holds before another process may take the mail over.

    Comfortably longer than one batch can take: the batch starts no message after
    batch_window(), and the message under way then ends within a few SMTP timeouts.
    """
    config = smtp or get_settings().smtp
    timeout = config.timeout if config else DEFAULT_SMTP_TIMEOUT
    extra = dt.timedelta(seconds=LEASE_EXTRA_TIMEOUTS * timeout)
    return batch_window(config) + extra + LEASE_MARGIN


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
        elif not real_email(user["email"]):  # empty, or the placeholder of a user without one
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
    postponed: int = 0  # claimed but not tried (stopping, or out of time): due again at once
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


def _claimable(now: dt.datetime, stale_before: dt.datetime):
    waiting = (Notification.email_status == "pending") & (
        Notification.email_next_at.is_null() | (Notification.email_next_at <= now)
    )
    abandoned = (Notification.email_status == "sending") & (
        Notification.email_claimed_at < stale_before
    )
    return waiting | abandoned


@dataclass(frozen=True)
class _Claim:
    """A claimed batch: its rows and the stamp that identifies the claim."""

    rows: list[dict]
    claimed_at: dt.datetime  # as written to email_claimed_at
    started: float  # time.monotonic() when claimed


async def _claim_batch(now: dt.datetime) -> tuple[_Claim | None, bool]:
    """Claim up to BATCH_SIZE due mails; (the claim or None, whether any were due at all)."""
    # The lease is counted on the real clock from the moment of the claim, not from `now`
    # (which says what is due and may be long past when a round sends many batches).
    claimed_at = _utc(timeutil.now())
    started = time.monotonic()
    claimable = _claimable(now, claimed_at - sending_lease())
    candidates = (
        await Notification.select(Notification.id)
        .where(claimable)
        .order_by(Notification.id)
        .limit(BATCH_SIZE)
    )
    if not candidates:
        return None, False
    ids = [c["id"] for c in candidates]
    # The condition is evaluated again per row under its lock: a row another process
    # claimed in the meantime no longer matches and is not returned here.
    claimed = (
        await Notification.update(
            {
                Notification.email_status: "sending",
                Notification.email_claimed_at: claimed_at,
                Notification.email_attempts: Notification.email_attempts + 1,
            }
        )
        .where(Notification.id.is_in(ids) & claimable)
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
    if not claimed:
        return None, True
    return _Claim(sorted(claimed, key=lambda r: r["id"]), claimed_at, started), True


async def _recipients(user_ids: list[int]) -> dict[int, dict]:
    users = await BaseUser.select(
        BaseUser.id, BaseUser.username, BaseUser.first_name, BaseUser.last_name, BaseUser.email
    ).where(BaseUser.id.is_in(user_ids))
    return {u["id"]: u for u in users}


def _display_name(user: dict) -> str:
    name = f"{user['first_name'] or ''} {user['last_name'] or ''}".strip()
    return name or user["username"]


@dataclass(frozen=True)
class _Outcome:
    """What one mail's row becomes; rows with the same outcome are written together."""

    status: str
    next_at: dt.datetime | None = None
    sent_at: dt.datetime | None = None
    error: str = ""
    undo_attempt: bool = False  # never handed to the server: the claim's attempt is undone


async def _settle(claim: _Claim, updates: dict[_Outcome, list[int]]) -> None:
    """Write each group of outcomes with one UPDATE, on rows that still carry our claim."""
    for outcome, ids in updates.items():
        values = {
            Notification.email_status: outcome.status,
            Notification.email_next_at: outcome.next_at,
            Notification.email_sent_at: outcome.sent_at,
            Notification.email_claimed_at: None,
        }
        if outcome.undo_attempt:  # as before the claim, with the last attempt's error
            values[Notification.email_attempts] = Notification.email_attempts - 1
        else:
            values[Notification.email_error] = outcome.error[:2000]
        # A row whose lease ran out and that another process claimed again carries that
        # process's stamp: its outcome is the other process's to write.
        await Notification.update(values).where(
            Notification.id.is_in(ids)
            & (Notification.email_status == "sending")
            & (Notification.email_claimed_at == claim.claimed_at)
        )


def _message(row: dict, user: dict, settings: Settings, now: dt.datetime) -> EmailMessage:
    """The row's e-mail; raises ValueError (mailer.InvalidAddress) when it cannot be built."""
    content = mailer.MailContent(
        to=real_email(user["email"]),
        name=_display_name(user),
        title=row["title"],
        message=row["message"],
        reason=row["reason"],
        link=row["link"],
        overdue=row["overdue"],
    )
    return mailer.build_message(
        content, sender=settings.smtp.sender, public_url=settings.public_url, now=now
    )


def _note_error(report: DeliveryReport, error: str) -> None:
    if error not in report.errors:
        report.errors.append(error)


async def _deliver_batch(
    claim: _Claim, now: dt.datetime, report: DeliveryReport, stop: threading.Event | None
) -> bool:
    """Send one claimed batch; False when the round should end (server down, stopping)."""
    settings = get_settings()
    assert settings.smtp is not None
    rows = claim.rows
    decisions = await email_decisions({r["user"] for r in rows})
    users = await _recipients(sorted({r["user"] for r in rows}))
    updates: dict[_Outcome, list[int]] = {}
    to_send: list[tuple[dict, EmailMessage]] = []
    for row in rows:
        decision = decisions[row["user"]]
        if not decision.send:  # turned off (or lost the address) since it was created
            updates.setdefault(_Outcome("skipped", error=decision.reason), []).append(row["id"])
            report.skipped += 1
            continue
        try:
            message = _message(row, users[row["user"]], settings, now)
        except ValueError as exc:  # an address no header can hold: retrying will not help
            error = str(exc) if isinstance(exc, mailer.InvalidAddress) else NOT_BUILT.format(exc)
            updates.setdefault(_Outcome("failed", error=error), []).append(row["id"])
            report.failed += 1
            _note_error(report, error)
            continue
        to_send.append((row, message))
    # No message is started after the batch's window, so none goes out after the lease.
    deadline = claim.started + batch_window(settings.smtp).total_seconds()
    outcomes = await asyncio.to_thread(
        mailer.send_batch,
        settings.smtp,
        [message for _, message in to_send],
        stop=stop,
        deadline=deadline,
    )
    go_on = True
    for (row, _), outcome in zip(to_send, outcomes, strict=True):
        if outcome.ok:
            key = _Outcome("sent", sent_at=timeutil.now())
            report.sent += 1
        elif not outcome.tried:
            key = _Outcome("pending", next_at=now, undo_attempt=True)
            report.postponed += 1
            go_on = False
        elif outcome.permanent or row["email_attempts"] >= MAX_ATTEMPTS:
            key = _Outcome("failed", error=outcome.error)
            report.failed += 1
        else:
            next_at = now + retry_delay(row["email_attempts"])
            key = _Outcome("pending", next_at=next_at, error=outcome.error)
            report.retrying += 1
        updates.setdefault(key, []).append(row["id"])
        if not outcome.ok and outcome.tried:
            _note_error(report, outcome.error)
            go_on = go_on and not outcome.unreachable
    await _settle(claim, updates)
    return go_on


async def deliver_pending(
    now: dt.datetime | None = None, *, stop: threading.Event | None = None
) -> DeliveryReport:
    """Send every due e-mail once, on Swedish working days; failures wait and retry.

    Never raises for a mail server that is down or slow: the mails stay pending with the
    error and a later round sends them. The SMTP conversation runs in a thread. Once `stop`
    is set no further message is started; the round settles what it sent and ends.
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
        if stop is not None and stop.is_set():
            break
        claim, any_due = await _claim_batch(moment)
        if not any_due:
            break
        if claim is None:  # another process took this batch; look for more
            continue
        if not await _deliver_batch(claim, moment, report, stop):
            break  # the server is down, or we are stopping: the rest waits for the next round
    return report

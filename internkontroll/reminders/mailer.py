"""The reminder e-mail: built in Swedish and sent over SMTP (blocking; call it in a thread)."""

from __future__ import annotations

import datetime as dt
import re
import smtplib
import ssl
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid

from internkontroll.settings import SmtpConfig

SENDER_NAME = "Internkontroll"
PREFERENCES_PATH = "/paminnelser"


@dataclass(frozen=True)
class MailContent:
    """What one reminder e-mail says and to whom."""

    to: str
    name: str  # the recipient's name for the greeting
    title: str
    message: str
    reason: str
    link: str  # a path in the app, e.g. "/namnder/3/plan?ar=2027"
    overdue: bool = False


@dataclass(frozen=True)
class SendOutcome:
    """How sending one message went; a permanent failure is not worth retrying."""

    ok: bool
    error: str = ""
    permanent: bool = False
    unreachable: bool = False  # the server could not be reached or the connection broke
    tried: bool = True  # False: never handed to the server (stopped, or out of time)


SENT = SendOutcome(ok=True)
NOT_TRIED = SendOutcome(
    ok=False,
    error="Utskicket avbröts innan meddelandet skickades; det skickas vid nästa utskick.",
    tried=False,
)


class InvalidAddress(ValueError):
    """The recipient's address cannot be put in an e-mail; the message says why (Swedish)."""


def check_address(address: str) -> None:
    """Raise InvalidAddress unless the address can be written in a To header as it is."""
    # Control characters (a line break) are shown escaped, everything else as it is.
    shown = "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in address
    )
    if any(ch.isspace() or not ch.isprintable() for ch in address):
        why = "den innehåller mellanslag eller radbrytningar"
    elif not address.isascii():
        why = "den innehåller tecken som å, ä eller ö, som inte går att skicka till"
    elif address.count("@") != 1 or address.startswith("@") or address.endswith("@"):
        why = "den ska ha formen namn@domän"
    else:
        return
    raise InvalidAddress(f"Ogiltig e-postadress: {shown} ({why}).")


def _one_line(text: str) -> str:
    # Header values must not break lines, whatever a title contains.
    return re.sub(r"\s+", " ", text).strip()


def _domain(sender: str) -> str:
    return sender.rpartition("@")[2].strip(" >") or "internkontroll.local"


def body_text(content: MailContent, public_url: str) -> str:
    """The plain-text body: what, when, why the user gets it, where to do it, how to stop."""
    base = public_url.rstrip("/")
    greeting = f"Hej {content.name}!" if content.name else "Hej!"
    lines = [greeting, "", content.title]
    if content.message:
        lines.append(content.message)
    if content.reason:
        lines += ["", f"Varför du får påminnelsen: {content.reason}"]
    if content.link:
        lines += ["", "Öppna i Internkontroll:", f"{base}{content.link}"]
    lines += [
        "",
        "-- ",
        "Det här är en automatisk påminnelse från Internkontroll; svara inte på den.",
        "Påminnelsen finns också i Internkontroll under Påminnelser. Vill du inte få "
        "påminnelser med e-post kan du stänga av det där:",
        f"{base}{PREFERENCES_PATH}",
    ]
    return "\n".join(lines) + "\n"


def build_message(
    content: MailContent, *, sender: str, public_url: str, now: dt.datetime | None = None
) -> EmailMessage:
    """The reminder as an e-mail (UTF-8 plain text) with subject 'Påminnelse: {title}'.

    Raises InvalidAddress (a ValueError) for an address no header can hold.
    """
    check_address(content.to)
    message = EmailMessage()
    message["Subject"] = _one_line(f"Påminnelse: {content.title}")
    message["From"] = formataddr((SENDER_NAME, sender))
    message["To"] = formataddr((_one_line(content.name), content.to))
    message["Date"] = format_datetime(now or dt.datetime.now(dt.UTC))
    message["Message-ID"] = make_msgid(domain=_domain(sender))
    # RFC 3834: an automatic message; out-of-office replies should not answer it.
    message["Auto-Submitted"] = "auto-generated"
    # Quoted-printable: 7-bit safe through any relay, still readable in the raw message.
    message.set_content(body_text(content, public_url), charset="utf-8", cte="quoted-printable")
    return message


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        detail = exc.smtp_error
        text = detail.decode("utf-8", "replace") if isinstance(detail, bytes) else str(detail)
        return f"{exc.smtp_code} {text}".strip()
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{address}: {code} {msg.decode('utf-8', 'replace')}"
            for address, (code, msg) in exc.recipients.items()
        )
    return str(exc) or type(exc).__name__


def _connect(config: SmtpConfig) -> smtplib.SMTP:
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if config.security == "ssl":
        client = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout, context=context)
    else:
        client = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
    try:
        if config.security == "starttls":
            client.starttls(context=context)
        if config.user:
            client.login(config.user, config.password or "")
    except BaseException:
        client.close()
        raise
    return client


def _is_permanent(exc: BaseException) -> bool:
    # A 5xx answer about this message (refused recipient, rejected content) will not change.
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPSenderRefused | smtplib.SMTPDataError):
        return exc.smtp_code >= 500
    return False


def _lost(exc: BaseException, count: int) -> list[SendOutcome]:
    error = f"Förbindelsen med e-postservern bröts: {_describe(exc)}"
    return [SendOutcome(False, error, unreachable=True)] * count


def send_batch(
    config: SmtpConfig,
    messages: list[EmailMessage],
    *,
    stop: threading.Event | None = None,
    deadline: float | None = None,
) -> list[SendOutcome]:
    """Send the messages over one connection; one outcome per message, never raises.

    When the server cannot be reached, or the connection is lost, every unsent message gets
    the same temporary failure, so a caller retries them later. Once `stop` is set or the
    `deadline` (time.monotonic()) has passed, no further message is started: those get
    NOT_TRIED, so they are never sent after the caller's claim on them has run out.
    """

    def must_stop() -> bool:
        return (stop is not None and stop.is_set()) or (
            deadline is not None and time.monotonic() > deadline
        )

    if not messages:
        return []
    if must_stop():
        return [NOT_TRIED] * len(messages)
    try:
        client = _connect(config)
    except (OSError, smtplib.SMTPException) as exc:
        where = f"{config.host}:{config.port}"
        error = f"Kunde inte ansluta till e-postservern {where}: {_describe(exc)}"
        failure = SendOutcome(False, error, unreachable=True)
        return [failure] * len(messages)
    outcomes: list[SendOutcome] = []
    try:
        for message in messages:
            if must_stop():
                outcomes += [NOT_TRIED] * (len(messages) - len(outcomes))
                break
            try:
                client.send_message(message)
            except smtplib.SMTPServerDisconnected as exc:
                outcomes += _lost(exc, len(messages) - len(outcomes))
                break
            # SMTPException is an OSError: an answer about this message comes first.
            except smtplib.SMTPException as exc:
                outcomes.append(
                    SendOutcome(
                        False,
                        f"E-postservern tog inte emot meddelandet: {_describe(exc)}",
                        permanent=_is_permanent(exc),
                    )
                )
            except OSError as exc:
                outcomes += _lost(exc, len(messages) - len(outcomes))
                break
            else:
                outcomes.append(SENT)
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()
    return outcomes

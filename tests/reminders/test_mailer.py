"""The reminder e-mail: Swedish text in UTF-8, sent through a real local SMTP server."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

from internkontroll.reminders import mailer
from internkontroll.settings import SmtpConfig
from tests.reminders.smtp_server import (
    SENDER,
    SMTP_PASSWORD,
    SMTP_USER,
    free_port,
    silent_server,
    smtp_server,
)

__all__ = ["silent_server", "smtp_server"]  # fixtures used below

PUBLIC_URL = "https://ik.kommun.example"
CONTENT = mailer.MailContent(
    to="asa.ostlund@kommun.example",
    name="Åsa Östlund",
    title="Internkontrollplan 2027 för BUN ska antas",
    message="Ska vara klart senast söndag 31 januari 2027, om 3 dagar.",
    reason="Du är nämndsekreterare för BUN.",
    link="/namnder/3/plan?ar=2027",
)


def _message(content: mailer.MailContent = CONTENT):
    return mailer.build_message(content, sender=SENDER, public_url=PUBLIC_URL)


def test_message_says_what_why_where_and_how_to_stop():
    message = _message()
    assert message["Subject"] == "Påminnelse: Internkontrollplan 2027 för BUN ska antas"
    assert message["To"].addresses[0].addr_spec == "asa.ostlund@kommun.example"
    assert message["To"].addresses[0].display_name == "Åsa Östlund"
    assert SENDER in message["From"]
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Message-ID"].endswith("@kommun.example>")
    body = message.get_content()
    assert body.startswith("Hej Åsa Östlund!\n")
    assert "Ska vara klart senast söndag 31 januari 2027, om 3 dagar." in body
    assert "Varför du får påminnelsen: Du är nämndsekreterare för BUN." in body
    assert f"{PUBLIC_URL}/namnder/3/plan?ar=2027" in body
    assert f"stänga av det där:\n{PUBLIC_URL}/paminnelser" in body


def test_raw_message_is_seven_bit_utf8():
    raw = _message().as_bytes()
    assert raw.isascii()  # quoted-printable body, RFC 2047 headers
    assert b'charset="utf-8"' in raw
    assert b"Content-Transfer-Encoding: quoted-printable" in raw


def test_a_title_with_line_breaks_cannot_break_the_headers():
    content = mailer.MailContent(
        to="a@kommun.example", name="A", title="Rad ett\nBcc: x@y", message="", reason="", link=""
    )
    message = _message(content)
    assert message["Subject"] == "Påminnelse: Rad ett Bcc: x@y"
    assert message["Bcc"] is None


def test_sends_through_a_real_smtp_server(smtp_server):
    outcomes = mailer.send_batch(smtp_server.config(), [_message(), _message()])
    assert outcomes == [mailer.SENT, mailer.SENT]
    received = smtp_server.recorder.wait_for(2)
    mail = received[0]
    assert mail["Subject"] == "Påminnelse: Internkontrollplan 2027 för BUN ska antas"
    assert mail["To"].addresses[0].display_name == "Åsa Östlund"
    body = mail.get_content()
    assert "söndag 31 januari 2027" in body and "nämndsekreterare" in body
    assert smtp_server.recorder.envelopes[0] == (SENDER, ["asa.ostlund@kommun.example"])


def test_logs_in_when_a_user_is_set(smtp_server):
    good = smtp_server.config(user=SMTP_USER, password=SMTP_PASSWORD)
    assert mailer.send_batch(good, [_message()]) == [mailer.SENT]
    bad = smtp_server.config(user=SMTP_USER, password="fel")
    [outcome] = mailer.send_batch(bad, [_message()])
    assert not outcome.ok and outcome.unreachable
    assert "535" in outcome.error
    assert len(smtp_server.recorder.wait_for(1)) == 1


def test_a_refused_recipient_is_a_permanent_failure_and_the_rest_still_go(smtp_server):
    smtp_server.recorder.refuse.add("finns.inte@kommun.example")
    refused = mailer.MailContent(**{**CONTENT.__dict__, "to": "finns.inte@kommun.example"})
    outcomes = mailer.send_batch(smtp_server.config(), [_message(refused), _message()])
    assert outcomes[1] == mailer.SENT
    assert not outcomes[0].ok and outcomes[0].permanent and not outcomes[0].unreachable
    assert "550" in outcomes[0].error and "Mottagaren finns inte" in outcomes[0].error
    assert len(smtp_server.recorder.wait_for(1)) == 1


def test_no_server_is_a_temporary_failure_for_every_message(smtp_server):
    port = free_port()
    config = smtp_server.config(port=port)
    outcomes = mailer.send_batch(config, [_message(), _message()])
    assert len(outcomes) == 2
    for outcome in outcomes:
        assert not outcome.ok and outcome.unreachable and not outcome.permanent
        assert outcome.error.startswith(f"Kunde inte ansluta till e-postservern 127.0.0.1:{port}")


def test_a_hung_server_gives_up_after_the_timeout(smtp_server, silent_server):
    host, port = silent_server
    config = smtp_server.config(host=host, port=port, timeout=1)
    started = time.monotonic()
    [outcome] = mailer.send_batch(config, [_message()])
    assert time.monotonic() - started < 5
    assert not outcome.ok and outcome.unreachable
    assert "timed out" in outcome.error


def test_ssl_and_starttls_fail_cleanly_against_a_plain_server(smtp_server):
    for security in ("ssl", "starttls"):
        [outcome] = mailer.send_batch(smtp_server.config(security=security), [_message()])
        assert not outcome.ok and outcome.unreachable, security
    assert smtp_server.messages == []


def test_nothing_to_send_opens_no_connection():
    config = SmtpConfig(host="127.0.0.1", port=free_port(), security="none", sender=SENDER)
    assert mailer.send_batch(config, []) == []


def test_no_message_is_started_once_stopped_or_out_of_time(smtp_server, monkeypatch):
    stop = threading.Event()
    stop.set()
    down = smtp_server.config(port=free_port())  # not even a connection is tried
    assert mailer.send_batch(down, [_message()] * 2, stop=stop) == [mailer.NOT_TRIED] * 2
    past = time.monotonic() - 1
    assert mailer.send_batch(down, [_message()], deadline=past) == [mailer.NOT_TRIED]
    assert not mailer.NOT_TRIED.ok and not mailer.NOT_TRIED.tried
    # In time before connecting and before the first message, then out of time.
    ticks = iter([0.0, 0.0])
    monkeypatch.setattr(mailer, "time", SimpleNamespace(monotonic=lambda: next(ticks, 20.0)))
    outcomes = mailer.send_batch(smtp_server.config(), [_message()] * 3, deadline=10.0)
    assert outcomes == [mailer.SENT, mailer.NOT_TRIED, mailer.NOT_TRIED]
    assert len(smtp_server.recorder.wait_for(1)) == 1

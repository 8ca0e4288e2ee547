"""The e-mail outbox under stress: leases and claims, addresses no mail can carry, stopping.

E-mail goes to a real local SMTP server (aiosmtpd); the clock is frozen where the lease is
the point (the lease runs on timeutil.now, the `now` of a round only says what is due).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading

from piccolo.apps.user.tables import BaseUser

from internkontroll import timeutil
from internkontroll.auth.services import placeholder_email, real_email
from internkontroll.reminders import delivery, mailer, outbox
from internkontroll.reminders.tables import Notification
from internkontroll.settings import SmtpConfig
from tests.conftest import make_user
from tests.reminders.delivery_world import (
    at,
    notifications,
    reminder,
    use_settings,
    user_with_email,
    with_mail,
)
from tests.reminders.smtp_server import SENDER, smtp_server

__all__ = ["smtp_server"]

FRIDAY = dt.date(2027, 1, 29)


async def _pending(user_id: int, count: int = 1) -> list[int]:
    reminders = [
        reminder(user_id, FRIDAY, subject=f"sak:{n}", title=f"Sak {n}") for n in range(count)
    ]
    return await delivery.record_reminders(reminders, now=at(FRIDAY, 7))


# ------------------------------------------------------------------ leases and claims


def test_the_lease_is_well_over_what_one_batch_can_take():
    for timeout in (1, 10, 30, 120):
        config = SmtpConfig(host="smtp", port=25, security="none", sender=SENDER, timeout=timeout)
        one_batch = dt.timedelta(seconds=outbox.BATCH_SIZE * timeout)
        assert outbox.batch_window(config) == one_batch
        # A message started at the end of the window, QUIT and the database work fit in it.
        assert outbox.sending_lease(config) >= one_batch + dt.timedelta(seconds=5 * timeout + 30)


async def test_each_batch_is_claimed_with_the_time_of_its_claim(
    db, settings, monkeypatch, smtp_server
):
    use_settings(monkeypatch, with_mail(settings, smtp_server.config()))
    anna = await user_with_email("anna")
    await _pending(anna, count=outbox.BATCH_SIZE + 3)
    clock = [at(FRIDAY, 9)]
    monkeypatch.setattr(timeutil, "now", lambda: clock[0])
    real_send = mailer.send_batch

    def slow_send(config, messages, **options):  # each batch "takes" twenty minutes
        clock[0] += dt.timedelta(minutes=20)
        return real_send(config, messages, **options)

    monkeypatch.setattr(mailer, "send_batch", slow_send)
    stamps: list[set[dt.datetime]] = []
    real_settle = outbox._settle

    async def settle(claim, updates):
        ids = [r["id"] for r in claim.rows]
        rows = await Notification.select(Notification.email_claimed_at).where(
            Notification.id.is_in(ids)
        )
        stamps.append({r["email_claimed_at"] for r in rows})
        await real_settle(claim, updates)

    monkeypatch.setattr(outbox, "_settle", settle)
    # The round's `now` (what is due) is an hour older than the clock.
    report = await delivery.deliver_pending(now=at(FRIDAY, 8))
    assert report.sent == outbox.BATCH_SIZE + 3
    assert stamps == [{at(FRIDAY, 9)}, {at(FRIDAY, 9, 20)}]


async def test_a_round_never_settles_a_mail_another_process_claimed_since(
    db, settings, monkeypatch, smtp_server
):
    use_settings(monkeypatch, with_mail(settings, smtp_server.config()))
    anna = await user_with_email("anna")
    mine, taken = await _pending(anna, count=2)
    other_claim = at(FRIDAY, 8, 30)
    real_settle = outbox._settle

    async def taken_over_meanwhile(claim, updates):
        # Another scheduler took this row over (as after a run-out lease) while we sent.
        await Notification.update(
            {Notification.email_claimed_at: other_claim, Notification.email_attempts: 2}
        ).where(Notification.id == taken)
        await real_settle(claim, updates)

    monkeypatch.setattr(outbox, "_settle", taken_over_meanwhile)
    report = await delivery.deliver_pending(now=at(FRIDAY, 8))
    assert report.sent == 2  # what we sent; the row it no longer holds is not written
    rows = {r["id"]: r for r in await notifications()}
    assert rows[mine]["email_status"] == "sent" and rows[mine]["email_claimed_at"] is None
    assert rows[taken]["email_status"] == "sending"
    assert rows[taken]["email_claimed_at"] == other_claim
    assert rows[taken]["email_sent_at"] is None


async def test_no_message_is_started_once_the_batch_window_is_over(
    db, settings, monkeypatch, smtp_server
):
    use_settings(monkeypatch, with_mail(settings, smtp_server.config()))
    anna = await user_with_email("anna")
    await _pending(anna, count=3)
    monkeypatch.setattr(outbox, "batch_window", lambda smtp=None: dt.timedelta(seconds=-1))
    report = await delivery.deliver_pending(now=at(FRIDAY, 8))
    assert (report.sent, report.postponed, report.attempted) == (0, 3, 0)
    assert smtp_server.messages == []
    rows = await notifications()
    # Back in line at once, the attempt that never reached the server not counted.
    assert {(r["email_status"], r["email_attempts"], r["email_claimed_at"]) for r in rows} == {
        ("pending", 0, None)
    }
    assert {r["email_next_at"] for r in rows} == {at(FRIDAY, 8)}


async def test_a_stopped_round_ends_after_the_message_under_way_and_settles_it(
    db, settings, monkeypatch, smtp_server
):
    use_settings(monkeypatch, with_mail(settings, smtp_server.config()))
    anna = await user_with_email("anna")
    first, *rest = await _pending(anna, count=3)
    stop = threading.Event()
    recorder = smtp_server.recorder
    real_data = recorder.handle_DATA

    async def data_then_stop(server, session, envelope):  # stop while the first one is sent
        stop.set()
        return await real_data(server, session, envelope)

    monkeypatch.setattr(recorder, "handle_DATA", data_then_stop)
    report = await delivery.deliver_pending(now=at(FRIDAY, 8), stop=stop)
    assert (report.sent, report.postponed) == (1, 2)
    assert len(recorder.wait_for(1)) == 1
    rows = {r["id"]: r for r in await notifications()}
    assert rows[first]["email_status"] == "sent"
    assert {(rows[i]["email_status"], rows[i]["email_attempts"]) for i in rest} == {("pending", 0)}
    assert await Notification.count().where(Notification.email_status == "sending") == 0
    # Already stopped: the next round claims nothing at all.
    again = await delivery.deliver_pending(now=at(FRIDAY, 8), stop=stop)
    assert (again.sent, again.postponed) == (0, 0)
    assert await Notification.count().where(Notification.email_attempts > 0) == 1


# ------------------------------------------------------------------ addresses


async def test_an_address_no_mail_can_carry_fails_alone(db, settings, monkeypatch, smtp_server):
    use_settings(monkeypatch, with_mail(settings, smtp_server.config()))
    asa = await user_with_email("asa", email="åsa@kommun.se")
    broken = await user_with_email("trasig", email="trasig@kommun.se\r\nBcc: alla@kommun.se")
    bertil = await user_with_email("bertil")
    reminders = [reminder(uid, FRIDAY) for uid in (asa, broken, bertil)]
    await delivery.record_reminders(reminders, now=at(FRIDAY, 7))
    report = await delivery.deliver_pending(now=at(FRIDAY, 8))
    assert (report.sent, report.failed, report.retrying) == (1, 2, 0)
    [mail] = smtp_server.recorder.wait_for(1)
    assert mail["To"].addresses[0].addr_spec == "bertil@kommun.example"
    rows = {r["user"]: r for r in await notifications()}
    assert rows[bertil]["email_status"] == "sent"
    assert rows[asa]["email_status"] == "failed"
    assert rows[asa]["email_error"].startswith("Ogiltig e-postadress: åsa@kommun.se (")
    assert rows[broken]["email_status"] == "failed"
    assert rows[broken]["email_error"].startswith(
        "Ogiltig e-postadress: trasig@kommun.se\\r\\nBcc: alla@kommun.se ("
    )
    assert rows[asa]["email_error"] in report.errors
    assert await Notification.count().where(Notification.email_status == "sending") == 0
    # A failed address is not tried again by later rounds.
    assert (await delivery.deliver_pending(now=at(FRIDAY, 9))).attempted == 0


def test_build_message_refuses_an_address_a_header_cannot_hold():
    content = mailer.MailContent(
        to="ok@kommun.example", name="Åsa", title="T", message="M", reason="R", link="/x"
    )
    assert mailer.build_message(content, sender=SENDER, public_url="https://ik") is not None
    for address, why in (
        ("åsa@kommun.se", "å, ä eller ö"),
        ("a@kommun.se\nBcc: b@kommun.se", "radbrytningar"),
        ("utan-snabel-a", "namn@domän"),
    ):
        bad = dataclasses.replace(content, to=address)
        try:
            mailer.build_message(bad, sender=SENDER, public_url="https://ik")
        except mailer.InvalidAddress as exc:
            assert str(exc).startswith("Ogiltig e-postadress: ") and why in str(exc)
        else:
            raise AssertionError(f"{address!r} was accepted")


async def test_a_placeholder_address_counts_as_no_address(db, settings, monkeypatch, smtp_server):
    use_settings(monkeypatch, with_mail(settings, smtp_server.config()))
    without = await make_user("utanadress")  # created without an address: the placeholder
    [row] = await BaseUser.select(BaseUser.email).where(BaseUser.id == without)
    assert row["email"] == placeholder_email("utanadress")
    decisions = await outbox.email_decisions([without])
    assert decisions[without] == outbox.EmailDecision(False, outbox.NO_ADDRESS)
    await delivery.record_reminders([reminder(without, FRIDAY)])
    [stored] = await notifications()
    assert (stored["email_status"], stored["email_error"]) == ("skipped", outbox.NO_ADDRESS)
    # An address replaced by the placeholder after the reminder was made: skipped, not sent.
    anna = await user_with_email("anna")
    await delivery.record_reminders([reminder(anna, FRIDAY, subject="sak:2")])
    await BaseUser.update({BaseUser.email: placeholder_email("anna")}).where(BaseUser.id == anna)
    report = await delivery.deliver_pending(now=at(FRIDAY, 8))
    assert (report.sent, report.skipped, report.failed) == (0, 1, 0)
    assert smtp_server.messages == []
    [later] = await notifications(user=anna)
    assert (later["email_status"], later["email_error"]) == ("skipped", outbox.NO_ADDRESS)


def test_real_email():
    assert real_email(" anna@kommun.se ") == "anna@kommun.se"
    assert real_email(None) == real_email("") == real_email("  ") == ""
    assert real_email("anna@invalid.localhost") == ""
    assert real_email("Anna@INVALID.localhost") == ""

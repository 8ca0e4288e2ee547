"""The administrators' delivery page: runs, e-mail states, failures, and "send again"."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

from internkontroll.audit.tables import AuditEvent
from internkontroll.reminders import delivery
from internkontroll.reminders.tables import Notification, SchedulerRun
from tests.conftest import csrf_token, login, make_user
from tests.reminders.delivery_world import (
    at,
    completed_run,
    notifications,
    reminder,
    use_settings,
    user_with_email,
    with_mail,
)
from tests.reminders.smtp_server import free_port, silent_server, smtp_server

__all__ = ["silent_server", "smtp_server"]

PAGE = "/drift/paminnelser"
RESEND = f"{PAGE}/skicka-igen"
FRIDAY = dt.date(2027, 1, 29)


async def as_admin(client) -> None:
    await make_user("admin", admin=True)
    assert (await login(client, "admin")).status_code == 303


async def resend(client, notification_id) -> object:
    return await client.post(
        RESEND,
        data={"notification_id": str(notification_id), "_csrf_token": csrf_token(client)},
        follow_redirects=False,
    )


async def failed_mail(user_id: int, error: str = "Kunde inte ansluta: nej") -> int:
    [notification_id] = await delivery.record_reminders([reminder(user_id, FRIDAY)])
    await Notification.update(
        {
            Notification.email_status: "failed",
            Notification.email_attempts: delivery.MAX_ATTEMPTS,
            Notification.email_error: error,
        }
    ).where(Notification.id == notification_id)
    return notification_id


async def test_admin_sees_runs_counts_and_failed_mail(client, settings, monkeypatch, smtp_server):
    use_settings(monkeypatch, with_mail(settings, smtp_server.config(), send_hour=6))
    anna = await user_with_email("anna")
    await failed_mail(anna, "550 Mottagaren finns inte")
    await completed_run(dt.date(2027, 1, 27))
    await SchedulerRun.insert(
        SchedulerRun(
            key="reminders:2027-01-30",
            job="reminders",
            run_on=dt.date(2027, 1, 30),
            claimed_by="vard:42",
            error="RuntimeError: trasig",
        )
    )
    await as_admin(client)
    response = await client.get(PAGE)
    assert response.status_code == 200
    text = response.text
    assert "<h1>Påminnelser – drift</h1>" in text
    assert f"{smtp_server.host}:{smtp_server.port} (okrypterad)" in text
    assert "Varje arbetsdag kl. 06:00, 14, 3, 0 dagar före" in text
    assert "Körs inte i appens process (RUN_SCHEDULER=false)" in text
    assert "27 januari 2027" in text and "Klar" in text
    assert "30 januari 2027" in text and "lördag, ingen arbetsdag" in text
    assert "Misslyckades" in text and "RuntimeError: trasig" in text
    assert "550 Mottagaren finns inte" in text and "anna@kommun.example" in text
    assert 'aria-label="Skicka igen: Internkontrollplan 2027 för BUN ska antas till anna"' in text
    assert "<caption>Påminnelser efter e-postens läge (1 totalt)</caption>" in text


async def test_without_smtp_the_page_says_so(client, settings, monkeypatch):
    use_settings(monkeypatch, with_mail(settings, None))
    await as_admin(client)
    text = (await client.get(PAGE)).text
    assert "Ingen inställd (SMTP_HOST saknas): påminnelserna finns bara i appen." in text
    assert "Schemaläggaren har inte kört ännu." in text
    assert "All e-post har gått fram" in text


async def test_only_admins_see_the_page(client):
    await make_user("samordnare", global_roles=("coordinator",))
    anonymous = await client.get(PAGE, follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    await login(client, "samordnare")
    assert (await client.get(PAGE)).status_code == 403
    denied = await resend(client, 1)
    assert denied.status_code == 403


async def test_send_again_puts_a_failed_mail_back_in_line_and_is_audited(
    client, settings, monkeypatch, smtp_server
):
    use_settings(monkeypatch, with_mail(settings, smtp_server.config()))
    anna = await user_with_email("anna")
    notification_id = await failed_mail(anna)
    await as_admin(client)
    answer = await resend(client, notification_id)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"{PAGE}?klart=skickas-igen#problem-heading"
    [row] = await notifications()
    assert (row["email_status"], row["email_attempts"], row["email_error"]) == ("pending", 0, "")
    event = (
        await AuditEvent.select()
        .where(AuditEvent.action == "resend")
        .output(load_json=True)
        .first()
    )
    assert event["entity"] == "notification" and event["entity_id"] == str(notification_id)
    assert event["actor_username"] == "admin"
    assert event["before"]["email_status"] == "failed"
    assert event["after"]["email_status"] == "pending"
    assert "E-post skickas igen" in event["summary"]
    page = await client.get(answer.headers["location"])
    assert "E-postmeddelandet skickas igen vid nästa utskick." in page.text
    report = await delivery.deliver_pending(now=at(dt.date(2027, 2, 1), 8))
    assert report.sent == 1 and len(smtp_server.recorder.wait_for(1)) == 1


async def test_send_again_refuses_what_need_not_or_cannot_be_sent(client, settings, monkeypatch):
    use_settings(monkeypatch, with_mail(settings, None))
    anna = await user_with_email("anna")
    [skipped] = await delivery.record_reminders([reminder(anna, FRIDAY)])
    await as_admin(client)
    conflict = await resend(client, skipped)
    assert conflict.status_code == 409
    assert "E-postmeddelandet har inte misslyckats" in conflict.text
    missing = await resend(client, skipped + 100)
    assert missing.status_code == 404 and "Påminnelsen finns inte." in missing.text
    bad = await resend(client, "x")
    assert bad.status_code == 422 and "notification_id" in bad.text
    assert await AuditEvent.count().where(AuditEvent.action == "resend") == 0


async def test_smtp_down_shows_on_the_page_and_a_later_round_sends_once(
    client, settings, monkeypatch, smtp_server
):
    port = free_port()
    use_settings(monkeypatch, with_mail(settings, smtp_server.config(port=port)))
    anna = await user_with_email("anna")
    await delivery.record_reminders([reminder(anna, FRIDAY)], now=at(FRIDAY, 7))
    now = at(FRIDAY, 8)
    report = await delivery.deliver_pending(now=now)
    assert report.retrying == 1
    await as_admin(client)
    text = (await client.get(PAGE)).text
    assert "Försöks igen" in text
    assert f"Kunde inte ansluta till e-postservern 127.0.0.1:{port}" in text
    assert "2027-01-29 08:05" in text  # the next try, Swedish time
    # The reminder itself is there in the app all along.
    [row] = await notifications()
    assert row["read_at"] is None and row["email_status"] == "pending"
    use_settings(monkeypatch, with_mail(settings, smtp_server.config()))
    assert (await delivery.deliver_pending(now=now + dt.timedelta(minutes=5))).sent == 1
    assert (await delivery.deliver_pending(now=now + dt.timedelta(hours=2))).attempted == 0
    assert len(smtp_server.recorder.wait_for(1)) == 1
    text = (await client.get(PAGE)).text
    assert "All e-post har gått fram" in text


async def test_a_hung_mail_server_never_blocks_the_app(
    client, settings, monkeypatch, smtp_server, silent_server
):
    host, port = silent_server
    use_settings(
        monkeypatch, with_mail(settings, smtp_server.config(host=host, port=port, timeout=1))
    )
    anna = await user_with_email("anna")
    await delivery.record_reminders([reminder(anna, FRIDAY)], now=at(FRIDAY, 7))
    started = time.monotonic()
    job = asyncio.create_task(delivery.deliver_pending(now=at(FRIDAY, 8)))
    await asyncio.sleep(0.2)  # the job is now waiting for the server's greeting
    assert not job.done()
    health = await client.get("/healthz")
    assert health.status_code == 200
    assert time.monotonic() - started < 1  # answered while the mail server hangs
    report = await asyncio.wait_for(job, 10)
    assert time.monotonic() - started < 5
    assert report.retrying == 1 and "timed out" in report.errors[0]


async def test_the_admin_site_reads_notifications_and_runs_but_never_writes_them(
    client, settings, monkeypatch
):
    use_settings(monkeypatch, with_mail(settings, None))
    await as_admin(client)
    await client.get("/admin/api/tables/")  # piccolo-admin sets its CSRF cookie
    headers = {"X-CSRFToken": client.cookies.get("csrftoken", "")}
    anna = await user_with_email("anna")
    [notification_id] = await delivery.record_reminders([reminder(anna, FRIDAY)])
    await completed_run(FRIDAY)
    tables = (await client.get("/admin/api/tables/")).json()
    assert {"notification", "scheduler_run"} <= set(tables)
    listed = (await client.get("/admin/api/tables/notification/")).json()
    assert [row["id"] for row in listed["rows"]] == [notification_id]
    assert len((await client.get("/admin/api/tables/scheduler_run/")).json()["rows"]) == 1
    writes = [
        client.patch(
            f"/admin/api/tables/notification/{notification_id}/",
            json={"email_status": "pending"},
            headers=headers,
        ),
        client.delete(f"/admin/api/tables/notification/{notification_id}/", headers=headers),
        client.delete("/admin/api/tables/scheduler_run/", headers=headers),
        client.post(
            "/admin/api/tables/scheduler_run/",
            json={"key": "reminders:2030-01-01", "job": "reminders", "run_on": "2030-01-01"},
            headers=headers,
        ),
    ]
    answers = [await write for write in writes]
    assert [a.status_code for a in answers] == [405] * 4
    assert "kan bara läsas här" in answers[0].text and "kan bara läsas här" in answers[3].text
    [row] = await notifications()
    assert row["email_status"] == "skipped"
    assert await SchedulerRun.count() == 1
    assert await AuditEvent.count().where(AuditEvent.source == "admin") == 0


class _ClaimedMeanwhile:
    """Notification as resend_email sees it: a delivery round claims the mail right after it
    was read, before the reset is written (the race the reset's own condition must catch)."""

    def __init__(self, status: str) -> None:
        self.status = status

    def __getattr__(self, name):
        return getattr(Notification, name)

    def select(self, *columns):
        return _ReadThenClaim(Notification.select(*columns), self.status)


class _ReadThenClaim:
    def __init__(self, query, status: str) -> None:
        self.query = query
        self.status = status

    def where(self, *conditions):
        self.query = self.query.where(*conditions)
        return self

    def first(self):
        self.query = self.query.first()
        return self

    def __await__(self):
        return self._run().__await__()

    async def _run(self):
        row = await self.query
        await Notification.update(
            {Notification.email_status: self.status, Notification.email_claimed_at: at(FRIDAY)}
        ).where(Notification.id == row["id"])
        return row


async def test_send_again_never_resets_a_mail_being_sent_or_sent(client, settings, monkeypatch):
    from internkontroll.reminders import delivery_status

    use_settings(monkeypatch, with_mail(settings, None))
    anna = await user_with_email("anna")
    notification_id = await failed_mail(anna)
    await as_admin(client)
    for status in ("sending", "sent"):
        await Notification.update({Notification.email_status: status}).where(
            Notification.id == notification_id
        )
        answer = await resend(client, notification_id)
        assert answer.status_code == 409
        assert "skickas just nu eller har redan skickats" in answer.text
    for status in ("sending", "sent"):  # failed when read, claimed before the reset
        await Notification.update({Notification.email_status: "failed"}).where(
            Notification.id == notification_id
        )
        with monkeypatch.context() as patched:
            patched.setattr(delivery_status, "Notification", _ClaimedMeanwhile(status))
            answer = await resend(client, notification_id)
        assert answer.status_code == 409, status
        assert "skickas just nu eller har redan skickats" in answer.text
        # The simulated claim shares resend's transaction and is rolled back with it; what
        # matters is that the reset was never written.
        [row] = await notifications()
        assert (row["email_status"], row["email_attempts"]) == ("failed", delivery.MAX_ATTEMPTS)
    assert await AuditEvent.count().where(AuditEvent.action == "resend") == 0

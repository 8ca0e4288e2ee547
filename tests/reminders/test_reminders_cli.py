"""`internkontroll reminders [--at DATE] [--dry-run]`: preview a day, or run it and send."""

from __future__ import annotations

import concurrent.futures
import datetime as dt

import pytest
from piccolo.apps.user.tables import BaseUser

from internkontroll import cli, timeutil
from internkontroll.reminders.tables import Notification, SchedulerRun
from tests.reminders.delivery_world import (
    at,
    board_world,
    notifications,
    turn_email_off,
    use_settings,
    with_mail,
)
from tests.reminders.smtp_server import free_port, smtp_server

__all__ = ["smtp_server"]

# cli.main runs its own event loop in another thread: a pool bound to the test's cannot serve it.
pytestmark = pytest.mark.no_test_pool

FRIDAY = dt.date(2027, 1, 29)  # "dag" of the 2027 plan deadline (31 January is a Sunday)


def run_cli(*argv: str) -> int:
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(cli.main, list(argv)).result()


async def counts() -> tuple[int, int]:
    return await Notification.count(), await SchedulerRun.count()


async def test_dry_run_lists_who_gets_what_and_why_and_writes_nothing(
    db, settings, monkeypatch, capsys, smtp_server
):
    use_settings(monkeypatch, with_mail(settings, smtp_server.config()))
    await board_world(2)
    off = await BaseUser.select(BaseUser.id).where(BaseUser.username == "n1-preparer").first()
    await turn_email_off(off["id"])
    await BaseUser.update({BaseUser.email: ""}).where(BaseUser.username == "n1-secretary")
    assert await counts() == (0, 0)
    assert run_cli("reminders", "--at", "2027-01-29", "--dry-run") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        "Påminnelser fredag 29 januari 2027 (provkörning: ingenting skrivs och ingenting skickas):"
    )
    title = "Internkontrollplan 2027 för N0 ska antas"
    assert (
        f"2027-01-29  n0-secretary  {title}  (på dagen; du är nämndsekreterare för N0)  [e-post]"
    ) in out
    assert (
        f"2027-01-29  n0-preparer  {title}  (på dagen; du är handläggare för N0)  [e-post]" in out
    )
    assert (
        "2027-01-29  n1-preparer  Internkontrollplan 2027 för N1 ska antas  (på dagen; du är "
        "handläggare för N1)  [ingen e-post: Mottagaren har stängt av påminnelser med e-post]"
    ) in out
    assert any(
        "n1-secretary" in line and "[ingen e-post: Mottagaren har ingen e-postadress]" in line
        for line in out
    )
    assert out[-1] == "Totalt 4 påminnelser till 4 personer; 4 nya, 2 med e-post."
    assert await counts() == (0, 0)
    assert smtp_server.messages == []


async def test_dry_run_on_a_weekend_or_holiday_says_nothing_is_sent(db, capsys):
    await board_world(1)
    assert run_cli("reminders", "--at", "2027-01-30", "--dry-run") == 0
    assert capsys.readouterr().out.strip() == (
        "Inga påminnelser skickas på lördag 30 januari 2027: det är ingen arbetsdag."
    )
    assert run_cli("reminders", "--at", "2026-12-25", "--dry-run") == 0
    assert capsys.readouterr().out.strip() == (
        "Inga påminnelser skickas på fredag 25 december 2026 (Juldagen): det är ingen arbetsdag."
    )
    assert await counts() == (0, 0)


async def test_dry_run_on_a_quiet_day(db, capsys):
    await board_world(1)
    assert run_cli("reminders", "--at", "2027-01-27", "--dry-run") == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "Inga påminnelser faller ut onsdag 27 januari 2027."
    )


async def test_run_creates_and_sends_once_then_the_dry_run_shows_them_done(
    db, settings, monkeypatch, capsys, smtp_server
):
    use_settings(monkeypatch, with_mail(settings, smtp_server.config()))
    monkeypatch.setattr(timeutil, "now", lambda: at(FRIDAY, 8))
    await board_world(1)
    assert run_cli("reminders", "--at", "2027-01-29") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "2 nya påminnelser för fredag 29 januari 2027."
    assert (
        "  n0-secretary  Internkontrollplan 2027 för N0 ska antas  (på dagen; "
        "e-post: Väntar på att skickas)"
    ) in out
    assert out[-1] == "E-post: 2 skickade, 0 försöks igen senare, 0 misslyckades."
    assert len(smtp_server.recorder.wait_for(2)) == 2
    assert run_cli("reminders", "--at", "2027-01-29") == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "Påminnelserna för fredag 29 januari 2027 är redan skapade; ingenting skapas två gånger.",
        "E-post: 0 skickade, 0 försöks igen senare, 0 misslyckades.",
    ]
    assert run_cli("reminders", "--dry-run") == 0  # --at defaults to today
    out = capsys.readouterr().out.splitlines()
    assert all(line.endswith("– redan skapad, skickas inte igen") for line in out[1:-1])
    assert out[-1] == (
        "Totalt 2 påminnelser till 2 personer; 0 nya, 0 med e-post. 2 är redan skapade och "
        "skickas inte igen."
    )
    assert len(smtp_server.messages) == 2 and await Notification.count() == 2


async def test_run_with_the_mail_server_down_keeps_them_for_later(
    db, settings, monkeypatch, capsys, smtp_server
):
    use_settings(monkeypatch, with_mail(settings, smtp_server.config(port=free_port())))
    monkeypatch.setattr(timeutil, "now", lambda: at(FRIDAY, 8))
    await board_world(1)
    assert run_cli("reminders", "--at", "2027-01-29") == 0
    out = capsys.readouterr().out
    assert "E-post: 0 skickade, 2 försöks igen senare, 0 misslyckades." in out
    assert "  Fel: Kunde inte ansluta till e-postservern 127.0.0.1:" in out
    assert {r["email_status"] for r in await notifications()} == {"pending"}


async def test_run_on_a_saturday_creates_nothing_and_sends_nothing(
    db, settings, monkeypatch, capsys
):
    use_settings(monkeypatch, with_mail(settings, None))
    monkeypatch.setattr(timeutil, "now", lambda: at(dt.date(2027, 1, 30), 8))
    await board_world(1)
    assert run_cli("reminders", "--at", "2027-01-30") == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "Inga påminnelser skickas på lördag 30 januari 2027: det är ingen arbetsdag.",
        "E-post skickas inte i dag (lördag); den skickas nästa arbetsdag.",
    ]
    assert await Notification.count() == 0


async def test_run_without_smtp_says_they_are_in_the_app(db, settings, monkeypatch, capsys):
    use_settings(monkeypatch, with_mail(settings, None))
    monkeypatch.setattr(timeutil, "now", lambda: at(FRIDAY, 8))
    await board_world(1)
    assert run_cli("reminders", "--at", "2027-01-29") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == (
        "E-post: ingen e-postserver är inställd (SMTP_HOST); påminnelserna finns i appen."
    )
    assert out[1].endswith(
        "(på dagen; ingen e-post: Ingen e-postserver är inställd (SMTP_HOST), "
        "så ingen e-post skickas)"
    )


def test_a_bad_date_is_refused_in_swedish(capsys):
    with pytest.raises(SystemExit) as stopped:
        cli.main(["reminders", "--at", "2027-13-01", "--dry-run"])
    assert stopped.value.code == 2
    assert "ange datum som ÅÅÅÅ-MM-DD (fick '2027-13-01')" in capsys.readouterr().err


async def test_a_coming_day_can_only_be_previewed(db, settings, monkeypatch, capsys):
    use_settings(monkeypatch, with_mail(settings, None))
    monkeypatch.setattr(timeutil, "now", lambda: at(FRIDAY, 8))
    await board_world(1)
    # Monday's run would claim Monday now, on Friday's data, and Monday would never run again.
    assert run_cli("reminders", "--at", "2027-02-01") == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip() == (
        "internkontroll: --at: en kommande dag kan bara provköras; lägg till --dry-run"
    )
    assert await counts() == (0, 0)
    assert run_cli("reminders", "--at", "2027-02-01", "--dry-run") == 0
    assert capsys.readouterr().out.startswith("Påminnelser måndag 1 februari 2027 (provkörning")
    assert await counts() == (0, 0)
    # Today and earlier days still run.
    assert run_cli("reminders", "--at", "2027-01-29") == 0
    assert "2 nya påminnelser för fredag 29 januari 2027." in capsys.readouterr().out

"""The command line: settings errors in one line, createuser, demo, help."""

import os
import subprocess
import sys

import pytest
from piccolo.apps.user.tables import BaseUser

from internkontroll import cli
from internkontroll.auth.tables import GlobalRole, Membership
from tests.conftest import make_board


def _run(*args: str, **env: str) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **env}
    return subprocess.run(
        [sys.executable, "-m", "internkontroll.cli", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"PORT": "nej"}, "PORT"),
        ({"PRODUCTION": "true", "SECRET_KEY": ""}, "SECRET_KEY"),
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL"),
    ],
)
def test_bad_setting_stops_with_one_line(tmp_path, env, name):
    result = _run("migrate", DATA_DIR=str(tmp_path), **env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert name in lines[0]


def test_help_lists_the_commands():
    result = _run("--help")
    assert result.returncode == 0
    for command in ("serve", "migrate", "createuser", "demo"):
        assert command in result.stdout


def test_demo_refuses_production_mode(tmp_path):
    result = _run("demo", DATA_DIR=str(tmp_path), PRODUCTION="true", SECRET_KEY="k" * 40)
    assert result.returncode == 2
    assert "produktionsläge" in result.stderr


def _createuser_in_thread(argv):
    # cli.main runs its own event loop, which cannot nest inside the test's.
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(cli.main, argv).result()


async def test_createuser_with_roles_from_environment_password(db, monkeypatch, capsys):
    await make_board("BUN")
    monkeypatch.setenv(cli.PASSWORD_ENV, "hemligt123")
    code = _createuser_in_thread(
        [
            "createuser",
            "Lisa",
            "--coordinator",
            "--board",
            "bun:preparer",
            "--board",
            "BUN:viewer",
            "--email",
            "lisa@kommun.example",
        ]
    )
    assert code == 0
    user = await BaseUser.select().where(BaseUser.username == "lisa").first()
    assert user["active"] and not user["admin"]
    assert {r["role"] for r in await GlobalRole.select()} == {"coordinator"}
    assert {m["role"] for m in await Membership.select()} == {"preparer", "viewer"}
    assert "lisa" in capsys.readouterr().out


async def test_createuser_rejects_unknown_board(db, monkeypatch, capsys):
    monkeypatch.setenv(cli.PASSWORD_ENV, "hemligt123")
    code = _createuser_in_thread(["createuser", "lisa", "--board", "NOPE:viewer"])
    assert code == 2
    assert "okänd nämnd NOPE" in capsys.readouterr().err
    assert await BaseUser.count() == 0


def test_createuser_without_password_or_terminal_fails_cleanly(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != cli.PASSWORD_ENV}
    result = subprocess.run(
        [sys.executable, "-m", "internkontroll.cli", "createuser", "lisa"],
        capture_output=True,
        text=True,
        env={**env, "DATA_DIR": str(tmp_path)},
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert cli.PASSWORD_ENV in result.stderr

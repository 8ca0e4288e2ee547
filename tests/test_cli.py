"""The command line: settings errors in one line, createuser, demo, help."""

import os
import subprocess
import sys

import pytest
from piccolo.apps.user.tables import BaseUser

from internkontroll import cli
from internkontroll.auth.tables import GlobalRole, Membership
from tests.conftest import make_board

# The commands run their own event loops (asyncio.run in a thread): no pool on the test's.
pytestmark = pytest.mark.no_test_pool


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
    result = _run(
        "demo",
        DATA_DIR=str(tmp_path),
        PRODUCTION="true",
        SECRET_KEY="k" * 40,
        PUBLIC_URL="https://ik.kommun.se",
    )
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


# ---------------------------------------------------------------- export and import of risks


async def _two_boards_with_a_register() -> dict[str, int]:
    """BUN with two risks (one scored), and an empty MBN with a process of the same name."""
    from internkontroll.auth.services import load_principal
    from internkontroll.organisation.tables import Process, RiskCategory
    from internkontroll.risks.assessments import AssessmentInput, assess
    from internkontroll.risks.register import RiskInput, create_risk
    from tests.conftest import make_user

    ids = {"BUN": await make_board("BUN"), "MBN": await make_board("MBN")}
    processes = {}
    for short, board_id in ids.items():
        rows = await Process.insert(Process(board=board_id, name="Skolskjuts")).returning(
            Process.id
        )
        processes[short] = rows[0]["id"]
    category = (
        await RiskCategory.insert(RiskCategory(name="Legal risk")).returning(RiskCategory.id)
    )[0]["id"]
    admin = await load_principal(await make_user("admin", admin=True))
    scored = await create_risk(
        admin,
        ids["BUN"],
        2026,
        RiskInput(processes["BUN"], category, "Skolskjuts utan avtal", "Avtal saknas."),
    )
    await create_risk(admin, ids["BUN"], 2026, RiskInput(processes["BUN"], category, "=SUM(A1)"))
    await assess(admin, scored, 2026, AssessmentInput(3, 3, "control"))
    return ids


async def test_export_then_import_risks_end_to_end(db, tmp_path, capsys):
    from internkontroll.audit.tables import AuditEvent
    from internkontroll.risks.tables import Risk, RiskAssessment

    ids = await _two_boards_with_a_register()
    out = tmp_path / "bun.xlsx"

    code = _createuser_in_thread(
        ["export", "risks", "--year", "2026", "--board", "bun", "--out", str(out)]
    )
    assert code == 0
    assert "2 risker skrivna" in capsys.readouterr().out
    assert out.read_bytes()[:2] == b"PK"

    code = _createuser_in_thread(["import", "risks", "--board", "mbn", "--year", "2026", str(out)])
    assert code == 0
    assert capsys.readouterr().out.strip() == "2 nya, 0 uppdaterade, 1 bedömningar"
    copied = await Risk.select().where(Risk.board == ids["MBN"])
    assert {r["title"] for r in copied} == {"Skolskjuts utan avtal", "=SUM(A1)"}
    scoring = await RiskAssessment.select().where(RiskAssessment.risk.board == ids["MBN"]).first()
    assert (scoring["value"], scoring["source"]) == (9, "import")
    assert (scoring["assessed_by"], scoring["assessed_by_name"]) == (None, "system")
    event = await AuditEvent.select().where(AuditEvent.action == "import").first()
    assert (event["actor"], event["actor_username"], event["source"]) == (None, "system", "cli")
    assert event["board"] == ids["MBN"]

    # The same file again changes nothing.
    code = _createuser_in_thread(["import", "risks", "--board", "MBN", "--year", "2026", str(out)])
    assert code == 0
    assert capsys.readouterr().out.strip() == "0 nya, 0 uppdaterade, 0 bedömningar"
    assert await Risk.count().where(Risk.board == ids["MBN"]) == 2


async def test_export_of_every_board_without_board_option(db, tmp_path, capsys):
    await _two_boards_with_a_register()
    out = tmp_path / "alla.xlsx"
    code = _createuser_in_thread(["export", "risks", "--year", "2026", "--out", str(out)])
    assert code == 0
    assert "2 risker skrivna" in capsys.readouterr().out
    from openpyxl import load_workbook

    ws = load_workbook(out)["Riskregister"]
    assert [c.value for c in ws["A"]] == ["Nämnd", "BUN", "BUN"]


async def test_import_with_bad_rows_prints_each_error_and_writes_nothing(db, tmp_path, capsys):
    from openpyxl import Workbook

    from internkontroll.audit.tables import AuditEvent
    from internkontroll.risks.tables import Risk

    await _two_boards_with_a_register()
    before = await Risk.count()
    wb = Workbook()
    ws = wb.active
    ws.title = "Riskregister"
    ws.append(
        ["Process", "Riskkategori", "Risk (rubrik)", "Sannolikhet", "Konsekvens", "Hantering"]
    )
    ws.append(["Skolskjuts", "Legal risk", "Bra rad", 1, 1, "Bevaka"])
    ws.append(["Finns inte", "Legal risk", "Dålig process", None, None, None])
    ws.append(["Skolskjuts", "Legal risk", "Hög men bevakad", 4, 4, "Bevaka"])
    path = tmp_path / "fel.xlsx"
    wb.save(path)

    code = _createuser_in_thread(["import", "risks", "--board", "MBN", "--year", "2026", str(path)])

    assert code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[0] == (
        "internkontroll: Filen importerades inte: 2 fel. Rätta raderna och försök igen."
    )
    assert lines[1] == "rad 3: Process: processen ”Finns inte” finns inte i MBN"
    assert lines[2].startswith("rad 4: Hantering: riskvärde 16 når tröskeln 9")
    assert len(lines) == 3
    assert await Risk.count() == before
    assert await AuditEvent.count().where(AuditEvent.action == "import") == 0


async def test_import_of_a_file_that_is_not_a_workbook(db, tmp_path, capsys):
    await _two_boards_with_a_register()
    path = tmp_path / "register.csv"
    path.write_text("Process;Risk\nSkolskjuts;Avtal\n", encoding="utf-8")
    code = _createuser_in_thread(["import", "risks", "--board", "MBN", "--year", "2026", str(path)])
    assert code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[0] == "internkontroll: Filen importerades inte."
    assert "Excel-arbetsbok (.xlsx)" in lines[1]

    code = _createuser_in_thread(
        ["import", "risks", "--board", "MBN", "--year", "2026", str(tmp_path / "saknas.xlsx")]
    )
    assert code == 2
    assert "kan inte läsa" in capsys.readouterr().err


async def test_export_and_import_name_an_unknown_board(db, tmp_path, capsys):
    await _two_boards_with_a_register()
    out = tmp_path / "x.xlsx"
    code = _createuser_in_thread(
        ["export", "risks", "--year", "2026", "--board", "NOPE", "--out", str(out)]
    )
    assert code == 2
    assert "okänd nämnd NOPE" in capsys.readouterr().err
    assert not out.exists()
    out.write_bytes(b"PK")
    code = _createuser_in_thread(["import", "risks", "--board", "NOPE", "--year", "2026", str(out)])
    assert code == 2
    assert "okänd nämnd NOPE" in capsys.readouterr().err


async def test_export_refuses_a_year_out_of_range(db, tmp_path, capsys):
    code = _createuser_in_thread(
        ["export", "risks", "--year", "1999", "--out", str(tmp_path / "x.xlsx")]
    )
    assert code == 2
    assert "2000–2100" in capsys.readouterr().err


def test_help_lists_export_and_import_of_risks():
    result = _run("--help")
    assert "export" in result.stdout and "import" in result.stdout
    result = _run("import", "risks", "--help")
    assert result.returncode == 0
    assert "--board" in result.stdout and "Allt eller inget" in result.stdout

"""`internkontroll report followup`: the follow-up as a PDF from the command line."""

from __future__ import annotations

import pytest

from tests.controls import conftest as plan_fixtures
from tests.reports.test_followup_figures import build_tested_world
from tests.reports.test_followups import approved
from tests.reports.test_plan_pdf import pdf_text
from tests.reports.test_report_cli import _main

plan_world = plan_fixtures.plan_world  # the plan tests' world, shared with these
# cli.main runs its own event loop in another thread: a pool bound to the test's cannot serve it.
pytestmark = pytest.mark.no_test_pool


async def test_report_followup_writes_the_pdf(plan_world, tmp_path, capsys):
    await build_tested_world(plan_world)
    await approved(plan_world)
    out = tmp_path / "uppfoljning.pdf"
    argv = ["report", "followup", "--board", "bun", "--year", "2026", "--period", "delar"]
    code = _main([*argv, "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    text = pdf_text(out.read_bytes())
    assert "Delår per 31 augusti 2026" in text
    assert "Godkänd av nämnden 2026-09-15 § 80, Dnr BUN 2026/90" in text
    assert "(godkänd av nämnden), skriven till" in capsys.readouterr().out
    draft = tmp_path / "helar.pdf"
    argv[-1] = "helar"
    assert _main([*argv, "--out", str(draft)]) == 0
    assert "UTKAST" in pdf_text(draft.read_bytes())


async def test_report_followup_refuses_in_swedish(plan_world, tmp_path, capsys):
    await build_tested_world(plan_world)
    out = tmp_path / "x.pdf"
    cases = [
        (["--board", "NOPE", "--year", "2026", "--period", "delar"], "okänd nämnd NOPE"),
        (
            ["--board", "BUN", "--year", "2026", "--period", "tertial"],
            "--period: okänt rapporteringstillfälle; välj delar, helar",
        ),
        (
            ["--board", "SN", "--year", "2026", "--period", "delar"],
            "SN har ingen antagen internkontrollplan för 2026",
        ),
        (
            ["--board", "BUN", "--year", "2027", "--period", "helar"],
            "BUN har ingen antagen internkontrollplan för 2027",
        ),
        (["--board", "BUN", "--year", "1800", "--period", "delar"], "--year: året ska vara"),
    ]
    for args, message in cases:
        capsys.readouterr()
        code = _main(["report", "followup", *args, "--out", str(out)])
        err = capsys.readouterr().err
        assert code == 2, (args, err)
        assert message in err, (args, err)
    assert not out.exists()

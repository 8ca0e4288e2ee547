"""`internkontroll report plan`: the PDF from the command line, and its Swedish refusals."""

from __future__ import annotations

import concurrent.futures
import io

import pypdf
import pytest

from internkontroll import cli
from internkontroll.controls import plans
from tests.controls import conftest as plan_fixtures
from tests.reports.test_plan_pdf import adopted_plan, pdf_text

plan_world = plan_fixtures.plan_world  # the plan tests' world, shared with these

# The command runs its own event loop: no pool on the test's.
pytestmark = pytest.mark.no_test_pool


def _main(argv: list[str]) -> int:
    # cli.main runs its own event loop, which cannot nest inside the test's.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(cli.main, argv).result()


async def test_report_plan_writes_the_latest_version(plan_world, tmp_path, capsys):
    plan_id = await adopted_plan(plan_world)
    await plans.new_version(plan_world.preparer, plan_id)
    out = tmp_path / "plan.pdf"
    code = _main(["report", "plan", "--board", "bun", "--year", "2026", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    content = out.read_bytes()
    assert content.startswith(b"%PDF-")
    text = pdf_text(content)
    assert "version 2" in text and "UTKAST" in text
    assert "version 2 (utkast)" in capsys.readouterr().out


async def test_report_plan_picks_a_version(plan_world, tmp_path, capsys):
    plan_id = await adopted_plan(plan_world)
    await plans.new_version(plan_world.preparer, plan_id)
    out = tmp_path / "v1.pdf"
    argv = ["report", "plan", "--board", "BUN", "--year", "2026", "--version", "1"]
    assert _main([*argv, "--out", str(out)]) == 0
    reader = pypdf.PdfReader(io.BytesIO(out.read_bytes()))
    assert reader.metadata.title.endswith("version 1")
    text = pdf_text(out.read_bytes())
    assert "Antagen 2026-01-20 § 7, Dnr BUN 2025/301" in text
    assert "UTKAST" not in text


async def test_report_plan_refuses_in_swedish(plan_world, tmp_path, capsys):
    await adopted_plan(plan_world)
    out = tmp_path / "x.pdf"
    cases = [
        (["--board", "NOPE", "--year", "2026"], "okänd nämnd NOPE"),
        (["--board", "SN", "--year", "2026"], "SN har ingen internkontrollplan för 2026"),
        (["--board", "BUN", "--year", "2030"], "BUN har ingen internkontrollplan för 2030"),
        (
            ["--board", "BUN", "--year", "2026", "--version", "3"],
            "BUN har ingen version 3 av internkontrollplanen för 2026",
        ),
        (["--board", "BUN", "--year", "1800"], "--year: året ska vara 2000–2100"),
        (["--board", "BUN", "--year", "2026", "--version", "0"], "--version ska vara"),
    ]
    for args, message in cases:
        capsys.readouterr()
        code = _main(["report", "plan", *args, "--out", str(out)])
        err = capsys.readouterr().err
        assert code == 2, (args, err)
        assert message in err, (args, err)
    assert not out.exists()

"""`internkontroll report shared`: the shared points' report from the command line."""

from __future__ import annotations

import concurrent.futures

import pytest

from internkontroll import cli
from tests.reports import test_counts as counts_fixtures
from tests.reports.test_counts import SHARED_A
from tests.reports.test_overview import pdf_text

# The command runs its own event loop in a thread: a pool bound to the test's loop would break.
pytestmark = pytest.mark.no_test_pool

plan_world = counts_fixtures.plan_world
clock = counts_fixtures.clock
counts_world = counts_fixtures.counts_world


def _main(argv: list[str]) -> int:
    # cli.main runs its own event loop, which cannot nest inside the test's.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(cli.main, argv).result()


async def test_cli_writes_the_report(counts_world, tmp_path, capsys):
    out = tmp_path / "gemensamma.pdf"
    code = _main(["report", "shared", "--year", "2026", "--period", "delar", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    text = pdf_text(out.read_bytes())
    assert "Delår per 31 augusti 2026" in text and SHARED_A in text
    assert "2 kontrollmoment, 3 nämnder och bolag" in capsys.readouterr().out


async def test_cli_refuses_in_swedish(counts_world, tmp_path, capsys):
    out = tmp_path / "x.pdf"
    cases = [
        (["--year", "2026", "--period", "kvartal"], "välj delar, helar"),
        (["--year", "2031", "--period", "helar"], "KS har inte beslutat om några gemensamma"),
        (["--year", "1800", "--period", "helar"], "--year: året ska vara"),
    ]
    for args, message in cases:
        code = _main(["report", "shared", *args, "--out", str(out)])
        assert code == 2, args
        assert message in capsys.readouterr().err, args
    assert not out.exists()

"""`make bench` cannot rot: the runner goes end to end at a small scale on this leg's engine.

The runner is a separate process, as `make bench` starts it, with this leg's DATABASE_URL
(unset on SQLite; the throwaway server on PostgreSQL, where the runner makes a database of its
own and drops it). Repetitions are cut to the bone: the figures are not the point here, only
that every measurement is taken and the report printed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import is_postgres

REPO_ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_SECONDS = 240
CLIENTS = 3
PER_CLIENT = 2
MEASURED = {
    "floor",
    "ks_overview.page",
    "ks_overview.api",
    "board_map.page",
    "board_map.api",
    "all_map.page",
    "all_map.api",
    "plan.page",
    "plan.api",
    "my_controls.page",
    "my_controls.api",
    "register.page",
    "register.api",
    "risk_list.page",
    "risk_list.api",
    "plan_pdf",
    "review_pdf",
}


def _run_bench(tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], dict]:
    out = tmp_path / "bench.json"
    env = {k: v for k, v in os.environ.items() if k not in {"PRODUCTION", "SECRET_KEY"}}
    if not is_postgres():
        env.pop("DATABASE_URL", None)
    command = [
        sys.executable,
        "-m",
        "bench",
        "--scale=small",
        "--warmup=0",
        "--repeat=2",
        "--pdf-warmup=0",
        "--pdf-repeat=1",
        f"--clients={CLIENTS}",
        f"--per-client={PER_CLIENT}",
        "--slowest=1",
        f"--json={out}",
    ]
    finished = subprocess.run(  # noqa: S603 - fixed argument list
        command,
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    assert finished.returncode == 0, f"bench failed:\n{finished.stdout}\n{finished.stderr}"
    return finished, json.loads(out.read_text())


def test_bench_runs_end_to_end_and_prints_every_figure(tmp_path: Path) -> None:
    finished, figures = _run_bench(tmp_path)

    expected_engine = "postgres" if is_postgres() else "sqlite"
    assert figures["engine_type"] == expected_engine
    timings = {t["key"]: t for t in figures["timings"]}
    assert set(timings) == MEASURED
    for key, timing in timings.items():
        repeats = 1 if timing["kind"] == "pdf" else 2
        assert len(timing["seconds"]) == repeats, key
        assert all(0 < s < 60 for s in timing["seconds"]), key
        # Every request reads its session at least: a zero would mean counting broke.
        assert min(timing["statements"]) > 0, key
        assert timing["sql_ms"] > 0 and len(timing["slowest"]) == 1, key

    load = figures["load"]
    assert load["clients"] == CLIENTS
    assert load["accepted"] == CLIENTS * PER_CLIENT
    assert load["stored"] == load["accepted"]
    assert load["errors"] == 0 and load["server_errors"] == 0

    report = finished.stdout
    for heading in (
        "### Servertid och SQL per anrop",
        "### Loggning av resultat",
        "### Budgetar",
        "SQL-satser som tar mest tid",
        "- CPU:",
        "- Python:",
    ):
        assert heading in report
    assert ("PostgreSQL" if is_postgres() else "SQLite") in report.splitlines()[0]
    assert "Planens PDF p95" in report and "KS översikt (sida) p95" in report

"""What `make bench` prints: the machine, timings as percentiles, the tables and the budgets."""

from __future__ import annotations

import os
import platform
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path


def percentile(values: Sequence[float], share: float) -> float:
    """The value below which `share` (0..1) of the values lie, interpolated between ranks."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = share * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass
class Timing:
    """One measured request: server times in seconds and SQL statements per request."""

    key: str
    label: str
    path: str
    kind: str  # "page", "api", "pdf", "floor"
    seconds: list[float] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)
    rows: int | None = None  # rows the response lists, where that is the point
    note: str = ""
    sql_ms: float | None = None  # database time per request, with --slowest
    slowest: list[tuple[float, str]] = field(default_factory=list)  # (ms per request, SQL)

    @property
    def p50_ms(self) -> float:
        """Median server time in milliseconds."""
        return percentile(self.seconds, 0.50) * 1000

    @property
    def p95_ms(self) -> float:
        """95th percentile server time in milliseconds."""
        return percentile(self.seconds, 0.95) * 1000

    @property
    def cpu_ms(self) -> float:
        """Median CPU time of this process per request, in milliseconds."""
        return percentile(self.cpu_seconds, 0.50) * 1000

    @property
    def sql(self) -> str:
        """Statements per request; a range if it varied between repetitions."""
        if not self.statements:
            return "–"
        low, high = min(self.statements), max(self.statements)
        return str(low) if low == high else f"{low}–{high}"


@dataclass(frozen=True)
class Budget:
    """A limit from the issue: the p95 of a timing in milliseconds, binding on PostgreSQL."""

    key: str
    label: str
    limit_ms: float


# Issue 8: "on a 2-core machine with PostgreSQL". Keys are Timing.key values.
BUDGETS: tuple[Budget, ...] = (
    Budget("ks_overview.page", "KS översikt (sida) p95", 100),
    Budget("ks_overview.api", "KS översikt (API) p95", 100),
    Budget("board_map.page", "Riskkarta nämnd (sida) p95", 100),
    Budget("board_map.api", "Riskkarta nämnd (API) p95", 100),
    Budget("all_map.page", "Riskkarta alla nämnder (sida) p95", 100),
    Budget("all_map.api", "Riskkarta alla nämnder (API) p95", 100),
    Budget("risk_list.page", "Risklista 1 000 rader (sida) p95", 150),
    Budget("risk_list.api", "Risklista 1 000 rader (API) p95", 150),
    Budget("plan_pdf", "Planens PDF p95", 500),
    Budget("review_pdf", "KS:s samlade bedömning som PDF p95", 3000),
)


def machine() -> dict[str, str]:
    """CPU model, cores, memory and versions, as printed above the figures."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "okänt"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except (OSError, ValueError):
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "CPU": cpu,
        "Kärnor": f"{usable} (av {os.cpu_count()})",
        "Minne": memory,
        "System": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "SQLite": sqlite3.sqlite_version,
    }


def _ms(value: float) -> str:
    return f"{value:,.1f}".replace(",", " ")


def timings_table(timings: Sequence[Timing], floor_ms: float) -> list[str]:
    """A Markdown table: p50, p95, CPU, SQL statements and the p50's ratio to the floor's."""
    lines = [
        "| Mätning | Adress | p50 ms | p95 ms | CPU ms | SQL/anrop | × golvet | Anm. |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for t in timings:
        ratio = "1.0" if t.kind == "floor" else f"{t.p50_ms / floor_ms:.1f}" if floor_ms else "–"
        note = t.note
        if t.rows is not None:
            note = f"{t.rows} rader" + (f"; {note}" if note else "")
        lines.append(
            f"| {t.label} | `{t.path}` | {_ms(t.p50_ms)} | {_ms(t.p95_ms)} | {_ms(t.cpu_ms)} "
            f"| {t.sql} "
            f"| {ratio} | {note} |"
        )
    return lines


def slowest_lines(timings: Sequence[Timing]) -> list[str]:
    """Per request, the statements that took the most time: where a slow page waits."""
    lines = []
    for t in timings:
        if t.sql_ms is None:
            continue
        lines.append(
            f"- {t.label} (`{t.path}`): SQL {_ms(t.sql_ms)} ms per anrop i medeltal "
            f"(servertid p50 {_ms(t.p50_ms)} ms, CPU {_ms(t.cpu_ms)} ms)"
        )
        lines += [f"  - {_ms(ms)} ms: `{sql}`" for ms, sql in t.slowest]
    return lines


def budget_lines(timings: Sequence[Timing], engine: str) -> tuple[list[str], bool]:
    """Each budget with its figure and GODKÄND/UNDERKÄND; True if every measured one holds."""
    by_key = {t.key: t for t in timings}
    binding = engine == "postgres"
    lines = [
        "| Budget | Gräns | Uppmätt p95 | Resultat |",
        "|---|---:|---:|---|",
    ]
    held = True
    for budget in BUDGETS:
        timing = by_key.get(budget.key)
        if timing is None or not timing.seconds:
            lines.append(f"| {budget.label} | {_ms(budget.limit_ms)} ms | – | ej mätt |")
            held = held and not binding
            continue
        ok = timing.p95_ms <= budget.limit_ms
        verdict = "GODKÄND" if ok else "UNDERKÄND"
        if not binding:
            verdict += " (gäller PostgreSQL; här bara som jämförelse)"
        rows = f" ({timing.rows} rader)" if timing.rows is not None else ""
        lines.append(
            f"| {budget.label}{rows} | {_ms(budget.limit_ms)} ms | {_ms(timing.p95_ms)} ms "
            f"| {verdict} |"
        )
        held = held and (ok or not binding)
    return lines, held

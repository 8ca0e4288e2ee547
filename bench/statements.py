"""Where a slow request spends its database time: each SQL statement's duration, per request.

Off unless `python -m bench --slowest N` asks for it. The timings come from
internkontroll/querycount.py's `timing_queries()`, collected per context, so only the measured
request's statements are timed.
"""

from __future__ import annotations

import re
from collections import defaultdict

from internkontroll.querycount import timing_queries as timing_statements

__all__ = ["SQL_SHOWN", "StatementLog", "shorten", "timing_statements"]

SQL_SHOWN = 160  # characters of a statement in the report


def shorten(sql: str) -> str:
    """One line of at most SQL_SHOWN characters; Piccolo's long column lists give way to what
    tells statements apart: the tables and conditions (literal values kept)."""
    line = re.sub(r"\s+", " ", sql).strip()
    line = re.sub(r"^SELECT (ALL |DISTINCT )?.*? FROM ", r"SELECT \1… FROM ", line, count=1)
    # Long literals are session tokens and the like: nothing to learn, nothing to print.
    line = re.sub(r"'[^']{24,}'", "'…'", line)
    return line if len(line) <= SQL_SHOWN else line[: SQL_SHOWN - 1] + "…"


class StatementLog:
    """Total time per statement text over a target's timed requests."""

    def __init__(self) -> None:
        self.total: dict[str, float] = defaultdict(float)
        self.requests = 0

    def add(self, durations: list[tuple[float, str]]) -> None:
        """Count one request's statements."""
        self.requests += 1
        for seconds, sql in durations:
            self.total[shorten(sql)] += seconds

    def slowest(self, count: int) -> list[tuple[float, str]]:
        """The statements with the most time per request, in milliseconds, slowest first."""
        if not self.requests:
            return []
        ranked = sorted(self.total.items(), key=lambda item: item[1], reverse=True)[:count]
        return [(seconds * 1000 / self.requests, sql) for sql, seconds in ranked]

    def sql_ms(self) -> float:
        """All statements' time per request, in milliseconds."""
        return sum(self.total.values()) * 1000 / self.requests if self.requests else 0.0

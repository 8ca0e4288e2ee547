"""The counting rules of every report, aggregated in SQL for any number of boards or controls.

One place decides what counts: an occasion is due in a period when it is still scheduled and due
by the period's end, or when a result in the period tested it early; a result counts in the
period its test was performed in, and only while no later entry corrects it; a deviation counts
where the standing result of its chain does (a correction carries the deviations it corrects);
an action is overdue when open past the as-of date.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

from piccolo.querystring import QueryString

from internkontroll.db import current_engine
from internkontroll.reports.periods import ReportingPeriod
from internkontroll.risks.scale import Scale, is_high, scale_from_dict

GroupBy = Literal["board", "control"]

# A result stands while no later entry corrects it.
STANDING = "NOT EXISTS (SELECT 1 FROM test_result c WHERE c.corrects = r.id)"


def _found_on(scope: str) -> str:
    """Each deviation of the periods' years with the day its standing result was performed.

    A correction carries the deviations of the result it corrects, so they count where the
    correction does. The scope limits the chains to the boards or controls asked for, so one
    board's figures do not walk every board's deviations. Follows the `periods` table.
    """
    return f""", chain(year, deviation, result) AS (
        SELECT o.year, d.id, d.found_in FROM deviation d JOIN test_occasion o ON o.id = d.occasion
        JOIN periods p ON p.year = o.year
        WHERE 1 = 1{scope}
        UNION ALL
        SELECT chain.year, chain.deviation, c.id
        FROM chain JOIN test_result c ON c.corrects = chain.result
    ),
    found(year, deviation, performed_on) AS (
        SELECT chain.year, chain.deviation, r.performed_on
        FROM chain JOIN test_result r ON r.id = chain.result
        WHERE {STANDING}
    )
"""  # noqa: S608 - constant SQL and a scope of int ids


def _periods(periods: list[ReportingPeriod]) -> tuple[str, list[Any]]:
    """`WITH RECURSIVE periods(year, start_on, end_on)`: one row per period, as parameters.

    PostgreSQL cannot type a bare parameter in VALUES, so it gets casts; SQLite stores dates as
    ISO text and would turn CAST(... AS DATE) into a number, so it gets none.
    """
    date = "CAST({} AS DATE)" if current_engine().engine_type == "postgres" else "{}"
    row = f"(CAST({{}} AS INTEGER), {date}, {date})"
    values = ", ".join([row] * len(periods))
    args: list[Any] = [v for p in periods for v in (p.year, p.start, p.end)]
    return f"WITH RECURSIVE periods(year, start_on, end_on) AS (VALUES {values})", args


@dataclass
class Counts:
    """The figures of one board or control in one period."""

    due: int = 0
    tested: int = 0
    passed: int = 0
    minor: int = 0
    major: int = 0
    not_performed: int = 0
    deviations_minor: int = 0
    deviations_major: int = 0
    open_deviations: int = 0
    open_actions: int = 0
    overdue_actions: int = 0
    closed_actions: int = 0

    @property
    def results(self) -> int:
        """Standing results in the period, whatever their outcome."""
        return self.passed + self.minor + self.major + self.not_performed

    @property
    def untested(self) -> int:
        """Occasions due in the period without a result in it."""
        return self.due - self.tested

    @property
    def deviations(self) -> int:
        """Deviations found in the period."""
        return self.deviations_minor + self.deviations_major

    @property
    def tested_percent(self) -> int | None:
        """Share of due occasions tested, rounded; None when nothing was due."""
        return round(100 * self.tested / self.due) if self.due else None

    def add(self, other: Counts) -> None:
        """Add another board's or control's figures to these."""
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def as_dict(self) -> dict[str, int]:
        """The stored figures, for snapshots and the API."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Counts:
        """Counts as stored in a snapshot."""
        return cls(**{f.name: int(data.get(f.name, 0)) for f in fields(cls)})


async def _rows(sql: str, *args: Any) -> list[dict[str, Any]]:
    return await current_engine().run_querystring(QueryString(sql, *args))


def _scope(alias: str, key: GroupBy, ids: list[int] | None) -> str:
    if ids is None:
        return ""
    listed = ",".join(str(int(i)) for i in ids) or "NULL"
    return f" AND {alias}.{key} IN ({listed})"


async def period_counts(
    period: ReportingPeriod,
    as_of: dt.date,
    *,
    group_by: GroupBy = "board",
    ids: list[int] | None = None,
) -> dict[int, Counts]:
    """Figures per board (or control) for a period of a year (4 queries whatever the size)."""
    by_year = await counts_by_period([period], as_of, group_by=group_by, ids=ids)
    return by_year.get(period.year, {})


async def counts_by_period(
    periods: list[ReportingPeriod],
    as_of: dt.date,
    *,
    group_by: GroupBy = "board",
    ids: list[int] | None = None,
) -> dict[int, dict[int, Counts]]:
    """Per year, figures per board (or control) for that year's period: 4 queries in all.

    At most one period per year; every year's figures follow the same rules as one period's.
    """
    if group_by not in ("board", "control"):
        raise ValueError(group_by)
    if len({p.year for p in periods}) != len(periods):
        raise ValueError("one period per year")
    counts: dict[int, dict[int, Counts]] = {p.year: {} for p in periods}
    if not periods:
        return counts

    def of(row: dict[str, Any]) -> Counts:
        return counts[int(row["y"])].setdefault(row["k"], Counts())

    head, args = _periods(periods)
    # Every period's dates lie within these bounds: a plain filter the scan of test_result can
    # apply before any join (the periods' own bounds only apply once joined by year).
    bounds = [min(p.start for p in periods), max(p.end for p in periods)]
    in_period = (
        "r.performed_on >= {} AND r.performed_on <= {}"
        f" AND r.performed_on >= rp.start_on AND r.performed_on <= rp.end_on AND {STANDING}"
    )
    # One pass over the years' occasions, each joined to its own standing results in the
    # period (test_result by occasion), instead of a second pass over every year's results.
    occasions = await _rows(
        head  # noqa: S608 - group_by is one of two names, ids are ints
        + f"""
            SELECT o.year AS y, o.{group_by} AS k,
                   COUNT(DISTINCT r.occasion) AS tested, COUNT(DISTINCT o.id) AS due
            FROM test_occasion o JOIN periods rp ON rp.year = o.year
            LEFT JOIN test_result r ON r.occasion = o.id AND {in_period}
            WHERE ((o.scheduled AND o.due_on <= rp.end_on) OR r.id IS NOT NULL)
                  {_scope("o", group_by, ids)}
            GROUP BY o.year, o.{group_by}""",  # noqa: S608 - group_by is one of two names, ids are ints
        *args,
        *bounds,
    )
    for row in occasions:
        of(row).due = int(row["due"])
        of(row).tested = int(row["tested"] or 0)
    results = await _rows(
        head  # noqa: S608 - group_by is one of two names, ids are ints
        + f"""
            SELECT o.year AS y, r.{group_by} AS k, r.outcome AS outcome, COUNT(*) AS n
            FROM test_result r JOIN test_occasion o ON o.id = r.occasion
                 JOIN periods rp ON rp.year = o.year
            WHERE {in_period}{_scope("r", group_by, ids)}
            GROUP BY o.year, r.{group_by}, r.outcome""",  # noqa: S608 - group_by is one of two names, ids are ints
        *args,
        *bounds,
    )
    for row in results:
        setattr(of(row), row["outcome"], int(row["n"]))
    found = head + _found_on(_scope("d", group_by, ids))
    deviations = await _rows(
        found  # noqa: S608 - group_by is one of two names, ids are ints
        + f"""SELECT f.year AS y, d.{group_by} AS k, d.severity AS severity,
                   COUNT(*) AS n,
                   SUM(CASE WHEN NOT EXISTS (SELECT 1 FROM corrective_action a
                                             WHERE a.deviation = d.id)
                              OR EXISTS (SELECT 1 FROM corrective_action a
                                         WHERE a.deviation = d.id AND a.closed_on IS NULL)
                            THEN 1 ELSE 0 END) AS open
            FROM deviation d JOIN found f ON f.deviation = d.id
                 JOIN periods p ON p.year = f.year
            WHERE d.withdrawn_at IS NULL{_scope("d", group_by, ids)}
              AND f.performed_on >= p.start_on AND f.performed_on <= p.end_on
            GROUP BY f.year, d.{group_by}, d.severity""",  # noqa: S608 - group_by is one of two names, ids are ints
        *args,
    )
    for row in deviations:
        target = of(row)
        setattr(target, f"deviations_{row['severity']}", int(row["n"]))
        target.open_deviations += int(row["open"] or 0)
    actions = await _rows(
        found  # noqa: S608 - group_by is one of two names, ids are ints
        + f"""SELECT f.year AS y, d.{group_by} AS k,
                   SUM(CASE WHEN a.closed_on IS NULL THEN 1 ELSE 0 END) AS open,
                   SUM(CASE WHEN a.closed_on IS NULL AND a.due_on < {{}} THEN 1 ELSE 0 END)
                       AS overdue,
                   SUM(CASE WHEN a.closed_on IS NOT NULL THEN 1 ELSE 0 END) AS closed
            FROM corrective_action a JOIN deviation d ON d.id = a.deviation
                 JOIN found f ON f.deviation = d.id
                 JOIN periods p ON p.year = f.year
            WHERE d.withdrawn_at IS NULL{_scope("d", group_by, ids)}
              AND f.performed_on >= p.start_on AND f.performed_on <= p.end_on
            GROUP BY f.year, d.{group_by}""",  # noqa: S608 - group_by is one of two names, ids are ints
        *args,
        as_of,
    )
    for row in actions:
        target = of(row)
        target.open_actions = int(row["open"] or 0)
        target.overdue_actions = int(row["overdue"] or 0)
        target.closed_actions = int(row["closed"] or 0)
    return counts


async def accepted_high_risks(year: int, board_ids: list[int] | None = None) -> dict[int, int]:
    """Per board (all, or those given), the year's accepted risks at or above the threshold."""
    rows = await _rows(
        f"""SELECT i.board AS board, a.value AS value, s.definition AS definition
           FROM risk_assessment a JOIN risk_item i ON i.id = a.risk
                JOIN risk_scale_version s ON s.id = a.scale
           WHERE a.year = {{}} AND a.current AND a.treatment = 'accept'
                 {_scope("i", "board", board_ids)}""",  # noqa: S608 - the scope lists int ids
        year,
    )
    found: dict[int, int] = {}
    scales: dict[str, Scale] = {}
    for row in rows:
        raw = row["definition"]
        key = raw if isinstance(raw, str) else json.dumps(raw, sort_keys=True)
        if key not in scales:
            scales[key] = scale_from_dict(json.loads(raw) if isinstance(raw, str) else raw)
        if is_high(scales[key], row["value"]):
            found[row["board"]] = found.get(row["board"], 0) + 1
    return found

"""KS's picture of every board for a year, the shared points across boards, and trends."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from internkontroll.auth.permissions import Action, require
from internkontroll.auth.principal import Principal
from internkontroll.controls.deadline import (
    TIMELINESS_LABELS,
    plan_statuses,
    plan_statuses_by_year,
)
from internkontroll.controls.tables import Control, ControlPlan, SharedControlPoint
from internkontroll.reports.counts import (
    Counts,
    accepted_high_risks,
    counts_by_period,
    period_counts,
)
from internkontroll.reports.periods import (
    ReportingPeriod,
    current_period,
    reporting_period,
    reporting_periods,
)
from internkontroll.reports.tables import FOLLOW_UP_STATUS_LABELS, FollowUp
from internkontroll.risks.register import check_year
from internkontroll.risks.scale import GREEN, RED, YELLOW
from internkontroll.timeutil import today

GREY = "#9e9e9e"  # the house style's grey: not performed

# The result colours as KS reads them: outcome, colour name, what it means, colour.
OUTCOME_COLOURS: tuple[tuple[str, str, str, str], ...] = (
    ("passed", "Grön", "Utan anmärkning", GREEN),
    ("minor", "Gul", "Mindre avvikelse", YELLOW),
    ("major", "Röd", "Väsentlig avvikelse", RED),
    ("not_performed", "Grå", "Ej genomförd", GREY),
)
NO_RESULT = "Inget resultat"
NOT_STARTED = "Ej påbörjad"


def share_text(counts: Counts) -> str:
    """'5 av 7 (71 %)': tested against due, with the share when anything was due."""
    share = counts.tested_percent
    return f"{counts.tested} av {counts.due}" + (f" ({share} %)" if share is not None else "")


def outcome_text(outcome: str | None) -> str:
    """'Väsentlig avvikelse (röd)', or 'Inget resultat': the colour is never the only signal."""
    for code, colour, label, _ in OUTCOME_COLOURS:
        if code == outcome:
            return f"{label} ({colour.lower()})"
    return NO_RESULT


def outcome_colour(outcome: str | None) -> str:
    """The traffic-light colour of an outcome; white when there is no result."""
    return next((hexa for code, _, _, hexa in OUTCOME_COLOURS if code == outcome), "#ffffff")


def report_file_name(kind: str, period: ReportingPeriod, extension: str) -> str:
    """'ks-oversikt-2026-delar.pdf', 'gemensamma-kontrollmoment-2026-helar.xlsx'."""
    return f"{kind}-{period.year}-{period.key}.{extension}"


@dataclass
class BoardOverview:
    """One board's row in KS's overview."""

    board_id: int
    short_name: str
    name: str
    kind: str
    plan_id: int | None
    plan_status_label: str
    timeliness: str
    counts: Counts
    accepted_high_risks: int
    # period key -> follow-up status ('draft', 'approved', 'sent'), absent when none is started
    follow_ups: dict[str, str] = field(default_factory=dict)

    @property
    def timeliness_label(self) -> str:
        """'Antagen i tid', 'Antagen för sent', …"""
        return TIMELINESS_LABELS[self.timeliness]

    def follow_up_label(self, period_key: str) -> str:
        """The follow-up's status for a period in Swedish; 'Ej påbörjad' when there is none."""
        status = self.follow_ups.get(period_key)
        return FOLLOW_UP_STATUS_LABELS[status] if status else NOT_STARTED

    def has_reported(self, period_key: str) -> bool:
        """True once the board's follow-up for the period has been sent to KS."""
        return self.follow_ups.get(period_key) == "sent"


@dataclass
class Overview:
    """Every active board side by side for a year, figures for one reporting period."""

    year: int
    period: ReportingPeriod
    periods: list[ReportingPeriod]
    as_of: dt.date
    boards: list[BoardOverview]

    @property
    def totals(self) -> Counts:
        """The figures of all boards together."""
        total = Counts()
        for board in self.boards:
            total.add(board.counts)
        return total

    @property
    def accepted_high_risks(self) -> int:
        """Accepted high risks of all boards together."""
        return sum(b.accepted_high_risks for b in self.boards)

    @property
    def on_time(self) -> int:
        """How many boards adopted their plan by the deadline."""
        return sum(1 for b in self.boards if b.timeliness == "on_time")

    def reported(self, period_key: str | None = None) -> int:
        """How many boards' follow-ups for the period have reached KS."""
        return len(self.boards) - len(self.not_reported(period_key))

    def not_reported(self, period_key: str | None = None) -> list[BoardOverview]:
        """Boards whose follow-up for the period (default: the overview's) has not reached KS."""
        key = period_key or self.period.key
        return [b for b in self.boards if not b.has_reported(key)]


def default_period(year: int, day: dt.date) -> ReportingPeriod:
    """The period a report opens on: the latest reached this year, helår for past years."""
    if year < day.year:
        return reporting_periods(year)[-1]
    return current_period(year, day)


def chosen_period(
    year: int | None, key: str | None, *, year_field: str = "year", period_field: str = "period"
) -> ReportingPeriod:
    """The period asked for (default: this year, default_period); 422 naming a bad field."""
    day = today()
    year = day.year if year is None else year
    check_year(year, year_field)
    if key is None or not key.strip():
        return default_period(year, day)
    return reporting_period(year, key.strip(), period_field)


async def overview(principal: Principal, year: int, period: ReportingPeriod) -> Overview:
    """KS's overview of a year (about 8 queries whatever the number of boards)."""
    require(principal, Action.VIEW_ALL_BOARDS)
    return await build_overview(year, period)


async def build_overview(year: int, period: ReportingPeriod) -> Overview:
    """The overview without a permission check, for services that already checked one."""
    check_year(year)
    as_of = today()
    statuses = await plan_statuses(year)
    counts = await period_counts(period, as_of)
    accepted = await accepted_high_risks(year)
    follow_ups: dict[int, dict[str, str]] = {}
    for row in await FollowUp.select(FollowUp.board, FollowUp.period, FollowUp.status).where(
        FollowUp.year == year
    ):
        follow_ups.setdefault(row["board"], {})[row["period"]] = row["status"]
    boards = [
        BoardOverview(
            board_id=s.board_id,
            short_name=s.short_name,
            name=s.name,
            kind=s.kind,
            plan_id=s.plan_id,
            plan_status_label=s.status_label,
            timeliness=s.timeliness,
            counts=counts.get(s.board_id, Counts()),
            accepted_high_risks=accepted.get(s.board_id, 0),
            follow_ups=follow_ups.get(s.board_id, {}),
        )
        for s in statuses
    ]
    return Overview(year, period, reporting_periods(year), as_of, boards)


@dataclass
class SharedPointRow:
    """One board's figures for one shared control point."""

    board_id: int
    short_name: str
    name: str
    control_id: int | None
    counts: Counts
    worst_outcome: str | None


@dataclass
class SharedPointReport:
    """A shared control point with every board's results in the period."""

    point_id: int
    position: int
    title: str
    rows: list[SharedPointRow]


async def shared_points_report(
    principal: Principal, year: int, period: ReportingPeriod
) -> list[SharedPointReport]:
    """Each shared control point of the year with every board's figures (5 queries)."""
    require(principal, Action.VIEW_ALL_BOARDS)
    return await build_shared_points_report(year, period)


async def build_shared_points_report(year: int, period: ReportingPeriod) -> list[SharedPointReport]:
    """The shared points' report without a permission check."""
    check_year(year)
    points = (
        await SharedControlPoint.select()
        .where(SharedControlPoint.year == year)
        .order_by(SharedControlPoint.position)
    )
    statuses = await plan_statuses(year)
    controls = await Control.select(Control.id, Control.board, Control.shared_point).where(
        (Control.year == year) & Control.shared_point.is_not_null()
    )
    by_point: dict[tuple[int, int], int] = {
        (c["shared_point"], c["board"]): c["id"] for c in controls
    }
    counts = await period_counts(
        period, today(), group_by="control", ids=[c["id"] for c in controls]
    )
    reports = []
    for point in points:
        rows = []
        for s in statuses:
            control_id = by_point.get((point["id"], s.board_id))
            c = counts.get(control_id, Counts()) if control_id else Counts()
            rows.append(
                SharedPointRow(s.board_id, s.short_name, s.name, control_id, c, worst_outcome(c))
            )
        reports.append(SharedPointReport(point["id"], point["position"], point["title"], rows))
    return reports


def worst_outcome(counts: Counts) -> str | None:
    """The most serious outcome among the results counted, None when there are none."""
    for outcome in ("major", "minor", "not_performed", "passed"):
        if getattr(counts, outcome):
            return outcome
    return None


@dataclass
class TrendPoint:
    """One board's year-end figures for one year."""

    year: int
    counts: Counts
    timeliness: str
    # The reporting point the figures are per, e.g. 'Helår 2025' or 'Delår per 31 augusti 2026'.
    period_label: str = ""

    @property
    def timeliness_label(self) -> str:
        """'Antagen i tid', 'Antagen för sent', …"""
        return TIMELINESS_LABELS[self.timeliness]


async def trends(principal: Principal, years: list[int]) -> dict[int, list[TrendPoint]]:
    """Per board, each year's helår figures (the current year as of today), oldest first."""
    require(principal, Action.VIEW_ALL_BOARDS)
    day = today()
    chosen = sorted(set(years))
    for year in chosen:
        check_year(year)
    periods = [
        reporting_periods(year)[-1] if year < day.year else current_period(year, day)
        for year in chosen
    ]
    # All years at once: six queries however many years of history there are.
    counts = await counts_by_period(periods, day)
    statuses = await plan_statuses_by_year(chosen)
    result: dict[int, list[TrendPoint]] = {}
    for period in periods:
        year = period.year
        for status in statuses[year]:
            result.setdefault(status.board_id, []).append(
                TrendPoint(
                    year,
                    counts[year].get(status.board_id, Counts()),
                    status.timeliness,
                    period.label,
                )
            )
    return result


@dataclass
class BoardTrend:
    """One board's figures for each year, oldest first."""

    board_id: int
    short_name: str
    name: str
    kind: str
    points: list[TrendPoint]


@dataclass
class TrendTable:
    """Every active board's trend over the years there are plans for."""

    years: list[int]
    as_of: dt.date
    boards: list[BoardTrend]


async def trend_table(principal: Principal, years: list[int] | None = None) -> TrendTable:
    """Per active board, each year's figures (default: every year with a plan), oldest first."""
    require(principal, Action.VIEW_ALL_BOARDS)
    chosen = sorted(set(years if years is not None else await plan_years()))
    by_board = await trends(principal, chosen)
    # The names and order of the boards active now; a board gone since keeps its figures
    # in the years it had them, but KS reads the boards it oversees today.
    current = await plan_statuses(max(chosen) if chosen else today().year)
    boards = [
        BoardTrend(s.board_id, s.short_name, s.name, s.kind, by_board.get(s.board_id, []))
        for s in current
    ]
    return TrendTable(chosen, today(), boards)


async def plan_years() -> list[int]:
    """Every year some board has a plan for, oldest first."""
    rows = await ControlPlan.select(ControlPlan.year).distinct().order_by(ControlPlan.year)
    return [r["year"] for r in rows]


def as_dict(view: Any) -> Any:
    """A report view as plain JSON-able data (dates as ISO strings), for snapshots and the API."""
    from dataclasses import fields, is_dataclass

    # One pass, without dataclasses.asdict's deep copy: frozen figures hold thousands of values.
    if is_dataclass(view) and not isinstance(view, type):
        return {f.name: as_dict(getattr(view, f.name)) for f in fields(view)}
    if isinstance(view, dict):
        return {str(k): as_dict(v) for k, v in view.items()}
    if isinstance(view, list | tuple):
        return [as_dict(v) for v in view]
    if isinstance(view, dt.date):
        return view.isoformat()
    return view

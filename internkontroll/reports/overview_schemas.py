"""JSON shapes of KS's overview, the shared points' report and trends, from the report views."""

from __future__ import annotations

import datetime as dt

import msgspec

from internkontroll.reports.counts import Counts
from internkontroll.reports.overview import (
    Overview,
    SharedPointReport,
    TrendTable,
    outcome_text,
)
from internkontroll.reports.periods import ReportingPeriod


class CountsOut(msgspec.Struct):
    """A board's (or control's) figures in a period; outcomes are counts of standing results."""

    due: int
    tested: int
    tested_percent: int | None
    passed: int
    minor: int
    major: int
    not_performed: int
    deviations_minor: int
    deviations_major: int
    open_deviations: int
    open_actions: int
    overdue_actions: int
    closed_actions: int


class PeriodOut(msgspec.Struct):
    """A reporting point: results performed from start to end count."""

    key: str
    label: str
    start: dt.date
    end: dt.date


class FollowUpStateOut(msgspec.Struct):
    """A board's follow-up for one reporting point; status is empty when none is started."""

    period: str
    status: str
    label: str


class BoardOverviewOut(msgspec.Struct):
    """One board's row of KS's overview."""

    board_id: int
    short_name: str
    name: str
    kind: str
    plan_id: int | None
    plan_status: str
    timeliness: str
    timeliness_label: str
    counts: CountsOut
    accepted_high_risks: int
    follow_ups: list[FollowUpStateOut]


class OverviewOut(msgspec.Struct):
    """Every active board for a year (KS first, then nämnder, then bolag) and the totals."""

    year: int
    period: PeriodOut
    periods: list[PeriodOut]
    as_of: dt.date
    boards: list[BoardOverviewOut]
    totals: CountsOut
    accepted_high_risks: int
    not_reported: list[str]


class SharedRowOut(msgspec.Struct):
    """One board's results for a shared point; control_id is null when it has no such control."""

    board_id: int
    short_name: str
    name: str
    control_id: int | None
    counts: CountsOut
    worst_outcome: str | None
    worst_outcome_label: str


class SharedPointOut(msgspec.Struct):
    """A shared control point with every board's row."""

    point_id: int
    position: int
    title: str
    rows: list[SharedRowOut]


class SharedResultsOut(msgspec.Struct):
    """The shared points' report to KS for a reporting point."""

    year: int
    period: PeriodOut
    points: list[SharedPointOut]


class TrendPointOut(msgspec.Struct):
    """One board's figures for one year."""

    year: int
    period_label: str
    timeliness: str
    timeliness_label: str
    counts: CountsOut


class BoardTrendOut(msgspec.Struct):
    """One board's figures per year, oldest first."""

    board_id: int
    short_name: str
    name: str
    kind: str
    years: list[TrendPointOut]


class TrendsOut(msgspec.Struct):
    """Every active board's figures over the years there are plans for."""

    years: list[int]
    as_of: dt.date
    boards: list[BoardTrendOut]


def counts_out(counts: Counts) -> CountsOut:
    """The figures as JSON."""
    return CountsOut(tested_percent=counts.tested_percent, **counts.as_dict())


def period_out(period: ReportingPeriod) -> PeriodOut:
    """A reporting period as JSON."""
    return PeriodOut(period.key, period.label, period.start, period.end)


def overview_out(view: Overview) -> OverviewOut:
    """KS's overview as JSON."""
    boards = [
        BoardOverviewOut(
            board_id=b.board_id,
            short_name=b.short_name,
            name=b.name,
            kind=b.kind,
            plan_id=b.plan_id,
            plan_status=b.plan_status_label,
            timeliness=b.timeliness,
            timeliness_label=b.timeliness_label,
            counts=counts_out(b.counts),
            accepted_high_risks=b.accepted_high_risks,
            follow_ups=[
                FollowUpStateOut(p.key, b.follow_ups.get(p.key, ""), b.follow_up_label(p.key))
                for p in view.periods
            ],
        )
        for b in view.boards
    ]
    return OverviewOut(
        year=view.year,
        period=period_out(view.period),
        periods=[period_out(p) for p in view.periods],
        as_of=view.as_of,
        boards=boards,
        totals=counts_out(view.totals),
        accepted_high_risks=view.accepted_high_risks,
        not_reported=[b.short_name for b in view.not_reported()],
    )


def shared_out(period: ReportingPeriod, points: list[SharedPointReport]) -> SharedResultsOut:
    """The shared points' report as JSON."""
    return SharedResultsOut(
        year=period.year,
        period=period_out(period),
        points=[
            SharedPointOut(
                p.point_id,
                p.position,
                p.title,
                [
                    SharedRowOut(
                        r.board_id,
                        r.short_name,
                        r.name,
                        r.control_id,
                        counts_out(r.counts),
                        r.worst_outcome,
                        outcome_text(r.worst_outcome),
                    )
                    for r in p.rows
                ],
            )
            for p in points
        ],
    )


def trends_out(table: TrendTable) -> TrendsOut:
    """The trends as JSON."""
    return TrendsOut(
        years=table.years,
        as_of=table.as_of,
        boards=[
            BoardTrendOut(
                b.board_id,
                b.short_name,
                b.name,
                b.kind,
                [
                    TrendPointOut(
                        p.year,
                        p.period_label,
                        p.timeliness,
                        p.timeliness_label,
                        counts_out(p.counts),
                    )
                    for p in b.points
                ],
            )
            for b in table.boards
        ],
    )

"""Follow-ups sent to KS with their frozen figures, KS's decided reviews, and the audit trail.

Frozen figures come from the same functions the services freeze: followup_figures.build_figures
for a follow-up the nämnd approved, review._snapshot for KS's decision.
"""

from __future__ import annotations

import datetime as dt

from bench.generate_org import BoardInfo, insert_rows
from internkontroll.audit.tables import AuditEvent
from internkontroll.controls.decisions import paragraph_text
from internkontroll.controls.tables import ControlPlan
from internkontroll.demo_reports import GOOD
from internkontroll.organisation.tables import Board
from internkontroll.reports.followup_figures import build_figures
from internkontroll.reports.followup_schemas import figures_to_json
from internkontroll.reports.overview import build_overview
from internkontroll.reports.periods import FINAL_KEY, ReportingPeriod, reporting_periods
from internkontroll.reports.review import _snapshot
from internkontroll.reports.tables import ConsolidatedReview, FollowUp, ReviewJudgement
from internkontroll.timeutil import start_of_day

YELLOW = (
    "Några mindre avvikelser har upptäckts och åtgärdas inom verksamheten. Förvaltningen "
    "bedömer att den interna kontrollen i huvudsak är tillräcklig."
)
RED = (
    "En väsentlig avvikelse har upptäckts. Rotorsaken är analyserad och en åtgärd pågår; "
    "förvaltningen bedömer att den interna kontrollen inte är tillräcklig inom området."
)
SUMMARIES = {"green": GOOD, "yellow": YELLOW, "red": RED}
PROPOSALS = (
    "1. Samtliga nämnder och bolag antar internkontrollplanen senast den 31 januari.\n"
    "2. Nämnder med upprepade avvikelser redovisar sina åtgärder till kommunstyrelsen.\n"
    "3. Avtalstrohet vid inköp följs upp vidare inom kommunstyrelsens uppsiktsplikt."
)


def _weekday(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def judgement(board: BoardInfo, year: int) -> str:
    """Mostly green, some yellow, now and then red."""
    code = (board.index * 7 + year) % 17
    return "red" if code == 3 else "yellow" if code in (5, 9, 11) else "green"


def _status(board: BoardInfo, period: ReportingPeriod, current: int, last_history: int) -> str:
    """How far the follow-up got: all sent, with a few stragglers in the latest two years."""
    if period.year == current:
        return {7: "", 6: "draft", 5: "approved"}.get(board.index % 8, "sent")
    if period.year == last_history and period.is_final and board.index % 9 == 8:
        return "approved"  # approved by the nämnd, never sent on: KS's review names it
    return "sent"


async def insert_follow_ups(boards: list[BoardInfo], years: list[int], today: dt.date) -> int:
    """Every reached reporting point's follow-up, approved ones with their frozen figures."""
    current = years[-1]
    rows_by_id = {b["id"]: b for b in await Board.select()}
    rows = []
    for year in years:
        for period in reporting_periods(year):
            if period.end >= today:
                continue
            for board in boards:
                status = _status(board, period, current, years[-2] if len(years) > 1 else -1)
                if status:
                    rows.append(
                        await _follow_up(board, rows_by_id[board.id], period, status, today)
                    )
    await insert_rows(FollowUp, rows)
    return len(rows)


async def _follow_up(
    board: BoardInfo, row: dict, period: ReportingPeriod, status: str, today: dt.date
) -> dict:
    preparer, secretary = board.users["preparer"], board.users["secretary"]
    level = judgement(board, period.year)
    written = start_of_day(min(period.end + dt.timedelta(days=10), today))
    follow_up = dict(
        board=board.id,
        year=period.year,
        period=period.key,
        period_end=period.end,
        status=status,
        judgement=level,
        summary=SUMMARIES[level],
        created_at=written,
        updated_at=written,
        updated_by_name=board.names[preparer],
    )
    if status == "draft":
        return follow_up
    decided = min(_weekday(period.end + dt.timedelta(days=20 + board.index % 30)), today)
    follow_up["snapshot"] = figures_to_json(await build_figures(row, period, decided))
    follow_up["decided_on"] = decided
    follow_up["paragraph"] = paragraph_text(str(40 + board.index % 50))
    follow_up["registry_number"] = (
        f"{board.short_name} {period.year - 1}/{100 + board.index * 7 + 1}"
    )
    follow_up["approved_at"] = start_of_day(decided) + dt.timedelta(hours=16)
    follow_up["approved_by"] = secretary
    follow_up["approved_by_name"] = board.names[secretary]
    if status == "sent":
        follow_up["sent_at"] = follow_up["approved_at"] + dt.timedelta(days=1)
        follow_up["sent_by_name"] = board.names[secretary]
    return follow_up


async def insert_reviews(
    boards: list[BoardInfo], years: list[int], today: dt.date, coordinator: tuple[int, str]
) -> int:
    """KS's decided review of every ended year it has met on (April the year after)."""
    ks = boards[0]
    secretary = ks.users["secretary"]
    written = 0
    for year in years:
        decided = _weekday(dt.date(year + 1, 4, 14))
        if decided > today:
            continue
        overview = await build_overview(year, reporting_periods(year)[-1])
        totals = overview.totals
        review_id = (
            await insert_rows(
                ConsolidatedReview,
                [
                    dict(
                        year=year,
                        status="decided",
                        findings=(
                            f"Av {totals.due} planerade kontrolltillfällen under {year} har "
                            f"{totals.tested} rapporterats, varav {totals.not_performed} som "
                            f"ej genomförda. Kontrollerna visade {totals.deviations_minor} "
                            f"mindre och {totals.deviations_major} väsentliga avvikelser."
                        ),
                        proposals=PROPOSALS,
                        created_at=start_of_day(decided - dt.timedelta(days=30)),
                        updated_at=start_of_day(decided - dt.timedelta(days=7)),
                        updated_by_name=coordinator[1],
                        decided_on=decided,
                        paragraph=paragraph_text("58"),
                        registry_number=f"KS {year + 1}/0123",
                        decided_at=start_of_day(decided) + dt.timedelta(hours=15),
                        decided_by=secretary,
                        decided_by_name=ks.names[secretary],
                    )
                ],
            )
        )[0]
        judgements = [
            dict(
                review=review_id,
                board=board.id,
                level=judgement(board, year),
                comment="Kontrollerna är genomförda enligt planen."
                if judgement(board, year) == "green"
                else "Nämnden har själv vidtagit åtgärder mot avvikelserna.",
            )
            for board in boards
        ]
        judgements += [
            dict(review=review_id, process=board.processes[0], level="yellow")
            for board in boards[1:4]
        ]
        await insert_rows(ReviewJudgement, judgements)
        snapshot = await _snapshot(year, review_id)
        await ConsolidatedReview.update({ConsolidatedReview.snapshot: snapshot}).where(
            ConsolidatedReview.id == review_id
        )
        written += 1
    return written


async def insert_audit_trail() -> int:
    """The audit events of the adoptions and decisions, dated when they happened."""
    events = []
    for plan in await ControlPlan.select(
        ControlPlan.all_columns(), ControlPlan.adopted_by.username.as_alias("username")
    ).where(ControlPlan.adopted_at.is_not_null()):
        events.append(
            dict(
                at=plan["adopted_at"],
                actor=plan["adopted_by"],
                actor_username=plan["username"],
                action="adopt",
                entity="control_plan",
                entity_id=str(plan["id"]),
                board=plan["board"],
                summary=(
                    f"Internkontrollplan {plan['year']} v{plan['version']} antagen "
                    f"{plan['decided_on'].isoformat()} {plan['paragraph']}, "
                    f"Dnr {plan['registry_number']}"
                ),
            )
        )
    for row in await FollowUp.select(
        FollowUp.all_columns(exclude=[FollowUp.snapshot]),
        FollowUp.approved_by.username.as_alias("username"),
    ).where(FollowUp.approved_at.is_not_null()):
        label = "Helår" if row["period"] == FINAL_KEY else "Delår"
        for action, at, summary in (
            ("decide", row["approved_at"], "godkänd av nämnden"),
            ("status", row["sent_at"], "skickad till KS"),
        ):
            if at is None:
                continue
            events.append(
                dict(
                    at=at,
                    actor=row["approved_by"],
                    actor_username=row["username"],
                    action=action,
                    entity="follow_up",
                    entity_id=str(row["id"]),
                    board=row["board"],
                    summary=f"Uppföljning {label} {row['year']} {summary}",
                )
            )
    await insert_rows(AuditEvent, events)
    return len(events)

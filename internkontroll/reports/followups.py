"""A board's follow-up at a reporting point: written, approved by the nämnd (frozen), sent to KS.

The rules: a preparer writes the judgement and summary while it is a draft; the secretary
records the nämnd's decision, no earlier than the period's end, which freezes the figures as
they stand (FollowUp.snapshot); only then can it be sent to KS. A frozen follow-up refuses
every change with 409, and its figures never change even when results are corrected later.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from internkontroll.audit import services as audit
from internkontroll.auth.permissions import Action, require
from internkontroll.auth.principal import Actor, Principal
from internkontroll.controls.decisions import DecisionInput, decision_errors, paragraph_text
from internkontroll.controls.plans import lock_board
from internkontroll.controls.tables import ControlPlan
from internkontroll.db import write_transaction
from internkontroll.errors import Conflict, FieldError, NotReady, ValidationFailed
from internkontroll.reports.followup_figures import FollowUpFigures, build_figures
from internkontroll.reports.followup_schemas import figures_from_json, figures_to_json
from internkontroll.reports.periods import ReportingPeriod, reporting_period, reporting_periods
from internkontroll.reports.tables import (
    FOLLOW_UP_STATUS_LABELS,
    FROZEN_FOLLOW_UP_STATUSES,
    JUDGEMENT_COLOURS,
    JUDGEMENT_LABELS,
    FollowUp,
)
from internkontroll.risks.register import board_or_404, check_year
from internkontroll.timeutil import now, today

SUMMARY_LIMIT = 20_000
NOT_STARTED = "Ej påbörjad"
FROZEN_MESSAGE = "Uppföljningen är godkänd av nämnden och kan inte ändras."
SENT_MESSAGE = "Uppföljningen är redan skickad till KS."
NOT_APPROVED_MESSAGE = (
    "Uppföljningen kan skickas till KS först när nämndens beslut om den är registrerat."
)
JUDGEMENT_SIGNALS = {"green": "green", "yellow": "yellow", "red": "red"}


@dataclass(frozen=True)
class FollowUpInput:
    """What the preparer writes: a traffic-light judgement and the summary behind it."""

    judgement: str  # 'green' | 'yellow' | 'red'
    summary: str


def follow_up_errors(data: FollowUpInput) -> list[FieldError]:
    """What is wrong with a draft: a judgement outside the three, an over-long summary.

    An empty summary is allowed in a draft; approving needs one (see approve_follow_up)."""
    errors = []
    if data.judgement not in JUDGEMENT_LABELS:
        errors.append(FieldError("judgement", "välj en bedömning: grön, gul eller röd"))
    if len(data.summary) > SUMMARY_LIMIT:
        errors.append(FieldError("summary", f"högst {SUMMARY_LIMIT} tecken"))
    elif "\x00" in data.summary:
        errors.append(FieldError("summary", "innehåller ett otillåtet tecken"))
    return errors


@dataclass
class FollowUpDocument:
    """A follow-up as every view shows it: its row, its period and its figures."""

    board: dict[str, Any]
    period: ReportingPeriod
    follow_up: dict[str, Any] | None
    figures: FollowUpFigures

    @property
    def status(self) -> str:
        """'not_started', 'draft', 'approved' or 'sent'."""
        return self.follow_up["status"] if self.follow_up else "not_started"

    @property
    def status_label(self) -> str:
        """Ej påbörjad, Utkast, Godkänd av nämnden, Skickad till KS."""
        return FOLLOW_UP_STATUS_LABELS.get(self.status, NOT_STARTED)

    @property
    def is_frozen(self) -> bool:
        """True once the nämnd has approved it."""
        return self.status in FROZEN_FOLLOW_UP_STATUSES

    @property
    def judgement(self) -> str:
        """'green', 'yellow', 'red' or '' while none is written."""
        return self.follow_up["judgement"] if self.follow_up else ""

    @property
    def judgement_label(self) -> str:
        """'Grön – Tillfredsställande', or '' while none is written."""
        if not self.judgement:
            return ""
        return f"{JUDGEMENT_COLOURS[self.judgement]} – {JUDGEMENT_LABELS[self.judgement]}"

    @property
    def summary(self) -> str:
        """The preparer's summary."""
        return self.follow_up["summary"] if self.follow_up else ""

    @property
    def decision_text(self) -> str:
        """'Godkänd av nämnden 2026-09-15 § 80, Dnr BUN 2026/90', or '' before the decision."""
        row = self.follow_up
        if not row or row["decided_on"] is None:
            return ""
        return (
            f"Godkänd av nämnden {row['decided_on'].isoformat()} {row['paragraph']}, "
            f"Dnr {row['registry_number']}"
        )

    @property
    def title(self) -> str:
        """'Uppföljning av internkontrollplan 2026 – Delår per 31 augusti 2026'."""
        return f"Uppföljning av internkontrollplan {self.period.year} – {self.period.label}"


def status_of(row: dict[str, Any] | None) -> str:
    """A follow-up row's status, 'not_started' without one."""
    return row["status"] if row else "not_started"


async def _context(
    principal: Principal, action: Action, board_id: int, year: int, period_key: str
) -> tuple[dict[str, Any], ReportingPeriod]:
    """The board (404) the principal may act on (403), and the period (422 for a bad one)."""
    board = await board_or_404(board_id)
    require(principal, action, board_id)
    check_year(year)
    return board, reporting_period(year, period_key)


async def _row(board_id: int, year: int, period_key: str) -> dict[str, Any] | None:
    return (
        await FollowUp.select()
        .where(
            (FollowUp.board == board_id) & (FollowUp.year == year) & (FollowUp.period == period_key)
        )
        .first()
    )


async def _has_adopted_plan(board_id: int, year: int) -> bool:
    return await ControlPlan.exists().where(
        (ControlPlan.board == board_id)
        & (ControlPlan.year == year)
        & (ControlPlan.status == "adopted")
    )


async def save_follow_up(
    principal: Principal, board_id: int, year: int, period_key: str, data: FollowUpInput
) -> int:
    """Create or update the draft's judgement and summary; return the follow-up's id."""
    board, period = await _context(principal, Action.WRITE_FOLLOW_UP, board_id, year, period_key)
    errors = follow_up_errors(data)
    if errors:
        raise ValidationFailed(errors)
    async with write_transaction():
        await lock_board(board_id)
        before = await _row(board_id, year, period_key)
        if before is not None and before["status"] in FROZEN_FOLLOW_UP_STATUSES:
            raise Conflict(FROZEN_MESSAGE)
        if not await _has_adopted_plan(board_id, year):
            raise Conflict(
                f"{board['short_name']} har ingen antagen internkontrollplan för {year} "
                "att följa upp."
            )
        values = {
            FollowUp.judgement: data.judgement,
            FollowUp.summary: data.summary.strip(),
            FollowUp.updated_at: now(),
            FollowUp.updated_by_name: principal.display_name,
        }
        if before is None:
            rows = await FollowUp.insert(
                FollowUp(
                    board=board_id,
                    year=year,
                    period=period.key,
                    period_end=period.end,
                    status="draft",
                    **{column._meta.name: value for column, value in values.items()},
                )
            ).returning(FollowUp.id)
            follow_up_id = rows[0]["id"]
        else:
            follow_up_id = before["id"]
            await FollowUp.update(values).where(FollowUp.id == follow_up_id)
        after = await FollowUp.select().where(FollowUp.id == follow_up_id).first()
        await audit.record(
            Actor.of(principal),
            "create" if before is None else "update",
            "follow_up",
            follow_up_id,
            board_id=board_id,
            before=before,
            after=after,
            summary=(
                f"Uppföljning {period.label}: bedömning {JUDGEMENT_COLOURS[data.judgement].lower()}"
            ),
        )
    return follow_up_id


async def approve_follow_up(
    principal: Principal, board_id: int, year: int, period_key: str, decision: DecisionInput
) -> None:
    """Record the nämnd's decision approving the follow-up; its figures freeze as they stand.

    Needs a saved draft with a judgement and a summary: without them 409 (NotReady) names
    the missing fields. The decision cannot predate the period's end (422 on decided_on)."""
    board, period = await _context(principal, Action.RECORD_DECISION, board_id, year, period_key)
    current = await _row(board_id, year, period_key)
    if current is not None and current["status"] in FROZEN_FOLLOW_UP_STATUSES:
        raise Conflict("Uppföljningen är redan godkänd av nämnden.")
    errors = decision_errors(decision, not_before=period.end)
    if errors:
        raise ValidationFailed(errors)
    async with write_transaction():
        await lock_board(board_id)
        before = await _row(board_id, year, period_key)
        if before is not None and before["status"] in FROZEN_FOLLOW_UP_STATUSES:
            raise Conflict("Uppföljningen är redan godkänd av nämnden.")
        problems = _readiness(before)
        if problems:
            raise NotReady(
                "Uppföljningen kan inte godkännas än: " + "; ".join(p.message for p in problems),
                problems,
            )
        assert before is not None
        figures = await build_figures(board, period, today())
        await FollowUp.update(
            {
                FollowUp.status: "approved",
                FollowUp.snapshot: figures_to_json(figures),
                FollowUp.decided_on: decision.decided_on,
                FollowUp.paragraph: paragraph_text(decision.paragraph),
                FollowUp.registry_number: decision.registry_number.strip(),
                FollowUp.approved_at: now(),
                FollowUp.approved_by: principal.id,
                FollowUp.approved_by_name: principal.display_name,
            }
        ).where(FollowUp.id == before["id"])
        after = await FollowUp.select().where(FollowUp.id == before["id"]).first()
        await audit.record(
            Actor.of(principal),
            "decide",
            "follow_up",
            before["id"],
            board_id=board_id,
            before={k: v for k, v in before.items() if k != "snapshot"},
            after={k: v for k, v in after.items() if k != "snapshot"},
            summary=(
                f"Uppföljning {period.label} godkänd av nämnden "
                f"{decision.decided_on.isoformat()} {after['paragraph']}, "
                f"Dnr {after['registry_number']}"
            ),
        )


def _readiness(row: dict[str, Any] | None) -> list[FieldError]:
    """What a follow-up lacks before the nämnd can approve it."""
    if row is None:
        return [FieldError("summary", "uppföljningen är inte påbörjad: skriv bedömningen först")]
    problems = []
    if row["judgement"] not in JUDGEMENT_LABELS:
        problems.append(FieldError("judgement", "ange en samlad bedömning (grön, gul eller röd)"))
    if not row["summary"].strip():
        problems.append(FieldError("summary", "skriv en sammanfattning av bedömningen"))
    return problems


async def send_follow_up(principal: Principal, board_id: int, year: int, period_key: str) -> None:
    """Send the approved follow-up to KS; a draft cannot go (409), nor one already sent."""
    _, period = await _context(principal, Action.RECORD_DECISION, board_id, year, period_key)
    async with write_transaction():
        await lock_board(board_id)
        before = await _row(board_id, year, period_key)
        if before is None or before["status"] == "draft":
            raise Conflict(NOT_APPROVED_MESSAGE)
        if before["status"] == "sent":
            raise Conflict(SENT_MESSAGE)
        await FollowUp.update(
            {
                FollowUp.status: "sent",
                FollowUp.sent_at: now(),
                FollowUp.sent_by_name: principal.display_name,
            }
        ).where(FollowUp.id == before["id"])
        after = await FollowUp.select().where(FollowUp.id == before["id"]).first()
        await audit.record(
            Actor.of(principal),
            "status",
            "follow_up",
            before["id"],
            board_id=board_id,
            before={k: v for k, v in before.items() if k != "snapshot"},
            after={k: v for k, v in after.items() if k != "snapshot"},
            summary=f"Uppföljning {period.label} skickad till KS",
        )


async def follow_up_document(
    principal: Principal, board_id: int, year: int, period_key: str
) -> FollowUpDocument:
    """The follow-up with live figures while a draft, or its frozen figures once approved."""
    board, period = await _context(principal, Action.VIEW_BOARD, board_id, year, period_key)
    return await document_for(board, period)


async def document_for(board: dict[str, Any], period: ReportingPeriod) -> FollowUpDocument:
    """The document without a permission check, for callers that already checked one."""
    row = await _row(board["id"], period.year, period.key)
    if row is not None and row["status"] in FROZEN_FOLLOW_UP_STATUSES and row["snapshot"]:
        figures = figures_from_json(row["snapshot"])
    else:
        figures = await build_figures(board, period, today())
    return FollowUpDocument(board=board, period=period, follow_up=row, figures=figures)


@dataclass
class FollowUpEntry:
    """One reporting point of the year on the board's follow-up list."""

    period: ReportingPeriod
    follow_up: dict[str, Any] | None

    @property
    def status(self) -> str:
        """'not_started', 'draft', 'approved' or 'sent'."""
        return status_of(self.follow_up)

    @property
    def status_label(self) -> str:
        """The status in Swedish."""
        return FOLLOW_UP_STATUS_LABELS.get(self.status, NOT_STARTED)

    @property
    def reached(self) -> bool:
        """True once the period's end has passed (the nämnd may then approve it)."""
        return self.period.end <= today()


async def follow_up_list(
    principal: Principal, board_id: int, year: int
) -> tuple[dict[str, Any], bool, list[FollowUpEntry]]:
    """The board, whether it has an adopted plan for the year, and each reporting point."""
    board = await board_or_404(board_id)
    require(principal, Action.VIEW_BOARD, board_id)
    check_year(year)
    rows = await FollowUp.select().where((FollowUp.board == board_id) & (FollowUp.year == year))
    by_key = {r["period"]: r for r in rows}
    entries = [FollowUpEntry(p, by_key.get(p.key)) for p in reporting_periods(year)]
    return board, await _has_adopted_plan(board_id, year), entries


def decided_on_range(period: ReportingPeriod) -> tuple[dt.date, dt.date]:
    """The dates a decision on the period's follow-up may carry: its end up to today."""
    return period.end, today()

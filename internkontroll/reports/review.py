"""KS's consolidated review of a year (samlad bedömning): drafting it and recording KS's decision.

A coordinator writes the draft: findings, improvement proposals and a traffic-light judgement
per board and, where KS wants one, per process. KS's decision freezes it together with the
year's helår overview and the boards whose follow-up never reached KS, exactly as KS saw them.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from internkontroll.audit import services as audit
from internkontroll.auth.permissions import Action, require
from internkontroll.auth.principal import Actor, Principal
from internkontroll.controls.decisions import DecisionInput, decision_errors, paragraph_text
from internkontroll.db import write_transaction
from internkontroll.errors import Conflict, FieldError, NotFound, ValidationFailed
from internkontroll.organisation.tables import Board, Process
from internkontroll.reports.overview import as_dict, build_overview
from internkontroll.reports.periods import FINAL_KEY, reporting_period
from internkontroll.reports.tables import JUDGEMENT_LABELS, ConsolidatedReview, ReviewJudgement
from internkontroll.risks.register import check_year
from internkontroll.timeutil import now

MAX_FINDINGS = 20_000
MAX_PROPOSALS = 20_000
MAX_COMMENT = 4_000
MAX_JUDGEMENTS = 2_000
LEVELS = tuple(JUDGEMENT_LABELS)  # green, yellow, red
DECIDED_MESSAGE = "KS har beslutat om den samlade bedömningen för {year}; den kan inte ändras."
SNAPSHOT_VERSION = 1


@dataclass(frozen=True)
class JudgementInput:
    """KS's judgement of one board or one process (exactly one of board_id and process_id)."""

    level: str  # 'green' | 'yellow' | 'red'
    comment: str = ""
    board_id: int | None = None
    process_id: int | None = None


@dataclass(frozen=True)
class ReviewInput:
    """The whole draft: findings, improvement proposals and every judgement."""

    findings: str
    proposals: str
    judgements: tuple[JudgementInput, ...]


def no_review_message(year: int) -> str:
    """'Det finns ingen samlad bedömning för 2025.'"""
    return f"Det finns ingen samlad bedömning för {year}."


def decided_message(year: int) -> str:
    """The 409 text for a decided review."""
    return DECIDED_MESSAGE.format(year=year)


def _text_errors(field: str, value: str, limit: int) -> list[FieldError]:
    if len(value) > limit:
        return [FieldError(field, f"högst {limit} tecken")]
    if "\x00" in value:
        return [FieldError(field, "innehåller ett otillåtet tecken")]
    return []


async def _active_targets() -> tuple[dict[int, dict[str, Any]], dict[int, dict[str, Any]]]:
    """Active boards and the active processes of active boards, by id (2 queries)."""
    boards = await Board.select(Board.id, Board.short_name, Board.name).where(Board.active.eq(True))
    processes = await Process.select(Process.id, Process.board, Process.name).where(
        Process.active.eq(True) & Process.board.active.eq(True)
    )
    return {b["id"]: b for b in boards}, {p["id"]: p for p in processes}


async def review_errors(data: ReviewInput) -> list[FieldError]:
    """Everything wrong with a draft, each error naming its field (judgements[N].level, …)."""
    errors = _text_errors("findings", data.findings, MAX_FINDINGS)
    errors += _text_errors("proposals", data.proposals, MAX_PROPOSALS)
    if len(data.judgements) > MAX_JUDGEMENTS:
        return errors + [FieldError("judgements", f"högst {MAX_JUDGEMENTS} bedömningar")]
    boards, processes = await _active_targets()
    seen_boards: set[int] = set()
    seen_processes: set[int] = set()
    for index, judgement in enumerate(data.judgements):
        prefix = f"judgements[{index}]"
        if judgement.level not in LEVELS:
            errors.append(FieldError(f"{prefix}.level", "välj grön, gul eller röd"))
        errors += _text_errors(f"{prefix}.comment", judgement.comment, MAX_COMMENT)
        if (judgement.board_id is None) == (judgement.process_id is None):
            errors.append(FieldError(prefix, "ange antingen en nämnd eller en process"))
        elif judgement.board_id is not None:
            if judgement.board_id not in boards:
                errors.append(FieldError(f"{prefix}.board_id", "nämnden finns inte"))
            elif judgement.board_id in seen_boards:
                errors.append(FieldError(f"{prefix}.board_id", "nämnden har redan en bedömning"))
            seen_boards.add(judgement.board_id)
        else:
            assert judgement.process_id is not None
            if judgement.process_id not in processes:
                errors.append(FieldError(f"{prefix}.process_id", "processen finns inte"))
            elif judgement.process_id in seen_processes:
                errors.append(
                    FieldError(f"{prefix}.process_id", "processen har redan en bedömning")
                )
            seen_processes.add(judgement.process_id)
    return errors


async def _row(year: int) -> dict[str, Any] | None:
    return await ConsolidatedReview.select().where(ConsolidatedReview.year == year).first()


async def _lock(year: int) -> dict[str, Any] | None:
    """Inside a write transaction: hold the year's review row until commit, and read it."""
    await ConsolidatedReview.update({ConsolidatedReview.year: ConsolidatedReview.year}).where(
        ConsolidatedReview.year == year
    )
    return await _row(year)


async def _judgement_rows(review_id: int) -> list[dict[str, Any]]:
    return (
        await ReviewJudgement.select(
            ReviewJudgement.board,
            ReviewJudgement.process,
            ReviewJudgement.level,
            ReviewJudgement.comment,
        )
        .where(ReviewJudgement.review == review_id)
        .order_by(ReviewJudgement.id)
    )


async def save_review(principal: Principal, year: int, data: ReviewInput) -> int:
    """Create or replace the year's draft (its judgements as a whole); return the review's id."""
    require(principal, Action.WRITE_CONSOLIDATED_REVIEW)
    check_year(year)
    existing = await _row(year)
    # A decided review answers 409 whatever the body says: the state, not the input, is wrong.
    if existing is not None and existing["status"] == "decided":
        raise Conflict(decided_message(year))
    errors = await review_errors(data)
    if errors:
        raise ValidationFailed(errors)
    async with write_transaction():
        inserted = (
            await ConsolidatedReview.insert(ConsolidatedReview(year=year))
            .on_conflict(target=ConsolidatedReview.year, action="DO NOTHING")
            .returning(ConsolidatedReview.id)
        )
        before = await _lock(year)
        assert before is not None
        if before["status"] == "decided":
            raise Conflict(decided_message(year))
        review_id = before["id"]
        old_judgements = [] if inserted else await _judgement_rows(review_id)
        await ConsolidatedReview.update(
            {
                ConsolidatedReview.findings: data.findings.strip(),
                ConsolidatedReview.proposals: data.proposals.strip(),
                ConsolidatedReview.updated_at: now(),
                ConsolidatedReview.updated_by_name: principal.display_name,
            }
        ).where(ConsolidatedReview.id == review_id)
        await ReviewJudgement.delete().where(ReviewJudgement.review == review_id)
        if data.judgements:
            await ReviewJudgement.insert(
                *[
                    ReviewJudgement(
                        review=review_id,
                        board=j.board_id,
                        process=j.process_id,
                        level=j.level,
                        comment=j.comment.strip(),
                    )
                    for j in data.judgements
                ]
            )
        after = await _row(year)
        assert after is not None
        await audit.record(
            Actor.of(principal),
            "create" if inserted else "update",
            "consolidated_review",
            review_id,
            before=None if inserted else {**before, "judgements": old_judgements},
            after={**after, "judgements": await _judgement_rows(review_id)},
            summary=(
                f"Samlad bedömning {year}: utkast sparat med {len(data.judgements)} bedömningar"
            ),
        )
    return review_id


def not_before(year: int) -> dt.date:
    """KS reviews a year once it has ended: the decision cannot be dated before 1 January Y+1."""
    return dt.date(year + 1, 1, 1)


async def _completeness_errors(review: dict[str, Any]) -> list[FieldError]:
    """Findings written and every active board judged, or what is missing."""
    errors = []
    if not review["findings"].strip():
        errors.append(FieldError("findings", "skriv KS:s iakttagelser innan beslutet registreras"))
    judged = {j["board"] for j in await _judgement_rows(review["id"]) if j["board"] is not None}
    boards = (
        await Board.select(Board.id, Board.short_name)
        .where(Board.active.eq(True))
        .order_by(Board.short_name)
    )
    missing = [b["short_name"] for b in boards if b["id"] not in judged]
    if missing:
        errors.append(FieldError("judgements", "bedömning saknas för " + ", ".join(missing)))
    return errors


async def _snapshot(year: int, review_id: int) -> str:
    """The helår overview, who did not report and the judgements with names, as JSON text."""
    period = reporting_period(year, FINAL_KEY)
    overview = await build_overview(year, period)
    judgements = await judgement_views(review_id)
    not_reported = [
        {"board_id": b.board_id, "short_name": b.short_name, "name": b.name}
        for b in overview.not_reported(FINAL_KEY)
    ]
    return json.dumps(
        {
            "version": SNAPSHOT_VERSION,
            "period": FINAL_KEY,
            "overview": as_dict(overview),
            "not_reported": not_reported,
            "judgements": as_dict(judgements),
        },
        ensure_ascii=False,
    )


async def decide_review(principal: Principal, year: int, decision: DecisionInput) -> None:
    """Record KS's decision: the review freezes with the overview and the boards not reported."""
    require(principal, Action.RECORD_REVIEW_DECISION)
    check_year(year)
    existing = await _row(year)
    if existing is None:
        raise NotFound(no_review_message(year))
    if existing["status"] == "decided":
        raise Conflict(decided_message(year))
    decision_problems = decision_errors(decision, not_before=not_before(year))
    async with write_transaction():
        before = await _lock(year)
        assert before is not None
        if before["status"] == "decided":
            raise Conflict(decided_message(year))
        errors = decision_problems + await _completeness_errors(before)
        if errors:
            raise ValidationFailed(errors)
        snapshot = await _snapshot(year, before["id"])
        await ConsolidatedReview.update(
            {
                ConsolidatedReview.status: "decided",
                ConsolidatedReview.snapshot: snapshot,
                ConsolidatedReview.decided_on: decision.decided_on,
                ConsolidatedReview.paragraph: paragraph_text(decision.paragraph),
                ConsolidatedReview.registry_number: decision.registry_number.strip(),
                ConsolidatedReview.decided_at: now(),
                ConsolidatedReview.decided_by: principal.id,
                ConsolidatedReview.decided_by_name: principal.display_name,
            }
        ).where(ConsolidatedReview.id == before["id"])
        after = await _row(year)
        assert after is not None
        await audit.record(
            Actor.of(principal),
            "decide",
            "consolidated_review",
            before["id"],
            before={k: v for k, v in before.items() if k != "snapshot"},
            after={k: v for k, v in after.items() if k != "snapshot"},
            summary=(
                f"Samlad bedömning {year} beslutad av KS {decision.decided_on.isoformat()} "
                f"{after['paragraph']}, Dnr {after['registry_number']}"
            ),
        )


@dataclass(frozen=True)
class JudgementView:
    """A judgement with the names of what it judges."""

    level: str
    comment: str
    board_id: int | None
    board_short_name: str
    board_name: str
    process_id: int | None = None
    process_name: str = ""


async def judgement_views(review_id: int) -> list[JudgementView]:
    """The review's judgements with board and process names (one query)."""
    rows = (
        await ReviewJudgement.select(
            ReviewJudgement.level,
            ReviewJudgement.comment,
            ReviewJudgement.board,
            ReviewJudgement.process,
            ReviewJudgement.board.short_name.as_alias("board_short"),
            ReviewJudgement.board.name.as_alias("board_full"),
            ReviewJudgement.process.name.as_alias("process_name"),
            ReviewJudgement.process.board.as_alias("process_board"),
            ReviewJudgement.process.board.short_name.as_alias("process_board_short"),
            ReviewJudgement.process.board.name.as_alias("process_board_full"),
        )
        .where(ReviewJudgement.review == review_id)
        .order_by(ReviewJudgement.id)
    )
    views = []
    for r in rows:
        if r["board"] is not None:
            views.append(
                JudgementView(
                    r["level"], r["comment"], r["board"], r["board_short"], r["board_full"]
                )
            )
        else:
            views.append(
                JudgementView(
                    r["level"],
                    r["comment"],
                    r["process_board"],
                    r["process_board_short"],
                    r["process_board_full"],
                    r["process"],
                    r["process_name"],
                )
            )
    return views

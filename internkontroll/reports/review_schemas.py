"""JSON shapes of KS's consolidated review, and conversion from the review document."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec
from msgspec import Meta

from internkontroll.reports.counts import Counts
from internkontroll.reports.review import MAX_JUDGEMENTS, JudgementInput, JudgementView, ReviewInput
from internkontroll.reports.review_document import BoardSection, ReviewDocument, judgement_text

Id = Annotated[int, Meta(ge=1, le=2**31 - 1)]


class JudgementIn(msgspec.Struct):
    """A judgement of one board or one process: give exactly one of board_id and process_id.

    level is green (tillfredsställande), yellow (brister som nämnden själv rättar) or red
    (inte tillfredsställande, KS bör agera)."""

    level: str
    comment: str = ""
    board_id: Id | None = None
    process_id: Id | None = None


class ReviewIn(msgspec.Struct):
    """The whole draft; its judgements replace the earlier ones as a whole."""

    findings: str = ""
    proposals: str = ""
    judgements: Annotated[list[JudgementIn], Meta(max_length=MAX_JUDGEMENTS)] = []


def review_input(data: ReviewIn) -> ReviewInput:
    """The service's input for a draft sent as JSON."""
    return ReviewInput(
        findings=data.findings,
        proposals=data.proposals,
        judgements=tuple(
            JudgementInput(j.level, j.comment, j.board_id, j.process_id) for j in data.judgements
        ),
    )


class CountsOut(msgspec.Struct):
    """A board's figures for the year (helår), from the counting service."""

    due: int
    tested: int
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


class JudgementOut(msgspec.Struct):
    """KS's judgement: level, the level in words and KS's comment."""

    level: str
    level_text: str
    comment: str


class ProcessJudgementOut(msgspec.Struct):
    """KS's judgement of one process of a board."""

    board_id: int | None
    board_short_name: str
    process_id: int | None
    process_name: str
    level: str
    level_text: str
    comment: str


class BoardReviewOut(msgspec.Struct):
    """One board: KS's judgement and its key figures for the year."""

    board_id: int
    short_name: str
    name: str
    kind: str
    judgement: JudgementOut | None
    timeliness: str
    timeliness_label: str
    counts: CountsOut
    accepted_high_risks: int
    follow_up_status: str | None
    follow_up_received: bool


class NamedBoardOut(msgspec.Struct):
    """A board named in the review."""

    board_id: int
    short_name: str
    name: str


class DecisionOut(msgspec.Struct):
    """KS's decision on the review."""

    decided_on: dt.date
    paragraph: str
    registry_number: str
    decided_by_name: str
    decided_at: dt.datetime | None


class ReviewOut(msgspec.Struct):
    """KS's consolidated review of a year: status none, draft or decided.

    Figures are live while a draft and as KS decided on them afterwards."""

    year: int
    title: str
    status: str
    status_label: str
    decision: DecisionOut | None
    decision_text: str
    findings: str
    proposals: str
    updated_by_name: str
    period_label: str
    as_of: dt.date
    boards: list[BoardReviewOut]
    process_judgements: list[ProcessJudgementOut]
    not_reported: list[NamedBoardOut]
    missing_judgements: list[str]


def _counts(counts: Counts) -> CountsOut:
    return CountsOut(**counts.as_dict())


def _judgement(j: JudgementView | None) -> JudgementOut | None:
    return JudgementOut(j.level, judgement_text(j.level), j.comment) if j else None


def _board(section: BoardSection) -> BoardReviewOut:
    b = section.figures
    return BoardReviewOut(
        board_id=b.board_id,
        short_name=b.short_name,
        name=b.name,
        kind=b.kind,
        judgement=_judgement(section.judgement),
        timeliness=b.timeliness,
        timeliness_label=b.timeliness_label,
        counts=_counts(b.counts),
        accepted_high_risks=b.accepted_high_risks,
        follow_up_status=b.follow_up,
        follow_up_received=b.reported,
    )


def review_out(document: ReviewDocument) -> ReviewOut:
    """The document as the API answers it."""
    review = document.review
    decision = None
    if review is not None and review["decided_on"] is not None:
        decision = DecisionOut(
            decided_on=review["decided_on"],
            paragraph=review["paragraph"],
            registry_number=review["registry_number"],
            decided_by_name=review["decided_by_name"],
            decided_at=review["decided_at"],
        )
    return ReviewOut(
        year=document.year,
        title=document.title,
        status=document.status,
        status_label=document.status_label,
        decision=decision,
        decision_text=document.decision_text,
        findings=document.findings,
        proposals=document.proposals,
        updated_by_name=review["updated_by_name"] if review else "",
        period_label=document.period_label,
        as_of=document.as_of,
        boards=[_board(s) for s in document.sections],
        process_judgements=[
            ProcessJudgementOut(
                board_id=j.board_id,
                board_short_name=j.board_short_name,
                process_id=j.process_id,
                process_name=j.process_name,
                level=j.level,
                level_text=judgement_text(j.level),
                comment=j.comment,
            )
            for _, j in document.process_judgements
        ],
        not_reported=[
            NamedBoardOut(b.board_id, b.short_name, b.name) for b in document.not_reported
        ],
        missing_judgements=[b.short_name for b in document.missing_judgements],
    )

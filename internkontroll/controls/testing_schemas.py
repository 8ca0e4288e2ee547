"""JSON shapes of the testing API, and conversion from the read models."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec
from msgspec import Meta

from internkontroll.controls.schedule import period_label
from internkontroll.controls.testing_reads import (
    BoardResults,
    ControlRecord,
    MyControls,
    MyOccasion,
)
from internkontroll.controls.testing_tables import OUTCOME_LABELS
from internkontroll.controls.testing_views import (
    ActionView,
    DeviationView,
    OccasionView,
    ResultView,
)

Id = Annotated[int, Meta(ge=1, le=2**31 - 1)]
Whys = Annotated[list[str], Meta(max_length=5)]


class ResultIn(msgspec.Struct):
    """A test result; outcome is passed, minor, major or not_performed."""

    performed_on: dt.date | None
    performed_by_name: str
    sample: str
    outcome: str
    reason: str = ""
    comment: str = ""
    deviation: str = ""


class CorrectionIn(ResultIn):
    """A correction: a whole new result, and why the earlier one was wrong."""

    correction_reason: str = ""


class AnalysisIn(msgspec.Struct):
    """A deviation's description, up to five whys and the root cause."""

    description: str
    whys: Whys = []
    root_cause: str = ""


class ActionIn(msgspec.Struct):
    """What is to be done, who answers for it, and by when."""

    description: str
    responsible_id: Id | None
    due_on: dt.date | None


class PostponeIn(msgspec.Struct):
    """A later due date and why."""

    due_on: dt.date | None
    reason: str


class CloseIn(msgspec.Struct):
    """When an action was done, and what was done."""

    closed_on: dt.date | None
    note: str


class CheckIn(msgspec.Struct):
    """A later check of a closed action."""

    checked_on: dt.date | None
    effective: bool
    note: str


class EvidenceOut(msgspec.Struct):
    """A file attached to a result; `url` downloads it under its original name."""

    id: int
    original_name: str
    media_type: str
    size: int
    uploaded_by_name: str
    uploaded_at: dt.datetime
    url: str


class ResultOut(msgspec.Struct):
    """A logged result; `corrected_by` is set when a later entry corrects it."""

    id: int
    occasion_id: int
    performed_on: dt.date
    performed_by_name: str
    sample: str
    outcome: str
    outcome_label: str
    signal: str
    reason: str
    comment: str
    corrects: int | None
    corrected_by: int | None
    correction_reason: str
    recorded_by_name: str
    recorded_at: dt.datetime
    evidence: list[EvidenceOut]


class OccasionOut(msgspec.Struct):
    """A test occasion, its traffic light and its results, newest first."""

    id: int
    control_id: int
    year: int
    period_key: str
    period_label: str
    period_start: dt.date
    period_end: dt.date
    due_on: dt.date
    reporting_point: dt.date
    open_ended: bool
    scheduled: bool
    signal: str
    signal_label: str
    results: list[ResultOut]


class PostponementOut(msgspec.Struct):
    """One move of an action's due date."""

    from_due_on: dt.date
    to_due_on: dt.date
    reason: str
    by_name: str
    at: dt.datetime


class CheckOut(msgspec.Struct):
    """A later check of a closed action."""

    checked_on: dt.date
    effective: bool
    note: str
    by_name: str


class ActionOut(msgspec.Struct):
    """An action; `original_due_on` never changes when it is postponed."""

    id: int
    description: str
    responsible_id: int | None
    responsible_name: str
    original_due_on: dt.date
    due_on: dt.date
    postponed: bool
    overdue: bool
    closed_on: dt.date | None
    closing_note: str
    postponements: list[PostponementOut]
    checks: list[CheckOut]


class DeviationOut(msgspec.Struct):
    """A deviation with its root-cause analysis and actions."""

    id: int
    control_id: int
    occasion_id: int
    found_in: int
    severity: str
    severity_label: str
    description: str
    whys: list[str]
    root_cause: str
    open: bool
    withdrawn: bool
    withdrawn_reason: str
    actions: list[ActionOut]


class ControlRecordOut(msgspec.Struct):
    """A control as its latest decided plan version reads, with every occasion and deviation."""

    control_id: int
    board_id: int
    board_short_name: str
    year: int
    title: str
    purpose: str
    method_label: str
    scope: str
    frequency: str
    frequency_label: str
    owner_id: int | None
    owner_name: str
    reported_to: str
    can_test: bool
    occasions: list[OccasionOut]
    deviations: list[DeviationOut]


class MyOccasionOut(msgspec.Struct):
    """An occasion in Mina kontroller."""

    occasion_id: int
    control_id: int
    title: str
    board_short_name: str
    period_label: str
    due_on: dt.date
    signal: str
    signal_label: str


class MyActionOut(msgspec.Struct):
    """An open action the user answers for."""

    id: int
    deviation_id: int
    board_short_name: str
    description: str
    original_due_on: dt.date
    due_on: dt.date
    overdue: bool


class MyControlsOut(msgspec.Struct):
    """The signed-in user's occasions: overdue, upcoming, done this year; and their actions."""

    control_count: int
    overdue: list[MyOccasionOut]
    upcoming: list[MyOccasionOut]
    done: list[MyOccasionOut]
    actions: list[MyActionOut]


class OccasionBriefOut(msgspec.Struct):
    """One traffic light of the board's picture."""

    id: int
    period_label: str
    due_on: dt.date
    signal: str
    signal_label: str


class ControlRowOut(msgspec.Struct):
    """A control of the board's picture; `in_plan` is false once a revision dropped it."""

    control_id: int
    title: str
    frequency_label: str
    owner_name: str
    in_plan: bool
    open_deviations: int
    occasions: list[OccasionBriefOut]


class BoardResultsOut(msgspec.Struct):
    """A board's year of testing: counts by signal, controls × occasions, open deviations."""

    board_id: int
    year: int
    plan_id: int | None
    counts: dict[str, int]
    controls: list[ControlRowOut]
    open_deviations: list[DeviationOut]


def evidence_out(row: dict) -> EvidenceOut:
    """An evidence row as JSON."""
    return EvidenceOut(
        id=row["id"],
        original_name=row["original_name"],
        media_type=row["media_type"],
        size=row["size"],
        uploaded_by_name=row["uploaded_by_name"],
        uploaded_at=row["uploaded_at"],
        url=f"/bevis/{row['id']}",
    )


def result_out(view: ResultView) -> ResultOut:
    """A result as JSON."""
    r = view.row
    return ResultOut(
        id=r["id"],
        occasion_id=r["occasion"],
        performed_on=r["performed_on"],
        performed_by_name=r["performed_by_name"],
        sample=r["sample"],
        outcome=r["outcome"],
        outcome_label=OUTCOME_LABELS[r["outcome"]],
        signal=view.signal.code,
        reason=r["reason"],
        comment=r["comment"],
        corrects=r["corrects"],
        corrected_by=view.corrected_by,
        correction_reason=r["correction_reason"],
        recorded_by_name=r["recorded_by_name"],
        recorded_at=r["recorded_at"],
        evidence=[evidence_out(e) for e in view.evidence],
    )


def occasion_out(view: OccasionView) -> OccasionOut:
    """An occasion as JSON."""
    r = view.row
    return OccasionOut(
        id=r["id"],
        control_id=r["control"],
        year=r["year"],
        period_key=r["period_key"],
        period_label=period_label(r["period_key"]),
        period_start=r["period_start"],
        period_end=r["period_end"],
        due_on=r["due_on"],
        reporting_point=r["reporting_point"],
        open_ended=r["open_ended"],
        scheduled=r["scheduled"],
        signal=view.signal.code,
        signal_label=view.signal.label,
        results=[result_out(v) for v in view.results],
    )


def action_out(view: ActionView) -> ActionOut:
    """An action as JSON."""
    r = view.row
    return ActionOut(
        id=r["id"],
        description=r["description"],
        responsible_id=r["responsible"],
        responsible_name=r["responsible_name"],
        original_due_on=r["original_due_on"],
        due_on=r["due_on"],
        postponed=view.postponed,
        overdue=view.overdue,
        closed_on=r["closed_on"],
        closing_note=r["closing_note"],
        postponements=[
            PostponementOut(m["from_due_on"], m["to_due_on"], m["reason"], m["by_name"], m["at"])
            for m in view.postponements
        ],
        checks=[
            CheckOut(c["checked_on"], c["effective"], c["note"], c["by_name"]) for c in view.checks
        ],
    )


def deviation_out(view: DeviationView) -> DeviationOut:
    """A deviation as JSON."""
    r = view.row
    return DeviationOut(
        id=r["id"],
        control_id=r["control"],
        occasion_id=r["occasion"],
        found_in=r["found_in"],
        severity=r["severity"],
        severity_label=view.severity_label,
        description=r["description"],
        whys=[r[f"why_{n}"] for n in range(1, 6)],
        root_cause=r["root_cause"],
        open=view.is_open,
        withdrawn=view.withdrawn,
        withdrawn_reason=r["withdrawn_reason"],
        actions=[action_out(a) for a in view.actions],
    )


def record_out(record: ControlRecord) -> ControlRecordOut:
    """A control's record as JSON."""
    v = record.version
    return ControlRecordOut(
        control_id=record.control["id"],
        board_id=record.control["board"],
        board_short_name=record.control["board_short_name"],
        year=record.control["year"],
        title=v["title"],
        purpose=v["purpose"],
        method_label=record.method_label,
        scope=v["scope"],
        frequency=v["frequency"],
        frequency_label=record.frequency_label,
        owner_id=v["owner"],
        owner_name=v["owner_name"],
        reported_to=v["reported_to"],
        can_test=record.can_test,
        occasions=[occasion_out(o) for o in record.occasions],
        deviations=[deviation_out(d) for d in record.deviations],
    )


def _my_occasion(item: MyOccasion) -> MyOccasionOut:
    view = item.occasion
    return MyOccasionOut(
        occasion_id=view.id,
        control_id=item.control_id,
        title=item.title,
        board_short_name=item.board_short_name,
        period_label=view.label,
        due_on=view.row["due_on"],
        signal=view.signal.code,
        signal_label=view.signal.label,
    )


def my_controls_out(mine: MyControls, today: dt.date) -> MyControlsOut:
    """Mina kontroller as JSON."""
    return MyControlsOut(
        control_count=mine.control_count,
        overdue=[_my_occasion(i) for i in mine.overdue],
        upcoming=[_my_occasion(i) for _, items in mine.upcoming for i in items],
        done=[_my_occasion(i) for i in mine.done],
        actions=[
            MyActionOut(
                id=a["id"],
                deviation_id=a["deviation"],
                board_short_name=a["board_short_name"],
                description=a["description"],
                original_due_on=a["original_due_on"],
                due_on=a["due_on"],
                overdue=a["due_on"] < today,
            )
            for a in mine.actions
        ],
    )


def board_results_out(results: BoardResults) -> BoardResultsOut:
    """A board's testing picture as JSON."""
    return BoardResultsOut(
        board_id=results.board["id"],
        year=results.year,
        plan_id=results.plan["id"] if results.plan else None,
        counts=results.counts,
        controls=[
            ControlRowOut(
                control_id=row.control_id,
                title=row.title,
                frequency_label=row.frequency_label,
                owner_name=row.owner_name,
                in_plan=row.in_plan,
                open_deviations=row.open_deviations,
                occasions=[
                    OccasionBriefOut(o.id, o.label, o.row["due_on"], o.signal.code, o.signal.label)
                    for o in row.occasions
                ],
            )
            for row in results.rows
        ],
        open_deviations=[deviation_out(d) for d in results.open_deviations],
    )

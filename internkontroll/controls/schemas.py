"""JSON shapes of the plan API, and conversion from the services' rows and read models."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import msgspec
from msgspec import UNSET, Meta, UnsetType

from internkontroll.controls.deadline import BoardPlanStatus
from internkontroll.controls.tables import FREQUENCY_LABELS, METHOD_LABELS, PLAN_STATUS_LABELS
from internkontroll.controls.views import PlanControlView, PlanDocument
from internkontroll.errors import FieldError

Id = Annotated[int, Meta(ge=1, le=2**31 - 1)]
Year = Annotated[int, Meta(ge=0, le=9999)]
# Bounds only the parsing; the services give the real limits with Swedish messages.
RiskIds = Annotated[list[Id], Meta(max_length=1000)]


class PlanIn(msgspec.Struct):
    """The year of the plan to draft."""

    year: Year


class ControlIn(msgspec.Struct):
    """A control written by hand; method and frequency are codes from the lists."""

    title: str
    purpose: str = ""
    method: str = ""
    scope: str = ""
    frequency: str = ""
    report_when: str = ""
    reported_to: str = ""
    owner_id: Id | None = None
    process_id: Id | None = None
    risk_ids: RiskIds = []


class ControlChangeIn(msgspec.Struct):
    """A change to a control: a field left out keeps its value, null clears owner or process."""

    title: str | UnsetType = UNSET
    purpose: str | UnsetType = UNSET
    method: str | UnsetType = UNSET
    scope: str | UnsetType = UNSET
    frequency: str | UnsetType = UNSET
    report_when: str | UnsetType = UNSET
    reported_to: str | UnsetType = UNSET
    owner_id: Id | None | UnsetType = UNSET
    process_id: Id | None | UnsetType = UNSET
    risk_ids: RiskIds | UnsetType = UNSET


class DecisionIn(msgspec.Struct):
    """The meeting date, the minute's paragraph (§) and the registry number (Dnr)."""

    decided_on: dt.date
    paragraph: str
    registry_number: str


class SharedPointIn(msgspec.Struct):
    """One shared control point as KS words it."""

    title: str
    method: str
    report_when: str
    purpose: str = ""
    frequency: str = "half_yearly"


class SharedDecisionIn(msgspec.Struct):
    """KS's decision for a year with exactly the configured number of points."""

    year: Year
    decided_on: dt.date
    paragraph: str
    registry_number: str
    points: Annotated[list[SharedPointIn], Meta(max_length=100)]


class PlanVersionOut(msgspec.Struct):
    """One version of a board's plan for a year and its decision."""

    id: int
    board_id: int
    year: int
    version: int
    status: str
    status_label: str
    based_on: int | None
    created_at: dt.datetime
    created_by_name: str
    sent_for_decision_at: dt.datetime | None
    decided_on: dt.date | None
    paragraph: str
    registry_number: str
    adopted_at: dt.datetime | None
    adopted_by_name: str
    superseded_at: dt.datetime | None


class PlanRiskOut(msgspec.Struct):
    """A risk a control addresses; value and colour are pinned once the plan is adopted."""

    risk_id: int
    title: str
    value: int | None
    likelihood: int | None
    impact: int | None
    colour: str
    band: str
    band_colour_name: str
    high: bool


class PlanControlOut(msgspec.Struct):
    """A control as written in one plan version; control_id stays the same across versions."""

    id: int
    control_id: int
    position: int
    shared: bool
    process_id: int | None
    process_name: str
    title: str
    purpose: str
    method: str
    method_label: str
    scope: str
    frequency: str
    frequency_label: str
    report_when: str
    owner_id: int | None
    owner_name: str
    reported_to: str
    risks: list[PlanRiskOut]


class PlanOut(msgspec.Struct):
    """A plan version with its controls, its other versions and the deadline flag."""

    id: int
    board_id: int
    board_name: str
    board_short_name: str
    municipality: str
    title: str
    year: int
    version: int
    status: str
    status_label: str
    editable: bool
    frozen: bool
    based_on: int | None
    created_by_name: str
    sent_for_decision_at: dt.datetime | None
    decided_on: dt.date | None
    paragraph: str
    registry_number: str
    adopted_at: dt.datetime | None
    adopted_by_name: str
    superseded_at: dt.datetime | None
    deadline: dt.date
    timeliness: str
    timeliness_label: str
    versions: list[PlanVersionOut]
    controls: list[PlanControlOut]


class SharedPointsAddedOut(msgspec.Struct):
    """How many of KS's points were added, and the plan afterwards."""

    added: int
    plan: PlanOut


class ProblemOut(msgspec.Struct):
    """Something a draft lacks; field says where (shared_point:N, risk:N, control:N)."""

    field: str
    message: str


class ReadinessOut(msgspec.Struct):
    """Whether the draft may be sent for decision, and if not, what is missing."""

    ready: bool
    problems: list[ProblemOut]


class BoardPlanStatusOut(msgspec.Struct):
    """A board's plan for the year: on time, late, missing or pending."""

    board_id: int
    short_name: str
    name: str
    kind: str
    plan_id: int | None
    version: int | None
    status: str | None
    status_label: str
    first_decided_on: dt.date | None
    timeliness: str
    timeliness_label: str


class PlanStatusOverviewOut(msgspec.Struct):
    """Every readable board's plan for a year against the deadline."""

    year: int
    deadline: dt.date
    boards: list[BoardPlanStatusOut]


class SharedPointOut(msgspec.Struct):
    """A shared control point as KS decided it."""

    id: int
    position: int
    title: str
    purpose: str
    method: str
    method_label: str
    frequency: str
    frequency_label: str
    report_when: str


class SharedDecisionOut(msgspec.Struct):
    """KS's decision on the year's shared control points."""

    id: int
    year: int
    decided_on: dt.date
    paragraph: str
    registry_number: str
    recorded_by_name: str
    recorded_at: dt.datetime
    points: list[SharedPointOut]


class OwnerOut(msgspec.Struct):
    """A user who may own a control of the board."""

    id: int
    username: str
    name: str


def version_out(row: dict[str, Any]) -> PlanVersionOut:
    """A control_plan row as JSON."""
    return PlanVersionOut(
        id=row["id"],
        board_id=row["board"],
        year=row["year"],
        version=row["version"],
        status=row["status"],
        status_label=PLAN_STATUS_LABELS[row["status"]],
        based_on=row["based_on"],
        created_at=row["created_at"],
        created_by_name=row["created_by_name"],
        sent_for_decision_at=row["sent_for_decision_at"],
        decided_on=row["decided_on"],
        paragraph=row["paragraph"],
        registry_number=row["registry_number"],
        adopted_at=row["adopted_at"],
        adopted_by_name=row["adopted_by_name"],
        superseded_at=row["superseded_at"],
    )


def control_out(control: PlanControlView) -> PlanControlOut:
    """A control of the read model as JSON."""
    return PlanControlOut(
        id=control.id,
        control_id=control.control_id,
        position=control.position,
        shared=control.shared,
        process_id=control.process_id,
        process_name=control.process_name,
        title=control.title,
        purpose=control.purpose,
        method=control.method,
        method_label=control.method_label,
        scope=control.scope,
        frequency=control.frequency,
        frequency_label=control.frequency_label,
        report_when=control.report_when,
        owner_id=control.owner_id,
        owner_name=control.owner_name,
        reported_to=control.reported_to,
        risks=[
            PlanRiskOut(
                risk_id=r.risk_id,
                title=r.title,
                value=r.value,
                likelihood=r.likelihood,
                impact=r.impact,
                colour=r.colour,
                band=r.band,
                band_colour_name=r.band_colour_name,
                high=r.high,
            )
            for r in control.risks
        ],
    )


def plan_out(document: PlanDocument) -> PlanOut:
    """The plan document as JSON."""
    plan = document.plan
    return PlanOut(
        id=plan["id"],
        board_id=plan["board"],
        board_name=document.board_name,
        board_short_name=document.board_short_name,
        municipality=document.municipality,
        title=document.title,
        year=plan["year"],
        version=plan["version"],
        status=document.status,
        status_label=document.status_label,
        editable=document.is_draft,
        frozen=document.is_frozen,
        based_on=plan["based_on"],
        created_by_name=plan["created_by_name"],
        sent_for_decision_at=plan["sent_for_decision_at"],
        decided_on=plan["decided_on"],
        paragraph=plan["paragraph"],
        registry_number=plan["registry_number"],
        adopted_at=plan["adopted_at"],
        adopted_by_name=plan["adopted_by_name"],
        superseded_at=plan["superseded_at"],
        deadline=document.deadline,
        timeliness=document.timeliness,
        timeliness_label=document.timeliness_label,
        versions=[version_out(v) for v in document.versions],
        controls=[control_out(c) for c in document.controls],
    )


def readiness_out(problems: list[FieldError]) -> ReadinessOut:
    """The readiness check as JSON."""
    return ReadinessOut(
        ready=not problems, problems=[ProblemOut(p.field, p.message) for p in problems]
    )


def status_out(status: BoardPlanStatus) -> BoardPlanStatusOut:
    """One board's line of the deadline overview as JSON."""
    return BoardPlanStatusOut(
        board_id=status.board_id,
        short_name=status.short_name,
        name=status.name,
        kind=status.kind,
        plan_id=status.plan_id,
        version=status.version,
        status=status.status,
        status_label=status.status_label,
        first_decided_on=status.first_decided_on,
        timeliness=status.timeliness,
        timeliness_label=status.timeliness_label,
    )


def shared_decision_out(decision: dict[str, Any]) -> SharedDecisionOut:
    """KS's decision with its points as JSON."""
    return SharedDecisionOut(
        id=decision["id"],
        year=decision["year"],
        decided_on=decision["decided_on"],
        paragraph=decision["paragraph"],
        registry_number=decision["registry_number"],
        recorded_by_name=decision["recorded_by_name"],
        recorded_at=decision["recorded_at"],
        points=[
            SharedPointOut(
                id=p["id"],
                position=p["position"],
                title=p["title"],
                purpose=p["purpose"],
                method=p["method"],
                method_label=METHOD_LABELS.get(p["method"], ""),
                frequency=p["frequency"],
                frequency_label=FREQUENCY_LABELS.get(p["frequency"], ""),
                report_when=p["report_when"],
            )
            for p in decision["points"]
        ],
    )

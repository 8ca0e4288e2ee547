"""What the testing pages and API show: a control's record, Mina kontroller, a board's picture."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from internkontroll.auth.permissions import Action, require
from internkontroll.auth.principal import Principal
from internkontroll.controls.results import may_test
from internkontroll.controls.tables import (
    FREQUENCY_LABELS,
    METHOD_LABELS,
    Control,
    ControlPlan,
    PlanControl,
)
from internkontroll.controls.testing_tables import (
    CorrectiveAction,
    Deviation,
    EvidenceFile,
    TestOccasion,
    TestResult,
)
from internkontroll.controls.testing_views import (
    DeviationView,
    OccasionView,
    build_occasions,
    deviation_views,
    occasion_rows,
    results_and_evidence,
)
from internkontroll.errors import NotFound
from internkontroll.risks.register import MAX_ID, board_or_404, check_year
from internkontroll.timeutil import today


@dataclass
class ControlRecord:
    """Everything about one control: its plan text, occasions, results, deviations."""

    control: dict[str, Any]
    version: dict[str, Any]
    occasions: list[OccasionView]
    deviations: list[DeviationView]
    can_test: bool

    @property
    def frequency_label(self) -> str:
        """The frequency in Swedish."""
        return FREQUENCY_LABELS.get(self.version.get("frequency", ""), "")

    @property
    def method_label(self) -> str:
        """The test method in Swedish."""
        return METHOD_LABELS.get(self.version.get("method", ""), "")


async def latest_versions(control_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The latest decided version of each control (one query)."""
    if not control_ids:
        return {}
    rows = (
        await PlanControl.select(
            PlanControl.all_columns(),
            PlanControl.plan.status.as_alias("plan_status"),
            PlanControl.plan.version.as_alias("plan_version"),
            PlanControl.process.name.as_alias("process_name"),
        )
        .where(
            PlanControl.control.is_in(control_ids)
            & PlanControl.plan.status.is_in(["adopted", "superseded"])
        )
        .order_by(PlanControl.plan.version)
    )
    return {row["control"]: row for row in rows}  # later versions overwrite earlier ones


async def control_record(principal: Principal, control_id: int) -> ControlRecord:
    """A control with all its occasions, results, evidence and deviations; 404 or 403."""
    if not 0 < control_id <= MAX_ID:
        raise NotFound("Kontrollmomentet finns inte.")
    control = (
        await Control.select(
            Control.all_columns(),
            Control.board.short_name.as_alias("board_short_name"),
            Control.board.name.as_alias("board_name"),
        )
        .where(Control.id == control_id)
        .first()
    )
    if control is None:
        raise NotFound("Kontrollmomentet finns inte.")
    require(principal, Action.VIEW_BOARD, control["board"])
    version = (await latest_versions([control_id])).get(control_id)
    if version is None:
        raise NotFound("Kontrollmomentet ingår inte i någon antagen plan.")
    occasions = await occasion_rows(TestOccasion.control == control_id)
    results, evidence = await results_and_evidence(
        TestResult.control == control_id, EvidenceFile.result.control == control_id
    )
    day = today()
    return ControlRecord(
        control=control,
        version=version,
        occasions=build_occasions(occasions, results, evidence, day),
        deviations=await deviation_views(Deviation.control == control_id, day),
        can_test=version["plan_status"] == "adopted"
        and may_test(principal, control["board"], version["owner"]),
    )


@dataclass
class MyOccasion:
    """A row of Mina kontroller."""

    occasion: OccasionView
    control_id: int
    title: str
    board_short_name: str


@dataclass
class MyControls:
    """A control owner's occasions by status and due date, and the actions they answer for."""

    overdue: list[MyOccasion] = field(default_factory=list)
    upcoming: list[tuple[dt.date, list[MyOccasion]]] = field(default_factory=list)
    done: list[MyOccasion] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    control_count: int = 0


async def my_controls(principal: Principal) -> MyControls:
    """Every control the principal owns in an adopted plan, across boards (5 queries)."""
    owned = await PlanControl.select(
        PlanControl.control,
        PlanControl.title,
        PlanControl.plan.board.id.as_alias("board_id"),
        PlanControl.plan.board.short_name.as_alias("board_short_name"),
    ).where((PlanControl.owner == principal.id) & (PlanControl.plan.status == "adopted"))
    owned = [o for o in owned if "control_owner" in principal.roles_on(o["board_id"])]
    mine = MyControls(control_count=len(owned))
    mine.actions = (
        await CorrectiveAction.select(
            CorrectiveAction.all_columns(),
            CorrectiveAction.board.short_name.as_alias("board_short_name"),
            CorrectiveAction.deviation.description.as_alias("deviation_description"),
        )
        .where(
            (CorrectiveAction.responsible == principal.id)
            & CorrectiveAction.closed_on.is_null()
            & CorrectiveAction.deviation.withdrawn_at.is_null()
        )
        .order_by(CorrectiveAction.due_on)
    )
    if not owned:
        return mine
    by_control = {o["control"]: o for o in owned}
    ids = list(by_control)
    occasions = await occasion_rows(
        TestOccasion.control.is_in(ids) & TestOccasion.scheduled.eq(True)
    )
    results = await TestResult.select().where(TestResult.control.is_in(ids))
    day = today()
    upcoming: dict[dt.date, list[MyOccasion]] = {}
    for view in build_occasions(occasions, results, [], day):
        owner_row = by_control[view.row["control"]]
        item = MyOccasion(
            view, view.row["control"], owner_row["title"], owner_row["board_short_name"]
        )
        if view.has_result and not view.row["open_ended"]:
            if view.row["year"] == day.year:
                mine.done.append(item)
        elif view.signal.code == "overdue":
            mine.overdue.append(item)
        else:
            upcoming.setdefault(view.row["due_on"], []).append(item)
    mine.upcoming = sorted(upcoming.items())
    mine.done.sort(key=lambda m: m.occasion.row["due_on"], reverse=True)
    return mine


@dataclass
class ControlRow:
    """One control of the board's picture: its occasions as traffic lights."""

    control_id: int
    title: str
    frequency_label: str
    owner_name: str
    in_plan: bool
    occasions: list[OccasionView]
    open_deviations: int = 0


@dataclass
class BoardResults:
    """A board's year: controls × occasions, open deviations, overdue actions."""

    board: dict[str, Any]
    year: int
    plan: dict[str, Any] | None
    rows: list[ControlRow]
    deviations: list[DeviationView]
    counts: dict[str, int]

    @property
    def open_deviations(self) -> list[DeviationView]:
        """Deviations still open, most serious first."""
        return sorted(
            (d for d in self.deviations if d.is_open),
            key=lambda d: (d.row["severity"] != "major", d.row["id"]),
        )

    @property
    def overdue_actions(self) -> list[tuple[DeviationView, Any]]:
        """Open actions past their due date, with their deviation."""
        return [(d, a) for d in self.deviations if not d.withdrawn for a in d.actions if a.overdue]


async def board_results(principal: Principal, board_id: int, year: int) -> BoardResults:
    """The board's testing picture for a year (about 10 queries whatever the size)."""
    board = await board_or_404(board_id)
    require(principal, Action.VIEW_BOARD, board_id)
    check_year(year)
    plan = (
        await ControlPlan.select()
        .where(
            (ControlPlan.board == board_id)
            & (ControlPlan.year == year)
            & (ControlPlan.status == "adopted")
        )
        .first()
    )
    occasions = await occasion_rows((TestOccasion.board == board_id) & (TestOccasion.year == year))
    results = await TestResult.select().where(
        (TestResult.board == board_id) & (TestResult.occasion.year == year)
    )
    day = today()
    views = build_occasions(occasions, results, [], day)
    deviations = await deviation_views(
        (Deviation.board == board_id) & (Deviation.occasion.year == year), day
    )
    versions = await latest_versions(sorted({o["control"] for o in occasions}))
    in_plan = set()
    if plan is not None:
        in_plan = {
            r["control"]
            for r in await PlanControl.select(PlanControl.control).where(
                PlanControl.plan == plan["id"]
            )
        }
    rows = _rows(views, versions, in_plan, deviations)
    return BoardResults(board, year, plan, rows, deviations, _counts(views, deviations))


def _rows(
    views: list[OccasionView],
    versions: dict[int, dict[str, Any]],
    in_plan: set[int],
    deviations: list[DeviationView],
) -> list[ControlRow]:
    by_control: dict[int, list[OccasionView]] = {}
    for view in views:
        by_control.setdefault(view.row["control"], []).append(view)
    open_count: dict[int, int] = {}
    for d in deviations:
        if d.is_open:
            open_count[d.row["control"]] = open_count.get(d.row["control"], 0) + 1
    rows = []
    for control_id, occasions in by_control.items():
        version = versions.get(control_id, {})
        rows.append(
            ControlRow(
                control_id=control_id,
                title=version.get("title", ""),
                frequency_label=FREQUENCY_LABELS.get(version.get("frequency", ""), ""),
                owner_name=version.get("owner_name", ""),
                in_plan=control_id in in_plan,
                occasions=occasions,
                open_deviations=open_count.get(control_id, 0),
            )
        )
    rows.sort(key=lambda r: (not r.in_plan, versions.get(r.control_id, {}).get("position", 0)))
    return rows


def _counts(views: list[OccasionView], deviations: list[DeviationView]) -> dict[str, int]:
    counts = {"occasions": len(views), "due": 0, "tested": 0}
    for view in views:
        counts[view.signal.code] = counts.get(view.signal.code, 0) + 1
        if view.has_result or view.signal.code == "overdue":
            counts["due"] += 1
        if view.has_result:
            counts["tested"] += 1
    counts["open_minor"] = sum(1 for d in deviations if d.is_open and d.row["severity"] == "minor")
    counts["open_major"] = sum(1 for d in deviations if d.is_open and d.row["severity"] == "major")
    counts["overdue_actions"] = sum(
        1 for d in deviations if not d.withdrawn for a in d.actions if a.overdue
    )
    return counts

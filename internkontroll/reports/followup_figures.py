"""What a board's follow-up reports: every control's figures, results, deviations and actions.

All counting comes from reports/counts.py; this module only lists what those figures rest on.
The figures become plain JSON when the nämnd approves the follow-up (FollowUp.snapshot): see
followup_schemas.figures_to_json and figures_from_json.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from internkontroll.controls.deadline import TIMELINESS_LABELS, plan_deadline, timeliness
from internkontroll.controls.schedule import period_label
from internkontroll.controls.tables import FREQUENCY_LABELS, Control, ControlPlan, PlanControl
from internkontroll.controls.testing_reads import latest_versions
from internkontroll.controls.testing_tables import (
    OUTCOME_LABELS,
    OUTCOME_SIGNALS,
    Deviation,
    TestResult,
)
from internkontroll.controls.testing_views import SEVERITY_LABELS, deviation_views
from internkontroll.organisation.tables import Municipality
from internkontroll.reports.counts import Counts, accepted_high_risks, period_counts
from internkontroll.reports.periods import ReportingPeriod, reporting_period
from internkontroll.risks.excel_export import ASCII_NAME

ACTION_STATUS_LABELS = {"open": "Pågår", "overdue": "Försenad", "closed": "Klar"}
DEVIATION_STATUS_LABELS = {
    "open": "Öppen",
    "overdue": "Öppen – åtgärd försenad",
    "closed": "Åtgärdad",
}


@dataclass
class ResultLine:
    """A standing result performed in the period."""

    id: int
    performed_on: dt.date
    occasion_label: str
    outcome: str
    sample: str
    comment: str
    reason: str
    performed_by: str

    @property
    def outcome_label(self) -> str:
        """'Utan anmärkning', 'Mindre avvikelse', …"""
        return OUTCOME_LABELS.get(self.outcome, self.outcome)

    @property
    def signal(self) -> str:
        """The traffic light's code: green, yellow, red or grey."""
        return OUTCOME_SIGNALS.get(self.outcome, "grey")


@dataclass
class ActionLine:
    """An action on a deviation, with its first and current due dates."""

    id: int
    description: str
    responsible: str
    original_due_on: dt.date
    due_on: dt.date
    closed_on: dt.date | None
    status: str  # open, overdue, closed

    @property
    def postponed(self) -> bool:
        """True when the due date has moved."""
        return self.due_on != self.original_due_on

    @property
    def status_label(self) -> str:
        """Pågår, Försenad or Klar."""
        return ACTION_STATUS_LABELS[self.status]

    @property
    def due_text(self) -> str:
        """'2026-10-01' or '2026-10-01, uppskjuten till 2026-12-01'."""
        if self.postponed:
            return f"{self.original_due_on.isoformat()}, uppskjuten till {self.due_on.isoformat()}"
        return self.due_on.isoformat()


@dataclass
class DeviationLine:
    """A deviation found in the period, with its root cause and actions."""

    id: int
    control_id: int
    severity: str
    description: str
    root_cause: str
    found_on: dt.date
    status: str  # open, overdue, closed
    actions: list[ActionLine] = field(default_factory=list)

    @property
    def severity_label(self) -> str:
        """'Mindre' or 'Väsentlig'."""
        return SEVERITY_LABELS.get(self.severity, self.severity)

    @property
    def signal(self) -> str:
        """Yellow for a minor deviation, red for a significant one."""
        return OUTCOME_SIGNALS.get(self.severity, "grey")

    @property
    def status_label(self) -> str:
        """Öppen, Öppen – åtgärd försenad, Åtgärdad."""
        return DEVIATION_STATUS_LABELS[self.status]


@dataclass
class ControlLine:
    """One control's row of the follow-up."""

    control_id: int
    position: int
    shared: bool
    in_plan: bool
    title: str
    process: str
    frequency: str
    owner: str
    counts: Counts
    results: list[ResultLine] = field(default_factory=list)
    deviations: list[DeviationLine] = field(default_factory=list)

    @property
    def frequency_label(self) -> str:
        """The frequency in Swedish."""
        return FREQUENCY_LABELS.get(self.frequency, "")


@dataclass
class PlanFacts:
    """The adopted plan the follow-up reports on."""

    plan_id: int
    version: int
    decided_on: dt.date | None
    paragraph: str
    registry_number: str
    deadline: dt.date
    timeliness: str

    @property
    def timeliness_label(self) -> str:
        """'Antagen i tid', 'Antagen för sent', …"""
        return TIMELINESS_LABELS[self.timeliness]

    @property
    def decision_text(self) -> str:
        """'Antagen 2026-01-20 § 7, Dnr BUN 2025/301'."""
        if self.decided_on is None:
            return "Ej antagen"
        text = f"Antagen {self.decided_on.isoformat()} {self.paragraph}".strip()
        return f"{text}, Dnr {self.registry_number}" if self.registry_number else text


@dataclass
class FollowUpFigures:
    """Everything a board's follow-up for one reporting point reports."""

    board_id: int
    board_short_name: str
    board_name: str
    municipality: str
    year: int
    period_key: str
    as_of: dt.date
    plan: PlanFacts | None
    controls: list[ControlLine]
    totals: Counts
    accepted_high_risks: int

    @property
    def period(self) -> ReportingPeriod:
        """The reporting period the figures cover."""
        return reporting_period(self.year, self.period_key)

    @property
    def deviations(self) -> list[DeviationLine]:
        """Every deviation of the period, significant first, in control order."""
        found = [d for c in self.controls for d in c.deviations]
        return sorted(found, key=lambda d: d.severity != "major")

    @property
    def overdue_actions(self) -> list[tuple[DeviationLine, ActionLine]]:
        """Open actions past their due date, with their deviation."""
        return [(d, a) for d in self.deviations for a in d.actions if a.status == "overdue"]

    def control_title(self, control_id: int) -> str:
        """The title of one of the follow-up's controls."""
        return next((c.title for c in self.controls if c.control_id == control_id), "")


async def build_figures(board: dict[str, Any], period: ReportingPeriod, as_of: dt.date):
    """The follow-up's figures for a board and period now (about 20 queries whatever the size)."""
    year = period.year
    municipality = await Municipality.select(Municipality.name).first()
    plan_rows = (
        await ControlPlan.select()
        .where((ControlPlan.board == board["id"]) & (ControlPlan.year == year))
        .order_by(ControlPlan.version)
    )
    adopted = next((p for p in plan_rows if p["status"] == "adopted"), None)
    first = next((p["decided_on"] for p in plan_rows if p["decided_on"] is not None), None)
    plan = None
    if adopted is not None:
        plan = PlanFacts(
            plan_id=adopted["id"],
            version=adopted["version"],
            decided_on=adopted["decided_on"],
            paragraph=adopted["paragraph"],
            registry_number=adopted["registry_number"],
            deadline=plan_deadline(year),
            timeliness=timeliness(year, first, as_of),
        )
    controls = await _control_lines(board["id"], adopted, period, as_of)
    totals = (await period_counts(period, as_of, ids=[board["id"]])).get(board["id"], Counts())
    accepted = await accepted_high_risks(year, [board["id"]])
    return FollowUpFigures(
        board_id=board["id"],
        board_short_name=board["short_name"],
        board_name=board["name"],
        municipality=municipality["name"] if municipality else "",
        year=year,
        period_key=period.key,
        as_of=as_of,
        plan=plan,
        controls=controls,
        totals=totals,
        accepted_high_risks=accepted.get(board["id"], 0),
    )


async def _control_lines(
    board_id: int, adopted: dict[str, Any] | None, period: ReportingPeriod, as_of: dt.date
) -> list[ControlLine]:
    """The adopted plan's controls (shared first), then any others with figures in the period."""
    year = period.year
    all_controls = await Control.select(Control.id, Control.shared_point).where(
        (Control.board == board_id) & (Control.year == year)
    )
    shared = {c["id"] for c in all_controls if c["shared_point"] is not None}
    counts = await period_counts(
        period, as_of, group_by="control", ids=[c["id"] for c in all_controls]
    )
    in_plan: list[dict[str, Any]] = []
    if adopted is not None:
        in_plan = (
            await PlanControl.select(
                PlanControl.all_columns(), PlanControl.process.name.as_alias("process_name")
            )
            .where(PlanControl.plan == adopted["id"])
            .order_by(PlanControl.position)
            .order_by(PlanControl.id)
        )
    planned = {row["control"] for row in in_plan}
    results = await _results(board_id, period)
    deviations = await _deviations(board_id, period, as_of)
    # A control a revision dropped still reports what was found on it this period.
    dropped = sorted(
        c["id"]
        for c in all_controls
        if c["id"] not in planned
        and (c["id"] in counts or c["id"] in results or c["id"] in deviations)
    )
    versions = await latest_versions(dropped) if dropped else {}
    rows = [(row, True) for row in in_plan] + [
        (versions[c], False) for c in dropped if c in versions
    ]
    lines = [
        ControlLine(
            control_id=row["control"],
            position=row["position"],
            shared=row["control"] in shared,
            in_plan=planned_now,
            title=row["title"],
            process=row.get("process_name") or "",
            frequency=row["frequency"],
            owner=row["owner_name"],
            counts=counts.get(row["control"], Counts()),
            results=results.get(row["control"], []),
            deviations=deviations.get(row["control"], []),
        )
        for row, planned_now in rows
    ]
    lines.sort(key=lambda c: (not c.in_plan, not c.shared, c.position))
    return lines


async def _results(board_id: int, period: ReportingPeriod) -> dict[int, list[ResultLine]]:
    """Standing results performed in the period, per control, oldest first (one query)."""
    rows = (
        await TestResult.select(
            TestResult.all_columns(), TestResult.occasion.period_key.as_alias("period_key")
        )
        .where((TestResult.board == board_id) & (TestResult.occasion.year == period.year))
        .order_by(TestResult.performed_on)
        .order_by(TestResult.id)
    )
    corrected = {r["corrects"] for r in rows if r["corrects"] is not None}
    found: dict[int, list[ResultLine]] = {}
    for r in rows:
        if r["id"] in corrected or not period.covers(r["performed_on"]):
            continue
        found.setdefault(r["control"], []).append(
            ResultLine(
                id=r["id"],
                performed_on=r["performed_on"],
                occasion_label=f"{period_label(r['period_key'])} {period.year}",
                outcome=r["outcome"],
                sample=r["sample"],
                comment=r["comment"],
                reason=r["reason"],
                performed_by=r["performed_by_name"],
            )
        )
    return found


async def _deviations(
    board_id: int, period: ReportingPeriod, as_of: dt.date
) -> dict[int, list[DeviationLine]]:
    """Deviations found by a test performed in the period, as counts.py counts them (4 queries)."""
    views = await deviation_views(
        (Deviation.board == board_id)
        & (Deviation.occasion.year == period.year)
        & Deviation.withdrawn_at.is_null()
        & (Deviation.found_in.performed_on >= period.start)
        & (Deviation.found_in.performed_on <= period.end),
        as_of,
    )
    dates = {
        r["id"]: r["performed_on"]
        for r in await TestResult.select(TestResult.id, TestResult.performed_on).where(
            TestResult.id.is_in([v.row["found_in"] for v in views] or [0])
        )
    }
    found: dict[int, list[DeviationLine]] = {}
    for view in views:
        actions = [
            ActionLine(
                id=a.row["id"],
                description=a.row["description"],
                responsible=a.row["responsible_name"],
                original_due_on=a.row["original_due_on"],
                due_on=a.row["due_on"],
                closed_on=a.row["closed_on"],
                status="closed"
                if a.row["closed_on"] is not None
                else ("overdue" if a.overdue else "open"),
            )
            for a in view.actions
        ]
        if not view.is_open:
            status = "closed"
        elif any(a.status == "overdue" for a in actions):
            status = "overdue"
        else:
            status = "open"
        row = view.row
        found.setdefault(row["control"], []).append(
            DeviationLine(
                id=row["id"],
                control_id=row["control"],
                severity=row["severity"],
                description=row["description"],
                root_cause=row["root_cause"],
                found_on=dates.get(row["found_in"], period.end),
                status=status,
                actions=actions,
            )
        )
    return found


# ------------------------------------------------------------------ shared by every view

# (label, Counts attribute): the totals as the page, the PDF and the workbook print them.
TOTAL_ROWS: tuple[tuple[str, str], ...] = (
    ("Förfallna kontrolltillfällen", "due"),
    ("Testade", "tested"),
    ("Ej testade", "untested"),
    ("Utan anmärkning (grön)", "passed"),
    ("Mindre avvikelse (gul)", "minor"),
    ("Väsentlig avvikelse (röd)", "major"),
    ("Ej genomförd (grå)", "not_performed"),
    ("Avvikelser, mindre", "deviations_minor"),
    ("Avvikelser, väsentliga", "deviations_major"),
    ("Öppna avvikelser", "open_deviations"),
    ("Åtgärder som pågår", "open_actions"),
    ("Försenade åtgärder", "overdue_actions"),
    ("Avslutade åtgärder", "closed_actions"),
)
# (header, Counts attribute): the per-control columns, in the same words.
CONTROL_COUNT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("Förfallna", "due"),
    ("Testade", "tested"),
    ("Grön", "passed"),
    ("Gul", "minor"),
    ("Röd", "major"),
    ("Grå", "not_performed"),
    ("Avvikelser", "deviations"),
    ("Försenade åtgärder", "overdue_actions"),
)


def follow_up_file_name(figures: FollowUpFigures, extension: str) -> str:
    """An ASCII file name such as 'uppfoljning-BUN-2026-delar.pdf'."""
    ascii_short = figures.board_short_name.translate(ASCII_NAME)
    board = re.sub(r"[^A-Za-z0-9_-]+", "_", ascii_short).strip("_") or "namnd"
    return f"uppfoljning-{board}-{figures.year}-{figures.period_key}.{extension}"

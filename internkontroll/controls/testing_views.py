"""Read models of control testing: traffic lights per occasion, results, deviations."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from internkontroll.controls.schedule import period_label
from internkontroll.controls.testing_tables import (
    OUTCOME_LABELS,
    OUTCOME_SIGNALS,
    ActionCheck,
    ActionPostponement,
    CorrectiveAction,
    Deviation,
    EvidenceFile,
    TestOccasion,
    TestResult,
)

# When several results stand on one open-ended occasion, the most serious one shows.
SEVERITY = {"major": 4, "minor": 3, "not_performed": 2, "passed": 1}
SIGNAL_LABELS = {
    **{OUTCOME_SIGNALS[k]: v for k, v in OUTCOME_LABELS.items()},
    "overdue": "Försenad, ej testad",
    "upcoming": "Ej testad ännu",
}
SEVERITY_LABELS = {"minor": "Mindre", "major": "Väsentlig"}


@dataclass(frozen=True)
class Signal:
    """A traffic light: a colour code that always comes with its text."""

    code: str
    label: str


def occasion_signal(due_on: dt.date, outcomes: list[str], today: dt.date) -> Signal:
    """Green/yellow/red/grey from the standing results, else overdue or not yet tested."""
    if outcomes:
        worst = max(outcomes, key=SEVERITY.__getitem__)
        return Signal(OUTCOME_SIGNALS[worst], OUTCOME_LABELS[worst])
    code = "overdue" if due_on < today else "upcoming"
    return Signal(code, SIGNAL_LABELS[code])


def standing_results(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The results no later entry corrects: what the occasion's status rests on."""
    corrected = {r["corrects"] for r in results if r["corrects"] is not None}
    return [r for r in results if r["id"] not in corrected]


@dataclass
class ResultView:
    """One logged result, with what corrects it and its evidence."""

    row: dict[str, Any]
    signal: Signal
    corrected_by: int | None = None
    evidence: list[dict[str, Any]] = field(default_factory=list)

    @property
    def id(self) -> int:
        """The result's id."""
        return self.row["id"]


@dataclass
class OccasionView:
    """One test occasion with its results (newest first) and traffic light."""

    row: dict[str, Any]
    signal: Signal
    results: list[ResultView] = field(default_factory=list)

    @property
    def id(self) -> int:
        """The occasion's id."""
        return self.row["id"]

    @property
    def label(self) -> str:
        """'Kvartal 2 2026', 'mars 2026'."""
        return f"{period_label(self.row['period_key'])} {self.row['year']}"

    @property
    def has_result(self) -> bool:
        """True once anything was logged."""
        return bool(self.results)


def build_occasions(
    occasions: list[dict[str, Any]],
    results: list[dict[str, Any]],
    evidence: list[dict[str, Any]],
    today: dt.date,
) -> list[OccasionView]:
    """Put results and evidence under their occasions and light each occasion."""
    by_occasion: dict[int, list[dict[str, Any]]] = {}
    for row in results:
        by_occasion.setdefault(row["occasion"], []).append(row)
    files: dict[int, list[dict[str, Any]]] = {}
    for row in evidence:
        files.setdefault(row["result"], []).append(row)
    views = []
    for occasion in occasions:
        rows = sorted(by_occasion.get(occasion["id"], []), key=lambda r: r["id"], reverse=True)
        corrector = {r["corrects"]: r["id"] for r in rows if r["corrects"] is not None}
        standing = standing_results(rows)
        views.append(
            OccasionView(
                row=occasion,
                signal=occasion_signal(occasion["due_on"], [r["outcome"] for r in standing], today),
                results=[
                    ResultView(
                        row=r,
                        signal=Signal(OUTCOME_SIGNALS[r["outcome"]], OUTCOME_LABELS[r["outcome"]]),
                        corrected_by=corrector.get(r["id"]),
                        evidence=files.get(r["id"], []),
                    )
                    for r in rows
                ],
            )
        )
    return views


@dataclass
class ActionView:
    """An action with its postponements and later checks."""

    row: dict[str, Any]
    postponements: list[dict[str, Any]]
    checks: list[dict[str, Any]]
    overdue: bool

    @property
    def postponed(self) -> bool:
        """True when the due date has moved from the original one."""
        return self.row["due_on"] != self.row["original_due_on"]


@dataclass
class DeviationView:
    """A deviation with its actions; open until every action is closed."""

    row: dict[str, Any]
    actions: list[ActionView]

    @property
    def withdrawn(self) -> bool:
        """True when a correction found no deviation after all."""
        return self.row["withdrawn_at"] is not None

    @property
    def is_open(self) -> bool:
        """Open while it is not withdrawn and lacks actions or has one still open."""
        if self.withdrawn:
            return False
        return not self.actions or any(a.row["closed_on"] is None for a in self.actions)

    @property
    def severity_label(self) -> str:
        """'Mindre' or 'Väsentlig'."""
        return SEVERITY_LABELS.get(self.row["severity"], self.row["severity"])

    @property
    def signal(self) -> Signal:
        """Yellow for a minor deviation, red for a significant one."""
        return Signal(OUTCOME_SIGNALS[self.row["severity"]], OUTCOME_LABELS[self.row["severity"]])


async def deviation_views(where, today: dt.date) -> list[DeviationView]:
    """Deviations matching a condition, with their actions, postponements and checks (4 queries)."""
    deviations = (
        await Deviation.select(
            Deviation.all_columns(),
            Deviation.occasion.period_key.as_alias("period_key"),
            Deviation.occasion.year.as_alias("year"),
        )
        .where(where)
        .order_by(Deviation.id)
    )
    if not deviations:
        return []
    ids = [d["id"] for d in deviations]
    actions = (
        await CorrectiveAction.select()
        .where(CorrectiveAction.deviation.is_in(ids))
        .order_by(CorrectiveAction.id)
    )
    action_ids = [a["id"] for a in actions] or [0]
    moves = (
        await ActionPostponement.select()
        .where(ActionPostponement.action.is_in(action_ids))
        .order_by(ActionPostponement.id)
    )
    checks = (
        await ActionCheck.select()
        .where(ActionCheck.action.is_in(action_ids))
        .order_by(ActionCheck.id)
    )
    moves_of: dict[int, list[dict[str, Any]]] = {}
    for move in moves:
        moves_of.setdefault(move["action"], []).append(move)
    checks_of: dict[int, list[dict[str, Any]]] = {}
    for check in checks:
        checks_of.setdefault(check["action"], []).append(check)
    by_deviation: dict[int, list[ActionView]] = {}
    for action in actions:
        by_deviation.setdefault(action["deviation"], []).append(
            ActionView(
                row=action,
                postponements=moves_of.get(action["id"], []),
                checks=checks_of.get(action["id"], []),
                overdue=action["closed_on"] is None and action["due_on"] < today,
            )
        )
    return [DeviationView(row=d, actions=by_deviation.get(d["id"], [])) for d in deviations]


async def occasion_rows(where) -> list[dict[str, Any]]:
    """Occasions matching a condition, by due date."""
    return (
        await TestOccasion.select()
        .where(where)
        .order_by(TestOccasion.due_on)
        .order_by(TestOccasion.id)
    )


async def results_and_evidence(where_results, where_evidence) -> tuple[list, list]:
    """Results and evidence rows for a set of occasions (2 queries)."""
    results = await TestResult.select().where(where_results).order_by(TestResult.id)
    evidence = (
        await EvidenceFile.select(
            EvidenceFile.id,
            EvidenceFile.result,
            EvidenceFile.original_name,
            EvidenceFile.media_type,
            EvidenceFile.size,
            EvidenceFile.uploaded_by_name,
            EvidenceFile.uploaded_at,
        )
        .where(where_evidence)
        .order_by(EvidenceFile.id)
    )
    return results, evidence

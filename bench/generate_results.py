"""Logged results, deviations, corrective actions and corrections, as the testing services write.

Earlier years are complete; the current year has results for what fell due before `today`,
with a few recent occasions left overdue. One result in eleven finds a deviation, each with
an action: closed in earlier years, some open, postponed or overdue this year.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from bench.generate_org import BoardInfo, insert_rows
from bench.generate_plans import Occasion, Plans
from internkontroll.controls.testing_tables import (
    ActionCheck,
    ActionPostponement,
    CorrectiveAction,
    Deviation,
    TestResult,
)
from internkontroll.demo_results import (
    LAST_YEAR_CLOSING,
    LAST_YEAR_MINOR,
    MAJOR_FINDING,
    MAJOR_ROOT_CAUSE,
    MAJOR_WHYS,
    MINOR_FINDINGS,
    PERFORMED_OFFSETS,
    SAMPLES,
)
from internkontroll.timeutil import start_of_day

FINDINGS = MINOR_FINDINGS + LAST_YEAR_MINOR
NOT_PERFORMED_REASON = "Kontrollen hanns inte med under vakansen på enheten."
ACTION = "Uppdatera rutinen och gå igenom den med berörda medarbetare."
POSTPONED = "Ansvarig var föräldraledig; arbetet slutförs efter semestern."
OVERDUE_WINDOW = dt.timedelta(days=30)  # recent occasions some boards have not tested yet
# Every board's first results of a year, so that even a small kommun has each kind of row; the
# last of them is corrected later.
FIRST_OUTCOMES = ("minor", "not_performed", "major", "passed")


@dataclass
class Results:
    """Counts and the ids the world names."""

    results: int = 0
    deviations: int = 0
    actions: int = 0
    logged: set[int] = field(default_factory=set)  # occasions with a result


def _performed_on(occasion: Occasion, n: int, today: dt.date) -> dt.date:
    """As demo_results: around the due date, inside the occasion's year, never after today."""
    day = occasion.due_on + dt.timedelta(days=PERFORMED_OFFSETS[n % len(PERFORMED_OFFSETS)])
    return min(max(day, dt.date(occasion.year, 1, 1)), dt.date(occasion.year, 12, 31), today)


def _outcome(rng: random.Random) -> str:
    draw = rng.random()
    if draw < 0.84:
        return "passed"
    if draw < 0.93:
        return "minor"
    if draw < 0.945:
        return "major"
    return "not_performed"


def _tests(occasion: Occasion, board: BoardInfo, current: int, today: dt.date) -> list[dt.date]:
    """When the occasion was tested, if at all: open-ended ones several times in the year."""
    if occasion.open_ended:
        days = [dt.date(occasion.year, month, 15) for month in (3, 6, 9, 11)]
        return [day for day in days if day < today]
    if occasion.year == current:
        if occasion.due_on >= today:
            return []
        if board.index % 4 == 1 and occasion.due_on >= today - OVERDUE_WINDOW:
            return []  # as in real life, a few recent occasions are overdue
    return [occasion.due_on]


async def insert_results(
    boards: list[BoardInfo], plans: Plans, current: int, today: dt.date, seed: int
) -> Results:
    """Every result, deviation and action of the generated years."""
    by_id = {board.id: board for board in boards}
    rng = random.Random(f"{seed}-results")
    rows: list[dict] = []
    meta: list[tuple[Occasion, BoardInfo, int]] = []
    seen: dict[tuple[int, int], int] = {}
    for n, occasion in enumerate(plans.occasions):
        board = by_id[occasion.board]
        owner = plans.owner_of[occasion.control]
        for k, due in enumerate(_tests(occasion, board, current, today)):
            performed = _performed_on(occasion, n + k, today) if not occasion.open_ended else due
            order = seen[(board.id, occasion.year)] = seen.get((board.id, occasion.year), -1) + 1
            outcome = FIRST_OUTCOMES[order] if order < len(FIRST_OUTCOMES) else _outcome(rng)
            rows.append(
                dict(
                    occasion=occasion.id,
                    control=occasion.control,
                    board=occasion.board,
                    performed_on=performed,
                    performed_by_name=board.names[owner],
                    sample=SAMPLES[n % len(SAMPLES)]
                    if outcome != "not_performed"
                    else "Inget urval",
                    outcome=outcome,
                    reason=NOT_PERFORMED_REASON if outcome == "not_performed" else "",
                    comment="Stickprov enligt planen." if n % 5 == 0 else "",
                    recorded_by=owner,
                    recorded_by_name=board.names[owner],
                    recorded_at=start_of_day(performed) + dt.timedelta(hours=13, minutes=n % 60),
                )
            )
            meta.append((occasion, board, order))
    result_ids = await insert_rows(TestResult, rows)
    summary = Results(results=len(rows))
    summary.logged = {occasion.id for occasion, _, _ in meta}
    summary.results += await _corrections(rows, result_ids, meta, rng)
    summary.deviations, summary.actions = await _deviations(
        rows, result_ids, meta, current, today, rng
    )
    return summary


async def _corrections(rows, result_ids, meta, rng: random.Random) -> int:
    """One clean result in a hundred is corrected by a new entry pointing back to it."""
    corrections = []
    for row, result_id, (occasion, _board, order) in zip(rows, result_ids, meta, strict=True):
        if row["outcome"] != "passed" or occasion.open_ended:
            continue
        if order != len(FIRST_OUTCOMES) - 1 and rng.random() >= 0.01:
            continue
        corrections.append(
            dict(
                occasion=row["occasion"],
                control=row["control"],
                board=row["board"],
                performed_on=row["performed_on"],
                performed_by_name=row["performed_by_name"],
                sample="Samtliga 48 poster",
                outcome="passed",
                comment="Urvalet var större än först angivet.",
                corrects=result_id,
                correction_reason="Fel urval angivet vid första registreringen.",
                recorded_by=row["recorded_by"],
                recorded_by_name=row["recorded_by_name"],
                recorded_at=row["recorded_at"] + dt.timedelta(days=1),
            )
        )
    await insert_rows(TestResult, corrections)
    return len(corrections)


async def _deviations(rows, result_ids, meta, current, today, rng) -> tuple[int, int]:
    """A deviation per minor or major result, with one action each; return both counts."""
    deviations, found = [], []
    for row, result_id, (occasion, board, order) in zip(rows, result_ids, meta, strict=True):
        if row["outcome"] not in ("minor", "major"):
            continue
        major = row["outcome"] == "major"
        whys = MAJOR_WHYS if major else ("",) * 5
        deviations.append(
            dict(
                occasion=occasion.id,
                found_in=result_id,
                control=occasion.control,
                board=board.id,
                severity=row["outcome"],
                description=MAJOR_FINDING if major else FINDINGS[result_id % len(FINDINGS)],
                why_1=whys[0],
                why_2=whys[1],
                why_3=whys[2],
                why_4=whys[3],
                why_5=whys[4],
                root_cause=MAJOR_ROOT_CAUSE if major else "",
                created_by_name=row["recorded_by_name"],
                created_at=row["recorded_at"],
                updated_at=row["recorded_at"],
            )
        )
        found.append((row, board, order))
    deviation_ids = await insert_rows(Deviation, deviations)
    actions, plans = [], []
    for deviation_id, (row, board, order) in zip(deviation_ids, found, strict=True):
        preparer = board.users["preparer"]
        original = row["performed_on"] + dt.timedelta(days=45)
        # Last year's first significant deviation is still open: it carries over, overdue.
        lingering = row["performed_on"].year == current - 1 and order == 2
        postponed = lingering or rng.random() < 0.15
        due = original + dt.timedelta(days=30) if postponed else original
        closed_on = None
        if lingering:
            closed_on = None
        elif row["performed_on"].year < current or due + dt.timedelta(days=20) < today:
            closed_on = min(due - dt.timedelta(days=rng.randint(0, 20)), today)
        elif rng.random() < 0.4:
            closed_on = min(row["performed_on"] + dt.timedelta(days=14), today)
        actions.append(
            dict(
                deviation=deviation_id,
                board=board.id,
                description=ACTION,
                responsible=preparer,
                responsible_name=board.names[preparer],
                original_due_on=original,
                due_on=due,
                closed_on=closed_on,
                closing_note=LAST_YEAR_CLOSING if closed_on else "",
                closed_by_name=board.names[preparer] if closed_on else "",
                created_by_name=board.names[preparer],
                created_at=row["recorded_at"] + dt.timedelta(hours=1),
            )
        )
        plans.append((postponed, original, due, closed_on, board, row))
    action_ids = await insert_rows(CorrectiveAction, actions)
    postponements, checks = [], []
    for action_id, (postponed, original, due, closed_on, board, row) in zip(
        action_ids, plans, strict=True
    ):
        name = board.names[board.users["preparer"]]
        if postponed:
            postponements.append(
                dict(
                    action=action_id,
                    from_due_on=original,
                    to_due_on=due,
                    reason=POSTPONED,
                    by_name=name,
                    at=start_of_day(min(original - dt.timedelta(days=3), today)),
                )
            )
        if closed_on is not None and row["performed_on"].year < current and action_id % 3 == 0:
            checks.append(
                dict(
                    action=action_id,
                    checked_on=min(closed_on + dt.timedelta(days=60), today),
                    effective=True,
                    note="Uppföljningen visar att rutinen följs.",
                    by_name=name,
                )
            )
    await insert_rows(ActionPostponement, postponements)
    await insert_rows(ActionCheck, checks)
    return len(deviations), len(actions)

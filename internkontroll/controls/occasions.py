"""Keeping a board's test occasions in line with its adopted plan, without losing a result."""

from __future__ import annotations

from typing import Any

from internkontroll.controls.schedule import Slot, occasion_slots
from internkontroll.controls.tables import ControlPlan, PlanControl
from internkontroll.controls.testing_tables import TestOccasion, TestResult
from internkontroll.settings import get_settings


async def sync_occasions(plan_id: int) -> None:
    """Schedule the occasions of a just-adopted plan version (call inside the adoption)."""
    plan = await ControlPlan.select().where(ControlPlan.id == plan_id).first()
    points = get_settings().reporting_points
    wanted: dict[tuple[int, str], Slot] = {}
    for row in await PlanControl.select(PlanControl.control, PlanControl.frequency).where(
        PlanControl.plan == plan_id
    ):
        for slot in occasion_slots(row["frequency"], plan["year"], points):
            wanted[(row["control"], slot.key)] = slot
    existing = await TestOccasion.select(
        TestOccasion.id,
        TestOccasion.control,
        TestOccasion.period_key,
        TestOccasion.scheduled,
        TestOccasion.open_ended,
    ).where((TestOccasion.board == plan["board"]) & (TestOccasion.year == plan["year"]))
    logged = {
        row["occasion"]
        for row in await TestResult.select(TestResult.occasion)
        .where((TestResult.board == plan["board"]) & (TestResult.occasion.year == plan["year"]))
        .distinct()
    }
    await _apply(plan, wanted, existing, logged)


async def _apply(
    plan: dict[str, Any],
    wanted: dict[tuple[int, str], Slot],
    existing: list[dict[str, Any]],
    logged: set[int],
) -> None:
    """Insert, reschedule, retire or drop occasions in a handful of statements."""
    known = {(row["control"], row["period_key"]): row for row in existing}
    reschedule: dict[bool, list[int]] = {True: [], False: []}
    retire, drop = [], []
    for key, row in known.items():
        slot = wanted.get(key)
        if slot is not None:
            if not row["scheduled"] or row["open_ended"] != slot.open_ended:
                reschedule[slot.open_ended].append(row["id"])
        elif row["id"] in logged:
            if row["scheduled"]:
                retire.append(row["id"])
        else:
            drop.append(row["id"])
    # A revision adds only periods still ahead of its decision; a first plan covers the year.
    first_version = plan["based_on"] is None
    new = [
        TestOccasion(
            control=control,
            board=plan["board"],
            year=plan["year"],
            period_key=slot.key,
            period_start=slot.period_start,
            period_end=slot.period_end,
            due_on=slot.due_on,
            reporting_point=slot.reporting_point,
            open_ended=slot.open_ended,
            scheduled=True,
        )
        for (control, key), slot in wanted.items()
        if (control, key) not in known and (first_version or slot.period_end >= plan["decided_on"])
    ]
    for open_ended, ids in reschedule.items():
        if ids:
            await TestOccasion.update(
                {TestOccasion.scheduled: True, TestOccasion.open_ended: open_ended}
            ).where(TestOccasion.id.is_in(ids))
    if retire:
        await TestOccasion.update({TestOccasion.scheduled: False}).where(
            TestOccasion.id.is_in(retire)
        )
    if drop:
        await TestOccasion.delete().where(TestOccasion.id.is_in(drop))
    if new:
        await TestOccasion.insert(*new)

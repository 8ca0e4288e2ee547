"""Untested controls and open deviations of earlier years, for the next risk analysis."""

from __future__ import annotations

from internkontroll.controls.schedule import period_label
from internkontroll.controls.tables import PlanControlRisk
from internkontroll.controls.testing_reads import latest_versions
from internkontroll.controls.testing_tables import Deviation, TestOccasion, TestResult
from internkontroll.controls.testing_views import (
    SEVERITY_LABELS,
    build_occasions,
    deviation_views,
)
from internkontroll.risks.carryover import CarryOverItem
from internkontroll.timeutil import today


async def _titles_and_risks(control_ids: set[int]) -> tuple[dict[int, str], dict[int, tuple]]:
    """Each control's title and risks in its latest decided version (two queries)."""
    latest = await latest_versions(sorted(control_ids))
    if not latest:
        return {}, {}
    by_version = {row["id"]: control for control, row in latest.items()}
    risks: dict[int, list[int]] = {}
    for link in await PlanControlRisk.select(
        PlanControlRisk.plan_control, PlanControlRisk.risk
    ).where(PlanControlRisk.plan_control.is_in(list(by_version))):
        risks.setdefault(by_version[link["plan_control"]], []).append(link["risk"])
    titles = {control: row["title"] for control, row in latest.items()}
    return titles, {control: tuple(ids) for control, ids in risks.items()}


async def controls_carry_over(board_id: int, year: int) -> list[CarryOverItem]:
    """Last year's occasions left untested (or not performed) and every still open deviation."""
    day = today()
    occasions = (
        await TestOccasion.select()
        .where(
            (TestOccasion.board == board_id)
            & (TestOccasion.year == year - 1)
            & TestOccasion.scheduled.eq(True)
        )
        .order_by(TestOccasion.due_on)
    )
    results = await TestResult.select().where(
        (TestResult.board == board_id) & (TestResult.occasion.year == year - 1)
    )
    untested: dict[int, list[str]] = {}
    for view in build_occasions(occasions, results, [], day):
        if view.signal.code in ("overdue", "grey"):
            untested.setdefault(view.row["control"], []).append(
                f"{period_label(view.row['period_key'])}: {view.signal.label.lower()}"
            )
    open_deviations = [
        d
        for d in await deviation_views(
            (Deviation.board == board_id) & (Deviation.occasion.year < year), day
        )
        if d.is_open
    ]
    titles, risks = await _titles_and_risks(
        set(untested) | {d.row["control"] for d in open_deviations}
    )
    items = [
        CarryOverItem(
            kind="untested",
            title=titles.get(control, ""),
            detail=", ".join(periods),
            link=f"/kontroller/{control}",
            risk_ids=risks.get(control, ()),
        )
        for control, periods in untested.items()
    ]
    items += [
        CarryOverItem(
            kind="deviation",
            title=titles.get(d.row["control"], ""),
            detail=f"{SEVERITY_LABELS[d.row['severity']]} avvikelse {d.row['year']}: "
            f"{d.row['description']}",
            link=f"/avvikelser/{d.row['id']}",
            risk_ids=risks.get(d.row["control"], ()),
        )
        for d in open_deviations
    ]
    return items

"""Putting KS's shared control points into a board's plan."""

from __future__ import annotations

from typing import Any

from internkontroll.controls.tables import Control, PlanControl


async def insert_shared_controls(
    plan_id: int, board_id: int, year: int, points: list[dict[str, Any]], *, start: int
) -> int:
    """Add the points as controls of the plan, worded as KS decided; return how many."""
    if not points:
        return 0
    controls = await Control.insert(
        *[Control(board=board_id, year=year, shared_point=point["id"]) for point in points]
    ).returning(Control.id)
    await PlanControl.insert(
        *[
            PlanControl(
                plan=plan_id,
                control=control["id"],
                position=start + n,
                title=point["title"],
                purpose=point["purpose"],
                method=point["method"],
                frequency=point["frequency"],
                report_when=point["report_when"],
                reported_to="Kommunstyrelsen",
            )
            for n, (point, control) in enumerate(zip(points, controls, strict=True))
        ]
    )
    return len(points)

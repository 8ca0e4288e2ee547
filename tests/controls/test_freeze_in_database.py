"""The database refuses changes to decided plans even when a write bypasses the services."""

import pytest
from piccolo.querystring import QueryString

from internkontroll.controls import plans
from internkontroll.controls.tables import (
    ControlPlan,
    PlanControl,
    PlanControlRisk,
    SharedControlPoint,
)
from internkontroll.db import current_engine, write_transaction
from tests.controls.conftest import ADOPTION, YEAR, complete_controls, decide_shared_points


async def _adopted(world) -> int:
    await decide_shared_points(world)
    plan_id = await plans.create_plan(world.preparer, world.board, YEAR)
    await complete_controls(world, plan_id)
    await plans.send_for_decision(world.preparer, plan_id)
    await plans.adopt(world.secretary, plan_id, ADOPTION)
    return plan_id


async def _snapshot():
    return [
        await t.select().order_by(t.id)
        for t in (ControlPlan, PlanControl, PlanControlRisk, SharedControlPoint)
    ]


async def _refused(sql: str) -> str:
    with pytest.raises(Exception) as caught:
        async with write_transaction():
            await current_engine().run_querystring(QueryString(sql))
    return str(caught.value)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE plan_control SET title = 'Ändrad' WHERE plan = {}",
        "DELETE FROM plan_control WHERE plan = {}",
        "UPDATE control_plan SET paragraph = '§ 99' WHERE id = {}",
        "UPDATE control_plan SET status = 'draft' WHERE id = {}",
        "DELETE FROM control_plan WHERE id = {}",
        "UPDATE plan_control_risk SET assessment = NULL WHERE plan_control IN "
        "(SELECT id FROM plan_control WHERE plan = {})",
        "INSERT INTO plan_control (plan, control, position, title, purpose, method, scope, "
        "frequency, report_when, owner_name, reported_to) SELECT {}, control, 99, 'Ny', '', '', "
        "'', '', '', '', '' FROM plan_control LIMIT 1",
        "UPDATE shared_control_point SET title = 'Annat' WHERE id > 0 AND {} > 0",
    ],
)
async def test_writes_to_an_adopted_plan_are_refused(plan_world, sql):
    plan_id = await _adopted(plan_world)
    before = await _snapshot()
    message = await _refused(sql.format(plan_id))
    assert "frozen" in message
    assert await _snapshot() == before


async def test_a_draft_can_still_be_changed_directly(plan_world):
    plan_id = await plans.create_plan(plan_world.preparer, plan_world.board, YEAR)
    async with write_transaction():
        await current_engine().run_querystring(
            QueryString("UPDATE plan_control SET scope = 'Stickprov' WHERE plan = {}", plan_id)
        )
    rows = await PlanControl.select(PlanControl.scope).where(PlanControl.plan == plan_id)
    assert rows and {r["scope"] for r in rows} == {"Stickprov"}

"""The admin site reads plans but refuses (409) every change to a plan that is not a draft."""

import pytest

from internkontroll.controls import plans
from internkontroll.controls.tables import (
    ControlPlan,
    PlanControl,
    PlanControlRisk,
    SharedControlDecision,
    SharedControlPoint,
)
from tests.conftest import login
from tests.controls.conftest import ADOPTION, YEAR, complete_controls, decide_shared_points


async def _admin(client) -> dict[str, str]:
    await login(client, "admin")
    await client.get("/admin/api/tables/")  # piccolo-admin sets its CSRF cookie
    return {"X-CSRFToken": client.cookies.get("csrftoken", "")}


async def _snapshot():
    return [
        await table.select().order_by(table.id)
        for table in (
            ControlPlan,
            PlanControl,
            PlanControlRisk,
            SharedControlDecision,
            SharedControlPoint,
        )
    ]


async def _plan(world, *, adopted: bool) -> int:
    await decide_shared_points(world)
    plan_id = await plans.create_plan(world.preparer, world.board, YEAR)
    if adopted:
        await complete_controls(world, plan_id)
        await plans.send_for_decision(world.preparer, plan_id)
        await plans.adopt(world.secretary, plan_id, ADOPTION)
    return plan_id


async def test_admin_lists_plan_tables(client, plan_world):
    await _admin(client)
    tables = (await client.get("/admin/api/tables/")).json()
    for name in ("control_plan", "plan_control", "shared_control_decision"):
        assert name in tables


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("patch", "control_plan/{plan}/", {"status": "draft"}),
        ("patch", "control_plan/{plan}/", {"paragraph": "§ 99"}),
        ("delete", "control_plan/{plan}/", None),
        ("patch", "plan_control/{control}/", {"title": "Ändrad i efterhand"}),
        ("put", "plan_control/{control}/", {"title": "Ändrad i efterhand"}),
        ("delete", "plan_control/{control}/", None),
        ("post", "plan_control/", {"plan": "{plan}", "control": "{control_id}", "title": "Ny"}),
        ("patch", "plan_control_risk/{link}/", {"risk": "{risk}"}),
        ("delete", "plan_control_risk/{link}/", None),
        ("patch", "shared_control_point/{point}/", {"title": "Annat"}),
        ("delete", "shared_control_decision/{decision}/", None),
        ("post", "control_plan/", {"board": "{board}", "year": 2030, "status": "adopted"}),
    ],
)
async def test_admin_cannot_change_an_adopted_plan(client, plan_world, method, path, body):
    plan_id = await _plan(plan_world, adopted=True)
    control = await PlanControl.select().where(PlanControl.plan == plan_id).first()
    link = await PlanControlRisk.select().first()
    ids = {
        "plan": plan_id,
        "control": control["id"],
        "control_id": control["control"],
        "link": link["id"],
        "risk": plan_world.risks["bevaka"],
        "point": (await SharedControlPoint.select().first())["id"],
        "decision": (await SharedControlDecision.select().first())["id"],
        "board": plan_world.board,
    }
    headers = await _admin(client)
    before = await _snapshot()
    url = "/admin/api/tables/" + path.format(**ids)
    kwargs = {"headers": headers}
    if body is not None:
        kwargs["json"] = {
            k: int(v.format(**ids)) if isinstance(v, str) and v.startswith("{") else v
            for k, v in body.items()
        }
    response = await client.request(method.upper(), url, **kwargs)
    assert response.status_code == 409, response.text
    assert await _snapshot() == before


async def test_admin_has_no_bulk_delete_of_plan_controls(client, plan_world):
    plan_id = await _plan(plan_world, adopted=True)
    headers = await _admin(client)
    before = await _snapshot()
    response = await client.delete(
        f"/admin/api/tables/plan_control/?plan={plan_id}", headers=headers
    )
    assert response.status_code in (405, 409)
    assert await _snapshot() == before


async def test_admin_may_fix_a_draft_control(client, plan_world):
    plan_id = await _plan(plan_world, adopted=False)
    control = await PlanControl.select().where(PlanControl.plan == plan_id).first()
    headers = await _admin(client)
    response = await client.patch(
        f"/admin/api/tables/plan_control/{control['id']}/",
        json={"scope": "Stickprov 5 ärenden"},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    row = await PlanControl.select().where(PlanControl.id == control["id"]).first()
    assert row["scope"] == "Stickprov 5 ärenden"


async def test_admin_cannot_set_a_drafts_status(client, plan_world):
    plan_id = await _plan(plan_world, adopted=False)
    headers = await _admin(client)
    response = await client.patch(
        f"/admin/api/tables/control_plan/{plan_id}/", json={"status": "adopted"}, headers=headers
    )
    assert response.status_code == 409
    assert (await ControlPlan.select().where(ControlPlan.id == plan_id).first())["status"] == (
        "draft"
    )


async def test_a_user_named_in_an_adopted_plan_cannot_be_deleted(client, plan_world):
    from piccolo.apps.user.tables import BaseUser

    from tests.conftest import make_user

    await _plan(plan_world, adopted=True)
    bystander = await make_user("vikarie")
    headers = await _admin(client)
    refused = await client.delete(
        f"/admin/api/tables/piccolo_user/{plan_world.owner_id}/", headers=headers
    )
    assert refused.status_code == 409
    assert "Avaktivera" in refused.text
    assert await BaseUser.exists().where(BaseUser.id == plan_world.owner_id)
    allowed = await client.delete(f"/admin/api/tables/piccolo_user/{bystander}/", headers=headers)
    assert allowed.status_code < 300, allowed.text
    assert not await BaseUser.exists().where(BaseUser.id == bystander)


async def test_a_user_who_logged_a_result_cannot_be_deleted(client, plan_world):
    import datetime as dt

    from piccolo.apps.user.tables import BaseUser

    from internkontroll.auth.services import load_principal
    from internkontroll.controls.results import ResultInput, log_result
    from internkontroll.controls.testing_tables import TestOccasion, TestResult
    from tests.conftest import make_user

    await _plan(plan_world, adopted=True)
    # A second preparer logs a result and is named in no plan: only the result protects them.
    tester_id = await make_user("vikarie-handlaggare", board_roles=(("BUN", "preparer"),))
    occasion = await TestOccasion.select().where(TestOccasion.period_key == "Q1").first()
    await log_result(
        await load_principal(tester_id),
        occasion["id"],
        ResultInput(dt.date(2026, 3, 31), "Vikarie", "5 av 50", "passed"),
    )
    headers = await _admin(client)
    refused = await client.delete(f"/admin/api/tables/piccolo_user/{tester_id}/", headers=headers)
    assert refused.status_code == 409 and "Avaktivera" in refused.text
    assert await BaseUser.exists().where(BaseUser.id == tester_id)
    assert await TestResult.count() == 1

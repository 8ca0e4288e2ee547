"""The risk register: who may write, and bad input refused with nothing written."""

import pytest

from internkontroll.audit.tables import AuditEvent
from internkontroll.errors import Forbidden, NotFound, ValidationFailed
from internkontroll.risks.register import RiskInput, create_risk, get_risk, update_risk
from internkontroll.risks.tables import Risk
from tests.risks.conftest import add_risk


async def test_preparer_adds_a_risk_with_audit(world):
    risk_id = await add_risk(world)
    risk = await get_risk(world.preparer, risk_id)
    assert risk["title"] == "Skolskjuts utan avtal"
    assert risk["process_name"] == "Skolskjuts"
    assert risk["category_name"] == "Legal risk"
    assert risk["first_year"] == 2026
    event = await AuditEvent.select().where(AuditEvent.entity == "risk").first()
    assert event["actor_username"] == "handlaggare" and event["board"] == world.board


@pytest.mark.parametrize("who", ["admin"])
async def test_admin_may_write(world, who):
    assert await add_risk(world, principal=getattr(world, who))


@pytest.mark.parametrize("who", ["secretary", "viewer", "outsider", "auditor", "ks_member"])
async def test_others_may_not_write(world, who):
    with pytest.raises(Forbidden):
        await add_risk(world, principal=getattr(world, who))
    assert await Risk.count() == 0


@pytest.mark.parametrize(
    "who", ["preparer", "secretary", "viewer", "auditor", "ks_member", "admin"]
)
async def test_readers(world, who):
    risk_id = await add_risk(world)
    assert (await get_risk(getattr(world, who), risk_id))["id"] == risk_id


async def test_outsider_sees_nothing(world):
    risk_id = await add_risk(world)
    with pytest.raises(Forbidden):
        await get_risk(world.outsider, risk_id)


async def test_unknown_risk_and_board_are_404(world):
    with pytest.raises(NotFound):
        await get_risk(world.admin, 9999)
    with pytest.raises(NotFound):
        await create_risk(world.admin, 9999, 2026, RiskInput(world.process, world.category, "X"))


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"title": "   "}, {"title"}),
        ({"title": "x" * 201}, {"title"}),
        ({"description": "x" * 4001}, {"description"}),
        ({"process_id": "other"}, {"process_id"}),
        ({"process_id": 9999}, {"process_id"}),
        ({"category_id": 9999}, {"category_id"}),
        ({"title": "", "category_id": 9999}, {"title", "category_id"}),
    ],
)
async def test_bad_input_names_every_field_and_writes_nothing(world, changes, fields):
    values = {"process_id": world.process, "category_id": world.category, "title": "Risk"}
    values.update(changes)
    if values["process_id"] == "other":
        values["process_id"] = world.other_process
    with pytest.raises(ValidationFailed) as err:
        await create_risk(world.preparer, world.board, 2026, RiskInput(**values))
    assert {e.field for e in err.value.errors} == fields
    assert await Risk.count() == 0
    assert await AuditEvent.count().where(AuditEvent.entity == "risk") == 0


async def test_year_outside_range_is_refused(world):
    with pytest.raises(ValidationFailed) as err:
        await add_risk(world, year=1999)
    assert err.value.errors[0].field == "year"


async def test_update_keeps_before_and_after(world):
    risk_id = await add_risk(world)
    await update_risk(
        world.preparer,
        risk_id,
        RiskInput(world.process, world.category2, "Skolskjuts utan giltigt avtal"),
    )
    risk = await get_risk(world.viewer, risk_id)
    assert risk["title"] == "Skolskjuts utan giltigt avtal"
    assert risk["category_name"] == "IT-risk"
    event = await AuditEvent.select().where(AuditEvent.action == "update").first()
    assert event["before"] and event["after"]


async def test_update_refused_for_secretary(world):
    risk_id = await add_risk(world)
    with pytest.raises(Forbidden):
        await update_risk(world.secretary, risk_id, RiskInput(world.process, world.category, "Ny"))

"""Plan lifecycle: derivation, transitions, adoption, versions."""

from internkontroll.controls import plans
from internkontroll.controls.views import plan_document
from tests.controls.conftest import ADOPTION, YEAR, complete_controls, decide_shared_points


async def test_draft_to_adopted(plan_world):
    await decide_shared_points(plan_world)
    plan_id = await plans.create_plan(plan_world.preparer, plan_world.board, YEAR)
    document = await plan_document(plan_world.preparer, plan_id)
    assert [c.title for c in document.controls] == [
        "Attest av leverantörsfakturor",
        "Registrering av allmänna handlingar",
        "Skolskjuts utan avtal",
        "Felaktig elevpeng",
        "Sen delegationsanmälan",
    ]
    await complete_controls(plan_world, plan_id)
    await plans.send_for_decision(plan_world.preparer, plan_id)
    await plans.adopt(plan_world.secretary, plan_id, ADOPTION)
    document = await plan_document(plan_world.viewer, plan_id)
    assert document.status == "adopted"
    assert document.timeliness == "on_time"
    assert document.controls[2].risks[0].value == 16

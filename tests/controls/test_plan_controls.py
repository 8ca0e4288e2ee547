"""Editing a draft's controls, KS's fixed wording, owners, and what readiness reports."""

from __future__ import annotations

import pytest
from piccolo.apps.user.tables import BaseUser

from internkontroll.auth.tables import Membership
from internkontroll.controls import plans
from internkontroll.controls.plan_controls import (
    SHARED_FIELDS,
    ControlInput,
    add_control,
    add_missing_shared_points,
    control_owner_choices,
    get_plan_control,
    remove_control,
    update_control,
)
from internkontroll.controls.readiness import readiness_problems
from internkontroll.controls.tables import Control, PlanControl, PlanControlRisk
from internkontroll.controls.views import plan_document
from internkontroll.errors import Conflict, Forbidden, NotFound, NotReady, ValidationFailed
from internkontroll.organisation.tables import Process
from tests.conftest import make_user
from tests.controls.conftest import YEAR, complete_controls, decide_shared_points
from tests.controls.test_plans import snapshot

FULL = {
    "purpose": "Att avtal finns",
    "method": "register_analysis",
    "scope": "Alla utbetalningar över 100 000 kr",
    "frequency": "quarterly",
    "report_when": "Delår och helår",
    "reported_to": "Nämnden",
}


async def draft(world, *, shared: bool = True) -> int:
    """BUN's draft for 2026, with KS's points decided first unless shared=False."""
    if shared:
        await decide_shared_points(world)
    return await plans.create_plan(world.preparer, world.board, YEAR)


async def test_a_control_written_by_hand_links_several_risks(plan_world):
    w = plan_world
    plan_id = await draft(w)
    new_id = await add_control(
        w.preparer,
        plan_id,
        ControlInput(
            title="  Avtalsregistret stäms av  ",
            owner_id=w.owner_id,
            process_id=w.process,
            risk_ids=(w.risks["avtal"], w.risks["elevpeng"], w.risks["avtal"]),
            **FULL,
        ),
    )
    row = await get_plan_control(w.viewer, new_id)
    assert row["title"] == "Avtalsregistret stäms av"
    assert (row["position"], row["owner_name"], row["process"]) == (6, "Kontrollant", w.process)
    assert sorted(row["risk_ids"]) == sorted([w.risks["avtal"], w.risks["elevpeng"]])
    identity = await Control.select().where(Control.id == row["control"]).first()
    assert (identity["board"], identity["year"], identity["shared_point"]) == (w.board, YEAR, None)
    view = next(c for c in (await plan_document(w.viewer, plan_id)).controls if c.id == new_id)
    assert [(r.title, r.value, r.band) for r in view.risks] == [
        ("Skolskjuts utan avtal", 16, "Hög"),
        ("Felaktig elevpeng", 9, "Hög"),
    ]
    assert (view.method_label, view.frequency_label) == ("Registeranalys", "Kvartalsvis")


async def test_bad_control_input_names_every_field_and_writes_nothing(plan_world):
    w = plan_world
    plan_id = await draft(w, shared=False)
    other_process = (
        await Process.insert(Process(board=w.other_board, name="Försörjningsstöd")).returning(
            Process.id
        )
    )[0]["id"]
    preparer_id = (await BaseUser.select().where(BaseUser.username == "handlaggare").first())["id"]
    before = await snapshot(w.board)
    cases = [
        ({"title": "  "}, "title"),
        ({"title": "x" * 301}, "title"),
        ({"title": "a\x00b"}, "title"),
        ({"purpose": "x" * 4001}, "purpose"),
        ({"scope": "\x00"}, "scope"),
        ({"report_when": "x" * 201}, "report_when"),
        ({"reported_to": "x" * 201}, "reported_to"),
        ({"method": "gissning"}, "method"),
        ({"frequency": "ibland"}, "frequency"),
        ({"owner_id": w.other_owner_id}, "owner_id"),
        ({"owner_id": preparer_id}, "owner_id"),
        ({"owner_id": 999_999}, "owner_id"),
        ({"process_id": other_process}, "process_id"),
        ({"process_id": 3_000_000_000}, "process_id"),
        ({"risk_ids": (999_999,)}, "risk_ids"),
        ({"risk_ids": (0,)}, "risk_ids"),
        ({"risk_ids": tuple(range(1, 52))}, "risk_ids"),
    ]
    for overrides, field in cases:
        with pytest.raises(ValidationFailed) as failed:
            await add_control(w.preparer, plan_id, ControlInput(**{"title": "Moment", **overrides}))
        assert field in [e.field for e in failed.value.errors], overrides
        assert all(e.message for e in failed.value.errors)
    first = (await plan_document(w.preparer, plan_id)).controls[0]
    with pytest.raises(ValidationFailed) as failed:
        await update_control(w.preparer, first.id, ControlInput(title="", method="x"))
    assert {e.field for e in failed.value.errors} == {"title", "method"}
    assert await snapshot(w.board) == before


async def test_update_and_remove_a_control(plan_world):
    w = plan_world
    plan_id = await draft(w)
    document = await plan_document(w.preparer, plan_id)
    derived = document.controls[2]
    await update_control(
        w.preparer,
        derived.id,
        ControlInput(
            title="Avtal kontrolleras",
            owner_id=w.owner_id,
            process_id=None,
            risk_ids=(w.risks["elevpeng"],),
            **FULL,
        ),
    )
    row = await get_plan_control(w.preparer, derived.id)
    assert (row["title"], row["process"], row["risk_ids"]) == (
        "Avtal kontrolleras",
        None,
        [w.risks["elevpeng"]],
    )
    await remove_control(w.preparer, derived.id)
    assert not await PlanControl.exists().where(PlanControl.id == derived.id)
    assert not await PlanControlRisk.exists().where(PlanControlRisk.plan_control == derived.id)
    assert not await Control.exists().where(Control.id == derived.control_id)
    with pytest.raises(NotFound):
        await remove_control(w.preparer, derived.id)
    with pytest.raises(NotFound):
        await get_plan_control(w.preparer, 3_000_000_000)


async def test_shared_points_keep_ks_wording_but_take_the_boards_owner(plan_world):
    w = plan_world
    plan_id = await draft(w)
    shared = (await plan_document(w.preparer, plan_id)).controls[0]
    assert shared.shared
    kept = {name: getattr(shared, name) for name in SHARED_FIELDS}
    before = await snapshot(w.board)
    for name in SHARED_FIELDS:
        changed = {**kept, name: {"method": "review", "frequency": "monthly"}.get(name, "Annat")}
        with pytest.raises(ValidationFailed) as failed:
            await update_control(w.preparer, shared.id, ControlInput(**changed))
        assert [e.field for e in failed.value.errors] == [name]
        assert "KS" in failed.value.errors[0].message
    with pytest.raises(ValidationFailed) as failed:
        await update_control(w.preparer, shared.id, ControlInput(**kept, process_id=w.process))
    assert [e.field for e in failed.value.errors] == ["process_id"]
    with pytest.raises(Conflict, match="beslutade av KS"):
        await remove_control(w.admin, shared.id)
    assert await snapshot(w.board) == before

    await update_control(
        w.preparer,
        shared.id,
        ControlInput(
            **kept,
            owner_id=w.owner_id,
            scope="20 fakturor per halvår",
            reported_to="Nämnden och KS",
            risk_ids=(w.risks["lag"],),
        ),
    )
    after = (await plan_document(w.preparer, plan_id)).controls[0]
    assert (after.title, after.method, after.owner_name, after.scope) == (
        shared.title,
        shared.method,
        "Kontrollant",
        "20 fakturor per halvår",
    )


async def test_missing_shared_points_are_added_first(plan_world):
    w = plan_world
    plan_id = await draft(w, shared=False)
    await complete_controls(w, plan_id)
    await plans.send_for_decision(w.preparer, plan_id)
    await decide_shared_points(w)  # KS decides while the plan awaits the board's decision
    assert len((await plan_document(w.preparer, plan_id)).controls) == 3
    await plans.return_to_draft(w.preparer, plan_id)
    problems = await readiness_problems(await plans.get_plan(w.preparer, plan_id))
    assert [p.message for p in problems] == [
        "KS:s gemensamma kontrollmoment saknas: Attest av leverantörsfakturor",
        "KS:s gemensamma kontrollmoment saknas: Registrering av allmänna handlingar",
    ]
    assert [p.field.split(":")[0] for p in problems] == ["shared_point"] * 2
    with pytest.raises(NotReady) as refused:
        await plans.send_for_decision(w.preparer, plan_id)
    assert "Attest av leverantörsfakturor" in refused.value.message
    assert await add_missing_shared_points(w.preparer, plan_id) == 2
    assert await add_missing_shared_points(w.preparer, plan_id) == 0
    document = await plan_document(w.preparer, plan_id)
    assert [(c.position, c.shared) for c in document.controls] == [
        (1, True),
        (2, True),
        (3, False),
        (4, False),
        (5, False),
    ]
    await complete_controls(w, plan_id)
    await plans.send_for_decision(w.preparer, plan_id)


async def test_readiness_names_what_is_missing(plan_world):
    w = plan_world
    plan_id = await draft(w)
    document = await plan_document(w.preparer, plan_id)
    problems = await readiness_problems(await plans.get_plan(w.preparer, plan_id))
    first = next(p for p in problems if p.field == f"control:{document.controls[2].id}")
    assert first.message == (
        "kontrollmomentet \u201dSkolskjuts utan avtal\u201d saknar metod, frekvens, "
        "när det rapporteras, kontrollansvarig"
    )
    await complete_controls(w, plan_id)
    assert await readiness_problems(await plans.get_plan(w.preparer, plan_id)) == []

    # An uncovered high risk: the control treating it is gone, and no motivation was written.
    await remove_control(w.preparer, document.controls[2].id)
    # An owner who lost the role.
    await Membership.delete().where(
        (Membership.user == w.owner_id) & (Membership.role == "control_owner")
    )
    problems = await readiness_problems(await plans.get_plan(w.preparer, plan_id))
    assert problems[0].field == f"risk:{w.risks['avtal']}"
    assert problems[0].message == (
        "den höga risken \u201dSkolskjuts utan avtal\u201d (riskvärde 16) har varken "
        "ett kontrollmoment i planen eller en motivering"
    )
    owners = [p.message for p in problems[1:]]
    assert len(owners) == 4
    assert all(m.endswith("saknar en kontrollansvarig med den rollen i nämnden") for m in owners)
    with pytest.raises(NotReady) as refused:
        await plans.send_for_decision(w.preparer, plan_id)
    assert refused.value.errors == problems
    assert "Skolskjuts utan avtal" in refused.value.message
    assert (await plans.get_plan(w.preparer, plan_id))["status"] == "draft"


async def test_a_deactivated_owner_and_an_empty_plan_are_reported(plan_world):
    w = plan_world
    plan_id = await draft(w, shared=False)
    await complete_controls(w, plan_id)
    await BaseUser.update({BaseUser.active: False}).where(BaseUser.id == w.owner_id)
    problems = await readiness_problems(await plans.get_plan(w.preparer, plan_id))
    assert len(problems) == 3 and all("den rollen" in p.message for p in problems)
    empty = await plans.create_plan(w.preparer, w.board, YEAR + 1)
    problems = await readiness_problems(await plans.get_plan(w.preparer, empty))
    assert [p.message for p in problems] == ["planen har inga kontrollmoment"]


async def test_control_owner_choices(plan_world):
    w = plan_world
    await make_user("adam", board_roles=(("BUN", "control_owner"), ("BUN", "viewer")))
    gone = await make_user("bertil", board_roles=(("BUN", "control_owner"),))
    await BaseUser.update({BaseUser.active: False}).where(BaseUser.id == gone)
    choices = await control_owner_choices(w.board)
    assert [(c["username"], c["name"]) for c in choices] == [
        ("adam", "Adam"),
        ("kontrollant", "Kontrollant"),
    ]
    assert [c["username"] for c in await control_owner_choices(w.other_board)] == ["sn-kontrollant"]


async def test_who_may_edit_controls(plan_world):
    w = plan_world
    plan_id = await draft(w)
    controls = (await plan_document(w.preparer, plan_id)).controls
    edit = ControlInput(title="Nytt moment")
    before = await snapshot(w.board)
    for principal in (
        w.secretary,
        w.viewer,
        w.owner,
        w.outsider,
        w.auditor,
        w.coordinator,
        w.ks_member,
        w.ks_secretary,
    ):
        with pytest.raises(Forbidden):
            await add_control(principal, plan_id, edit)
        with pytest.raises(Forbidden):
            await update_control(principal, controls[3].id, edit)
        with pytest.raises(Forbidden):
            await remove_control(principal, controls[3].id)
        with pytest.raises(Forbidden):
            await add_missing_shared_points(principal, plan_id)
    assert await snapshot(w.board) == before
    with pytest.raises(Forbidden):
        await get_plan_control(w.outsider, controls[0].id)
    for principal in (w.preparer, w.admin):
        new_id = await add_control(principal, plan_id, edit)
        await update_control(principal, new_id, ControlInput(title="Ändrat"))
        await remove_control(principal, new_id)

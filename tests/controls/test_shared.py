"""KS's shared control points: exactly N a year, in every draft, fixed for the boards."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt

import pytest

from internkontroll.controls import plans, shared
from internkontroll.controls.decisions import DecisionInput
from internkontroll.controls.plan_controls import ControlInput, add_control, update_control
from internkontroll.controls.shared import (
    SharedDecisionInput,
    SharedPointInput,
    record_shared_decision,
    shared_decision,
)
from internkontroll.controls.tables import (
    PlanControl,
    SharedControlDecision,
    SharedControlPoint,
)
from internkontroll.controls.views import plan_document
from internkontroll.errors import Conflict, Forbidden, ValidationFailed
from internkontroll.settings import get_settings
from tests.controls.conftest import (
    ADOPTION,
    SHARED_POINTS,
    YEAR,
    complete_controls,
    decide_shared_points,
)
from tests.controls.test_plans import snapshot

KS_DECISION = DecisionInput(dt.date(2025, 11, 20), "201", " KS 2025/412 ")


def decision(year: int = YEAR, points=SHARED_POINTS, when=KS_DECISION) -> SharedDecisionInput:
    """KS's decision input, by default the two fixture points for 2026."""
    return SharedDecisionInput(year=year, decision=when, points=tuple(points))


def point(n: int) -> SharedPointInput:
    """An extra, valid shared point."""
    return SharedPointInput(title=f"Moment {n}", method="review", report_when="Helår")


async def shared_rows() -> tuple[list, list]:
    """Every stored KS decision and shared point."""
    return (
        await SharedControlDecision.select().order_by(SharedControlDecision.id),
        await SharedControlPoint.select().order_by(SharedControlPoint.id),
    )


async def test_ks_decides_the_points_of_a_year(plan_world):
    decision_id = await record_shared_decision(plan_world.ks_secretary, decision())
    stored = await shared_decision(YEAR)
    assert stored["id"] == decision_id
    assert (stored["decided_on"], stored["paragraph"], stored["registry_number"]) == (
        dt.date(2025, 11, 20),
        "§ 201",
        "KS 2025/412",
    )
    assert stored["recorded_by_name"] == "Ks-sekreterare"
    assert [
        (p["position"], p["title"], p["method"], p["report_when"]) for p in stored["points"]
    ] == [
        (1, "Attest av leverantörsfakturor", "sample", "Delår och helår"),
        (2, "Registrering av allmänna handlingar", "review", "Delår och helår"),
    ]
    assert stored["points"][0]["frequency"] == "half_yearly"
    assert await shared_decision(YEAR + 1) is None
    with pytest.raises(ValidationFailed):
        await shared_decision(1800)


async def test_exactly_the_configured_number_of_points(plan_world, monkeypatch):
    w = plan_world
    for points in ((), SHARED_POINTS[:1], (*SHARED_POINTS, point(3))):
        with pytest.raises(ValidationFailed) as failed:
            await record_shared_decision(w.coordinator, decision(points=points))
        assert [e.field for e in failed.value.errors] == ["points"]
        assert "exakt 2" in failed.value.errors[0].message
    assert await shared_rows() == ([], [])

    three = dataclasses.replace(get_settings(), shared_points_per_year=3)
    monkeypatch.setattr(shared, "get_settings", lambda: three)
    with pytest.raises(ValidationFailed, match="exakt 3"):
        await record_shared_decision(w.coordinator, decision())
    await record_shared_decision(w.coordinator, decision(points=(*SHARED_POINTS, point(3))))
    assert len((await shared_decision(YEAR))["points"]) == 3


async def test_bad_points_and_decisions_name_their_fields(plan_world):
    w = plan_world
    bad_points = (
        SharedPointInput(title=" ", method="gissning", report_when="", frequency="ibland"),
        SharedPointInput(title="x" * 301, method="review", report_when="\x00", purpose="a\x00"),
    )
    with pytest.raises(ValidationFailed) as failed:
        await record_shared_decision(w.coordinator, decision(points=bad_points))
    assert [e.field for e in failed.value.errors] == [
        "points[0].title",
        "points[0].method",
        "points[0].frequency",
        "points[0].report_when",
        "points[1].title",
        "points[1].purpose",
        "points[1].report_when",
    ]
    for when, field in (
        (DecisionInput(dt.date(2099, 1, 1), "1", "x"), "decided_on"),
        (DecisionInput(dt.date(1, 1, 1), "1", "x"), "decided_on"),
        (DecisionInput(dt.date(2025, 1, 1), " ", "x"), "paragraph"),
        (DecisionInput(dt.date(2025, 1, 1), "1", ""), "registry_number"),
        (DecisionInput(dt.date(2025, 1, 1), "1" * 31, "x"), "paragraph"),
        (DecisionInput(dt.date(2025, 1, 1), "1", "x\x00"), "registry_number"),
    ):
        with pytest.raises(ValidationFailed) as failed:
            await record_shared_decision(w.coordinator, decision(when=when))
        assert [e.field for e in failed.value.errors] == [field]
    for year in (1999, 2101):
        with pytest.raises(ValidationFailed) as failed:
            await record_shared_decision(w.coordinator, decision(year=year))
        assert failed.value.errors[0].field == "year"
    assert await shared_rows() == ([], [])


async def test_one_decision_a_year(plan_world):
    w = plan_world
    await decide_shared_points(w)
    before = await shared_rows()
    with pytest.raises(Conflict, match="redan beslutat"):
        await record_shared_decision(w.admin, decision())
    assert await shared_rows() == before
    await record_shared_decision(w.admin, decision(year=YEAR + 1))


async def test_two_concurrent_decisions_for_a_year_store_one(plan_world):
    w = plan_world
    results = await asyncio.gather(
        record_shared_decision(w.coordinator, decision()),
        record_shared_decision(w.ks_secretary, decision()),
        return_exceptions=True,
    )
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "int"], results
    assert await SharedControlDecision.count() == 1
    assert await SharedControlPoint.count() == 2


async def test_who_records_ks_decision(plan_world):
    w = plan_world
    for principal in (w.secretary, w.preparer, w.auditor, w.viewer, w.owner, w.ks_member):
        with pytest.raises(Forbidden):
            await record_shared_decision(principal, decision())
    assert await shared_rows() == ([], [])
    await record_shared_decision(w.ks_secretary, decision(year=2026))
    await record_shared_decision(w.coordinator, decision(year=2027))
    await record_shared_decision(w.admin, decision(year=2028))


async def test_every_draft_of_the_year_gets_the_points_first(plan_world):
    w = plan_world
    bun = await plans.create_plan(w.preparer, w.board, YEAR)
    sn = await plans.create_plan(w.outsider, w.other_board, YEAR)
    later = await plans.create_plan(w.preparer, w.board, YEAR + 1)
    await decide_shared_points(w)
    document = await plan_document(w.preparer, bun)
    assert [(c.position, c.shared) for c in document.controls] == [
        (1, True),
        (2, True),
        (3, False),
        (4, False),
        (5, False),
    ]
    assert [c.title for c in (await plan_document(w.outsider, sn)).controls] == [
        "Attest av leverantörsfakturor",
        "Registrering av allmänna handlingar",
    ]
    assert await PlanControl.count().where(PlanControl.plan == later) == 0  # another year
    # Each board gets its own control identities for the same point.
    ids = await PlanControl.select(PlanControl.control).where(
        PlanControl.plan.is_in([bun, sn]) & PlanControl.control.shared_point.is_not_null()
    )
    assert len({r["control"] for r in ids}) == 4


async def test_plans_sent_or_decided_are_left_alone(plan_world):
    w = plan_world
    adopted = await plans.create_plan(w.preparer, w.board, YEAR)
    await complete_controls(w, adopted)
    await plans.send_for_decision(w.preparer, adopted)
    await plans.adopt(w.secretary, adopted, ADOPTION)
    waiting = await plans.create_plan(w.preparer, w.board, YEAR + 1)
    await add_control(
        w.preparer,
        waiting,
        ControlInput(
            title="Delegationsbeslut anmäls",
            method="review",
            frequency="yearly",
            report_when="Helår",
            owner_id=w.owner_id,
        ),
    )
    await plans.send_for_decision(w.preparer, waiting)
    before = await snapshot(w.board)
    await decide_shared_points(w)
    await decide_shared_points(w, year=YEAR + 1)
    assert await snapshot(w.board) == before


async def test_boards_cannot_change_a_shared_point_but_name_its_owner(plan_world):
    w = plan_world
    await decide_shared_points(w)
    sn = await plans.create_plan(w.outsider, w.other_board, YEAR)
    control = (await plan_document(w.outsider, sn)).controls[0]
    wording = {
        "title": control.title,
        "purpose": control.purpose,
        "method": control.method,
        "frequency": control.frequency,
        "report_when": control.report_when,
    }
    with pytest.raises(ValidationFailed) as failed:
        await update_control(
            w.outsider, control.id, ControlInput(**{**wording, "title": "Attest (förenklad)"})
        )
    assert [e.field for e in failed.value.errors] == ["title"]
    await update_control(w.outsider, control.id, ControlInput(**wording, owner_id=w.other_owner_id))
    changed = (await plan_document(w.outsider, sn)).controls[0]
    assert (changed.title, changed.owner_name) == (control.title, "Sn-kontrollant")
    point = await SharedControlPoint.select().where(SharedControlPoint.position == 1).first()
    assert point["title"] == "Attest av leverantörsfakturor"

"""Fixtures for plan tests: a scored risk register, users in every role, KS and its decisions."""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass

import pytest

from internkontroll.auth.services import load_principal
from internkontroll.controls.decisions import DecisionInput
from internkontroll.controls.plan_controls import ControlInput, update_control
from internkontroll.controls.shared import (
    SharedDecisionInput,
    SharedPointInput,
    record_shared_decision,
)
from internkontroll.controls.views import plan_document
from internkontroll.organisation.tables import Process, RiskCategory
from internkontroll.risks.assessments import AssessmentInput, assess
from internkontroll.risks.register import RiskInput, create_risk
from tests.conftest import make_board, make_user

YEAR = 2026  # plans in tests are for 2026; every decision date below lies in the past


@dataclass
class PlanWorld:
    board: int
    other_board: int
    ks: int
    process: int
    category: int
    preparer: object
    secretary: object
    owner: object
    owner_id: int
    viewer: object
    outsider: object
    other_owner_id: int
    admin: object
    auditor: object
    coordinator: object
    ks_secretary: object
    ks_member: object
    risks: dict[str, int]


async def _principal(name: str, **kw):
    return await load_principal(await make_user(name, **kw))


_built: dict[str, object] = {}


@pytest.fixture
async def plan_world(db, database_factory) -> PlanWorld:
    """BUN with five risks for 2026: two high on kontrollmoment, one high accepted, two low.

    Built once per session and copied per test: ids come out the same in every copy."""
    if "kept" in _built:
        await database_factory.restore(db, _built["kept"])
        return copy.deepcopy(_built["world"])
    world = await _build_plan_world()
    _built["kept"] = await database_factory.snapshot(db, "plan_world")
    _built["world"] = copy.deepcopy(world)
    return world


async def _build_plan_world() -> PlanWorld:
    board = await make_board("BUN", name="Barn- och utbildningsnämnden")
    other = await make_board("SN", name="Socialnämnden")
    ks = await make_board("KS", kind="executive", name="Kommunstyrelsen")
    process = (
        await Process.insert(Process(board=board, name="Skolskjuts")).returning(Process.id)
    )[0]["id"]
    category = (
        await RiskCategory.insert(RiskCategory(name="Legal risk")).returning(RiskCategory.id)
    )[0]["id"]
    preparer = await _principal("handlaggare", board_roles=(("BUN", "preparer"),))
    owner_id = await make_user("kontrollant", board_roles=(("BUN", "control_owner"),))
    other_owner_id = await make_user("sn-kontrollant", board_roles=(("SN", "control_owner"),))
    world = PlanWorld(
        board=board,
        other_board=other,
        ks=ks,
        process=process,
        category=category,
        preparer=preparer,
        secretary=await _principal("sekreterare", board_roles=(("BUN", "secretary"),)),
        owner=await load_principal(owner_id),
        owner_id=owner_id,
        viewer=await _principal("ledamot", board_roles=(("BUN", "viewer"),)),
        outsider=await _principal("annan", board_roles=(("SN", "preparer"),)),
        other_owner_id=other_owner_id,
        admin=await _principal("admin", admin=True),
        auditor=await _principal("revisor", global_roles=("auditor",)),
        coordinator=await _principal("samordnare", global_roles=("coordinator",)),
        ks_secretary=await _principal("ks-sekreterare", board_roles=(("KS", "secretary"),)),
        ks_member=await _principal("ks-ledamot", board_roles=(("KS", "viewer"),)),
        risks={},
    )
    for key, title, (likelihood, impact), treatment, motivation in (
        ("avtal", "Skolskjuts utan avtal", (4, 4), "control", ""),
        ("elevpeng", "Felaktig elevpeng", (3, 3), "control", ""),
        ("accepterad", "Lokaler för små", (3, 4), "accept", "Ny skola byggs 2027."),
        ("lag", "Sen delegationsanmälan", (2, 2), "control", ""),
        ("bevaka", "Vikariebrist", (1, 2), "monitor", ""),
    ):
        risk_id = await create_risk(
            preparer, board, YEAR, RiskInput(process_id=process, category_id=category, title=title)
        )
        await assess(
            preparer,
            risk_id,
            YEAR,
            AssessmentInput(likelihood, impact, treatment, motivation),
        )
        world.risks[key] = risk_id
    return world


SHARED_POINTS = (
    SharedPointInput(
        title="Attest av leverantörsfakturor",
        method="sample",
        report_when="Delår och helår",
        purpose="Att attestordningen följs",
    ),
    SharedPointInput(
        title="Registrering av allmänna handlingar",
        method="review",
        report_when="Delår och helår",
    ),
)


async def decide_shared_points(world: PlanWorld, year: int = YEAR) -> int:
    """Record KS's decision with the two default points for the year."""
    return await record_shared_decision(
        world.coordinator,
        SharedDecisionInput(
            year=year,
            decision=DecisionInput(dt.date(2025, 11, 20), "§ 201", "KS 2025/412"),
            points=SHARED_POINTS,
        ),
    )


async def complete_controls(world: PlanWorld, plan_id: int) -> None:
    """Fill in method, frequency, reporting and owner for every control of a draft."""
    document = await plan_document(world.preparer, plan_id)
    for control in document.controls:
        await update_control(
            world.preparer,
            control.id,
            ControlInput(
                title=control.title,
                purpose=control.purpose if control.shared else control.purpose or "Förebygga fel",
                method=control.method or "sample",
                scope=control.scope or "10 av 120 ärenden",
                frequency=control.frequency or "quarterly",
                report_when=control.report_when or "Delår och helår",
                reported_to=control.reported_to or "Nämnden",
                owner_id=world.owner_id,
                process_id=None if control.shared else control.process_id,
                risk_ids=tuple(r.risk_id for r in control.risks),
            ),
        )


ADOPTION = DecisionInput(dt.date(2026, 1, 20), "§ 7", "BUN 2025/301")

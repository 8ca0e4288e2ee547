"""The follow-up's workflow: draft, the nämnd's decision (freeze), sending to KS, permissions."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from internkontroll.audit.tables import AuditEvent
from internkontroll.controls import results
from internkontroll.controls.decisions import DecisionInput
from internkontroll.errors import Conflict, Forbidden, NotFound, NotReady, ValidationFailed
from internkontroll.reports.followups import (
    FollowUpInput,
    approve_follow_up,
    follow_up_document,
    save_follow_up,
    send_follow_up,
)
from internkontroll.reports.tables import FollowUp
from tests.controls import conftest as plan_fixtures
from tests.controls.conftest import YEAR
from tests.controls.test_pages import adopted
from tests.reports.test_followup_figures import (
    AVTAL,
    DELAR_TOTAL,
    build_tested_world,
)

plan_world = plan_fixtures.plan_world  # the plan tests' world, shared with these

DRAFT = FollowUpInput("yellow", "Brister i diarieföringen som nämnden själv rättar.")
DECISION = DecisionInput(dt.date(2026, 9, 15), "80", "BUN 2026/90")


def fields(exc: ValidationFailed | NotReady) -> set[str]:
    return {e.field for e in exc.errors}


async def approved(world) -> None:
    await save_follow_up(world.preparer, world.board, YEAR, "delar", DRAFT)
    await approve_follow_up(world.secretary, world.board, YEAR, "delar", DECISION)


async def test_the_whole_chain_draft_approve_send(plan_world):
    await build_tested_world(plan_world)
    document = await follow_up_document(plan_world.viewer, plan_world.board, YEAR, "delar")
    assert (document.status, document.status_label) == ("not_started", "Ej påbörjad")
    assert document.figures.totals == DELAR_TOTAL  # live figures before anything is written

    follow_up_id = await save_follow_up(plan_world.preparer, plan_world.board, YEAR, "delar", DRAFT)
    again = await save_follow_up(
        plan_world.preparer, plan_world.board, YEAR, "delar", FollowUpInput("green", " Bra. ")
    )
    assert again == follow_up_id
    row = await FollowUp.select().where(FollowUp.id == follow_up_id).first()
    assert (row["status"], row["judgement"], row["summary"]) == ("draft", "green", "Bra.")
    assert row["period_end"] == dt.date(2026, 8, 31) and row["snapshot"] == ""

    await approve_follow_up(plan_world.secretary, plan_world.board, YEAR, "delar", DECISION)
    document = await follow_up_document(plan_world.viewer, plan_world.board, YEAR, "delar")
    assert document.status == "approved" and document.is_frozen
    assert document.decision_text == "Godkänd av nämnden 2026-09-15 § 80, Dnr BUN 2026/90"
    assert document.judgement_label == "Grön – Tillfredsställande"
    assert document.follow_up["approved_by_name"]

    await send_follow_up(plan_world.secretary, plan_world.board, YEAR, "delar")
    row = await FollowUp.select().where(FollowUp.id == follow_up_id).first()
    assert row["status"] == "sent" and row["sent_at"] is not None and row["sent_by_name"]
    events = await AuditEvent.select(AuditEvent.action).where(
        (AuditEvent.entity == "follow_up") & (AuditEvent.entity_id == str(follow_up_id))
    )
    assert [e["action"] for e in events] == ["create", "update", "decide", "status"]


async def test_a_frozen_follow_up_refuses_every_change(plan_world):
    await build_tested_world(plan_world)
    await approved(plan_world)
    with pytest.raises(Conflict):
        await save_follow_up(plan_world.preparer, plan_world.board, YEAR, "delar", DRAFT)
    with pytest.raises(Conflict):
        await approve_follow_up(plan_world.secretary, plan_world.board, YEAR, "delar", DECISION)
    await send_follow_up(plan_world.secretary, plan_world.board, YEAR, "delar")
    with pytest.raises(Conflict, match="redan skickad"):
        await send_follow_up(plan_world.secretary, plan_world.board, YEAR, "delar")
    with pytest.raises(Conflict):
        await save_follow_up(plan_world.preparer, plan_world.board, YEAR, "delar", DRAFT)


async def test_frozen_figures_do_not_change_when_a_result_is_corrected(plan_world):
    tw = await build_tested_world(plan_world)
    await approved(plan_world)
    row = await FollowUp.select().where(FollowUp.board == plan_world.board).first()
    snapshot = row["snapshot"]
    assert json.loads(snapshot)["totals"]["major"] == 1
    # The significant deviation turns out to have been minor.
    await results.correct_result(
        plan_world.owner,
        tw.results["avtal"],
        results.ResultInput(
            dt.date(2026, 4, 10),
            "Kim Kontrollant",
            "10 av 80",
            "minor",
            correction_reason="Avvikelsen var mindre",
        ),
    )
    document = await follow_up_document(plan_world.viewer, plan_world.board, YEAR, "delar")
    assert document.figures.totals == DELAR_TOTAL
    by_title = {c.title: c for c in document.figures.controls}
    assert by_title[AVTAL].counts.major == 1
    after = await FollowUp.select().where(FollowUp.id == row["id"]).first()
    assert after["snapshot"] == snapshot
    # Helår is still a draft: it counts live and sees the correction.
    live = await follow_up_document(plan_world.viewer, plan_world.board, YEAR, "helar")
    assert (live.figures.totals.major, live.figures.totals.minor) == (0, 2)


async def test_send_before_approval_is_refused_in_swedish(plan_world):
    await build_tested_world(plan_world)
    with pytest.raises(Conflict, match="först när nämndens beslut"):
        await send_follow_up(plan_world.secretary, plan_world.board, YEAR, "delar")
    await save_follow_up(plan_world.preparer, plan_world.board, YEAR, "delar", DRAFT)
    with pytest.raises(Conflict, match="först när nämndens beslut"):
        await send_follow_up(plan_world.secretary, plan_world.board, YEAR, "delar")


async def test_approval_before_the_period_ends_is_refused_naming_decided_on(plan_world):
    await build_tested_world(plan_world)
    await save_follow_up(plan_world.preparer, plan_world.board, YEAR, "delar", DRAFT)
    early = DecisionInput(dt.date(2026, 8, 30), "70", "BUN 2026/80")
    with pytest.raises(ValidationFailed) as refused:
        await approve_follow_up(plan_world.secretary, plan_world.board, YEAR, "delar", early)
    assert fields(refused.value) == {"decided_on"}
    assert "2026-08-31" in str(refused.value)
    bad = DecisionInput(dt.date(2026, 9, 1), " ", "")
    with pytest.raises(ValidationFailed) as refused:
        await approve_follow_up(plan_world.secretary, plan_world.board, YEAR, "delar", bad)
    assert fields(refused.value) == {"paragraph", "registry_number"}
    row = await FollowUp.select().where(FollowUp.board == plan_world.board).first()
    assert row["status"] == "draft" and row["snapshot"] == ""


async def test_approval_needs_a_written_draft(plan_world):
    await build_tested_world(plan_world)
    with pytest.raises(NotReady) as refused:
        await approve_follow_up(plan_world.secretary, plan_world.board, YEAR, "delar", DECISION)
    assert fields(refused.value) == {"summary"}
    await save_follow_up(
        plan_world.preparer, plan_world.board, YEAR, "delar", FollowUpInput("red", "  ")
    )
    with pytest.raises(NotReady) as refused:
        await approve_follow_up(plan_world.secretary, plan_world.board, YEAR, "delar", DECISION)
    assert fields(refused.value) == {"summary"}
    assert refused.value.status_code == 409


async def test_bad_input_names_the_field(plan_world):
    await build_tested_world(plan_world)
    with pytest.raises(ValidationFailed) as refused:
        await save_follow_up(
            plan_world.preparer, plan_world.board, YEAR, "delar", FollowUpInput("blue", "x" * 20001)
        )
    assert fields(refused.value) == {"judgement", "summary"}
    with pytest.raises(ValidationFailed) as refused:
        await save_follow_up(plan_world.preparer, plan_world.board, YEAR, "tertial", DRAFT)
    assert fields(refused.value) == {"period"}
    assert "delar, helar" in str(refused.value)
    with pytest.raises(ValidationFailed) as refused:
        await follow_up_document(plan_world.viewer, plan_world.board, 1800, "delar")
    assert fields(refused.value) == {"year"}
    with pytest.raises(NotFound):
        await follow_up_document(plan_world.viewer, 999_999, YEAR, "delar")
    assert not await FollowUp.exists()


async def test_a_board_without_an_adopted_plan_cannot_write_one(plan_world):
    with pytest.raises(Conflict, match="ingen antagen internkontrollplan för 2026"):
        await save_follow_up(plan_world.preparer, plan_world.board, YEAR, "delar", DRAFT)
    document = await follow_up_document(plan_world.viewer, plan_world.board, YEAR, "delar")
    assert document.figures.plan is None and document.figures.controls == []


async def test_who_may_do_what(plan_world):
    await adopted(plan_world)
    w = plan_world
    for principal in (w.secretary, w.viewer, w.owner, w.outsider, w.coordinator, w.auditor):
        with pytest.raises(Forbidden):
            await save_follow_up(principal, w.board, YEAR, "delar", DRAFT)
    await save_follow_up(w.preparer, w.board, YEAR, "delar", DRAFT)
    for principal in (w.preparer, w.viewer, w.owner, w.outsider, w.coordinator, w.ks_secretary):
        with pytest.raises(Forbidden):
            await approve_follow_up(principal, w.board, YEAR, "delar", DECISION)
        with pytest.raises(Forbidden):
            await send_follow_up(principal, w.board, YEAR, "delar")
    with pytest.raises(Forbidden):
        await follow_up_document(w.outsider, w.board, YEAR, "delar")
    for reader in (w.viewer, w.owner, w.auditor, w.coordinator, w.ks_member, w.admin):
        assert (await follow_up_document(reader, w.board, YEAR, "delar")).status == "draft"
    await approve_follow_up(w.secretary, w.board, YEAR, "delar", DECISION)
    await send_follow_up(w.secretary, w.board, YEAR, "delar")

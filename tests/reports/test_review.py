"""KS's consolidated review: drafting, replacing, refusing, KS's decision, freezing, who may.

The world (`review_world`, shared with the other test_review_* files) has KS, BUN and SN with
processes, BUN's adopted 2025 plan with one monthly control tested once with a minor deviation,
one accepted high risk on BUN, and a user in every role that matters here.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from dataclasses import dataclass, replace

import pytest

from internkontroll.audit.tables import AuditEvent
from internkontroll.auth.services import load_principal
from internkontroll.controls.decisions import DecisionInput
from internkontroll.controls.plan_controls import ControlInput, add_control
from internkontroll.controls.plans import adopt, create_plan, send_for_decision
from internkontroll.controls.results import ResultInput, log_result
from internkontroll.controls.tables import PlanControl
from internkontroll.controls.testing_tables import TestOccasion
from internkontroll.errors import Conflict, Forbidden, NotFound, ValidationFailed
from internkontroll.organisation.tables import Board, Municipality, Process, RiskCategory
from internkontroll.reports.review import (
    JudgementInput,
    ReviewInput,
    decide_review,
    save_review,
)
from internkontroll.reports.review_document import review_document
from internkontroll.reports.tables import ConsolidatedReview, FollowUp, ReviewJudgement
from internkontroll.risks.assessments import AssessmentInput, assess
from internkontroll.risks.register import RiskInput, create_risk
from tests.conftest import make_board, make_user

YEAR = 2025  # a year that has ended, so KS may decide on it
KOMMUN = "Åsby kommun"
DECISION = DecisionInput(dt.date(YEAR + 1, 3, 10), "45", "KS 2026/12")


@dataclass
class ReviewWorld:
    ks: int
    bun: int
    sn: int
    skolskjuts: int
    elevpeng: int
    forsorjning: int
    coordinator: object
    ks_secretary: object
    ks_member: object
    auditor: object
    admin: object
    preparer: object
    secretary: object


async def _principal(name: str, **kw):
    return await load_principal(await make_user(name, **kw))


async def _process(board: int, name: str, order: int) -> int:
    rows = await Process.insert(Process(board=board, name=name, sort_order=order)).returning(
        Process.id
    )
    return rows[0]["id"]


async def _build() -> ReviewWorld:
    await Municipality.insert(Municipality(name=KOMMUN, organisation_number="212000-0000"))
    ks = await make_board("KS", kind="executive", name="Kommunstyrelsen")
    bun = await make_board("BUN", name="Barn- och utbildningsnämnden")
    sn = await make_board("SN", name="Socialnämnden")
    world = ReviewWorld(
        ks=ks,
        bun=bun,
        sn=sn,
        skolskjuts=await _process(bun, "Skolskjuts", 1),
        elevpeng=await _process(bun, "Elevpeng", 2),
        forsorjning=await _process(sn, "Försörjningsstöd", 1),
        coordinator=await _principal("samordnare", global_roles=("coordinator",)),
        ks_secretary=await _principal("ks-sekreterare", board_roles=(("KS", "secretary"),)),
        ks_member=await _principal("ks-ledamot", board_roles=(("KS", "viewer"),)),
        auditor=await _principal("revisor", global_roles=("auditor",)),
        admin=await _principal("admin", admin=True),
        preparer=await _principal("handlaggare", board_roles=(("BUN", "preparer"),)),
        secretary=await _principal("sekreterare", board_roles=(("BUN", "secretary"),)),
    )
    owner_id = await make_user("kontrollant", board_roles=(("BUN", "control_owner"),))
    category = (
        await RiskCategory.insert(RiskCategory(name="Legal risk")).returning(RiskCategory.id)
    )[0]["id"]
    risk = await create_risk(
        world.admin, bun, YEAR, RiskInput(world.skolskjuts, category, "Lokaler för små")
    )
    await assess(world.admin, risk, YEAR, AssessmentInput(4, 4, "accept", "Ny skola byggs."))
    plan_id = await create_plan(world.admin, bun, YEAR)
    plan_control = await add_control(
        world.admin,
        plan_id,
        ControlInput(
            title="Attest av fakturor",
            method="sample",
            frequency="monthly",
            report_when="Helår",
            owner_id=owner_id,
        ),
    )
    await send_for_decision(world.admin, plan_id)
    await adopt(world.admin, plan_id, DecisionInput(dt.date(YEAR, 1, 15), "3", "BUN 2024/3"))
    control = (await PlanControl.select(PlanControl.control).where(PlanControl.id == plan_control))[
        0
    ]["control"]
    occasion = (
        await TestOccasion.select(TestOccasion.id)
        .where(TestOccasion.control == control)
        .order_by(TestOccasion.due_on)
        .first()
    )
    owner = await load_principal(owner_id)
    await log_result(
        owner,
        occasion["id"],
        ResultInput(
            dt.date(YEAR, 3, 15),
            "Kontrollant",
            "10 fakturor",
            "minor",
            deviation="Två fakturor saknade attest",
        ),
    )
    return world


_built: dict[str, object] = {}


@pytest.fixture
async def review_world(db, database_factory) -> ReviewWorld:
    """Built once per session and copied per test."""
    if "kept" in _built:
        await database_factory.restore(db, _built["kept"])
        return copy.deepcopy(_built["world"])
    world = await _build()
    _built["kept"] = await database_factory.snapshot(db, "review_world")
    _built["world"] = copy.deepcopy(world)
    return world


def complete(world: ReviewWorld, **changes) -> ReviewInput:
    """A draft KS can decide on: findings and a judgement of every board, one process judged."""
    data = ReviewInput(
        findings="Nämnderna har i huvudsak en fungerande intern kontroll.",
        proposals="Utbilda kontrollansvariga i dokumentation av stickprov.",
        judgements=(
            JudgementInput("green", "", board_id=world.ks),
            JudgementInput("yellow", "Attestrutinen brister.", board_id=world.bun),
            JudgementInput("red", "Ingen uppföljning.", board_id=world.sn),
            JudgementInput("yellow", "Avtal saknas.", process_id=world.skolskjuts),
        ),
    )
    return replace(data, **changes)


async def send_follow_up(board: int, status: str = "sent", period: str = "helar") -> None:
    """A follow-up row as the follow-up workflow would leave it."""
    end = dt.date(YEAR, 12, 31) if period == "helar" else dt.date(YEAR, 8, 31)
    await FollowUp.insert(
        FollowUp(board=board, year=YEAR, period=period, period_end=end, status=status)
    )


def fields_of(exc: pytest.ExceptionInfo[ValidationFailed]) -> dict[str, str]:
    return {e.field: e.message for e in exc.value.errors}


# ------------------------------------------------------------------------------- saving


async def test_coordinator_saves_a_draft_with_judgements(review_world):
    w = review_world
    review_id = await save_review(w.coordinator, YEAR, complete(w))
    row = await ConsolidatedReview.select().where(ConsolidatedReview.id == review_id).first()
    assert row["year"] == YEAR and row["status"] == "draft"
    assert row["findings"].startswith("Nämnderna") and row["updated_by_name"]
    judgements = await ReviewJudgement.select().where(ReviewJudgement.review == review_id)
    assert {(j["board"], j["process"], j["level"]) for j in judgements} == {
        (w.ks, None, "green"),
        (w.bun, None, "yellow"),
        (w.sn, None, "red"),
        (None, w.skolskjuts, "yellow"),
    }
    events = await AuditEvent.select().where(AuditEvent.entity == "consolidated_review")
    assert [e["action"] for e in events] == ["create"]


async def test_saving_again_replaces_the_judgements_as_a_whole(review_world):
    w = review_world
    first = await save_review(w.coordinator, YEAR, complete(w))
    again = ReviewInput("Nya iakttagelser", "", (JudgementInput("red", board_id=w.bun),))
    assert await save_review(w.coordinator, YEAR, again) == first
    rows = await ReviewJudgement.select().where(ReviewJudgement.review == first)
    assert [(r["board"], r["level"]) for r in rows] == [(w.bun, "red")]
    assert await ConsolidatedReview.count() == 1
    document = await review_document(w.coordinator, YEAR)
    assert document.findings == "Nya iakttagelser" and document.proposals == ""
    events = await AuditEvent.select().where(AuditEvent.entity == "consolidated_review")
    assert [e["action"] for e in events] == ["create", "update"]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"findings": "x" * 20_001}, "findings", "högst 20000 tecken"),
        ({"proposals": "a\x00b"}, "proposals", "otillåtet tecken"),
        ({"level": "blue"}, "judgements[1].level", "välj grön, gul eller röd"),
        ({"comment": "x" * 4_001}, "judgements[1].comment", "högst 4000 tecken"),
        ({"board": 99_999}, "judgements[1].board_id", "nämnden finns inte"),
        ({"twice": True}, "judgements[1].board_id", "nämnden har redan en bedömning"),
        ({"process": 99_999}, "judgements[3].process_id", "processen finns inte"),
        ({"both": True}, "judgements[1]", "antingen en nämnd eller en process"),
        ({"neither": True}, "judgements[1]", "antingen en nämnd eller en process"),
    ],
)
async def test_bad_drafts_are_refused_naming_the_field(review_world, change, field, message):
    w = review_world
    data = complete(w)
    judgements = list(data.judgements)
    bun = judgements[1]
    if "findings" in change or "proposals" in change:
        data = replace(data, **change)
    elif "level" in change:
        judgements[1] = replace(bun, level=change["level"])
    elif "comment" in change:
        judgements[1] = replace(bun, comment=change["comment"])
    elif "board" in change:
        judgements[1] = replace(bun, board_id=change["board"])
    elif "twice" in change:
        judgements[1] = replace(bun, board_id=w.ks)
    elif "process" in change:
        judgements[3] = replace(judgements[3], process_id=change["process"])
    elif "both" in change:
        judgements[1] = replace(bun, process_id=w.elevpeng)
    else:
        judgements[1] = replace(bun, board_id=None)
    if judgements != list(data.judgements):
        data = replace(data, judgements=tuple(judgements))
    with pytest.raises(ValidationFailed) as exc:
        await save_review(w.coordinator, YEAR, data)
    assert message in fields_of(exc)[field]
    assert await ConsolidatedReview.count() == 0  # nothing half-written


async def test_an_inactive_board_cannot_be_judged(review_world):
    w = review_world
    await Board.update({Board.active: False}).where(Board.id == w.sn)
    with pytest.raises(ValidationFailed) as exc:
        await save_review(w.coordinator, YEAR, complete(w))
    assert fields_of(exc) == {"judgements[2].board_id": "nämnden finns inte"}


async def test_a_year_out_of_range_is_refused(review_world):
    with pytest.raises(ValidationFailed) as exc:
        await save_review(review_world.coordinator, 1999, complete(review_world))
    assert "year" in fields_of(exc)


@pytest.mark.parametrize("who", ["coordinator", "admin"])
async def test_writers_may_save(review_world, who):
    assert await save_review(getattr(review_world, who), YEAR, complete(review_world))


@pytest.mark.parametrize("who", ["ks_secretary", "ks_member", "auditor", "preparer", "secretary"])
async def test_others_may_not_save(review_world, who):
    with pytest.raises(Forbidden):
        await save_review(getattr(review_world, who), YEAR, complete(review_world))
    assert await ConsolidatedReview.count() == 0


# ------------------------------------------------------------------------------- deciding


async def test_ks_secretary_records_the_decision_and_the_review_freezes(review_world):
    w = review_world
    review_id = await save_review(w.coordinator, YEAR, complete(w))
    await decide_review(w.ks_secretary, YEAR, DECISION)
    row = await ConsolidatedReview.select().where(ConsolidatedReview.id == review_id).first()
    assert row["status"] == "decided"
    assert (row["decided_on"], row["paragraph"], row["registry_number"]) == (
        dt.date(2026, 3, 10),
        "§ 45",
        "KS 2026/12",
    )
    assert row["decided_by"] == w.ks_secretary.id
    snapshot = json.loads(row["snapshot"])
    assert snapshot["period"] == "helar"
    assert {b["short_name"] for b in snapshot["overview"]["boards"]} == {"KS", "BUN", "SN"}
    document = await review_document(w.auditor, YEAR)
    assert document.is_decided
    assert document.decision_text == "Beslutad av kommunstyrelsen 2026-03-10 § 45, Dnr KS 2026/12"
    events = await AuditEvent.select().where(AuditEvent.action == "decide")
    assert len(events) == 1 and "§ 45" in events[0]["summary"]


async def test_a_decided_review_refuses_every_change_with_409(review_world):
    w = review_world
    await save_review(w.coordinator, YEAR, complete(w))
    await decide_review(w.coordinator, YEAR, DECISION)
    with pytest.raises(Conflict):
        await save_review(w.coordinator, YEAR, complete(w))
    with pytest.raises(Conflict):  # even a bad body: the state is what is wrong
        await save_review(w.coordinator, YEAR, complete(w, findings="x" * 30_000))
    with pytest.raises(Conflict):
        await decide_review(w.coordinator, YEAR, DECISION)
    rows = await ReviewJudgement.select().where(ReviewJudgement.process == w.skolskjuts)
    assert len(rows) == 1


async def test_decision_needs_findings_and_every_active_board_judged(review_world):
    w = review_world
    draft = complete(w, findings="  ", judgements=complete(w).judgements[1:2])
    await save_review(w.coordinator, YEAR, draft)
    with pytest.raises(ValidationFailed) as exc:
        await decide_review(w.coordinator, YEAR, DECISION)
    errors = fields_of(exc)
    assert errors["judgements"] == "bedömning saknas för KS, SN"
    assert "iakttagelser" in errors["findings"]
    row = await ConsolidatedReview.select().first()
    assert row["status"] == "draft" and row["snapshot"] == ""


@pytest.mark.parametrize(
    ("decided_on", "message"),
    [
        (dt.date(YEAR, 12, 31), "kan inte vara före 2026-01-01"),
        (dt.date.today() + dt.timedelta(days=2), "kan inte ligga i framtiden"),
    ],
)
async def test_decision_date_lies_after_the_year_and_not_ahead(review_world, decided_on, message):
    w = review_world
    await save_review(w.coordinator, YEAR, complete(w))
    with pytest.raises(ValidationFailed) as exc:
        await decide_review(w.coordinator, YEAR, replace(DECISION, decided_on=decided_on))
    assert message in fields_of(exc)["decided_on"]


async def test_decision_names_empty_paragraph_and_registry_number(review_world):
    w = review_world
    await save_review(w.coordinator, YEAR, complete(w))
    with pytest.raises(ValidationFailed) as exc:
        await decide_review(w.coordinator, YEAR, DecisionInput(DECISION.decided_on, " ", ""))
    assert set(fields_of(exc)) == {"paragraph", "registry_number"}


async def test_deciding_without_a_draft_is_404(review_world):
    with pytest.raises(NotFound):
        await decide_review(review_world.coordinator, YEAR, DECISION)


@pytest.mark.parametrize("who", ["coordinator", "ks_secretary", "admin"])
async def test_who_may_decide(review_world, who):
    await save_review(review_world.coordinator, YEAR, complete(review_world))
    await decide_review(getattr(review_world, who), YEAR, DECISION)


@pytest.mark.parametrize("who", ["ks_member", "auditor", "preparer", "secretary"])
async def test_who_may_not_decide(review_world, who):
    await save_review(review_world.coordinator, YEAR, complete(review_world))
    with pytest.raises(Forbidden):
        await decide_review(getattr(review_world, who), YEAR, DECISION)
    assert (await ConsolidatedReview.select().first())["status"] == "draft"


# ----------------------------------------------------------------- boards that did not report


async def test_boards_without_a_sent_helar_follow_up_are_named(review_world):
    w = review_world
    await send_follow_up(w.sn)  # sent to KS
    await send_follow_up(w.bun, status="approved")  # approved by the nämnd, not yet sent
    await send_follow_up(w.ks, period="delar")  # only the delår follow-up reached KS
    document = await review_document(w.coordinator, YEAR)
    assert [b.short_name for b in document.not_reported] == ["KS", "BUN"]
    figures = {s.figures.short_name: s.figures for s in document.sections}
    assert figures["SN"].reported and figures["SN"].reported_text == "Ja"
    assert figures["BUN"].reported_text == "Nej (godkänd av nämnden)"
    assert figures["KS"].reported_text == "Nej (ej påbörjad)"
    assert "Socialnämnden" not in document.not_reported_text
    assert "Barn- och utbildningsnämnden (BUN)" in document.not_reported_text


async def test_every_board_reported_says_so(review_world):
    w = review_world
    for board in (w.ks, w.bun, w.sn):
        await send_follow_up(board)
    document = await review_document(w.coordinator, YEAR)
    assert document.not_reported == []
    assert document.not_reported_text.startswith("inga")


async def test_the_names_are_frozen_at_the_decision(review_world):
    w = review_world
    await send_follow_up(w.sn)
    await save_review(w.coordinator, YEAR, complete(w))
    await decide_review(w.coordinator, YEAR, DECISION)
    # After KS's decision BUN sends its follow-up and SN's board is renamed.
    await send_follow_up(w.bun)
    await Board.update({Board.name: "Omsorgsnämnden"}).where(Board.id == w.sn)
    document = await review_document(w.coordinator, YEAR)
    assert [b.short_name for b in document.not_reported] == ["KS", "BUN"]
    figures = {s.figures.short_name: s.figures for s in document.sections}
    assert not figures["BUN"].reported
    sn = next(s for s in document.sections if s.figures.short_name == "SN")
    assert sn.figures.name == "Socialnämnden"
    assert sn.judgement is not None and sn.judgement.board_name == "Socialnämnden"


async def test_the_figures_are_frozen_at_the_decision(review_world):
    w = review_world
    await save_review(w.coordinator, YEAR, complete(w))
    before = await review_document(w.coordinator, YEAR)
    await decide_review(w.coordinator, YEAR, DECISION)
    # A board that becomes inactive afterwards stays in the decided review.
    await Board.update({Board.active: False}).where(Board.id == w.sn)
    after = await review_document(w.coordinator, YEAR)
    assert [s.figures for s in after.sections] == [s.figures for s in before.sections]
    live = await review_document(w.coordinator, YEAR + 1)
    assert "SN" not in [s.figures.short_name for s in live.sections]


# ------------------------------------------------------------------------------- the document


async def test_the_document_carries_the_overviews_figures(review_world):
    w = review_world
    await save_review(w.coordinator, YEAR, complete(w))
    document = await review_document(w.ks_member, YEAR)
    assert document.title == "Samlad bedömning av den interna kontrollen 2025"
    assert document.municipality == KOMMUN and document.period_label == "Helår 2025"
    assert [s.figures.short_name for s in document.sections] == ["KS", "BUN", "SN"]
    bun = document.sections[1]
    # Hand-checked: twelve monthly occasions due by 31 December, one tested, a minor deviation.
    assert (bun.figures.counts.due, bun.figures.counts.tested) == (12, 1)
    assert bun.figures.counts.deviations_minor == 1 and bun.figures.accepted_high_risks == 1
    assert bun.figures.timeliness_label == "Antagen i tid"
    assert bun.judgement is not None and bun.judgement.level == "yellow"
    assert [p.name for p in bun.processes] == ["Skolskjuts", "Elevpeng"]
    assert [(j.process_name, j.level) for j in bun.process_judgements] == [("Skolskjuts", "yellow")]
    assert document.missing_judgements == []


async def test_no_review_is_a_document_without_a_row(review_world):
    document = await review_document(review_world.auditor, YEAR)
    assert document.review is None and document.status == "none"
    assert len(document.missing_judgements) == 3


@pytest.mark.parametrize("who", ["preparer", "secretary"])
async def test_board_users_may_not_read_the_review(review_world, who):
    with pytest.raises(Forbidden):
        await review_document(getattr(review_world, who), YEAR)

"""Deviations and actions: analysis, postponement keeping the first date, closing, checks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from piccolo.apps.user.tables import BaseUser

from internkontroll.audit.tables import AuditEvent
from internkontroll.controls import deviations, results, testing_reads
from internkontroll.controls.deviations import (
    ActionInput,
    AnalysisInput,
    add_action,
    check_action,
    close_action,
    postpone_action,
    responsible_choices,
    update_analysis,
)
from internkontroll.controls.results import ResultInput, correct_result, log_result
from internkontroll.controls.testing_reads import board_results, control_record
from internkontroll.controls.testing_tables import (
    ActionCheck,
    ActionPostponement,
    CorrectiveAction,
    Deviation,
    TestOccasion,
)
from internkontroll.errors import Conflict, Forbidden, ValidationFailed
from tests.conftest import make_user
from tests.controls.conftest import YEAR
from tests.controls.test_plans import adopted_plan

TODAY = dt.date(2026, 11, 15)
D = dt.date


@dataclass
class Clock:
    """The day every service and read model takes as today."""

    day: dt.date = TODAY


@pytest.fixture(autouse=True)
def clock(monkeypatch) -> Clock:
    """Services and read models run as if on 15 November 2026 unless a test moves the clock."""
    current = Clock()
    for module in (results, deviations, testing_reads):
        monkeypatch.setattr(module, "today", lambda: current.day)
    return current


def finding(outcome: str = "minor", text: str = "Två fakturor saknade attest") -> ResultInput:
    return ResultInput(
        D(2026, 3, 31), "Kim Kontrollant", "20 av 312 fakturor", outcome, deviation=text
    )


async def occasion(board: int, key: str, nth: int = 0) -> dict:
    rows = (
        await TestOccasion.select()
        .where((TestOccasion.board == board) & (TestOccasion.period_key == key))
        .order_by(TestOccasion.id)
    )
    return rows[nth]


async def deviation_on(world, key: str = "Q1", outcome: str = "minor", nth: int = 0):
    """Log a finding on a quarterly occasion of the owner's; return (result id, deviation id)."""
    target = await occasion(world.board, key, nth)
    result_id = await log_result(world.owner, target["id"], finding(outcome))
    row = await Deviation.select(Deviation.id).where(Deviation.found_in == result_id).first()
    return result_id, row["id"]


@pytest.fixture
async def deviation(plan_world) -> int:
    """An open minor deviation on the first quarter of a control owned by world.owner."""
    await adopted_plan(plan_world)
    return (await deviation_on(plan_world))[1]


async def new_action(world, deviation_id: int, due: dt.date = D(2026, 12, 1), responsible=None):
    return await add_action(
        world.owner,
        deviation_id,
        ActionInput("Påminn attestanterna", responsible or world.owner_id, due),
    )


async def last_event_id() -> int:
    row = await AuditEvent.select(AuditEvent.id).order_by(AuditEvent.id, ascending=False).first()
    return row["id"] if row else 0


async def events_since(event_id: int) -> list[tuple[str, str, str]]:
    rows = (
        await AuditEvent.select(AuditEvent.action, AuditEvent.entity, AuditEvent.entity_id)
        .where(AuditEvent.id > event_id)
        .order_by(AuditEvent.id)
    )
    return [(r["action"], r["entity"], r["entity_id"]) for r in rows]


async def action_row(action_id: int) -> dict:
    return await CorrectiveAction.select().where(CorrectiveAction.id == action_id).first()


async def moves(action_id: int) -> list[tuple]:
    rows = (
        await ActionPostponement.select()
        .where(ActionPostponement.action == action_id)
        .order_by(ActionPostponement.id)
    )
    return [(r["from_due_on"], r["to_due_on"], r["reason"], r["by_name"]) for r in rows]


async def action_context(action_id: int) -> dict:
    return (
        await CorrectiveAction.select(CorrectiveAction.deviation.control.as_alias("control"))
        .where(CorrectiveAction.id == action_id)
        .first()
    )


def fields_of(caught) -> list[str]:
    return [e.field for e in caught.value.errors]


# ------------------------------------------------------------------ postponement


async def test_postponing_moves_the_due_date_and_keeps_the_very_first_one(plan_world, deviation):
    w = plan_world
    mark = await last_event_id()
    action_id = await new_action(w, deviation)
    assert await events_since(mark) == [("create", "corrective_action", str(action_id))]
    created = await action_row(action_id)
    assert (created["original_due_on"], created["due_on"], created["closed_on"]) == (
        D(2026, 12, 1),
        D(2026, 12, 1),
        None,
    )
    assert created["responsible"] == w.owner_id and created["responsible_name"] == "Kontrollant"

    mark = await last_event_id()
    await postpone_action(w.owner, action_id, D(2027, 1, 15), "  Leverantören är sen  ")
    assert await events_since(mark) == [("postpone", "corrective_action", str(action_id))]
    once = await action_row(action_id)
    assert (once["original_due_on"], once["due_on"]) == (D(2026, 12, 1), D(2027, 1, 15))
    assert await moves(action_id) == [
        (D(2026, 12, 1), D(2027, 1, 15), "Leverantören är sen", "Kontrollant")
    ]

    mark = await last_event_id()
    await postpone_action(w.preparer, action_id, D(2027, 2, 28), "Sjukskrivning")
    assert await events_since(mark) == [("postpone", "corrective_action", str(action_id))]
    twice = await action_row(action_id)
    assert (twice["original_due_on"], twice["due_on"]) == (D(2026, 12, 1), D(2027, 2, 28))
    assert await moves(action_id) == [
        (D(2026, 12, 1), D(2027, 1, 15), "Leverantören är sen", "Kontrollant"),
        (D(2027, 1, 15), D(2027, 2, 28), "Sjukskrivning", "Handlaggare"),
    ]

    record = await control_record(w.viewer, (await action_context(action_id))["control"])
    view = record.deviations[0].actions[0]
    assert view.postponed and not view.overdue
    assert [(p["from_due_on"], p["to_due_on"]) for p in view.postponements] == [
        (D(2026, 12, 1), D(2027, 1, 15)),
        (D(2027, 1, 15), D(2027, 2, 28)),
    ]


@pytest.mark.parametrize(
    ("new_due_on", "reason", "field"),
    [
        (D(2026, 11, 30), "Semester", "due_on"),  # earlier than the current due date
        (D(2026, 12, 1), "Semester", "due_on"),  # the same date
        (D(2026, 11, 14), "Semester", "due_on"),  # in the past
        (None, "Semester", "due_on"),
        (D(2027, 1, 15), "", "reason"),
        (D(2027, 1, 15), "   ", "reason"),
        (D(2027, 1, 15), "x" * 4001, "reason"),
    ],
)
async def test_a_bad_postponement_names_the_field_and_writes_nothing(
    plan_world, deviation, new_due_on, reason, field
):
    action_id = await new_action(plan_world, deviation)
    before = await action_row(action_id)
    mark = await last_event_id()
    with pytest.raises(ValidationFailed) as caught:
        await postpone_action(plan_world.owner, action_id, new_due_on, reason)
    assert field in fields_of(caught)
    assert await action_row(action_id) == before
    assert await moves(action_id) == []
    assert await events_since(mark) == []


async def test_an_overdue_action_may_be_postponed_to_today_but_not_before(
    plan_world, deviation, clock
):
    action_id = await new_action(plan_world, deviation, due=D(2026, 11, 20))
    clock.day = D(2026, 11, 25)
    with pytest.raises(ValidationFailed) as caught:
        await postpone_action(plan_world.owner, action_id, D(2026, 11, 24), "Glömt")
    assert fields_of(caught) == ["due_on"]
    await postpone_action(plan_world.owner, action_id, D(2026, 11, 25), "Glömt")
    row = await action_row(action_id)
    assert (row["original_due_on"], row["due_on"]) == (D(2026, 11, 20), D(2026, 11, 25))


async def test_a_closed_action_cannot_be_postponed(plan_world, deviation):
    action_id = await new_action(plan_world, deviation)
    await close_action(plan_world.owner, action_id, TODAY, "Rutinen är uppdaterad")
    before = await action_row(action_id)
    mark = await last_event_id()
    with pytest.raises(Conflict):
        await postpone_action(plan_world.owner, action_id, D(2027, 1, 15), "För sent")
    assert await action_row(action_id) == before
    assert await moves(action_id) == []
    assert await events_since(mark) == []


# ------------------------------------------------------------------ closing and checking


@pytest.mark.parametrize(
    ("closed_on", "note", "field"),
    [
        (TODAY, "", "note"),
        (TODAY, "  ", "note"),
        (None, "Klart", "closed_on"),
        (D(2026, 11, 16), "Klart", "closed_on"),  # tomorrow
    ],
)
async def test_closing_needs_a_note_and_a_date_not_in_the_future(
    plan_world, deviation, closed_on, note, field
):
    action_id = await new_action(plan_world, deviation)
    before = await action_row(action_id)
    mark = await last_event_id()
    with pytest.raises(ValidationFailed) as caught:
        await close_action(plan_world.owner, action_id, closed_on, note)
    assert fields_of(caught) == [field]
    assert await action_row(action_id) == before
    assert await events_since(mark) == []


async def test_closing_records_the_date_note_and_who_and_only_once(plan_world, deviation):
    action_id = await new_action(plan_world, deviation)
    mark = await last_event_id()
    await close_action(plan_world.preparer, action_id, D(2026, 11, 10), " Rutinen är uppdaterad ")
    assert await events_since(mark) == [("close", "corrective_action", str(action_id))]
    row = await action_row(action_id)
    assert (row["closed_on"], row["closing_note"], row["closed_by_name"]) == (
        D(2026, 11, 10),
        "Rutinen är uppdaterad",
        "Handlaggare",
    )
    assert row["due_on"] == row["original_due_on"] == D(2026, 12, 1)
    mark = await last_event_id()
    with pytest.raises(Conflict):
        await close_action(plan_world.owner, action_id, TODAY, "En gång till")
    assert await action_row(action_id) == row
    assert await events_since(mark) == []


async def test_only_a_closed_action_is_checked(plan_world, deviation):
    action_id = await new_action(plan_world, deviation)
    mark = await last_event_id()
    with pytest.raises(Conflict):
        await check_action(plan_world.owner, action_id, TODAY, True, "Fungerar")
    assert not await ActionCheck.exists().where(ActionCheck.action == action_id)
    assert await events_since(mark) == []


@pytest.mark.parametrize(
    ("checked_on", "note", "field"),
    [
        (D(2026, 11, 9), "Fungerar", "checked_on"),  # before the action was closed
        (D(2026, 11, 16), "Fungerar", "checked_on"),  # in the future
        (None, "Fungerar", "checked_on"),
        (TODAY, " ", "note"),
    ],
)
async def test_a_bad_check_names_the_field_and_writes_nothing(
    plan_world, deviation, checked_on, note, field
):
    action_id = await new_action(plan_world, deviation)
    await close_action(plan_world.owner, action_id, D(2026, 11, 10), "Rutinen är uppdaterad")
    mark = await last_event_id()
    with pytest.raises(ValidationFailed) as caught:
        await check_action(plan_world.owner, action_id, checked_on, True, note)
    assert fields_of(caught) == [field]
    assert not await ActionCheck.exists().where(ActionCheck.action == action_id)
    assert await events_since(mark) == []


async def test_checks_are_recorded_from_the_closing_day_on(plan_world, deviation):
    w = plan_world
    action_id = await new_action(w, deviation)
    await close_action(w.owner, action_id, D(2026, 11, 10), "Rutinen är uppdaterad")
    mark = await last_event_id()
    first = await check_action(w.owner, action_id, D(2026, 11, 10), False, " Fel kvarstår ")
    second = await check_action(w.preparer, action_id, TODAY, True, "Inga fel i nytt urval")
    assert await events_since(mark) == [
        ("check", "corrective_action", str(action_id)),
        ("check", "corrective_action", str(action_id)),
    ]
    rows = (
        await ActionCheck.select().where(ActionCheck.action == action_id).order_by(ActionCheck.id)
    )
    assert [(r["id"], r["checked_on"], r["effective"], r["note"], r["by_name"]) for r in rows] == [
        (first, D(2026, 11, 10), False, "Fel kvarstår", "Kontrollant"),
        (second, TODAY, True, "Inga fel i nytt urval", "Handlaggare"),
    ]
    record = await control_record(w.viewer, (await action_context(action_id))["control"])
    assert [c["id"] for c in record.deviations[0].actions[0].checks] == [first, second]


# ------------------------------------------------------------------ who may


async def test_the_responsible_user_may_postpone_close_and_check_their_own_action(
    plan_world, deviation
):
    w = plan_world
    # A secretary logs no results, but once made responsible moves their own action on.
    assert w.secretary.id in {p["id"] for p in await responsible_choices(w.board)}
    action_id = await new_action(w, deviation, responsible=w.secretary.id)
    assert (await action_row(action_id))["responsible_name"] == "Sekreterare"
    mark = await last_event_id()
    await postpone_action(w.secretary, action_id, D(2027, 1, 15), "Väntar på systemstöd")
    await close_action(w.secretary, action_id, TODAY, "Klart")
    await check_action(w.secretary, action_id, TODAY, True, "Fungerar")
    assert [e[0] for e in await events_since(mark)] == ["postpone", "close", "check"]
    row = await action_row(action_id)
    assert (row["due_on"], row["closed_on"], row["closed_by_name"]) == (
        D(2027, 1, 15),
        TODAY,
        "Sekreterare",
    )
    # Still no tester: the deviation itself and new actions are not theirs.
    with pytest.raises(Forbidden):
        await add_action(w.secretary, deviation, ActionInput("Mer", w.secretary.id, D(2027, 1, 1)))
    with pytest.raises(Forbidden):
        await update_analysis(w.secretary, deviation, AnalysisInput("Annan text"))


async def test_a_board_member_may_not_move_someone_elses_action(plan_world, deviation):
    w = plan_world
    action_id = await new_action(w, deviation)  # the owner answers for it
    before = await action_row(action_id)
    mark = await last_event_id()
    with pytest.raises(Forbidden):
        await postpone_action(w.secretary, action_id, D(2027, 1, 15), "Semester")
    with pytest.raises(Forbidden):
        await close_action(w.secretary, action_id, TODAY, "Klart")
    assert await action_row(action_id) == before
    assert await events_since(mark) == []


@pytest.mark.parametrize("who", ["viewer", "outsider", "auditor", "admin", "coordinator"])
@pytest.mark.parametrize("operation", ["add", "postpone", "close", "check", "analysis"])
async def test_others_may_not_touch_deviations_or_actions(plan_world, deviation, who, operation):
    w = plan_world
    principal = getattr(w, who)
    action_id = await new_action(w, deviation)
    if operation == "check":
        await close_action(w.owner, action_id, TODAY, "Klart")
    snapshot = (
        await Deviation.select().where(Deviation.id == deviation),
        await CorrectiveAction.select().order_by(CorrectiveAction.id),
    )
    mark = await last_event_id()
    calls = {
        "add": lambda: add_action(
            principal, deviation, ActionInput("Mer", w.owner_id, D(2027, 1, 1))
        ),
        "postpone": lambda: postpone_action(principal, action_id, D(2027, 1, 15), "Semester"),
        "close": lambda: close_action(principal, action_id, TODAY, "Klart"),
        "check": lambda: check_action(principal, action_id, TODAY, True, "Fungerar"),
        "analysis": lambda: update_analysis(principal, deviation, AnalysisInput("Annan text")),
    }
    with pytest.raises(Forbidden):
        await calls[operation]()
    assert (
        await Deviation.select().where(Deviation.id == deviation),
        await CorrectiveAction.select().order_by(CorrectiveAction.id),
    ) == snapshot
    assert not await ActionPostponement.exists()
    assert not await ActionCheck.exists()
    assert await events_since(mark) == []


# ------------------------------------------------------------------ adding actions


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"due_on": D(2026, 11, 14)}, "due_on"),
        ({"due_on": None}, "due_on"),
        ({"description": "  "}, "description"),
        ({"description": "x" * 4001}, "description"),
        ({"responsible_id": None}, "responsible_id"),
        ({"responsible_id": "outsider"}, "responsible_id"),  # a role on SN only
        ({"responsible_id": "other_owner"}, "responsible_id"),  # control owner on SN
        ({"responsible_id": "inactive"}, "responsible_id"),
    ],
)
async def test_a_bad_action_names_the_field_and_is_not_stored(plan_world, deviation, change, field):
    w = plan_world
    inactive = await make_user("slutat", board_roles=(("BUN", "control_owner"),))
    await BaseUser.update({BaseUser.active: False}).where(BaseUser.id == inactive)
    people = {"outsider": w.outsider.id, "other_owner": w.other_owner_id, "inactive": inactive}
    values = {"description": "Påminn attestanterna", "responsible_id": w.owner_id, "due_on": TODAY}
    values.update({k: people.get(v, v) if k == "responsible_id" else v for k, v in change.items()})
    mark = await last_event_id()
    with pytest.raises(ValidationFailed) as caught:
        await add_action(w.owner, deviation, ActionInput(**values))
    assert fields_of(caught) == [field]
    assert not await CorrectiveAction.exists()
    assert await events_since(mark) == []


async def test_an_action_may_be_due_today_and_be_given_to_anyone_with_a_role(plan_world, deviation):
    w = plan_world
    first = await add_action(w.preparer, deviation, ActionInput("Ny rutin", w.viewer.id, TODAY))
    row = await action_row(first)
    assert (row["responsible"], row["responsible_name"], row["due_on"]) == (
        w.viewer.id,
        "Ledamot",
        TODAY,
    )
    assert row["created_by_name"] == "Handlaggare" and row["board"] == w.board


# ------------------------------------------------------------------ the analysis


async def test_the_analysis_stores_five_whys_and_the_root_cause(plan_world, deviation):
    w = plan_world
    mark = await last_event_id()
    await update_analysis(
        w.owner,
        deviation,
        AnalysisInput(
            " Tre fakturor saknade attest ",
            (
                " Attestanten var ledig ",
                "Ingen ersättare",
                "Listan ej uppdaterad",
                "Ägare saknas",
                "Rutin saknas",
            ),
            " Ingen äger attestlistan ",
        ),
    )
    assert await events_since(mark) == [("update", "deviation", str(deviation))]
    row = await Deviation.select().where(Deviation.id == deviation).first()
    assert row["description"] == "Tre fakturor saknade attest"
    assert [row[f"why_{i}"] for i in range(1, 6)] == [
        "Attestanten var ledig",
        "Ingen ersättare",
        "Listan ej uppdaterad",
        "Ägare saknas",
        "Rutin saknas",
    ]
    assert row["root_cause"] == "Ingen äger attestlistan"

    # Fewer whys later clear the rest.
    await update_analysis(w.preparer, deviation, AnalysisInput("Kort", ("Ett", "Två")))
    row = await Deviation.select().where(Deviation.id == deviation).first()
    assert [row[f"why_{i}"] for i in range(1, 6)] == ["Ett", "Två", "", "", ""]
    assert (row["description"], row["root_cause"]) == ("Kort", "")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (AnalysisInput(""), "description"),
        (AnalysisInput("   ", ("Varför",)), "description"),
        (AnalysisInput("Text", ("1", "2", "3", "4", "5", "6")), "whys"),
        (AnalysisInput("Text", root_cause="x" * 4001), "root_cause"),
        (AnalysisInput("Text", ("x" * 4001,)), "why_1"),
    ],
)
async def test_a_bad_analysis_names_the_field_and_changes_nothing(
    plan_world, deviation, data, field
):
    before = await Deviation.select().where(Deviation.id == deviation).first()
    mark = await last_event_id()
    with pytest.raises(ValidationFailed) as caught:
        await update_analysis(plan_world.owner, deviation, data)
    assert field in fields_of(caught)
    assert await Deviation.select().where(Deviation.id == deviation).first() == before
    assert await events_since(mark) == []


async def test_a_withdrawn_deviation_takes_no_analysis_and_no_action(plan_world):
    w = plan_world
    await adopted_plan(w)
    result_id, deviation_id = await deviation_on(w)
    fix = ResultInput(
        D(2026, 3, 31),
        "Kim Kontrollant",
        "20 av 312 fakturor",
        "passed",
        correction_reason="Attesten fanns i ett annat system",
    )
    await correct_result(w.owner, result_id, fix)
    before = await Deviation.select().where(Deviation.id == deviation_id).first()
    assert before["withdrawn_at"] is not None
    mark = await last_event_id()
    with pytest.raises(Conflict):
        await update_analysis(w.owner, deviation_id, AnalysisInput("Ny text"))
    with pytest.raises(Conflict):
        await add_action(w.owner, deviation_id, ActionInput("Åtgärd", w.owner_id, TODAY))
    assert await Deviation.select().where(Deviation.id == deviation_id).first() == before
    assert not await CorrectiveAction.exists()
    assert await events_since(mark) == []
    record = await board_results(w.viewer, w.board, YEAR)
    assert not record.deviations[0].is_open and record.deviations[0].withdrawn
    assert record.counts["open_minor"] == 0


# ------------------------------------------------------------------ read models


async def test_an_open_action_past_its_due_date_is_overdue(plan_world, deviation, clock):
    w = plan_world
    action_id = await new_action(w, deviation, due=D(2026, 11, 20))
    control = (await action_context(action_id))["control"]

    async def action_view():
        return (await control_record(w.viewer, control)).deviations[0].actions[0]

    clock.day = D(2026, 11, 20)
    assert not (await action_view()).overdue  # due today is not late yet
    clock.day = D(2026, 11, 21)
    assert (await action_view()).overdue
    picture = await board_results(w.viewer, w.board, YEAR)
    assert picture.counts["overdue_actions"] == 1
    assert [a.row["id"] for _, a in picture.overdue_actions] == [action_id]
    await close_action(w.owner, action_id, D(2026, 11, 21), "Klart")
    assert not (await action_view()).overdue
    picture = await board_results(w.viewer, w.board, YEAR)
    assert picture.counts["overdue_actions"] == 0 and picture.overdue_actions == []


async def test_a_deviation_is_open_until_every_action_is_closed(plan_world, deviation):
    w = plan_world
    control = (await Deviation.select(Deviation.control).where(Deviation.id == deviation).first())[
        "control"
    ]

    async def view():
        return (await control_record(w.viewer, control)).deviations[0]

    assert (await view()).is_open and (await view()).actions == []
    first = await new_action(w, deviation)
    second = await new_action(w, deviation, due=D(2027, 3, 1))
    assert (await view()).is_open
    await close_action(w.owner, first, TODAY, "Klart")
    assert (await view()).is_open  # the second is still open
    await close_action(w.owner, second, TODAY, "Klart")
    closed = await view()
    assert not closed.is_open and not closed.withdrawn
    assert [a.row["id"] for a in closed.actions] == [first, second]


async def test_board_results_count_open_deviations_and_overdue_actions(plan_world, clock):
    w = plan_world
    await adopted_plan(w)
    # Three risk controls are quarterly: findings on the first quarter of each.
    _, minor_open = await deviation_on(w, "Q1", "minor", nth=0)
    _, major_open = await deviation_on(w, "Q1", "major", nth=1)
    _, minor_done = await deviation_on(w, "Q1", "minor", nth=2)
    late = await new_action(w, major_open, due=D(2026, 11, 16))
    await new_action(w, major_open, due=D(2026, 12, 31))
    done = await new_action(w, minor_done, due=D(2026, 11, 16))
    await close_action(w.owner, done, TODAY, "Klart")
    clock.day = D(2026, 11, 17)

    picture = await board_results(w.viewer, w.board, YEAR)
    assert (picture.counts["open_minor"], picture.counts["open_major"]) == (1, 1)
    assert picture.counts["overdue_actions"] == 1
    assert [d.row["id"] for d in picture.open_deviations] == [major_open, minor_open]
    assert [(d.row["id"], a.row["id"]) for d, a in picture.overdue_actions] == [(major_open, late)]
    by_control = {r.control_id: r.open_deviations for r in picture.rows}
    controls = {
        d["id"]: d["control"] for d in await Deviation.select(Deviation.id, Deviation.control)
    }
    assert by_control[controls[minor_open]] == 1
    assert by_control[controls[major_open]] == 1
    assert by_control[controls[minor_done]] == 0

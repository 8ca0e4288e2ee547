"""The database keeps results, evidence and action histories append-only, whatever writes to it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from piccolo.querystring import QueryString

from internkontroll.controls import deviations, results
from internkontroll.controls.deviations import (
    ActionInput,
    add_action,
    check_action,
    close_action,
    postpone_action,
)
from internkontroll.controls.results import ResultInput, log_result
from internkontroll.controls.testing_tables import (
    ActionCheck,
    ActionPostponement,
    CorrectiveAction,
    Deviation,
    EvidenceFile,
    TestOccasion,
    TestResult,
)
from internkontroll.db import current_engine, is_unique_violation, write_transaction
from tests.controls.test_plans import adopted_plan

TODAY = dt.date(2026, 11, 15)
FAKE_SHA256 = "0123456789abcdef" * 4
APPEND_ONLY_TABLES = (TestResult, EvidenceFile, ActionPostponement, ActionCheck)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    for module in (results, deviations):
        monkeypatch.setattr(module, "today", lambda: TODAY)


@dataclass
class Rows:
    """One row of each append-only table, and the action they hang on."""

    occasion: dict
    result: int
    evidence: int
    action: int
    postponement: int
    check: int


@pytest.fixture
async def rows(plan_world) -> Rows:
    """A result with a finding and a file, an action postponed once, closed and checked."""
    w = plan_world
    await adopted_plan(w)
    occasion = (
        await TestOccasion.select()
        .where((TestOccasion.board == w.board) & (TestOccasion.period_key == "Q1"))
        .order_by(TestOccasion.id)
        .first()
    )
    result_id = await log_result(
        w.owner,
        occasion["id"],
        ResultInput(
            dt.date(2026, 3, 31),
            "Kim Kontrollant",
            "20 av 312 fakturor",
            "minor",
            deviation="Två fakturor saknade attest",
        ),
    )
    evidence = await EvidenceFile.insert(
        EvidenceFile(
            result=result_id,
            board=w.board,
            original_name="urval.pdf",
            media_type="application/pdf",
            size=1234,
            sha256=FAKE_SHA256,
            uploaded_by=w.owner_id,
            uploaded_by_name="Kontrollant",
        )
    ).returning(EvidenceFile.id)
    deviation = await Deviation.select(Deviation.id).where(Deviation.found_in == result_id).first()
    action_id = await add_action(
        w.owner, deviation["id"], ActionInput("Påminn attestanterna", w.owner_id, TODAY)
    )
    await postpone_action(w.owner, action_id, dt.date(2026, 12, 15), "Semester")
    await close_action(w.owner, action_id, TODAY, "Rutinen uppdaterad")
    check_id = await check_action(w.owner, action_id, TODAY, True, "Fungerar")
    move = await ActionPostponement.select(ActionPostponement.id).first()
    return Rows(occasion, result_id, evidence[0]["id"], action_id, move["id"], check_id)


async def snapshot() -> list:
    return [
        await table.select().order_by(table.id) for table in (*APPEND_ONLY_TABLES, CorrectiveAction)
    ]


async def refused(sql: str, *args) -> str:
    """Run raw SQL in a transaction; return the message of the error it must raise."""
    with pytest.raises(Exception) as caught:  # noqa: B017 - the engines raise different types
        async with write_transaction():
            await current_engine().run_querystring(QueryString(sql, *args))
    return str(caught.value)


async def run(sql: str, *args) -> None:
    async with write_transaction():
        await current_engine().run_querystring(QueryString(sql, *args))


@pytest.mark.parametrize(
    ("sql", "target"),
    [
        ("UPDATE test_result SET outcome = 'passed' WHERE id = {}", "result"),
        ("UPDATE test_result SET comment = 'Ändrad i efterhand' WHERE id = {}", "result"),
        ("UPDATE test_result SET performed_on = performed_on WHERE id = {}", "result"),
        ("DELETE FROM test_result WHERE id = {}", "result"),
        ("UPDATE evidence_file SET sha256 = 'ff' WHERE id = {}", "evidence"),
        ("UPDATE evidence_file SET original_name = 'annan.pdf' WHERE id = {}", "evidence"),
        ("DELETE FROM evidence_file WHERE id = {}", "evidence"),
        ("UPDATE action_postponement SET to_due_on = '2027-06-30' WHERE id = {}", "postponement"),
        ("UPDATE action_postponement SET reason = '' WHERE id = {}", "postponement"),
        ("DELETE FROM action_postponement WHERE id = {}", "postponement"),
        ("UPDATE action_check SET effective = {} WHERE id = {}", "check"),
        ("UPDATE action_check SET note = 'Annat' WHERE id = {}", "check"),
        ("DELETE FROM action_check WHERE id = {}", "check"),
    ],
)
async def test_append_only_rows_refuse_update_and_delete(rows, sql, target):
    before = await snapshot()
    args = (False, getattr(rows, target)) if "effective" in sql else (getattr(rows, target),)
    assert "append_only" in await refused(sql, *args)
    assert await snapshot() == before


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM test_result WHERE id > 0",
        "DELETE FROM evidence_file WHERE id > 0",
        "DELETE FROM action_postponement WHERE id > 0",
        "DELETE FROM action_check WHERE id > 0",
    ],
)
async def test_a_bulk_delete_is_refused_too(rows, sql):
    before = await snapshot()
    assert "append_only" in await refused(sql)
    assert await snapshot() == before


@pytest.mark.parametrize(
    "table", ["test_result", "evidence_file", "action_postponement", "action_check"]
)
async def test_truncate_is_refused_where_the_engine_has_it(rows, table):
    if current_engine().engine_type != "postgres":
        return  # SQLite has no TRUNCATE; DELETE is refused above
    before = await snapshot()
    assert "append_only" in await refused(f"TRUNCATE {table} CASCADE")
    assert await snapshot() == before


async def test_the_original_due_date_of_an_action_never_changes(rows):
    before = await snapshot()
    message = await refused(
        "UPDATE corrective_action SET original_due_on = '2027-01-31' WHERE id = {}", rows.action
    )
    assert "original_due_on_kept" in message
    message = await refused(
        "UPDATE corrective_action SET original_due_on = '2026-01-01', due_on = '2026-01-01' "
        "WHERE id = {}",
        rows.action,
    )
    assert "original_due_on_kept" in message
    assert await snapshot() == before


async def test_the_current_due_date_and_other_fields_of_an_action_may_change(rows):
    await run("UPDATE corrective_action SET due_on = '2027-03-31' WHERE id = {}", rows.action)
    await run(
        "UPDATE corrective_action SET original_due_on = original_due_on, "
        "closing_note = 'Kompletterad' WHERE id = {}",
        rows.action,
    )
    row = await CorrectiveAction.select().where(CorrectiveAction.id == rows.action).first()
    assert (row["original_due_on"], row["due_on"], row["closing_note"]) == (
        TODAY,
        dt.date(2027, 3, 31),
        "Kompletterad",
    )


def _correction(rows: Rows, board: int, comment: str) -> TestResult:
    return TestResult(
        occasion=rows.occasion["id"],
        control=rows.occasion["control"],
        board=board,
        performed_on=dt.date(2026, 3, 31),
        performed_by_name="Kim Kontrollant",
        sample="20 av 312 fakturor",
        outcome="passed",
        comment=comment,
        corrects=rows.result,
        correction_reason="Fel urval",
    )


async def test_a_result_is_corrected_at_most_once_even_by_direct_insert(rows, plan_world):
    first = await TestResult.insert(_correction(rows, plan_world.board, "Första")).returning(
        TestResult.id
    )
    with pytest.raises(Exception) as caught:  # noqa: B017 - either engine's unique violation
        async with write_transaction():
            await TestResult.insert(_correction(rows, plan_world.board, "Andra"))
    assert is_unique_violation(caught.value)
    corrections = await TestResult.select(TestResult.id).where(TestResult.corrects == rows.result)
    assert [r["id"] for r in corrections] == [first[0]["id"]]
    # The correction itself may be corrected in turn: a chain, not a fork.
    second = _correction(rows, plan_world.board, "Rättelse av rättelsen")
    second.corrects = first[0]["id"]
    await TestResult.insert(second)
    assert await TestResult.count().where(TestResult.occasion == rows.occasion["id"]) == 3


async def test_new_rows_may_still_be_appended(rows, plan_world):
    await EvidenceFile.insert(
        EvidenceFile(
            result=rows.result,
            board=plan_world.board,
            original_name="bilaga-2.xlsx",
            media_type="application/vnd.ms-excel",
            size=99,
            sha256="f" * 64,
        )
    )
    await ActionCheck.insert(
        ActionCheck(action=rows.action, checked_on=TODAY, effective=False, note="Igen")
    )
    await ActionPostponement.insert(
        ActionPostponement(
            action=rows.action,
            from_due_on=dt.date(2026, 12, 15),
            to_due_on=dt.date(2026, 12, 20),
            reason="Direkt",
        )
    )
    assert await EvidenceFile.count() == 2
    assert await ActionCheck.count() == 2
    assert await ActionPostponement.count() == 2

"""The plan deadline and the on time / late / missing / pending flags."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from internkontroll.controls import deadline, plans
from internkontroll.controls.deadline import plan_deadline, plan_statuses, timeliness
from internkontroll.controls.decisions import DecisionInput
from internkontroll.controls.plan_controls import ControlInput, add_control
from internkontroll.controls.views import plan_document
from internkontroll.errors import ValidationFailed
from internkontroll.organisation.tables import Board
from internkontroll.settings import get_settings
from tests.conftest import make_board
from tests.controls.conftest import YEAR, complete_controls

DEADLINE = dt.date(2026, 1, 31)


def set_deadline(monkeypatch, month: int, day: int) -> None:
    """Make the deadline module read another plan_deadline setting."""
    changed = dataclasses.replace(get_settings(), plan_deadline=(month, day))
    monkeypatch.setattr(deadline, "get_settings", lambda: changed)


def set_today(monkeypatch, day: dt.date) -> None:
    """Make the deadline module believe today is the given day."""
    monkeypatch.setattr(deadline, "today", lambda: day)


def test_the_default_deadline_is_31_january():
    assert plan_deadline(2026) == DEADLINE
    assert plan_deadline(2030) == dt.date(2030, 1, 31)


def test_29_february_means_the_28th_in_other_years(monkeypatch):
    assert plan_deadline(2027, (2, 29)) == dt.date(2027, 2, 28)
    assert plan_deadline(2028, (2, 29)) == dt.date(2028, 2, 29)
    set_deadline(monkeypatch, 2, 29)
    assert plan_deadline(2026) == dt.date(2026, 2, 28)
    assert timeliness(2026, dt.date(2026, 2, 28)) == "on_time"
    assert timeliness(2026, dt.date(2026, 3, 1)) == "late"


def test_on_time_on_the_deadline_day_and_late_the_day_after():
    assert timeliness(2026, DEADLINE) == "on_time"
    assert timeliness(2026, dt.date(2025, 12, 10)) == "on_time"
    assert timeliness(2026, DEADLINE + dt.timedelta(days=1)) == "late"


def test_pending_until_the_deadline_has_passed_then_missing():
    assert timeliness(2026, None, on=dt.date(2025, 12, 1)) == "pending"
    assert timeliness(2026, None, on=DEADLINE) == "pending"
    assert timeliness(2026, None, on=DEADLINE + dt.timedelta(days=1)) == "missing"


def test_a_configured_deadline_moves_every_flag(monkeypatch):
    set_deadline(monkeypatch, 3, 15)
    assert plan_deadline(2026) == dt.date(2026, 3, 15)
    assert timeliness(2026, dt.date(2026, 3, 1)) == "on_time"
    assert timeliness(2026, dt.date(2026, 3, 16)) == "late"
    assert timeliness(2026, None, on=dt.date(2026, 3, 15)) == "pending"
    assert timeliness(2026, None, on=dt.date(2026, 3, 16)) == "missing"


async def adopt_on(world, board: int, preparer, owner_id: int, day: dt.date) -> int:
    """Draft, complete and adopt a board's plan with a meeting on the given day."""
    plan_id = await plans.create_plan(preparer, board, YEAR)
    if board == world.board:
        await complete_controls(world, plan_id)
    else:
        await add_control(
            preparer,
            plan_id,
            ControlInput(
                title="Beslut om försörjningsstöd",
                method="sample",
                frequency="quarterly",
                report_when="Helår",
                owner_id=owner_id,
            ),
        )
    await plans.send_for_decision(preparer, plan_id)
    await plans.adopt(world.admin, plan_id, DecisionInput(day, "§ 3", "Dnr"))
    return plan_id


async def test_every_active_board_is_flagged(plan_world, monkeypatch):
    w = plan_world
    retired = await make_board("GAMLA")
    await Board.update({Board.active: False}).where(Board.id == retired)
    company = await make_board("BOLAG", kind="company", name="Kommunens bostadsbolag")
    await adopt_on(w, w.board, w.preparer, w.owner_id, DEADLINE)
    await adopt_on(w, w.other_board, w.outsider, w.other_owner_id, dt.date(2026, 2, 1))
    await plans.create_plan(w.admin, company, YEAR)

    set_today(monkeypatch, dt.date(2026, 1, 15))
    early = {s.short_name: s for s in await plan_statuses(YEAR)}
    assert set(early) == {"BUN", "SN", "KS", "BOLAG"}
    assert early["BUN"].timeliness == "on_time"
    assert early["SN"].timeliness == "late" and early["SN"].timeliness_label == "Antagen för sent"
    assert (early["BOLAG"].timeliness, early["BOLAG"].status_label) == ("pending", "Utkast")
    assert (early["KS"].timeliness, early["KS"].status_label) == ("pending", "Ingen plan")
    assert early["KS"].plan_id is None and early["KS"].timeliness_label == "Ej antagen än"

    set_today(monkeypatch, dt.date(2026, 2, 1))
    late = {s.short_name: s for s in await plan_statuses(YEAR)}
    assert late["BOLAG"].timeliness == late["KS"].timeliness == "missing"
    assert late["KS"].timeliness_label == "Saknas – deadline passerad"
    assert (late["BUN"].status, late["BUN"].first_decided_on) == ("adopted", DEADLINE)

    set_deadline(monkeypatch, 2, 1)
    moved = {s.short_name: s for s in await plan_statuses(YEAR)}
    assert moved["SN"].timeliness == "on_time"
    assert moved["KS"].timeliness == "pending"
    with pytest.raises(ValidationFailed):
        await plan_statuses(1800)


async def test_a_revision_keeps_the_flag_of_the_first_adoption(plan_world, monkeypatch):
    w = plan_world
    first = await adopt_on(w, w.board, w.preparer, w.owner_id, DEADLINE)
    second = await plans.new_version(w.preparer, first)
    await plans.send_for_decision(w.preparer, second)
    await plans.adopt(w.secretary, second, DecisionInput(dt.date(2026, 6, 1), "§ 50", "Dnr"))
    [bun] = [s for s in await plan_statuses(YEAR) if s.board_id == w.board]
    assert (bun.version, bun.status, bun.timeliness) == (2, "adopted", "on_time")
    document = await plan_document(w.viewer, second)
    assert (document.timeliness, document.deadline) == ("on_time", DEADLINE)


async def test_a_plan_adopted_after_the_deadline_is_late_everywhere(plan_world):
    w = plan_world
    plan_id = await plans.create_plan(w.preparer, w.board, YEAR)
    await complete_controls(w, plan_id)
    await plans.send_for_decision(w.preparer, plan_id)
    assert (await plan_document(w.viewer, plan_id)).timeliness == "missing"
    await plans.adopt(w.secretary, plan_id, DecisionInput(dt.date(2026, 2, 10), "§ 1", "x"))
    document = await plan_document(w.viewer, plan_id)
    assert (document.timeliness, document.timeliness_label) == ("late", "Antagen för sent")

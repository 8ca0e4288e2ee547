"""A process killed in the middle of a plan adoption leaves the plan whole: för beslut or adopted.

A child process (tests/resilience/adopt_child.py) adopts the plan through the real service on
the test's own database and pauses at a chosen moment; the test kills it with SIGKILL, which
no code can catch, and then reads what the database holds.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

import pytest

from internkontroll.audit.tables import AuditEvent
from internkontroll.controls import plans
from internkontroll.controls.tables import ControlPlan, PlanControlRisk
from internkontroll.controls.testing_tables import TestOccasion
from internkontroll.errors import Conflict
from tests.resilience.adopt_child import PAUSED
from tests.resilience.world import PlanSetup, decision, plan_for_decision

REPO_ROOT = Path(__file__).resolve().parents[2]
CONTROLS = 2
OCCASIONS = CONTROLS * 4  # quarterly
# The child imports the app's modules and adopts a two-control plan: seconds, even on a busy box.
CHILD_TIMEOUT = 60


async def _state(setup: PlanSetup) -> dict[str, Any]:
    """What the database holds about the plan and everything adoption writes."""
    plan = await ControlPlan.select().where(ControlPlan.id == setup.plan_id).first()
    pinned = await PlanControlRisk.count().where(
        (PlanControlRisk.plan_control.plan == setup.plan_id)
        & PlanControlRisk.assessment.is_not_null()
    )
    adoptions = await AuditEvent.select(AuditEvent.id, AuditEvent.summary).where(
        (AuditEvent.action == "adopt")
        & (AuditEvent.entity == "control_plan")
        & (AuditEvent.entity_id == str(setup.plan_id))
    )
    return {
        "plan": plan,
        "occasions": await TestOccasion.count().where(TestOccasion.board == setup.board_id),
        "pinned": pinned,
        "adoptions": adoptions,
        "audit_events": await AuditEvent.count(),
        "plans": await ControlPlan.count(),
    }


async def _adopt_and_kill(database_url: str, data_dir: Path, moment: str, setup: PlanSetup):
    """Run the child until it says it paused at `moment`, then SIGKILL it."""
    env = dict(os.environ, DATABASE_URL=database_url, DATA_DIR=str(data_dir))
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.resilience.adopt_child",
        moment,
        str(setup.plan_id),
        str(setup.secretary.id),
        cwd=REPO_ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        line = await asyncio.wait_for(child.stdout.readline(), CHILD_TIMEOUT)
    except TimeoutError:
        line = b""
    if line.decode().strip() != PAUSED:
        child.kill()
        _, stderr = await child.communicate()
        pytest.fail(f"the child never paused ({line!r}):\n{stderr.decode()[-3000:]}")
    child.send_signal(signal.SIGKILL)
    await asyncio.wait_for(child.communicate(), CHILD_TIMEOUT)
    assert child.returncode == -signal.SIGKILL


async def _killed_at(moment: str, db: str, database_factory, tmp_path: Path):
    setup = await plan_for_decision("RES", controls=CONTROLS, frequency="quarterly")
    before = await _state(setup)
    assert before["plan"]["status"] == "for_decision"
    url = database_factory.url_for(db)
    await _adopt_and_kill(url, tmp_path / "data", moment, setup)
    return setup, before, await _state(setup)


async def test_killed_before_commit_leaves_the_plan_for_decision(db, database_factory, tmp_path):
    setup, before, after = await _killed_at("before-commit", db, database_factory, tmp_path)

    plan = after["plan"]
    assert plan["status"] == "for_decision"
    for column in ("decided_on", "adopted_at", "adopted_by"):
        assert plan[column] is None, column
    assert not plan["paragraph"] and not plan["registry_number"] and not plan["adopted_by_name"]
    # Not one of the transaction's writes survived: no occasions, no pinned scorings, no event.
    assert after == before

    # The nämnd's decision can simply be recorded again.
    await plans.adopt(setup.secretary, setup.plan_id, decision())
    again = await _state(setup)
    assert again["plan"]["status"] == "adopted"
    assert (again["plan"]["paragraph"], again["plan"]["registry_number"]) == ("§ 7", "RES 2026/17")
    assert again["occasions"] == OCCASIONS
    assert again["pinned"] == CONTROLS
    assert len(again["adoptions"]) == 1
    assert again["audit_events"] == before["audit_events"] + 1


async def test_killed_after_commit_leaves_the_plan_adopted_with_its_decision(
    db, database_factory, tmp_path
):
    setup, before, after = await _killed_at("after-commit", db, database_factory, tmp_path)

    plan = after["plan"]
    assert plan["status"] == "adopted"
    assert plan["decided_on"] == decision().decided_on
    assert (plan["paragraph"], plan["registry_number"]) == ("§ 7", "RES 2026/17")
    assert plan["adopted_by"] == setup.secretary.id and plan["adopted_at"] is not None
    assert after["occasions"] == OCCASIONS
    assert after["pinned"] == CONTROLS
    assert [e["summary"] for e in after["adoptions"]] == [
        f"Internkontrollplan {setup.year} v1 antagen {decision().decided_on.isoformat()} "
        "§ 7, Dnr RES 2026/17"
    ]
    assert after["audit_events"] == before["audit_events"] + 1
    assert after["plans"] == before["plans"]

    # Recording the decision once more is refused: it is already there, exactly once.
    with pytest.raises(Conflict, match="redan antagen"):
        await plans.adopt(setup.secretary, setup.plan_id, decision())
    assert await _state(setup) == after

"""Migrations run for real on the configured engine: empty to head, idempotent, reversible."""

import asyncio

import pytest
from piccolo.apps.migrations.commands.backwards import run_backwards
from piccolo.engine.postgres import PostgresEngine

from internkontroll.cli import migrate
from internkontroll.db import current_engine
from internkontroll.organisation.tables import Board

APP_TABLES = [
    "municipality",
    "board",
    "department",
    "department_board",
    "process",
    "risk_category",
    "global_role",
    "membership",
    "login_throttle",
    "audit_event",
    "piccolo_user",
    "sessions",
    "risk_scale_version",
    "risk_item",
    "risk_assessment",
]


async def _tables() -> set[str]:
    engine = current_engine()
    if isinstance(engine, PostgresEngine):
        rows = await engine._run_in_new_connection(
            "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'"
        )
    else:
        rows = await engine._run_in_new_connection(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
        )
    return {r["name"] for r in rows}


@pytest.fixture
def empty_db(database_factory, tmp_path):
    name = database_factory.empty(tmp_path)
    yield name
    database_factory.drop(name)


def test_migrations_from_empty_to_head_twice_and_back(empty_db):
    assert not set(APP_TABLES) & asyncio.run(_tables())
    assert asyncio.run(migrate())
    assert set(APP_TABLES) <= asyncio.run(_tables())
    # A second run finds nothing to do and changes nothing.
    assert asyncio.run(migrate())
    for app in ("reminders", "risks", "internkontroll", "session_auth", "user"):
        result = asyncio.run(run_backwards(app, migration_id="all", auto_agree=True))
        assert result.success, app
    assert not {"board", "audit_event", "membership"} & asyncio.run(_tables())
    assert asyncio.run(migrate())
    assert set(APP_TABLES) <= asyncio.run(_tables())


async def test_composite_unique_keys_exist(db):
    from internkontroll.auth.tables import Membership
    from tests.conftest import make_board, make_user

    board = await make_board("BUN")
    user = await make_user("anna", board_roles=(("BUN", "viewer"),))
    with pytest.raises(Exception, match="(?i)unique"):
        await Membership.insert(Membership(user=user, board=board, role="viewer"))
    assert await Board.count() == 1

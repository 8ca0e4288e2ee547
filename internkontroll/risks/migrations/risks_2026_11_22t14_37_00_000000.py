"""At most one current assessment per risk and year, and fast year look-ups."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-22T14:37:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "one current assessment per risk and year"

STATEMENTS = (
    "CREATE UNIQUE INDEX IF NOT EXISTS risk_assessment_current_key "
    "ON risk_assessment (risk, year) WHERE current",
    "CREATE INDEX IF NOT EXISTS risk_board_active_idx ON risk_item (board, active)",
)
DROPS = (
    "DROP INDEX IF EXISTS risk_assessment_current_key",
    "DROP INDEX IF EXISTS risk_board_active_idx",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="risks", description=DESCRIPTION)

    async def create():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    async def drop():
        engine = engine_finder()
        for statement in DROPS:
            await engine.run_ddl(statement)

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager

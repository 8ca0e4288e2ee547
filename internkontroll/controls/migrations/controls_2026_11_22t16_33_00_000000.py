"""Keys that keep plans consistent: one open and one adopted version per board and year."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-22T16:33:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique keys for plan versions, plan controls and shared points"

STATEMENTS = (
    "CREATE UNIQUE INDEX IF NOT EXISTS control_plan_version_key "
    "ON control_plan (board, year, version)",
    "CREATE UNIQUE INDEX IF NOT EXISTS control_plan_open_key "
    "ON control_plan (board, year) WHERE status IN ('draft', 'for_decision')",
    "CREATE UNIQUE INDEX IF NOT EXISTS control_plan_adopted_key "
    "ON control_plan (board, year) WHERE status = 'adopted'",
    "CREATE UNIQUE INDEX IF NOT EXISTS plan_control_pair_key ON plan_control (plan, control)",
    "CREATE UNIQUE INDEX IF NOT EXISTS plan_control_risk_pair_key "
    "ON plan_control_risk (plan_control, risk)",
    "CREATE UNIQUE INDEX IF NOT EXISTS shared_control_point_position_key "
    "ON shared_control_point (decision, position)",
    "CREATE INDEX IF NOT EXISTS control_plan_year_idx ON control_plan (year, status)",
)
DROPS = (
    "DROP INDEX IF EXISTS control_plan_version_key",
    "DROP INDEX IF EXISTS control_plan_open_key",
    "DROP INDEX IF EXISTS control_plan_adopted_key",
    "DROP INDEX IF EXISTS plan_control_pair_key",
    "DROP INDEX IF EXISTS plan_control_risk_pair_key",
    "DROP INDEX IF EXISTS shared_control_point_position_key",
    "DROP INDEX IF EXISTS control_plan_year_idx",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="controls", description=DESCRIPTION)

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

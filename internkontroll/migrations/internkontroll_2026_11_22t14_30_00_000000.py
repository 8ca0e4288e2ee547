"""Composite unique keys that Piccolo columns cannot express."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-22T14:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "composite unique keys for memberships, roles and department links"

UNIQUE_INDEXES = {
    "membership_user_board_role_key": ("membership", '"user", board, role'),
    "global_role_user_role_key": ("global_role", '"user", role'),
    "department_board_pair_key": ("department_board", "department, board"),
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="internkontroll", description=DESCRIPTION)

    async def create_indexes():
        engine = engine_finder()
        for name, (table, columns) in UNIQUE_INDEXES.items():
            await engine.run_ddl(f"CREATE UNIQUE INDEX IF NOT EXISTS {name} ON {table} ({columns})")

    async def drop_indexes():
        engine = engine_finder()
        for name in UNIQUE_INDEXES:
            await engine.run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager

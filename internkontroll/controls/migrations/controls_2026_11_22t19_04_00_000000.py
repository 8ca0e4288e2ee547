"""Keys for test occasions and corrections; the database keeps results and histories append-only."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.postgres import PostgresEngine

ID = "2026-11-22T19:04:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "occasion and correction keys; append-only results, evidence and action history"

INDEXES = (
    "CREATE UNIQUE INDEX IF NOT EXISTS test_occasion_period_key "
    "ON test_occasion (control, period_key)",
    # A result is corrected at most once: corrections form a chain, never a fork.
    "CREATE UNIQUE INDEX IF NOT EXISTS test_result_corrects_key "
    "ON test_result (corrects) WHERE corrects IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS test_occasion_board_year_idx ON test_occasion (board, year)",
    "CREATE INDEX IF NOT EXISTS corrective_action_open_idx "
    "ON corrective_action (board, due_on) WHERE closed_on IS NULL",
)
INDEX_NAMES = (
    "test_occasion_period_key",
    "test_result_corrects_key",
    "test_occasion_board_year_idx",
    "corrective_action_open_idx",
)
APPEND_ONLY = ("test_result", "evidence_file", "action_postponement", "action_check")

SQLITE = []
for table in APPEND_ONLY:
    SQLITE += [
        f"""CREATE TRIGGER IF NOT EXISTS {table}_append_only_update BEFORE UPDATE ON {table}
        BEGIN SELECT RAISE(ABORT, 'append_only'); END""",
        f"""CREATE TRIGGER IF NOT EXISTS {table}_append_only_delete BEFORE DELETE ON {table}
        BEGIN SELECT RAISE(ABORT, 'append_only'); END""",
    ]
SQLITE.append(
    """CREATE TRIGGER IF NOT EXISTS corrective_action_original_due BEFORE UPDATE
    ON corrective_action WHEN NEW.original_due_on <> OLD.original_due_on
    BEGIN SELECT RAISE(ABORT, 'original_due_on_kept'); END"""
)
SQLITE_NAMES = [f"{t}_append_only_{op}" for t in APPEND_ONLY for op in ("update", "delete")]
SQLITE_NAMES.append("corrective_action_original_due")

POSTGRES = [
    """CREATE OR REPLACE FUNCTION ik_append_only_guard() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'append_only';
    END $$ LANGUAGE plpgsql""",
    """CREATE OR REPLACE FUNCTION ik_original_due_guard() RETURNS trigger AS $$
    BEGIN
        IF NEW.original_due_on <> OLD.original_due_on THEN
            RAISE EXCEPTION 'original_due_on_kept';
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER corrective_action_original_due BEFORE UPDATE ON corrective_action "
    "FOR EACH ROW EXECUTE FUNCTION ik_original_due_guard()",
]
POSTGRES += [
    f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
    "FOR EACH ROW EXECUTE FUNCTION ik_append_only_guard()"
    for table in APPEND_ONLY
]
# TRUNCATE fires no row trigger; a statement trigger refuses it too.
POSTGRES += [
    f"CREATE TRIGGER {table}_append_only_truncate BEFORE TRUNCATE ON {table} "
    "FOR EACH STATEMENT EXECUTE FUNCTION ik_append_only_guard()"
    for table in APPEND_ONLY
]
POSTGRES_DROPS = [f"DROP TRIGGER IF EXISTS {t}_append_only ON {t}" for t in APPEND_ONLY] + [
    f"DROP TRIGGER IF EXISTS {t}_append_only_truncate ON {t}" for t in APPEND_ONLY
] + [
    "DROP TRIGGER IF EXISTS corrective_action_original_due ON corrective_action",
    "DROP FUNCTION IF EXISTS ik_append_only_guard()",
    "DROP FUNCTION IF EXISTS ik_original_due_guard()",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="controls", description=DESCRIPTION)

    async def create():
        engine = engine_finder()
        for statement in INDEXES:
            await engine.run_ddl(statement)
        for statement in POSTGRES if isinstance(engine, PostgresEngine) else SQLITE:
            await engine.run_ddl(statement)

    async def drop():
        engine = engine_finder()
        if isinstance(engine, PostgresEngine):
            statements = list(POSTGRES_DROPS)
        else:
            statements = [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_NAMES]
        statements += [f"DROP INDEX IF EXISTS {name}" for name in INDEX_NAMES]
        for statement in statements:
            await engine.run_ddl(statement)

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager

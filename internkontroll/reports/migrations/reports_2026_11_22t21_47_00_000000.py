"""One follow-up per board, year and reporting point; one judgement per board or process."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-22T21:47:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique follow-ups and review judgements"

INDEXES = (
    "CREATE UNIQUE INDEX IF NOT EXISTS follow_up_board_period_key "
    "ON follow_up (board, year, period)",
    "CREATE UNIQUE INDEX IF NOT EXISTS review_judgement_board_key "
    "ON review_judgement (review, board) WHERE board IS NOT NULL",
    "CREATE UNIQUE INDEX IF NOT EXISTS review_judgement_process_key "
    "ON review_judgement (review, process) WHERE process IS NOT NULL",
)
INDEX_NAMES = (
    "follow_up_board_period_key",
    "review_judgement_board_key",
    "review_judgement_process_key",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="reports", description=DESCRIPTION)

    async def create():
        engine = engine_finder()
        for statement in INDEXES:
            await engine.run_ddl(statement)

    async def drop():
        engine = engine_finder()
        for name in INDEX_NAMES:
            await engine.run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager

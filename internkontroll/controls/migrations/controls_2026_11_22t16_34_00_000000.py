"""The database itself refuses changes to a decided plan, whatever path a write takes."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.postgres import PostgresEngine

ID = "2026-11-22T16:34:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "triggers that freeze adopted plans, their controls and KS's decisions"

FROZEN = "('adopted', 'superseded')"
# Superseding an adopted version is the one change a decided plan may undergo.
PLAN_UPDATE_ALLOWED = (
    "OLD.status = 'adopted' AND NEW.status = 'superseded' AND NEW.board = OLD.board "
    "AND NEW.year = OLD.year AND NEW.version = OLD.version "
    "AND NEW.decided_on = OLD.decided_on AND NEW.paragraph = OLD.paragraph "
    "AND NEW.registry_number = OLD.registry_number"
)
STATUS_OF_PLAN = "(SELECT status FROM control_plan WHERE id = {row}.plan)"
STATUS_OF_LINK = (
    "(SELECT p.status FROM control_plan p JOIN plan_control c ON c.plan = p.id "
    "WHERE c.id = {row}.plan_control)"
)

SQLITE = [
    f"""CREATE TRIGGER IF NOT EXISTS control_plan_frozen_update BEFORE UPDATE ON control_plan
    WHEN OLD.status IN {FROZEN} AND NOT ({PLAN_UPDATE_ALLOWED})
    BEGIN SELECT RAISE(ABORT, 'plan_frozen'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS control_plan_frozen_delete BEFORE DELETE ON control_plan
    WHEN OLD.status IN {FROZEN} BEGIN SELECT RAISE(ABORT, 'plan_frozen'); END""",
]
for table, status in (("plan_control", STATUS_OF_PLAN), ("plan_control_risk", STATUS_OF_LINK)):
    SQLITE += [
        f"""CREATE TRIGGER IF NOT EXISTS {table}_frozen_insert BEFORE INSERT ON {table}
        WHEN {status.format(row="NEW")} IN {FROZEN}
        BEGIN SELECT RAISE(ABORT, 'plan_frozen'); END""",
        f"""CREATE TRIGGER IF NOT EXISTS {table}_frozen_update BEFORE UPDATE ON {table}
        WHEN {status.format(row="OLD")} IN {FROZEN} OR {status.format(row="NEW")} IN {FROZEN}
        BEGIN SELECT RAISE(ABORT, 'plan_frozen'); END""",
        f"""CREATE TRIGGER IF NOT EXISTS {table}_frozen_delete BEFORE DELETE ON {table}
        WHEN {status.format(row="OLD")} IN {FROZEN}
        BEGIN SELECT RAISE(ABORT, 'plan_frozen'); END""",
    ]
for table in ("shared_control_decision", "shared_control_point"):
    SQLITE += [
        f"""CREATE TRIGGER IF NOT EXISTS {table}_frozen_update BEFORE UPDATE ON {table}
        BEGIN SELECT RAISE(ABORT, 'shared_decision_frozen'); END""",
        f"""CREATE TRIGGER IF NOT EXISTS {table}_frozen_delete BEFORE DELETE ON {table}
        BEGIN SELECT RAISE(ABORT, 'shared_decision_frozen'); END""",
    ]
SQLITE_NAMES = [
    f"{table}_frozen_{op}"
    for table, ops in (
        ("control_plan", ("update", "delete")),
        ("plan_control", ("insert", "update", "delete")),
        ("plan_control_risk", ("insert", "update", "delete")),
        ("shared_control_decision", ("update", "delete")),
        ("shared_control_point", ("update", "delete")),
    )
    for op in ops
]

POSTGRES = [
    f"""CREATE OR REPLACE FUNCTION ik_control_plan_guard() RETURNS trigger AS $$
    BEGIN
        IF OLD.status IN {FROZEN} AND (TG_OP = 'DELETE' OR NOT ({PLAN_UPDATE_ALLOWED})) THEN
            RAISE EXCEPTION 'plan_frozen';
        END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    f"""CREATE OR REPLACE FUNCTION ik_plan_control_guard() RETURNS trigger AS $$
    BEGIN
        IF TG_OP <> 'INSERT' AND {STATUS_OF_PLAN.format(row="OLD")} IN {FROZEN} THEN
            RAISE EXCEPTION 'plan_frozen';
        END IF;
        IF TG_OP <> 'DELETE' AND {STATUS_OF_PLAN.format(row="NEW")} IN {FROZEN} THEN
            RAISE EXCEPTION 'plan_frozen';
        END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    f"""CREATE OR REPLACE FUNCTION ik_plan_control_risk_guard() RETURNS trigger AS $$
    BEGIN
        IF TG_OP <> 'INSERT' AND {STATUS_OF_LINK.format(row="OLD")} IN {FROZEN} THEN
            RAISE EXCEPTION 'plan_frozen';
        END IF;
        IF TG_OP <> 'DELETE' AND {STATUS_OF_LINK.format(row="NEW")} IN {FROZEN} THEN
            RAISE EXCEPTION 'plan_frozen';
        END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE OR REPLACE FUNCTION ik_shared_decision_guard() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'shared_decision_frozen';
    END $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER control_plan_frozen BEFORE UPDATE OR DELETE ON control_plan "
    "FOR EACH ROW EXECUTE FUNCTION ik_control_plan_guard()",
    "CREATE TRIGGER plan_control_frozen BEFORE INSERT OR UPDATE OR DELETE ON plan_control "
    "FOR EACH ROW EXECUTE FUNCTION ik_plan_control_guard()",
    "CREATE TRIGGER plan_control_risk_frozen BEFORE INSERT OR UPDATE OR DELETE "
    "ON plan_control_risk FOR EACH ROW EXECUTE FUNCTION ik_plan_control_risk_guard()",
    "CREATE TRIGGER shared_control_decision_frozen BEFORE UPDATE OR DELETE "
    "ON shared_control_decision FOR EACH ROW EXECUTE FUNCTION ik_shared_decision_guard()",
    "CREATE TRIGGER shared_control_point_frozen BEFORE UPDATE OR DELETE "
    "ON shared_control_point FOR EACH ROW EXECUTE FUNCTION ik_shared_decision_guard()",
]
POSTGRES_DROPS = [
    "DROP TRIGGER IF EXISTS control_plan_frozen ON control_plan",
    "DROP TRIGGER IF EXISTS plan_control_frozen ON plan_control",
    "DROP TRIGGER IF EXISTS plan_control_risk_frozen ON plan_control_risk",
    "DROP TRIGGER IF EXISTS shared_control_decision_frozen ON shared_control_decision",
    "DROP TRIGGER IF EXISTS shared_control_point_frozen ON shared_control_point",
    "DROP FUNCTION IF EXISTS ik_control_plan_guard()",
    "DROP FUNCTION IF EXISTS ik_plan_control_guard()",
    "DROP FUNCTION IF EXISTS ik_plan_control_risk_guard()",
    "DROP FUNCTION IF EXISTS ik_shared_decision_guard()",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="controls", description=DESCRIPTION)

    async def create():
        engine = engine_finder()
        statements = POSTGRES if isinstance(engine, PostgresEngine) else SQLITE
        for statement in statements:
            await engine.run_ddl(statement)

    async def drop():
        engine = engine_finder()
        if isinstance(engine, PostgresEngine):
            statements = POSTGRES_DROPS
        else:
            statements = [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_NAMES]
        for statement in statements:
            await engine.run_ddl(statement)

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager

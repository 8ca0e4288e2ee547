"""Backup and restore of the database and the evidence files, on SQLite and PostgreSQL.

A backup is a directory: ``manifest.json``, the database (``database.sqlite``, or
``database.dump`` in pg_dump's custom format) and ``evidence/`` laid out like UPLOAD_DIR. It is
written under a hidden temporary name and renamed into place when complete, so a half backup
never carries the final name. A restore checks every byte against the manifest before it
writes anything, goes only into an empty database, and then checks the result again.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from internkontroll import __version__
from internkontroll.backup_files import (
    EVIDENCE_DIR,
    copy_evidence,
    fsync_dir,
    restore_evidence,
    sha256_of,
    verify_evidence,
)
from internkontroll.backup_manifest import (
    FAILED,
    MANIFEST,
    REFUSED,
    BackupError,
    Inventory,
    Manifest,
    read_manifest,
)

__all__ = [
    "FAILED",
    "REFUSED",
    "BackupError",
    "BackupResult",
    "Inventory",
    "Manifest",
    "RestoreResult",
    "check_backup",
    "create_backup",
    "restore_backup",
]

ENGINE_LABELS = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


@dataclass(frozen=True)
class BackupResult:
    """A finished backup: where it is and what it holds."""

    path: Path
    manifest: Manifest


@dataclass(frozen=True)
class RestoreResult:
    """A finished, verified restore."""

    manifest: Manifest
    target: str
    files_written: int
    files_present: int
    pending_migrations: dict[str, int] = field(default_factory=dict)


def database_for(engine=None):
    """The backup driver for the app's database (the current Piccolo engine by default)."""
    from piccolo.engine.postgres import PostgresEngine

    from internkontroll.backup_pg import PostgresDatabase
    from internkontroll.backup_sqlite import SqliteDatabase
    from internkontroll.db import current_engine

    engine = engine or current_engine()
    if isinstance(engine, PostgresEngine):
        return PostgresDatabase(dict(engine.config))
    return SqliteDatabase(Path(engine.path))


def code_migrations() -> dict[str, list[str]]:
    """Every migration id this version of the app ships, per app, oldest first."""
    from piccolo.apps.migrations.commands.base import BaseMigrationManager

    manager = BaseMigrationManager()
    found = {}
    for module in manager.get_app_modules():
        config = module.APP_CONFIG
        modules = manager.get_migration_modules(config.resolved_migrations_folder_path)
        found[config.app_name] = manager.get_migration_ids(modules)
    return found


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def create_backup(dest: Path, upload_dir: Path, database=None) -> BackupResult:
    """Write a backup of the database and its evidence files to the new directory dest."""
    database = database or database_for()
    dest = Path(dest).absolute()
    if dest.exists() or dest.is_symlink():
        raise BackupError(f"{dest} finns redan; ange en ny katalog för säkerhetskopian.", REFUSED)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{dest.name}.partial-", dir=dest.parent))
    except OSError as exc:
        raise BackupError(f"Kan inte skriva i {dest.parent}: {exc.strerror or exc}.") from exc
    try:
        manifest = _write_backup(work, upload_dir, database)
        # The rename is the commit: until here the backup has only its hidden temporary name.
        os.rename(work, dest)
        fsync_dir(dest.parent)
    except BaseException as exc:
        shutil.rmtree(work, ignore_errors=True)
        if isinstance(exc, OSError):
            raise BackupError(f"Säkerhetskopian kunde inte skrivas: {exc}.") from exc
        raise
    return BackupResult(dest, manifest)


def _write_backup(work: Path, upload_dir: Path, database) -> Manifest:
    db_file = work / database.file_name
    inventory, server_version, tool_version = database.dump(db_file)
    entries, missing = copy_evidence(Path(upload_dir), inventory.evidence, work / EVIDENCE_DIR)
    manifest = Manifest(
        created_at=_now(),
        engine=database.engine,
        app_version=__version__,
        server_version=server_version,
        tool_version=tool_version,
        database_file=database.file_name,
        database_sha256=sha256_of(db_file),
        database_size=db_file.stat().st_size,
        tables=inventory.tables,
        migrations=inventory.migrations,
        evidence=entries,
        missing_evidence=missing,
    )
    manifest.write(work / MANIFEST)  # last: a directory with a manifest is complete
    fsync_dir(work)
    return manifest


def check_backup(source: Path) -> Manifest:
    """Read a backup's manifest and check every file against it; BackupError if anything is off."""
    source = Path(source)
    manifest = read_manifest(source)
    problems = []
    db_file = source / manifest.database_file
    if not db_file.is_file():
        problems.append(f"databasfilen {manifest.database_file} saknas")
    elif sha256_of(db_file) != manifest.database_sha256:
        problems.append(f"databasfilen {manifest.database_file} är skadad (fel kontrollsumma)")
    problems += verify_evidence(source / EVIDENCE_DIR, manifest.evidence)
    if problems:
        raise BackupError(_listed(f"Säkerhetskopian {source} är inte hel", problems), REFUSED)
    return manifest


def restore_backup(source: Path, upload_dir: Path, database=None) -> RestoreResult:
    """Restore a checked backup into an empty database and upload_dir, then verify it."""
    database = database or database_for()
    source = Path(source)
    manifest = check_backup(source)
    if manifest.engine != database.engine:
        raise BackupError(
            f"Säkerhetskopian är från {ENGINE_LABELS.get(manifest.engine, manifest.engine)} men "
            f"DATABASE_URL pekar på {ENGINE_LABELS[database.engine]}; återställ till samma "
            "sorts databas som kopian togs från.",
            REFUSED,
        )
    known = code_migrations()
    unknown = sorted(
        f"{app} {latest}"
        for app, latest in manifest.migrations.items()
        if latest not in known.get(app, ())
    )
    if unknown:
        raise BackupError(
            _listed(
                f"Säkerhetskopian är gjord med en nyare version av Internkontroll "
                f"({manifest.app_version}) än den här ({__version__}); återställ med den "
                "versionen eller en senare. Okända migreringar",
                unknown,
            ),
            REFUSED,
        )
    tables = database.table_count()
    if tables:
        raise BackupError(
            f"Måldatabasen {database.describe()} är inte tom ({tables} tabeller). Återställ "
            "bara till en ny, tom databas: "
            + database.empty_hint()
            + " Stoppa appen först, så att den inte skapar tabeller under tiden.",
            REFUSED,
        )
    written, present = restore_evidence(source / EVIDENCE_DIR, manifest.evidence, Path(upload_dir))
    database.load(source / manifest.database_file, manifest)
    problems = _compare(manifest, database.inventory())
    problems += verify_evidence(Path(upload_dir), manifest.evidence)
    if problems:
        raise BackupError(_listed("Den återställda databasen stämmer inte med kopian", problems))
    pending = {
        app: sum(1 for m in ids if m > manifest.migrations.get(app, ""))
        for app, ids in known.items()
    }
    pending = {a: n for a, n in pending.items() if n}
    return RestoreResult(manifest, database.describe(), written, present, pending)


def _compare(manifest: Manifest, restored: Inventory) -> list[str]:
    """What differs between the backed-up and the restored database."""
    problems = []
    for table in sorted(set(manifest.tables) | set(restored.tables)):
        want, got = manifest.tables.get(table), restored.tables.get(table)
        if want is None:
            problems.append(f"tabellen {table} finns inte i säkerhetskopian")
        elif got is None:
            problems.append(f"tabellen {table} saknas")
        elif want != got:
            problems.append(f"tabellen {table} har {got} rader, kopian {want}")
    if restored.migrations != manifest.migrations:
        problems.append(
            f"migreringarna är {restored.migrations}, i säkerhetskopian {manifest.migrations}"
        )
    expected = {e["sha256"] for e in manifest.evidence} | set(manifest.missing_evidence)
    if set(restored.evidence) != expected:
        problems.append("bevisfilerna i databasen är inte de som manifestet räknar upp")
    return problems


def _listed(headline: str, problems: list[str], limit: int = 10) -> str:
    shown = [f"  - {p}" for p in problems[:limit]]
    if len(problems) > limit:
        shown.append(f"  … och {len(problems) - limit} till")
    return headline + ":\n" + "\n".join(shown)

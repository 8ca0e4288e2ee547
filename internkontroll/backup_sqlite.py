"""SQLite backups: an online copy with SQLite's backup API, safe while the app writes."""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from contextlib import closing
from pathlib import Path

from internkontroll.backup_manifest import BackupError, Inventory, Manifest

BUSY_TIMEOUT_SECONDS = 30


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def inventory_of(conn: sqlite3.Connection) -> Inventory:
    """Rows per table, latest migration per app and evidence hashes of an open database."""
    tables = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    counts = {
        # Table names come from sqlite_master and are quoted.
        name: conn.execute(f"SELECT count(*) FROM {_quoted(name)}").fetchone()[0]  # noqa: S608
        for name in tables
    }
    migrations = {}
    if "migration" in counts:
        query = "SELECT app_name, MAX(name) FROM migration GROUP BY app_name"
        migrations = {app: latest for app, latest in conn.execute(query)}
    evidence: tuple[str, ...] = ()
    if "evidence_file" in counts:
        query = "SELECT DISTINCT sha256 FROM evidence_file ORDER BY sha256"
        evidence = tuple(row[0] for row in conn.execute(query))
    return Inventory(counts, migrations, evidence)


class SqliteDatabase:
    """The app's SQLite file, as a backup source or a restore target."""

    engine = "sqlite"
    file_name = "database.sqlite"

    def __init__(self, path: Path) -> None:
        self.path = Path(path).absolute()

    def describe(self) -> str:
        """The database for messages."""
        return f"SQLite ({self.path})"

    def empty_hint(self) -> str:
        """How to get an empty target, in Swedish."""
        return (
            f"flytta undan {self.path} (med eventuella -wal- och -shm-filer) eller låt "
            "DATABASE_URL peka på en fil som inte finns."
        )

    def _connect(self, path: Path) -> sqlite3.Connection:
        return sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)

    def dump(self, target: Path) -> tuple[Inventory, str, str]:
        """Copy the live database to target; return its inventory and the SQLite version (twice)."""
        if not self.path.is_file():
            raise BackupError(f"SQLite-databasen {self.path} finns inte.")
        try:
            with (
                closing(self._connect(self.path)) as source,
                closing(self._connect(target)) as copy,
            ):
                # One step: the copy is one consistent snapshot. Writers wait (up to the busy
                # timeout) for the few moments the copy holds its read lock; they do not fail.
                source.backup(copy)
                check = copy.execute("PRAGMA integrity_check").fetchone()[0]
                if check != "ok":
                    raise BackupError(f"SQLite-databasen {self.path} är skadad: {check}")
                inventory = inventory_of(copy)
        except sqlite3.Error as exc:
            raise BackupError(f"Kunde inte kopiera SQLite-databasen {self.path}: {exc}") from exc
        with open(target, "rb+") as handle:
            os.fsync(handle.fileno())
        target.chmod(0o600)
        version = f"SQLite {sqlite3.sqlite_version}"
        return inventory, version, version

    def table_count(self) -> int:
        """Tables in the target database; 0 when the file does not exist yet."""
        if not self.path.exists():
            return 0
        try:
            with closing(self._connect(self.path)) as conn:
                return conn.execute(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                ).fetchone()[0]
        except sqlite3.Error as exc:
            raise BackupError(f"Kan inte läsa {self.path}: {exc}", 2) from exc

    def load(self, source: Path, _manifest: Manifest) -> None:
        """Put the backed-up file in place of the (empty or missing) target, atomically."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.restore-")
        tmp = Path(name)
        try:
            with os.fdopen(fd, "wb") as sink, open(source, "rb") as handle:
                shutil.copyfileobj(handle, sink)
                sink.flush()
                os.fsync(sink.fileno())
            # A journal or WAL left by the empty target would be replayed over the restored file.
            for suffix in ("-wal", "-shm", "-journal"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            os.replace(tmp, self.path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def inventory(self) -> Inventory:
        """The target's inventory, read after a restore."""
        with closing(self._connect(self.path)) as conn:
            return inventory_of(conn)

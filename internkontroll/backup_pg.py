"""PostgreSQL backups: pg_dump (custom format) and pg_restore, found on PATH or in the bindir.

The row counts in the manifest and the dump come from one snapshot: a repeatable-read
transaction exports it, counts in it, and pg_dump runs with --snapshot while it stays open.
The password goes to the tools through PGPASSWORD, never on their command line.
"""

from __future__ import annotations

import asyncio
import glob
import os
import re
import shutil
import subprocess
from pathlib import Path

import asyncpg

from internkontroll.backup_manifest import BackupError, Inventory, Manifest

BINDIR_GLOB = "/usr/lib/postgresql/*/bin"  # Debian and Ubuntu keep each major version here
CONNECT_TIMEOUT_SECONDS = 10
_VERSION = re.compile(r"\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?")


def _major(version_text: str) -> int | None:
    match = _VERSION.search(version_text)
    return int(match.group(1)) if match else None


def _candidates(name: str) -> list[str]:
    found = []
    on_path = shutil.which(name)
    if on_path:
        found.append(on_path)

    def version_key(path: str) -> int:
        match = re.search(r"/(\d+)/bin/", path)
        return int(match.group(1)) if match else 0

    found += sorted(glob.glob(f"{BINDIR_GLOB}/{name}"), key=version_key, reverse=True)
    return [p for p in dict.fromkeys(found) if os.access(p, os.X_OK)]


def find_tool(name: str, server_major: int) -> tuple[str, str]:
    """The first pg_dump/pg_restore on PATH or in the bindirs new enough for the server."""
    seen = []
    for path in _candidates(name):
        try:
            out = subprocess.run(  # noqa: S603 - a path we found, fixed arguments
                [path, "--version"], capture_output=True, text=True, timeout=30, check=False
            ).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            continue
        major = _major(out)
        if major is not None and major >= server_major:
            return path, out
        seen.append(f"{path} ({out or 'okänd version'})")
    if seen:
        raise BackupError(
            f"{name} är äldre än databasservern (PostgreSQL {server_major}): "
            + ", ".join(seen)
            + f". Installera PostgreSQL:s klientprogram version {server_major} eller senare "
            f"(Debian: postgresql-client-{server_major}) och lägg dem först i PATH."
        )
    raise BackupError(
        f"{name} hittades inte. Installera PostgreSQL:s klientprogram (Debian: "
        f"postgresql-client-{server_major}) eller lägg katalogen med {name} i PATH."
    )


class PostgresDatabase:
    """The app's PostgreSQL database, as a backup source or a restore target."""

    engine = "postgres"
    file_name = "database.dump"

    def __init__(self, config: dict) -> None:
        self.config = config

    def describe(self) -> str:
        """The database for messages, without the password."""
        c = self.config
        return f"PostgreSQL ({c.get('user') or ''}@{c.get('host')}:{c.get('port')}/{c['database']})"

    def empty_hint(self) -> str:
        """How to get an empty target, in Swedish."""
        return (
            f"skapa en ny databas (createdb) och låt DATABASE_URL peka på den, eller töm "
            f"{self.config['database']} (dropdb och createdb)."
        )

    async def _connect(self) -> asyncpg.Connection:
        try:
            return await asyncpg.connect(**{"timeout": CONNECT_TIMEOUT_SECONDS, **self.config})
        except asyncpg.InvalidCatalogNameError as exc:
            raise BackupError(
                f"Databasen {self.config['database']} finns inte; skapa den först (createdb).", 2
            ) from exc
        except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
            raise BackupError(f"Kan inte ansluta till {self.describe()}: {exc}") from exc

    def _tool_args(self) -> tuple[list[str], dict[str, str]]:
        c = self.config
        args = ["--host", str(c.get("host") or "127.0.0.1"), "--port", str(c.get("port", 5432))]
        if c.get("user"):
            args += ["--username", c["user"]]
        args += ["--dbname", c["database"], "--no-password"]
        env = dict(os.environ, PGCONNECT_TIMEOUT=str(CONNECT_TIMEOUT_SECONDS))
        if c.get("password"):
            env["PGPASSWORD"] = c["password"]
        return args, env

    async def _run(self, command: list[str], env: dict[str, str]) -> None:
        process = await asyncio.create_subprocess_exec(
            *command,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
        )
        _, err = await process.communicate()
        if process.returncode != 0:
            detail = err.decode(errors="replace").strip()[-2000:]
            raise BackupError(f"{Path(command[0]).name} misslyckades:\n{detail}")

    def dump(self, target: Path) -> tuple[Inventory, str, str]:
        """pg_dump the database to target; return its inventory, server and pg_dump versions."""
        result = asyncio.run(self._dump(target))
        target.chmod(0o600)
        return result

    async def _dump(self, target: Path) -> tuple[Inventory, str, str]:
        conn = await self._connect()
        try:
            async with conn.transaction(isolation="repeatable_read", readonly=True):
                snapshot = await conn.fetchval("SELECT pg_export_snapshot()")
                inventory = await _inventory(conn)
                version = await conn.fetchval("SHOW server_version")
                major = await conn.fetchval("SELECT current_setting('server_version_num')::int")
                tool, tool_version = find_tool("pg_dump", major // 10000)
                args, env = self._tool_args()
                await self._run(
                    [tool, "--format=custom", f"--snapshot={snapshot}", "--file", str(target)]
                    + args,
                    env,
                )
        finally:
            await conn.close()
        return inventory, f"PostgreSQL {version}", tool_version

    def table_count(self) -> int:
        """Tables outside the system schemas of the target database."""
        return asyncio.run(self._table_count())

    async def _table_count(self) -> int:
        conn = await self._connect()
        try:
            return len(await _tables(conn))
        finally:
            await conn.close()

    def load(self, source: Path, manifest: Manifest) -> None:
        """pg_restore the dump into the empty target in one transaction, then ANALYZE."""
        asyncio.run(self._load(source, manifest))

    async def _load(self, source: Path, manifest: Manifest) -> None:
        conn = await self._connect()
        try:
            major = await conn.fetchval("SELECT current_setting('server_version_num')::int")
            # pg_restore must be at least as new as the server and as the pg_dump that wrote it.
            needed = max(major // 10000, _major(manifest.tool_version) or 0)
            tool, _ = find_tool("pg_restore", needed)
            args, env = self._tool_args()
            # Owners and grants of the old server may not exist here: the restoring user owns all.
            await self._run(
                [tool, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
                + args
                + [str(source)],
                env,
            )
            await conn.execute("ANALYZE")  # pg_restore leaves the planner without statistics
        finally:
            await conn.close()

    def inventory(self) -> Inventory:
        """The target's inventory, read after a restore."""
        return asyncio.run(self._inventory())

    async def _inventory(self) -> Inventory:
        conn = await self._connect()
        try:
            return await _inventory(conn)
        finally:
            await conn.close()


async def _tables(conn: asyncpg.Connection) -> list[tuple[str, str]]:
    rows = await conn.fetch(
        "SELECT schemaname, tablename FROM pg_catalog.pg_tables "
        "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2"
    )
    return [(r["schemaname"], r["tablename"]) for r in rows]


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def _inventory(conn: asyncpg.Connection) -> Inventory:
    counts = {}
    for schema, table in await _tables(conn):
        key = table if schema == "public" else f"{schema}.{table}"
        # Names come from pg_tables and are quoted.
        sql = f"SELECT count(*) FROM {_quoted(schema)}.{_quoted(table)}"  # noqa: S608
        counts[key] = await conn.fetchval(sql)
    migrations = {}
    if "migration" in counts:
        rows = await conn.fetch("SELECT app_name, MAX(name) AS latest FROM migration GROUP BY 1")
        migrations = {r["app_name"]: r["latest"] for r in rows}
    evidence: tuple[str, ...] = ()
    if "evidence_file" in counts:
        rows = await conn.fetch("SELECT DISTINCT sha256 FROM evidence_file ORDER BY 1")
        evidence = tuple(r["sha256"] for r in rows)
    return Inventory(counts, migrations, evidence)

"""Backup and restore on both engines: everything comes back, consistent, and checked.

On PostgreSQL the CLI runs pg_dump and pg_restore from the server's bindir (or PATH); a
machine without them fails these tests, it never skips them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from piccolo.apps.user.tables import BaseUser
from piccolo.conf.apps import Finder

from internkontroll import backup, backup_cli, backup_pg, cli
from internkontroll.audit.tables import AuditEvent
from internkontroll.controls import evidence
from internkontroll.controls.evidence_store import evidence_path, store_evidence
from internkontroll.controls.tables import ControlPlan
from internkontroll.controls.testing_tables import EvidenceFile, TestResult
from internkontroll.db import current_engine, write_transaction
from internkontroll.organisation.tables import Board
from tests.conftest import TEST_POOL_SIZE, is_postgres, login

CLI_TIMEOUT = 120
PROTOCOL = "Stickprov: 20 av 312 fakturor granskade, två mindre avvikelser.\n".encode()


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data

    async def read(self, size: int = -1) -> bytes:
        chunk, self.data = self.data[:size], self.data[size:]
        return chunk


async def _cli(monkeypatch, settings, upload_dir: Path, *argv: str) -> int:
    """Run the command line in a thread (it runs its own event loop) with this UPLOAD_DIR."""
    local = dataclasses.replace(settings, upload_dir=upload_dir)
    monkeypatch.setattr(backup_cli, "get_settings", lambda: local)
    return await asyncio.wait_for(asyncio.to_thread(cli.main, list(argv)), CLI_TIMEOUT)


async def _attach(board_short: str, upload_dir: Path, data: bytes, name: str) -> int:
    """Store a file and attach it to the board's first logged result, as an upload would."""
    board = await Board.select(Board.id).where(Board.short_name == board_short).first()
    result = await TestResult.select().where(TestResult.board == board["id"]).first()
    stored = await store_evidence(_Reader(data), name, upload_dir, 1024 * 1024)
    rows = await EvidenceFile.insert(
        EvidenceFile(
            result=result["id"],
            board=board["id"],
            original_name=stored.original_name,
            media_type=stored.media_type,
            size=stored.size,
            sha256=stored.sha256,
            uploaded_by_name="Test",
        )
    ).returning(EvidenceFile.id)
    return rows[0]["id"]


async def _picture() -> tuple[dict[str, int], dict[str, list[dict]]]:
    """Rows per table of every app table, and every row of the tables that hold the record."""
    counts = {t._meta.tablename: await t.count() for t in Finder().get_table_classes()}
    rows = {
        t._meta.tablename: await t.select().order_by(t.id)
        for t in (TestResult, EvidenceFile, ControlPlan, AuditEvent, BaseUser)
    }
    return counts, rows


@pytest.fixture
async def switch_to_empty(database_factory, tmp_path):
    """Points the engine at a new, empty database; the test's pool, if any, goes along."""
    engine = current_engine()
    made: list[str] = []

    async def switch() -> str:
        if is_postgres() and engine.pool is not None:
            await engine.close_connection_pool()
        made.append(await asyncio.to_thread(database_factory.empty, tmp_path))
        return made[-1]

    yield switch
    if is_postgres():
        if engine.pool is not None:
            await engine.close_connection_pool()
        for name in made:
            await asyncio.to_thread(database_factory.discard, name)


async def test_a_restore_into_an_empty_database_finds_everything(
    demo_db, client, settings, switch_to_empty, tmp_path, monkeypatch, capsys
):
    source_uploads, restored_uploads = tmp_path / "uploads", tmp_path / "restored-uploads"
    evidence_id = await _attach("BUN", source_uploads, PROTOCOL, "protokoll.txt")
    counts, rows = await _picture()
    assert counts["test_result"] and counts["audit_event"] and rows["evidence_file"]
    board = await Board.select(Board.id).where(Board.short_name == "BUN").first()
    plan = await (
        ControlPlan.select()
        .where((ControlPlan.board == board["id"]) & (ControlPlan.status == "adopted"))
        .first()
    )
    assert plan["paragraph"]

    dest = tmp_path / "backups" / "natt-1"
    assert await _cli(monkeypatch, settings, source_uploads, "backup", str(dest)) == 0
    out = capsys.readouterr().out
    assert f"Säkerhetskopia skriven till {dest}" in out and "Bevisfiler:  1 st" in out
    assert sorted(p.name for p in dest.iterdir()) == [
        "database.dump" if is_postgres() else "database.sqlite",
        "evidence",
        "manifest.json",
    ]
    manifest = json.loads((dest / "manifest.json").read_text())
    assert manifest["engine"] == ("postgres" if is_postgres() else "sqlite")
    assert {t: manifest["tables"][t] for t in counts} == counts

    await switch_to_empty()
    code = await _cli(monkeypatch, settings, restored_uploads, "restore", str(dest))
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Återställt från" in out and "stämmer med kopian" in out

    if is_postgres():
        await current_engine().start_connection_pool(min_size=1, max_size=TEST_POOL_SIZE)
    assert await _picture() == (counts, rows)
    sha = rows["evidence_file"][-1]["sha256"]
    assert evidence_path(restored_uploads, sha).read_bytes() == PROTOCOL

    # The app serves the restored data: a plan with its decision, and the evidence file.
    local = dataclasses.replace(settings, upload_dir=restored_uploads)
    monkeypatch.setattr(evidence, "get_settings", lambda: local)
    assert (await login(client, "bun-sekreterare", "demo")).status_code in (302, 303)
    page = await client.get(f"/namnder/{board['id']}/plan?ar={plan['year']}")
    assert page.status_code == 200 and plan["paragraph"] in page.text
    assert plan["registry_number"] in page.text
    download = await client.get(f"/bevis/{evidence_id}")
    assert download.status_code == 200 and download.content == PROTOCOL


async def test_a_damaged_or_incomplete_backup_is_refused_before_anything_is_written(
    demo_db, settings, tmp_path, monkeypatch, capsys
):
    uploads = tmp_path / "uploads"
    await _attach("BUN", uploads, PROTOCOL, "protokoll.txt")
    await _attach("BUN", uploads, b"Stickprov 5 av 40 beslut.\n", "stickprov.txt")
    lost = await _attach("BUN", uploads, b"Kassaavstamning mars.\n", "kassa.txt")
    lost_sha = (await EvidenceFile.select().where(EvidenceFile.id == lost).first())["sha256"]
    evidence_path(uploads, lost_sha).unlink()  # referenced by the database, gone from disk

    good = tmp_path / "kopia"
    # Written, but the exit code and a warning say that a file could not be included.
    assert await _cli(monkeypatch, settings, uploads, "backup", str(good)) == 3
    assert lost_sha in capsys.readouterr().err
    manifest = json.loads((good / "manifest.json").read_text())
    assert manifest["missing_evidence"] == [lost_sha] and len(manifest["evidence"]) == 2
    assert await _cli(monkeypatch, settings, uploads, "restore", "--check", str(good)) == 0
    capsys.readouterr()

    first = manifest["evidence"][0]["path"]

    def flip_a_byte(copy: Path) -> None:
        data = bytearray((copy / "evidence" / first).read_bytes())
        data[3] ^= 0x01
        (copy / "evidence" / first).write_bytes(bytes(data))

    damages = {
        "ändrad bevisfil": (flip_a_byte, f"bevisfilen {first} är skadad"),
        "saknad bevisfil": (
            lambda copy: (copy / "evidence" / first).unlink(),
            f"bevisfilen {first} saknas",
        ),
        "avkortad databas": (
            lambda copy: os.truncate(copy / manifest["database_file"], 4096),
            f"databasfilen {manifest['database_file']} är skadad",
        ),
        "saknat manifest": (lambda copy: (copy / "manifest.json").unlink(), "saknar manifest"),
    }
    restored_uploads = tmp_path / "restored-uploads"
    for label, (damage, message) in damages.items():
        copy = tmp_path / label
        shutil.copytree(good, copy)
        damage(copy)
        for argv in (("restore", "--check", str(copy)), ("restore", str(copy))):
            code = await _cli(monkeypatch, settings, restored_uploads, *argv)
            err = capsys.readouterr().err
            assert (code, message in err) == (2, True), (label, argv, err)
    # Intact, but from the other engine or from a newer version of the app.
    other = "sqlite" if is_postgres() else "postgres"
    edits = {
        "annan databas": ({"engine": other}, "Säkerhetskopian är från"),
        "nyare version": (
            {"migrations": {**manifest["migrations"], "controls": "2999-01-01T00:00:00:000000"}},
            "nyare version av Internkontroll",
        ),
    }
    for label, (change, message) in edits.items():
        copy = tmp_path / label
        shutil.copytree(good, copy)
        (copy / "manifest.json").write_text(json.dumps({**manifest, **change}))
        code = await _cli(monkeypatch, settings, restored_uploads, "restore", str(copy))
        err = capsys.readouterr().err
        assert (code, message in err) == (2, True), (label, err)
    assert not restored_uploads.exists(), "a refused restore wrote evidence files"

    # An intact backup is still refused by a database that is not empty, and nothing changes.
    before = await _picture()
    assert await _cli(monkeypatch, settings, restored_uploads, "restore", str(good)) == 2
    assert "är inte tom" in capsys.readouterr().err
    assert not restored_uploads.exists() and await _picture() == before


def _writer(stop: threading.Event, committed: list[int], errors: list[BaseException]) -> None:
    """Commit pairs (a board and its audit event) in one transaction each, until told to stop."""

    async def run() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            async with write_transaction():
                await Board.insert(Board(name=f"Skrivtest {n}", short_name=f"W{n}"))
                await AuditEvent.insert(
                    AuditEvent(action="backup-test", entity="board", entity_id=str(n))
                )
            committed.append(n)
            await asyncio.sleep(0.005)

    try:
        asyncio.run(run())
    except BaseException as exc:  # reported by the test
        errors.append(exc)


async def _pairs() -> tuple[int, int]:
    boards = await Board.count().where(Board.short_name.like("W%"))
    events = await AuditEvent.count().where(AuditEvent.action == "backup-test")
    return boards, events


def test_a_backup_taken_while_the_app_writes_is_one_consistent_moment(
    db, database_factory, tmp_path, capsys
):
    uploads, dest = tmp_path / "uploads", tmp_path / "under-skrivning"
    boards_before = Board.count().run_sync()
    stop, committed, errors = threading.Event(), [], []
    thread = threading.Thread(target=_writer, args=(stop, committed, errors), daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while len(committed) < 5 and time.monotonic() < deadline and not errors:
            time.sleep(0.01)
        before = len(committed)
        # Its own process, as a cron job would run it next to the app.
        env = dict(os.environ, DATABASE_URL=database_factory.url_for(db), UPLOAD_DIR=str(uploads))
        done = subprocess.run(
            [sys.executable, "-m", "internkontroll.cli", "backup", str(dest)],
            capture_output=True,
            text=True,
            env=env,
            timeout=CLI_TIMEOUT,
            check=False,
        )
        after, deadline = len(committed), time.monotonic() + 30
        while len(committed) < after + 5 and time.monotonic() < deadline and not errors:
            time.sleep(0.01)
    finally:
        stop.set()
        thread.join(30)
    assert not errors, errors
    assert done.returncode == 0, done.stderr
    taken = json.loads((dest / "manifest.json").read_text())["tables"]
    pairs = taken["board"] - boards_before
    assert pairs == taken["audit_event"], "a transaction was split by the backup"
    # Writes went on before, during and after the moment the backup captured.
    assert before < pairs <= after + 1 < len(committed)

    empty = database_factory.empty(tmp_path)
    try:
        assert cli.main(["restore", str(dest)]) == 0, capsys.readouterr().err
        assert asyncio.run(_pairs()) == (pairs, pairs)
    finally:
        database_factory.discard(empty)


def test_a_failed_backup_leaves_nothing_under_its_name(db, tmp_path, monkeypatch):
    dest = tmp_path / "kopior" / "natt"

    def disk_full(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backup, "copy_evidence", disk_full)
    with pytest.raises(backup.BackupError, match="No space left"):
        backup.create_backup(dest, tmp_path / "uploads")
    assert list(dest.parent.iterdir()) == [], "no backup and no half-written directory remain"

    dest.mkdir()
    with pytest.raises(backup.BackupError, match="finns redan") as refused:
        backup.create_backup(dest, tmp_path / "uploads")
    assert refused.value.code == backup.REFUSED


def test_missing_or_too_old_pg_tools_give_a_swedish_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(backup_pg, "BINDIR_GLOB", str(tmp_path / "inga" / "*" / "bin"))
    with pytest.raises(backup.BackupError, match="pg_dump hittades inte") as missing:
        backup_pg.find_tool("pg_dump", 15)
    assert "postgresql-client-15" in missing.value.message

    old = tmp_path / "pg_dump"
    old.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 13.4'\n")
    old.chmod(0o755)
    with pytest.raises(backup.BackupError, match="äldre än databasservern"):
        backup_pg.find_tool("pg_dump", 15)
    assert backup_pg.find_tool("pg_dump", 13) == (str(old), "pg_dump (PostgreSQL) 13.4")


def test_help_lists_backup_and_restore(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    assert "backup" in out and "restore" in out

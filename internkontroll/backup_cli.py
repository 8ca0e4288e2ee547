"""`internkontroll backup DEST` and `internkontroll restore [--check] SOURCE`."""

from __future__ import annotations

import argparse
import sys

from internkontroll.backup import (
    BackupError,
    Manifest,
    check_backup,
    create_backup,
    restore_backup,
)
from internkontroll.controls.evidence_store import describe_size
from internkontroll.settings import get_settings

MISSING_EVIDENCE = 3  # exit code: the backup was written but lacks evidence files


def _fail(message: str, code: int) -> int:
    print(f"internkontroll: {message}", file=sys.stderr)
    return code


def _number(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def _contents(manifest: Manifest) -> list[str]:
    files = len(manifest.evidence)
    lines = [
        f"  Tagen:       {manifest.created_at.replace('T', ' ').replace('+00:00', ' UTC')}, "
        f"Internkontroll {manifest.app_version}",
        f"  Databas:     {manifest.server_version}, {len(manifest.tables)} tabeller, "
        f"{_number(manifest.rows)} rader, {describe_size(manifest.database_size)}",
        f"  Bevisfiler:  {files} st, {describe_size(manifest.evidence_bytes)}"
        if files
        else "  Bevisfiler:  inga",
        f"  Migreringar: {len(manifest.migrations)} appar, senast "
        + (max(manifest.migrations.values()) if manifest.migrations else "ingen"),
    ]
    if manifest.missing_evidence:
        lines.append(
            f"  Saknas:      {len(manifest.missing_evidence)} bevisfiler fanns inte (eller var "
            "skadade) i UPLOAD_DIR när kopian togs"
        )
    return lines


def _missing_warning(manifest: Manifest) -> str:
    shown = "\n".join(f"  - {sha[:2]}/{sha}" for sha in manifest.missing_evidence[:10])
    more = len(manifest.missing_evidence) - 10
    return (
        f"internkontroll: varning: {len(manifest.missing_evidence)} bevisfiler som databasen "
        f"hänvisar till saknas eller är skadade i {get_settings().upload_dir} och finns inte i "
        f"säkerhetskopian:\n{shown}" + (f"\n  … och {more} till" if more > 0 else "")
    )


def cmd_backup(args: argparse.Namespace) -> int:
    """Back up the database and the evidence files to a new directory."""
    settings = get_settings()
    try:
        result = create_backup(args.dest, settings.upload_dir)
    except BackupError as exc:
        return _fail(exc.message, exc.code)
    print(f"Säkerhetskopia skriven till {result.path}")
    print("\n".join(_contents(result.manifest)))
    print(f"Kontrollera den med: internkontroll restore --check {result.path}")
    if result.manifest.missing_evidence:
        print(_missing_warning(result.manifest), file=sys.stderr)
        return MISSING_EVIDENCE
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Check a backup, or restore it into an empty database and UPLOAD_DIR and verify it."""
    settings = get_settings()
    try:
        if args.check:
            manifest = check_backup(args.source)
            print(f"Säkerhetskopian {args.source} är hel: varje fil stämmer med manifestet.")
            print("\n".join(_contents(manifest)))
            return 0
        result = restore_backup(args.source, settings.upload_dir)
    except BackupError as exc:
        return _fail(exc.message, exc.code)
    manifest = result.manifest
    print(f"Återställt från {args.source} till {result.target}.")
    print("\n".join(_contents(manifest)))
    files = (
        f"alla {len(manifest.evidence)} bevisfiler finns i {settings.upload_dir} med rätt "
        f"kontrollsumma ({result.files_written} skrivna, {result.files_present} fanns redan)"
        if manifest.evidence
        else "kopian har inga bevisfiler"
    )
    print(
        f"Kontrollerat: radantalet i alla {len(manifest.tables)} tabeller och migreringarna "
        f"stämmer med kopian; {files}."
    )
    if manifest.missing_evidence:
        print(
            f"Observera: {len(manifest.missing_evidence)} bevisfiler saknades redan när kopian "
            "togs och kunde inte återställas."
        )
    if result.pending_migrations:
        apps = ", ".join(f"{app} ({n})" for app, n in sorted(result.pending_migrations.items()))
        print(f"Koden har nyare migreringar än kopian: kör internkontroll migrate. Gäller {apps}.")
    return 0

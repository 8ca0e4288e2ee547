"""The backup manifest: what a backup holds, written last and checked on every restore."""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

MANIFEST = "manifest.json"
FORMAT = 1
FAILED = 1  # exit code: the backup or restore went wrong
REFUSED = 2  # exit code: refused before anything was written
_SHA256 = re.compile(r"[0-9a-f]{64}")


class BackupError(Exception):
    """A backup or restore failed or was refused; .message is Swedish, .code the exit code."""

    def __init__(self, message: str, code: int = FAILED) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Inventory:
    """What a database holds: rows per table, latest migration per app, evidence hashes."""

    tables: dict[str, int]
    migrations: dict[str, str]
    evidence: tuple[str, ...]  # distinct sha256 of evidence_file rows, sorted


@dataclass(frozen=True)
class Manifest:
    """The contents of manifest.json."""

    created_at: str
    engine: str
    app_version: str
    server_version: str
    tool_version: str
    database_file: str
    database_sha256: str
    database_size: int
    tables: dict[str, int]
    migrations: dict[str, str]
    evidence: list[dict] = field(default_factory=list)  # {"path", "sha256", "size"}
    missing_evidence: list[str] = field(default_factory=list)
    format: int = FORMAT

    @property
    def rows(self) -> int:
        """Rows in all tables together."""
        return sum(self.tables.values())

    @property
    def evidence_bytes(self) -> int:
        """The evidence files' total size."""
        return sum(e["size"] for e in self.evidence)

    def write(self, path: Path) -> None:
        """Write the manifest as JSON and flush it to disk."""
        text = json.dumps(asdict(self), ensure_ascii=False, indent=2, sort_keys=True)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        path.chmod(0o600)


def read_manifest(source: Path) -> Manifest:
    """The manifest of the backup directory source; BackupError if missing or malformed."""
    path = source / MANIFEST
    if not source.is_dir():
        raise BackupError(f"{source} finns inte eller är ingen katalog.", 2)
    if not path.is_file():
        raise BackupError(
            f"{source} saknar {MANIFEST}: det är ingen säkerhetskopia, eller en som inte "
            "skrevs färdigt.",
            2,
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        manifest = Manifest(**data)
        _validate(manifest)
    except (ValueError, TypeError, KeyError) as exc:
        raise BackupError(f"{path} är skadad eller har fel format ({exc}).", 2) from exc
    return manifest


def _validate(manifest: Manifest) -> None:
    if manifest.format != FORMAT:
        raise ValueError(f"format {manifest.format}, väntade {FORMAT}")
    if manifest.engine not in {"sqlite", "postgres"}:
        raise ValueError(f"okänd databas {manifest.engine!r}")
    if "/" in manifest.database_file or manifest.database_file.startswith("."):
        raise ValueError(f"ogiltigt filnamn {manifest.database_file!r}")
    if not _SHA256.fullmatch(manifest.database_sha256):
        raise ValueError("databasens kontrollsumma saknas")
    if not all(isinstance(n, int) for n in manifest.tables.values()):
        raise ValueError("radantal som inte är heltal")
    for entry in manifest.evidence:
        sha = entry["sha256"]
        if not _SHA256.fullmatch(sha) or entry["path"] != f"{sha[:2]}/{sha}":
            raise ValueError(f"ogiltig bevisfil {entry!r}")
        if not isinstance(entry["size"], int):
            raise ValueError(f"ogiltig storlek för {sha}")
    if not all(_SHA256.fullmatch(sha) for sha in manifest.missing_evidence):
        raise ValueError("ogiltig kontrollsumma bland saknade bevisfiler")

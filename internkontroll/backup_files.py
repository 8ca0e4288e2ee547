"""Evidence files in backups: copied by content hash, checked byte for byte."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from internkontroll.controls.evidence_store import evidence_path

EVIDENCE_DIR = "evidence"
CHUNK = 1024 * 1024


def sha256_of(path: Path) -> str:
    """The SHA-256 hex digest of a file's content."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def fsync_dir(path: Path) -> None:
    """Flush a directory's entries (new names, renames) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy(source: Path, target: Path, mode: int) -> str:
    """Copy source to target through a temporary file in target's directory; return the hash."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    sink = tempfile.NamedTemporaryFile(dir=target.parent, prefix=".copy-", delete=False)  # noqa: SIM115
    tmp = Path(sink.name)
    try:
        with sink, open(source, "rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
                sink.write(chunk)
            sink.flush()
            os.fsync(sink.fileno())
        tmp.chmod(mode)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return digest.hexdigest()


def copy_evidence(
    upload_dir: Path, hashes: Iterable[str], dest: Path
) -> tuple[list[dict], list[str]]:
    """Copy the evidence files with these hashes into dest; return (entries, missing or damaged).

    A file whose content no longer matches its name counts as missing: it is not the evidence
    that was uploaded.
    """
    entries, missing = [], []
    for sha in hashes:
        source = evidence_path(upload_dir, sha)
        target = evidence_path(dest, sha)
        if not source.is_file():
            missing.append(sha)
            continue
        if _copy(source, target, 0o600) != sha:
            target.unlink()
            missing.append(sha)
            continue
        entries.append({"path": f"{sha[:2]}/{sha}", "sha256": sha, "size": target.stat().st_size})
    return entries, missing


def verify_evidence(directory: Path, entries: Iterable[dict]) -> list[str]:
    """Each listed file that is missing under directory or differs from its hash, in Swedish."""
    problems = []
    for entry in entries:
        path = directory / entry["path"]
        if not path.is_file():
            problems.append(f"bevisfilen {entry['path']} saknas")
        elif path.stat().st_size != entry["size"] or sha256_of(path) != entry["sha256"]:
            problems.append(f"bevisfilen {entry['path']} är skadad (fel kontrollsumma)")
    return problems


def restore_evidence(source: Path, entries: Iterable[dict], upload_dir: Path) -> tuple[int, int]:
    """Put the backed-up files into upload_dir; return (written, already there and intact)."""
    written = present = 0
    for entry in entries:
        sha = entry["sha256"]
        target = evidence_path(upload_dir, sha)
        # Files are named by their content, so an intact file of that name is the same file.
        if target.is_file() and sha256_of(target) == sha:
            present += 1
            continue
        _copy(source / entry["path"], target, 0o640)
        written += 1
    return written, present

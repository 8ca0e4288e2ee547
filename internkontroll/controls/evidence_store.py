"""Evidence files: checked by name and content, stored once by SHA-256 outside the web root."""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import anyio.to_thread
import filetype

MIB = 1024 * 1024
CHUNK = MIB
HEAD = 8192  # filetype looks at no more than this
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
OOXML = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "pptx": "ppt/presentation.xml"}
TEXT = {"txt", "csv"}
# Ordinary text may begin "BM" or "MZ"; real BMP and EXE files always hold NUL bytes,
# which the text check refuses anyway.
_TEXT_LOOKALIKES = {"bmp", "exe"}
_SHA256 = re.compile(r"[0-9a-f]{64}")
# Format characters include bidi overrides, which can show "fdp.exe" as "exe.pdf".
_DROPPED = {"Cc", "Cf", "Cs", "Zl", "Zp"}

_OPENXML = "application/vnd.openxmlformats-officedocument."
_ODF = "application/vnd.oasis.opendocument."
# extension -> (media type, filetype kinds that content may have, Swedish name after "en")
_TYPES: dict[str, tuple[str, set[str], str]] = {
    "pdf": ("application/pdf", {"pdf"}, "PDF-fil"),
    "png": ("image/png", {"png", "apng"}, "PNG-bild"),
    "jpg": ("image/jpeg", {"jpg"}, "JPEG-bild"),
    "jpeg": ("image/jpeg", {"jpg"}, "JPEG-bild"),
    "gif": ("image/gif", {"gif"}, "GIF-bild"),
    "webp": ("image/webp", {"webp"}, "WebP-bild"),
    "tif": ("image/tiff", {"tif"}, "TIFF-bild"),
    "tiff": ("image/tiff", {"tif"}, "TIFF-bild"),
    "heic": ("image/heic", {"heic"}, "HEIC-bild"),
    "docx": (_OPENXML + "wordprocessingml.document", {"docx"}, "Word-fil (docx)"),
    "xlsx": (_OPENXML + "spreadsheetml.sheet", {"xlsx"}, "Excel-fil (xlsx)"),
    "pptx": (_OPENXML + "presentationml.presentation", {"pptx"}, "PowerPoint-fil (pptx)"),
    "odt": (_ODF + "text", {"odt"}, "OpenDocument-textfil"),
    "ods": (_ODF + "spreadsheet", {"ods"}, "OpenDocument-kalkylfil"),
    "odp": (_ODF + "presentation", {"odp"}, "OpenDocument-presentationsfil"),
    "doc": ("application/msword", set(), "Word-fil (doc)"),
    "xls": ("application/vnd.ms-excel", set(), "Excel-fil (xls)"),
    "ppt": ("application/vnd.ms-powerpoint", set(), "PowerPoint-fil (ppt)"),
    "txt": ("text/plain", set(), "textfil"),
    "csv": ("text/csv", set(), "CSV-fil"),
}
ALLOWED_EXTENSIONS: dict[str, str] = {ext: media for ext, (media, _, _) in _TYPES.items()}
ALLOWED_TYPES_TEXT = (
    "PDF, bilder (PNG, JPEG, GIF, WebP, TIFF, HEIC), Office- och OpenDocument-filer "
    "(docx, xlsx, pptx, doc, xls, ppt, odt, ods, odp), text (txt) och CSV"
)


class EvidenceRejected(Exception):
    """A file that may not be stored; .message is Swedish, .status 413 if too large, else 422."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class StoredEvidence:
    """A stored file: its hash names it on disk; media_type is what to serve it with."""

    sha256: str
    size: int
    media_type: str
    original_name: str


def describe_size(n: int) -> str:
    """A size for people, in Swedish: '12 byte', '830 kB', '2,4 MB'."""
    if n < 1024:
        return f"{n} byte"
    value, unit = n / 1024, "kB"
    for bigger in ("MB", "GB"):
        if round(value) < 1024:
            break
        value, unit = value / 1024, bigger
    text = f"{value:.1f}".removesuffix(".0") if value < 9.95 else f"{value:.0f}"
    return f"{text.replace('.', ',')} {unit}"


def clean_filename(name: str) -> str:
    """The name without directories, control characters or outer spaces, at most 255 chars."""
    name = unicodedata.normalize("NFC", re.split(r"[/\\]", name)[-1])
    name = "".join(c for c in name if unicodedata.category(c) not in _DROPPED).strip()
    if not name.strip("."):
        raise EvidenceRejected("Filen saknar namn.")
    if len(name) > 255:
        stem, dot, ext = name.rpartition(".")
        suffix = dot + ext if stem and len(ext) <= 16 else ""
        name = name[: 255 - len(suffix)].rstrip() + suffix
    return name


def evidence_path(upload_dir: Path, sha256: str) -> Path:
    """Where the file with this content lives: upload_dir/ab/abcd…."""
    if not _SHA256.fullmatch(sha256):
        raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
    return upload_dir / sha256[:2] / sha256


class _TextCheck:
    """Whether streamed bytes are NUL-free UTF-8 or cp1252, decided chunk by chunk."""

    def __init__(self) -> None:
        # The incremental decoder copes with a character split between two chunks.
        self.utf8 = codecs.getincrementaldecoder("utf-8")()
        self.charsets = ["utf-8", "windows-1252"]  # BOM or not, UTF-8 wins when both fit
        self.nul = False

    def feed(self, chunk: bytes, final: bool = False) -> None:
        self.nul = self.nul or b"\0" in chunk
        for charset in list(self.charsets):
            try:
                self.utf8.decode(chunk, final) if charset == "utf-8" else chunk.decode(charset)
            except UnicodeDecodeError:
                self.charsets.remove(charset)

    def charset(self) -> str | None:
        self.feed(b"", final=True)
        return None if self.nul or not self.charsets else self.charsets[0]


def _ooxml_kind(path: Path) -> str | None:
    # filetype only guesses from the order of the first zip entries; the directory is certain.
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError):
        return None
    found = [ext for ext, part in OOXML.items() if part in names]
    return found[0] if found and "[Content_Types].xml" in names else None


def _media_type(name: str, ext: str, head: bytes, path: Path, text: _TextCheck | None) -> str:
    media, kinds, label = _TYPES[ext]
    kind = filetype.guess(head)
    found = kind.extension if kind else None
    if text is not None:
        charset = text.charset()
        if charset is not None and (found is None or found in _TEXT_LOOKALIKES):
            return f"{media}; charset={charset}"
    elif ext in {"doc", "xls", "ppt"}:
        if head.startswith(OLE2):
            return media
    elif ext in OOXML:
        if found in {None, "zip"}:
            found = _ooxml_kind(path)
        if found == ext:
            return media
    elif found in kinds:
        return media
    raise EvidenceRejected(f"Innehållet i ”{name}” är inte en {label}.")


def _open_temp(upload_dir: Path) -> IO[bytes]:
    upload_dir.mkdir(parents=True, exist_ok=True)
    return tempfile.NamedTemporaryFile(dir=upload_dir, prefix=".upload-", delete=False)  # noqa: SIM115


def _place(tmp: Path, target: Path) -> None:
    if target.exists():
        tmp.unlink()
        return
    target.parent.mkdir(exist_ok=True)
    tmp.chmod(0o640)
    os.replace(tmp, target)


def _discard(sink: IO[bytes], tmp: Path) -> None:
    sink.close()
    tmp.unlink(missing_ok=True)


def _close(sink: IO[bytes]) -> None:
    # Flushed to disk before the rename, so a crash cannot leave a hash naming a torn file.
    sink.flush()
    os.fsync(sink.fileno())
    sink.close()


async def store_evidence(
    reader: Any, filename: str, upload_dir: Path, max_bytes: int
) -> StoredEvidence:
    """Check an upload's size, name and content, then store it; else raise EvidenceRejected."""
    name = clean_filename(filename)
    ext = name.rpartition(".")[2].lower() if "." in name else ""
    if ext not in _TYPES:
        raise EvidenceRejected(
            f"Filtypen för ”{name}” är inte tillåten. Tillåtna: {ALLOWED_TYPES_TEXT}."
        )
    limit = f"{max_bytes // MIB} MB" if max_bytes % MIB == 0 else describe_size(max_bytes)
    sink = await anyio.to_thread.run_sync(_open_temp, upload_dir)
    tmp, placed = Path(sink.name), False
    try:
        digest, size, head = hashlib.sha256(), 0, b""
        text = _TextCheck() if ext in TEXT else None
        # Never ask for more than one byte past the limit: an endless upload stops there.
        while chunk := await reader.read(min(CHUNK, max_bytes + 1 - size)):
            size += len(chunk)
            if size > max_bytes:
                raise EvidenceRejected(f"Filen är för stor: högst {limit}.", status=413)
            digest.update(chunk)
            head += chunk[: HEAD - len(head)]
            if text is not None:
                text.feed(chunk)
            await anyio.to_thread.run_sync(sink.write, chunk)
        await anyio.to_thread.run_sync(_close, sink)
        if size == 0:
            raise EvidenceRejected("Filen är tom.")
        media_type = await anyio.to_thread.run_sync(_media_type, name, ext, head, tmp, text)
        sha = digest.hexdigest()
        await anyio.to_thread.run_sync(_place, tmp, evidence_path(upload_dir, sha))
        placed = True
    finally:
        if not placed:
            _discard(sink, tmp)  # not awaited: it must also run when the request is cancelled
    return StoredEvidence(sha256=sha, size=size, media_type=media_type, original_name=name)

"""Evidence files: size limit, type by name and content, content-addressed atomic storage."""

from __future__ import annotations

import hashlib
import io
import os
import stat
import zipfile
from pathlib import Path

import filetype
import pytest
from litestar.datastructures import UploadFile
from PIL import Image

from internkontroll.controls.evidence_store import (
    ALLOWED_EXTENSIONS,
    ALLOWED_TYPES_TEXT,
    EvidenceRejected,
    StoredEvidence,
    clean_filename,
    describe_size,
    evidence_path,
    store_evidence,
)

MIB = 1024 * 1024
LIMIT = 20 * MIB
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
DOCX_MEDIA = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX_MEDIA = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 9 + b"\x02\x00\x3e\x00" + b"\x00" * 60
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 50 + b"\x80\x00\x00\x00" + b"PE\x00\x00"


class Reader:
    """Like Litestar's UploadFile.read, optionally handing out at most `step` bytes a call."""

    def __init__(self, data: bytes, step: int | None = None) -> None:
        self.buffer = io.BytesIO(data)
        self.step = step

    async def read(self, size: int = -1) -> bytes:
        if self.step is not None:
            size = self.step if size < 0 else min(size, self.step)
        return self.buffer.read(size)


class EndlessReader:
    """An upload that never ends, counting what it handed out."""

    def __init__(self) -> None:
        self.delivered = 0

    async def read(self, size: int = -1) -> bytes:
        chunk = b"x" * (size if size > 0 else MIB)
        self.delivered += len(chunk)
        return chunk


class FailingReader:
    """An upload whose connection drops after the first chunk."""

    def __init__(self) -> None:
        self.calls = 0

    async def read(self, size: int = -1) -> bytes:
        self.calls += 1
        if self.calls > 1:
            raise OSError("connection reset")
        return PDF


async def store(data: bytes, name: str, upload_dir: Path, limit: int = LIMIT) -> StoredEvidence:
    return await store_evidence(Reader(data), name, upload_dir, limit)


async def refused(data: bytes, name: str, upload_dir: Path, limit: int = LIMIT) -> EvidenceRejected:
    with pytest.raises(EvidenceRejected) as caught:
        await store(data, name, upload_dir, limit)
    assert files_in(upload_dir) == [], "a refused upload must leave nothing behind"
    return caught.value


def files_in(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.is_file()) if directory.exists() else []


def image(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 30, 30)).save(out, fmt)
    return out.getvalue()


def zipped(*entries: tuple[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries:
            archive.writestr(name, content)
    return out.getvalue()


CONTENT_TYPES = (
    "[Content_Types].xml",
    b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    b'content-types"/>',
)
RELS = ("_rels/.rels", b'<?xml version="1.0"?><Relationships/>')
DOCX = zipped(CONTENT_TYPES, RELS, ("word/document.xml", b"<w:document/>"))
XLSX = zipped(CONTENT_TYPES, RELS, ("xl/workbook.xml", b"<workbook/>"))
PPTX = zipped(CONTENT_TYPES, RELS, ("ppt/presentation.xml", b"<p:presentation/>"))


def opendocument(kind: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        # ODF requires an uncompressed "mimetype" entry first; that is what identifies it.
        archive.writestr("mimetype", f"application/vnd.oasis.opendocument.{kind}")
        archive.writestr("content.xml", b"<office:document-content/>", zipfile.ZIP_DEFLATED)
    return out.getvalue()


def test_allowed_extensions_are_lower_case_without_dots_and_exclude_dangerous_types():
    assert {"pdf", "png", "jpg", "jpeg", "docx", "xlsx", "doc", "odt", "txt", "csv"}.issubset(
        ALLOWED_EXTENSIONS
    )
    assert all(ext == ext.lower() and "." not in ext for ext in ALLOWED_EXTENSIONS)
    for ext in ("zip", "exe", "html", "htm", "svg", "js", "docm", "xlsm", "rtf"):
        assert ext not in ALLOWED_EXTENSIONS
    assert ALLOWED_EXTENSIONS["pdf"] == "application/pdf"
    assert ALLOWED_EXTENSIONS["xlsx"] == XLSX_MEDIA
    assert ALLOWED_TYPES_TEXT.startswith("PDF")


@pytest.mark.parametrize(
    ("name", "data", "media_type"),
    [
        ("protokoll.pdf", PDF, "application/pdf"),
        ("bild.png", image("PNG"), "image/png"),
        ("foto.jpg", image("JPEG"), "image/jpeg"),
        ("foto.jpeg", image("JPEG"), "image/jpeg"),
        ("anim.gif", image("GIF"), "image/gif"),
        ("bild.webp", image("WEBP"), "image/webp"),
        ("skanning.tif", image("TIFF"), "image/tiff"),
        ("skanning.tiff", image("TIFF"), "image/tiff"),
        (
            "iphone.heic",
            b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 32,
            "image/heic",
        ),
        ("rapport.docx", DOCX, DOCX_MEDIA),
        ("underlag.xlsx", XLSX, XLSX_MEDIA),
        ("bilder.pptx", PPTX, PPTX_MEDIA),
        ("text.odt", opendocument("text"), "application/vnd.oasis.opendocument.text"),
        (
            "kalkyl.ods",
            opendocument("spreadsheet"),
            "application/vnd.oasis.opendocument.spreadsheet",
        ),
        (
            "bilder.odp",
            opendocument("presentation"),
            "application/vnd.oasis.opendocument.presentation",
        ),
        ("gammal.doc", OLE2 + b"\x00" * 1024, "application/msword"),
        ("gammal.xls", OLE2 + b"\x00" * 1024, "application/vnd.ms-excel"),
        ("gammal.ppt", OLE2 + b"\x00" * 1024, "application/vnd.ms-powerpoint"),
        ("RAPPORT.PDF", PDF, "application/pdf"),
    ],
)
async def test_real_files_of_each_allowed_type_are_accepted(tmp_path, name, data, media_type):
    stored = await store(data, name, tmp_path)
    assert stored.media_type == media_type
    assert stored.original_name == name
    assert stored.size == len(data)


async def test_a_workbook_written_by_openpyxl_is_accepted_as_xlsx(tmp_path):
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "Kontroll"
    out = io.BytesIO()
    workbook.save(out)
    assert (await store(out.getvalue(), "export.xlsx", tmp_path)).media_type == XLSX_MEDIA


async def test_a_docx_that_filetype_only_sees_as_zip_is_recognised_by_its_directory(tmp_path):
    # A large first entry pushes word/ beyond the bytes filetype looks at.
    data = zipped(
        ("docProps/thumbnail.jpeg", os.urandom(20_000)),
        CONTENT_TYPES,
        RELS,
        ("word/document.xml", b"<w:document/>"),
    )
    assert filetype.guess(data).extension == "zip"
    assert (await store(data, "stor.docx", tmp_path)).media_type == DOCX_MEDIA


@pytest.mark.parametrize(
    "name", ["program.exe", "arkiv.zip", "sida.html", "bild.svg", "utan-punkt"]
)
async def test_extensions_outside_the_list_are_refused_by_name(tmp_path, name):
    error = await refused(PDF, name, tmp_path)
    assert error.status == 422
    assert error.message == (
        f"Filtypen för ”{name}” är inte tillåten. Tillåtna: {ALLOWED_TYPES_TEXT}."
    )


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("rapport.pdf", image("PNG"), "Innehållet i ”rapport.pdf” är inte en PDF-fil."),
        ("x.pdf", ELF, "Innehållet i ”x.pdf” är inte en PDF-fil."),
        ("x.pdf", EXE, "Innehållet i ”x.pdf” är inte en PDF-fil."),
        ("x.pdf", zipped(("a.txt", b"hej")), "Innehållet i ”x.pdf” är inte en PDF-fil."),
        (
            "x.pdf",
            b"<!DOCTYPE html><html><script>alert(1)</script></html>",
            "Innehållet i ”x.pdf” är inte en PDF-fil.",
        ),
        ("bild.png", image("JPEG"), "Innehållet i ”bild.png” är inte en PNG-bild."),
        ("foto.jpg", PDF, "Innehållet i ”foto.jpg” är inte en JPEG-bild."),
        ("a.docx", XLSX, "Innehållet i ”a.docx” är inte en Word-fil (docx)."),
        ("a.xlsx", DOCX, "Innehållet i ”a.xlsx” är inte en Excel-fil (xlsx)."),
        ("a.docx", zipped(("a.txt", b"hej")), "Innehållet i ”a.docx” är inte en Word-fil (docx)."),
        (
            "a.docx",
            zipped(CONTENT_TYPES, ("other/x.xml", b"<x/>")),
            "Innehållet i ”a.docx” är inte en Word-fil (docx).",
        ),
        ("a.docx", OLE2 + b"\x00" * 1024, "Innehållet i ”a.docx” är inte en Word-fil (docx)."),
        (
            "a.odt",
            opendocument("spreadsheet"),
            "Innehållet i ”a.odt” är inte en OpenDocument-textfil.",
        ),
        ("gammal.doc", PDF, "Innehållet i ”gammal.doc” är inte en Word-fil (doc)."),
        ("gammal.xls", DOCX, "Innehållet i ”gammal.xls” är inte en Excel-fil (xls)."),
    ],
)
async def test_content_that_is_not_what_the_name_says_is_refused(tmp_path, name, data, message):
    error = await refused(data, name, tmp_path)
    assert (error.status, error.message) == (422, message)


@pytest.mark.parametrize(
    ("name", "data", "media_type"),
    [
        ("lista.csv", "Namn;Ort\nÅsa;Älvsjö\nÖrjan;Göteborg\n".encode(), "text/csv; charset=utf-8"),
        ("lista.csv", "\ufeffNamn;Ort\nÅsa;Älvsjö\n".encode(), "text/csv; charset=utf-8"),
        (
            "anteckning.txt",
            "Kontrollen är utförd på Åland".encode("cp1252"),
            "text/plain; charset=windows-1252",
        ),
        ("ascii.txt", b"plain ascii\r\n", "text/plain; charset=utf-8"),
        # Text that merely begins like a BMP ("BM") or an EXE ("MZ") signature is still text.
        ("matt.csv", b"BMI;vikt\n22;70\n", "text/csv; charset=utf-8"),
        ("mz.txt", b"MZ-kontroll utf\xc3\xb6rd\n", "text/plain; charset=utf-8"),
    ],
)
async def test_text_and_csv_are_accepted_in_utf8_or_cp1252(tmp_path, name, data, media_type):
    assert (await store(data, name, tmp_path)).media_type == media_type


async def test_html_named_txt_is_accepted_as_plain_text(tmp_path):
    # Decision: HTML is text. It is stored as text/plain and must be served as an attachment
    # (with nosniff), so a browser never renders it; refusing it would block saved web pages.
    data = b"<html><body><script>alert(1)</script></body></html>\n"
    assert (await store(data, "sida.txt", tmp_path)).media_type == "text/plain; charset=utf-8"


async def test_utf8_split_between_chunks_is_still_utf8(tmp_path):
    data = ("å" * 50 + "\nÄ;ö\n").encode()
    stored = await store_evidence(Reader(data, step=3), "lista.csv", tmp_path, LIMIT)
    assert stored.media_type == "text/csv; charset=utf-8"
    assert evidence_path(tmp_path, stored.sha256).read_bytes() == data


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("nul.txt", b"abc\x00def"),
        ("nul.csv", b"a;b\n" * 1000 + b"\x00"),
        ("utf16.txt", "Åsa".encode("utf-16")),
        ("neither.txt", b"abc \x81\x8d\x8f\x90\x9d"),  # invalid UTF-8, undefined in cp1252
        ("elf.txt", ELF),
        ("exe.txt", EXE),
        ("pdf.txt", PDF),  # valid UTF-8, but filetype knows it as a PDF
        ("png.csv", image("PNG")),
        ("zip.csv", zipped(("a.txt", b"hej"))),
    ],
)
async def test_binary_content_named_as_text_is_refused(tmp_path, name, data):
    error = await refused(data, name, tmp_path)
    kind = "CSV-fil" if name.endswith(".csv") else "textfil"
    assert error.message == f"Innehållet i ”{name}” är inte en {kind}."


async def test_exactly_the_limit_is_accepted(tmp_path):
    data = PDF + b"%" * (1000 - len(PDF))
    assert (await store(data, "full.pdf", tmp_path, limit=1000)).size == 1000


async def test_one_byte_over_the_limit_is_refused_with_413_and_nothing_kept(tmp_path):
    data = PDF + b"%" * (1001 - len(PDF))
    error = await refused(data, "full.pdf", tmp_path, limit=1000)
    assert error.status == 413
    assert error.message == "Filen är för stor: högst 1000 byte."


async def test_an_endless_upload_is_cut_off_just_past_the_limit(tmp_path):
    reader = EndlessReader()
    with pytest.raises(EvidenceRejected) as caught:
        await store_evidence(reader, "oändlig.pdf", tmp_path, 2 * MIB)
    assert (caught.value.status, caught.value.message) == (413, "Filen är för stor: högst 2 MB.")
    assert reader.delivered <= 2 * MIB + MIB
    assert files_in(tmp_path) == []


async def test_the_limit_message_uses_whole_megabytes(tmp_path):
    with pytest.raises(EvidenceRejected) as caught:
        await store_evidence(EndlessReader(), "stor.pdf", tmp_path, LIMIT)
    assert caught.value.message == "Filen är för stor: högst 20 MB."


async def test_an_empty_file_is_refused(tmp_path):
    error = await refused(b"", "tom.pdf", tmp_path)
    assert (error.status, error.message) == (422, "Filen är tom.")


async def test_a_broken_upload_leaves_no_temporary_file(tmp_path):
    with pytest.raises(OSError, match="connection reset"):
        await store_evidence(FailingReader(), "avbruten.pdf", tmp_path, LIMIT)
    assert files_in(tmp_path) == []


async def test_stored_under_sha_prefix_with_the_exact_content(tmp_path):
    upload_dir = tmp_path / "var" / "uploads"  # created on demand
    stored = await store(PDF, "protokoll.pdf", upload_dir)
    sha = hashlib.sha256(PDF).hexdigest()
    assert stored == StoredEvidence(sha, len(PDF), "application/pdf", "protokoll.pdf")
    target = upload_dir / sha[:2] / sha
    assert files_in(upload_dir) == [target]
    assert target.read_bytes() == PDF
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


async def test_identical_content_is_stored_once(tmp_path):
    first = await store(PDF, "a.pdf", tmp_path)
    inode = evidence_path(tmp_path, first.sha256).stat().st_ino
    second = await store(PDF, "b.pdf", tmp_path)
    assert evidence_path(tmp_path, first.sha256).stat().st_ino == inode, "the first copy stays"
    assert first.sha256 == second.sha256
    assert second.original_name == "b.pdf"
    assert files_in(tmp_path) == [evidence_path(tmp_path, first.sha256)]


async def test_litestar_upload_file_is_a_valid_reader(tmp_path):
    upload = UploadFile(content_type="application/pdf", filename="u.pdf", file_data=PDF)
    stored = await store_evidence(upload, upload.filename, tmp_path, LIMIT)
    assert evidence_path(tmp_path, stored.sha256).read_bytes() == PDF


async def test_the_stored_name_is_cleaned(tmp_path):
    stored = await store(PDF, "../../etc/\x00protokoll.pdf ", tmp_path)
    assert stored.original_name == "protokoll.pdf"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\anna\\Skrivbord\\rapport.docx", "rapport.docx"),
        ("mapp/under\\fil.txt", "fil.txt"),
        ("  rapport 2026.pdf\t", "rapport 2026.pdf"),
        ("rap\x00p\x1bort\x7f.pdf", "rapport.pdf"),
        ("rapport\u202efdp.exe", "rapportfdp.exe"),  # right-to-left override would show "exe.pdf"
        ("Ha\u0308ndelse.pdf", "Händelse.pdf"),  # macOS decomposed å/ä/ö become one character
        ("Åtgärdsplan för ökad kontroll.xlsx", "Åtgärdsplan för ökad kontroll.xlsx"),
    ],
)
def test_clean_filename(raw, clean):
    assert clean_filename(raw) == clean


def test_clean_filename_keeps_the_extension_of_a_very_long_name():
    cleaned = clean_filename("å" * 300 + ".xlsx")
    assert len(cleaned) == 255
    assert cleaned == "å" * 250 + ".xlsx"


@pytest.mark.parametrize("raw", ["", "   ", "../", "dir\\", "\x00\x01", "..", "."])
def test_clean_filename_refuses_names_with_nothing_left(raw):
    with pytest.raises(EvidenceRejected) as caught:
        clean_filename(raw)
    assert (caught.value.status, caught.value.message) == (422, "Filen saknar namn.")


def test_evidence_path_layout(tmp_path):
    sha = hashlib.sha256(b"x").hexdigest()
    assert evidence_path(tmp_path, sha) == tmp_path / sha[:2] / sha


@pytest.mark.parametrize(
    "bad",
    ["", "abc", "g" * 64, "A" * 64, "a" * 63, "a" * 65, "../" + "a" * 61, "a" * 63 + "\n"],
)
def test_evidence_path_refuses_anything_but_64_lowercase_hex(tmp_path, bad):
    with pytest.raises(ValueError):
        evidence_path(tmp_path, bad)


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0 byte"),
        (12, "12 byte"),
        (1023, "1023 byte"),
        (1024, "1 kB"),
        (1536, "1,5 kB"),
        (830 * 1024, "830 kB"),
        (int(2.4 * MIB), "2,4 MB"),
        (MIB - 1, "1 MB"),
        (20 * MIB, "20 MB"),
        (3 * 1024 * MIB, "3 GB"),
    ],
)
def test_describe_size(size, text):
    assert describe_size(size) == text

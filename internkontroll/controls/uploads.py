"""Reading multipart uploads with evidence files, refusing oversized requests before reading."""

from __future__ import annotations

from litestar import Request
from litestar.datastructures import UploadFile

from internkontroll.controls.evidence import EvidenceTooLarge
from internkontroll.controls.evidence_store import describe_size
from internkontroll.errors import DomainError
from internkontroll.settings import get_settings

MAX_FILES_PER_UPLOAD = 5
# Room for the form's other fields and the multipart framing around the files.
FORM_OVERHEAD = 1024 * 1024


class LengthRequired(DomainError):
    """An upload without Content-Length: its size cannot be checked before reading."""

    status_code = 411


async def read_upload_form(request: Request) -> tuple[dict[str, str], list[UploadFile]]:
    """The form's text fields and its files (field `file`, up to five)."""
    length = request.headers.get("content-length", "")
    if not length.isdigit():
        raise LengthRequired("Uppladdningen saknar storlek (Content-Length).")
    limit = get_settings().evidence_max_bytes
    if int(length) > limit * MAX_FILES_PER_UPLOAD + FORM_OVERHEAD:
        raise EvidenceTooLarge.one(
            "file",
            f"Uppladdningen är för stor: högst {MAX_FILES_PER_UPLOAD} filer "
            f"om högst {describe_size(limit)} vardera.",
        )
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    files = [f for f in form.getall("file", []) if isinstance(f, UploadFile) and f.filename]
    if len(files) > MAX_FILES_PER_UPLOAD:
        for upload in files:
            await upload.close()
        raise EvidenceTooLarge.one("file", f"Högst {MAX_FILES_PER_UPLOAD} filer per uppladdning.")
    return fields, files


async def close_all(files: list[UploadFile]) -> None:
    """Release the spooled files of a request."""
    for upload in files:
        await upload.close()

"""Evidence files on results: stored by content hash, handed out only to readers of the control."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from internkontroll.auth.permissions import Action, require
from internkontroll.auth.principal import Principal
from internkontroll.controls.evidence_store import (
    EvidenceRejected,
    StoredEvidence,
    evidence_path,
    store_evidence,
)
from internkontroll.controls.results import get_result, insert_evidence, require_tester
from internkontroll.controls.testing_tables import EvidenceFile
from internkontroll.db import write_transaction
from internkontroll.errors import Conflict, FieldError, NotFound, ValidationFailed
from internkontroll.risks.register import MAX_ID
from internkontroll.settings import get_settings

MAX_FILES_PER_RESULT = 20


@dataclass(frozen=True)
class EvidenceDownload:
    """What a download needs: where the bytes are and what to call them."""

    path: Path
    original_name: str
    media_type: str


class EvidenceTooLarge(ValidationFailed):
    """An upload over the size limit: 413, naming the field."""

    status_code = 413


async def store_files(uploads: Sequence) -> list[StoredEvidence]:
    """Check and store uploaded files; 413 or 422 naming `file` on the first bad one."""
    settings = get_settings()
    stored = []
    for upload in uploads:
        try:
            stored.append(
                await store_evidence(
                    upload, upload.filename, settings.upload_dir, settings.evidence_max_bytes
                )
            )
        except EvidenceRejected as exc:
            error = FieldError("file", exc.message)
            raise (EvidenceTooLarge if exc.status == 413 else ValidationFailed)(error) from exc
    return stored


async def add_evidence(principal: Principal, result_id: int, uploads: Sequence) -> list[int]:
    """Check, store and attach files to an existing result; return the evidence ids."""
    result, context = await get_result(principal, result_id)
    require_tester(principal, context)
    stored = await store_files(uploads)
    async with write_transaction():
        count = await EvidenceFile.count().where(EvidenceFile.result == result_id)
        if count + len(stored) > MAX_FILES_PER_RESULT:
            raise Conflict(f"Ett resultat kan ha högst {MAX_FILES_PER_RESULT} bevisfiler.")
        return await insert_evidence(principal, result, stored, context.title)


async def evidence_download(principal: Principal, evidence_id: int) -> EvidenceDownload:
    """The file behind an evidence row, for a user who may read its control; 404 or 403."""
    if not 0 < evidence_id <= MAX_ID:
        raise NotFound("Filen finns inte.")
    row = await EvidenceFile.select().where(EvidenceFile.id == evidence_id).first()
    if row is None:
        raise NotFound("Filen finns inte.")
    require(principal, Action.VIEW_BOARD, row["board"])
    path = evidence_path(get_settings().upload_dir, row["sha256"])
    if not path.is_file():
        raise NotFound("Filen saknas i lagringen; kontakta systemförvaltaren.")
    return EvidenceDownload(path, row["original_name"], row["media_type"])

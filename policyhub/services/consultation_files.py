"""Files on a consultation's turns: checked by content, stored outside the web root, read back for those allowed."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from policyhub.extensions import db
from policyhub.models import ConsultationFile, ConsultationTurn
from policyhub.services.documents import sniff_kind
from policyhub.services.errors import Invalid

__all__ = ["ALLOWED_KINDS", "MAX_FILE_BYTES", "MAX_FILES_PER_TURN", "Upload", "attach", "check_uploads", "file_path"]

MAX_FILES_PER_TURN = 3
MAX_FILE_BYTES = 10 * 1024 * 1024
# What the content says the file is → the type it is served as.
ALLOWED_KINDS = {
    "pdf": "application/pdf",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_ALLOWED_TEXT = "PDF、JPG、PNG、DOCX、XLSX"


@dataclass(frozen=True)
class Upload:
    """A file as it arrived: the name the sender gave it and its bytes."""

    filename: str
    data: bytes


def _clean_name(filename: str) -> str:
    name = Path((filename or "").replace("\\", "/")).name.strip()
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>')
    return name[:200] or "附件"


def check_uploads(uploads: list[Upload], field: str = "files") -> list[str]:
    """The content kind of each upload; Invalid naming the field and the reason for a wrong one."""
    uploads = [u for u in uploads if u.filename or u.data]
    if len(uploads) > MAX_FILES_PER_TURN:
        raise Invalid("附件有误", fields={field: f"每次最多上传 {MAX_FILES_PER_TURN} 个文件（当前 {len(uploads)} 个）"})
    kinds = []
    for upload in uploads:
        name = _clean_name(upload.filename)
        if not upload.data:
            raise Invalid("附件有误", fields={field: f"“{name}”是空文件"})
        if len(upload.data) > MAX_FILE_BYTES:
            raise Invalid("附件有误", fields={field: f"“{name}”超过 10 MB"})
        kind = sniff_kind(upload.data)
        if kind not in ALLOWED_KINDS:
            # Judged by the bytes, not the name: a renamed .exe is still refused.
            raise Invalid("附件有误", fields={field: f"“{name}”不是 {_ALLOWED_TEXT} 文件（按文件内容判断）"})
        kinds.append(kind)
    return kinds


def _directory() -> Path:
    directory = Path(current_app.config["CONSULTATION_FILES_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def file_path(stored: ConsultationFile) -> Path:
    """Where a stored file's bytes are."""
    return _directory() / stored.stored_name


def attach(turn: ConsultationTurn, uploads: list[Upload]) -> list[ConsultationFile]:
    """Check and store the uploads on a turn (call before anything else changes: a bad file changes nothing)."""
    kinds = check_uploads(uploads)
    uploads = [u for u in uploads if u.filename or u.data]
    stored = []
    directory = _directory()
    for upload, kind in zip(uploads, kinds, strict=True):
        row = ConsultationFile(turn_id=turn.id, filename=_clean_name(upload.filename), kind=kind,
                               size=len(upload.data), sha256=hashlib.sha256(upload.data).hexdigest(),
                               stored_name=secrets.token_hex(16))
        (directory / row.stored_name).write_bytes(upload.data)
        db.session.add(row)
        stored.append(row)
    db.session.flush()
    return stored

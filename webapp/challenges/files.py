"""Attachments of applications and milestone reports.

A file is accepted by what it is, never by its name: PDF, PNG, JPEG, and Word (.docx) or Excel
(.xlsx) documents recognised from the [Content_Types].xml inside their ZIP container; anything else
(a program renamed .pdf, a macro-enabled document, a plain ZIP) is refused, as is a file over
CHALLENGE_FILE_MAX_MB (default 10). The stored name gets the extension of the detected type. Files
live in the database so that every web and worker process can serve them; the view serves them as
attachments (Content-Disposition: attachment) to the people `permissions.can_download` lets through.
"""

from __future__ import annotations

import io
import os
import unicodedata
import zipfile

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from webapp.challenges.errors import ChallengeError, TransitionError
from webapp.challenges.lifecycle import record
from webapp.challenges.models import Application, ApplicationStatus, Attachment, AttachmentKind, Challenge, Milestone
from webapp.challenges.posting import before_deadline
from webapp.core import stored_files
from webapp.core.permissions import require
from webapp.extensions import db

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXTENSIONS = {PDF: (".pdf",), PNG: (".png",), JPEG: (".jpg", ".jpeg"), DOCX: (".docx",), XLSX: (".xlsx",)}
# The main part of each Office format as [Content_Types].xml names it (macro-enabled variants differ).
OFFICE_PARTS = {
    DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
}
CONTENT_TYPES_MAX = 1024 * 1024
FILES_PER_OWNER = 20


class FileRejected(ChallengeError):
    field = "files"


def max_bytes() -> int:
    return int(float(current_app.config.get("CHALLENGE_FILE_MAX_MB", 10)) * 1024 * 1024)


def sniff(data: bytes) -> str | None:
    """The content type the bytes really are, among the allowed ones; None for anything else."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"PK\x03\x04"):
        return _office_type(data)
    return None


def _office_type(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > CONTENT_TYPES_MAX:
                return None
            types = archive.read(info).decode("utf-8", errors="replace")
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, NotImplementedError, EOFError):
        return None
    found = [kind for kind, part in OFFICE_PARTS.items() if part in types]
    return found[0] if len(found) == 1 else None


def clean_filename(filename: str | None, content_type: str) -> str:
    """The name's last path part without control characters, with the detected type's extension."""
    name = unicodedata.normalize("NFC", (filename or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C" and ch not in '"<>|:*?').strip(" .")
    stem, ext = os.path.splitext(name)
    allowed = EXTENSIONS[content_type]
    if ext.lower() not in allowed:
        looks_like_extension = 1 < len(ext) <= 6 and ext[1:].isalnum() and not ext[1:].isdigit()
        stem = stem if looks_like_extension else name  # report.exe → report.pdf; 方案v1.2 → 方案v1.2.pdf
        ext = allowed[0]
    stem = (stem or _("attachment"))[: 255 - len(ext)]
    return stem + ext.lower()


def check(filename: str | None, data: bytes) -> tuple[str, str]:
    """(stored name, content type) for an acceptable file; FileRejected otherwise."""
    if not data:
        raise FileRejected(_("The file “%(name)s” is empty.", name=filename or ""))
    limit = max_bytes()
    if len(data) > limit:
        raise FileRejected(
            _(
                "The file “%(name)s” is larger than %(mb)s MB.",
                name=filename or "",
                mb=current_app.config.get("CHALLENGE_FILE_MAX_MB", 10),
            )
        )
    content_type = sniff(data)
    if content_type is None:
        raise FileRejected(
            _("“%(name)s” is not a PDF, PNG, JPEG, Word (.docx) or Excel (.xlsx) file.", name=filename or "")
        )
    return clean_filename(filename, content_type), content_type


def store(
    user, challenge: Challenge, kind: AttachmentKind, owner_id: int, filename: str, content_type: str, data: bytes
) -> Attachment:
    """Keep a checked file (callers check permission and `check` the file first). The event is
    recorded on the application or milestone: a draft's file can be removed again."""
    if _count(kind, owner_id) >= FILES_PER_OWNER:
        raise FileRejected(_("At most %(count)s files can be attached.", count=FILES_PER_OWNER))
    attachment = Attachment(
        owner_kind=kind,
        owner_id=owner_id,
        challenge_id=challenge.id,
        **stored_files.columns(filename, content_type, data, user),
    )
    db.session.add(attachment)
    db.session.flush()
    record(
        "challenge_attachment.upload",
        _owner(attachment),
        user,
        after={"attachment_id": attachment.id, "filename": filename, "size": len(data)},
    )
    return attachment


def _owner(attachment: Attachment):
    model = Application if attachment.owner_kind is AttachmentKind.APPLICATION else Milestone
    return db.session.get(model, attachment.owner_id)


def _count(kind: AttachmentKind, owner_id: int) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count(Attachment.id)).where(
                Attachment.owner_kind == kind, Attachment.owner_id == owner_id
            )
        )
        or 0
    )


def files_of(kind: AttachmentKind, owner_id: int) -> list[Attachment]:
    """Without the bytes (the column is deferred)."""
    return list(
        db.session.scalars(
            sa.select(Attachment)
            .where(Attachment.owner_kind == kind, Attachment.owner_id == owner_id)
            .order_by(Attachment.id)
        )
    )


def _editable_application(user, application: Application) -> None:
    require(user is not None and user.is_authenticated and application.applicant_id == user.id)
    if application.status is not ApplicationStatus.DRAFT or not before_deadline(application.challenge):
        raise TransitionError(_("Files can be changed only while the application is a draft, before the deadline."))


def add_application_file(user, application: Application, filename: str, data: bytes) -> Attachment:
    _editable_application(user, application)
    name, content_type = check(filename, data)
    return store(user, application.challenge, AttachmentKind.APPLICATION, application.id, name, content_type, data)


def remove_file(user, attachment: Attachment) -> None:
    """An application's file, while the application is a draft."""
    if attachment.owner_kind is not AttachmentKind.APPLICATION:
        raise TransitionError(_("Evidence of a reported milestone stays with the report."))
    application = db.session.get(Application, attachment.owner_id)
    _editable_application(user, application)
    record(
        "challenge_attachment.delete",
        application,
        user,
        after={"attachment_id": attachment.id, "filename": attachment.filename},
    )
    db.session.delete(attachment)
    db.session.flush()

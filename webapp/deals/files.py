"""Evidence kept with a deal: the signed contract, the registration certificate, a payment's bank
slip or invoice, other documents.

A file is accepted by what its bytes are (PDF, PNG, JPEG, .docx, .xlsx — the same check as a
challenge's attachments, `webapp.challenges.files`), never by its name: a program renamed .pdf is
refused, and so is a file over the size limit. The bytes live in the database so that every process
can serve them; the view serves them as attachments to those who may see the deal.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp.challenges import files as challenge_files
from webapp.core import audit, stored_files
from webapp.core.permissions import require
from webapp.deals.access import can_manage, can_view
from webapp.deals.models import Deal, DealFile, DealFileKind, Payment
from webapp.deals.services import DealError, check_open
from webapp.extensions import db

FILES_PER_DEAL = 50


def check(filename: str | None, data: bytes) -> tuple[str, str]:
    """(stored name, content type) of an acceptable file; DealError with the reason otherwise."""
    try:
        return challenge_files.check(filename, data)
    except challenge_files.FileRejected as exc:
        raise DealError(str(exc)) from None


def attach_file(
    user, deal: Deal, kind: DealFileKind, upload: tuple[str, bytes], payment: Payment | None = None
) -> DealFile:
    """Keep `upload` (filename, bytes) with the deal; a payment's evidence with that payment."""
    require(can_manage(deal, user))
    check_open(deal)
    kind = DealFileKind(kind)
    if (kind is DealFileKind.PAYMENT) != (payment is not None):
        raise DealError(_("Payment evidence belongs to a payment."))
    if payment is not None and payment.deal_id != deal.id:
        raise DealError(_("That payment belongs to another deal."))
    count = db.session.scalar(sa.select(sa.func.count(DealFile.id)).where(DealFile.deal_id == deal.id)) or 0
    if count >= FILES_PER_DEAL:
        raise DealError(_("At most %(count)s files can be kept with a deal.", count=FILES_PER_DEAL))
    filename, data = upload
    name, content_type = check(filename, data)
    stored = DealFile(
        deal_id=deal.id,
        payment_id=payment.id if payment else None,
        kind=kind,
        **stored_files.columns(name, content_type, data, user),
    )
    db.session.add(stored)
    db.session.flush()
    audit.record(
        "deal.file",
        deal,
        actor=user,
        after={
            "file": stored.id,
            "kind": kind,
            "filename": name,
            "size": len(data),
            "payment": payment.id if payment else None,
        },
    )
    return stored


def files_of(deal: Deal) -> list[DealFile]:
    """The deal's files without their bytes (the column is deferred), oldest first."""
    return list(
        db.session.scalars(
            sa.select(DealFile).where(DealFile.deal_id == deal.id).order_by(DealFile.uploaded_at, DealFile.id)
        )
    )


def can_download(user, deal: Deal) -> bool:
    return can_view(deal, user)

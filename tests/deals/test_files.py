"""Evidence kept with a deal: a payment's bank slip uploaded with the payment and attached to it,
downloaded by a party as an attachment, refused to strangers; files are accepted by their content
(a program renamed .pdf is refused, and the payment with it); documents and the registration
certificate."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from tests.challenges.test_files import DOCX_BYTES, EXE_BYTES
from tests.deals.test_pages import deal_id_of, login, open_direct, text, world  # noqa: F401 (fixtures)
from webapp.core.audit import AuditEvent
from webapp.deals.models import Deal, DealFile, DealFileKind, Payment

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def signed_deal(world, login):  # noqa: F811
    broker = login(world.broker)
    deal_id = open_direct(broker, world, "20")
    assert broker.post(f"/deals/{deal_id}/sign", {"signed_on": "2025-03-01"}).status_code == 302
    return broker, deal_id


def pay(client, deal_id, amount="5", filename="回单.pdf", data=PDF):
    return client.post(
        f"/deals/{deal_id}/payments",
        {
            "received_on": "2025-04-01",
            "amount": amount,
            "evidence": "工行回单 20250401",
            "evidence_file": (io.BytesIO(data), filename),
        },
        content_type="multipart/form-data",
    )


def test_payment_evidence_is_kept_with_the_payment_and_served_to_parties(world, login, signed_deal, query):  # noqa: F811
    broker, deal_id = signed_deal
    assert pay(broker, deal_id).status_code == 302
    payment_id, stored = query(
        lambda s: (
            s.scalar(sa.select(Payment.id).where(Payment.deal_id == deal_id)),
            s.scalars(sa.select(DealFile).where(DealFile.deal_id == deal_id)).one(),
        )
    )
    assert (stored.kind, stored.payment_id, stored.filename, stored.content_type, stored.size) == (
        DealFileKind.PAYMENT,
        payment_id,
        "回单.pdf",
        "application/pdf",
        len(PDF),
    )
    page = text(login(world.researcher).get(f"/deals/{deal_id}"))
    row = re.search(rf'<tr data-payment="{payment_id}".*?</tr>', page, re.S).group(0)
    assert f'href="/deals/{deal_id}/files/{stored.id}"' in row and "工行回单 20250401" in row

    download = login(world.researcher).get(f"/deals/{deal_id}/files/{stored.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert login(world.enterprise).get(f"/deals/{deal_id}/files/{stored.id}").status_code == 200
    assert login(world.stranger).get(f"/deals/{deal_id}/files/{stored.id}").status_code == 403
    assert login(world.other_broker).get(f"/deals/{deal_id}/files/{stored.id}").status_code == 403
    assert login(world.researcher).get(f"/deals/{deal_id}/files/{stored.id + 1000}").status_code == 404
    events = query(
        lambda s: s.scalars(
            sa.select(AuditEvent.after).where(AuditEvent.action == "deal.file", AuditEvent.object_id == deal_id)
        ).all()
    )
    assert [(e["kind"], e["filename"], e["payment"]) for e in events] == [("payment", "回单.pdf", payment_id)]


def test_a_program_renamed_pdf_is_refused_and_nothing_is_recorded(signed_deal, query):
    broker, deal_id = signed_deal
    refused = pay(broker, deal_id, filename="回单.pdf", data=EXE_BYTES)
    assert refused.status_code == 200
    body = text(refused)
    assert "“回单.pdf” is not a PDF, PNG, JPEG, Word (.docx) or Excel (.xlsx) file." in body
    assert 'value="5"' in body and "工行回单 20250401" in body  # what was typed is still there
    assert query(
        lambda s: (
            s.get(Deal, deal_id).received_total,
            s.scalar(sa.select(sa.func.count(DealFile.id)).where(DealFile.deal_id == deal_id)),
        )
    ) == (0, 0)


def test_an_oversized_file_is_refused(app, signed_deal, query):
    broker, deal_id = signed_deal
    old = app.config.get("CHALLENGE_FILE_MAX_MB")
    app.config["CHALLENGE_FILE_MAX_MB"] = 0.001  # about 1 KB
    try:
        refused = pay(broker, deal_id, data=PDF + b"0" * 2048)
    finally:
        if old is None:
            app.config.pop("CHALLENGE_FILE_MAX_MB")
        else:
            app.config["CHALLENGE_FILE_MAX_MB"] = old
    assert refused.status_code == 200 and "is larger than" in text(refused)
    assert query(lambda s: s.get(Deal, deal_id).received_total) == 0


def test_documents_and_the_registration_certificate(world, login, signed_deal, query):  # noqa: F811
    broker, deal_id = signed_deal
    response = broker.post(
        f"/deals/{deal_id}/register",
        {
            "registration_no": f"2025120{world.uid}",
            "registered_on": "2025-03-05",
            "certificate_kind": "registration",
            "certificate": (io.BytesIO(PDF), "登记证明.exe"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    attached = broker.post(
        f"/deals/{deal_id}/files",
        {"kind": "contract", "upload": (io.BytesIO(DOCX_BYTES), "技术开发合同.docx")},
        content_type="multipart/form-data",
    )
    assert attached.status_code == 302
    files = query(
        lambda s: s.execute(
            sa.select(DealFile.kind, DealFile.filename, DealFile.payment_id)
            .where(DealFile.deal_id == deal_id)
            .order_by(DealFile.id)
        ).all()
    )
    assert [tuple(f) for f in files] == [
        (DealFileKind.REGISTRATION, "登记证明.pdf", None),
        (DealFileKind.CONTRACT, "技术开发合同.docx", None),
    ]
    page = text(login(world.enterprise).get(f"/deals/{deal_id}"))
    assert re.findall(r'<li data-file="\d+" data-kind="(\w+)"', page) == ["registration", "contract"]

    empty = broker.post(f"/deals/{deal_id}/files", {"kind": "other"}, content_type="multipart/form-data")
    assert empty.status_code == 200 and "Choose a file." in text(empty)
    assert (
        login(world.researcher)
        .post(
            f"/deals/{deal_id}/files",
            {"kind": "other", "upload": (io.BytesIO(PDF), "x.pdf")},
            content_type="multipart/form-data",
        )
        .status_code
        == 403
    )

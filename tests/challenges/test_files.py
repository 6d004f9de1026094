"""Attachments: the size limit, types recognised by content and never by name, and who may
download a file."""

from __future__ import annotations

import io
import zipfile

import pytest
from flask_babel import force_locale
from openpyxl import Workbook

from tests import clock
from tests.challenges import factory
from webapp.challenges import applications, delivery, files, permissions, review
from webapp.challenges.errors import TransitionError
from webapp.challenges.files import DOCX, JPEG, PDF, PNG, XLSX, FileRejected
from webapp.core.permissions import PermissionDenied

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG_BYTES = b"\xff\xd8\xff\xe0" + b"\x00" * 64
EXE_BYTES = b"MZ\x90\x00\x03" + b"\x00" * 200


def office_zip(main_part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            (
                '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                f'content-types"><Override PartName="/word/document.xml" ContentType="{main_part}"/></Types>'
            ),
        )
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    book = Workbook()
    book.active["A1"] = "经费预算"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


DOCX_BYTES = office_zip("application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml")
DOCM_BYTES = office_zip("application/vnd.ms-word.document.macroEnabled.main+xml")


@pytest.mark.parametrize(
    ("name", "data", "stored", "kind"),
    [
        ("技术方案.pdf", factory.PDF, "技术方案.pdf", PDF),
        ("团队照片.PNG", PNG_BYTES, "团队照片.png", PNG),
        ("现场.jpeg", JPEG_BYTES, "现场.jpeg", JPEG),
        ("申报书.docx", DOCX_BYTES, "申报书.docx", DOCX),
        ("预算表.xlsx", xlsx_bytes(), "预算表.xlsx", XLSX),
        ("预算表", xlsx_bytes(), "预算表.xlsx", XLSX),  # no extension: the type's is added
        ("scan.exe", factory.PDF, "scan.pdf", PDF),  # a PDF is a PDF whatever it is called
        ("C:\\Users\\李\\方案v1.2", factory.PDF, "方案v1.2.pdf", PDF),
    ],
)
def test_allowed_types_are_recognised_by_their_content(app_ctx, name, data, stored, kind):
    assert files.check(name, data) == (stored, kind)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("setup.pdf", EXE_BYTES),  # a program renamed .pdf
        ("宏.docx", DOCM_BYTES),  # a macro-enabled document
        ("archive.docx", office_zip("application/xml")),  # a ZIP that is no Word document
        ("broken.docx", b"PK\x03\x04 not really a zip"),
        ("notes.txt", "纯文本".encode()),
        ("empty.pdf", b""),
    ],
)
def test_anything_else_is_refused_whatever_its_name(app_ctx, name, data):
    with pytest.raises(FileRejected):
        files.check(name, data)


def test_files_over_the_size_limit_are_refused(app):
    app.config["CHALLENGE_FILE_MAX_MB"] = 1
    try:
        with app.app_context():
            files.check("ok.pdf", factory.PDF + b"0" * (1024 * 1024 - len(factory.PDF)))
            with force_locale("en"), pytest.raises(FileRejected, match="larger than 1 MB"):
                files.check("big.pdf", factory.PDF + b"0" * (1024 * 1024))
    finally:
        del app.config["CHALLENGE_FILE_MAX_MB"]
    with app.app_context():
        assert files.max_bytes() == 10 * 1024 * 1024


def test_application_files_are_added_to_a_draft_and_downloaded_only_by_those_allowed(people):
    p = people
    challenge = factory.published(p)
    application = factory.apply(p.tju, challenge, submit=False)
    with pytest.raises(PermissionDenied):
        files.add_application_file(p.nku, application, "x.pdf", factory.PDF)
    attachment = files.add_application_file(p.tju, application, "技术方案.pdf", factory.PDF)
    assert (attachment.size, attachment.content_type, len(attachment.sha256)) == (len(factory.PDF), PDF, 64)
    assert permissions.can_download(p.tju, attachment)
    assert not permissions.can_download(p.owner, attachment)  # still a draft
    assert not permissions.can_download(p.admin, attachment)  # a draft is the applicant's own
    applications.submit_application(p.tju, application)
    with pytest.raises(TransitionError):
        files.add_application_file(p.tju, application, "late.pdf", factory.PDF)
    assert permissions.can_download(p.owner, attachment)
    for outsider in (p.nku, p.rival, p.expert, None):
        assert not permissions.can_download(outsider, attachment)

    factory.closed(p, challenge)
    applications.check_application(p.admin, application, True)
    review.assign_expert(p.admin, challenge, p.expert)
    review.assign_expert(p.admin, challenge, p.expert_tju)  # excluded: TJU's own expert
    assert not permissions.can_download(p.expert, attachment)  # not declared yet
    review.declare_conflict(p.expert, application, False)
    assert permissions.can_download(p.expert, attachment)
    assert not permissions.can_download(p.expert_tju, attachment)


def test_an_application_and_its_files_are_for_the_same_people(people):
    """The page and the downloads follow one rule: a draft is the applicant's alone (admins too
    wait for the submission), and a deactivated account sees neither."""
    p = people
    application = factory.apply(p.tju, factory.published(p), submit=False)
    attachment = files.add_application_file(p.tju, application, "技术方案.pdf", factory.PDF)
    everyone = (p.tju, p.owner, p.admin, p.nku, p.expert, None)

    def readers() -> list:
        seen = [permissions.can_view_application(user, application) for user in everyone]
        assert seen == [permissions.can_download(user, attachment) for user in everyone]
        return [user for user, ok in zip(everyone, seen, strict=True) if ok]

    assert readers() == [p.tju]
    applications.submit_application(p.tju, application)
    assert readers() == [p.tju, p.owner, p.admin]
    p.owner.active = p.tju.active = False
    assert readers() == [p.admin]


def test_milestone_evidence_is_for_the_enterprise_the_winners_and_admins(people):
    p = people
    challenge, _apps = factory.contracted(p)
    first = challenge.milestones[0]
    with pytest.raises(FileRejected):
        delivery.report_milestone(p.tju, first, "报告", [("evidence.pdf", EXE_BYTES)])
    assert challenge.status.value == "contracted"  # nothing changed
    delivery.report_milestone(p.tju, first, "报告", [("检测报告.pdf", factory.PDF), ("现场.png", PNG_BYTES)])
    evidence = delivery.evidence(first)
    assert [e.filename for e in evidence] == ["检测报告.pdf", "现场.png"]
    assert evidence[0].uploaded_at == clock.now()
    for allowed in (p.owner, p.tju, p.admin):
        assert permissions.can_download(allowed, evidence[0])
    for outsider in (p.nku, p.expert, p.rival):
        assert not permissions.can_download(outsider, evidence[0])
    with pytest.raises(TransitionError):
        files.remove_file(p.tju, evidence[0])  # evidence stays with its report


def test_a_drafts_file_can_be_removed(people):
    p = people
    challenge = factory.published(p)
    application = factory.apply(p.nku, challenge, submit=False)
    attachment = files.add_application_file(p.nku, application, "旧版.pdf", factory.PDF)
    files.remove_file(p.nku, attachment)
    assert files.files_of(attachment.owner_kind, application.id) == []

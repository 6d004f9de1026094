"""The enterprise files its report (draft, evidence, submission); the district returns it with a
comment or accepts it with a rating. Every step checks who acts, is audited and tells the other side."""

from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy as sa

from tests.challenges.test_files import EXE_BYTES, PNG_BYTES
from tests.performance import factory
from webapp.core.audit import AuditEvent
from webapp.core.permissions import PermissionDenied
from webapp.extensions import db
from webapp.notifications.models import Notification
from webapp.performance import services
from webapp.performance.models import Rating, ReportStatus
from webapp.performance.services import ReportError, ReportInput


@pytest.fixture
def report(people):
    return factory.report_of(challenge=factory.completed(people))


def _actions(report) -> list[str]:
    return db.session.scalars(
        sa.select(AuditEvent.action)
        .where(AuditEvent.object_type == "performance_reports", AuditEvent.object_id == report.id)
        .order_by(AuditEvent.id)
    ).all()


def _kinds(user) -> list[str]:
    return db.session.scalars(
        sa.select(Notification.kind).where(Notification.user_id == user.id).order_by(Notification.id)
    ).all()


def test_the_indicators_are_read_one_by_one(report):
    assert services.indicators(report) == ["良率≥95%"]
    report.challenge.indicators = "良率≥95%，气孔率≤0.5%\n寿命≥1,000小时；成本降低10%"
    assert services.indicators(report) == ["良率≥95%", "气孔率≤0.5%", "寿命≥1,000小时", "成本降低10%"]


def test_a_draft_keeps_what_is_filled_in_and_submission_asks_for_everything(people, report):
    services.save_draft(people.owner, report, ReportInput(sales=300 * factory.WAN, jobs=4))
    assert (report.sales, report.jobs, report.status) == (3_000_000, 4, ReportStatus.DRAFT)
    with pytest.raises(ReportError) as refused:
        services.submit(people.owner, report, ReportInput(sales=300 * factory.WAN))
    assert {"new_products", "cost_saved", "outcomes-0", "commitment", "summary"} <= refused.value.errors.keys()
    assert "sales" not in refused.value.errors
    assert report.status is ReportStatus.DRAFT


def test_bad_figures_are_refused_by_name(people, report):
    bad = factory.complete_input(report, jobs=-1, patents_filed=1, patents_granted=2, follow_on_contracts=0)
    with pytest.raises(ReportError) as refused:
        services.save_draft(people.owner, report, bad)
    assert set(refused.value.errors) == {"jobs", "patents_granted", "follow_on_value"}
    assert report.jobs is None


def test_submission_needs_evidence_checked_like_every_upload(people, report, app):
    with pytest.raises(ReportError) as refused:
        services.submit(people.owner, report, factory.complete_input(report))
    assert "files" in refused.value.errors
    with pytest.raises(ReportError) as refused:
        services.add_evidence(people.owner, report, "销售台账.pdf", EXE_BYTES)
    assert "not a PDF" in refused.value.errors["files"]
    app.config["CHALLENGE_FILE_MAX_MB"] = 0.0001
    try:
        with pytest.raises(ReportError) as refused:
            services.add_evidence(people.owner, report, "大文件.pdf", factory.PDF + b"x" * 200)
    finally:
        app.config["CHALLENGE_FILE_MAX_MB"] = 10
    assert "larger than" in refused.value.errors["files"]
    stored = services.add_evidence(people.owner, report, "专利证书.exe", PNG_BYTES)
    assert (stored.filename, stored.content_type) == ("专利证书.png", "image/png")
    services.submit(people.owner, report, factory.complete_input(report))
    assert report.status is ReportStatus.SUBMITTED and report.submitted_at is not None
    assert report.outcomes == [{"indicator": "良率≥95%", "outcome": "已达到：良率≥95%"}]
    assert "performance.submitted" in _kinds(people.admin)
    assert _actions(report)[-2:] == ["performance.file", "performance.submit"]


def test_only_the_enterprise_files_and_only_the_district_reviews(people, report):
    for other in (people.rival, people.tju, people.admin, people.expert):
        with pytest.raises(PermissionDenied):
            services.save_draft(other, report, ReportInput(jobs=1))
        with pytest.raises(PermissionDenied):
            services.add_evidence(other, report, "a.pdf", factory.PDF)
    services.add_evidence(people.owner, report, "台账.pdf", factory.PDF)
    with pytest.raises(PermissionDenied):  # not submitted yet
        services.accept(people.admin, report, Rating.GOOD, "好")
    services.submit(people.owner, report, factory.complete_input(report))
    with pytest.raises(PermissionDenied):  # submitted: the enterprise waits
        services.save_draft(people.owner, report, ReportInput(jobs=1))
    for other in (people.owner, people.rival, people.tju):
        with pytest.raises(PermissionDenied):
            services.accept(other, report, Rating.EXCELLENT, "自评优秀")
        with pytest.raises(PermissionDenied):
            services.return_report(other, report, "退回")


def test_returned_with_a_comment_then_filed_again_and_rated(people, report):
    services.add_evidence(people.owner, report, "台账.pdf", factory.PDF)
    services.submit(people.owner, report, factory.complete_input(report))
    with pytest.raises(ReportError) as refused:
        services.return_report(people.admin, report, "  ")
    assert "comment" in refused.value.errors
    services.return_report(people.admin, report, "销售额缺少发票佐证")
    assert (report.status, report.return_comment) == (ReportStatus.RETURNED, "销售额缺少发票佐证")
    assert _kinds(people.owner)[-1] == "performance.returned"
    note = db.session.scalars(sa.select(Notification).where(Notification.user_id == people.owner.id)).all()[-1]
    assert "销售额缺少发票佐证" in note.text

    services.add_evidence(people.owner, report, "发票.pdf", factory.PDF)
    services.submit(
        people.owner, report, dataclasses.replace(factory.complete_input(report), sales=1_300 * factory.WAN)
    )
    with pytest.raises(ReportError) as refused:
        services.accept(people.admin, report, None, "")
    assert set(refused.value.errors) == {"rating", "comment"}
    services.accept(people.admin, report, "excellent", "指标全面达成，带动效应明显")
    assert (report.status, report.rating, report.reviewed_by_id) == (
        ReportStatus.ACCEPTED,
        Rating.EXCELLENT,
        people.admin.id,
    )
    note = db.session.scalars(sa.select(Notification).where(Notification.user_id == people.owner.id)).all()[-1]
    assert note.kind == "performance.accepted" and "Excellent" in note.text
    assert _actions(report) == [
        "performance.open",
        "performance.file",
        "performance.submit",
        "performance.return",
        "performance.file",
        "performance.submit",
        "performance.accept",
    ]


def test_evidence_of_a_draft_can_be_removed_not_that_of_a_submitted_report(people, report):
    stored = services.add_evidence(people.owner, report, "错传.pdf", factory.PDF)
    services.remove_evidence(people.owner, stored)
    assert report.files == []
    kept = services.add_evidence(people.owner, report, "台账.pdf", factory.PDF)
    services.submit(people.owner, report, factory.complete_input(report))
    with pytest.raises(PermissionDenied):
        services.remove_evidence(people.owner, kept)


def test_a_deals_report_has_no_indicators_nor_commitment(people):
    broker = factory.broker()
    report = factory.report_of(deal=factory.paid(people, broker))
    assert services.indicators(report) == []
    services.add_evidence(people.owner, report, "台账.pdf", factory.PDF)
    services.submit(people.owner, report, factory.complete_input(report))
    assert report.status is ReportStatus.SUBMITTED and report.outcomes is None

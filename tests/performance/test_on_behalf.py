"""A deal whose need came from the district's lists has no enterprise account to file its report: an
admin files it on the enterprise's behalf, saying where the figures come from; the audit log says so,
the district reviews it as any other, and the admin who filed it hears of the review. Nobody else
files it, and an admin never files the report of an enterprise that has an account."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.challenges.test_files import EXE_BYTES
from tests.performance import factory
from webapp.core.audit import AuditEvent
from webapp.core.permissions import PermissionDenied
from webapp.extensions import db
from webapp.notifications.models import Notification
from webapp.performance import services
from webapp.performance.models import Rating, ReportStatus
from webapp.performance.services import ReportError, ReportInput

NOTE = "2027年3月5日电话向企业财务核实"


@pytest.fixture
def ownerless(people):
    """The due report of a deal paid in full whose need side has no account."""
    report = factory.report_of(deal=factory.paid(people, factory.broker(), ownerless=True))
    assert report.enterprise_id is None and report.enterprise_name == factory.IMPORTED_ENTERPRISE
    return report


def _events(report) -> list[AuditEvent]:
    return db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.object_type == "performance_reports", AuditEvent.object_id == report.id)
        .order_by(AuditEvent.id)
    ).all()


def _texts(user, kind: str) -> list[str]:
    return [
        n.text
        for n in db.session.scalars(
            sa.select(Notification).where(Notification.user_id == user.id, Notification.kind == kind)
        )
    ]


def test_an_admin_files_the_report_on_the_enterprises_behalf_and_another_reviews_it(people, ownerless):
    report, admin, reviewer = ownerless, people.admin, factory.admin()
    services.save_draft(admin, report, ReportInput(sales=300 * factory.WAN, filed_note="企业财务纸质报表（待核实）"))
    assert (report.sales, report.filed_by_id, report.filed_note) == (3_000_000, admin.id, "企业财务纸质报表（待核实）")
    with pytest.raises(ReportError) as refused:  # the same upload check as the enterprise's
        services.add_evidence(admin, report, "销售台账.pdf", EXE_BYTES)
    assert "not a PDF" in refused.value.errors["files"]
    services.add_evidence(admin, report, "电话核实记录.pdf", factory.PDF)

    # Submitting asks where the figures come from; refused, nothing changes.
    with pytest.raises(ReportError) as refused:
        services.submit(admin, report, factory.complete_input(report, filed_note="  "))
    assert list(refused.value.errors) == ["filed_note"]
    assert "Say where the figures come from" in refused.value.errors["filed_note"]
    with pytest.raises(ReportError) as refused:
        services.submit(admin, report, factory.complete_input(report, filed_note="电" * 501))
    assert "at most 500 characters" in refused.value.errors["filed_note"]
    assert (report.status, report.sales, report.filed_note) == (
        ReportStatus.DRAFT,
        3_000_000,
        "企业财务纸质报表（待核实）",
    )

    services.submit(admin, report, factory.complete_input(report, filed_note=f" {NOTE} "))
    assert (report.status, report.filed_by_id, report.filed_note) == (ReportStatus.SUBMITTED, admin.id, NOTE)
    assert report.filed_on_behalf and report.sales == 1_250 * factory.WAN
    assert len(_texts(reviewer, "performance.submitted")) == 1

    services.return_report(reviewer, report, "请补充发票")
    [returned] = _texts(admin, "performance.behalf_returned")
    assert "you filed on the enterprise’s behalf was returned for changes: 请补充发票" in returned
    services.submit(admin, report, factory.complete_input(report, jobs=15, filed_note=f"{NOTE}；3月8日补充发票"))
    services.accept(reviewer, report, Rating.GOOD, "数据经核实")
    assert (report.status, report.rating, report.jobs) == (ReportStatus.ACCEPTED, Rating.GOOD, 15)
    assert report.filed_note == f"{NOTE}；3月8日补充发票"
    [rated] = _texts(admin, "performance.behalf_accepted")
    assert "rated Good" in rated

    filed = [e for e in _events(report) if e.actor_id == admin.id]
    assert [e.action for e in filed] == [
        "performance.save",
        "performance.file",
        "performance.submit",
        "performance.submit",
    ]
    assert all(e.after["on_behalf"] is True and e.after["recorded_by"] == admin.id for e in filed)
    assert filed[2].after["filed_note"] == NOTE and filed[2].before["filed_note"] == "企业财务纸质报表（待核实）"
    reviewed = [e for e in _events(report) if e.actor_id == reviewer.id]
    assert [e.action for e in reviewed] == ["performance.return", "performance.accept"]
    assert not any("on_behalf" in (e.after or {}) for e in reviewed)


def test_removing_evidence_on_the_enterprises_behalf_is_audited_so(people, ownerless):
    stored = services.add_evidence(people.admin, ownerless, "错传的文件.pdf", factory.PDF)
    services.remove_evidence(people.admin, stored)
    assert ownerless.files == []
    removed = _events(ownerless)[-1]
    assert removed.action == "performance.file_remove" and removed.actor_id == people.admin.id
    assert removed.after == {"on_behalf": True, "recorded_by": people.admin.id}


def test_nobody_else_files_it_and_no_admin_files_an_enterprises_own(people, ownerless):
    broker = factory.broker()
    for user in (broker, people.tju, people.owner, people.rival):
        with pytest.raises(PermissionDenied):
            services.save_draft(user, ownerless, factory.complete_input(ownerless, filed_note=NOTE))
        with pytest.raises(PermissionDenied):
            services.add_evidence(user, ownerless, "台账.pdf", factory.PDF)
    owned = factory.report_of(deal=factory.paid(people, broker))
    assert owned.enterprise_id == people.owner.id
    with pytest.raises(PermissionDenied):
        services.save_draft(people.admin, owned, factory.complete_input(owned, filed_note=NOTE))
    with pytest.raises(PermissionDenied):
        services.add_evidence(people.admin, owned, "台账.pdf", factory.PDF)
    # The enterprise files its own with no note asked for, and a note it sends is not kept.
    services.add_evidence(people.owner, owned, "台账.pdf", factory.PDF)
    services.submit(people.owner, owned, factory.complete_input(owned, filed_note="企业自填"))
    assert (owned.status, owned.filed_by_id, owned.filed_note) == (ReportStatus.SUBMITTED, None, None)
    assert "on_behalf" not in _events(owned)[-1].after

    # Once submitted, not even an admin changes the report filed on the enterprise's behalf.
    services.add_evidence(people.admin, ownerless, "台账.pdf", factory.PDF)
    services.submit(people.admin, ownerless, factory.complete_input(ownerless, filed_note=NOTE))
    with pytest.raises(PermissionDenied):
        services.save_draft(people.admin, ownerless, factory.complete_input(ownerless, filed_note=NOTE))

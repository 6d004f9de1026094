"""A performance report falls due once, in the transaction that completes a challenge or pays a deal
in full, PERFORMANCE_REPORT_MONTHS later on the Beijing calendar; the enterprise is told."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from tests.challenges import factory as challenges
from tests.performance import factory
from webapp.challenges import delivery
from webapp.core.audit import AuditEvent
from webapp.deals import services as deals
from webapp.extensions import db
from webapp.notifications.models import Notification
from webapp.performance import services
from webapp.performance.models import PerformanceReport, ReportStatus


def _notes(user, kind):
    return db.session.scalars(
        sa.select(Notification).where(Notification.user_id == user.id, Notification.kind == kind)
    ).all()


def test_completing_a_challenge_makes_its_report_due_a_year_later_on_the_beijing_day(people):
    # 17:30 UTC on 30 June is already 1 July in Beijing.
    challenge = factory.completed(people, at=datetime(2026, 6, 30, 17, 30, tzinfo=UTC))
    report = factory.report_of(challenge=challenge)
    assert report.status is ReportStatus.DRAFT
    assert report.enterprise_id == people.owner.id and report.title == challenge.title
    assert (report.opened_on, report.due_on) == (date(2026, 7, 1), date(2027, 7, 1))
    [note] = _notes(people.owner, "performance.due")
    assert "2027-07-01" in note.text and note.link == f"/performance/{report.id}"
    events = db.session.scalars(
        sa.select(AuditEvent.action).where(
            AuditEvent.object_type == "performance_reports", AuditEvent.object_id == report.id
        )
    ).all()
    assert events == ["performance.open"]


def test_the_months_come_from_the_configuration(people, app):
    app.config["PERFORMANCE_REPORT_MONTHS"] = 6
    try:
        challenge = factory.completed(people, at=datetime(2026, 8, 31, 2, 0, tzinfo=UTC))
    finally:
        app.config["PERFORMANCE_REPORT_MONTHS"] = 12
    # 31 August + 6 months: the last day of February.
    assert factory.report_of(challenge=challenge).due_on == date(2027, 2, 28)


def test_a_challenge_has_one_report_however_often_it_falls_due(people):
    challenge = factory.completed(people)
    first = factory.report_of(challenge=challenge)
    assert services.open_report(challenge=challenge) is first
    assert db.session.scalar(sa.select(sa.func.count(PerformanceReport.id))) >= 1
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(
            PerformanceReport(challenge_id=challenge.id, title="重复", opened_on=first.opened_on, due_on=first.due_on)
        )
        db.session.flush()
    assert len(_notes(people.owner, "performance.due")) == 1


def test_a_deal_falls_due_only_when_paid_in_full(people):
    broker = factory.broker()
    deal = factory.deal(people, broker, value=100 * factory.WAN)
    deals.record_payment(broker, deal, deal.signed_on, 40 * factory.WAN)
    assert factory.report_of(deal=deal) is None
    deals.record_payment(broker, deal, deal.signed_on, 60 * factory.WAN)
    report = factory.report_of(deal=deal)
    assert report is not None and report.enterprise_id == people.owner.id
    assert report.opened_on == deal.signed_on and report.due_on.year == deal.signed_on.year + 1
    assert len(_notes(people.owner, "performance.due")) == 1
    assert _notes(people.tju, "performance.due") == []  # the researcher files nothing


def test_a_value_corrected_down_to_what_was_received_pays_the_deal_in_full(people):
    broker = factory.broker()
    deal = factory.deal(people, broker, value=100 * factory.WAN)
    deals.record_payment(broker, deal, deal.signed_on, 80 * factory.WAN)
    assert factory.report_of(deal=deal) is None
    deals.set_value(broker, deal, 80 * factory.WAN)
    assert factory.report_of(deal=deal) is not None
    deals.set_value(broker, deal, 80 * factory.WAN)  # unchanged: still one report
    assert db.session.scalar(sa.select(sa.func.count()).where(PerformanceReport.deal_id == deal.id)) == 1


def test_the_report_falls_due_in_the_completions_own_transaction(people):
    challenge, _apps = challenges.contracted(people)
    for milestone in challenge.milestones:
        delivery.report_milestone(people.tju, milestone, "阶段完成", [("报告.pdf", factory.PDF)])
        delivery.approve_milestone(people.owner, milestone)
    savepoint = db.session.begin_nested()
    delivery.final_acceptance(people.owner, challenge, "专家组一致同意通过验收")
    assert factory.report_of(challenge=challenge) is not None
    savepoint.rollback()  # the acceptance fails to commit: no report is left due
    assert factory.report_of(challenge=challenge) is None

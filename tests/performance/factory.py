"""Completed challenges and deals paid in full, made through the services (their performance report
falls due on the way), and the figures of a complete report."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from tests import clock
from tests.challenges import factory
from webapp.accounts.models import Role, User
from webapp.challenges import delivery
from webapp.challenges.models import Challenge
from webapp.deals import opening, services
from webapp.deals.models import ContractType, Deal
from webapp.extensions import db
from webapp.performance.models import PerformanceReport
from webapp.performance.services import ReportInput

PDF = factory.PDF
WAN = 10_000
# The enterprise of a need imported from the district's lists: named on the deal, no account.
IMPORTED_ENTERPRISE = "天津津南某压铸有限公司"


def completed(people: factory.People, at: datetime | None = None, **overrides) -> Challenge:
    """Contracted, every milestone reported and approved, accepted (at `at`, if given)."""
    challenge, _apps = factory.contracted(people, **overrides)
    for milestone in challenge.milestones:
        delivery.report_milestone(people.tju, milestone, "阶段完成", [("报告.pdf", PDF)])
        delivery.approve_milestone(people.owner, milestone)
    if at is not None:
        clock.set_time(at)
    delivery.final_acceptance(people.owner, challenge, "专家组一致同意通过验收")
    return challenge


def broker() -> User:
    return factory.user(Role.BROKER, f"张经纪{uuid.uuid4().hex[:4]}")


def deal(
    people: factory.People, by: User, value: int = 100 * WAN, signed_on: date | None = None, ownerless: bool = False
) -> Deal:
    """A signed deal between the enterprise (the need side) and the TJU researcher; `ownerless`: the
    need side is an enterprise from the district's lists without an account (nor organisation row)."""
    need_side = (
        {"need_party": IMPORTED_ENTERPRISE}
        if ownerless
        else {
            "need_party": people.owner.organisation.name,
            "need_org_id": people.owner.organisation_id,
            "need_user_id": people.owner.id,
        }
    )
    opened = opening.create_direct(
        by,
        title=f"储能电池液冷技术开发{uuid.uuid4().hex[:4]}",
        parties=opening.Parties(
            **need_side,
            provider_party=people.tju.organisation.name,
            provider_org_id=people.tju.organisation_id,
            provider_user_id=people.tju.id,
        ),
        contract_type=ContractType.DEVELOPMENT,
        contract_value=value,
    )
    services.sign(by, opened, signed_on or clock.today())
    return opened


def paid(people: factory.People, by: User, value: int = 100 * WAN, ownerless: bool = False) -> Deal:
    found = deal(people, by, value, ownerless=ownerless)
    services.record_payment(by, found, clock.today(), value)
    return found


def admin(name: str = "区科技局审核员") -> User:
    """Another administrator of the district (people.admin is the first)."""
    return factory.user(Role.ADMIN, f"{name}{uuid.uuid4().hex[:4]}")


def report_of(challenge: Challenge | None = None, deal: Deal | None = None) -> PerformanceReport | None:
    column = PerformanceReport.challenge_id if challenge is not None else PerformanceReport.deal_id
    subject = challenge if challenge is not None else deal
    return db.session.query(PerformanceReport).filter(column == subject.id).one_or_none()


def complete_input(report: PerformanceReport, **overrides) -> ReportInput:
    from webapp.performance.services import indicators

    values = {
        "new_products": 2,
        "sales": 1_250 * WAN,
        "cost_saved": 85 * WAN,
        "patents_filed": 3,
        "patents_granted": 1,
        "jobs": 12,
        "follow_on_contracts": 1,
        "follow_on_value": 60 * WAN,
        "outcomes": [f"已达到：{i}" for i in indicators(report)],
        "commitment": "团队按承诺书完成全部指标，进度与经费均符合约定。" if report.challenge_id else None,
        "summary": "良率由85%提升至96%，新产品年销售1250万元。",
    }
    values.update(overrides)
    return ReportInput(**values)

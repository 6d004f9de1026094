"""A challenge from posting to completion and through every side exit, with who may act at each
step, what everyone is told, and the timeline that records it all, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests import clock
from tests.challenges import factory
from webapp.challenges import applications, deadlines, delivery, lifecycle, posting
from webapp.challenges import award as awarding
from webapp.challenges.errors import ChallengeError, TransitionError
from webapp.challenges.models import ApplicationStatus, ChallengeStatus, Failure, MilestoneStatus
from webapp.challenges.timeline import timeline
from webapp.core.outbox import OutboxMessage
from webapp.core.permissions import PermissionDenied
from webapp.extensions import db
from webapp.notifications.models import Notification

S = ChallengeStatus


def kinds_for(user) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(Notification.kind).where(Notification.user_id == user.id).order_by(Notification.id)
        )
    )


def emails_to(user) -> int:
    return sum(
        1
        for m in db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.task == "notifications.send_email"))
        if m.kwargs["to"] == user.email
    )


def test_the_whole_lifecycle_is_told_to_everyone_and_listed_on_the_timeline_in_order(people):
    p = people
    challenge, apps = factory.contracted(p)
    tju, nku = apps
    assert challenge.status is S.CONTRACTED and challenge.cofunding == 500_000
    assert [a.application.lead_unit for a in challenge.awards] == [factory.TJU]

    first, second, third = challenge.milestones
    assert [m.amount for m in challenge.milestones] == [600_000, 600_000, 800_000]
    delivery.report_milestone(p.tju, first, "完成工艺方案验证，气孔率0.8%", [("验证报告.pdf", factory.PDF)])
    assert challenge.status is S.IN_PROGRESS
    delivery.return_milestone(p.owner, first, "缺少金相检测报告")
    delivery.report_milestone(p.tju, first, "补充金相检测报告", [("金相.pdf", factory.PDF)])
    delivery.approve_milestone(p.owner, first)
    assert first.payment_due == 600_000
    for milestone in (second, third):
        delivery.report_milestone(p.tju, milestone, "阶段完成", [("报告.pdf", factory.PDF)])
        delivery.approve_milestone(p.owner, milestone)
    assert challenge.status is S.ACCEPTANCE
    assert delivery.payments(challenge) == {
        "bounty": 2_000_000,
        "planned": 2_000_000,
        "due": 2_000_000,
        "outstanding": 0,
    }
    delivery.set_registration_number(p.owner, challenge, "2026120000100123")
    delivery.final_acceptance(p.owner, challenge, "专家组一致同意通过验收")
    assert challenge.status is S.COMPLETED and challenge.acceptance_opinion == "专家组一致同意通过验收"
    with pytest.raises(TransitionError):
        posting.terminate(p.admin, challenge, "已完成的榜单不能终止")

    stages = [e.action for e in timeline(challenge, public=True)]
    assert stages == [
        "challenge.submit",
        "challenge.publish",
        "challenge.close",
        "challenge.start_review",
        "challenge.propose",
        "challenge.award",
        "challenge.contract",
        "challenge.start",
        "challenge.finish_milestones",
        "challenge.complete",
    ]
    full = timeline(challenge)
    actions = [e.action for e in full]
    assert actions[:3] == ["challenge.create", "challenge.update", "challenge.submit"]
    assert actions.index("challenge_application.submit") < actions.index("challenge.close")
    assert actions.index("challenge_review.submit") < actions.index("challenge.propose")
    assert actions.index("challenge_contract.confirm") < actions.index("challenge.contract")
    assert actions.count("challenge_milestone.report") == 4 and actions[-1] == "challenge.complete"
    assert [e.at for e in full] == sorted(e.at for e in full)  # stage times come from the challenge clock
    assert full[0].label == "Challenge drafted from a need" and full[-1].actor.id == p.owner.id
    assert next(e for e in full if e.action == "challenge.close").actor is None  # the clock closed it

    assert kinds_for(p.owner)[:3] == ["challenge.published", "challenge.closed", "challenge.review_started"]
    assert "challenge.won" in kinds_for(p.tju) and "challenge.not_selected" in kinds_for(p.nku)
    assert "challenge.milestone_returned" in kinds_for(p.tju)
    assert "challenge.expert_assigned" in kinds_for(p.expert)
    assert "challenge.completed" in kinds_for(p.admin)
    assert emails_to(p.tju) >= 5  # every notification to a person who wants e-mail is e-mailed
    assert nku.status is ApplicationStatus.ELIGIBLE and tju.proposed_slot == 1


def test_only_the_right_people_may_take_each_step(people):
    p = people
    challenge = factory.draft(p)
    for outsider in (p.rival, p.tju, p.expert):
        with pytest.raises(PermissionDenied):
            posting.submit(outsider, challenge)
    with pytest.raises(PermissionDenied):
        posting.submit(None, challenge)
    posting.submit(p.owner, challenge)
    with pytest.raises(PermissionDenied):
        posting.publish(p.owner, challenge)  # the enterprise cannot publish its own challenge
    with pytest.raises(PermissionDenied):
        posting.terminate(p.rival, challenge, "不合适")
    assert [t.name for t in lifecycle.allowed(challenge, p.admin)] == ["return", "publish"]
    assert [t.name for t in lifecycle.allowed(challenge, p.owner)] == ["withdraw"]
    assert lifecycle.allowed(challenge, p.rival) == []


def test_returned_with_a_reason_edited_and_submitted_again(people):
    p = people
    challenge = factory.draft(p)
    posting.submit(p.owner, challenge)
    with pytest.raises(ChallengeError, match="reason"):
        posting.return_for_changes(p.admin, challenge, "  ")
    posting.return_for_changes(p.admin, challenge, "揭榜条件过宽，请限定为高校院所")
    assert challenge.status is S.RETURNED and challenge.return_reason.startswith("揭榜条件")
    assert kinds_for(p.owner) == ["challenge.returned"]
    with pytest.raises(TransitionError):
        posting.publish(p.admin, challenge)
    posting.update_draft(p.owner, challenge, factory.terms(eligibility=["university", "institute"]))
    posting.submit(p.owner, challenge)
    assert challenge.status is S.SUBMITTED and challenge.return_reason is None
    posting.publish(p.admin, challenge)
    assert challenge.status is S.PUBLISHED and challenge.cofunding == 0


def test_withdrawn_before_publication_or_while_nobody_has_applied(people):
    p = people
    draft = factory.draft(p)
    posting.withdraw(p.owner, draft)
    assert draft.status is S.WITHDRAWN and draft.withdrawn_at == clock.now()

    quiet = factory.published(p)
    drafting = factory.apply(p.nku, quiet, submit=False)
    posting.withdraw(p.owner, quiet, "需求已由内部解决")
    assert quiet.status is S.WITHDRAWN and quiet.withdrawal_reason == "需求已由内部解决"
    assert "challenge.withdrawn" in kinds_for(p.nku) and drafting.status is ApplicationStatus.DRAFT

    busy = factory.published(p)
    factory.apply(p.tju, busy)
    with pytest.raises(TransitionError, match="terminate"):
        posting.withdraw(p.owner, busy)
    assert busy.status is S.PUBLISHED


def test_no_application_by_the_deadline_is_liu_bang_and_the_enterprise_is_told(people):
    p = people
    challenge = factory.published(p)
    factory.apply(p.tju, challenge, submit=False)  # a draft is not an application
    factory.closed(p, challenge)
    assert challenge.status is S.FAILED and challenge.failure is Failure.NO_APPLICATION
    assert "challenge.failed_no_application" in kinds_for(p.owner)
    assert "challenge.failed_no_application" in kinds_for(p.tju)


def test_no_eligible_application_after_the_formal_check_is_liu_bang(people):
    p = people
    challenge = factory.published(p)
    tju = factory.apply(p.tju, challenge)
    factory.closed(p, challenge)
    assert challenge.status is S.FORMAL_CHECK
    with pytest.raises(TransitionError, match="1 applications still wait"):
        applications.finish_formal_check(p.admin, challenge)
    with pytest.raises(ChallengeError, match="reason"):
        applications.check_application(p.admin, tju, False)
    applications.check_application(p.admin, tju, False, "承诺书未加盖单位公章")
    applications.finish_formal_check(p.admin, challenge)
    assert challenge.status is S.FAILED and challenge.failure is Failure.NONE_ELIGIBLE
    assert kinds_for(p.tju)[-2:] == ["challenge.application_ineligible", "challenge.failed_none_eligible"]


def test_an_upheld_objection_sends_the_notice_back_to_review(people):
    p = people
    challenge, (tju, nku) = factory.in_notice(p)
    objection = awarding.file_objection(p.nku, challenge, "第一名团队负责人与企业存在关联关系")
    with pytest.raises(TransitionError, match="objections"):
        clock.set_time(challenge.notice_ends_at)
        awarding.award(p.admin, challenge)
    awarding.resolve_objection(p.admin, objection, True, "经核实存在关联，重新评审")
    assert challenge.status is S.REVIEW and challenge.notice_ends_at is None and tju.proposed_slot is None
    assert "challenge.objection_upheld" in kinds_for(p.nku) and "challenge.review_reopened" in kinds_for(p.tju)
    awarding.propose_winners(p.admin, challenge, [nku.id])
    assert challenge.status is S.NOTICE and challenge.notice_ends_at == clock.now() + timedelta(days=7)
    clock.set_time(challenge.notice_ends_at)
    awarding.award(p.admin, challenge)
    assert [a.application_id for a in challenge.awards] == [nku.id]
    assert "challenge.reopen_review" in [e.action for e in timeline(challenge, public=True)]


def test_a_dismissed_objection_lets_the_award_follow(people):
    p = people
    challenge, (tju, _nku) = factory.in_notice(p)
    objection = awarding.file_objection(p.rival, challenge, "评分不公")
    awarding.resolve_objection(p.admin, objection, False, "评分过程合规，异议不成立")
    assert challenge.status is S.NOTICE
    clock.set_time(challenge.notice_ends_at)
    awarding.award(p.admin, challenge)
    assert challenge.status is S.AWARDED
    assert "challenge.objection_dismissed" in kinds_for(p.rival)


@pytest.mark.parametrize("stage", ["published", "in_review", "contracted"])
def test_an_admin_terminates_with_a_reason_from_publication_until_completion(people, stage):
    p = people
    challenge = getattr(factory, stage)(p)
    challenge = challenge[0] if isinstance(challenge, tuple) else challenge
    with pytest.raises(ChallengeError):
        posting.terminate(p.admin, challenge, "")
    posting.terminate(p.admin, challenge, "企业经营困难，无法继续出资")
    assert challenge.status is S.TERMINATED and challenge.termination_reason.startswith("企业")
    assert "challenge.terminated" in kinds_for(p.owner)
    with pytest.raises(TransitionError):
        posting.terminate(p.admin, challenge, "again")


def test_a_draft_cannot_be_terminated(people):
    p = people
    with pytest.raises(TransitionError):
        posting.terminate(p.admin, factory.draft(p), "no")


def test_the_contract_needs_both_parties_and_new_terms_need_the_winner_again(people):
    p = people
    challenge, _apps = factory.awarded(p)
    with pytest.raises(TransitionError, match="enterprise"):
        delivery.confirm_contract(p.tju, challenge)
    with pytest.raises(PermissionDenied):
        delivery.confirm_contract(p.nku, challenge)
    terms = factory.contract_terms(challenge)
    delivery.confirm_contract(p.owner, challenge, terms)
    assert "challenge.contract_to_confirm" in kinds_for(p.tju)
    terms.value = 1_900_000
    delivery.confirm_contract(p.owner, challenge, terms)
    assert challenge.status is S.AWARDED and challenge.contract.value == 1_900_000
    delivery.confirm_contract(p.tju, challenge)
    assert challenge.status is S.CONTRACTED and challenge.contract.confirmed


def test_milestones_are_reported_in_order_by_the_winner_only(people):
    p = people
    challenge, _apps = factory.contracted(p)
    first, second, _third = challenge.milestones
    with pytest.raises(ChallengeError, match="in order"):
        delivery.report_milestone(p.tju, second, "跳过第一阶段", [("a.pdf", factory.PDF)])
    with pytest.raises(PermissionDenied):
        delivery.report_milestone(p.nku, first, "不是中标方", [("a.pdf", factory.PDF)])
    with pytest.raises(ChallengeError, match="evidence"):
        delivery.report_milestone(p.tju, first, "没有附件")
    with pytest.raises(PermissionDenied):
        delivery.approve_milestone(p.tju, first)  # the winner cannot approve its own work
    delivery.report_milestone(p.tju, first, "完成", [("a.pdf", factory.PDF)])
    with pytest.raises(PermissionDenied):
        delivery.approve_milestone(p.admin, first)
    assert first.status is MilestoneStatus.REPORTED and challenge.status is S.IN_PROGRESS


def test_the_clock_closes_a_window_once_however_often_it_runs(people):
    p = people
    challenge = factory.published(p)
    factory.apply(p.tju, challenge)
    clock.set_time(challenge.closes_at - timedelta(seconds=1))
    assert deadlines.tick()["closed"] == 0 and challenge.status is S.PUBLISHED
    clock.set_time(challenge.closes_at)
    assert deadlines.tick() == {"closed": 1, "failed": 0, "reminders": 0}
    assert deadlines.tick() == {"closed": 0, "failed": 0, "reminders": 0}
    assert challenge.status is S.FORMAL_CHECK and challenge.closed_at == challenge.closes_at
    assert [e.action for e in timeline(challenge, public=True)].count("challenge.close") == 1

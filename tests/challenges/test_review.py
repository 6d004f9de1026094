"""Expert review: automatic exclusion of experts from the applicants' own institutions, conflict
declarations before anything is shown, scores per criterion, revisions and the weighted ranking."""

from __future__ import annotations

import pytest

from tests.challenges import factory
from webapp.challenges import applications, permissions, review
from webapp.challenges.errors import ChallengeError, TransitionError
from webapp.challenges.models import UnitKind
from webapp.core.permissions import PermissionDenied
from webapp.extensions import db


def test_an_expert_from_the_lead_unit_or_a_consortium_member_is_excluded_automatically(people):
    p = people
    challenge = factory.published(p)
    tju = factory.apply(p.tju, challenge)
    joint = factory.apply(p.nku, challenge, members=[("天津 大学", UnitKind.UNIVERSITY)])  # TJU as a member
    institute = factory.apply(p.institute, challenge, kind=UnitKind.INSTITUTE)
    factory.closed(p, challenge)
    review.assign_expert(p.admin, challenge, p.expert_tju)
    assert db.session.scalars(review.assigned_to(p.expert_tju)).all() == [challenge]
    rows = {r.application.id: r for r in review.assigned_applications(p.expert_tju, challenge)}
    assert rows[tju.id].declaration.automatic and rows[tju.id].declaration.has_conflict
    assert rows[joint.id].declaration.automatic
    assert rows[institute.id].declaration is None
    with pytest.raises(ChallengeError, match="excluded"):
        review.declare_conflict(p.expert_tju, tju, False)
    for application in (tju, joint, institute):
        applications.check_application(p.admin, application, True)
    applications.finish_formal_check(p.admin, challenge)
    with pytest.raises(ChallengeError, match="conflict"):
        review.score(p.expert_tju, tju, factory.scores(challenge, 90, 90, 90), "自己单位")
    assert not permissions.can_view_application(p.expert_tju, tju)
    review.declare_conflict(p.expert_tju, institute, False)
    assert permissions.can_view_application(p.expert_tju, institute)
    review.score(p.expert_tju, institute, factory.scores(challenge, 70, 70, 70), "可行")


def test_every_expert_declares_before_seeing_or_scoring_and_the_declaration_is_final(people):
    p = people
    challenge, (tju, nku) = factory.in_review(p)
    review.assign_expert(p.admin, challenge, p.expert_tju)  # joins later; TJU is excluded automatically
    assert not permissions.can_view_application(p.expert_tju, nku)
    with pytest.raises(ChallengeError, match="Declare your interests"):
        review.score(p.expert_tju, nku, factory.scores(challenge, 80, 80, 80), "好")
    with pytest.raises(ChallengeError, match="what the conflict"):
        review.declare_conflict(p.expert_tju, nku, True)
    review.declare_conflict(p.expert_tju, nku, True, "曾与该团队合作发表论文")
    with pytest.raises(ChallengeError, match="already declared"):
        review.declare_conflict(p.expert_tju, nku, False)
    with pytest.raises(ChallengeError, match="cannot score"):
        review.score(p.expert_tju, nku, factory.scores(challenge, 80, 80, 80), "好")
    with pytest.raises(PermissionDenied):
        review.declare_conflict(p.nku, tju, False)  # not on the panel


def test_scores_cover_every_criterion_from_0_to_100_with_a_comment(people):
    p = people
    challenge, (tju, _nku) = factory.in_review(p)
    criteria = challenge.criteria
    with pytest.raises(ChallengeError, match="团队能力"):
        review.score(p.expert, tju, {criteria[0].id: 80, criteria[2].id: 80}, "缺一项")
    with pytest.raises(ChallengeError, match="技术方案"):
        review.score(p.expert, tju, factory.scores(challenge, 101, 80, 80), "超出")
    with pytest.raises(ChallengeError, match="comment"):
        review.score(p.expert, tju, factory.scores(challenge, 80, 80, 80), " ")
    done = review.score(p.expert, tju, factory.scores(challenge, 90, 80, 70), "方案可行")
    assert done.points == 8300 and done.weighted == 83.0
    with pytest.raises(ChallengeError, match="revision"):
        review.score(p.expert, tju, factory.scores(challenge, 10, 10, 10), "改主意")


def test_the_ranking_is_the_mean_of_weighted_scores_and_a_revision_counts_once_resubmitted(people):
    p = people
    challenge, (tju, nku) = factory.in_review(p)
    review.score(p.expert, tju, factory.scores(challenge, 90, 80, 70), "好")  # 83
    review.score(p.expert_2, tju, factory.scores(challenge, 80, 80, 80), "好")  # 80
    review.score(p.expert, nku, factory.scores(challenge, 100, 90, 90), "很好")  # 95
    review.score(p.expert_2, nku, factory.scores(challenge, 60, 60, 61), "一般")  # 60.2
    ranking = review.ranking(challenge)
    assert [(r.application.id, r.score, r.counted) for r in ranking] == [(tju.id, 81.5, 2), (nku.id, 77.6, 2)]
    assert set(ranking[0].reviews) == {p.expert.id, p.expert_2.id}

    low = ranking[1].reviews[p.expert_2.id]
    with pytest.raises(PermissionDenied):
        review.request_revision(p.expert, low, "请复核")
    review.request_revision(p.admin, low, "评分与评语不一致，请复核")
    assert [r.score for r in review.ranking(challenge)] == [95.0, 81.5]  # only the counted review
    assert review.ranking(challenge)[0].counted == 1
    review.score(p.expert_2, nku, factory.scores(challenge, 80, 80, 80), "复核后调整")
    assert [(r.application.id, r.score) for r in review.ranking(challenge)] == [(nku.id, 87.5), (tju.id, 81.5)]


def test_experts_are_assigned_by_admins_during_the_check_and_review_only(people):
    p = people
    challenge = factory.published(p)
    with pytest.raises(TransitionError):
        review.assign_expert(p.admin, challenge, p.expert)
    factory.apply(p.tju, challenge)
    factory.closed(p, challenge)
    with pytest.raises(PermissionDenied):
        review.assign_expert(p.owner, challenge, p.expert)
    with pytest.raises(ChallengeError, match="review expert"):
        review.assign_expert(p.admin, challenge, p.nku)
    assignment = review.assign_expert(p.admin, challenge, p.expert)
    with pytest.raises(ChallengeError, match="already assigned"):
        review.assign_expert(p.admin, challenge, p.expert)
    review.unassign_expert(p.admin, assignment)
    assert review.panel(challenge) == []

"""公示 and 挂帅 with the controlled clock: objections only during the notice, the award only after
it; one winner or N in 赛马 mode, held by the database's own constraints."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from tests import clock
from tests.challenges import factory
from webapp.challenges import applications, review
from webapp.challenges import award as awarding
from webapp.challenges.errors import ChallengeError, TransitionError
from webapp.challenges.models import Award, ChallengeStatus, UnitKind
from webapp.core.permissions import PermissionDenied
from webapp.extensions import db

S = ChallengeStatus


def test_objections_are_accepted_during_the_notice_and_refused_after_it(people):
    p = people
    challenge, _apps = factory.in_notice(p)
    with pytest.raises(PermissionDenied):
        awarding.file_objection(None, challenge, "匿名异议")
    clock.set_time(challenge.notice_ends_at - timedelta(seconds=1))
    assert awarding.can_object(challenge, p.expert)
    awarding.file_objection(p.expert, challenge, "最后一秒的异议")
    clock.set_time(challenge.notice_ends_at)
    assert not awarding.can_object(challenge, p.nku)
    with pytest.raises(TransitionError, match="public notice period"):
        awarding.file_objection(p.nku, challenge, "迟到的异议")
    assert len(challenge.objections) == 1


def test_the_award_waits_for_the_end_of_the_notice_and_for_every_objection(people):
    p = people
    challenge, (tju, _nku) = factory.in_notice(p)
    clock.set_time(challenge.notice_ends_at - timedelta(minutes=1))
    with pytest.raises(TransitionError, match="not ended"):
        awarding.award(p.admin, challenge)
    assert not awarding.can_award(challenge, p.admin)
    objection = awarding.file_objection(p.rival, challenge, "请复核")
    clock.set_time(challenge.notice_ends_at)
    with pytest.raises(TransitionError, match="open objections"):
        awarding.award(p.admin, challenge)
    awarding.resolve_objection(p.admin, objection, False, "不成立")
    with pytest.raises(PermissionDenied):
        awarding.award(p.owner, challenge)
    awards = awarding.award(p.admin, challenge)
    assert [(a.slot, a.application_id) for a in awards] == [(1, tju.id)]
    with pytest.raises(TransitionError):
        awarding.award(p.admin, challenge)
    assert len(challenge.awards) == 1


def test_horse_race_mode_awards_up_to_n_winners(people):
    p = people
    challenge = factory.published(p, winners_max=3)
    apps = [
        factory.apply(p.tju, challenge),
        factory.apply(p.nku, challenge),
        factory.apply(p.institute, challenge, kind=UnitKind.INSTITUTE),
        factory.apply(p.rival, challenge, kind=UnitKind.ENTERPRISE),
    ]
    factory.closed(p, challenge)
    for application in apps:
        applications.check_application(p.admin, application, True)
    review.assign_expert(p.admin, challenge, p.expert)
    applications.finish_formal_check(p.admin, challenge)
    for value, application in zip((70, 90, 80, 60), apps, strict=True):
        review.declare_conflict(p.expert, application, False)
        review.score(p.expert, application, factory.scores(challenge, value, value, value), "评语")
    with pytest.raises(ChallengeError, match="at most 3"):
        awarding.propose_winners(p.admin, challenge, [a.id for a in apps])
    proposed = awarding.propose_winners(p.admin, challenge)
    assert [a.id for a in proposed] == [apps[1].id, apps[2].id, apps[0].id]  # the top three of the ranking
    clock.set_time(challenge.notice_ends_at)
    awarding.award(p.admin, challenge)
    assert [(a.slot, a.application_id) for a in challenge.awards] == [(1, apps[1].id), (2, apps[2].id), (3, apps[0].id)]


def test_winners_are_chosen_among_scored_eligible_applications(people):
    p = people
    challenge, (tju, nku) = factory.in_review(p)
    with pytest.raises(ChallengeError, match="No application has been scored"):
        awarding.propose_winners(p.admin, challenge)
    review.score(p.expert, nku, factory.scores(challenge, 50, 50, 50), "一般")
    with pytest.raises(ChallengeError, match="scored"):
        awarding.propose_winners(p.admin, challenge, [tju.id])  # nobody scored TJU
    awarding.propose_winners(p.admin, challenge, [nku.id])
    assert challenge.status is S.NOTICE and nku.proposed_slot == 1


def test_the_database_refuses_a_second_winner_and_a_slot_beyond_winners_max(people):
    p = people
    challenge, (tju, nku) = factory.awarded(p)
    now = clock.now()
    attempts = [
        Award(challenge_id=challenge.id, application_id=nku.id, slot=1, winners_max=1, awarded_at=now),  # slot taken
        Award(challenge_id=challenge.id, application_id=nku.id, slot=2, winners_max=1, awarded_at=now),  # > max
        Award(challenge_id=challenge.id, application_id=nku.id, slot=2, winners_max=2, awarded_at=now),  # copy lies
        Award(challenge_id=challenge.id, application_id=tju.id, slot=1, winners_max=1, awarded_at=now),  # twice
    ]
    for attempt in attempts:
        with pytest.raises(IntegrityError), db.session.begin_nested():
            db.session.add(attempt)
            db.session.flush()
    assert [a.application_id for a in challenge.awards] == [tju.id]

"""Applying (揭榜): drafts, the commitment, who is eligible, one application per unit (and the
database index behind it), and the deadline read from the controlled clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from tests import clock
from tests.challenges import factory
from webapp.challenges import applications, permissions
from webapp.challenges.errors import ChallengeError, TransitionError
from webapp.challenges.models import Application, ApplicationStatus, UnitKind
from webapp.core.permissions import PermissionDenied
from webapp.extensions import db

A = ApplicationStatus


def test_a_draft_is_saved_and_edited_then_submitted_with_the_commitment_signed(people):
    p = people
    challenge = factory.published(p)
    application = applications.save_application(p.tju, challenge, factory.application_input(factory.TJU, signed=False))
    assert application.status is A.DRAFT and application.organisation_id == p.tju.organisation_id
    with pytest.raises(ChallengeError, match="commitment"):
        applications.submit_application(p.tju, application)
    clock.advance(timedelta(hours=1))
    applications.save_application(p.tju, challenge, factory.application_input(factory.TJU), application)
    assert application.commitment_signed_at == clock.now()
    applications.submit_application(p.tju, application)
    assert application.status is A.SUBMITTED and application.submitted_at == clock.now()
    with pytest.raises(TransitionError):
        applications.save_application(p.tju, challenge, factory.application_input(factory.TJU), application)
    with pytest.raises(ChallengeError, match="already have"):
        applications.save_application(p.tju, challenge, factory.application_input(factory.TJU))


def test_an_incomplete_application_is_refused_with_what_is_missing(people):
    p = people
    challenge = factory.published(p)
    data = factory.application_input(factory.NKU)
    data.plan, data.budget = "", None
    application = applications.save_application(p.nku, challenge, data)
    with pytest.raises(ChallengeError, match="technical plan, budget"):
        applications.submit_application(p.nku, application)


def test_one_application_per_unit_however_the_name_is_spelt(people):
    p = people
    challenge = factory.published(p)
    first = factory.apply(p.tju, challenge, submit=False)
    second = factory.apply(p.tju_2, challenge, unit=" 天津 大学 ", submit=False)  # drafts do not hold the unit
    applications.submit_application(p.tju, first)
    with pytest.raises(ChallengeError, match="天津 大学 already has an application"):
        applications.submit_application(p.tju_2, second)
    assert second.status is A.DRAFT
    applications.withdraw_application(p.tju, first)  # a withdrawn application frees the unit
    applications.submit_application(p.tju_2, second)
    assert second.status is A.SUBMITTED


def test_the_database_refuses_a_second_lodged_application_of_a_unit(people):
    """What decides a race between two researchers of one unit submitting at the same moment."""
    p = people
    challenge = factory.published(p)
    factory.apply(p.tju, challenge)
    twin = Application(
        challenge_id=challenge.id,
        applicant_id=p.tju_2.id,
        lead_unit="天津大学",
        unit_key="天津大学",
        lead_kind=UnitKind.UNIVERSITY,
        status=A.SUBMITTED,
        submitted_at=clock.now(),
        commitment_signed=True,
        commitment_signed_at=clock.now(),
    )
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(twin)
        db.session.flush()


def test_eligibility_decides_who_may_lead_and_whether_consortia_may_apply(people):
    p = people
    challenge = factory.published(p, eligibility=["university"])
    institute = factory.apply(p.institute, challenge, kind=UnitKind.INSTITUTE, submit=False)
    with pytest.raises(ChallengeError, match="does not accept Research institute"):
        applications.submit_application(p.institute, institute)
    consortium = factory.apply(p.nku, challenge, members=[(factory.INSTITUTE, UnitKind.INSTITUTE)], submit=False)
    with pytest.raises(ChallengeError, match="consortia"):
        applications.submit_application(p.nku, consortium)

    open_to_all = factory.published(p)
    joint = factory.apply(p.nku, open_to_all, members=[(factory.INSTITUTE, UnitKind.INSTITUTE)])
    assert joint.status is A.SUBMITTED and joint.member_names == [factory.INSTITUTE]


def test_the_posting_enterprise_and_non_applicants_cannot_apply(people):
    p = people
    challenge = factory.published(p, show_identity=True)  # who posted it is public
    with pytest.raises(PermissionDenied):
        applications.save_application(p.owner, challenge, factory.application_input("某大学"))
    for role in (p.expert, p.admin, None):
        with pytest.raises(PermissionDenied):
            applications.save_application(role, challenge, factory.application_input("某大学"))
    with pytest.raises(ChallengeError, match="posted the challenge"):
        applications.save_application(
            p.rival, challenge, factory.application_input(p.owner.organisation.name, UnitKind.ENTERPRISE)
        )
    rival = factory.apply(p.rival, challenge, kind=UnitKind.ENTERPRISE)
    assert rival.status is A.SUBMITTED


def test_nothing_is_submitted_before_the_window_opens_or_after_the_deadline(people):
    p = people
    challenge = factory.published(
        p, opens_at=clock.now() + timedelta(days=2), closes_at=clock.now() + timedelta(days=12)
    )
    early = factory.apply(p.tju, challenge, submit=False)  # drafting before the window opens is fine
    with pytest.raises(TransitionError, match="open at the start"):
        applications.submit_application(p.tju, early)
    clock.set_time(challenge.opens_at)
    late = factory.apply(p.nku, challenge, submit=False)
    applications.submit_application(p.tju, early)
    clock.set_time(challenge.closes_at)  # the deadline itself is too late, before the clock task runs
    with pytest.raises(TransitionError, match="after the deadline"):
        applications.submit_application(p.nku, late)
    with pytest.raises(TransitionError):
        applications.save_application(p.institute, challenge, factory.application_input(factory.INSTITUTE))
    assert late.status is A.DRAFT and applications.can_apply(challenge, p.institute) is False


def test_a_submitted_application_is_withdrawn_until_the_deadline_and_not_after(people):
    p = people
    challenge = factory.published(p)
    mine = factory.apply(p.tju, challenge)
    other = factory.apply(p.nku, challenge)
    with pytest.raises(PermissionDenied):
        applications.withdraw_application(p.nku, mine)
    clock.set_time(challenge.closes_at - timedelta(minutes=1))
    applications.withdraw_application(p.tju, mine)
    assert mine.status is A.WITHDRAWN
    clock.set_time(challenge.closes_at + timedelta(minutes=1))
    with pytest.raises(TransitionError, match="deadline has passed"):
        applications.withdraw_application(p.nku, other)
    assert other.status is A.SUBMITTED


def test_who_sees_an_application(people):
    p = people
    challenge = factory.published(p)
    application = factory.apply(p.tju, challenge, submit=False)
    assert permissions.can_view_application(p.tju, application)
    assert not permissions.can_view_application(p.owner, application)  # a draft is the applicant's own
    assert applications.lodged_applications(challenge) == []
    applications.submit_application(p.tju, application)
    assert applications.lodged_applications(challenge) == [application]
    assert db.session.scalars(applications.applications_of(p.tju)).all() == [application]
    assert permissions.can_view_application(p.owner, application) and permissions.can_view_application(
        p.admin, application
    )
    assert not permissions.can_view_application(p.nku, application)
    assert not permissions.can_view_application(p.expert, application)  # not assigned
    assert (
        db.session.scalar(sa.select(sa.func.count(Application.id)).where(Application.challenge_id == challenge.id)) == 1
    )


def test_naming_the_enterprise_behind_a_de_identified_challenge_is_left_to_the_formal_check(people):
    """Refusing would tell whoever guesses a name that it posted the challenge: the application goes
    ahead, and the admins' formal check sees the conflict."""
    p = people
    challenge = factory.published(p)
    assert not challenge.show_identity and not challenge.can_see_identity(p.rival)
    guessed = factory.apply(p.rival, challenge, p.owner.organisation.name, UnitKind.ENTERPRISE)
    assert guessed.status is A.SUBMITTED and guessed.names_poster
    member = factory.apply(p.tju, challenge, members=[(p.owner.organisation.name, UnitKind.ENTERPRISE)])
    assert member.names_poster
    assert not factory.apply(p.nku, challenge).names_poster

"""Posting a challenge: made from the enterprise's own published need, terms validated as a whole
(weights and shares sum to 100, a window in the future, notice and winners in range, the bounty),
milestone money split exactly, and the checks repeated at submission and publication."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests import clock
from tests.challenges import factory
from tests.listings.search_factory import make_listing
from webapp.challenges import board as challenge_board
from webapp.challenges import permissions, posting
from webapp.challenges.errors import ChallengeInvalid, TransitionError
from webapp.challenges.models import MAX_BOUNTY, ChallengeStatus
from webapp.challenges.posting import CriterionInput, MilestoneInput, split_bounty
from webapp.core.permissions import PermissionDenied
from webapp.extensions import db
from webapp.listings.models import ListingStatus

S = ChallengeStatus


def test_a_challenge_is_drafted_from_the_enterprises_own_published_need(people):
    p = people
    need = factory.make_need(p.owner)
    challenge = posting.create_from_need(p.owner, need)
    assert (challenge.status, challenge.title, challenge.bounty) == (S.DRAFT, need.title, 3_000_000)
    assert challenge.indicators == need.indicators and sum(c.weight for c in challenge.criteria) == 100
    with pytest.raises(PermissionDenied):
        posting.create_from_need(p.rival, need)
    with pytest.raises(PermissionDenied):
        posting.create_from_need(p.tju, need)
    unpublished = make_listing(db.session, "n", owner_id=p.owner.id, status=ListingStatus.DRAFT, title="草稿需求")
    with pytest.raises(PermissionDenied):
        posting.create_from_need(p.owner, unpublished)
    with pytest.raises(ChallengeInvalid, match="bounty and the application window"):
        posting.submit(p.owner, challenge)  # a fresh draft has no window yet


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"criteria": [CriterionInput("技术方案", 60), CriterionInput("团队", 30)]}, "criteria"),
        ({"criteria": [CriterionInput("技术方案", 100), CriterionInput("团队", 0)]}, "criteria"),
        ({"criteria": [CriterionInput("方案", 50), CriterionInput(" 方案", 50)]}, "criteria"),
        ({"criteria": []}, "criteria"),
        ({"milestones": [MilestoneInput("一期", 50, None), MilestoneInput("二期", 40, None)]}, "milestones"),
        ({"bounty": 0}, "bounty"),
        ({"bounty": MAX_BOUNTY + 1}, "bounty"),
        ({"bounty": 1.5}, "bounty"),
        ({"closes_at": "now"}, "closes_at"),
        ({"closes_at": "before-open"}, "closes_at"),
        ({"notice_days": 0}, "notice_days"),
        ({"notice_days": 31}, "notice_days"),
        ({"winners_max": 0}, "winners_max"),
        ({"winners_max": 11}, "winners_max"),
        ({"eligibility": ["consortium"]}, "eligibility"),
        ({"title": " "}, "title"),
    ],
)
def test_terms_that_break_a_rule_are_refused_and_nothing_changes(people, change, field):
    p = people
    challenge = factory.draft(p)
    before = factory.terms()
    if change.get("closes_at") == "now":
        change["closes_at"] = clock.now()
    elif change.get("closes_at") == "before-open":
        change = {"opens_at": clock.now() + timedelta(days=5), "closes_at": clock.now() + timedelta(days=4)}
    if "milestones" in change:
        due = (clock.now() + timedelta(days=40)).date()
        change["milestones"] = [MilestoneInput(m.title, m.share, due) for m in change["milestones"]]
    with pytest.raises(ChallengeInvalid) as refused:
        posting.update_draft(p.owner, challenge, factory.terms(**change))
    assert field in refused.value.errors and refused.value.field == field
    assert challenge.bounty == before.bounty and [c.weight for c in challenge.criteria] == [50, 30, 20]


def test_milestones_are_due_after_the_window_in_order(people):
    p = people
    challenge = factory.draft(p)
    closes = clock.now() + timedelta(days=10)
    early = [MilestoneInput("一期", 50, closes.date()), MilestoneInput("二期", 50, (closes + timedelta(days=9)).date())]
    with pytest.raises(ChallengeInvalid, match="after the application window"):
        posting.update_draft(p.owner, challenge, factory.terms(closes_at=closes, milestones=early))
    backwards = [
        MilestoneInput("一期", 50, (closes + timedelta(days=60)).date()),
        MilestoneInput("二期", 50, (closes + timedelta(days=30)).date()),
    ]
    with pytest.raises(ChallengeInvalid, match="in order"):
        posting.update_draft(p.owner, challenge, factory.terms(closes_at=closes, milestones=backwards))


def test_milestone_amounts_add_up_to_the_bounty_to_the_yuan(people):
    p = people
    due = (clock.now() + timedelta(days=40)).date()
    thirds = [MilestoneInput(f"第{i}期", share, due) for i, share in enumerate((33, 33, 34), start=1)]
    challenge = factory.draft(p, bounty=1_000_001, milestones=thirds)
    assert [m.amount for m in challenge.milestones] == [330_000, 330_000, 340_001]
    assert sum(m.amount for m in challenge.milestones) == challenge.bounty


@given(
    bounty=st.integers(1, MAX_BOUNTY),
    shares=st.lists(st.integers(1, 100), min_size=1, max_size=12).filter(lambda s: sum(s) <= 100),
)
def test_split_bounty_is_exact_for_any_bounty_and_shares(bounty, shares):
    shares = [*shares[:-1], shares[-1] + 100 - sum(shares)]
    amounts = split_bounty(bounty, shares)
    assert sum(amounts) == bounty
    assert all(a >= 0 for a in amounts)
    assert all(amount == bounty * share // 100 for amount, share in zip(amounts[:-1], shares[:-1], strict=True))


def test_only_a_draft_or_returned_challenge_is_edited_by_its_owner(people):
    p = people
    challenge = factory.draft(p)
    with pytest.raises(PermissionDenied):
        posting.update_draft(p.rival, challenge, factory.terms())
    posting.submit(p.owner, challenge)
    with pytest.raises(TransitionError):
        posting.update_draft(p.owner, challenge, factory.terms())


def test_a_window_that_has_passed_while_waiting_cannot_be_published(people):
    p = people
    challenge = factory.draft(p)
    posting.submit(p.owner, challenge)
    clock.set_time(challenge.closes_at + timedelta(hours=1))
    with pytest.raises(ChallengeInvalid, match="future"):
        posting.publish(p.admin, challenge)
    posting.return_for_changes(p.admin, challenge, "申报窗口已过，请重新设定")
    posting.update_draft(p.owner, challenge, factory.terms())
    posting.submit(p.owner, challenge)
    with pytest.raises(ChallengeInvalid, match="Co-funding"):
        posting.publish(p.admin, challenge, cofunding=-1)
    posting.publish(p.admin, challenge, cofunding=1_000_000)
    assert challenge.status is S.PUBLISHED and challenge.total_funding == 3_000_000


def test_the_board_shows_published_challenges_open_ones_closing_soonest_first_and_drafts_stay_private(people):
    p = people
    draft = factory.draft(p)
    later = factory.published(p, closes_at=clock.now() + timedelta(days=20))
    sooner = factory.published(p, closes_at=clock.now() + timedelta(days=5))
    lapsed = factory.published(p, closes_at=clock.now() + timedelta(days=1))
    clock.set_time(lapsed.closes_at)
    from webapp.challenges import deadlines

    deadlines.tick()
    board = db.session.scalars(challenge_board.board()).all()
    assert [c.id for c in board if c.id in {draft.id, later.id, sooner.id, lapsed.id}] == [
        sooner.id,
        later.id,
        lapsed.id,
    ]
    assert not permissions.can_view(draft, p.rival) and not permissions.can_view(draft, None)
    assert permissions.can_view(draft, p.owner) and permissions.can_view(draft, p.admin)
    assert permissions.can_view(lapsed, None)
    assert [c.id for c in db.session.scalars(posting.owned_by(p.owner))] == [lapsed.id, sooner.id, later.id, draft.id]
    posting.submit(p.owner, draft)
    assert [c.id for c in db.session.scalars(posting.awaiting_review())] == [draft.id]

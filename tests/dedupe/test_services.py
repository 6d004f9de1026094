"""Finding, flagging, merging and dismissing near-duplicates, through the services (app_ctx)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.dedupe.texts import DEFECTS_TEXT, DEFECTS_TITLE, OTHER_TEXT, OTHER_TITLE, REPOST_TEXT, REPOST_TITLE
from webapp.accounts.models import User
from webapp.achievements.models import Achievement
from webapp.achievements.services import save_achievement
from webapp.core.audit import AuditEvent
from webapp.core.permissions import PermissionDenied
from webapp.dedupe import decisions, services
from webapp.extensions import db
from webapp.listings import lifecycle
from webapp.listings.models import DuplicateCandidate, DuplicateStatus
from webapp.listings.models import ListingStatus as S
from webapp.needs.services import save_need
from webapp.notifications.models import Notification


@pytest.fixture
def people(app_ctx, make_user):
    def load(role):
        return db.session.get(User, make_user(role).id)

    return type(
        "People",
        (),
        {
            "researcher": load("researcher"),
            "other": load("researcher"),
            "enterprise": load("enterprise"),
            "admin": load("admin"),
        },
    )


def achievement(owner, title, text, *, submit=True, publish_by=None):
    item = save_achievement(owner, None, {"title": title, "summary": text})
    if submit:
        lifecycle.apply(item, "submit", owner)
    if publish_by is not None:
        lifecycle.apply(item, "approve", publish_by)
    db.session.flush()
    return item


def candidates():
    return db.session.scalars(sa.select(DuplicateCandidate).order_by(DuplicateCandidate.id)).all()


def events(action):
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()


def notes(user, kind):
    return db.session.scalars(
        sa.select(Notification).where(Notification.user_id == user.id, Notification.kind == kind)
    ).all()


def test_find_similar_returns_the_repost_and_not_the_other_listing_of_the_field(people):
    original = achievement(people.researcher, DEFECTS_TITLE, DEFECTS_TEXT, publish_by=people.admin)
    other = achievement(people.other, OTHER_TITLE, OTHER_TEXT, publish_by=people.admin)
    repost = save_achievement(people.other, None, {"title": REPOST_TITLE, "summary": REPOST_TEXT})

    found = services.find_similar(repost)
    assert [o.id for o, _ in found] == [original.id]
    assert found[0][1] >= services.THRESHOLD
    # The index does offer the other listing (深度学习, 本发明…); RapidFuzz puts it well below.
    loose = {o.id: s for o, s in services.find_similar(repost, threshold=0)}
    assert loose[other.id] < services.THRESHOLD - 20


def test_drafts_and_merged_listings_are_never_suggested(people):
    draft = achievement(people.researcher, DEFECTS_TITLE, DEFECTS_TEXT, submit=False)
    merged = achievement(people.researcher, DEFECTS_TITLE, DEFECTS_TEXT)
    merged.duplicate_of_id = draft.id
    db.session.flush()
    repost = achievement(people.other, REPOST_TITLE, REPOST_TEXT)
    assert services.find_similar(repost) == []
    assert candidates() == []


def test_submitting_a_repost_flags_it_once(people):
    original = achievement(people.researcher, DEFECTS_TITLE, DEFECTS_TEXT, publish_by=people.admin)
    repost = achievement(people.other, REPOST_TITLE, REPOST_TEXT)

    [pair] = candidates()
    assert (pair.kind, pair.listing_id, pair.other_id, pair.status) == (
        "a",
        repost.id,
        original.id,
        DuplicateStatus.OPEN,
    )
    assert pair.score >= services.THRESHOLD
    # Withdrawing and submitting again, flagging by hand or from the older side: still one pair.
    lifecycle.apply(repost, "withdraw", people.other)
    lifecycle.apply(repost, "submit", people.other)
    services.flag(repost)
    services.flag(original)
    assert [c.id for c in candidates()] == [pair.id]
    assert [d.other.id for d in services.candidates_for(repost)] == [original.id]
    assert [d.other.id for d in services.candidates_for(original)] == [repost.id]


def test_an_edit_that_removes_the_likeness_removes_the_open_pair(people):
    achievement(people.researcher, DEFECTS_TITLE, DEFECTS_TEXT, publish_by=people.admin)
    repost = achievement(people.other, REPOST_TITLE, REPOST_TEXT)
    assert len(candidates()) == 1
    lifecycle.apply(repost, "withdraw", people.other)
    save_achievement(people.other, repost, {"title": OTHER_TITLE, "summary": OTHER_TEXT})
    lifecycle.apply(repost, "submit", people.other)
    assert candidates() == []


def test_needs_that_only_repeat_their_title_are_flagged_as_needs(people):
    title = "污水处理厂除臭工艺改进"
    first = save_need(people.enterprise, None, {"title": title, "description": title})
    lifecycle.apply(first, "submit", people.enterprise)
    again = save_need(people.enterprise, None, {"title": title, "description": title})
    lifecycle.apply(again, "submit", people.enterprise)
    # An achievement with the same words is another library: not a duplicate of a need.
    achievement(people.researcher, title, title)
    [pair] = candidates()
    assert (pair.kind, pair.listing_id, pair.other_id) == ("n", again.id, first.id)


def test_flag_many_flags_an_imported_batch_once(people):
    ids = [
        save_achievement(people.admin, None, {"title": t, "summary": x}).id
        for t, x in ((DEFECTS_TITLE, DEFECTS_TEXT), (REPOST_TITLE, REPOST_TEXT), (OTHER_TITLE, OTHER_TEXT))
    ]
    for item_id in ids:  # imported as published
        item = db.session.get(Achievement, item_id)
        lifecycle.apply(item, "submit", people.admin)
        lifecycle.apply(item, "approve", people.admin)
    db.session.execute(sa.delete(DuplicateCandidate))
    assert services.flag_many("a", ids) == 1
    assert services.flag_many("a", ids) == 0
    assert [(c.listing_id, c.other_id) for c in candidates()] == [(ids[1], ids[0])]


def test_merge_takes_the_newer_published_listing_offline_and_tells_its_owner(people):
    original = achievement(people.researcher, DEFECTS_TITLE, DEFECTS_TEXT, publish_by=people.admin)
    repost = achievement(people.other, REPOST_TITLE, REPOST_TEXT, publish_by=people.admin)
    [pair] = candidates()

    with pytest.raises(PermissionDenied):
        decisions.merge(people.researcher, pair)
    assert decisions.merge(people.admin, pair) is repost

    assert repost.duplicate_of_id == original.id and original.duplicate_of_id is None
    assert repost.status is S.OFFLINE and repost.moderation_reason == "重复发布"
    assert original.status is S.PUBLISHED
    assert pair.status is DuplicateStatus.MERGED and pair.decided_by_id == people.admin.id
    [event] = events("duplicate.merge")
    assert (event.object_type, event.object_id, event.actor_id) == ("achievements", repost.id, people.admin.id)
    assert event.after["duplicate_of"] == original.id
    assert len(events("achievement.take_down")) == 1
    [note] = notes(people.other, "listing.take_down")
    assert note.params["reason"] == "重复发布"
    # Merged: never suggested again, and a second merge is refused.
    assert services.find_similar(original) == []
    with pytest.raises(decisions.DedupeError):
        decisions.merge(people.admin, pair)


def test_merging_a_listing_that_is_not_published_only_marks_it(people):
    original = achievement(people.researcher, DEFECTS_TITLE, DEFECTS_TEXT, publish_by=people.admin)
    repost = achievement(people.other, REPOST_TITLE, REPOST_TEXT)
    [pair] = candidates()
    decisions.merge(people.admin, pair)
    assert repost.status is S.SUBMITTED and repost.duplicate_of_id == original.id
    [note] = notes(people.other, "listing.duplicate")
    assert note.params == {"title": REPOST_TITLE, "other": DEFECTS_TITLE}
    assert notes(people.other, "listing.take_down") == []


def test_the_older_listing_by_posting_date_is_kept(people):
    """An import keeps the source's posting date: the earlier posting is the original even if it
    was entered later."""
    from datetime import date

    first_entered = achievement(people.researcher, DEFECTS_TITLE, DEFECTS_TEXT)
    first_entered.posted_on = date(2020, 3, 1)
    posted_earlier = achievement(people.other, REPOST_TITLE, REPOST_TEXT)
    posted_earlier.posted_on = date(2019, 12, 20)
    [pair] = candidates()
    assert decisions.merge(people.admin, pair) is first_entered
    assert first_entered.duplicate_of_id == posted_earlier.id


def test_dismissed_pairs_are_not_flagged_again(people):
    original = achievement(people.researcher, DEFECTS_TITLE, DEFECTS_TEXT, publish_by=people.admin)
    repost = achievement(people.other, REPOST_TITLE, REPOST_TEXT)
    [pair] = candidates()

    with pytest.raises(PermissionDenied):
        decisions.dismiss(people.other, pair)
    decisions.dismiss(people.admin, pair)
    assert pair.status is DuplicateStatus.DISMISSED
    [event] = events("duplicate.dismiss")
    assert (event.object_type, event.object_id, event.actor_id) == ("duplicate_candidates", pair.id, people.admin.id)

    lifecycle.apply(repost, "withdraw", people.other)
    lifecycle.apply(repost, "submit", people.other)
    services.flag(original)
    assert [(c.id, c.status) for c in candidates()] == [(pair.id, DuplicateStatus.DISMISSED)]
    assert services.candidates_for(repost) == []
    with pytest.raises(decisions.DedupeError):
        decisions.dismiss(people.admin, pair)


def test_candidates_for_shows_a_user_only_what_they_may_see(people):
    original = achievement(people.researcher, DEFECTS_TITLE, DEFECTS_TEXT)  # submitted, not public
    repost = achievement(people.other, REPOST_TITLE, REPOST_TEXT)
    assert [d.other.id for d in services.candidates_for(repost, people.admin)] == [original.id]
    assert services.candidates_for(repost, people.other) == []

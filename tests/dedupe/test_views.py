"""The admin page of possible duplicates, its merge and dismiss buttons, and the warning an owner
sees on the listing's page."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.dedupe.texts import DEFECTS_TEXT, DEFECTS_TITLE, REPOST_TEXT, REPOST_TITLE
from webapp.achievements.models import Achievement
from webapp.core.db import utcnow
from webapp.listings.index import reindex
from webapp.listings.models import DuplicateCandidate, DuplicateStatus
from webapp.listings.models import ListingStatus as S
from webapp.needs.models import Need

SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def admin(client, make_user):
    client.http.set_cookie("lang", "en")
    user = make_user("admin")
    client.login(user.email)
    return user


def seed_pair(
    query,
    owner,
    other_owner,
    first=(DEFECTS_TITLE, DEFECTS_TEXT),
    second=(REPOST_TITLE, REPOST_TEXT),
    model=Achievement,
) -> tuple[int, int]:
    """Two published listings, indexed, the second flagged as it would be on submit."""
    from webapp.dedupe import services

    def add(session):
        ids = []
        for who, (title, text) in ((owner, first), (other_owner, second)):
            body = {"summary": text} if model is Achievement else {"description": text}
            item = model(title=title, owner_id=who.id, status=S.PUBLISHED, published_at=utcnow(), **body)
            session.add(item)
            session.flush()
            reindex(item)
            ids.append(item.id)
        services.flag(session.get(model, ids[1]))
        session.commit()
        return tuple(ids)

    return query(add)


def pairs_of(query):
    return query(lambda s: [(c.listing_id, c.other_id, c.status) for c in s.scalars(sa.select(DuplicateCandidate))])


def test_the_admin_page_shows_both_listings_side_by_side_with_the_differences_marked(client, admin, make_user, query):
    older, newer = seed_pair(query, make_user("researcher"), make_user("researcher"))
    html = client.get("/admin/duplicates/").get_data(as_text=True)
    card = html.split('class="card mb-3 duplicate-pair"')[1]
    earlier, later = card.split("Earlier listing")[1].split("Later listing")
    assert f'href="/achievements/{older}"' in earlier and f'href="/achievements/{newer}"' in later
    # 钢材 became 钢板: the changed character is marked on each side, the rest is plain text.
    assert '<mark class="diff-mark">材</mark>' in earlier and '<mark class="diff-mark">板</mark>' in later
    assert "本发明公开了一种基于深度学习的钢" in earlier
    assert "similarity 9" in card  # the score, out of 100


def test_text_from_listings_is_shown_escaped(client, admin, make_user, query):
    owner = make_user("researcher")
    older, newer = seed_pair(
        query,
        owner,
        owner,
        first=(DEFECTS_TITLE + SCRIPT, SCRIPT + DEFECTS_TEXT),
        second=(DEFECTS_TITLE + SCRIPT, SCRIPT + REPOST_TEXT),
    )
    page = client.get("/admin/duplicates/").get_data(as_text=True)
    assert SCRIPT not in page and "&lt;/script&gt;" in page

    client.logout()
    client.login(owner.email)
    detail = client.get(f"/achievements/{newer}").get_data(as_text=True)
    warning = detail.split('id="duplicate-warning"')[1].split("</div>")[0]
    assert f'href="/achievements/{older}"' in warning
    assert SCRIPT not in warning and "&lt;script&gt;alert(1)&lt;/script&gt;" in warning


def test_merging_from_the_page_takes_the_later_listing_offline(client, admin, make_user, query):
    older, newer = seed_pair(query, make_user("researcher"), make_user("researcher"))
    assert len(pairs_of(query)) == 1
    pair_id = query(lambda s: s.scalar(sa.select(DuplicateCandidate.id)))
    response = client.post(f"/admin/duplicates/{pair_id}/merge", {"kind": "a"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/duplicates/?kind=a")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "is now marked as a duplicate" in page and 'id="no-duplicates"' in page
    assert query(lambda s: (s.get(Achievement, newer).status, s.get(Achievement, newer).duplicate_of_id)) == (
        S.OFFLINE,
        older,
    )
    # The public no longer finds the repost; the original stays.
    public = client.get(f"/achievements/{older}")
    assert public.status_code == 200


def test_dismissing_from_the_page_keeps_the_pair_out_of_the_queue(client, admin, make_user, query):
    older, newer = seed_pair(query, make_user("researcher"), make_user("researcher"))
    pair_id = query(lambda s: s.scalar(sa.select(DuplicateCandidate.id)))
    response = client.post(f"/admin/duplicates/{pair_id}/dismiss")
    assert response.status_code == 302
    assert pairs_of(query) == [(newer, older, DuplicateStatus.DISMISSED)]
    assert 'id="no-duplicates"' in client.get("/admin/duplicates/").get_data(as_text=True)
    again = client.post(f"/admin/duplicates/{pair_id}/dismiss")
    assert "already been decided" in client.get(again.headers["Location"]).get_data(as_text=True)


def test_the_queue_filters_by_library(client, admin, make_user, query):
    enterprise = make_user("enterprise")
    seed_pair(
        query,
        enterprise,
        enterprise,
        first=("污水处理厂除臭工艺改进", "污水处理厂除臭工艺改进"),
        second=("污水处理厂除臭工艺改进", "污水处理厂除臭工艺改进"),
        model=Need,
    )
    assert "污水处理厂除臭工艺改进" in client.get("/admin/duplicates/?kind=n").get_data(as_text=True)
    assert 'id="no-duplicates"' in client.get("/admin/duplicates/?kind=a").get_data(as_text=True)


def test_only_admins_merge_and_nothing_changes_otherwise(client, make_user, query):
    researcher = make_user("researcher")
    older, newer = seed_pair(query, researcher, researcher)
    pair_id = query(lambda s: s.scalar(sa.select(DuplicateCandidate.id)))
    client.login(researcher.email)
    assert client.post(f"/admin/duplicates/{pair_id}/merge").status_code == 403
    assert client.post(f"/admin/duplicates/{pair_id}/dismiss").status_code == 403
    assert pairs_of(query) == [(newer, older, DuplicateStatus.OPEN)]
    assert query(lambda s: s.get(Achievement, newer).status) is S.PUBLISHED

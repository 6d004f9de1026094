"""The moderation queue, the navigation bar's links and count, the near-duplicate warning on the
owner's page, and the helpers the achievement and need pages share."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.listings.pages import add_achievement, add_need, status_of
from webapp.achievements.models import Achievement
from webapp.core.db import utcnow
from webapp.listings.models import DuplicateCandidate
from webapp.listings.models import ListingStatus as S
from webapp.needs.models import Need


@pytest.fixture
def admin_client(client, make_user):
    client.http.set_cookie("lang", "en")
    client.login(make_user("admin").email)
    return client


def _age(query, model, item: int, days: int) -> None:
    def set_time(session):
        session.execute(sa.update(model).where(model.id == item).values(updated_at=utcnow() - timedelta(days=days)))
        session.commit()

    query(set_time)


def queue_rows(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<tr data-kind="([an])" data-id="(\d+)"', html)


def test_the_queue_lists_both_kinds_oldest_first(admin_client, make_user, query):
    researcher, enterprise = make_user("researcher"), make_user("enterprise")
    a_old = add_achievement(query, researcher, S.SUBMITTED, title="最早提交的成果")
    n_mid = add_need(query, enterprise, S.SUBMITTED, title="其次提交的需求")
    a_new = add_achievement(query, researcher, S.SUBMITTED, title="最新提交的成果")
    _age(query, Achievement, a_old, 3)
    _age(query, Need, n_mid, 2)
    _age(query, Achievement, a_new, 1)
    for status in (S.DRAFT, S.PUBLISHED, S.RETURNED, S.OFFLINE):
        add_achievement(query, researcher, status, title=f"不该出现{status.value}")
        add_need(query, enterprise, status, title=f"不该出现{status.value}")

    html = admin_client.get("/admin/moderation/").get_data(as_text=True)
    assert queue_rows(html) == [("a", str(a_old)), ("n", str(n_mid)), ("a", str(a_new))]
    assert "不该出现" not in html
    assert f'href="/achievements/{a_old}"' in html and f'href="/needs/{n_mid}"' in html
    assert "Listings waiting for review, oldest first: 3." in html
    assert 'id="moderation-count">3<' in html
    # Each row offers approve, and return with a box for the reason.
    assert html.count('data-action="approve"') == 3 and html.count('data-action="return"') == 3


def test_the_queue_pages_through_a_long_list(admin_client, make_user, query):
    researcher = make_user("researcher")
    ids = [add_achievement(query, researcher, S.SUBMITTED, title=f"成果{i}") for i in range(35)]
    for age, item in enumerate(reversed(ids)):
        _age(query, Achievement, item, age + 1)
    first = queue_rows(admin_client.get("/admin/moderation/").get_data(as_text=True))
    second = queue_rows(admin_client.get("/admin/moderation/?page=2").get_data(as_text=True))
    assert [int(i) for _, i in first + second] == ids


def test_approving_from_the_queue_publishes_and_comes_back_to_the_queue(admin_client, make_user, make_client, query):
    researcher = make_user("researcher")
    item = add_achievement(query, researcher, S.SUBMITTED)
    response = admin_client.post(
        f"/achievements/{item}/transition", {"action": "approve", "next": "/admin/moderation/"}
    )
    assert response.headers["Location"] == "/admin/moderation/"
    html = admin_client.get("/admin/moderation/").get_data(as_text=True)
    assert "Approved: the listing is now public." in html
    assert queue_rows(html) == [] and "Nothing is waiting for review." in html
    assert 'id="moderation-count"' not in html
    assert status_of(query, Achievement, item) is S.PUBLISHED
    assert make_client().get(f"/achievements/{item}").status_code == 200


def test_the_audit_log_names_each_moderation_step(admin_client, make_user, query):
    item = add_need(query, make_user("enterprise"), S.SUBMITTED, title="审计日志里的需求")
    admin_client.post(f"/needs/{item}/transition", {"action": "return", "reason": "请补充预算"})
    html = admin_client.get("/admin/audit?action=need.").get_data(as_text=True)
    assert "Need returned for changes" in html and "请补充预算" in html


def test_a_return_from_the_queue_needs_a_reason(admin_client, make_user, query):
    item = add_need(query, make_user("enterprise"), S.SUBMITTED)
    admin_client.post(f"/needs/{item}/transition", {"action": "return", "next": "/admin/moderation/"})
    assert status_of(query, Need, item) is S.SUBMITTED
    admin_client.post(
        f"/needs/{item}/transition", {"action": "return", "reason": "预算与描述不符", "next": "/admin/moderation/"}
    )
    assert status_of(query, Need, item) is S.RETURNED
    assert query(lambda s: s.get(Need, item).moderation_reason) == "预算与描述不符"


NAV = {
    "anonymous": {"/achievements/", "/needs/"},
    "researcher": {"/achievements/", "/needs/", "/achievements/new", "/achievements/mine"},
    "enterprise": {"/achievements/", "/needs/", "/needs/new", "/needs/mine"},
    "broker": {"/achievements/", "/needs/"},
    "admin": {
        "/achievements/",
        "/needs/",
        "/achievements/new",
        "/achievements/mine",
        "/needs/new",
        "/needs/mine",
        "/admin/moderation/",
    },
}
LISTING_LINKS = {
    "/achievements/",
    "/needs/",
    "/achievements/new",
    "/achievements/mine",
    "/needs/new",
    "/needs/mine",
    "/admin/moderation/",
}


@pytest.mark.parametrize("role", list(NAV))
def test_the_navigation_bar_offers_what_each_role_can_do(client, make_user, role):
    if role != "anonymous":
        client.login(make_user(role).email)
    nav = client.get("/").get_data(as_text=True).split("</nav>")[0]
    links = set(re.findall(r'href="([^"]+)"', nav)) & LISTING_LINKS
    assert links == NAV[role]
    assert "科技成果库" in nav and "技术需求库" in nav


def test_the_owner_is_warned_of_near_duplicates(client, make_user, make_client, query):
    researcher = make_user("researcher")
    older = add_achievement(query, researcher, S.PUBLISHED, title="一种锂电池正极材料的制备方法")
    newer = add_achievement(query, researcher, S.PUBLISHED, title="一种锂电池正极材料的制备方法（重复）")

    def pair(session):
        session.add(DuplicateCandidate(kind="a", listing_id=newer, other_id=older, score=96.0))
        session.commit()

    query(pair)
    client.login(researcher.email)
    html = client.get(f"/achievements/{newer}").get_data(as_text=True)
    warning = html.split('id="duplicate-warning"')[1].split("</div>")[0]
    assert f'href="/achievements/{older}"' in warning
    assert 'id="duplicate-warning"' not in make_client().get(f"/achievements/{newer}").get_data(as_text=True)


# --- the shared helpers, called directly ---------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "label"),
    [
        ("天津市津南区咸水沽镇津沽路 88 号", "某企业（津南区）"),
        ("北京市海淀区中关村大街 1 号", "某企业（海淀区）"),
        ("河北省沧州市黄骅市", "某企业"),
        (None, "某企业"),
    ],
)
def test_the_public_name_of_an_enterprise_keeps_only_its_district(app_ctx, make_org, address, label):
    from webapp.accounts.models import OrgKind
    from webapp.extensions import db
    from webapp.needs.views import anonymous_label

    org = db.session.merge(make_org(OrgKind.ENTERPRISE, address=address))
    assert anonymous_label(Need(title="x", description="y", organisation=org)) == label


def test_save_and_submit_on_a_published_listing_resubmits_once(app_ctx, make_user):
    from webapp.accounts.models import User
    from webapp.achievements.services import save_achievement
    from webapp.core.audit import AuditEvent
    from webapp.extensions import db
    from webapp.listings.moderation import submit_after_save

    owner = db.session.get(User, make_user("researcher").id)
    item = Achievement(title="旧标题", summary="旧摘要", owner_id=owner.id, status=S.PUBLISHED, published_at=utcnow())
    db.session.add(item)
    db.session.flush()
    save_achievement(owner, item, {"title": "新标题", "summary": "新摘要"})
    assert submit_after_save(item, owner, True) is True
    assert item.status is S.SUBMITTED
    logged = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.object_id == item.id, AuditEvent.object_type == "achievements")
    ).all()
    assert logged == ["achievement.update"]  # the edit itself put it back in review

    draft = save_achievement(owner, None, {"title": "草稿", "summary": "摘要"})
    assert submit_after_save(draft, owner, False) is False and draft.status is S.DRAFT
    assert submit_after_save(draft, owner, True) is True and draft.status is S.SUBMITTED


def test_the_waiting_count_covers_both_kinds(app_ctx, make_user):
    from webapp.extensions import db
    from webapp.listings.moderation import waiting_count

    owner = make_user("admin")
    before = waiting_count()
    db.session.add_all(
        [
            Achievement(title="a", summary="b", owner_id=owner.id, status=S.SUBMITTED),
            Need(title="c", description="d", owner_id=owner.id, status=S.SUBMITTED),
            Need(title="e", description="f", owner_id=owner.id, status=S.DRAFT),
        ]
    )
    db.session.flush()
    assert waiting_count() == before + 2

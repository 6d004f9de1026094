"""The achievement pages as researchers, enterprises, admins and the public use them: the form
(every field, bad input answered next to the field with nothing lost), the detail page, the
lifecycle buttons, the confidential part and its access requests, and "my achievements"."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.core.test_security import _inline_code
from tests.listings.pages import actions, add_achievement, field_id, read_form, status_of
from webapp.accounts.models import OrgKind
from webapp.achievements.models import AccessStatus, Achievement, AchievementAccess
from webapp.core.audit import AuditEvent
from webapp.listings.models import ListingStatus as S
from webapp.notifications.models import Notification

GOOD_PATENT = "ZL201720001285.X"


@pytest.fixture
def en(client):
    """The tests read the English texts; the Chinese ones are covered by the catalogue test."""
    client.http.set_cookie("lang", "en")
    return client


def form_data(query, **overrides) -> dict:
    data = {
        "title": "一种高安全性固态锂离子电池",
        "summary": "本成果采用硫化物固态电解质。\n\n能量密度达到 350 Wh/kg。",
        "field_id": str(field_id(query)),
        "keywords": "锂电池、固态电解质，储能;动力电池 安全",
        "maturity": "pilot",
        "trl": "6",
        "patents": f"{GOOD_PATENT}, CN112345678A",
        "coop_modes": ["license", "equity"],
        "price": "50-100",
        "team": "张教授团队8人",
        "scenarios": "储能电站、电动汽车",
        "confidential": "电解质配方：Li6PS5Cl 掺杂 2% 的 Br",
        "save": "Save draft",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def achievements_of(query, user) -> list[Achievement]:
    return query(lambda s: s.scalars(sa.select(Achievement).where(Achievement.owner_id == user.id)).all())


def notifications_of(query, user, kind: str) -> list[Notification]:
    return query(
        lambda s: s.scalars(
            sa.select(Notification).where(Notification.user_id == user.id, Notification.kind == kind)
        ).all()
    )


@pytest.fixture
def researcher(make_user, make_org):
    org = make_org(OrgKind.UNIVERSITY)
    user = make_user("researcher", name="张教授", organisation_id=org.id)
    user.org_name = org.name
    return user


def test_what_was_typed_is_stored_and_shown_as_typed(en, researcher, query):
    """Full-width brackets, ℃ and full-width digits are kept (search and matching normalise their own copies)."""
    en.login(researcher.email)
    typed = {
        "title": "耐550℃高温合金涂层（第二版）",
        "team": "李教授（负责人）等５人",
        "summary": "工作温度550℃，寿命（实测）3000小时。",
    }
    response = en.post("/achievements/new", form_data(query, **typed))
    assert response.status_code == 302
    [saved] = achievements_of(query, researcher)
    assert (saved.title, saved.team, saved.summary) == (typed["title"], typed["team"], typed["summary"])
    page = en.get(f"/achievements/{saved.id}").get_data(as_text=True)
    assert "耐550℃高温合金涂层（第二版）" in page and "李教授（负责人）等５人" in page


def test_a_researcher_lists_an_achievement_with_every_field(en, researcher, query):
    en.login(researcher.email)
    page = en.get("/achievements/new").get_data(as_text=True)
    assert researcher.org_name in page  # the institution comes from the account
    assert 'name="institution"' not in page

    response = en.post("/achievements/new", form_data(query))
    assert response.status_code == 302
    [saved] = achievements_of(query, researcher)
    assert response.headers["Location"] == f"/achievements/{saved.id}"
    assert saved.status is S.DRAFT
    assert saved.keywords == ["锂电池", "固态电解质", "储能", "动力电池", "安全"]
    assert (saved.price_min, saved.price_max) == (500_000, 1_000_000)
    assert saved.patents == [GOOD_PATENT, "CN112345678A"]
    assert saved.trl == 6 and saved.maturity.value == "pilot"
    assert {m.value for m in saved.coop_modes} == {"license", "equity"}
    assert saved.organisation_id == researcher.organisation_id
    assert query(
        lambda s: (
            s.scalar(
                sa.select(sa.func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "achievement.create", AuditEvent.object_id == saved.id)
            )
            == 1
        )
    )

    html = en.get(response.headers["Location"]).get_data(as_text=True)
    assert "Saved." in html
    assert "一种高安全性固态锂离子电池" in html
    assert "能量密度达到 350 Wh/kg" in html
    assert "¥500k–¥1M" in html  # money as English readers count it (“50–100 万元” in Chinese)
    assert GOOD_PATENT in html and "CN112345678A" in html
    assert "Licence" in html and "Equity investment" in html
    assert "Pilot-scale tested · TRL 6" in html
    assert "Electronic information · Artificial intelligence" in html  # the field with its parent, in English
    assert "储能电站、电动汽车" in html and "张教授团队8人" in html
    assert researcher.org_name in html
    assert "Li6PS5Cl" in html  # the owner sees the confidential part
    assert 'data-status="draft"' in html
    assert actions(html) == ["submit"]


def test_the_edit_form_shows_what_was_saved(en, researcher, query):
    en.login(researcher.email)
    en.post("/achievements/new", form_data(query, price="面议", trl=None, maturity="", coop_modes=None))
    [saved] = achievements_of(query, researcher)
    form = read_form(en.get(f"/achievements/{saved.id}/edit").get_data(as_text=True))
    assert form.values["title"] == "一种高安全性固态锂离子电池"
    assert form.values["summary"] == "本成果采用硫化物固态电解质。\n\n能量密度达到 350 Wh/kg。"  # paragraphs kept
    assert form.values["keywords"] == "锂电池，固态电解质，储能，动力电池，安全"
    assert form.values["patents"] == f"{GOOD_PATENT}, CN112345678A"
    assert form.values["price"] == "面议"
    assert form.values["field_id"] == str(field_id(query))
    assert form.values["maturity"] == "" and form.values["trl"] == ""
    assert "coop_modes" not in form.values
    html = en.get(f"/achievements/{saved.id}").get_data(as_text=True)
    assert "Negotiable" in html


def test_save_and_submit_sends_it_to_the_moderators(en, researcher, make_user, query):
    admin = make_user("admin")
    en.login(researcher.email)
    response = en.post("/achievements/new", form_data(query, save=None, submit_review="Save and submit for review"))
    [saved] = achievements_of(query, researcher)
    assert saved.status is S.SUBMITTED
    html = en.get(response.headers["Location"]).get_data(as_text=True)
    assert "Submitted for review." in html
    assert 'data-status="submitted"' in html
    assert actions(html) == ["withdraw"]
    assert len(notifications_of(query, admin, "listing.awaiting_review")) == 1


BAD_INPUT = [
    pytest.param("title", "   \u3000  ", "A title is required.", id="blank-title"),
    pytest.param("title", "题" * 201, "The title has 201 characters; at most 200.", id="long-title"),
    pytest.param("summary", "", "A summary is required.", id="no-summary"),
    pytest.param("summary", "固态电池" * 9000, "36000 characters is too long; at most 20000.", id="100KB-summary"),
    pytest.param(
        "patents", "ZL201720001285.3", "The check character of ZL201720001285.3 does not match", id="patent-check-digit"
    ),
    pytest.param("patents", "专利12345", "专利12345 is not a patent number", id="patent-malformed"),
    pytest.param("price", "-50", "Amounts cannot be negative.", id="negative-price"),
    pytest.param("price", "20000000", "is more than 100亿元; check the unit", id="absurd-price"),
    pytest.param("price", "100-50", "starts above its end", id="inverted-range"),
    pytest.param("price", "about fifty", "is not an amount in 万元", id="price-words"),
    pytest.param("price", "50-100.00005", "at most four decimal places of 万元", id="sub-yuan-price"),
    pytest.param("field_id", "0", "Choose a technical field.", id="no-field"),
    pytest.param("keywords", "固态电池 " + "长" * 31, "Keywords are at most 30 characters", id="long-keyword"),
    pytest.param("team", "团" * 501, "Field cannot be longer than 500 characters.", id="long-team"),
]


@pytest.mark.parametrize(("name", "value", "message"), BAD_INPUT)
def test_bad_input_is_answered_next_to_its_field_and_nothing_is_lost(en, researcher, query, name, value, message):
    en.login(researcher.email)
    data = form_data(query, **{name: value})
    response = en.post("/achievements/new", data)

    assert response.status_code == 200
    form = read_form(response.get_data(as_text=True))
    assert list(form.errors) == [name], form.errors
    assert message in form.errors[name][0]
    for key, sent in data.items():
        if key in ("save", "submit_review", "csrf_token"):
            continue
        kept = form.values.get(key)
        assert kept == sent, f"{key}: sent {sent!r}, form shows {kept!r}"
    assert achievements_of(query, researcher) == []


def test_several_mistakes_are_all_reported_at_once(en, researcher, query):
    en.login(researcher.email)
    response = en.post("/achievements/new", form_data(query, title=" ", price="-1", patents="ZL1", field_id="0"))
    assert set(read_form(response.get_data(as_text=True)).errors) == {"title", "price", "patents", "field_id"}


def test_html_in_any_field_is_shown_as_text(en, researcher, query, make_user):
    script = "<script>alert('x')</script>"
    en.login(researcher.email)
    data = form_data(
        query,
        title=f"{script}电池",
        summary='<img src=x onerror="alert(1)">摘要',
        keywords="<b>粗体</b>",
        team="<a href='javascript:alert(1)'>团队</a>",
        scenarios="<style>body{}</style>场景",
        confidential="<iframe src=//evil.example></iframe>秘密",
    )
    # First with a mistake: the form comes back with everything, still inert.
    page = en.post("/achievements/new", {**data, "price": "-1"}).get_data(as_text=True)
    assert _inline_code(page) == []
    assert read_form(page).values["title"] == f"{script}电池"

    en.post("/achievements/new", data)
    [saved] = achievements_of(query, researcher)
    assert saved.title == f"{script}电池"  # stored as typed
    html = en.get(f"/achievements/{saved.id}").get_data(as_text=True)
    assert _inline_code(html) == []
    assert "<script>alert" not in html and "<img src=x" not in html and "<iframe" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;电池" in html
    assert "&lt;b&gt;粗体&lt;/b&gt;" in html


def test_an_enterprise_cannot_list_achievements(en, make_user, query):
    enterprise = make_user("enterprise")
    en.login(enterprise.email)
    assert en.get("/achievements/new").status_code == 403
    assert en.post("/achievements/new", form_data(query)).status_code == 403
    assert achievements_of(query, enterprise) == []
    assert 'href="/achievements/new"' not in en.get("/").get_data(as_text=True)


def test_a_researcher_cannot_edit_or_move_someone_elses_achievement(en, researcher, make_user, query):
    other = make_user("researcher")
    published = add_achievement(query, other, S.PUBLISHED, title="别人的成果")
    draft = add_achievement(query, other, S.DRAFT, title="别人的草稿")
    en.login(researcher.email)

    assert en.get(f"/achievements/{published}/edit").status_code == 403
    assert en.post(f"/achievements/{published}/edit", form_data(query, title="改掉")).status_code == 403
    assert en.post(f"/achievements/{published}/transition", {"action": "withdraw"}).status_code == 403
    assert en.post(f"/achievements/{draft}/transition", {"action": "submit"}).status_code == 403
    assert en.get(f"/achievements/{draft}").status_code == 404
    assert query(lambda s: s.get(Achievement, published).title) == "别人的成果"
    assert status_of(query, Achievement, published) is S.PUBLISHED
    assert status_of(query, Achievement, draft) is S.DRAFT
    html = en.get(f"/achievements/{published}").get_data(as_text=True)
    assert actions(html) == [] and f"/achievements/{published}/edit" not in html


def test_a_researcher_cannot_moderate_even_their_own(en, researcher, query):
    own = add_achievement(query, researcher, S.SUBMITTED)
    en.login(researcher.email)
    assert en.post(f"/achievements/{own}/transition", {"action": "approve"}).status_code == 403
    assert en.post(f"/achievements/{own}/transition", {"action": "return", "reason": "自己退回"}).status_code == 403
    assert status_of(query, Achievement, own) is S.SUBMITTED
    assert en.get("/admin/moderation/").status_code == 403


@pytest.mark.parametrize("status", list(S))
def test_the_public_sees_published_achievements_only(en, researcher, make_user, query, status):
    item = add_achievement(query, researcher, status, title=f"状态{status.value}的成果")
    expected = 200 if status is S.PUBLISHED else 404
    assert en.get(f"/achievements/{item}").status_code == expected
    listed = f"状态{status.value}的成果" in en.get("/achievements/").get_data(as_text=True)
    assert listed is (status is S.PUBLISHED)
    en.login(make_user("enterprise").email)
    assert en.get(f"/achievements/{item}").status_code == expected
    en.logout()
    en.login(researcher.email)
    owner_view = en.get(f"/achievements/{item}").get_data(as_text=True)
    assert f'data-status="{status.value}"' in owner_view


LIFECYCLE_BUTTONS = [
    # (status, who looks, the buttons shown)
    (S.DRAFT, "owner", ["submit"]),
    (S.SUBMITTED, "owner", ["withdraw"]),
    (S.RETURNED, "owner", ["submit"]),
    (S.PUBLISHED, "owner", ["withdraw"]),
    (S.OFFLINE, "owner", ["submit"]),
    (S.SUBMITTED, "admin", ["approve", "return"]),
    (S.PUBLISHED, "admin", ["take_down"]),
    (S.DRAFT, "admin", []),
    (S.PUBLISHED, "enterprise", []),
    (S.PUBLISHED, "anonymous", []),
]


@pytest.mark.parametrize(("status", "who", "expected"), LIFECYCLE_BUTTONS)
def test_the_buttons_are_exactly_the_allowed_steps(en, researcher, make_user, query, status, who, expected):
    item = add_achievement(query, researcher, status)
    if who == "owner":
        en.login(researcher.email)
    elif who != "anonymous":
        en.login(make_user(who).email)
    html = en.get(f"/achievements/{item}").get_data(as_text=True)
    assert actions(html) == expected
    # Steps that need a reason come with a box for it.
    assert html.count('name="reason"') == sum(a in ("return", "take_down") for a in expected)


def test_returned_with_a_reason_then_edited_resubmitted_and_approved(en, researcher, make_user, make_client, query):
    admin = make_user("admin")
    en.login(researcher.email)
    en.post("/achievements/new", form_data(query, patents="", save=None, submit_review="1"))
    [item] = achievements_of(query, researcher)
    item = item.id

    moderator = make_client()
    moderator.http.set_cookie("lang", "en")
    moderator.login(admin.email)
    queue = moderator.get("/admin/moderation/").get_data(as_text=True)
    assert f'href="/achievements/{item}"' in queue

    # A return without a reason is refused: the owner must learn what to change.
    response = moderator.post(
        f"/achievements/{item}/transition", {"action": "return", "reason": "  ", "next": "/admin/moderation/"}
    )
    assert response.headers["Location"] == "/admin/moderation/"
    assert "Give a reason: the owner will see it." in moderator.get("/admin/moderation/").get_data(as_text=True)
    assert status_of(query, Achievement, item) is S.SUBMITTED

    moderator.post(
        f"/achievements/{item}/transition",
        {"action": "return", "reason": "请补充授权专利号", "next": "/admin/moderation/"},
    )
    assert status_of(query, Achievement, item) is S.RETURNED
    assert f'href="/achievements/{item}"' not in moderator.get("/admin/moderation/").get_data(as_text=True)

    [note] = notifications_of(query, researcher, "listing.return")
    assert note.params["reason"] == "请补充授权专利号"
    detail = en.get(f"/achievements/{item}").get_data(as_text=True)
    assert "请补充授权专利号" in detail and 'data-status="returned"' in detail
    mine = en.get("/achievements/mine").get_data(as_text=True)
    assert "请补充授权专利号" in mine and "Edit it as the reviewer asked, then submit it again." in mine
    edit = en.get(f"/achievements/{item}/edit").get_data(as_text=True)
    assert "请补充授权专利号" in edit
    assert anonymous_status(make_client, item) == 404

    en.post(f"/achievements/{item}/edit", form_data(query, patents=GOOD_PATENT, save=None, submit_review="1"))
    assert status_of(query, Achievement, item) is S.SUBMITTED
    assert query(lambda s: s.get(Achievement, item).moderation_reason) is None
    assert query(lambda s: s.get(Achievement, item).patents) == [GOOD_PATENT]

    response = moderator.post(f"/achievements/{item}/transition", {"action": "approve"})
    assert response.headers["Location"] == f"/achievements/{item}"
    assert status_of(query, Achievement, item) is S.PUBLISHED
    assert len(notifications_of(query, researcher, "listing.approve")) == 1
    assert anonymous_status(make_client, item) == 200
    public_list = make_client().get("/achievements/").get_data(as_text=True)
    assert "一种高安全性固态锂离子电池" in public_list
    actions_logged = query(
        lambda s: s.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.object_type == "achievements", AuditEvent.object_id == item)
            .order_by(AuditEvent.id)
        ).all()
    )
    assert actions_logged == [
        "achievement.create",
        "achievement.submit",
        "achievement.return",
        "achievement.update",
        "achievement.submit",
        "achievement.approve",
    ]


def anonymous_status(make_client, item: int) -> int:
    return make_client().get(f"/achievements/{item}").status_code


def test_an_owners_edit_of_a_published_achievement_goes_back_to_review(en, researcher, make_client, query):
    item = add_achievement(query, researcher, S.PUBLISHED, summary="旧摘要", field_id=field_id(query))
    en.login(researcher.email)
    form_page = en.get(f"/achievements/{item}/edit").get_data(as_text=True)
    assert "Saving your changes takes it off the public pages" in form_page
    assert "Save and submit for review" not in form_page  # saving already resubmits it
    assert "Save changes" in form_page and "Save draft" not in form_page  # it is no draft

    en.post(f"/achievements/{item}/edit", form_data(query, summary="新摘要"))
    assert status_of(query, Achievement, item) is S.SUBMITTED
    assert anonymous_status(make_client, item) == 404


def test_the_owner_takes_it_offline_and_an_admin_takes_down_with_a_reason(
    en, researcher, make_user, make_client, query
):
    item = add_achievement(query, researcher, S.PUBLISHED)
    en.login(researcher.email)
    en.post(f"/achievements/{item}/transition", {"action": "withdraw"})
    assert status_of(query, Achievement, item) is S.OFFLINE
    assert anonymous_status(make_client, item) == 404
    assert actions(en.get(f"/achievements/{item}").get_data(as_text=True)) == ["submit"]

    other = add_achievement(query, researcher, S.PUBLISHED, title="含虚假宣传的成果")
    admin = make_client()
    admin.http.set_cookie("lang", "en")
    admin.login(make_user("admin").email)
    admin.post(f"/achievements/{other}/transition", {"action": "take_down", "reason": "夸大宣传"})
    assert status_of(query, Achievement, other) is S.OFFLINE
    page = en.get(f"/achievements/{other}").get_data(as_text=True)
    assert "夸大宣传" in page and 'data-status="offline"' in page


def test_unknown_steps_and_foreign_return_addresses_are_refused(en, researcher, query):
    item = add_achievement(query, researcher, S.DRAFT)
    en.login(researcher.email)
    response = en.post(f"/achievements/{item}/transition", {"action": "publish_now", "next": "//evil.example/x"})
    assert response.headers["Location"] == f"/achievements/{item}"
    assert "Unknown action." in en.get(f"/achievements/{item}").get_data(as_text=True)
    assert status_of(query, Achievement, item) is S.DRAFT


def test_my_achievements_lists_every_state_with_the_next_step(en, researcher, make_user, query):
    for status in S:
        add_achievement(query, researcher, status, title=f"我的{status.value}")
    add_achievement(query, make_user("researcher"), S.PUBLISHED, title="别人的成果")
    en.login(researcher.email)
    html = en.get("/achievements/mine").get_data(as_text=True)
    for status in S:
        assert f"我的{status.value}" in html
        assert f'data-status="{status.value}"' in html
    assert "别人的成果" not in html
    for step in (
        "Complete it and submit it for review.",
        "Waiting for an administrator&#39;s review.",
        "Public in the library.",
        "Edit it as the reviewer asked, then submit it again.",
        "Offline: submit it again to republish it.",
    ):
        assert step in html
    assert "请补充专利信息" in html  # the returned one shows why


def test_the_confidential_part_is_shared_on_request(en, researcher, make_user, make_client, query):
    item = add_achievement(query, researcher, S.PUBLISHED, confidential="配方：A 与 B 按 3:1 混合")
    secret = "配方：A 与 B 按 3:1 混合"

    anonymous = make_client().get(f"/achievements/{item}").get_data(as_text=True)
    assert secret not in anonymous and f"/login?next=/achievements/{item}" in anonymous

    asker = make_user("enterprise", name="王经理")
    en.login(asker.email)
    page = en.get(f"/achievements/{item}").get_data(as_text=True)
    assert secret not in page and 'id="access-request-form"' in page
    en.post(f"/achievements/{item}/access", {"message": "想评估产业化可行性"})
    page = en.get(f"/achievements/{item}").get_data(as_text=True)
    assert "Your request has been sent to the owner." in page
    assert "waiting for the owner’s answer" in page and secret not in page
    assert len(notifications_of(query, researcher, "achievement.access_requested")) == 1

    # Only the owner (or an admin) answers.
    [grant] = query(lambda s: s.scalars(sa.select(AchievementAccess.id)).all())
    intruder = make_client()
    intruder.login(make_user("researcher").email)
    assert intruder.post(f"/achievements/access/{grant}", {"decision": "grant"}).status_code == 403

    owner = make_client()
    owner.http.set_cookie("lang", "en")
    owner.login(researcher.email)
    owner_page = owner.get(f"/achievements/{item}").get_data(as_text=True)
    assert "王经理" in owner_page and "想评估产业化可行性" in owner_page
    owner.post(f"/achievements/access/{grant}", {"decision": "grant"})
    assert secret in en.get(f"/achievements/{item}").get_data(as_text=True)
    assert len(notifications_of(query, asker, "achievement.access_granted")) == 1

    owner.post(f"/achievements/access/{grant}", {"decision": "revoke"})
    page = en.get(f"/achievements/{item}").get_data(as_text=True)
    assert secret not in page and "Your last request: Revoked." in page

    second = make_user("broker")
    other = make_client()
    other.http.set_cookie("lang", "en")
    other.login(second.email)
    other.post(f"/achievements/{item}/access", {"message": ""})
    second_grant = query(
        lambda s: s.scalar(sa.select(AchievementAccess.id).where(AchievementAccess.user_id == second.id))
    )
    owner.post(f"/achievements/access/{second_grant}", {"decision": "decline"})
    page = other.get(f"/achievements/{item}").get_data(as_text=True)
    assert secret not in page and "Your last request: Declined." in page
    assert query(lambda s: s.get(AchievementAccess, second_grant).status) is AccessStatus.DENIED


def test_an_admin_sees_the_confidential_part_without_asking(en, researcher, make_user, query):
    item = add_achievement(query, researcher, S.PUBLISHED, confidential="仅管理员可见")
    en.login(make_user("admin").email)
    html = en.get(f"/achievements/{item}").get_data(as_text=True)
    assert "仅管理员可见" in html and 'id="access-request-form"' not in html
    en.post(f"/achievements/{item}/access", {"message": "x"})
    assert query(lambda s: s.scalar(sa.select(sa.func.count()).select_from(AchievementAccess))) == 0

"""The need pages: enterprises post needs, the public sees them de-identified unless the owner
chose otherwise, and bad input is answered next to its field with nothing lost."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from tests.core.test_security import _inline_code
from tests.listings.pages import actions, add_need, field_id, read_form, status_of
from webapp.accounts.models import OrgKind
from webapp.core import clock
from webapp.listings.models import ListingStatus as S
from webapp.needs.models import Need

ADDRESS = "天津市津南区咸水沽镇津沽路 88 号"


@pytest.fixture
def en(client):
    client.http.set_cookie("lang", "en")
    return client


@pytest.fixture
def enterprise(make_user, make_org):
    org = make_org(OrgKind.ENTERPRISE, name="津南新能源电池有限公司", address=ADDRESS)
    return make_user("enterprise", name="王经理", phone="022-88886666", organisation_id=org.id)


def form_data(query, **overrides) -> dict:
    data = {
        "title": "动力电池热失控早期预警技术",
        "description": "我公司生产磷酸铁锂电池包，需要在热失控前 10 分钟发出预警。",
        "indicators": "误报率 < 1%\n预警提前量 ≥ 10 min",
        "field_id": str(field_id(query, "人工智能")),
        "keywords": "热失控、预警，电池管理",
        "budget": "20-50",
        "deadline": (clock.today() + timedelta(days=90)).isoformat(),
        "expected_maturity": "sample",
        "coop_modes": ["co_develop", "commissioned"],
        "contact_name": "王经理",
        "contact_phone": "022-88886666",
        "save": "Save draft",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def poster(html: str) -> str:
    """The text of the "posted by" entry on a need's page."""
    match = re.search(r'id="listing-poster">(.*?)</dd>', html, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def needs_of(query, user) -> list[Need]:
    return query(lambda s: s.scalars(sa.select(Need).where(Need.owner_id == user.id)).all())


def test_an_enterprise_posts_a_need_with_every_field(en, enterprise, query):
    en.login(enterprise.email)
    form = read_form(en.get("/needs/new").get_data(as_text=True))
    assert form.values["contact_name"] == "王经理" and form.values["contact_phone"] == "022-88886666"
    assert "organisation" not in form.values  # the account's enterprise is used

    data = form_data(query, save=None, submit_review="1")
    response = en.post("/needs/new", data)
    [need] = needs_of(query, enterprise)
    assert response.headers["Location"] == f"/needs/{need.id}"
    assert need.status is S.SUBMITTED
    assert (need.budget_min, need.budget_max) == (200_000, 500_000)
    assert need.deadline == date.fromisoformat(data["deadline"])
    assert need.expected_maturity.value == "sample"
    assert need.indicators == "误报率 < 1%\n预警提前量 ≥ 10 min"
    assert need.organisation_id == enterprise.organisation_id and need.show_identity is False

    html = en.get(f"/needs/{need.id}").get_data(as_text=True)
    assert "¥200k–¥500k" in html
    assert "Samples available" in html
    assert "Joint development" in html and "Commissioned development" in html
    assert "误报率 &lt; 1%" in html
    assert "津南新能源电池有限公司" in html  # the owner sees who asks
    assert actions(html) == ["withdraw"]


def publish(query, enterprise, **fields) -> int:
    return add_need(query, enterprise, S.PUBLISHED, contact_name="王经理", contact_phone="13812345678", **fields)


@pytest.mark.parametrize(
    ("viewer", "sees_identity"),
    [
        ("anonymous", False),
        ("researcher", False),
        ("expert", False),
        ("enterprise", False),
        ("broker", True),
        ("admin", True),
        ("owner", True),
    ],
)
def test_a_published_need_is_de_identified_for_the_public(en, enterprise, make_user, query, viewer, sees_identity):
    item = publish(query, enterprise)
    if viewer == "owner":
        en.login(enterprise.email)
    elif viewer != "anonymous":
        en.login(make_user(viewer).email)
    html = en.get(f"/needs/{item}").get_data(as_text=True)
    assert "动力电池热失控预警" in html
    for secret in ("津南新能源电池有限公司", "王经理", "13812345678"):
        assert (secret in html) is sees_identity, secret
    if not sees_identity:
        assert poster(html) == "An enterprise (Jinnan District)"
    else:
        assert poster(html) == "津南新能源电池有限公司 王经理 13812345678"


def test_an_anonymous_visitor_is_offered_a_way_to_get_in_touch(client, enterprise, make_user, query):
    item = publish(query, enterprise)
    html = client.get(f"/needs/{item}").get_data(as_text=True)
    step = html[html.index('id="listing-next-step"') :]
    assert "登录后联系" in step and f'href="/login?next=/needs/{item}"' in step and 'href="/register"' in step
    client.login(make_user("researcher").email)
    assert 'id="listing-next-step"' not in client.get(f"/needs/{item}").get_data(as_text=True)


def test_the_public_label_is_chinese_by_default(client, enterprise, query):
    item = publish(query, enterprise)
    html = client.get(f"/needs/{item}").get_data(as_text=True)
    assert "某企业（津南区）" in html and "津南新能源电池有限公司" not in html


def test_an_owner_may_choose_to_show_who_asks(en, enterprise, make_client, query):
    item = publish(query, enterprise, show_identity=True)
    html = make_client().get(f"/needs/{item}").get_data(as_text=True)
    assert "津南新能源电池有限公司" in html and "13812345678" in html


def test_without_an_address_the_public_sees_just_an_enterprise(en, make_user, make_org, query):
    org = make_org(OrgKind.ENTERPRISE, name="无地址企业")
    owner = make_user("enterprise", organisation_id=org.id)
    item = publish(query, owner)
    html = en.get(f"/needs/{item}").get_data(as_text=True)
    assert poster(html) == "An enterprise"
    assert "无地址企业" not in html


BAD_INPUT = [
    pytest.param("title", " ", "A title is required.", id="blank-title"),
    pytest.param("description", "\u00a0", "Describe the problem.", id="blank-description"),
    pytest.param("description", "需" * 34000, "34000 characters is too long; at most 20000.", id="100KB-description"),
    pytest.param("budget", "-20", "Amounts cannot be negative.", id="negative-budget"),
    pytest.param("budget", "99999999", "is more than 100亿元", id="absurd-budget"),
    pytest.param("budget", "五十万", "is not an amount in 万元", id="budget-words"),
    pytest.param("budget", "20.00001", "at most four decimal places of 万元", id="sub-yuan-budget"),
    pytest.param("deadline", "2020-01-01", "The deadline 2020-01-01 is in the past.", id="past-deadline"),
    pytest.param("deadline", "下个月", "is not a date (YYYY-MM-DD)", id="deadline-words"),
    pytest.param("contact_phone", "call me maybe", "Enter a phone number", id="bad-phone"),
    pytest.param("field_id", "0", "Choose a technical field.", id="no-field"),
]


@pytest.mark.parametrize(("name", "value", "message"), BAD_INPUT)
def test_bad_input_is_answered_next_to_its_field_and_nothing_is_lost(en, enterprise, query, name, value, message):
    en.login(enterprise.email)
    data = form_data(query, **{name: value})
    response = en.post("/needs/new", data)
    assert response.status_code == 200
    form = read_form(response.get_data(as_text=True))
    assert list(form.errors) == [name], form.errors
    assert message in form.errors[name][0]
    for key, sent in data.items():
        if key in ("save", "csrf_token"):
            continue
        assert form.values.get(key) == sent, key
    assert needs_of(query, enterprise) == []


def test_html_in_a_need_is_shown_as_text(en, enterprise, query):
    en.login(enterprise.email)
    en.post(
        "/needs/new",
        form_data(
            query, title="<script>alert(1)</script>需求", indicators="<svg onload=alert(1)>", contact_name="<b>王</b>"
        ),
    )
    [need] = needs_of(query, enterprise)
    html = en.get(f"/needs/{need.id}").get_data(as_text=True)
    assert _inline_code(html) == []
    assert "&lt;script&gt;alert(1)&lt;/script&gt;需求" in html and "<svg" not in html and "<b>王</b>" not in html


def test_a_researcher_cannot_post_needs_or_edit_others(en, enterprise, make_user, query):
    researcher = make_user("researcher")
    item = publish(query, enterprise)
    en.login(researcher.email)
    assert en.get("/needs/new").status_code == 403
    assert en.post("/needs/new", form_data(query)).status_code == 403
    assert en.get(f"/needs/{item}/edit").status_code == 403
    assert en.post(f"/needs/{item}/transition", {"action": "withdraw"}).status_code == 403
    assert status_of(query, Need, item) is S.PUBLISHED
    assert needs_of(query, researcher) == []


def test_another_enterprise_cannot_touch_my_need(en, enterprise, make_user, query):
    item = add_need(query, enterprise, S.DRAFT)
    en.login(make_user("enterprise").email)
    assert en.get(f"/needs/{item}").status_code == 404
    assert en.get(f"/needs/{item}/edit").status_code == 403
    assert en.post(f"/needs/{item}/transition", {"action": "submit"}).status_code == 403
    assert status_of(query, Need, item) is S.DRAFT


@pytest.mark.parametrize("status", list(S))
def test_the_public_sees_published_needs_only(client, enterprise, query, status):
    item = add_need(query, enterprise, status)
    assert client.get(f"/needs/{item}").status_code == (200 if status is S.PUBLISHED else 404)


def test_a_need_goes_through_moderation_to_the_public_page(en, enterprise, make_user, make_client, query):
    en.login(enterprise.email)
    en.post("/needs/new", form_data(query, save=None, submit_review="1"))
    [need] = needs_of(query, enterprise)
    admin = make_client()
    admin.login(make_user("admin").email)
    assert f'href="/needs/{need.id}"' in admin.get("/admin/moderation/").get_data(as_text=True)
    admin.post(f"/needs/{need.id}/transition", {"action": "return", "reason": "请说明电池包规格"})
    page = en.get(f"/needs/{need.id}").get_data(as_text=True)
    assert "请说明电池包规格" in page and actions(page) == ["submit"]
    en.post(
        f"/needs/{need.id}/edit",
        form_data(query, description="48V 电池包，需要热失控预警。", save=None, submit_review="1"),
    )
    admin.post(f"/needs/{need.id}/transition", {"action": "approve"})
    assert status_of(query, Need, need.id) is S.PUBLISHED
    public = make_client()
    public.http.set_cookie("lang", "en")
    html = public.get(f"/needs/{need.id}").get_data(as_text=True)
    assert "48V 电池包" in html and "An enterprise (Jinnan District)" in html and "津南新能源电池有限公司" not in html


def test_my_needs_lists_every_state(en, enterprise, make_user, query):
    for status in S:
        add_need(query, enterprise, status, title=f"我的需求{status.value}")
    add_need(query, make_user("enterprise"), S.PUBLISHED, title="别家的需求")
    en.login(enterprise.email)
    html = en.get("/needs/mine").get_data(as_text=True)
    assert all(f"我的需求{s.value}" in html and f'data-status="{s.value}"' in html for s in S)
    assert "别家的需求" not in html and "请补充技术指标" in html


def test_an_admin_posts_a_need_for_an_enterprise_without_an_account(en, make_user, query):
    admin = make_user("admin")
    en.login(admin.email)
    page = en.get("/needs/new").get_data(as_text=True)
    assert 'name="organisation"' in page  # no organisation of their own: the name is typed
    en.post("/needs/new", form_data(query, organisation="海河实业有限公司"))
    [need] = needs_of(query, admin)
    assert need.organisation_label == "海河实业有限公司"

"""Matching in a real browser: a broker works the queue of suggestions (shared terms marked in both
texts, one pair rejected as 领域不符, another accepted with a note, the introduction then under
negotiation), the researcher and the enterprise each agree to an introduction before they see each
other, and an enterprise whose need an administrator publishes finds suggested
achievements on the need's page (the live server matches in-process).

Listings are published through the services, as the site does; the live database keeps other
tests' listings, so every title and keyword here carries a token of its own.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import BACKGROUND_MS
from tests.browser.test_browser import field, log_in, open_menu, unique, zh
from tests.conftest import changing, wait_for

pytestmark = [pytest.mark.live, pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _publish(live_app, kind: str, owner_id: int, admin_id: int, data: dict, field_name: str | None = None) -> int:
    """Save, submit and approve a listing through the services; approval schedules its matching."""
    import sqlalchemy as sa

    from webapp.accounts.models import User
    from webapp.achievements.services import save_achievement
    from webapp.extensions import db
    from webapp.listings import lifecycle
    from webapp.needs.services import save_need
    from webapp.taxonomy.models import TechField

    with changing(live_app):
        owner, admin = db.session.get(User, owner_id), db.session.get(User, admin_id)
        tech_field = db.session.scalar(sa.select(TechField).where(TechField.name == field_name)) if field_name else None
        save = save_need if kind == "n" else save_achievement
        listing = save(owner, None, data, field=tech_field)
        lifecycle.apply(listing, "submit", owner)
        lifecycle.apply(listing, "approve", admin)
        db.session.commit()
        return listing.id


def _refresh_need(live_app, need_id: int) -> list[tuple[int, int]]:
    """Match the need now (as the background task does); (achievement id, score) of its suggestions."""
    import sqlalchemy as sa

    from webapp.extensions import db
    from webapp.matching import services
    from webapp.matching.models import Suggestion

    with live_app.app_context():
        services.refresh_need(need_id)
        db.session.commit()
        return [
            (s.achievement_id, s.score)
            for s in db.session.scalars(sa.select(Suggestion).where(Suggestion.need_id == need_id))
        ]


def _suggestions(live_app, need_id: int) -> list[int]:
    """The achievements suggested for the need so far."""
    import sqlalchemy as sa

    from webapp.extensions import db
    from webapp.matching.models import Suggestion

    with live_app.app_context():
        return list(db.session.scalars(sa.select(Suggestion.achievement_id).where(Suggestion.need_id == need_id)))


def open_matching_menu(page, item_msgid: str) -> None:
    """The 撮合 dropdown."""
    open_menu(page, "#nav-matching", item_msgid)


def _library(live_app, make_live_user, uid: str) -> dict:
    """A need about battery thermal management, and two achievements that share its terms."""
    admin = make_live_user("admin")
    researcher = make_live_user("researcher", name=f"刘教授{uid}")
    enterprise = make_live_user("enterprise", name=f"赵经理{uid}")
    institution = f"天津大学储能研究院{uid}"
    cooling = _publish(
        live_app,
        "a",
        researcher.id,
        admin.id,
        {
            "title": f"动力锂电池液冷板热管理技术{uid}",
            "summary": f"面向动力锂电池包的热管理方案：液冷板与相变材料复合散热，电芯温差小于 3℃，已在储能柜验证。{uid}",
            "keywords": f"锂电池、热管理、液冷板、{uid}",
            "maturity": "pilot",
            "price": "80",
            "coop_modes": ["license"],
            "institution": institution,
        },
        "新能源汽车",
    )
    warning = _publish(
        live_app,
        "a",
        researcher.id,
        admin.id,
        {
            "title": f"锂电池热失控早期预警算法{uid}",
            "summary": f"基于电压、温度与气体信号的锂电池热失控早期预警算法，可提前 10 分钟报警。{uid}",
            "keywords": f"锂电池、热失控、预警、{uid}",
            "maturity": "sample",
            "price": "50",
            "coop_modes": ["license"],
            "institution": institution,
        },
        "新能源汽车",
    )
    need = _publish(
        live_app,
        "n",
        enterprise.id,
        admin.id,
        {
            "title": f"储能电池包热管理与热失控预警{uid}",
            "description": f"我公司生产锂电池储能柜，需要锂电池热管理方案（液冷板散热）和热失控预警技术。{uid}",
            "keywords": f"锂电池、热管理、热失控、{uid}",
            "budget": "50-100",
            "coop_modes": ["license"],
        },
        "新能源汽车",
    )
    return {
        "need": need,
        "cooling": cooling,
        "warning": warning,
        "institution": institution,
        "researcher_email": researcher.email,
        "enterprise_email": enterprise.email,
    }


def test_a_broker_rejects_one_suggestion_and_accepts_another(open_page, live_app, make_live_user, screenshot):
    uid = unique()
    made = _library(live_app, make_live_user, uid)
    found = dict(_refresh_need(live_app, made["need"]))
    assert made["cooling"] in found and made["warning"] in found, found
    broker = make_live_user("broker", name=f"孙经理{uid}")

    page = open_page()
    log_in(page, broker.email)
    open_matching_menu(page, "Suggested matches")
    expect(page.get_by_role("heading", name=zh("Suggested matches"))).to_be_visible()
    field(page, "Institution").fill(made["institution"])
    page.locator("#filter-button").click()
    # The achievements may also suit other tests' needs: the rows of this need are the ones to work.
    rows = page.locator("#suggestion-queue tbody tr[data-suggestion]", has_text=f"储能电池包热管理与热失控预警{uid}")
    expect(rows).to_have_count(2)
    first = rows.first
    expect(first.locator("meter.score-bar")).to_be_visible()
    expect(first.locator(".score-part").first).to_contain_text(zh("Shared wording"))
    expect(first.locator(".match-band")).to_contain_text(zh("Confidence"))
    warning_row = rows.filter(has_text=f"锂电池热失控早期预警算法{uid}")
    expect(warning_row.locator(".match-term", has_text="热失控")).to_have_count(1)
    expect(first).to_contain_text(zh("An enterprise"))
    screenshot(page, "matching-queue")

    # The thermal-runaway pair: both texts marked, then rejected as 领域不符.
    warning_row.get_by_role("link", name=zh("Review")).click()
    expect(page.locator("#need-text mark").first).to_be_visible()
    expect(page.locator("#achievement-text mark").first).to_be_visible()
    expect(page.locator("#need-text mark", has_text="锂电池").first).to_be_visible()
    expect(page.locator("#achievement-text mark", has_text="锂电池").first).to_be_visible()
    expect(page.locator("#score-reasons")).to_contain_text(
        zh("Same technical field (%(field)s)") % {"field": "新能源与节能 · 新能源汽车"}
    )
    screenshot(page, "matching-suggestion")
    # Rejected without a reason: the error shows beside the reasons, in view, and the note stays.
    field(page, "Note").fill("领域不同，暂不推荐")
    page.get_by_role("button", name=zh("Reject"), exact=True).click()
    error = page.locator("#reject-form .invalid-feedback", has_text=zh("Choose a reason."))
    expect(error).to_be_in_viewport()
    expect(field(page, "Note")).to_have_value("领域不同，暂不推荐")
    page.get_by_label(zh("Different field"), exact=True).check()
    page.get_by_role("button", name=zh("Reject"), exact=True).click()
    expect(page.locator(".alert-success")).to_contain_text(zh("Different field"))
    expect(field(page, "Institution")).to_have_value(made["institution"])  # the filters are kept
    expect(rows).to_have_count(1)

    # The cooling pair: accepted with a note for both parties.
    rows.first.get_by_role("link", name=zh("Review")).click()
    expect(page.locator("#achievement-title")).to_contain_text(f"动力锂电池液冷板热管理技术{uid}")
    field(page, "Note to both parties").fill("双方可先就液冷板方案与储能柜工况交流。")
    page.get_by_role("button", name=zh("Accept and introduce"), exact=True).click()
    expect(page.locator(".alert-success")).to_be_visible()
    expect(rows).to_have_count(0)

    # The introduction is under negotiation.
    open_matching_menu(page, "Introductions")
    intro_row = page.locator("#introductions tbody tr", has_text=f"储能电池包热管理与热失控预警{uid}")
    expect(intro_row).to_have_count(1)
    expect(intro_row.locator(".intro-outcome")).to_have_text(zh("Negotiating"))
    intro_row.get_by_role("link", name=f"储能电池包热管理与热失控预警{uid}").click()
    expect(page.locator(".intro-outcome")).to_have_text(zh("Negotiating"))
    expect(page.locator("#intro-note")).to_have_text("双方可先就液冷板方案与储能柜工况交流。")
    expect(page.locator("#outcome-form")).to_be_visible()
    screenshot(page, "matching-introduction")


def test_an_enterprise_sees_suggested_achievements_once_its_need_is_published(
    open_page, live_app, make_live_user, screenshot
):
    uid = unique()
    admin = make_live_user("admin")
    researcher = make_live_user("researcher")
    achievement_title = f"污水处理厂曝气节能智能控制系统{uid}"
    _publish(
        live_app,
        "a",
        researcher.id,
        admin.id,
        {
            "title": achievement_title,
            "summary": f"基于溶解氧在线监测的曝气智能控制，污水处理厂鼓风机节能 20% 以上。{uid}",
            "keywords": f"污水处理、曝气、节能、{uid}",
            "maturity": "mass",
            "coop_modes": ["license"],
        },
        "新能源汽车",
    )
    enterprise = make_live_user("enterprise", name=f"周经理{uid}")
    need_title = f"污水处理曝气系统节能改造{uid}"

    owner = open_page()
    log_in(owner, enterprise.email)
    owner.goto("/needs/new")
    field(owner, "Title").fill(need_title)
    field(owner, "Problem description").fill(f"我厂污水处理曝气能耗高，希望引入曝气智能控制实现节能。{uid}")
    field(owner, "Keywords").fill(f"污水处理、曝气、节能、{uid}")
    field(owner, "Technical field").select_option(label="— 新能源汽车")
    owner.get_by_role("button", name=zh("Save and submit for review")).click()
    expect(owner.locator(".listing-status")).to_have_text(zh("Awaiting review"))
    need_url = owner.url
    expect(owner.locator("#match-suggestions")).to_have_count(0)  # nothing before it is public

    moderator = open_page()
    log_in(moderator, admin.email)
    moderator.goto(need_url)
    moderator.get_by_role("button", name=zh("Approve and publish")).click()
    expect(moderator.locator(".alert-success")).to_contain_text(zh("Approved: the listing is now public."))

    # Matching runs in the live server right after the approval's response: once it has stored the
    # need's suggestions, the owner's next look at the page shows them.
    need_id = int(need_url.split("#")[0].rstrip("/").rsplit("/", 1)[-1])
    assert wait_for(lambda: _suggestions(live_app, need_id)), "the need was not matched after its approval"
    owner.goto(need_url)
    box = owner.locator("#match-suggestions")
    expect(box).to_be_visible()
    expect(box).to_contain_text(zh("Achievements that may meet this need"))
    suggestion = box.locator(".match-suggestion", has_text=achievement_title)
    expect(suggestion).to_have_count(1)
    expect(suggestion.locator(".match-term", has_text="曝气")).to_have_count(1)
    screenshot(owner, "need-page-suggested-achievements")

    visitor = open_page()
    visitor.goto(need_url)
    expect(visitor.locator("#listing-title")).to_have_text(need_title)
    expect(visitor.locator("#match-suggestions")).to_have_count(0)


def test_an_admin_edits_the_lexicon_and_follows_a_full_rematch(open_page, live_app, make_live_user, screenshot):
    uid = unique()
    admin = make_live_user("admin")
    _publish(
        live_app,
        "a",
        make_live_user("researcher").id,
        admin.id,
        {
            "title": f"固态电池电解质膜{uid}",
            "summary": f"硫化物固态电解质膜的连续化制备。{uid}",
        },
    )
    page = open_page()
    log_in(page, admin.email)
    open_matching_menu(page, "Matching settings")
    expect(page.get_by_role("heading", name=zh("Matching settings"))).to_be_visible()
    expect(page.locator("#index-state")).to_be_visible()

    word = f"固态锂电{uid}"
    field(page, "Kind").select_option("synonym")
    field(page, "Word").fill(word)
    page.locator("#lexicon-form").get_by_role("button", name=zh("Add"), exact=True).click()
    expect(page.locator("[data-field=canonical] .invalid-feedback")).to_have_text(
        zh("A synonym needs the word it stands for.")
    )
    field(page, "Read as").fill("固态电池")
    page.locator("#lexicon-form").get_by_role("button", name=zh("Add"), exact=True).click()
    expect(page.locator(".alert-success")).to_contain_text(word)
    expect(page.locator("#lexicon-tabs .nav-link.active")).to_have_attribute("data-kind", "synonym")
    row = page.locator("#lexicon-entries tr", has_text=word)
    expect(row).to_contain_text("固态电池")
    screenshot(page, "matching-settings")
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name=zh("Remove")).click()
    expect(page.locator(".alert-success")).to_contain_text(word)
    expect(page.locator("#lexicon-entries tr", has_text=word)).to_have_count(0)

    # The re-match runs in the background; its page follows it to the end on its own.
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#rematch-button").click()
    expect(page.get_by_role("heading", name=re.compile(zh("Full re-match no. %(id)d").split("%")[0]))).to_be_visible()
    expect(page.locator("#match-done")).to_be_visible(timeout=BACKGROUND_MS)
    expect(page.locator("#match-bar")).to_have_attribute("value", "100")
    expect(page.locator("#match-state")).to_have_text(zh("Finished"))
    screenshot(page, "matching-rematch-job")


def _hide_enterprise(live_app, need_id: int, name: str, phone: str) -> None:
    """The need's enterprise does not show who it is; its name and phone are planted to be looked for."""
    from webapp.extensions import db
    from webapp.needs.models import Need

    with changing(live_app):
        need = db.session.get(Need, need_id)
        need.organisation_id, need.organisation_name = None, name
        need.contact_name, need.contact_phone, need.show_identity = "钱主任", phone, False
        db.session.commit()


def _suggestion_of(live_app, need_id: int, achievement_id: int) -> int:
    import sqlalchemy as sa

    from webapp.extensions import db
    from webapp.matching.models import Suggestion

    with live_app.app_context():
        return db.session.scalar(
            sa.select(Suggestion.id).where(Suggestion.need_id == need_id, Suggestion.achievement_id == achievement_id)
        )


def test_the_researcher_sees_the_enterprise_once_both_agreed_to_the_introduction(
    open_page, live_app, make_live_user, screenshot
):
    uid = unique()
    made = _library(live_app, make_live_user, uid)
    assert made["cooling"] in dict(_refresh_need(live_app, made["need"]))
    secret_name = f"津南隐名储能设备有限公司{uid}"
    secret_phone = "139" + uid.translate(str.maketrans("abcdef", "123456"))
    _hide_enterprise(live_app, made["need"], secret_name, secret_phone)
    sid = _suggestion_of(live_app, made["need"], made["cooling"])
    broker = make_live_user("broker", name=f"孙经理{uid}")

    # The broker accepts the pair: an introduction is proposed to both owners.
    page = open_page()
    log_in(page, broker.email)
    page.goto(f"/broker/suggestions/{sid}")
    field(page, "Note to both parties").fill("双方可先就液冷板方案交流。")
    page.get_by_role("button", name=zh("Accept and introduce"), exact=True).click()
    expect(page.locator(".alert-success")).to_be_visible()

    # The researcher opens it from the achievement's page: the enterprise is 某企业, no contacts.
    researcher = open_page()
    log_in(researcher, made["researcher_email"])
    researcher.goto(f"/achievements/{made['cooling']}")
    researcher.locator(".match-introduced").first.click()
    expect(researcher.locator("#intro-need-poster")).to_contain_text(zh("An enterprise"))
    expect(researcher.locator("#intro-need-contact")).to_have_count(0)
    expect(researcher.locator("body")).not_to_contain_text(secret_name)
    expect(researcher.locator("body")).not_to_contain_text(secret_phone)
    screenshot(researcher, "introduction-proposed")
    intro_url = researcher.url
    field(researcher, "Message (optional)").fill("欢迎来实验室看样品。")
    researcher.get_by_role("button", name=zh("Agree to the introduction"), exact=True).click()
    expect(researcher.locator(".alert-success")).to_be_visible()
    expect(researcher.locator(".intro-answer[data-side='achievement']")).to_have_attribute("data-answer", "accepted")
    expect(researcher.locator("body")).not_to_contain_text(secret_phone)

    # The enterprise agrees too.
    enterprise = open_page()
    log_in(enterprise, made["enterprise_email"])
    enterprise.goto(intro_url)
    expect(enterprise.locator("#intro-achievement-hidden")).to_be_visible()
    enterprise.get_by_role("button", name=zh("Agree to the introduction"), exact=True).click()
    expect(enterprise.locator(".alert-success")).to_contain_text(
        zh("Both sides agreed: you now see each other’s contacts below.")
    )
    expect(enterprise.locator("#intro-achievement-contact")).to_contain_text(f"刘教授{uid}")
    expect(enterprise.locator("#intro-answers")).to_contain_text("欢迎来实验室看样品。")

    # Now the researcher sees who the enterprise is and how to reach it.
    researcher.reload()
    expect(researcher.locator("#intro-need-poster")).to_have_text(secret_name)
    expect(researcher.locator("#intro-need-contact")).to_contain_text(secret_phone)
    expect(researcher.locator(".intro-consent")).to_contain_text(zh("Both agreed"))
    screenshot(researcher, "introduction-agreed")

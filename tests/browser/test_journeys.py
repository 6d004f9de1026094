"""Each role's main journey, walked as a new user would, in Chinese on a 1,366 px screen and in English
on a 390 px phone: the visitor searches and reads, the researcher publishes an achievement and
applies to a challenge, the enterprise posts a need and a challenge, the broker turns a suggestion
into an introduction and a deal, the expert declares and scores, the administrator approves a
listing, publishes a challenge and reads the dashboard and the audit log.

Every page the journey reaches is looked at on both screens: no wider than the window, no answer
of 5xx to anything it loaded, and, in English, no interface text left in Chinese (what people
typed, and the names the test made, are theirs and stay as written). A screenshot of every step
goes to test-artifacts/ (journey-<role>-<lang>-<step>).
"""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from tests.browser.conftest import TIMEOUT_MS
from tests.browser.test_browser import unique, zh
from tests.browser.test_layout import CJK, LATIN
from tests.conftest import PASSWORD, changing

pytestmark = [pytest.mark.live, pytest.mark.browser, pytest.mark.xdist_group("browser")]

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DESK, PHONE = 1366, 390
# Chinese is walked on the desk, English on the phone; each page is looked at on both.
ACTING_WIDTH = {"zh": DESK, "en": PHONE}

# The interface's own words: navigation, labels, headers, buttons, hints, messages, badges and
# headings, leaving out the user menu (the user's name), results and cards, the words two texts
# share, links to what people posted and the headings that are a listing's title; messages may still quote what people wrote,
# which is taken out before the check.
INTERFACE_TEXT = """() => Array.from(document.querySelectorAll(`
  nav .nav-link, nav .dropdown-item, label, th, dt, legend, button, .btn, .form-text, footer,
  .breadcrumb-item, .alert, .badge, .invalid-feedback, caption, main h1, main h2, main h3`
)).filter(e => !e.closest('#user-menu, article, .card-title, .match-term, a[href]:not(.btn)')
  && !e.querySelector('a[href]:not(.btn)') && !/-title$/.test(e.id))
  .map(e => (e.innerText || e.textContent || '').trim())"""


# Names other tests made in the live database end in their token (a field, an organisation, a title).
MADE_BY_TESTS = re.compile(r"[\w（）()·-]*?(?=[0-9a-f]{0,7}[0-9])[0-9a-f]{6,8}(?![0-9a-z])")


def mostly_chinese(text: str) -> bool:
    text = text.replace("中文", "")  # the switch back to Chinese
    cjk, latin = len(CJK.findall(text)), len(LATIN.findall(text))
    return cjk > 0 and cjk >= latin


class Walk:
    """One role's journey in one language: `look(step)` after every page the user reaches."""

    def __init__(self, page, role: str, lang: str, screenshot):
        self.page, self.role, self.lang, self.screenshot = page, role, lang, screenshot
        self.width = ACTING_WIDTH[lang]
        self.steps = 0
        self.theirs: set[str] = set()  # what people typed or the test made: not interface text
        self.overflow: list[str] = []
        self.untranslated: list[str] = []
        self.failures: list[str] = []
        page.on("response", self._on_response)
        page.set_viewport_size({"width": self.width, "height": 900})

    def _on_response(self, response) -> None:
        if response.status >= 500:
            self.failures.append(f"{response.status} {response.request.method} {response.url}")

    def t(self, msgid: str) -> str:
        """The text the page shows for msgid in this walk's language."""
        return msgid if self.lang == "en" else zh(msgid)

    def own(self, *texts: str) -> str:
        """Text that belongs to people (typed or made by the test), returned for use."""
        self.theirs.update(t for t in texts if t)
        return texts[0]

    def start(self) -> None:
        if self.lang == "en":
            self.page.goto("/lang/en?next=/")
            expect(self.page.locator("html")).to_have_attribute("lang", "en")

    def log_in(self, email: str) -> None:
        self.start()
        page = self.page
        page.goto("/login")
        page.locator("#email").fill(email)
        page.locator("#password").fill(PASSWORD)
        page.locator("#login-form [type=submit]").click()
        expect(page.locator("#user-menu")).to_have_count(1)  # in the folded menu on a phone
        self.look("logged-in")

    def nav(self, *ids: str) -> None:
        """Follow the navigation bar to a page: through the hamburger on a phone, then each menu."""
        page = self.page
        page.wait_for_load_state("load")
        toggler = page.locator(".navbar-toggler")
        if toggler.is_visible():
            _click_until(page, toggler, lambda: page.locator("#mainnav.show").count() == 1)
            expect(page.locator("#mainnav")).to_have_class(re.compile(r"\bshow\b"))
        *menus, item = ids
        for menu in menus:
            toggle = page.locator(f"#{menu}")
            _click_until(page, toggle, lambda toggle=toggle: toggle.get_attribute("aria-expanded") == "true")
        page.locator(f"#{item}").click()
        page.wait_for_load_state("load")

    def look(self, step: str) -> None:
        """The page as it is now, on both screens; a screenshot on the walk's own."""
        page = self.page
        page.wait_for_load_state("load")
        self.steps += 1
        path = page.url.split("//", 1)[-1].split("/", 1)[-1]
        for width in (DESK if self.width == PHONE else PHONE, self.width):
            page.set_viewport_size({"width": width, "height": 900})
            # Charts redraw on the window's resize event, a frame or more after the resize.
            try:
                page.wait_for_function("w => document.documentElement.scrollWidth <= w", arg=width)
            except PlaywrightTimeout:
                wide = page.evaluate("document.documentElement.scrollWidth")
                self.overflow.append(f"{step} (/{path}) at {width}px: {wide}px wide")
        if self.lang == "en":
            left = set()
            for text in page.evaluate(INTERFACE_TEXT):
                for mine in sorted(self.theirs, key=len, reverse=True):
                    text = text.replace(mine, "")
                text = MADE_BY_TESTS.sub("", text)
                if mostly_chinese(text):
                    left.add(text)

            if left:
                self.untranslated.append(f"{step} (/{path}): {sorted(left)}")
        self.screenshot(page, f"journey-{self.role}-{self.lang}-{self.steps:02d}-{step}")

    def done(self) -> None:
        assert not self.failures, "server errors:\n" + "\n".join(self.failures)
        assert not self.overflow, "wider than the window:\n" + "\n".join(self.overflow)
        assert not self.untranslated, "Chinese in the English interface:\n" + "\n".join(self.untranslated)


def _click_until(page, locator, opened) -> None:
    """Click a toggle until what it opens is open (a click before Bootstrap's script has run does
    nothing; an open one is never clicked shut)."""
    locator.click()
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while not opened() and time.monotonic() < deadline:
        page.wait_for_timeout(200)
        if not opened():
            locator.click()


@pytest.fixture
def world(live_app, challenge_clock):
    """People of every role and what their journeys start from, made through the services: a
    published achievement and a de-identified need, a challenge open for applications, one in expert
    review (the expert not yet declared), one awaiting the bureau's review, a listing awaiting
    moderation, and a suggestion for the broker."""
    from tests.challenges import factory
    from webapp.accounts.models import OrgKind, Role
    from webapp.achievements.services import save_achievement
    from webapp.challenges import posting, review
    from webapp.challenges.applications import check_application, finish_formal_check
    from webapp.extensions import db
    from webapp.listings import lifecycle
    from webapp.matching import services as matching
    from webapp.needs.services import save_need

    uid = unique()
    with live_app.app_context():
        people = factory.make_people()
        made = {"uid": uid, "people": {k: v.id for k, v in vars(people).items()}}
        made["emails"] = {k: v.email for k, v in vars(people).items()}
        made["names"] = {k: v.name for k, v in vars(people).items()}
        made["owner_org"] = people.owner.organisation.name

        def publish(save, owner, data):
            listing = save(owner, None, data)
            lifecycle.apply(listing, "submit", owner)
            lifecycle.apply(listing, "approve", people.admin)
            return listing

        institute = factory.organisation(f"天津大学储能研究院{uid}", OrgKind.UNIVERSITY)
        inventor = factory.user(Role.RESEARCHER, f"刘教授{uid}", institute)
        achievement = publish(
            save_achievement,
            inventor,
            {
                "title": f"储能电池包液冷热管理技术{uid}",
                "summary": f"液冷板与相变材料复合散热，电芯温差小于3℃，已在储能柜中试验证。{uid}",
                "keywords": f"锂电池、热管理、液冷、{uid}",
                "maturity": "pilot",
                "price": "80",
                "coop_modes": ["license"],
            },
        )
        need = publish(
            save_need,
            people.owner,
            {
                "title": f"储能柜锂电池热管理方案{uid}",
                "description": f"我公司生产储能柜，需要锂电池热管理方案（液冷散热），控制电芯温差。{uid}",
                "keywords": f"锂电池、热管理、液冷、{uid}",
                "budget": "50-100",
                "coop_modes": ["license"],
                "contact_phone": "022-58889999",
            },
        )
        made["achievement"], made["achievement_title"] = achievement.id, achievement.title
        made["institution"] = institute.name
        made["need"], made["need_title"] = need.id, need.title

        open_now = factory.published(people, title=f"电驱壳体压铸气孔缺陷攻关{uid}")
        made["open_challenge"], made["open_title"] = open_now.id, open_now.title
        made["posting_need"] = factory.make_need(people.owner).id  # a need for the enterprise to post

        # Its window closes before the open one's: the clock passes it, not the other.
        reviewing = factory.published(
            people, title=f"冷轧钢板表面缺陷在线识别{uid}", closes_at=challenge_clock.T0 + timedelta(days=2)
        )
        applications = [factory.apply(people.tju, reviewing), factory.apply(people.nku, reviewing)]
        factory.closed(people, reviewing)
        for application in applications:
            check_application(people.admin, application, True)
        review.assign_expert(people.admin, reviewing, people.expert)
        finish_formal_check(people.admin, reviewing)
        made["review_challenge"], made["review_title"] = reviewing.id, reviewing.title
        made["units"] = [a.lead_unit for a in applications]
        challenge_clock.set_time(challenge_clock.T0)

        waiting = factory.draft(people, title=f"可降解包装膜增韧改性{uid}")
        posting.submit(people.owner, waiting)
        made["submitted_challenge"], made["submitted_title"] = waiting.id, waiting.title

        pending = save_achievement(
            people.nku,
            None,
            {
                "title": f"耐高温脂肪酶定向改造{uid}",
                "summary": f"定向进化获得耐受70℃的脂肪酶突变体，酶活保留率90%。{uid}",
                "keywords": f"脂肪酶、定向进化、{uid}",
                "institution": factory.NKU,
            },
        )
        lifecycle.apply(pending, "submit", people.nku)
        made["pending_title"] = pending.title
        db.session.commit()
        matching.refresh_need(need.id)
        db.session.commit()
    broker = _broker(live_app, uid)
    made["emails"]["broker"], made["names"]["broker"] = broker
    return made


def _broker(live_app, uid: str) -> tuple[str, str]:
    from tests.challenges.factory import organisation, user
    from webapp.accounts.models import OrgKind, Role
    from webapp.extensions import db

    with live_app.app_context():
        agency = organisation(f"津南技术转移中心{uid}", OrgKind.AGENCY)
        broker = user(Role.BROKER, f"孙经纪{uid}", agency)
        db.session.commit()
        return broker.email, broker.name


def _names(walk: Walk, world: dict) -> None:
    """What the test made is people's content, not the interface's."""
    from tests.challenges import factory

    walk.own(*world["names"].values(), world["owner_org"], *world["units"])
    walk.own(world["achievement_title"], world["need_title"], world["open_title"], world["review_title"])
    walk.own(world["submitted_title"], world["pending_title"], world["institution"], "天津大学", "南开大学")
    walk.own(factory.INSTITUTE, "锂电池", "热管理", "液冷")
    walk.own(
        "高端铝合金壳体精密压铸良率提升", "电驱壳体压铸气孔缺陷攻关", "压铸件气孔导致良率低，需要工艺与模具联合攻关。"
    )
    walk.own("技术方案", "团队能力", "经费与进度", "工艺方案验证", "小批量试产", "量产验收", "良率≥95%")


LANGS = ["zh", "en"]


@pytest.mark.parametrize("lang", LANGS)
def test_a_visitor_searches_reads_and_is_shown_how_to_take_part(lang, world, open_page, screenshot):
    page = open_page()
    walk = Walk(page, "anonymous", lang, screenshot)
    _names(walk, world)
    walk.start()
    page.goto("/")
    walk.look("home")
    walk.nav("nav-achievements")
    page.locator("input[name=q]").first.fill(walk.own(world["uid"]))
    page.locator("input[name=q]").first.press("Enter")
    expect(page.locator("article.listing-result")).to_have_count(1)
    walk.look("achievement-search")
    page.locator("article.listing-result a").first.click()
    expect(page.locator("#listing-title")).to_have_text(world["achievement_title"])
    walk.own("液冷板与相变材料复合散热，电芯温差小于3℃，已在储能柜中试验证。")
    walk.look("achievement")

    walk.nav("nav-needs")
    walk.look("needs")
    page.goto(f"/needs/{world['need']}")
    expect(page.locator("#listing-poster")).not_to_contain_text(world["owner_org"])
    expect(page.locator("body")).not_to_contain_text("022-58889999")
    walk.own("我公司生产储能柜，需要锂电池热管理方案（液冷散热），控制电芯温差。")
    walk.look("need-de-identified")

    walk.nav("nav-challenges")
    expect(page.locator("#challenge-board")).to_contain_text(world["open_title"])
    walk.look("challenge-board")
    page.goto(f"/challenges/{world['open_challenge']}")
    expect(page.locator("body")).to_contain_text(world["open_title"])
    walk.look("challenge")
    page.goto("/register")
    walk.look("register")
    walk.done()


@pytest.mark.parametrize("lang", LANGS)
def test_a_researcher_publishes_an_achievement_and_applies_to_a_challenge(lang, world, open_page, screenshot):
    page = open_page()
    walk = Walk(page, "researcher", lang, screenshot)
    _names(walk, world)
    walk.log_in(world["emails"]["tju"])
    walk.nav("nav-my-listings", "nav-new-achievement")
    title = walk.own(f"低温等离子体废气处理装置{world['uid']}")
    page.locator("#title").fill(title)
    page.locator("#summary").fill(walk.own("介质阻挡放电低温等离子体处理喷涂车间VOCs，去除率达90%以上。"))
    page.locator("#field_id").select_option(index=2)
    page.locator("#keywords").fill(walk.own("VOCs、等离子体、废气治理", "等离子体", "废气治理"))
    page.locator("#maturity").select_option("pilot")
    page.locator("#price").fill("30-60")
    page.locator("input[name=coop_modes]").first.check()
    walk.look("achievement-form")
    page.locator("#submit_review").click()
    expect(page.locator(".listing-status")).to_have_text(walk.t("Awaiting review"))
    expect(page.locator("#listing-title")).to_have_text(title)
    walk.look("achievement-submitted")
    walk.nav("nav-my-listings", "nav-my-achievements")
    expect(page.locator("#my-listings")).to_contain_text(title)
    walk.look("my-achievements")

    walk.nav("nav-challenges")
    walk.look("challenge-board")
    page.goto(f"/challenges/{world['open_challenge']}")
    page.locator("#apply-button").click()
    page.locator("#team").fill(walk.own("负责人及5名骨干，长期从事压铸工艺研究"))
    page.locator("#plan").fill(walk.own("真空压铸与模温精确控制的技术路线"))
    page.locator("#budget").fill("180")
    page.locator("#schedule").fill(walk.own("12个月：工艺验证、小批量试产、量产验收"))
    page.locator("#files").set_input_files([{"name": "技术方案.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    walk.own("技术方案.pdf")
    page.locator("#commitment_signed").check()
    walk.look("apply-form")
    page.locator("#submit_application").click()
    expect(page.locator(".alert-success[role=alert]")).to_contain_text(
        walk.t("Application submitted. You can withdraw it until the deadline.")
    )
    walk.look("applied")
    walk.nav("nav-my-applications")
    expect(page.locator("#my-applications")).to_contain_text(world["open_title"])
    walk.look("my-applications")
    walk.nav("nav-my-dashboard")
    walk.look("my-dashboard")
    walk.nav("nav-notifications")
    walk.look("notifications")
    walk.done()


@pytest.mark.parametrize("lang", LANGS)
def test_an_enterprise_posts_a_need_and_a_challenge(lang, world, open_page, screenshot, challenge_clock):
    page = open_page()
    walk = Walk(page, "enterprise", lang, screenshot)
    _names(walk, world)
    walk.log_in(world["emails"]["owner"])
    walk.nav("nav-my-listings", "nav-new-need")
    title = walk.own(f"注塑件表面缩痕在线检测{world['uid']}")
    page.locator("#title").fill(title)
    page.locator("#description").fill(walk.own("汽车内饰注塑件表面缩痕依靠人工目检，漏检率高，需要在线视觉检测方案。"))
    page.locator("#field_id").select_option(index=2)
    page.locator("#budget").fill("20-50")
    page.locator("input[name=coop_modes]").first.check()
    walk.look("need-form")
    page.locator("#submit_review").click()
    expect(page.locator(".listing-status")).to_have_text(walk.t("Awaiting review"))
    walk.look("need-submitted")
    walk.nav("nav-my-listings", "nav-my-needs")
    expect(page.locator("#my-listings")).to_contain_text(title)
    walk.look("my-needs")

    # 企业出题: a published need becomes a challenge, submitted to the bureau.
    now = challenge_clock.local_now()
    page.goto(f"/needs/{world['posting_need']}")
    walk.own("新能源汽车电驱壳体压铸气孔缺陷导致良率仅85%，需要工艺攻关。", "良率≥95%，气孔率≤0.5%")
    walk.look("need")
    page.locator("#post-challenge").click()
    page.locator("#bounty").fill("200")
    page.locator("#opens_on").fill(now.date().isoformat())
    page.locator("#opens_time").fill("09:00")
    page.locator("#closes_on").fill((now.date() + timedelta(days=20)).isoformat())
    page.locator("#closes_time").fill("17:00")
    page.locator("input[name=milestone_title]").first.fill(walk.own("工艺方案验证及小批量试产"))
    page.locator("input[name=milestone_share]").first.fill("100")
    page.locator("input[name=milestone_due]").first.fill((now.date() + timedelta(days=120)).isoformat())
    walk.look("challenge-form")
    page.locator("#save_submit").click()
    expect(page.locator(".alert-success[role=alert]")).to_be_visible()
    walk.look("challenge-submitted")
    walk.nav("nav-my-listings", "nav-my-challenges")
    walk.look("my-challenges")
    walk.nav("nav-my-listings", "nav-my-deals")
    walk.look("my-deals")
    walk.nav("nav-my-dashboard")
    walk.look("my-dashboard")
    walk.done()


def _both_agree(live_app, need_id: int) -> None:
    """The enterprise and the researcher agree to the broker's introduction (on its page, as their
    own journeys would)."""
    import sqlalchemy as sa

    from tests.matching.consent_helpers import both_agree
    from webapp.extensions import db
    from webapp.matching.models import Introduction, Suggestion

    with changing(live_app):
        intro = db.session.scalar(
            sa.select(Introduction)
            .join(Suggestion, Suggestion.id == Introduction.suggestion_id)
            .where(Suggestion.need_id == need_id)
        )
        both_agree(intro)
        db.session.commit()


@pytest.mark.parametrize("lang", LANGS)
def test_a_broker_turns_a_suggestion_into_an_introduction_and_a_deal(lang, world, open_page, screenshot, live_app):
    page = open_page()
    walk = Walk(page, "broker", lang, screenshot)
    _names(walk, world)
    walk.log_in(world["emails"]["broker"])
    walk.nav("nav-matching", "nav-suggestions")
    walk.look("suggestions")
    page.locator("#institution").fill(world["institution"])
    page.locator("#filter-button").click()
    rows = page.locator("#suggestion-queue tbody tr[data-suggestion]", has_text=world["need_title"])
    expect(rows).to_have_count(1)
    walk.look("suggestions-filtered")
    rows.first.locator("a.btn-primary").click()
    expect(page.locator("#achievement-title")).to_contain_text(world["achievement_title"])
    walk.own("我公司生产储能柜，需要锂电池热管理方案（液冷散热），控制电芯温差。")
    walk.own("液冷板与相变材料复合散热，电芯温差小于3℃，已在储能柜中试验证。")
    walk.look("suggestion")
    page.locator("#note").fill(walk.own("双方可先就液冷方案与储能柜工况交流。"))
    page.locator("#accept").click()
    expect(page.locator(".alert-success")).to_be_visible()
    walk.look("accepted")
    _both_agree(live_app, world["need"])

    walk.nav("nav-matching", "nav-introductions")
    row = page.locator("#introductions tbody tr", has_text=world["need_title"])
    expect(row).to_have_count(1)
    walk.look("introductions")
    row.get_by_role("link", name=world["need_title"]).click()
    expect(page.locator("#intro-note")).to_have_text("双方可先就液冷方案与储能柜工况交流。")
    walk.look("introduction")
    page.locator("#intro-open-deal").click()
    page.locator("#contract_type").select_option("licence")
    page.locator("#value").fill("60")
    walk.look("deal-form")
    page.locator("#save").click()
    expect(page.locator("#deal-state [data-state]")).to_have_attribute("data-state", "negotiating")
    walk.look("deal")
    page.locator("#signed_on").fill("2026-03-01")
    page.locator("#sign").click()
    expect(page.locator("#deal-state [data-state]")).to_have_attribute("data-state", "signed")
    walk.look("deal-signed")
    walk.nav("nav-deals")
    walk.look("deals")
    walk.nav("nav-my-dashboard")
    walk.look("my-dashboard")
    walk.done()


@pytest.mark.parametrize("lang", LANGS)
def test_an_expert_declares_and_scores_an_application(lang, world, open_page, screenshot):
    page = open_page()
    walk = Walk(page, "expert", lang, screenshot)
    _names(walk, world)
    walk.own("负责人及5名骨干", "真空压铸+模温精确控制的技术路线", "12个月分三阶段")
    walk.log_in(world["emails"]["expert"])
    walk.nav("nav-review-tasks")
    expect(page.locator("main")).to_contain_text(world["review_title"])
    walk.look("review-tasks")
    page.locator("li[data-application]", has_text=world["units"][0]).get_by_role("link").click()
    expect(page.locator("#declaration-form")).to_be_visible()
    walk.look("declaration")
    page.locator("#d-has_conflict-0").check()
    page.locator("#d-declare").click()
    expect(page.locator("#plan")).to_be_visible()
    walk.look("application")
    inputs = page.locator("#score-form input[type=number]")
    for number in range(inputs.count()):
        inputs.nth(number).fill("85")
    page.locator("#s-comment").fill(walk.own("技术路线清晰，团队基础扎实。"))
    page.locator("#s-score").click()
    expect(page.locator(".alert-success[role=alert]")).to_contain_text(walk.t("Your scores are submitted."))
    walk.look("scored")
    walk.nav("nav-my-dashboard")
    walk.look("my-dashboard")
    walk.done()


@pytest.mark.parametrize("lang", LANGS)
def test_an_administrator_approves_publishes_and_reads_the_figures(lang, world, open_page, screenshot):
    page = open_page()
    walk = Walk(page, "admin", lang, screenshot)
    _names(walk, world)
    walk.own("定向进化获得耐受70℃的脂肪酶突变体，酶活保留率90%。", "脂肪酶", "定向进化")
    walk.log_in(world["emails"]["admin"])
    walk.nav("nav-review", "nav-moderation")
    walk.look("moderation")
    page.locator("#queue-search").fill(world["pending_title"])
    page.locator("#queue-search").press("Enter")
    row = page.locator("tr", has_text=world["pending_title"])
    expect(row).to_have_count(1)
    walk.look("moderation-search")
    row.get_by_role("link", name=world["pending_title"]).click()
    expect(page.locator("#listing-title")).to_have_text(world["pending_title"])
    walk.look("listing-to-approve")
    page.get_by_role("button", name=walk.t("Approve and publish")).click()
    expect(page.locator(".alert-success")).to_contain_text(walk.t("Approved: the listing is now public."))
    walk.look("approved")

    # 政府助题 and 发榜.
    walk.nav("nav-review", "nav-challenge-review")
    expect(page.locator("main")).to_contain_text(world["submitted_title"])
    walk.look("challenge-review")
    page.goto(f"/challenges/{world['submitted_challenge']}")
    walk.look("challenge-to-publish")
    page.locator("#cofunding").fill("50")
    page.locator("#act-publish").click()
    expect(page.locator(".alert-success[role=alert]")).to_be_visible()
    walk.look("challenge-published")

    walk.nav("nav-dashboard")
    walk.look("dashboard")
    walk.nav("nav-admin", "nav-users")
    walk.look("users")
    walk.nav("nav-admin", "nav-audit")
    expect(page.locator("main")).to_contain_text(world["submitted_title"])
    walk.look("audit-log")
    walk.done()

"""Listings in a real browser: a researcher's achievement through moderation to the public page,
and an enterprise's need, which the public sees without the enterprise's name.

Texts are the Chinese ones users see (from the catalogue, through zh()); every page visited is
also checked for console errors, CSP violations and foreign requests (see conftest.py).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.test_browser import field, log_in, open_menu, unique, zh
from webapp.core import clock
from webapp.core.identifiers import uscc_check_char

pytestmark = [pytest.mark.live, pytest.mark.browser, pytest.mark.xdist_group("browser")]

DISTRICT_ADDRESS = "天津市津南区咸水沽镇津沽路 88 号"


def open_my_listings_menu(page, item_msgid: str) -> None:
    open_menu(page, "#nav-my-listings", item_msgid)


def expect_field_error(page, name: str, msgid: str) -> None:
    expect(page.locator(f"[data-field={name}] .invalid-feedback")).to_have_text(zh(msgid))


def queue_row(page, title: str):
    """The queue row of a listing, found through the queue's title search (the live database keeps
    other tests' listings, so the queue may be longer than one page)."""
    search = page.locator("#queue-search")
    if search.input_value() != title:
        search.fill(title)
        search.press("Enter")
        page.wait_for_load_state()
    return page.locator("#moderation-queue tbody tr", has_text=title)


def test_an_achievement_goes_from_researcher_through_moderation_to_the_public(open_page, make_live_user, screenshot):
    uid = unique()
    title = f"一种高安全性固态锂离子电池{uid}"
    researcher = make_live_user("researcher", name=f"张教授{uid}")
    admin = make_live_user("admin", name=f"管理员{uid}")

    # The researcher fills the form; a blank title is refused and nothing typed is lost.
    author = open_page()
    log_in(author, researcher.email)
    open_my_listings_menu(author, "Publish an achievement")
    expect(author.get_by_role("heading", name=zh("Publish an achievement"))).to_be_visible()
    field(author, "Title").fill("   ")
    field(author, "Summary").fill("采用硫化物固态电解质，能量密度达到 350 Wh/kg。\n\n可用于储能电站。")
    field(author, "Technical field").select_option(label="— 人工智能")
    field(author, "Keywords").fill("锂电池、固态电解质、储能")
    field(author, "Maturity").select_option(value="pilot")
    field(author, "Technology readiness level (TRL)").select_option("6")
    field(author, "Price (10k CNY)").fill("50-100")
    author.get_by_label(zh("Licence"), exact=True).check()
    author.get_by_label(zh("Equity investment"), exact=True).check()
    field(author, "University or institute").fill("天津大学")
    field(author, "Confidential details").fill("电解质配方：Li6PS5Cl 掺杂 2% Br")
    author.get_by_role("button", name=zh("Save and submit for review")).click()

    expect_field_error(author, "title", "A title is required.")
    expect(author.locator(".invalid-feedback")).to_have_count(1)
    expect(field(author, "Summary")).to_have_value("采用硫化物固态电解质，能量密度达到 350 Wh/kg。\n\n可用于储能电站。")
    expect(field(author, "Price (10k CNY)")).to_have_value("50-100")
    expect(author.get_by_label(zh("Licence"), exact=True)).to_be_checked()
    screenshot(author, "achievement-form-blank-title")

    field(author, "Title").fill(title)
    author.get_by_role("button", name=zh("Save and submit for review")).click()
    expect(author.locator(".alert-success")).to_contain_text(zh("Submitted for review."))
    expect(author.locator("#listing-title")).to_have_text(title)
    expect(author.locator(".listing-status")).to_have_text(zh("Awaiting review"))
    expect(author.locator("#listing-price")).to_have_text("50–100 万元")
    detail_url = author.url
    screenshot(author, "achievement-submitted")

    # The administrator returns it with a reason from the moderation queue.
    moderator = open_page()
    log_in(moderator, admin.email)
    expect(moderator.locator("#moderation-count")).to_be_visible()
    moderator.locator("#nav-review").click()
    moderator.locator("#nav-moderation").click()
    row = queue_row(moderator, title)
    expect(row).to_have_count(1)
    screenshot(moderator, "moderation-queue")
    row.get_by_placeholder(zh("Reason (the owner will see it)")).fill("请补充授权专利号")
    row.get_by_role("button", name=zh("Return for changes")).click()
    expect(moderator.locator(".alert-success")).to_contain_text(zh("Returned to the owner with your reason."))
    expect(queue_row(moderator, title)).to_have_count(0)

    # The researcher sees why, edits and resubmits.
    author.goto(detail_url)
    expect(author.locator(".listing-status")).to_have_text(zh("Returned for changes"))
    expect(author.locator(".moderation-reason")).to_contain_text("请补充授权专利号")
    screenshot(author, "achievement-returned")
    open_my_listings_menu(author, "My achievements")
    mine = author.locator("#my-listings tbody tr", has_text=title)
    expect(mine.locator(".listing-status")).to_have_text(zh("Returned for changes"))
    expect(mine).to_contain_text("请补充授权专利号")
    screenshot(author, "my-achievements")
    mine.get_by_role("link", name=title).click()
    author.get_by_role("link", name=zh("Edit"), exact=True).click()
    expect(author.locator(".moderation-reason")).to_contain_text("请补充授权专利号")
    field(author, "Patents").fill("ZL201720001285.3")
    author.get_by_role("button", name=zh("Save and submit for review")).click()
    expect(author.locator("[data-field=patents] .invalid-feedback")).to_contain_text("ZL201720001285.3")
    field(author, "Patents").fill("ZL201720001285.X")
    author.get_by_role("button", name=zh("Save and submit for review")).click()
    expect(author.locator(".listing-status")).to_have_text(zh("Awaiting review"))
    expect(author.locator("#listing-facts")).to_contain_text("ZL201720001285.X")

    # The administrator approves it.
    moderator.goto("/admin/moderation/")
    row = queue_row(moderator, title)
    row.get_by_role("link", name=title).click()
    expect(moderator.locator("#listing-title")).to_have_text(title)
    expect(moderator.locator("#confidential-text")).to_contain_text("Li6PS5Cl")
    moderator.get_by_role("button", name=zh("Approve and publish")).click()
    expect(moderator.locator(".alert-success")).to_contain_text(zh("Approved: the listing is now public."))
    expect(moderator.locator(".listing-status")).to_have_text(zh("Published"))

    # Anyone finds it in the library and reads the public page, without the confidential part.
    visitor = open_page()
    visitor.goto("/")
    visitor.locator("#nav-achievements").click()
    expect(visitor.locator("main")).to_contain_text(title)
    screenshot(visitor, "achievements-library-public")
    visitor.goto(detail_url)
    expect(visitor.locator("#listing-title")).to_have_text(title)
    expect(visitor.locator("#listing-facts")).to_contain_text(zh("Pilot-scale tested"))
    expect(visitor.locator("#listing-facts")).to_contain_text("天津大学")
    expect(visitor.locator(".listing-status")).to_have_count(0)
    expect(visitor.locator("#confidential")).to_contain_text(zh("Log in to ask the owner for access."))
    expect(visitor.locator("body")).not_to_contain_text("Li6PS5Cl")
    screenshot(visitor, "achievement-public-page")


def _enterprise_with_address(live_app) -> tuple[int, str]:
    from webapp.accounts.models import Organisation, OrgKind
    from webapp.extensions import db

    name = f"津南新能源电池有限公司{unique()}"
    body = "91120112MA" + unique()[:7].upper()  # hex digits: all in the credit-code alphabet
    with live_app.app_context():
        org = Organisation(
            kind=OrgKind.ENTERPRISE, name=name, uscc=body + uscc_check_char(body), address=DISTRICT_ADDRESS
        )
        db.session.add(org)
        db.session.commit()
        return org.id, name


def test_an_enterprise_need_is_published_without_the_enterprise_name(open_page, live_app, make_live_user, screenshot):
    uid = unique()
    title = f"动力电池热失控早期预警{uid}"
    org_id, org_name = _enterprise_with_address(live_app)
    enterprise = make_live_user("enterprise", name=f"王经理{uid}", phone="022-88886666", organisation_id=org_id)
    admin = make_live_user("admin")

    owner = open_page()
    log_in(owner, enterprise.email)
    open_my_listings_menu(owner, "Post a need")
    expect(field(owner, "Contact person")).to_have_value(f"王经理{uid}")
    expect(field(owner, "Contact phone")).to_have_value("022-88886666")
    expect(owner.locator("#linked-organisation")).to_have_text(org_name)
    field(owner, "Title").fill(title)
    field(owner, "Problem description").fill("我公司生产磷酸铁锂电池包，需要在热失控前 10 分钟发出预警。")
    field(owner, "Technical indicators").fill("误报率 < 1%")
    field(owner, "Technical field").select_option(label="— 人工智能")
    field(owner, "Budget (10k CNY)").fill("20-50")
    yesterday = clock.today() - timedelta(days=1)  # the district's yesterday
    field(owner, "Deadline").fill(yesterday.isoformat())
    owner.get_by_label(zh("Joint development"), exact=True).check()
    owner.get_by_role("button", name=zh("Save and submit for review")).click()
    expect(owner.locator("[data-field=deadline] .invalid-feedback")).to_contain_text(yesterday.isoformat())
    expect(field(owner, "Problem description")).to_have_value(
        "我公司生产磷酸铁锂电池包，需要在热失控前 10 分钟发出预警。"
    )
    screenshot(owner, "need-form-past-deadline")
    field(owner, "Deadline").fill((yesterday + timedelta(days=91)).isoformat())
    owner.get_by_role("button", name=zh("Save and submit for review")).click()
    expect(owner.locator(".listing-status")).to_have_text(zh("Awaiting review"))
    expect(owner.locator("#listing-poster")).to_contain_text(org_name)  # the owner sees who asks
    expect(owner.locator("#identity-note")).to_contain_text("某企业（津南区）")
    detail_url = owner.url

    moderator = open_page()
    log_in(moderator, admin.email)
    moderator.locator("#nav-review").click()
    moderator.locator("#nav-moderation").click()
    row = queue_row(moderator, title)
    row.get_by_role("button", name=zh("Approve and publish")).click()
    expect(moderator.locator(".alert-success")).to_contain_text(zh("Approved: the listing is now public."))

    visitor = open_page()
    visitor.goto("/")
    visitor.locator("#nav-needs").click()
    expect(visitor.locator("main")).to_contain_text(title)
    expect(visitor.locator("main")).not_to_contain_text(org_name)
    visitor.goto(detail_url)
    expect(visitor.locator("#listing-title")).to_have_text(title)
    expect(visitor.locator("#listing-poster")).to_have_text(re.compile(r"^\s*某企业（津南区）\s*$"))
    expect(visitor.locator("#listing-budget")).to_have_text("20–50 万元")
    for hidden in (org_name, f"王经理{uid}", "022-88886666"):
        expect(visitor.locator("body")).not_to_contain_text(hidden)
    screenshot(visitor, "need-public-page-de-identified")

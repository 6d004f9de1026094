"""The admin's duplicate queue and field taxonomy in a real browser: a repost by a researcher shows
up with its differences marked and the admin merges it (it goes offline as 重复发布); then the admin
adds a sub-field and is told, next to the name, when the name is taken."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_browser import field, log_in, unique, zh
from tests.conftest import changing
from tests.dedupe.texts import DEFECTS_TEXT, DEFECTS_TITLE, REPOST_TEXT, REPOST_TITLE

pytestmark = [pytest.mark.live, pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _submitted_pair(live_app, owner_id: int, admin_id: int, uid: str) -> tuple[int, int]:
    """An achievement and a repost of it submitted and approved afterwards, through the services."""
    from webapp.accounts.models import User
    from webapp.achievements.services import save_achievement
    from webapp.extensions import db
    from webapp.listings import lifecycle

    with changing(live_app):
        owner = db.session.get(User, owner_id)
        admin = db.session.get(User, admin_id)
        first = save_achievement(owner, None, {"title": f"{DEFECTS_TITLE}{uid}", "summary": f"{DEFECTS_TEXT}{uid}"})
        lifecycle.apply(first, "submit", owner)
        lifecycle.apply(first, "approve", admin)
        second = save_achievement(owner, None, {"title": f"{REPOST_TITLE}{uid}", "summary": f"{REPOST_TEXT}{uid}"})
        lifecycle.apply(second, "submit", owner)  # flagged here
        lifecycle.apply(second, "approve", admin)
        db.session.commit()
        return first.id, second.id


def test_admin_merges_a_repost_and_edits_the_field_taxonomy(open_page, live_app, make_live_user, screenshot):
    uid = unique()
    researcher = make_live_user("researcher", name=f"李研究员{uid}")
    admin = make_live_user("admin", name=f"管理员{uid}")
    older, newer = _submitted_pair(live_app, researcher.id, admin.id, uid)

    page = open_page()
    log_in(page, admin.email)
    page.locator("a.dropdown-toggle", has_text=zh("Administration")).click()
    page.get_by_role("link", name=zh("Possible duplicates"), exact=True).click()
    card = page.locator(".duplicate-pair", has_text=uid)
    expect(card).to_have_count(1)
    expect(card.locator(".duplicate-side").first).to_contain_text(zh("Earlier listing"))
    expect(card.locator(".duplicate-side").first.locator("mark.diff-mark").first).to_have_text("材")
    expect(card.locator(".duplicate-side").last.locator("mark.diff-mark").first).to_have_text("板")
    screenshot(page, "admin-possible-duplicates")
    card.get_by_role("button", name=zh("Merge: the later one is a duplicate")).click()
    expect(page.locator(".alert-success")).to_contain_text(f"{REPOST_TITLE}{uid}")
    expect(page.locator(".duplicate-pair", has_text=uid)).to_have_count(0)

    # The repost is offline with the reason its owner is told; the original stays published.
    page.goto(f"/achievements/{newer}")
    expect(page.locator(".listing-status")).to_have_text(zh("Offline"))
    expect(page.locator(".moderation-reason")).to_contain_text("重复发布")
    expect(page.locator("#duplicate-warning")).to_have_count(0)
    page.goto(f"/achievements/{older}")
    expect(page.locator("#listing-title")).to_have_text(f"{DEFECTS_TITLE}{uid}")

    # The taxonomy: add a sub-field under 电子信息, then try the same name again.
    page.locator("a.dropdown-toggle", has_text=zh("Administration")).click()
    page.get_by_role("link", name=zh("Technical fields"), exact=True).click()
    expect(page.locator("#field-tree")).to_contain_text("人工智能")
    screenshot(page, "admin-fields")
    name = f"光电子器件{uid}"
    for attempt in range(2):
        page.goto("/admin/fields/new")
        field(page, "Field name").fill(name)
        field(page, "Parent field").select_option(label="电子信息")
        field(page, "Other names").fill("光电器件, 激光器")
        page.get_by_role("button", name=zh("Save")).click()
        if attempt == 0:
            expect(page.locator("#field-tree")).to_contain_text(name)
    expect(page.locator("[data-field=name] .invalid-feedback")).to_contain_text(name)
    expect(field(page, "Other names")).to_have_value("光电器件, 激光器")
    screenshot(page, "admin-field-duplicate-name")

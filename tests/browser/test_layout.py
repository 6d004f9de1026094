"""Nothing leaves the screen: every role's main pages, in Chinese and in English, at a 1,024 and a
1,366 px window and on a 390 px phone, are no wider than the window (the navigation bar folds into
menus or the hamburger instead of pushing the bell and the user menu off-screen), and the English
pages' navigation speaks English. Screenshots: layout-<role>-<lang>-<width>."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_browser import log_in

pytestmark = [pytest.mark.live, pytest.mark.browser, pytest.mark.xdist_group("browser")]

WIDTHS = (1024, 1366, 390)
# The page each role lands on most, beside the home page and the libraries.
PAGES = {
    "anonymous": ["/", "/achievements/", "/needs/", "/challenges/", "/login", "/register"],
    "researcher": [
        "/",
        "/achievements/new",
        "/achievements/mine",
        "/applications/mine",
        "/dashboard/me/",
        "/notifications/",
        "/notifications/settings",
        "/account",
        "/account/tokens",
    ],
    "enterprise": [
        "/",
        "/needs/new",
        "/needs/mine",
        "/challenges/mine",
        "/challenges/new",
        "/deals/",
        "/dashboard/me/",
    ],
    "broker": ["/", "/broker/suggestions", "/broker/introductions", "/deals/", "/deals/new", "/dashboard/me/"],
    "expert": ["/", "/expert/challenges", "/dashboard/me/", "/notifications/"],
    "admin": [
        "/",
        "/dashboard/",
        "/admin/",
        "/admin/moderation/",
        "/admin/challenges",
        "/admin/users",
        "/admin/audit",
        "/admin/tokens",
        "/admin/fields/",
        "/admin/matching",
        "/dashboard/targets",
    ],
}
CJK = re.compile(r"[\u3400-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")


def untranslated_text(text: str) -> bool:
    """Mostly Chinese: a string left untranslated (an English hint may quote Chinese examples such
    as 锂电池 or the unit 万元 the amounts are typed in)."""
    text = text.replace("中文", "")  # the switch back to Chinese
    cjk, latin = len(CJK.findall(text)), len(LATIN.findall(text))
    return cjk > 0 and cjk >= latin


# The texts of the interface's own elements on a page (the user menu shows the user's name).
INTERFACE_TEXT = """() => Array.from(document.querySelectorAll(
  'nav .nav-link, nav .dropdown-item, label, th, dt, legend, button, .btn, .form-text, footer, .breadcrumb-item'
)).filter(e => !e.closest('#user-menu')).map(e => e.innerText.trim())"""


@pytest.mark.parametrize("role", list(PAGES))
def test_no_page_is_wider_than_the_window_for_any_role_language_or_width(
    role, live_app, make_live_user, open_page, screenshot
):
    people = {}
    if role != "anonymous":
        people[role] = make_live_user(role, name=f"{role} 测试用户")
    pages = list(PAGES[role])
    overflow, untranslated = [], []
    for lang in ("zh", "en"):
        page = open_page()
        if role != "anonymous":
            log_in(page, people[role].email)
        if lang == "en":
            page.goto("/lang/en?next=/")
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            for path in pages:
                response = page.goto(path)
                assert response.status < 500, f"{path} answered {response.status}"
                page.wait_for_load_state("load")
                wide = page.evaluate("document.documentElement.scrollWidth")
                if wide > width:
                    overflow.append(f"{role} {lang} {width}px {path}: {wide}px wide")
                if lang == "en" and width == WIDTHS[1]:
                    # The interface's own words (labels, headers, buttons, menus), not what people wrote.
                    words = page.evaluate(INTERFACE_TEXT)
                    chinese = sorted({w for w in words if untranslated_text(w)})
                    if chinese:
                        untranslated.append(f"{role} {path}: {chinese}")
            screenshot(page, f"layout-{role}-{lang}-{width}")
        expect(page.locator("body")).to_be_visible()
    assert not overflow, "\n".join(overflow)
    assert not untranslated, "Chinese in the English interface:\n" + "\n".join(untranslated)


def test_on_a_phone_the_first_result_comes_before_the_filters(live_app, make_live_user, open_page):
    from tests.listings.search_factory import make_listing
    from webapp.extensions import db

    with live_app.app_context():
        make_listing(db.session, "a", title="手机上先看到的成果", summary="用于检查手机布局。")
        db.session.commit()
    page = open_page()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/achievements/")
    first = page.locator("article.listing-result").first
    expect(first).to_be_in_viewport()  # not ~1,000 px down below the filter panel
    expect(page.locator("#filter-panel")).to_be_hidden()
    page.locator("#filters-toggle").click()
    expect(page.locator("#field")).to_be_visible()
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/achievements/")
    expect(page.locator("#field")).to_be_visible()  # beside the results on a wide screen
    expect(page.locator("#filters-toggle")).to_be_hidden()

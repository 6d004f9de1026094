"""What a person sees in a real browser: registering, switching language, logging in and out,
the credit-code check, and the administrator's view of it all.

Chinese is the default language: expected texts come from the zh_CN catalogue, so they follow
the translators' wording. Every page visited is also checked for console errors, CSP violations
and requests to anything but the live server (see conftest.py).
"""

from __future__ import annotations

import functools
import random
import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.browser.conftest import TIMEOUT_MS
from tests.conftest import PASSWORD
from webapp.core.identifiers import USCC_ALPHABET, uscc_check_char

pytestmark = [pytest.mark.live, pytest.mark.browser, pytest.mark.xdist_group("browser")]

TRANSLATIONS = Path(__file__).resolve().parents[2] / "webapp" / "translations" / "zh_CN" / "LC_MESSAGES"
BOOTSTRAP_PRIMARY = "rgb(13, 110, 253)"


@functools.cache
def _catalogues():
    from babel.messages.mofile import read_mo
    from babel.messages.pofile import read_po

    po_path, mo_path = TRANSLATIONS / "messages.po", TRANSLATIONS / "messages.mo"
    if not po_path.exists():
        return None, None
    if not mo_path.exists():
        pytest.fail(f"{mo_path} is missing: run `make translations`", pytrace=False)
    with po_path.open("rb") as po, mo_path.open("rb") as mo:
        return read_po(po, locale="zh_CN"), read_mo(mo)


def zh(msgid: str) -> str:
    """The Chinese text users see for msgid (msgid itself while it has no translation)."""
    source, compiled = _catalogues()
    if source is None:  # no catalogue yet: the pages show the English source text
        return msgid
    message = source.get(msgid)
    expected = message.string if message is not None and message.string else msgid
    shown = compiled.get(msgid)
    shown = shown.string if shown is not None and shown.string else msgid
    if shown != expected:
        pytest.fail(f"the compiled catalogue is stale for {msgid!r}: run `make translations`", pytrace=False)
    return expected


@dataclass
class Registration:
    role: str
    name: str
    email: str
    organisation: str
    uscc: str | None = None


@pytest.fixture(scope="session")
def registrations() -> list[Registration]:
    """Accounts registered through the browser in this session, for the administrator to find."""
    return []


def unique() -> str:
    return uuid.uuid4().hex[:8]


def new_uscc() -> str:
    """A valid unified social credit code no earlier run has used (the live database keeps data)."""
    body = "91120112" + "".join(random.SystemRandom().choices(USCC_ALPHABET, k=9))
    return body + uscc_check_char(body)


def with_wrong_check_char(code: str) -> str:
    return code[:17] + USCC_ALPHABET[(USCC_ALPHABET.index(code[17]) + 1) % len(USCC_ALPHABET)]


def field(page, msgid: str, english: bool = False):
    return page.get_by_label(msgid if english else zh(msgid), exact=True)


def expect_chinese(page) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("#lang-switch")).to_have_text("English")


def expect_english(page) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#lang-switch")).to_have_text("中文")


def expect_logged_in_as(page, name: str, role_msgid: str) -> None:
    menu = page.locator("#user-menu")
    expect(menu).to_contain_text(name)
    expect(menu).to_contain_text(
        zh(role_msgid) if page.locator("html").get_attribute("lang") == "zh-CN" else role_msgid
    )


def fill_account(page, name: str, email: str, phone: str = "") -> None:
    field(page, "Your name").fill(name)
    field(page, "E-mail").fill(email)
    field(page, "Phone").fill(phone)
    field(page, "Password").fill(PASSWORD)
    field(page, "Repeat password").fill(PASSWORD)


def register_researcher(page) -> Registration:
    uid = unique()
    reg = Registration("researcher", f"李研究{uid}", f"researcher-{uid}@browser.jiebang.cn", "天津大学")
    page.goto("/register")
    field(page, "A researcher with results to transfer").check()
    fill_account(page, reg.name, reg.email)
    field(page, "University or institute").select_option(label=reg.organisation)
    page.get_by_role("button", name=zh("Create account")).click()
    expect(page).to_have_url(re.compile(r"/$"))
    return reg


def submit_registration(page) -> None:
    page.get_by_role("button", name=zh("Create account")).click()
    page.wait_for_load_state()


def register_enterprise(page, uscc: str | None = None) -> Registration:
    uid = unique()
    reg = Registration(
        "enterprise",
        f"王经理{uid}",
        f"enterprise-{uid}@browser.jiebang.cn",
        f"津南测试科技有限公司{uid}",
        uscc or new_uscc(),
    )
    page.goto("/register")
    field(page, "An enterprise with technology needs").check()
    fill_account(page, reg.name, reg.email, phone="022-88886666")
    field(page, "Enterprise name").fill(reg.organisation)
    field(page, "Unified social credit code").fill(reg.uscc)
    return reg


def log_in(page, email: str, english: bool = False) -> None:
    page.goto("/login")
    field(page, "E-mail", english).fill(email)
    field(page, "Password", english).fill(PASSWORD)
    page.get_by_role("button", name="Log in" if english else zh("Log in")).click()
    expect(page.locator("#user-menu")).to_be_visible()
    # The page's scripts (Bootstrap's dropdowns) have run: a menu clicked next opens instead of
    # following its href="#".
    page.wait_for_load_state("load")


def open_menu(page, toggle: str, item_msgid: str) -> None:
    """Open a dropdown of the navigation bar (`toggle`: its selector) and follow one of its links. A click
    that lands before Bootstrap's script has run leaves the menu closed: it is repeated, as a person would
    click again, until the menu is open (an open menu is never clicked shut)."""
    page.wait_for_load_state("load")
    menu = page.locator(toggle)
    menu.click()
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while menu.get_attribute("aria-expanded") != "true" and time.monotonic() < deadline:
        page.wait_for_timeout(200)
        if menu.get_attribute("aria-expanded") != "true":
            menu.click()
    page.get_by_role("link", name=zh(item_msgid), exact=True).click()


def expect_bootstrap_loaded(page) -> None:
    """The app's own copy of Bootstrap styles the page and its icon font has loaded."""
    navbar = page.locator("nav.navbar")
    expect(navbar).to_have_css("background-color", BOOTSTRAP_PRIMARY)
    loaded = page.evaluate("""async () => (await document.fonts.load('16px "bootstrap-icons"')).length""")
    assert loaded, "the Bootstrap icon font is not declared or did not load"


def test_researcher_registers_in_chinese_switches_to_english_logs_out_and_in(page, registrations, screenshot):
    page.goto("/register")
    expect_chinese(page)
    expect(page.locator("#role legend")).to_have_text(zh("I am"))
    expect(page.locator("label[for=name]")).to_have_text(zh("Your name"))
    expect(page.locator("label[for=institution_id]")).to_have_text(zh("University or institute"))
    expect(page.get_by_role("button", name=zh("Create account"))).to_be_visible()
    expect_bootstrap_loaded(page)
    screenshot(page, "register-form-chinese")

    reg = register_researcher(page)
    registrations.append(reg)
    expect(page.locator(".alert-success")).to_contain_text(zh("Welcome! Your account has been created."))
    expect_chinese(page)
    expect_logged_in_as(page, reg.name, "Researcher")
    screenshot(page, "researcher-registered-chinese")

    page.locator("#lang-switch").click()
    expect_english(page)
    navbar = page.locator("#mainnav")
    expect(navbar.get_by_role("link", name="Notifications")).to_be_visible()
    expect_logged_in_as(page, reg.name, "Researcher")
    page.locator("#user-menu").click()  # Bootstrap's dropdown: needs the app's JavaScript
    expect(page.locator("#logout-button")).to_be_visible()
    expect(page.locator("#logout-button")).to_have_text("Log out")
    screenshot(page, "researcher-english-user-menu")

    page.locator("#logout-button").click()
    expect(page.locator(".alert-info")).to_contain_text("You have logged out.")
    expect(page.locator("#user-menu")).to_have_count(0)
    expect_english(page)  # the language choice outlives the session

    navbar.get_by_role("link", name="Log in").click()
    field(page, "E-mail", english=True).fill(reg.email)
    field(page, "Password", english=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect_logged_in_as(page, reg.name, "Researcher")
    expect_english(page)


def test_enterprise_fixes_a_wrong_check_digit_without_retyping_the_form(page, registrations, screenshot):
    good = new_uscc()
    wrong = with_wrong_check_char(good)
    reg = register_enterprise(page, uscc=wrong)
    expect(field(page, "An enterprise with technology needs")).to_be_checked()  # the default role
    submit_registration(page)

    expect(page).to_have_url(re.compile(r"/register$"))
    uscc = field(page, "Unified social credit code")
    expect(uscc).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator("[data-field=uscc] .invalid-feedback")).to_have_text(
        zh("The check digit does not match: please check the code for a typing error.")
    )
    expect(page.locator(".invalid-feedback")).to_have_count(1)  # no other field is blamed
    expect(page.locator("#user-menu")).to_have_count(0)
    # What was typed is still there, the faulty code included so it can be corrected in place.
    expect(field(page, "An enterprise with technology needs")).to_be_checked()
    expect(field(page, "Your name")).to_have_value(reg.name)
    expect(field(page, "E-mail")).to_have_value(reg.email)
    expect(field(page, "Phone")).to_have_value("022-88886666")
    expect(field(page, "Enterprise name")).to_have_value(reg.organisation)
    expect(uscc).to_have_value(wrong)
    # Passwords are deliberately never sent back to the browser.
    expect(field(page, "Password")).to_have_value("")
    screenshot(page, "enterprise-register-check-digit-error")

    uscc.fill(good)
    field(page, "Password").fill(PASSWORD)
    field(page, "Repeat password").fill(PASSWORD)
    submit_registration(page)

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator(".alert-success")).to_contain_text(zh("Welcome! Your account has been created."))
    expect_logged_in_as(page, reg.name, "Enterprise")
    reg.uscc = good
    registrations.append(reg)
    screenshot(page, "enterprise-registered")


def test_admin_finds_the_registrations_in_the_users_list_and_audit_log(
    open_page, make_live_user, registrations, screenshot
):
    # The registrations above, when they ran in this process; otherwise made here.
    if not any(r.role == "researcher" for r in registrations):
        registrations.append(register_researcher(open_page()))
    if not any(r.role == "enterprise" for r in registrations):
        page = open_page()
        reg = register_enterprise(page)
        submit_registration(page)
        expect(page).to_have_url(re.compile(r"/$"))
        registrations.append(reg)

    admin = make_live_user("admin", name=f"管理员{unique()}")
    page = open_page()
    log_in(page, admin.email)
    expect_logged_in_as(page, admin.name, "Administrator")

    admin_menu = page.get_by_role("button", name=zh("Administration"))
    admin_menu.click()
    page.get_by_role("link", name=zh("Users"), exact=True).click()
    expect(page.get_by_role("heading", name=zh("Users"), exact=True)).to_be_visible()
    expect_bootstrap_loaded(page)
    screenshot(page, "admin-users")
    for reg in registrations:
        page.get_by_placeholder(zh("E-mail or name")).fill(reg.email)
        page.get_by_role("button", name=zh("Filter")).click()
        row = page.locator("tbody tr", has_text=reg.email)
        expect(row).to_have_count(1)
        expect(row).to_contain_text(reg.name)
        expect(row).to_contain_text(zh(reg.role.capitalize()))
        expect(row).to_contain_text(reg.organisation)
        expect(row).to_contain_text(zh("Active"))

    admin_menu.click()
    page.get_by_role("link", name=zh("Audit log"), exact=True).click()
    expect(page.get_by_role("heading", name=zh("Audit log"), exact=True)).to_be_visible()
    page.get_by_placeholder(zh("Action, e.g. account.")).fill("account.register")
    page.get_by_role("button", name=zh("Filter")).click()
    events = page.locator("#audit-table tbody tr")
    for reg in registrations:
        row = events.filter(has_text=reg.email)
        expect(row).to_have_count(1)
        expect(row).to_contain_text("account.register")
        expect(row).to_contain_text(reg.name)  # who did it: the new user
        expect(row).to_contain_text(reg.organisation)
    screenshot(page, "admin-audit-log-registrations")

    page.get_by_placeholder(zh("Action, e.g. account.")).fill("organisation.create")
    page.get_by_role("button", name=zh("Filter")).click()
    for reg in registrations:
        if reg.uscc:
            row = events.filter(has_text=reg.uscc)
            expect(row).to_have_count(1)
            expect(row).to_contain_text(reg.organisation)


def test_the_watch_reports_csp_violations_console_errors_and_foreign_requests(page, live_server):
    """The checks every test above relies on do catch what they are meant to catch."""
    page.goto("/")
    assert page.watch.take() == []
    assert page.watch.requests and all(url.startswith(live_server) for url in page.watch.requests)

    page.evaluate("""() => { const s = document.createElement("script");
                              s.textContent = "window.inlineRan = true"; document.body.append(s); }""")
    page.context.route("http://198.51.100.7/**", lambda route: route.abort())
    page.evaluate("""() => { const i = document.createElement("img");
                              i.src = "http://198.51.100.7/pixel.png"; document.body.append(i); }""")
    page.evaluate("() => fetch('http://198.51.100.7/api').catch(() => null)")
    page.evaluate("() => console.error('something broke')")
    assert page.evaluate("() => window.inlineRan") is None

    expected = {
        "script": lambda p: p.startswith("CSP: script-src"),
        "image": lambda p: p.startswith("CSP: img-src") and "198.51.100.7" in p,
        "fetch": lambda p: p.startswith("CSP: connect-src"),
        "console": lambda p: "something broke" in p,
    }
    problems = page.watch.take()
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while not all(any(map(seen, problems)) for seen in expected.values()) and time.monotonic() < deadline:
        page.wait_for_timeout(100)  # the reports arrive asynchronously
        problems += page.watch.take()
    for name, seen in expected.items():
        assert any(map(seen, problems)), (name, problems)

    with pytest.raises(PlaywrightError):  # aborted by the route; navigation is not governed by the CSP
        page.goto("http://198.51.100.7/elsewhere")
    problems = page.watch.take()
    assert any(p.startswith("request to a foreign host") and "198.51.100.7" in p for p in problems), problems

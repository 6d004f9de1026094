"""Browser fixtures: Debian's Chromium driven by Playwright against the live server.

One browser per test session (per xdist worker), a fresh context per test. A browser is never
downloaded: without /usr/bin/chromium the tests are skipped, or fail when CI is set.

Every context is watched: console errors, uncaught page errors, Content-Security-Policy
violations and requests to anything but the live server fail the test at teardown.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import WAIT_SECONDS

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# How long a page is given to do what a test asks or show what it expects (actions and expect()):
# generous, for a busy machine, since a wait ends as soon as the page is there; work in the background
# that a page follows gets longer.
TIMEOUT_MS = 30_000
BACKGROUND_MS = int(WAIT_SECONDS * 1000)

# Injected before any page script; exposed bindings survive navigations and are not subject to the CSP.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.__reportCspViolation(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} `
    + `at ${e.sourceFile || document.location.href}:${e.lineNumber}`);
});
"""

_report_key = pytest.StashKey[dict]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    item.stash.setdefault(_report_key, {})[report.when] = report
    return report


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is not installed (apt-get install chromium); these tests never download a browser"
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)  # expect() waits as long as an action (its own default is 5 s)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        yield browser
        browser.close()


class Watch:
    """Collects what a user would never want to see happen on the site's pages."""

    def __init__(self, origin: str):
        self.origin = origin
        self.problems: list[str] = []
        self.requests: list[str] = []

    def attach(self, context) -> None:
        context.on("request", self._on_request)
        context.on("console", self._on_console)
        context.on("weberror", lambda error: self.problems.append(f"uncaught error: {error.error}"))
        context.expose_binding("__reportCspViolation", lambda _source, text: self.problems.append(f"CSP: {text}"))
        context.add_init_script(CSP_LISTENER)

    def _on_request(self, request) -> None:
        self.requests.append(request.url)
        parts = urlsplit(request.url)
        if parts.scheme == "data":  # inline images in Bootstrap's CSS: no host involved
            return
        if f"{parts.scheme}://{parts.netloc}" != self.origin:
            self.problems.append(f"request to a foreign host: {request.method} {request.url}")

    def _on_console(self, message) -> None:
        if message.type == "error":
            location = message.location or {}
            self.problems.append(f"console error: {message.text} ({location.get('url', '')})")

    def take(self) -> list[str]:
        problems, self.problems = self.problems, []
        return problems


@pytest.fixture
def open_page(browser, live_server, request):
    """open_page() gives a page in a new, empty, watched browser context (its own cookies)."""
    opened = []
    for stale in ARTIFACTS.glob(f"FAILED-{request.node.name}-*.png"):
        stale.unlink(missing_ok=True)

    def open_():
        context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 800})
        context.set_default_timeout(TIMEOUT_MS)
        watch = Watch(live_server)
        watch.attach(context)
        page = context.new_page()
        page.watch = watch
        opened.append((context, page, watch))
        return page

    yield open_

    reports = request.node.stash.get(_report_key, {})
    failed = any(r.failed for r in reports.values())
    problems = []
    for number, (context, page, watch) in enumerate(opened, 1):
        if failed and not page.is_closed():
            save_screenshot(page, f"FAILED-{request.node.name}-{number}")
        problems += watch.take()
        context.close()
    if problems and failed:
        print("the pages visited also reported:", *problems, sep="\n")
    elif problems:
        pytest.fail("the pages visited reported problems:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture
def page(open_page):
    return open_page()


def save_screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def screenshot():
    """screenshot(page, "descriptive-name") saves test-artifacts/browser-descriptive-name.png."""
    return lambda page, name: save_screenshot(page, f"browser-{name}")

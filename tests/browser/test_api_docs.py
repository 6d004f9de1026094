"""A university's IT staff find the API's page from the footer, read its operations drawn by the
app's own Swagger UI (no CDN, nothing blocked by the page's security policy) and try one: the
request goes without the session cookie and gets its answer."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_browser import log_in, zh

pytestmark = [pytest.mark.live, pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_the_api_page_draws_the_document_and_tries_an_operation(page, make_live_user, screenshot):
    user = make_live_user("researcher")
    log_in(page, user.email)
    page.get_by_role("link", name=zh("API for other systems")).click()
    expect(page.get_by_role("heading", name=zh("Jiebang API v1"))).to_be_visible()
    expect(page.get_by_role("link", name=zh("Create a personal access token"))).to_have_attribute(
        "href", "/account/tokens"
    )
    operations = page.locator("#swagger-ui .opblock")
    expect(operations.filter(has_text="/api/v1/achievements/{achievement_id}/submit")).to_have_count(1)
    assert operations.count() >= 15

    taxonomy = operations.filter(has_text="/api/v1/taxonomy")
    taxonomy.locator(".opblock-summary").click()
    taxonomy.get_by_role("button", name="Try it out").click()
    taxonomy.get_by_role("button", name="Execute").click()
    expect(taxonomy.locator(".live-responses-table tbody .response-col_status").first).to_have_text("200")
    expect(taxonomy.locator(".live-responses-table")).to_contain_text('"fields"')
    screenshot(page, "api-docs")

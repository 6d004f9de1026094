"""事后绩效 in a real browser: a challenge is completed (its report falls due), the enterprise finds
the report on its dashboard, is refused a sales figure that is not an amount (what it typed stays),
files the report with an evidence file, and the district's administrator rates it; the dashboard then
counts it in its figures and its chart.

The completed challenge is made through the services (tests/performance/factory.py); every step of
the report is taken on the pages, in Chinese."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_browser import log_in, zh

pytestmark = [pytest.mark.live, pytest.mark.browser, pytest.mark.xdist_group("browser")]

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _completed(live_app) -> dict:
    from flask_babel import force_locale

    from tests.challenges.factory import make_people
    from tests.performance import factory
    from webapp.extensions import db

    with live_app.app_context(), force_locale("en"):
        people = make_people()
        challenge = factory.completed(people)
        report = factory.report_of(challenge=challenge)
        db.session.commit()
        return {"owner": people.owner.email, "admin": people.admin.email, "report": report.id, "title": report.title}


def _figures(page) -> dict:
    page.goto("/dashboard/")
    counts = {
        key: int(page.locator(f"#performance-{key}").get_attribute("data-count"))
        for key in ("due", "overdue", "submitted", "reviewed")
    }
    spec = json.loads(page.locator("#chart-performance-data").text_content())
    counts["chart"] = dict(zip(spec["categories"], spec["series"][0]["data"], strict=True))
    expect(page.locator("#chart-performance")).to_have_attribute("data-chart-ready", "true")
    return counts


def test_a_completed_challenges_report_is_filed_rated_and_counted(live_app, open_page, screenshot):
    world = _completed(live_app)
    admin = open_page()
    log_in(admin, world["admin"])
    before = _figures(admin)

    owner = open_page()
    log_in(owner, world["owner"])
    owner.goto("/dashboard/me/")
    owner.locator("#my-performance").get_by_role("link", name=world["title"]).click()
    expect(owner.locator("#report-form")).to_be_visible()
    owner.locator("#r-new_products").fill("2")
    owner.locator("#r-sales").fill("一千二百五十万")
    owner.locator("#r-cost_saved").fill("85")
    owner.locator("#r-patents_filed").fill("3")
    owner.locator("#r-patents_granted").fill("1")
    owner.locator("#r-jobs").fill("12")
    owner.locator("#r-follow_on_contracts").fill("1")
    owner.locator("#r-follow_on_value").fill("60")
    owner.get_by_label("良率≥95%").fill("良率达到96.2%，气孔率0.4%")
    owner.locator("#r-commitment").fill("团队按承诺书完成全部指标，进度与经费均符合约定。")
    owner.locator("#r-summary").fill("新产品年销售1250万元，节约成本85万元。")
    owner.get_by_role("button", name=zh("Submit for review")).click()
    expect(owner.locator("#form-errors")).to_be_visible()
    expect(owner.locator("#r-sales")).to_have_value("一千二百五十万")  # what was typed stays
    expect(owner.locator("#r-summary")).to_have_value("新产品年销售1250万元，节约成本85万元。")

    owner.locator("#r-sales").fill("1250")
    owner.locator("#r-files").set_input_files([{"name": "销售台账.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    screenshot(owner, "performance-report-form")
    owner.get_by_role("button", name=zh("Submit for review")).click()
    expect(owner.locator("#report-status")).to_contain_text(zh("Submitted, awaiting review"))
    expect(owner.locator("#report-files")).to_contain_text("销售台账.pdf")

    admin.goto(f"/performance/{world['report']}")
    expect(admin.locator("#report-summary")).to_contain_text("新产品年销售1250万元")
    admin.get_by_label(zh("Accept with a rating")).check()
    admin.locator("#v-rating").select_option("good")
    admin.locator("#v-comment").fill("指标达成，带动效应良好。")
    admin.get_by_role("button", name=zh("Record the review")).click()
    expect(admin.locator("#report-rating")).to_have_text(zh("Good"))

    after = _figures(admin)
    screenshot(admin, "performance-dashboard")
    assert after["reviewed"] == before["reviewed"] + 1
    assert after["due"] == before["due"] - 1
    good = zh("Reviewed: %(rating)s") % {"rating": zh("Good")}
    assert after["chart"][good] == before["chart"][good] + 1
    row = admin.locator("#table-performance tbody tr", has_text=re.compile(re.escape(good)))
    expect(row.locator('[data-col="count"]')).to_have_text(str(after["chart"][good]))

    owner.reload()
    expect(owner.locator("#report-rating")).to_have_text(zh("Good"))

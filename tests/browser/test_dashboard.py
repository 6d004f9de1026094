"""The district dashboard in a real browser: an administrator opens it on the fixed 2019 ledger of
tests/dashboard/factory.py, waits for every chart to draw, changes the period with the selector
(the days of the whole year, then the current year from the list) and sees the figures change; then
drills into an agency and downloads its evidence pack. Screenshots: dashboard-admin and dashboard-agency."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.test_browser import log_in

pytestmark = [pytest.mark.live, pytest.mark.browser, pytest.mark.xdist_group("browser")]


def wait_for_charts(page) -> None:
    charts = page.locator("[data-chart]")
    expect(charts.first).to_have_attribute("data-chart-ready", "true")
    for index in range(charts.count()):
        expect(charts.nth(index)).to_have_attribute("data-chart-ready", "true")


def test_admin_dashboard_period_and_agency(live_app, make_live_user, page, screenshot):
    from tests.dashboard import factory
    from webapp.dashboard import periods
    from webapp.extensions import db

    with live_app.app_context():
        data = factory.ledger()
        db.session.commit()
        agency_x, agency_name = data.x.id, data.x.name
        this_year = periods.today().year
    admin = make_live_user("admin", name="区科技局")
    log_in(page, admin.email)

    page.goto("/dashboard/?period=2019-Q1")
    wait_for_charts(page)
    assert page.locator("[data-chart]").count() == 9  # the performance reports' chart too
    # No challenge ended a stage in the period: the chart says so instead of drawing an empty frame.
    expect(page.locator("#chart-stages")).to_have_text("暂无数据")
    expect(page.locator("#chart-funnel canvas")).to_have_count(1)  # counts as bars, with their values
    expect(page.locator("#card-signed")).to_have_attribute("data-yuan", "3000000")
    expect(page.locator("#target-registered")).to_have_attribute("data-yuan", "2700000")

    # The whole of 2019 by its days: D5, signed on 31 December, joins the signed turnover.
    page.locator("#period-from").fill("2019-01-01")
    page.locator("#period-to").fill("2019-12-31")
    page.locator("#period-apply").click()
    expect(page.locator("#card-signed")).to_have_attribute("data-yuan", "3400000")
    wait_for_charts(page)
    expect(page.locator("#card-registered")).to_have_attribute("data-yuan", "3700000")
    expect(page.locator("#card-deals")).to_have_attribute("data-count", "3")
    expect(page.locator("#target-figures")).to_have_attribute("data-progress", "0.3700")
    screenshot(page, "dashboard-admin")

    # The current year, picked from the list: the page follows it (the 2019 figures are gone).
    page.locator("#period-select").select_option(str(this_year))
    expect(page).to_have_url(f"/dashboard/?period={this_year}&from=&to=")
    wait_for_charts(page)
    expect(page.locator("#period-select")).to_have_value(str(this_year))
    assert page.locator("#card-signed").get_attribute("data-yuan") != "3400000" or this_year == 2019

    # The agency's drill-down from the 2019 table.
    page.goto("/dashboard/?period=2019")
    wait_for_charts(page)
    page.locator("#table-agencies").get_by_role("link", name=agency_name).click()
    expect(page).to_have_url(f"/dashboard/agency/{agency_x}?period=2019")
    wait_for_charts(page)
    expect(page.locator("#card-signed")).to_have_attribute("data-yuan", "1400000")
    expect(page.locator("#table-deals tbody tr")).to_have_count(2)
    screenshot(page, "dashboard-agency")

    # …and downloads the agency's evidence pack for 2019: D1's 300,000 received on 31 Dec counts (its
    # 1 Jan payment is next year's); D5, neither registered nor paid, is not in it; the cancelled D3 is listed apart.
    with page.expect_download() as download:
        page.locator("#evidence-pack").click()
    path = download.value.path()
    assert download.value.suggested_filename.endswith(".xlsx")
    book = load_workbook(io.BytesIO(path.read_bytes()))
    cover = {row[0]: row[1] for row in book.worksheets[0].iter_rows(min_row=3, values_only=True) if row[0]}
    figures = [value for value in cover.values() if isinstance(value, int)]
    assert figures == [1, 1_000_000, 300_000, 0, 1], cover  # deals, registered, received, not counted, cancelled
    assert len(book.worksheets) == 5

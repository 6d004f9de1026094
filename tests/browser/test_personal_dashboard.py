"""A broker opens My dashboard (工作台) from the navigation bar in a real browser: the period selector,
the figures, the charts drawn by the app's own ECharts (no CDN) and the tables with their exports.
The screenshot goes to test-artifacts/browser-dashboard-broker.png."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from playwright.sync_api import expect

from tests.browser.test_browser import log_in, unique

pytestmark = [pytest.mark.live, pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _broker_with_deals(live_app, make_live_user):
    """A broker of an agency with three deals this year (one of them paid twice) and a cancelled one."""
    from tests.dashboard.test_evidence import add_deal
    from webapp.accounts.models import Organisation, OrgKind
    from webapp.dashboard.periods import today
    from webapp.extensions import db

    uid = unique()
    with live_app.app_context():
        agency = Organisation(kind=OrgKind.AGENCY, name=f"津南技术转移中心{uid}")
        db.session.add(agency)
        db.session.commit()
        agency_id, year = agency.id, today().year
    broker = make_live_user("broker", name=f"张经纪{uid}", organisation_id=agency_id)
    with live_app.app_context():
        add_deal(
            db.session,
            title=f"储能液冷技术开发{uid}",
            broker=broker,
            value=1_200_000,
            signed_on=date(year, 1, 15),
            registered=(f"R{uid}1", date(year, 1, 20)),
            payments=[(date(year, 2, 1), 400_000, "银行回单"), (date(year, 3, 1), 300_000, None)],
        )
        add_deal(
            db.session,
            title=f"碳化硅外延工艺许可{uid}",
            broker=broker,
            value=800_000,
            signed_on=date(year, 2, 10),
            registered=(f"R{uid}2", date(year, 2, 28)),
        )
        add_deal(db.session, title=f"视觉检测咨询{uid}", broker=broker, value=150_000, signed_on=date(year, 3, 5))
        add_deal(
            db.session,
            title=f"已解除的合同{uid}",
            broker=broker,
            value=900_000,
            signed_on=date(year, 1, 5),
            cancelled=(datetime(year, 4, 1, 2, 0, tzinfo=UTC), "企业资金链断裂，双方协商解除"),
        )
        db.session.commit()
    return broker


def test_a_broker_opens_my_dashboard_and_every_chart_draws(page, live_app, make_live_user, screenshot):
    broker = _broker_with_deals(live_app, make_live_user)
    log_in(page, broker.email)
    page.locator("#nav-my-dashboard").click()
    expect(page).to_have_url(re.compile(r"/dashboard/me/$"))
    expect(page.locator("#my-dashboard")).to_have_attribute("data-role", "broker")

    charts = page.locator("[data-chart]")
    assert charts.count() >= 2
    for index in range(charts.count()):
        expect(charts.nth(index)).to_have_attribute("data-chart-ready", "true")
        assert charts.nth(index).locator("canvas").count() == 1
    expect(page.locator("#table-top_deals tbody tr")).to_have_count(3)
    expect(page.locator("#table-deal_states tbody tr")).to_have_count(4)  # the cancelled deal is listed
    expect(page.locator("#table-deal_states tfoot [data-col='count']")).to_have_text("3")  # and not counted
    expect(page.locator("[data-export]")).to_have_count(5)
    screenshot(page, "dashboard-broker")

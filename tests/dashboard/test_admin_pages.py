"""The district dashboard's pages as an administrator sees them, on the fixed ledger of
tests/dashboard/factory.py: the figures, a bad period, the Excel exports, the agency drill-down, the
yearly target form and the quarterly summary workbook."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from webapp.core.audit import AuditEvent
from webapp.dashboard import periods
from webapp.deals.models import TurnoverTarget


def attribute(html: str, element_id: str, name: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*\b{name}="([^"]*)"', html)
    assert match, f"no #{element_id}[{name}]"
    return match.group(1)


def table_rows(html: str, name: str) -> list[dict[str, str]]:
    body = re.search(rf'id="table-{name}".*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = re.findall(r'data-col="(\w+)">(.*?)</td>', row, re.S)
        rows.append({key: re.sub(r"<[^>]+>", "", value).strip() for key, value in cells})
    return rows


def test_admin_sees_the_years_figures(data, admin):
    html = admin.get("/dashboard/?period=2019").get_data(as_text=True)
    assert attribute(html, "card-signed", "data-yuan") == "3400000"
    assert attribute(html, "card-registered", "data-yuan") == "3700000"
    assert attribute(html, "card-received", "data-yuan") == "3000000"
    assert attribute(html, "card-deals", "data-count") == "3"
    assert attribute(html, "target-figures", "data-progress") == "0.3700"
    assert attribute(html, "target-amount", "data-yuan") == "10000000"
    assert len(re.findall(r'data-chart="chart-', html)) == 9  # the performance reports' chart too
    agencies = table_rows(html, "agencies")
    assert [r["name"] for r in agencies][:2] == [data.y.name, data.x.name]
    assert f'href="/dashboard/agency/{data.x.id}?period=2019"' in html
    assert len(table_rows(html, "months")) == 12
    assert 'id="nav-dashboard"' in html


def test_a_quarter_and_a_year_without_target(data, admin):
    html = admin.get("/dashboard/?period=2019-Q1").get_data(as_text=True)
    assert attribute(html, "card-signed", "data-yuan") == "3000000"  # D1 signed on 31 March
    assert attribute(html, "target-registered", "data-yuan") == "2700000"
    assert 'id="quarterly-link"' in html
    html = admin.get("/dashboard/?period=2018").get_data(as_text=True)
    assert 'id="no-target"' in html and 'id="set-target-link"' in html


def test_a_bad_period_shows_the_message_and_the_current_year(data, admin):
    response = admin.get("/dashboard/?period=2019-13")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="period-error"' in html
    assert "2019-13" in re.search(r'id="period-error">(.*?)</div>', html, re.S).group(1)
    with admin.app.test_request_context():
        year = periods.today().year
    assert re.search(rf'<option value="{year}" selected>', html)


def test_export_returns_the_table_as_xlsx(data, admin):
    response = admin.get("/dashboard/export?table=agencies&period=2019")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = list(sheet.iter_rows(values_only=True))
    body = values[5:9]  # after three heading lines, the title and the header
    assert body[0] == (data.y.name, 200, 200, 200, 1)
    assert body[1] == (data.x.name, 140, 100, 30, 2)
    assert body[2][1:] == (0, 70, 70, 0)
    assert body[3][1:] == (340, 370, 300, 3)  # the total row
    # The same figures as the page's table.
    html = admin.get("/dashboard/?period=2019").get_data(as_text=True)
    assert len(table_rows(html, "agencies")) == 3


def test_export_of_an_unknown_table_goes_back_with_a_message(data, admin):
    response = admin.get("/dashboard/export?table=nothing&period=2019")
    assert response.status_code == 302 and "/dashboard/?period=2019" in response.headers["Location"]


def test_agency_drill_down(data, admin, app):
    html = admin.get(f"/dashboard/agency/{data.x.id}?period=2019").get_data(as_text=True)
    deals = table_rows(html, "deals")
    assert sorted(r["name"] for r in deals) == ["D1", "D5"]  # not the cancelled D3, not the unsigned D6
    assert attribute(html, "card-signed", "data-yuan") == "1400000"
    brokers = table_rows(html, "brokers")
    assert [r["name"] for r in brokers] == ["张经纪"]
    assert ('id="evidence-pack"' in html) == ("evidence.agency_pack" in app.view_functions)
    response = admin.get(f"/dashboard/agency/{data.x.id}?period=2019&table=deals")
    sheet = load_workbook(io.BytesIO(response.data)).active
    titles = {row[0] for row in sheet.iter_rows(values_only=True)}
    assert {"D1", "D5"} <= titles and "D3" not in titles


@pytest.mark.parametrize("typed", ["-5", "很多", "99999999999"])
def test_bad_target_shows_a_message_and_changes_nothing(data, admin, query, typed):
    with admin.app.test_request_context():
        year = periods.today().year
    response = admin.post("/dashboard/targets", {"year": str(year), "amount": typed})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r'data-field="amount".*?invalid-feedback', html, re.S)
    assert query(lambda s: s.get(TurnoverTarget, year)) is None


def test_setting_the_target_is_audited(data, admin, query):
    with admin.app.test_request_context():
        year = periods.today().year
    response = admin.post("/dashboard/targets", {"year": str(year), "amount": "500000"})
    assert response.status_code == 302
    assert query(lambda s: s.get(TurnoverTarget, year).amount) == 5_000_000_000
    admin.post("/dashboard/targets", {"year": str(year), "amount": "1200.5"})
    assert query(lambda s: s.get(TurnoverTarget, year).amount) == 12_005_000
    events = query(
        lambda s: s.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "dashboard.target").order_by(AuditEvent.id)
        ).all()
    )
    assert [(e.before, e.after["amount"]) for e in events[-2:]] == [
        (None, 5_000_000_000),
        ({"year": year, "amount": 5_000_000_000}, 12_005_000),
    ]


def test_quarterly_summary_workbook(data, admin):
    response = admin.get("/dashboard/quarterly.xlsx?period=2019-Q1")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    # the cover, the totals, the nine dashboard tables and the performance reports' two
    assert len(book.sheetnames) == 13
    cover = list(book.worksheets[0].iter_rows(values_only=True))
    # The headline: the year's target, registered from 1 January to the quarter's end, the progress.
    assert [row[1] for row in cover[3:6]] == [10_000_000, 2_700_000, pytest.approx(0.27)]
    # Totals beside 2019-Q1 a year earlier: signed (D4 was signed on 31 December 2018, in Q4), registered.
    assert cover[9][1:3] == (3_000_000, 0)
    assert cover[10][1:3] == (2_700_000, 0)


@pytest.mark.parametrize("asked", ["", "2019", "2019-07", "nonsense"])
def test_quarterly_summary_needs_a_quarter(data, admin, asked):
    response = admin.get(f"/dashboard/quarterly.xlsx?period={asked}")
    assert response.status_code == 302
    html = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "alert-warning" in html

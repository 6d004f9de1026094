"""The district dashboard through the API, on the fixed 2019 ledger of tests/dashboard/factory.py:
the same figures as the admin page and the quarterly workbook, the page's messages for a period it
cannot read, and nobody but administrators."""

from __future__ import annotations

import html as html_lib
import io
import re
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from tests.dashboard import factory
from tests.dashboard.test_admin_pages import attribute, table_rows


@pytest.fixture
def ledger(query):
    return factory.committed_ledger(query)


@pytest.fixture
def admin_page(make_user, make_client):
    """An administrator signed in on the site (the page) and the same person's API token."""
    user = make_user("admin")
    client = make_client()
    assert client.login(user.email).status_code == 302
    client.user = user
    return client


def _get(client, token: str, path: str):
    return client.http.get(path, headers={"Authorization": f"Bearer {token}"})


def _text(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</', html, re.S)
    assert match, f"no #{element_id}"
    return html_lib.unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip()


@pytest.mark.parametrize("period", ["2019", "2019-Q1", "2019-04"])
def test_the_figures_are_those_the_page_shows(ledger, admin_page, make_token, client, period):
    token = make_token(admin_page.user)
    page = admin_page.get(f"/dashboard/?period={period}").get_data(as_text=True)
    response = _get(client, token, f"/api/v1/dashboard?period={period}")
    assert response.status_code == 200, response.get_data(as_text=True)
    found = response.get_json()

    assert found["period"]["key"] == period and found["period"]["label"] == _text(page, "period-label")
    for key in ("signed", "registered", "received"):
        assert found["turnover"][key]["yuan"] == int(attribute(page, f"card-{key}", "data-yuan"))
        assert found["turnover"][key]["text"] == _text(page, f"card-{key}")
    assert found["turnover"]["deals_signed"] == int(attribute(page, "card-deals", "data-count"))
    target = found["target"]
    assert target["amount"]["yuan"] == int(attribute(page, "target-amount", "data-yuan")) == 10_000_000
    assert target["registered"]["yuan"] == int(attribute(page, "target-registered", "data-yuan"))
    assert f"{target['progress']:.4f}" == attribute(page, "target-figures", "data-progress")

    for name in ("months", "fields", "institutions", "tiers", "agencies"):
        shown = table_rows(page, name)
        rows = found[name]["rows"]
        assert [row["name"] for row in rows] == [html_lib.unescape(row["name"]) for row in shown], name
        assert [row["signed"]["text"] for row in rows] == [row["signed"] for row in shown], name
        assert [row["deals"] for row in rows] == [int(row["deals"]) for row in shown], name
    for name, key in (("funnel", "count"), ("challenges", "count")):
        assert [row[key] for row in found[name]["rows"]] == [int(row[key]) for row in table_rows(page, name)]


def test_the_year_in_yuan_with_its_target_and_the_charts_series(ledger, admin_page, make_token, client):
    found = _get(client, make_token(admin_page.user), "/api/v1/dashboard?period=2019").get_json()

    assert found["turnover"]["signed"] == {"yuan": 3_400_000, "text": "340 万元"}
    assert found["turnover"]["registered"]["yuan"] == 3_700_000 and found["turnover"]["contracts_registered"] == 3
    assert found["target"]["progress"] == pytest.approx(0.37) and found["target"]["progress_text"] == "37.0%"
    agencies = found["agencies"]["rows"]
    assert [row["org_id"] for row in agencies] == [ledger.y.id, ledger.x.id, None]  # the last: no agency
    assert found["agencies"]["total"]["registered"]["yuan"] == 3_700_000
    months = found["months"]["rows"]
    assert [row["month"] for row in months][:2] == ["2019-01", "2019-02"] and len(months) == 12
    # The chart's line: the year's registered turnover at each month's end.
    assert [row["registered_cumulative"]["yuan"] for row in months][:4] == [2_700_000] * 3 + [3_700_000]
    assert found["quarterly"] is None


def test_a_custom_period_and_the_current_year(ledger, admin_page, make_token, client, freeze_clock):
    token = make_token(admin_page.user)
    custom = _get(client, token, "/api/v1/dashboard?from=2019-01-01&to=2019-03-31").get_json()
    assert custom["period"]["kind"] == "custom" and custom["turnover"]["signed"]["yuan"] == 3_000_000
    # From 1 January, a custom period's target figures are its own.
    assert custom["target"]["registered"]["yuan"] == 2_700_000

    freeze_clock(datetime(2019, 8, 1, 4, tzinfo=UTC))
    current = _get(client, token, "/api/v1/dashboard").get_json()
    assert current["period"]["key"] == "2019" and current["turnover"]["signed"]["yuan"] == 3_400_000


@pytest.mark.parametrize(
    ("query_string", "fields"),
    [
        ("period=2019-13", ["period"]),
        ("period=nonsense", ["period"]),
        ("from=2019-03-01&to=2019-01-01", ["from", "to"]),
    ],
)
def test_a_period_the_page_cannot_read_is_refused_with_its_message(
    admin_page, make_token, client, query_string, fields
):
    page = admin_page.get(f"/dashboard/?{query_string}").get_data(as_text=True)
    message = _text(page, "period-error")

    response = _get(client, make_token(admin_page.user), f"/api/v1/dashboard?{query_string}")

    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["detail"] == message
    assert problem["errors"]["query"] == {name: [message] for name in fields}


def test_the_quarterly_summary_has_the_workbooks_figures(ledger, admin_page, make_token, client):
    workbook = admin_page.get("/dashboard/quarterly.xlsx?period=2019-Q1")
    cover = list(load_workbook(io.BytesIO(workbook.data)).worksheets[0].iter_rows(values_only=True))
    token = make_token(admin_page.user)

    response = _get(client, token, "/api/v1/dashboard/quarterly?quarter=2019Q1")

    assert response.status_code == 200, response.get_data(as_text=True)
    found = response.get_json()
    assert found["period"]["key"] == "2019-Q1" and found["earlier"]["key"] == "2018-Q1"
    target = found["target"]
    assert [target["amount"]["yuan"], target["registered"]["yuan"]] == [cover[3][1], cover[4][1]]
    assert target["progress"] == pytest.approx(cover[5][1])
    totals = {row["figure"]: row for row in found["totals"]}
    assert (totals["signed"]["now"], totals["signed"]["before"]) == cover[9][1:3] == (3_000_000, 0)
    assert (totals["registered"]["now"], totals["registered"]["before"]) == cover[10][1:3]
    assert totals["signed"]["now_text"] == "300 万元" and totals["signed"]["change"] is None
    assert [row["name"] for row in found["totals"]] == [row[0] for row in cover[9:14]]
    # The quarter's dashboard names the summary, and the summary the dashboard.
    dashboard = _get(client, token, found["dashboard"].removeprefix("http://localhost")).get_json()
    assert dashboard["quarterly"].endswith("/api/v1/dashboard/quarterly?quarter=2019-Q1")


@pytest.mark.parametrize("asked", ["2019", "2019-07", "nonsense"])
def test_the_quarterly_summary_needs_a_quarter(admin_page, make_token, client, asked):
    response = _get(client, make_token(admin_page.user), f"/api/v1/dashboard/quarterly?quarter={asked}")
    assert response.status_code == 422
    assert asked in response.get_json()["detail"] and response.get_json()["errors"]["query"]["quarter"]


def test_nobody_but_administrators(ledger, client, make_user, make_token, make_org, query):
    """Every other role is refused (403); without a token 401; the need side's name never leaks."""
    for role in ("enterprise", "researcher", "broker", "expert"):
        token = make_token(make_user(role), "read write")
        for path in ("/api/v1/dashboard?period=2019", "/api/v1/dashboard/quarterly?quarter=2019-Q1"):
            response = _get(client, token, path)
            assert response.status_code == 403, (role, path)
            assert ledger.e1.name not in response.get_data(as_text=True)
    for path in ("/api/v1/dashboard", "/api/v1/dashboard/quarterly?quarter=2019-Q1"):
        assert client.http.get(path).status_code == 401

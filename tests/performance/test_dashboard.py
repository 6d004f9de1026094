"""The district dashboard counts the performance reports (due, overdue, awaiting review, reviewed by
rating) and adds up what the filed ones report; the quarterly summary workbook lists them on a sheet
of their own, typed text and all; an enterprise finds its reports due on its own dashboard."""

from __future__ import annotations

import dataclasses
import io
import json
import re
from datetime import timedelta

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook

from tests import clock
from tests.challenges import factory as challenges
from tests.performance import factory
from webapp.accounts.models import User
from webapp.extensions import db
from webapp.performance import services
from webapp.performance.figures import figures
from webapp.performance.models import Rating

WAN = factory.WAN
FORMULA = '=HYPERLINK("http://evil.example/","点击")'


@pytest.fixture
def world(app, challenge_clock):
    """Four reports: one rated excellent, one awaiting review (a deal titled like a formula), one due
    and one overdue; committed."""
    with app.app_context(), force_locale("en"):
        people = challenges.make_people()
        broker = factory.broker()
        rated = factory.report_of(challenge=factory.completed(people))
        services.add_evidence(people.owner, rated, "台账.pdf", factory.PDF)
        services.submit(people.owner, rated, factory.complete_input(rated, sales=1_250 * WAN, cost_saved=85 * WAN))
        services.accept(people.admin, rated, Rating.EXCELLENT, "指标全面达成")
        waiting_deal = factory.paid(people, broker)
        waiting_deal.title = FORMULA
        waiting = factory.report_of(deal=waiting_deal)
        waiting.title = FORMULA
        services.add_evidence(people.owner, waiting, "台账.pdf", factory.PDF)
        services.submit(people.owner, waiting, factory.complete_input(waiting, sales=300 * WAN, follow_on_value=0))
        due = factory.report_of(deal=factory.paid(people, broker))
        overdue = factory.report_of(deal=factory.paid(people, broker))
        overdue.opened_on = overdue.opened_on - timedelta(days=400)
        overdue.due_on = clock.today() - timedelta(days=1)
        db.session.commit()
        ids = {f.name: getattr(people, f.name).id for f in dataclasses.fields(challenges.People)}
        reports = {"rated": rated, "waiting": waiting, "due": due, "overdue": overdue}
        figures_of = {
            name: {k: getattr(r, k) for k in ("id", "title", "sales", "cost_saved", "follow_on_value")}
            for name, r in reports.items()
        }
    return ids, figures_of


def as_user(app, make_client, user_id):
    with app.app_context():
        email = db.session.get(User, user_id).email
    client = make_client()
    assert client.login(email).status_code == 302
    client.get("/lang/en")
    return client


def test_the_figures_count_each_state_and_add_up_the_filed_reports(app, world):
    _ids, reports = world
    with app.app_context():
        found = figures(clock.today())
    assert (found.due.count, found.overdue.count, found.submitted.count) == (1, 1, 1)
    assert found.ratings[Rating.EXCELLENT].count == 1 and found.reviewed.count == 1
    filed = [reports["rated"], reports["waiting"]]
    assert found.filed.sales == sum(r["sales"] for r in filed)
    assert found.filed.cost_saved == sum(r["cost_saved"] for r in filed)
    assert found.filed.follow_on_value == sum(r["follow_on_value"] for r in filed)
    assert found.due.sales == 0  # a draft reports nothing yet


def test_the_dashboard_shows_the_reports_as_cards_chart_and_table(app, world, make_client):
    ids, reports = world
    html = as_user(app, make_client, ids["admin"]).get("/dashboard/").get_data(as_text=True)
    counts = {
        key: re.search(rf'id="performance-{key}"[^>]*data-count="(\d+)"', html).group(1)
        for key in ("due", "overdue", "submitted", "reviewed")
    }
    assert counts == {"due": "1", "overdue": "1", "submitted": "1", "reviewed": "1"}
    spec = json.loads(re.search(r'id="chart-performance-data">(.*?)</script>', html, re.S).group(1))
    assert dict(zip(spec["categories"], spec["series"][0]["data"], strict=True))["Reviewed: Excellent"] == 1
    assert 'id="table-performance"' in html and "Sales reported" in html


def test_the_quarterly_summary_has_a_sheet_of_performance_reports(app, world, make_client):
    ids, reports = world
    admin = as_user(app, make_client, ids["admin"])
    quarter = f"{clock.today().year}-Q{(clock.today().month - 1) // 3 + 1}"
    response = admin.get(f"/dashboard/quarterly.xlsx?period={quarter}")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    sheet = book["Performance reports"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header = next(i for i, row in enumerate(rows) if row[0] == "Challenge or deal")
    listed = {row[0]: row for row in rows[header + 1 :] if row[0] and row[1]}
    # Filed and overdue reports are listed at the quarter's end; the one due next year not yet.
    assert set(listed) == {reports["rated"]["title"], FORMULA, reports["overdue"]["title"]}
    formula_row = next(row for row in sheet.iter_rows() if row[0].value == FORMULA)
    assert formula_row[0].data_type == "s"  # shown as typed, never run
    columns = rows[header]
    rated = listed[reports["rated"]["title"]]
    assert rated[columns.index("Rating")] == "Excellent"
    assert rated[columns.index("Sales reported (10k CNY)")] == reports["rated"]["sales"] / WAN
    assert "Performance reports (事后绩效)" in book.sheetnames


def test_an_enterprise_finds_its_reports_on_its_own_dashboard(app, world, make_client):
    ids, reports = world
    client = as_user(app, make_client, ids["owner"])
    html = client.get("/dashboard/me/").get_data(as_text=True)
    assert 'id="my-performance"' in html
    assert f"/performance/{reports['overdue']['id']}" in html and f"/performance/{reports['due']['id']}" in html
    rival = as_user(app, make_client, ids["rival"]).get("/dashboard/me/").get_data(as_text=True)
    assert f"/performance/{reports['due']['id']}" not in rival

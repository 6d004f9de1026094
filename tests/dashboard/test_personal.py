"""My dashboard (工作台) for each role on a fixed data set: every figure is the user's own (a second
broker's deals and decisions never count), the period moves the figures, and each exported table holds
what the page shows."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook

from tests.dashboard.test_evidence import make_ledger
from tests.listings.search_factory import make_listing
from webapp.achievements.models import AchievementAccess
from webapp.core.money import format_money
from webapp.dashboard import periods
from webapp.listings.models import ListingStatus
from webapp.matching.models import Introduction, IntroductionOutcome, RejectReason, Suggestion, SuggestionStatus


def at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 4, 0, tzinfo=UTC)  # noon in Beijing


def cells(page: str, table: str, column: str) -> list[str]:
    """The text of a column of a dashboard table on the page (the total row last)."""
    match = re.search(rf'id="table-{table}".*?</table>', page, re.S)
    assert match, f"no table {table} on the page"
    found = re.findall(rf'data-col="{column}">(.*?)</td>', match.group(0), re.S)
    return [unescape(re.sub(r"<[^>]+>", "", text)).strip() for text in found]


def figure(page: str, key: str) -> str:
    match = re.search(rf'data-figure="{key}">([^<]*)<', page)
    assert match, f"no figure {key}"
    return match.group(1).strip()


def exported(client, table: str, **args) -> list[list]:
    response = client.get("/dashboard/me/export", query_string={"table": table, **args})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def wan_text(app, amount_wan) -> str:
    with app.test_request_context(), force_locale("en"):
        return format_money(round(amount_wan * 10_000))


@pytest.fixture
def ledger(query, make_user, make_org):
    researcher = make_user("researcher", locale="en")
    other_researcher = make_user("researcher", locale="en")
    enterprise = make_user("enterprise", locale="en")
    other_enterprise = make_user("enterprise", locale="en")
    people = make_ledger(
        query,
        make_user,
        make_org,
        d1={"provider_user_id": researcher.id, "need_user_id": enterprise.id},
        d5={"provider_user_id": other_researcher.id, "need_user_id": other_enterprise.id},
    )
    people.researcher, people.other_researcher = researcher, other_researcher
    people.enterprise_user, people.other_enterprise = enterprise, other_enterprise
    return people


# ---------------------------------------------------------------- broker


def test_a_broker_sees_their_own_turnover_and_never_another_brokers(app, client, ledger):
    client.login(ledger.broker.email)
    page = client.get("/dashboard/me/?period=2025").get_data(as_text=True)
    assert 'data-role="broker"' in page
    # 2025, 经纪人甲 only: signed D1 + D3 + D6 + D7; registered D1 + D6; received D1 500,000 + D3 + D7.
    sheet = exported(client, "turnover", period="2025")
    total = next(row for row in sheet if row[0] == "Total")
    assert [round(v * 10_000) for v in total[1:4]] == [2_700_000, 1_300_000, 630_000]
    assert cells(page, "turnover", "signed")[-1] == wan_text(app, total[1])
    assert cells(page, "turnover", "received")[-1] == wan_text(app, total[3])
    months = {row[0]: round(row[3] * 10_000) for row in sheet if row[0] and re.fullmatch(r"2025-\d\d", str(row[0]))}
    assert len(months) == 12 and months["2025-12"] == 250_000 and months["2025-04"] == 300_000

    states = {row[0]: row[1] for row in exported(client, "deal_states", period="2025") if row[0] and row[1]}
    assert states == {"State": "Deals", "Registered": 1, "Being paid": 3, "Total (live deals)": 4}
    assert cells(page, "top_deals", "title") == ["D1 储能液冷开发", "D3 未登记", "D7 次年登记", "D6 年末登记"]

    page = client.get("/dashboard/me/?period=2026").get_data(as_text=True)
    total = next(row for row in exported(client, "turnover", period="2026") if row[0] == "Total")
    assert [round(v * 10_000) for v in total[1:4]] == [0, 600_000, 100_000]
    assert cells(page, "top_deals", "title") == ["D1 储能液冷开发", "D7 次年登记"]


def test_the_second_broker_sees_only_their_deals(client, ledger):
    client.login(ledger.broker_2.email)
    total = next(row for row in exported(client, "turnover", period="2025") if row[0] == "Total")
    assert [round(v * 10_000) for v in total[1:4]] == [0, 0, 150_000]  # D2's 1 Jan payment; D4 is cancelled
    states = {row[0]: row[1] for row in exported(client, "deal_states", period="2025") if row[0] and row[1]}
    assert states == {"State": "Deals", "Being paid": 1, "Cancelled": 1, "Total (live deals)": 1}


def _decisions(query, broker_id: int, other_id: int) -> None:
    """For the broker: 3 accepted and 1 rejected in 2025, 1 accepted in 2024, two introductions in 2025
    (one became a deal) and one in 2024. The other broker rejected 2 in 2025. Two suggestions wait in
    the queue (and one below every confidence band does not)."""

    def add(session):
        def pair(score=60.0, **values):
            need, achievement = make_listing(session, "n"), make_listing(session, "a")
            suggestion = Suggestion(
                need_id=need.id, achievement_id=achievement.id, score=score, parts={}, terms=[], **values
            )
            session.add(suggestion)
            session.flush()
            return suggestion

        accepted = [
            pair(status=SuggestionStatus.ACCEPTED, decided_by_id=broker_id, decided_at=at(2025, m, 1))
            for m in (2, 5, 12)
        ]
        pair(
            status=SuggestionStatus.REJECTED,
            reason=RejectReason.BUDGET,
            decided_by_id=broker_id,
            decided_at=at(2025, 3, 1),
        )
        old = pair(status=SuggestionStatus.ACCEPTED, decided_by_id=broker_id, decided_at=at(2024, 7, 1))
        for _n in range(2):
            pair(
                status=SuggestionStatus.REJECTED,
                reason=RejectReason.FIELD,
                decided_by_id=other_id,
                decided_at=at(2025, 4, 1),
            )
        pair(score=80.0)
        pair(score=55.0)
        pair(score=1.0)  # below every confidence band: not in the queue
        session.add_all(
            [
                Introduction(
                    suggestion_id=accepted[0].id,
                    broker_id=broker_id,
                    created_at=at(2025, 2, 1),
                    outcome=IntroductionOutcome.DEAL,
                    closed_at=at(2025, 3, 1),
                ),
                Introduction(suggestion_id=accepted[1].id, broker_id=broker_id, created_at=at(2025, 5, 1)),
                Introduction(suggestion_id=old.id, broker_id=broker_id, created_at=at(2024, 7, 1)),
            ]
        )
        session.commit()

    query(add)


def test_a_brokers_queue_decisions_and_introductions(client, ledger, query):
    _decisions(query, ledger.broker.id, ledger.broker_2.id)
    client.login(ledger.broker.email)
    page = client.get("/dashboard/me/?period=2025").get_data(as_text=True)
    assert [figure(page, k) for k in ("queue", "decisions", "acceptance", "introductions")] == ["2", "4", "75.0%", "2"]
    assert cells(page, "introductions", "count") == ["1", "1", "2"]
    sheet = exported(client, "decisions", period="2025")
    assert [row[:3] for row in sheet if row[0] in ("Accepted", "Rejected", "Total")] == [
        ["Accepted", 3, 0.75],
        ["Rejected", 1, 0.25],
        ["Total", 4, None],
    ]

    page = client.get("/dashboard/me/?period=2024").get_data(as_text=True)
    assert [figure(page, k) for k in ("queue", "decisions", "acceptance", "introductions")] == ["2", "1", "100.0%", "1"]

    client.logout()
    client.login(ledger.broker_2.email)
    page = client.get("/dashboard/me/?period=2025").get_data(as_text=True)
    assert [figure(page, k) for k in ("decisions", "acceptance", "introductions")] == ["2", "0.0%", "0"]


# ---------------------------------------------------------------- researcher and enterprise


def _listings(query, ledger) -> None:
    def add(session):
        a1 = make_listing(session, "a", owner_id=ledger.researcher.id, title="成果一")
        a2 = make_listing(session, "a", owner_id=ledger.researcher.id, title="成果二")
        make_listing(session, "a", owner_id=ledger.researcher.id, title="成果草稿", status=ListingStatus.DRAFT)
        theirs = make_listing(session, "a", owner_id=ledger.other_researcher.id, title="别人的成果")
        n1 = make_listing(session, "n", owner_id=ledger.enterprise_user.id, title="需求一")
        make_listing(
            session, "n", owner_id=ledger.enterprise_user.id, title="需求审核中", status=ListingStatus.SUBMITTED
        )
        n2 = make_listing(session, "n", owner_id=ledger.other_enterprise.id, title="别人的需求")
        session.add_all(
            [
                Suggestion(
                    need_id=n1.id, achievement_id=a1.id, score=70, parts={}, terms=[], computed_at=at(2025, 5, 1)
                ),
                Suggestion(
                    need_id=n2.id,
                    achievement_id=a1.id,
                    score=70,
                    parts={},
                    terms=[],
                    computed_at=at(2025, 5, 2),
                    status=SuggestionStatus.ACCEPTED,
                    decided_at=at(2025, 6, 1),
                ),
                Suggestion(
                    need_id=n2.id,
                    achievement_id=a2.id,
                    score=70,
                    parts={},
                    terms=[],
                    computed_at=at(2024, 3, 1),
                    status=SuggestionStatus.REJECTED,
                    reason=RejectReason.OTHER,
                    decided_at=at(2024, 3, 2),
                ),
                Suggestion(
                    need_id=n1.id, achievement_id=theirs.id, score=70, parts={}, terms=[], computed_at=at(2025, 5, 3)
                ),
                AchievementAccess(achievement_id=a1.id, user_id=ledger.enterprise_user.id, created_at=at(2025, 2, 1)),
            ]
        )
        session.commit()

    query(add)


def test_a_researcher_sees_their_achievements_suggestions_and_deals(app, client, ledger, query):
    _listings(query, ledger)
    client.login(ledger.researcher.email)
    page = client.get("/dashboard/me/?period=2025").get_data(as_text=True)
    assert 'data-role="researcher"' in page
    assert cells(page, "achievements", "count") == ["1", "2", "3"]  # draft, published, total
    assert cells(page, "suggestions", "title") == ["成果一", "Total"]
    assert cells(page, "suggestions", "made") == ["2", "2"] and cells(page, "suggestions", "accepted") == ["1", "1"]
    assert cells(page, "access", "count") == ["1", "1"]
    assert cells(page, "deals", "title") == ["D1 储能液冷开发", "Total"]  # D5 is another researcher's
    sheet = exported(client, "deals", period="2025")
    d1 = next(row for row in sheet if row[0] == "D1 储能液冷开发")
    assert [round(v * 10_000) for v in d1[3:6]] == [1_000_000, 600_000, 500_000]
    assert cells(page, "deals", "in_period")[0] == wan_text(app, d1[5])

    page = client.get("/dashboard/me/?period=2024").get_data(as_text=True)
    assert cells(page, "suggestions", "title") == ["成果二", "Total"]
    assert cells(page, "suggestions", "made") == ["1", "1"] and cells(page, "suggestions", "accepted") == ["0", "0"]
    assert cells(page, "deals", "in_period")[0] == wan_text(app, 0)


def test_an_enterprise_sees_its_needs_and_what_it_still_has_to_pay(app, client, ledger, query):
    _listings(query, ledger)
    client.login(ledger.enterprise_user.email)
    page = client.get("/dashboard/me/?period=2025").get_data(as_text=True)
    assert 'data-role="enterprise"' in page
    assert cells(page, "needs", "count") == ["1", "1", "2"]  # awaiting review, published, total
    assert cells(page, "suggestions", "title") == ["需求一", "Total"]
    assert cells(page, "suggestions", "made") == ["2", "2"]  # the pair with 别人的成果 is for this need too
    assert cells(page, "deals", "title") == ["D1 储能液冷开发", "Total"]
    sheet = exported(client, "deals", period="2025")
    header = next(row for row in sheet if row[0] == "Contract")
    d1 = dict(zip(header, next(row for row in sheet if row[0] == "D1 储能液冷开发"), strict=False))
    # Paid 600,000 of 1,000,000: the first two instalments are covered, the third (30 Jun 2026) is next.
    assert round(d1["Still to be paid (10k CNY)"] * 10_000) == 400_000
    assert d1["Next instalment due"].date() == date(2026, 6, 30)
    assert round(d1["Next instalment amount (10k CNY)"] * 10_000) == 400_000
    assert cells(page, "deals", "remaining")[0] == wan_text(app, 40)


def test_an_enterprise_sees_its_challenges_with_their_applications(app_ctx):
    from tests import clock
    from tests.challenges import factory
    from webapp.dashboard.personal_parties import enterprise

    try:
        people = factory.make_people()
        challenge = factory.published(people)
        factory.apply(people.tju, challenge)
        factory.apply(people.nku, challenge, submit=False)
        factory.draft(people)
    finally:
        clock.reset()
    with force_locale("en"):
        board = enterprise(people.owner, periods.year(2025))
        rival = enterprise(people.rival, periods.year(2025))
    rows = board.table("challenges").rows
    assert [(r["status"], r["applications"]) for r in rows] == [("Draft", 0), ("Published, open for applications", 1)]
    assert rival.table("challenges").rows == []


def test_an_expert_sees_the_reviews_still_to_score(app_ctx):
    from tests import clock
    from tests.challenges import factory
    from webapp.challenges import review
    from webapp.dashboard.personal_expert import expert

    try:
        people = factory.make_people()
        challenge, apps = factory.in_review(people)
        review.score(people.expert, apps[0], factory.scores(challenge, 80, 70, 60), "方案可行")
        moment = clock.now()
    finally:
        clock.reset()
    today = moment.astimezone(ZoneInfo("Asia/Shanghai")).date()
    period = periods.Period(today, today, "custom")
    mine = expert(people.expert, period)
    assert [(r["eligible"], r["done"], r["pending"]) for r in mine.table("reviews").rows] == [(2, 1, 1)]
    assert {f.key: f.value for f in mine.figures} == {"panels": "1", "done": "1", "pending": "1"}
    assert [(r["done"], r["pending"]) for r in expert(people.expert_2, period).table("reviews").rows] == [(0, 2)]
    assert expert(people.expert_tju, period).table("reviews").rows == []


# ---------------------------------------------------------------- the page itself


def test_an_admin_is_sent_to_the_district_dashboard(client, make_user):
    client.login(make_user("admin").email)
    response = client.get("/dashboard/me/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard/")


def test_a_bad_period_is_explained_and_the_current_year_shown(client, make_user):
    client.login(make_user("broker", locale="en").email)
    page = client.get("/dashboard/me/?period=2025-Q5").get_data(as_text=True)
    assert 'id="period-error"' in page and "Unknown period 2025-Q5" in page
    response = client.get("/dashboard/me/export?table=turnover&period=2025-Q5")
    assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard/me/")
    assert client.get("/dashboard/me/export?table=nothing&period=2025").status_code == 404


def test_every_table_is_exported_in_one_workbook(client, ledger):
    client.login(ledger.broker.email)
    response = client.get("/dashboard/me/export?period=2025")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == [
        "My turnover by month",
        "My decisions in the period",
        "My introductions made in the pe",
        "Deals credited to me, by state",
        "My top deals in the period",
    ]
    page = client.get("/dashboard/me/?period=2025").get_data(as_text=True)
    assert page.count("data-export=") == 5 and 'id="nav-my-dashboard"' in page

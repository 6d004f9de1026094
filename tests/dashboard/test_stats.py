"""The dashboard's figures against hand-computed totals on a fixed data set (tests/dashboard/factory.py):
period edges, cancelled deals, the field roll-up, the tier overlap, the funnel, the challenge stages and
the target's progress. Money is whole 元."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from flask_babel import force_locale

from tests.dashboard import factory
from tests.listings.search_factory import make_listing
from webapp.dashboard import periods, stats
from webapp.dashboard.stats_turnover import Figures, ledger
from webapp.deals.turnover import turnover
from webapp.extensions import db


@pytest.fixture
def data(app_ctx, make_user):
    with force_locale("en"), app_ctx.test_request_context():
        yield factory.ledger()


def rows(table) -> dict[str, tuple]:
    return {r["name"]: (r["signed"], r["registered"], r["received"], r["deals"]) for r in table.rows}


def test_year_totals_leave_out_cancelled_and_count_both_period_ends(data):
    found = ledger(periods.year(2019).start, periods.year(2019).end)
    assert found.total == Figures(
        signed=3_400_000, signed_count=3, registered=3_700_000, registered_count=3, received=3_000_000
    )
    # A payment on 1 January counts in the next year; the cancelled D3 counts nowhere.
    assert ledger(periods.year(2020).start, periods.year(2020).end).total == Figures(received=200_000)
    assert found.paid_in_full == 2  # D2 and D4: the last payment in 2019
    # The ledger service gives the same totals.
    same = turnover(periods.year(2019).start, periods.year(2019).end)
    assert (same.signed, same.registered, same.received) == (3_400_000, 3_700_000, 3_000_000)


def test_quarter_edges(data):
    q1 = ledger(periods.quarter(2019, 1).start, periods.quarter(2019, 1).end).total
    assert q1 == Figures(
        signed=3_000_000, signed_count=2, registered=2_700_000, registered_count=2, received=2_700_000
    )  # D1 signed on 31 March is in Q1
    q2 = ledger(periods.quarter(2019, 2).start, periods.quarter(2019, 2).end).total
    assert q2 == Figures(registered=1_000_000, registered_count=1)  # D3 (cancelled) is not
    q4 = ledger(periods.quarter(2019, 4).start, periods.quarter(2019, 4).end).total
    assert q4 == Figures(signed=400_000, signed_count=1, received=300_000)  # the payment on 31 December


def test_tables_by_month_field_institution_tier_agency(data):
    found = stats.admin_dashboard(periods.year(2019))
    t = found.tables
    months = {r["month"]: (r["signed"], r["registered"], r["received"], r["deals"]) for r in t["months"].rows}
    assert len(months) == 12
    assert months[201901] == (2_000_000, 2_700_000, 0, 1)
    assert months[201902] == (0, 0, 2_000_000, 0)
    assert months[201903] == (1_000_000, 0, 700_000, 1)
    assert months[201904] == (0, 1_000_000, 0, 0)
    assert months[201912] == (400_000, 0, 300_000, 1)
    assert sum(v[2] for v in months.values()) == 3_000_000
    assert t["months"].total["registered"] == 3_700_000

    # Fields roll up to the top of the tree: A1a and A1 count under A.
    assert rows(t["fields"]) == {
        data.b.name: (2_000_000, 2_000_000, 2_000_000, 1),
        data.a.name: (1_400_000, 1_000_000, 300_000, 2),
        "Unclassified": (0, 700_000, 700_000, 0),
    }
    assert [r["name"] for r in t["fields"].rows] == [data.b.name, data.a.name, "Unclassified"]

    # Institutions: universities and institutes ranked; the company provider is among the others.
    assert rows(t["institutions"]) == {
        data.i.name: (2_000_000, 2_000_000, 2_000_000, 1),
        data.u.name: (1_400_000, 1_000_000, 300_000, 2),
        "Other providers": (0, 700_000, 700_000, 0),
    }

    # A deal counts under each tier its enterprise holds: D1 under high-tech and chuying.
    assert rows(t["tiers"]) == {
        "High-tech enterprise": (3_400_000, 3_000_000, 2_300_000, 3),
        "Chuying (fledgling eagle)": (1_000_000, 1_000_000, 300_000, 1),
        "No tier": (0, 700_000, 700_000, 0),
    }
    assert "every tier" in t["tiers"].note

    assert rows(t["agencies"]) == {
        data.y.name: (2_000_000, 2_000_000, 2_000_000, 1),
        data.x.name: (1_400_000, 1_000_000, 300_000, 2),
        "No agency": (0, 700_000, 700_000, 0),
    }
    link = next(r["_link"] for r in t["agencies"].rows if r.get("org_id") == data.x.id)
    assert link == f"/dashboard/agency/{data.x.id}?period=2019"


def test_agency_ledger_and_brokers(data):
    found = ledger(periods.year(2019).start, periods.year(2019).end, agency_id=data.x.id)
    assert found.total == Figures(
        signed=1_400_000, signed_count=2, registered=1_000_000, registered_count=1, received=300_000
    )
    assert dict(found.by_broker) == {data.bx.id: found.total}


def test_target_progress_counts_registered_turnover_up_to_the_period_end(data):
    year = stats.admin_dashboard(periods.year(2019)).target
    assert (year.amount, year.figures.registered, year.progress) == (10_000_000, 3_700_000, Decimal("0.37"))
    assert (year.figures.signed, year.figures.received) == (3_400_000, 3_000_000)
    q1 = stats.admin_dashboard(periods.quarter(2019, 1)).target
    assert (q1.until.isoformat(), q1.figures.registered, q1.progress) == ("2019-03-31", 2_700_000, Decimal("0.27"))
    assert q1.figures.received == 2_700_000
    none = stats.admin_dashboard(periods.year(2018)).target
    assert (none.amount, none.progress) == (None, None)


def _utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_funnel_counts_activity_in_the_period(data):
    from webapp.matching.models import Introduction, RejectReason, Suggestion, SuggestionStatus

    session = db.session
    achievement = make_listing(session, "a", published_at=_utc(2019, 6, 1, 12))
    # 16:30 UTC on 31 December is 00:30 on 1 January in Beijing: the district's next day.
    need_in = make_listing(session, "n", published_at=_utc(2018, 12, 31, 16, 30))
    need_out = make_listing(session, "n", published_at=_utc(2019, 12, 31, 16, 30))
    accepted = Suggestion(
        need_id=need_in.id,
        achievement_id=achievement.id,
        score=80,
        status=SuggestionStatus.ACCEPTED,
        computed_at=_utc(2019, 7, 1),
        decided_at=_utc(2019, 7, 2),
    )
    rejected = Suggestion(
        need_id=need_out.id,
        achievement_id=achievement.id,
        score=60,
        status=SuggestionStatus.REJECTED,
        reason=list(RejectReason)[0],
        computed_at=_utc(2019, 8, 1),
        decided_at=_utc(2019, 8, 2),
    )
    session.add_all([accepted, rejected])
    session.flush()
    session.add(Introduction(suggestion_id=accepted.id, created_at=_utc(2019, 7, 3)))
    session.flush()
    table = stats.admin_dashboard(periods.year(2019)).tables["funnel"]
    counts = {r["step"]: r["count"] for r in table.rows}
    assert counts == {"listings": 2, "suggested": 2, "accepted": 1, "introduced": 1, "signed": 3, "paid": 2}
    # Steps are not shares of each other (3 deals signed from 1 introduction): the one rate is the
    # accepted share of the suggestions decided in the period.
    assert [r["rate"] for r in table.rows] == [None, None, Decimal("0.5"), None, None, None]
    assert "not the same cases" in table.note


def test_challenge_board_and_stage_averages(data):
    from webapp.challenges.models import Application, ApplicationStatus, Challenge, ChallengeStatus, Failure, UnitKind

    need = make_listing(db.session, "n")
    common = {
        "need_id": need.id,
        "title": "榜单",
        "problem": "问题",
        "bounty": 1_000_000,
        "opens_at": _utc(2018, 11, 1),
        "closes_at": _utc(2018, 11, 30),
        "submitted_at": _utc(2018, 10, 1),
    }
    done = Challenge(
        **common,
        status=ChallengeStatus.COMPLETED,
        published_at=_utc(2019, 1, 1, 2),
        closed_at=_utc(2019, 1, 11, 2),
        review_started_at=_utc(2019, 1, 12, 2),
        notice_started_at=_utc(2019, 1, 21, 2),
        notice_ends_at=_utc(2019, 1, 28, 2),
        awarded_at=_utc(2019, 1, 28, 2),
        contracted_at=_utc(2019, 2, 7, 2),
        started_at=_utc(2019, 2, 7, 2),
        acceptance_at=_utc(2019, 5, 1, 2),
        completed_at=_utc(2019, 5, 8, 2),
        acceptance_opinion="通过",
    )
    failed = Challenge(
        **common,
        status=ChallengeStatus.FAILED,
        failure=list(Failure)[0],
        published_at=_utc(2019, 3, 1),
        closed_at=_utc(2019, 3, 21),
        failed_at=_utc(2019, 3, 21),
    )
    stopped = Challenge(
        **common,
        status=ChallengeStatus.TERMINATED,
        termination_reason="企业撤资",
        published_at=_utc(2018, 12, 1),
        closed_at=_utc(2018, 12, 15),
        notice_started_at=_utc(2019, 1, 4),
        terminated_at=_utc(2019, 2, 1),
    )
    db.session.add_all([done, failed, stopped])
    db.session.flush()
    db.session.add(
        Application(
            challenge_id=done.id,
            lead_unit="天津大学",
            lead_kind=UnitKind.UNIVERSITY,
            unit_key="天津大学",
            status=ApplicationStatus.SUBMITTED,
            submitted_at=_utc(2019, 1, 5),
            commitment_signed=True,
            commitment_signed_at=_utc(2019, 1, 5),
        )
    )
    db.session.flush()
    found = stats.admin_dashboard(periods.year(2019))
    counts = {r["figure"]: r["count"] for r in found.tables["challenges"].rows}
    assert counts == {"published": 2, "applications": 1, "awarded": 1, "completed": 1, "failed": 1, "stopped": 1}
    days = {r["stage"]: (r["days"], r["challenges"]) for r in found.tables["stages"].rows}
    assert days == {
        "window": (15.0, 2),
        "review": (15.0, 2),
        "notice": (7.0, 1),
        "contracting": (10.0, 1),
        "delivery": (90.0, 1),
    }
    # In 2018 only the terminated challenge's window ended (14 days).
    earlier = stats.admin_dashboard(periods.year(2018)).tables["stages"].rows
    assert [(r["stage"], r["days"]) for r in earlier if r["days"] is not None] == [("window", 14.0)]


def test_totals_against_the_same_quarter_a_year_earlier(data):
    table = stats.totals_table(periods.quarter(2019, 4), periods.quarter(2018, 4))
    values = {r["figure"]: (r["now"], r["before"]) for r in table.rows}
    assert values["signed"] == (400_000, 700_000)  # D4 signed on 31 December 2018
    assert values["received"] == (300_000, 0)
    assert table.rows[0]["change"] == Decimal(-300_000) / Decimal(700_000)


def test_cached_figures_follow_every_change_to_the_ledger(data):
    from datetime import date

    from webapp.dashboard import stats_turnover

    year = periods.year(2019)
    before = ledger(year.start, year.end)
    assert ledger(year.start, year.end) is before  # the ledger has not changed: the same figures
    deal = data.deals.d5
    deal.registration_no, deal.registered_on = "R2019-D5", date(2019, 12, 31)
    db.session.flush()  # updated_at moves: a new version
    after = ledger(year.start, year.end)
    assert after.total.registered == 3_700_000 + 400_000
    assert after == stats_turnover.compute_ledger(year.start, year.end)


def test_with_the_cache_turned_off_every_request_computes_the_figures(data, app, monkeypatch):
    monkeypatch.setitem(app.config, "DASHBOARD_CACHE", False)
    year = periods.year(2019)
    first = ledger(year.start, year.end)
    again = ledger(year.start, year.end)
    assert again is not first and again == first

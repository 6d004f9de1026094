"""The two sides of the market on their own dashboards: a researcher (their achievements, the
suggestions and access requests they draw, their challenge applications, the deals where they are the
provider) and an enterprise (their needs and the suggestions for them, their challenges and the
applications they drew, the deals where they are the need side and what is still to pay)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp.dashboard.periods import Period
from webapp.dashboard.personal_board import Board, Chart, Figure, counted, deals_of, pie, status_table, within
from webapp.dashboard.tables import Column, Table
from webapp.deals.models import Deal
from webapp.extensions import db
from webapp.listings.models import ListingStatus


def _listing_suggestions(model, column, user, period: Period, name: str, title: str, what: str) -> Table:
    """Per listing of the user: suggestions computed in the period, and those accepted in it."""
    from webapp.matching.models import Suggestion, SuggestionStatus

    made = sa.func.sum(sa.case((within(Suggestion.computed_at, period), 1), else_=0))
    accepted = sa.func.sum(
        sa.case(
            (sa.and_(Suggestion.status == SuggestionStatus.ACCEPTED, within(Suggestion.decided_at, period)), 1), else_=0
        )
    )
    query = (
        sa.select(model.id, model.title, made, accepted)
        .join(Suggestion, column == model.id)
        .where(model.owner_id == user.id)
        .group_by(model.id, model.title)
        .order_by(model.id)
    )
    prefix = "/achievements" if model.KIND == "achievement" else "/needs"
    rows = [
        {"title": title_, "made": int(m or 0), "accepted": int(a or 0), "_link": f"{prefix}/{id_}"}
        for id_, title_, m, a in db.session.execute(query)
        if (m or a)
    ]
    return Table(
        name,
        title,
        [
            Column("title", what),
            Column("made", _("Suggested"), "int"),
            Column("accepted", _("Accepted by a broker"), "int"),
        ],
        rows,
        total={"title": _("Total"), "made": sum(r["made"] for r in rows), "accepted": sum(r["accepted"] for r in rows)},
    )


def _suggestion_chart(table: Table) -> Chart:
    return Chart(
        f"chart-{table.name}",
        table.title,
        {
            "type": "bar",
            "categories": [r["title"] for r in table.rows],
            "series": [
                {"name": _("Suggested"), "data": [r["made"] for r in table.rows]},
                {"name": _("Accepted by a broker"), "data": [r["accepted"] for r in table.rows]},
            ],
        },
    )


def researcher(user, period: Period) -> Board:
    from webapp.achievements.models import AccessStatus, Achievement, AchievementAccess
    from webapp.challenges.models import Application, ApplicationStatus
    from webapp.matching.models import Suggestion

    board = Board("researcher")
    statuses = counted(
        sa.select(Achievement.status, sa.func.count())
        .where(Achievement.owner_id == user.id)
        .group_by(Achievement.status)
    )
    achievements = status_table(
        "achievements",
        _("My achievements by status"),
        _("Status"),
        statuses,
        list(ListingStatus),
        note=_("Every achievement you list, as it stands today."),
    )
    suggestions = _listing_suggestions(
        Achievement,
        Suggestion.achievement_id,
        user,
        period,
        "suggestions",
        _("Suggestions involving my achievements in the period"),
        _("Achievement"),
    )
    access = counted(
        sa.select(AchievementAccess.status, sa.func.count())
        .join(Achievement)
        .where(Achievement.owner_id == user.id, within(AchievementAccess.created_at, period))
        .group_by(AchievementAccess.status)
    )
    requests = status_table(
        "access", _("Requests for my confidential details in the period"), _("Answer"), access, list(AccessStatus)
    )
    applied = counted(
        sa.select(Application.status, sa.func.count())
        .where(Application.applicant_id == user.id, within(Application.created_at, period))
        .group_by(Application.status)
    )
    applications = status_table(
        "applications",
        _("My challenge applications started in the period"),
        _("Status"),
        applied,
        list(ApplicationStatus),
    )
    deals = deals_of(
        Deal.provider_user_id == user.id,
        period,
        "deals",
        _("Deals where I am the provider"),
        ["title", "need_party", "state", "value", "received", "in_period"],
    )
    board.figures = [
        Figure("published", _("Published achievements"), f"{statuses.get(ListingStatus.PUBLISHED, 0):,}"),
        Figure("suggested", _("Suggestions in the period"), f"{suggestions.total['made']:,}"),
        Figure("accepted", _("Accepted in the period"), f"{suggestions.total['accepted']:,}"),
        Figure("deals", _("Live deals"), f"{len(deals.rows):,}"),
    ]
    board.charts = [Chart("chart-achievements", achievements.title, pie(achievements)), _suggestion_chart(suggestions)]
    board.tables = [achievements, suggestions, requests, applications, deals]
    return board


def enterprise(user, period: Period) -> Board:
    from webapp.challenges.models import LODGED, Application, Challenge
    from webapp.matching.models import Suggestion
    from webapp.needs.models import Need

    board = Board("enterprise")
    statuses = counted(sa.select(Need.status, sa.func.count()).where(Need.owner_id == user.id).group_by(Need.status))
    needs = status_table(
        "needs",
        _("My needs by status"),
        _("Status"),
        statuses,
        list(ListingStatus),
        note=_("Every need you posted, as it stands today."),
    )
    suggestions = _listing_suggestions(
        Need, Suggestion.need_id, user, period, "suggestions", _("Suggestions for my needs in the period"), _("Need")
    )
    lodged = (
        sa.select(Application.challenge_id, sa.func.count().label("n"))
        .where(Application.status.in_(LODGED))
        .group_by(Application.challenge_id)
        .subquery()
    )
    rows = [
        {"title": c.title, "status": c.status.label, "applications": int(n or 0), "_link": f"/challenges/{c.id}"}
        for c, n in db.session.execute(
            sa.select(Challenge, lodged.c.n)
            .outerjoin(lodged, lodged.c.challenge_id == Challenge.id)
            .where(Challenge.owner_id == user.id)
            .order_by(Challenge.id.desc())
        )
    ]
    challenges = Table(
        "challenges",
        _("My challenges"),
        [
            Column("title", _("Challenge")),
            Column("status", _("Status")),
            Column("applications", _("Applications lodged"), "int"),
        ],
        rows,
        total={"title": _("Total"), "applications": sum(r["applications"] for r in rows)},
    )
    by_status: dict[str, int] = {}
    for row in rows:
        by_status[row["status"]] = by_status.get(row["status"], 0) + 1
    deals = deals_of(
        Deal.need_user_id == user.id,
        period,
        "deals",
        _("Deals where I am the need side"),
        ["title", "provider_party", "state", "value", "received", "remaining", "due_on", "due"],
        schedule=True,
    )
    board.figures = [
        Figure("published", _("Published needs"), f"{statuses.get(ListingStatus.PUBLISHED, 0):,}"),
        Figure("suggested", _("Suggestions in the period"), f"{suggestions.total['made']:,}"),
        Figure("challenges", _("My challenges"), f"{len(rows):,}"),
        Figure("deals", _("Live deals"), f"{len(deals.rows):,}"),
    ]
    board.charts = [
        Chart("chart-needs", needs.title, pie(needs)),
        _suggestion_chart(suggestions),
        Chart(
            "chart-challenges",
            _("My challenges by status"),
            {
                "type": "bar",
                "categories": list(by_status),
                "series": [{"name": _("Challenges"), "data": list(by_status.values())}],
            },
        ),
    ]
    board.tables = [needs, suggestions, challenges, deals]
    return board

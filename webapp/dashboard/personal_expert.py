"""An expert's own dashboard: per challenge on their panel, the reviews done and still to do."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp.dashboard.periods import Period
from webapp.dashboard.personal_board import (
    Board,
    Chart,
    Figure,
    within,
)
from webapp.dashboard.tables import Column, Table
from webapp.extensions import db


def expert(user, period: Period) -> Board:
    """Review tasks: per challenge on the expert's panel, reviews done and still to do."""
    from webapp.challenges.models import (
        Application,
        ApplicationStatus,
        Challenge,
        ChallengeStatus,
        ConflictDeclaration,
        ExpertAssignment,
        Review,
    )

    board = Board("expert")
    rows = []
    panels = db.session.execute(
        sa.select(ExpertAssignment, Challenge)
        .join(Challenge, Challenge.id == ExpertAssignment.challenge_id)
        .where(ExpertAssignment.expert_id == user.id)
        .order_by(Challenge.id.desc())
    ).all()
    for assignment, challenge in panels:
        eligible = list(
            db.session.scalars(
                sa.select(Application.id).where(
                    Application.challenge_id == challenge.id, Application.status == ApplicationStatus.ELIGIBLE
                )
            )
        )
        reviews = (
            {
                r.application_id: r
                for r in db.session.scalars(
                    sa.select(Review).where(Review.expert_id == user.id, Review.application_id.in_(eligible))
                )
            }
            if eligible
            else {}
        )
        conflicts = set(
            db.session.scalars(
                sa.select(ConflictDeclaration.application_id).where(
                    ConflictDeclaration.assignment_id == assignment.id, ConflictDeclaration.has_conflict.is_(True)
                )
            )
        )
        done = sum(1 for r in reviews.values() if not r.awaiting_revision)
        pending = 0
        if challenge.status is ChallengeStatus.REVIEW:
            pending = sum(
                1 for a in eligible if a not in conflicts and (a not in reviews or reviews[a].awaiting_revision)
            )
        rows.append(
            {
                "title": challenge.title,
                "status": challenge.status.label,
                "eligible": len(eligible),
                "done": done,
                "pending": pending,
                "_link": f"/challenges/{challenge.id}",
            }
        )
    reviews_table = Table(
        "reviews",
        _("My review tasks"),
        [
            Column("title", _("Challenge")),
            Column("status", _("State")),
            Column("eligible", _("Applications to review"), "int"),
            Column("done", _("Reviews done"), "int"),
            Column("pending", _("Still to score"), "int"),
        ],
        rows,
        total={"title": _("Total"), **{k: sum(r[k] for r in rows) for k in ("eligible", "done", "pending")}},
        note=_("Applications you declared a conflict with are not yours to score."),
    )
    in_period = int(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Review)
            .where(Review.expert_id == user.id, within(Review.submitted_at, period))
        )
        or 0
    )
    board.figures = [
        Figure("panels", _("Challenges on my panels"), f"{len(rows):,}"),
        Figure("done", _("Reviews submitted in the period"), f"{in_period:,}"),
        Figure("pending", _("Reviews still to score"), f"{reviews_table.total['pending']:,}"),
    ]
    board.charts = [
        Chart(
            "chart-reviews",
            reviews_table.title,
            {
                "type": "stacked",
                "categories": [r["title"] for r in rows],
                "series": [
                    {"name": _("Reviews done"), "data": [r["done"] for r in rows]},
                    {"name": _("Still to score"), "data": [r["pending"] for r in rows]},
                ],
            },
        )
    ]
    board.tables = [reviews_table]
    return board

"""The programme's activity in a period: the conversion funnel and the challenge board.

Timestamps are stored in UTC; a period is days of the district's calendar (Beijing time), so a day
runs from 00:00 to 24:00 in Asia/Shanghai.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from webapp.core import clock
from webapp.extensions import db


def utc_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[from, to) in UTC for the district's days start..end (both included)."""
    first = clock.day_start(start).astimezone(UTC)
    after = clock.day_start(end + timedelta(days=1)).astimezone(UTC)
    return first, after


def _count(column, first: datetime, after: datetime, *where) -> sa.ScalarSelect:
    table = column.class_
    return (
        sa.select(sa.func.count()).select_from(table).where(column >= first, column < after, *where).scalar_subquery()
    )


@dataclass
class Funnel:
    listings: int = 0  # achievements and needs published in the period
    suggested: int = 0  # suggestions computed in the period
    accepted: int = 0  # suggestions accepted in the period
    decided: int = 0  # suggestions accepted or rejected in the period
    introduced: int = 0  # introductions opened in the period
    signed: int = 0  # live deals signed in the period
    paid: int = 0  # live deals paid in full, their last payment in the period


def funnel(start: date, end: date, signed: int, paid: int) -> Funnel:
    """Activity in the period at each step (not a cohort followed through): the deal steps come from
    the ledger figures already computed for the page."""
    from webapp.achievements.models import Achievement
    from webapp.matching.models import Introduction, Suggestion, SuggestionStatus
    from webapp.needs.models import Need

    first, after = utc_bounds(start, end)
    row = db.session.execute(
        sa.select(
            _count(Achievement.published_at, first, after),
            _count(Need.published_at, first, after),
            _count(Suggestion.computed_at, first, after),
            _count(Suggestion.decided_at, first, after, Suggestion.status == SuggestionStatus.ACCEPTED),
            _count(Introduction.created_at, first, after),
            _count(
                Suggestion.decided_at,
                first,
                after,
                Suggestion.status.in_((SuggestionStatus.ACCEPTED, SuggestionStatus.REJECTED)),
            ),
        )
    ).one()
    return Funnel(
        listings=row[0] + row[1],
        suggested=row[2],
        accepted=row[3],
        decided=row[5],
        introduced=row[4],
        signed=signed,
        paid=paid,
    )


# (key, from column, to column): the average days of each stage, over the challenges whose stage ended
# in the period.
STAGES = [
    ("window", "published_at", "closed_at"),
    ("review", "closed_at", "notice_started_at"),
    ("notice", "notice_started_at", "awarded_at"),
    ("contracting", "awarded_at", "contracted_at"),
    ("delivery", "contracted_at", "completed_at"),
]


@dataclass
class Board:
    published: int = 0
    applications: int = 0  # applications lodged (submitted) in the period
    awarded: int = 0
    completed: int = 0
    failed: int = 0  # 流榜
    stopped: int = 0  # withdrawn or terminated
    stage_days: dict[str, float | None] = field(default_factory=dict)
    stage_counts: dict[str, int] = field(default_factory=dict)


def board(start: date, end: date) -> Board:
    from webapp.challenges.models import Application, Challenge

    first, after = utc_bounds(start, end)
    c = Challenge
    row = db.session.execute(
        sa.select(
            _count(c.published_at, first, after),
            _count(Application.submitted_at, first, after),
            _count(c.awarded_at, first, after),
            _count(c.completed_at, first, after),
            _count(c.failed_at, first, after),
            _count(c.withdrawn_at, first, after),
            _count(c.terminated_at, first, after),
        )
    ).one()
    out = Board(
        published=row[0], applications=row[1], awarded=row[2], completed=row[3], failed=row[4], stopped=row[5] + row[6]
    )
    ends = [getattr(c, end_column) for _key, _begin, end_column in STAGES]
    columns = sorted({name for _key, begin, finish in STAGES for name in (begin, finish)})
    query = sa.select(*(getattr(c, name) for name in columns)).where(
        sa.or_(*(sa.and_(column >= first, column < after) for column in ends))
    )
    spans: dict[str, list[float]] = {key: [] for key, _b, _e in STAGES}
    for values in db.session.execute(query):
        stamps = dict(zip(columns, values, strict=True))
        for key, begin, finish in STAGES:
            began, ended = stamps[begin], stamps[finish]
            if began is None or ended is None or not first <= _utc(ended) < after:
                continue
            spans[key].append((_utc(ended) - _utc(began)).total_seconds() / 86400)
    for key, values in spans.items():
        out.stage_counts[key] = len(values)
        out.stage_days[key] = sum(values) / len(values) if values else None
    return out


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)

"""The public challenge board: which challenges it lists, filtered by technical field and state,
in which order, and where a page of it ends (a position to continue after, for paging by cursor)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from webapp.challenges.models import PUBLIC_STATES, Challenge
from webapp.challenges.models import ChallengeStatus as S

SORTS = ("closing", "newest")  # closing: open windows first, closing soonest first; newest: by publication


def board(*, field_id: int | None = None, status: S | None = None, sort: str = "closing") -> sa.Select:
    """Published challenges and what became of them. A field includes the fields under it. By
    default open windows come first (closing soonest first), then the rest, newest first."""
    query = sa.select(Challenge).where(Challenge.status.in_(PUBLIC_STATES))
    if status is not None:
        query = query.where(Challenge.status == status)
    if field_id is not None:
        from webapp.taxonomy.models import TechField

        children = sa.select(TechField.id).where(TechField.parent_id == field_id)
        query = query.where(sa.or_(Challenge.field_id == field_id, Challenge.field_id.in_(children)))
    if sort == "newest":
        return query.order_by(Challenge.published_at.desc(), Challenge.id.desc())
    return query.order_by(
        (Challenge.status != S.PUBLISHED),
        sa.case((Challenge.status == S.PUBLISHED, Challenge.closes_at)),
        Challenge.published_at.desc(),
        Challenge.id.desc(),
    )


@dataclass(frozen=True)
class Position:
    """Where a challenge stands in the board's order: open or not, its deadline (open ones), when
    it was published, its id."""

    open_: bool
    closes_at: datetime | None
    published_at: datetime
    id: int


def position(challenge: Challenge, sort: str = "closing") -> Position:
    open_ = sort != "newest" and challenge.status is S.PUBLISHED
    return Position(open_, challenge.closes_at if open_ else None, challenge.published_at, challenge.id)


def after(query: sa.Select, at: Position, sort: str = "closing") -> sa.Select:
    """The board's query limited to the challenges that come after `at` in the same order."""
    older = sa.or_(
        Challenge.published_at < at.published_at,
        sa.and_(Challenge.published_at == at.published_at, Challenge.id < at.id),
    )
    if sort == "newest":
        return query.where(older)
    if not at.open_:
        return query.where(Challenge.status != S.PUBLISHED, older)
    later_open = sa.and_(
        Challenge.status == S.PUBLISHED,
        sa.or_(Challenge.closes_at > at.closes_at, sa.and_(Challenge.closes_at == at.closes_at, older)),
    )
    return query.where(sa.or_(later_open, Challenge.status != S.PUBLISHED))

"""Suggestions kept in the database: computing and replacing them, and what owners and challenge
enterprises see of them.

The engine (`webapp.matching.runtime`) finds the best pairs; this module decides what is stored.
A pair is one row whichever side found it. Matching a listing again replaces its NEW suggestions in
the caller's transaction (readers never see half a list); accepted and rejected pairs stay as they
are and are never suggested again. Nothing here commits except `refresh_many`, a background runner
that commits its progress.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

import sqlalchemy as sa

from webapp.core import outbox
from webapp.core.db import utcnow
from webapp.extensions import db
from webapp.listings.models import ListingStatus
from webapp.matching import runtime
from webapp.matching.models import Introduction, Suggestion, SuggestionStatus
from webapp.matching.permissions import can_see_suggestions, can_see_teams
from webapp.matching.sources import models

NEED = "need"
ACHIEVEMENT = "achievement"
KINDS = {
    "need": NEED,
    "n": NEED,
    "needs": NEED,
    "achievement": ACHIEVEMENT,
    "a": ACHIEVEMENT,
    "achievements": ACHIEVEMENT,
}


def kind_of(value) -> str:
    """ "need" or "achievement", from a listing or any of the names used for the two kinds."""
    if not isinstance(value, str):
        value = getattr(value, "KIND", "")
    try:
        return KINDS[value]
    except KeyError:
        raise ValueError(f"unknown listing kind {value!r}") from None


# ---------------------------------------------------------------- computing suggestions


def schedule(kind: str, ids: Iterable[int]) -> None:
    """Have listings matched in the background once the current transaction commits."""
    ids = sorted({int(i) for i in ids})
    if len(ids) == 1:
        outbox.enqueue("matching.match_listing", kind=kind_of(kind), listing_id=ids[0])
    elif ids:
        outbox.enqueue("matching.match_listings", kind=kind_of(kind), ids=ids)


def refresh(kind: str, listing_id: int, *, keep_since: datetime | None = None) -> int:
    return refresh_batch(kind, [listing_id], keep_since=keep_since)


def refresh_need(need_id: int, *, keep_since: datetime | None = None) -> int:
    """Match a need again and replace its NEW suggestions; returns how many it has now (see
    `refresh_batch`)."""
    return refresh_batch(NEED, [need_id], keep_since=keep_since)


def refresh_achievement(achievement_id: int, *, keep_since: datetime | None = None) -> int:
    """Match an achievement again and replace its NEW suggestions (see `refresh_batch`)."""
    return refresh_batch(ACHIEVEMENT, [achievement_id], keep_since=keep_since)


def refresh_batch(kind: str, ids: Iterable[int], *, keep_since: datetime | None = None) -> int:
    """Match listings of one kind again, with what they share read once, and replace each one's NEW
    suggestions; returns how many they have now. A listing that is not published loses its NEW
    suggestions. `keep_since` (used by the full re-match) keeps NEW suggestions computed since then
    even if this side did not find them."""
    kind = kind_of(kind)
    ach_model, need_model = models()
    model = need_model if kind == NEED else ach_model
    own, partner = (
        (Suggestion.need_id, Suggestion.achievement_id)
        if kind == NEED
        else (Suggestion.achievement_id, Suggestion.need_id)
    )
    listings = list(db.session.scalars(sa.select(model).where(model.id.in_(sorted({int(i) for i in ids})))))
    offline = [listing.id for listing in listings if listing.status is not ListingStatus.PUBLISHED]
    if offline:
        delete_new(own.in_(offline))
    published = [listing for listing in listings if listing.status is ListingStatus.PUBLISHED]
    if not published:
        return 0
    decided: dict[int, list[int]] = {}
    for listing_id, partner_id in db.session.execute(
        sa.select(own, partner).where(own.in_([p.id for p in published]), Suggestion.status != SuggestionStatus.NEW)
    ):
        decided.setdefault(listing_id, []).append(partner_id)
    found = runtime.match_many("n" if kind == NEED else "a", published, decided)
    return sum(_replace(own, listing.id, partner, found[listing.id], keep_since) for listing in published)


def refresh_many(kind: str, ids: Iterable[int], *, commit: Callable[[], None] | None = None, every: int = 20) -> int:
    """Match several listings of one kind, `every` at a time, committing after each when given `commit`."""
    ids = list(ids)
    total = 0
    for start in range(0, len(ids), every):
        total += refresh_batch(kind, ids[start : start + every])
        if commit is not None:
            commit()
    return total


def delete_new(*where) -> int:
    return db.session.execute(
        sa.delete(Suggestion)
        .where(Suggestion.status == SuggestionStatus.NEW, *where)
        .execution_options(synchronize_session=False)
    ).rowcount


def _replace(own_column, own_id: int, partner_column, matches, keep_since: datetime | None) -> int:
    """Delete this listing's NEW suggestions that were not found again, then insert or update the
    found ones. Rows are written in pair order, so that two listings replaced at the same time
    lock shared rows in the same order; a pair decided in the meantime is never overwritten."""
    now = utcnow()
    rows = {}
    for m in matches:
        rows[(m.need_id, m.achievement_id)] = {
            "need_id": m.need_id,
            "achievement_id": m.achievement_id,
            "score": round(min(100.0, max(0.0, float(m.score))), 2),
            "parts": {k: round(float(v), 2) for k, v in (m.parts or {}).items()},
            "terms": [str(t) for t in (m.terms or [])][:30],
        }
    partners = [key[1] if own_column is Suggestion.need_id else key[0] for key in rows]
    stale = [own_column == own_id]
    if partners:
        stale.append(partner_column.not_in(partners))
    if keep_since is not None:
        stale.append(Suggestion.computed_at < keep_since)
    delete_new(*stale)
    if rows:
        _upsert([rows[key] for key in sorted(rows)], now)
    return len(rows)


def _upsert(rows: list[dict], now: datetime) -> None:
    table = Suggestion.__table__
    values = [
        {
            **row,
            "status": SuggestionStatus.NEW,
            "computed_at": now,
            "created_at": now,
            "updated_at": now,
            "reason": None,
            "note": None,
            "decided_by_id": None,
            "decided_at": None,
        }
        for row in rows
    ]
    dialect = db.session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        stmt = insert(table)
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.need_id, table.c.achievement_id],
            set_={
                "score": stmt.excluded.score,
                "parts": stmt.excluded.parts,
                "terms": stmt.excluded.terms,
                "computed_at": stmt.excluded.computed_at,
                "updated_at": stmt.excluded.updated_at,
            },
            where=table.c.status == SuggestionStatus.NEW,
        )
        db.session.execute(stmt, values)
        return
    # Other databases: look up the pairs that exist, update the undecided ones, insert the rest.
    pairs = [(v["need_id"], v["achievement_id"]) for v in values]
    existing = {
        (r.need_id, r.achievement_id): r.status
        for r in db.session.execute(
            sa.select(table.c.need_id, table.c.achievement_id, table.c.status).where(
                sa.tuple_(table.c.need_id, table.c.achievement_id).in_(pairs)
            )
        )
    }
    for value in values:
        status = existing.get((value["need_id"], value["achievement_id"]))
        if status is None:
            db.session.execute(sa.insert(table), [value])
        elif status is SuggestionStatus.NEW:
            db.session.execute(
                sa.update(table)
                .where(
                    table.c.need_id == value["need_id"],
                    table.c.achievement_id == value["achievement_id"],
                    table.c.status == SuggestionStatus.NEW,
                )
                .values(
                    score=value["score"], parts=value["parts"], terms=value["terms"], computed_at=now, updated_at=now
                )
            )


# ---------------------------------------------------------------- what owners see


def _not_declined():
    """A pair whose introduction one of the parties declined is no longer suggested to anyone."""
    return (
        ~sa.select(Introduction.id)
        .where(Introduction.suggestion_id == Suggestion.id, Introduction.decline_reason.is_not(None))
        .exists()
    )


def top_for(listing, user, limit: int = 5) -> list[Suggestion]:
    """A listing's introductions and then its best NEW suggestions, best first, for its owner,
    brokers and admins (anyone else gets an empty list): an introduction waiting for the owner's
    answer is never pushed off the page by better pairs found since. NEW ones only while the other
    side is published."""
    if listing is None or getattr(listing, "id", None) is None or not can_see_suggestions(listing, user):
        return []
    ach_model, need_model = models()
    if kind_of(listing) == NEED:
        own, other_model, other_id = Suggestion.need_id, ach_model, Suggestion.achievement_id
    else:
        own, other_model, other_id = Suggestion.achievement_id, need_model, Suggestion.need_id
    other_published = (
        sa.select(other_model.id)
        .where(other_model.id == other_id, other_model.status == ListingStatus.PUBLISHED)
        .exists()
    )
    query = (
        sa.select(Suggestion)
        .where(
            own == listing.id,
            _not_declined(),
            sa.or_(
                Suggestion.status == SuggestionStatus.ACCEPTED,
                sa.and_(Suggestion.status == SuggestionStatus.NEW, other_published),
            ),
        )
        .order_by((Suggestion.status == SuggestionStatus.ACCEPTED).desc(), Suggestion.score.desc(), Suggestion.id)
        .limit(max(0, int(limit)))
    )
    return list(db.session.scalars(query).unique())


def suggested_teams(challenge, user, limit: int = 5) -> list[dict]:
    """Research teams suggested for a challenge through their achievements: the best suggestions
    of the need the challenge was built from, one entry per team (the achievements' owner, or their
    institution when imported without one), best first. For the challenge's enterprise, brokers and
    admins; nobody else sees them."""
    need = getattr(challenge, "need", None)
    if need is None or not can_see_teams(challenge, user):
        return []
    teams: dict[object, dict] = {}
    for suggestion in suggestions_of_need(need, limit=8 * limit):
        achievement = suggestion.achievement
        if achievement.status is not ListingStatus.PUBLISHED:
            continue
        key = achievement.owner_id or achievement.institution_label or achievement.id
        team = teams.setdefault(
            key,
            {
                "institution": achievement.institution_label,
                "team": achievement.team,
                "owner": achievement.owner,
                "best": suggestion.score,
                "suggestions": [],
            },
        )
        team["suggestions"].append(suggestion)
    return sorted(teams.values(), key=lambda t: -t["best"])[:limit]


def suggestions_of_need(
    need, *, statuses=(SuggestionStatus.NEW, SuggestionStatus.ACCEPTED), limit: int | None = None
) -> list[Suggestion]:
    """A need's stored suggestions, best first (no permission check: command line and services)."""
    query = (
        sa.select(Suggestion)
        .where(Suggestion.need_id == need.id, Suggestion.status.in_(statuses), _not_declined())
        .order_by(Suggestion.score.desc(), Suggestion.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query).unique())

"""Listings made directly in the database and indexed, for the search, list and export tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from webapp.listings.models import ListingStatus

# A fixed moment, so ordering by date is known: each listing made with `minutes=n` is n minutes later.
BASE = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)  # 10:00 in Beijing


def field_named(session, name: str):
    from webapp.taxonomy.models import TechField

    return session.scalars(sa.select(TechField).where(TechField.name == name)).first()


def make_listing(session, kind: str = "a", *, status=ListingStatus.PUBLISHED, minutes: int = 0, **fields):
    """An achievement ("a") or need ("n") with its search-index rows; published unless told otherwise."""
    from webapp.achievements.models import Achievement
    from webapp.listings.index import reindex
    from webapp.needs.models import Need

    model = Achievement if kind == "a" else Need
    body = "summary" if kind == "a" else "description"
    values = {"title": "测试条目", body: "用于测试的说明文字。", "status": status, **fields}
    if status is ListingStatus.PUBLISHED:
        values.setdefault("published_at", BASE + timedelta(minutes=minutes))
    if status is ListingStatus.RETURNED:
        values.setdefault("moderation_reason", "请补充")
    listing = model(**values)
    session.add(listing)
    session.flush()
    reindex(listing)
    return listing


def add_listings(query, specs: list[dict], kind: str = "a") -> list[int]:
    """Commit listings made from keyword dicts (through the `query` fixture); returns their ids."""

    def add(session):
        items = [make_listing(session, kind, **spec) for spec in specs]
        session.commit()
        return [item.id for item in items]

    return query(add)

"""The broker's queue: suggestions waiting for a decision, filtered and sorted, 20 to a page."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from webapp.core.db import utcnow
from webapp.extensions import db
from webapp.listings.models import ListingStatus
from webapp.matching import sources
from webapp.matching.models import Suggestion, SuggestionStatus

PER_PAGE = 20
AGES = (1, 7, 30)
SORTS = ("score", "newest")


@dataclass(frozen=True)
class QueueFilter:
    field_id: int | None = None  # the need's or the achievement's field, or one under it
    institution: str = ""  # part of the achievement's institution or organisation name
    min_score: int | None = None
    band: str | None = None  # "high", "medium" or "low": this band only
    age_days: int | None = None  # computed within this many days
    sort: str = "score"

    @classmethod
    def from_args(cls, args) -> QueueFilter:
        """From the query string, ignoring what does not parse (the form shows those errors)."""

        def number(name: str) -> int | None:
            try:
                return int(args.get(name, ""))
            except (TypeError, ValueError):
                return None

        min_score = number("min_score")
        age = number("age")
        sort = args.get("sort") or "score"
        band = args.get("band") or None
        return cls(
            field_id=number("field"),
            institution=(args.get("institution") or "").strip()[:100],
            min_score=min_score if min_score is not None and 0 <= min_score <= 100 else None,
            band=band if band in dict(sources.weights().bands) else None,
            age_days=age if age in AGES else None,
            sort=sort if sort in SORTS else "score",
        )

    def args(self) -> dict[str, str]:
        """The filter as query-string values (for links and redirects that keep it)."""
        out = {
            "field": self.field_id,
            "institution": self.institution,
            "min_score": self.min_score,
            "band": self.band,
            "age": self.age_days,
            "sort": None if self.sort == "score" else self.sort,
        }
        return {k: str(v) for k, v in out.items() if v not in (None, "")}

    @property
    def active(self) -> bool:
        return any(getattr(self, f.name) not in (None, "", "score") for f in fields(self))


def band_range(band: str | None) -> tuple[float, float | None]:
    """The scores of a band: (lowest, below this) — every band together, from the threshold up,
    without one."""
    above = None
    for name, lowest in sources.weights().bands:  # best first
        if band is not None and name == band:
            return lowest, above
        above = lowest
    return sources.threshold(), None


def queue_query(flt: QueueFilter) -> sa.Select:
    """NEW suggestions at or above the threshold between two published listings."""
    from webapp.accounts.models import Organisation
    from webapp.achievements.models import Achievement
    from webapp.listings.search import contains, field_ids
    from webapp.needs.models import Need

    need, ach = aliased(Need), aliased(Achievement)
    lowest, below = band_range(flt.band)
    threshold = max(lowest, float(flt.min_score or 0))
    query = (
        sa.select(Suggestion)
        .join(need, need.id == Suggestion.need_id)
        .join(ach, ach.id == Suggestion.achievement_id)
        .where(
            Suggestion.status == SuggestionStatus.NEW,
            Suggestion.score >= threshold,
            Suggestion.score < below if below is not None else sa.true(),
            need.status == ListingStatus.PUBLISHED,
            ach.status == ListingStatus.PUBLISHED,
        )
    )
    if flt.field_id is not None:
        ids = field_ids(flt.field_id)
        query = query.where(sa.or_(need.field_id.in_(ids), ach.field_id.in_(ids)))
    if flt.institution:
        query = query.where(
            sa.or_(
                contains(ach.institution_name, flt.institution),
                ach.organisation_id.in_(sa.select(Organisation.id).where(contains(Organisation.name, flt.institution))),
            )
        )
    if flt.age_days:
        query = query.where(Suggestion.computed_at >= utcnow() - timedelta(days=flt.age_days))
    if flt.sort == "newest":
        return query.order_by(Suggestion.computed_at.desc(), Suggestion.id.desc())
    return query.order_by(Suggestion.score.desc(), Suggestion.id.desc())


def queue_page(flt: QueueFilter, page: int = 1):
    return db.paginate(queue_query(flt), page=max(page, 1), per_page=PER_PAGE, error_out=False, count=True)

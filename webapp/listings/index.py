"""Keeping the search index (listing_terms) in step with the listings, in the same transaction."""

from __future__ import annotations

import sqlalchemy as sa

from webapp.extensions import db
from webapp.listings.models import ListingTerm
from webapp.listings.text import index_terms


def listing_text(listing) -> tuple[str, list[str], str]:
    """(title, keywords, body) of an achievement or a need."""
    if listing.KIND == "a":
        body = " ".join(filter(None, [listing.summary, listing.scenarios, listing.team, listing.institution_label]))
    else:
        body = " ".join(filter(None, [listing.description, listing.indicators]))
    return listing.title, list(listing.keywords or []), body


def reindex(listing) -> int:
    """Replace the listing's index rows; returns how many terms it has now."""
    db.session.execute(
        sa.delete(ListingTerm).where(ListingTerm.kind == listing.KIND, ListingTerm.listing_id == listing.id)
    )
    terms = index_terms(*listing_text(listing))
    if terms:
        db.session.execute(
            sa.insert(ListingTerm),
            [{"kind": listing.KIND, "term": t[:40], "listing_id": listing.id, "weight": w} for t, w in terms.items()],
        )
    return len(terms)


def unindex(listing) -> None:
    db.session.execute(
        sa.delete(ListingTerm).where(ListingTerm.kind == listing.KIND, ListingTerm.listing_id == listing.id)
    )

"""Matching follows the listings: what is published, taken offline, edited or imported is matched
again in the background once the transaction commits. create_app calls register()."""

from __future__ import annotations

from webapp.listings import signals
from webapp.matching.services.suggestions import schedule


def register() -> None:
    for signal in (signals.listing_published, signals.listing_unpublished, signals.published_listing_edited):
        signal.connect(_rematch_listing)
    signals.listings_imported.connect(_rematch_imported)


def _rematch_listing(listing, **_kwargs) -> None:
    schedule(listing.KIND, [listing.id])


def _rematch_imported(kind: str, *, ids: list[int], published: bool, updated: bool, **_kwargs) -> None:
    """Drafts are matched only when the batch updated listings (an update may unpublish one)."""
    if published or updated:
        schedule(kind, ids)

"""The duplicate finder follows the listings: a listing submitted for review is compared with the
others, and its detail page shows the near-duplicates found. create_app calls register()."""

from __future__ import annotations

from webapp.dedupe.services import candidates_for, flag
from webapp.listings import moderation, signals


def register() -> None:
    signals.listing_submitted.connect(_flag_submitted)
    moderation.register_duplicate_finder(candidates_for)


def _flag_submitted(listing, **_kwargs) -> None:
    flag(listing)

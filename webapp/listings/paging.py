"""The order of listing lists and the cursors that page them (keyset pagination): a page is "the
next 20 after this sort key and id", so page 500 costs what page 1 costs and nothing published
meanwhile is repeated or skipped."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime

import sqlalchemy as sa

from webapp.listings.models import NO_AMOUNT_HIGH, NO_AMOUNT_LOW


def date_column(model, criteria):
    """When a listing went public; drafts (never published) count from when they were written."""
    if criteria.public_only:
        return model.published_at
    return sa.func.coalesce(model.published_at, model.created_at)


def sort_key(model, criteria) -> tuple:
    """(expression, descending) of the list order; the id breaks ties in the same direction."""
    sort = criteria.effective_sort
    low_col, high_col = (
        (model.price_min, model.price_max) if model.KIND == "a" else (model.budget_min, model.budget_max)
    )
    # Literals, not parameters: the expressions must read exactly like the amount indexes'.
    if sort == "price_asc":
        return sa.func.coalesce(low_col, sa.literal_column(str(NO_AMOUNT_HIGH), sa.BigInteger)), False
    if sort == "price_desc":
        return sa.func.coalesce(high_col, sa.literal_column(str(NO_AMOUNT_LOW), sa.BigInteger)), True
    return date_column(model, criteria), True


def encode_cursor(sort: str, value, listing_id: int) -> str:
    if isinstance(value, datetime):
        value = value.isoformat()
    raw = json.dumps([sort, value, listing_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, sort: str):
    """(value, id) from a cursor of this sort, or None for anything else (a stale or edited link)."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        cursor_sort, value, listing_id = json.loads(raw)
    except (ValueError, TypeError, binascii.Error):
        return None
    if cursor_sort != sort or not isinstance(listing_id, int) or isinstance(listing_id, bool):
        return None
    if sort in ("price_asc", "price_desc"):
        return (value, listing_id) if isinstance(value, int) and not isinstance(value, bool) else None
    try:
        when = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)), listing_id

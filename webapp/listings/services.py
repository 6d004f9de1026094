"""Saving listings: the steps achievements and needs share."""

from __future__ import annotations

from webapp.core import audit
from webapp.core.permissions import PermissionDenied
from webapp.listings import index, signals
from webapp.listings.models import ListingStatus

AUDIT_FIELDS = ["title", "status", "field_id", "keywords", "coop_mask"]


def apply_fields(listing, cleaned: dict, field=None) -> None:
    """Copy validated fields onto the listing (coop_modes goes through its mask)."""
    for key, value in cleaned.items():
        if key == "coop_modes":
            listing.coop_modes = value
        elif hasattr(listing, key):
            setattr(listing, key, value)
    if field is not None or "field" in cleaned:
        listing.field = field


def save(listing, actor, cleaned: dict, *, field=None, creating: bool, extra_audit: list[str] | None = None) -> None:
    """Edit rules: owners edit their own, admins any; a published listing that its owner edits goes
    back to review so the public never sees unmoderated text."""
    from webapp.extensions import db

    if not creating and not listing.can_edit(actor):
        raise PermissionDenied()
    was_published = not creating and listing.status is ListingStatus.PUBLISHED
    fields = AUDIT_FIELDS + (extra_audit or [])
    before = None if creating else audit.changes(listing, fields)
    apply_fields(listing, cleaned, field)
    if creating:
        listing.status = ListingStatus.DRAFT
        db.session.add(listing)
        db.session.flush()
    elif listing.status is ListingStatus.PUBLISHED and not actor.is_admin:
        listing.status = ListingStatus.SUBMITTED
    index.reindex(listing)
    kind = listing.__tablename__[:-1]
    audit.record(
        f"{kind}.{'create' if creating else 'update'}",
        listing,
        actor=actor,
        before=before,
        after=audit.changes(listing, fields),
    )
    if was_published:  # matched again (or, back in review, its suggestions withdrawn)
        signals.published_listing_edited.send(listing)

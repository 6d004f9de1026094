"""Deciding a pair of possible duplicates (administrators): merge the newer listing into the older
one, or dismiss the pair for good."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp.accounts.models import Role
from webapp.core import audit
from webapp.core.permissions import require_role
from webapp.dedupe.services import detail_url, involving, older_newer
from webapp.extensions import db
from webapp.listings import lifecycle
from webapp.listings.kinds import model_for
from webapp.listings.models import DuplicateCandidate, DuplicateStatus, ListingStatus
from webapp.notifications.services import notify

MERGE_REASON = "重复发布"


class DedupeError(ValueError):
    """An action that is not possible in the pair's current state; the message says why."""


def _open(candidate: DuplicateCandidate) -> None:
    if candidate.status is not DuplicateStatus.OPEN:
        raise DedupeError(_("This pair has already been decided."))


def merge(actor, candidate: DuplicateCandidate):
    """The newer listing becomes a duplicate of the older one: taken offline through the lifecycle
    if it is published (its owner is told why), otherwise only marked. Returns the newer listing."""
    require_role(actor, Role.ADMIN)
    _open(candidate)
    model = model_for(candidate.kind)
    a, b = db.session.get(model, candidate.listing_id), db.session.get(model, candidate.other_id)
    if a is None or b is None:
        raise DedupeError(_("One of the two listings no longer exists."))
    older, newer = older_newer(a, b)
    if newer.duplicate_of_id is not None:
        raise DedupeError(_("“%(title)s” is already marked as a duplicate.", title=newer.title))
    target, hops = older, 0
    while target.duplicate_of_id is not None and hops < 20:  # the older one was merged itself
        target, hops = db.session.get(model, target.duplicate_of_id), hops + 1
    if target is None or target.id == newer.id:
        raise DedupeError(_("These listings cannot be merged."))
    before = {"status": newer.status, "duplicate_of": None}
    newer.duplicate_of_id = target.id
    if newer.status is ListingStatus.PUBLISHED:
        lifecycle.apply(newer, "take_down", actor, MERGE_REASON)
    elif newer.owner is not None and newer.owner_id != actor.id:
        notify(newer.owner, "listing.duplicate", link=detail_url(newer), title=newer.title, other=target.title)
    candidate.status = DuplicateStatus.MERGED
    candidate.decided_by_id = actor.id
    # Other open pairs with the merged listing are moot: it is never suggested again.
    db.session.execute(
        sa.delete(DuplicateCandidate).where(
            involving(candidate.kind, newer.id),
            DuplicateCandidate.status == DuplicateStatus.OPEN,
            DuplicateCandidate.id != candidate.id,
        )
    )
    audit.record(
        "duplicate.merge",
        newer,
        actor=actor,
        before=before,
        after={"status": newer.status, "duplicate_of": target.id, "score": candidate.score},
    )
    db.session.flush()
    return newer


def dismiss(actor, candidate: DuplicateCandidate) -> None:
    """Not duplicates: the pair is kept as dismissed so it is never suggested again."""
    require_role(actor, Role.ADMIN)
    _open(candidate)
    candidate.status = DuplicateStatus.DISMISSED
    candidate.decided_by_id = actor.id
    audit.record(
        "duplicate.dismiss",
        candidate,
        actor=actor,
        before={"status": DuplicateStatus.OPEN},
        after={
            "status": candidate.status,
            "listing": candidate.listing_id,
            "other": candidate.other_id,
            "score": candidate.score,
        },
    )
    db.session.flush()

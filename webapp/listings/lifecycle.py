"""The moderation lifecycle shared by achievements and needs: one table of allowed transitions.

draft → submitted → published, or returned with the moderator's reason → edited → resubmitted;
published → offline (withdrawn by the owner, or taken down by an admin with a reason);
offline → submitted again by the owner.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from webapp.core import audit, transitions
from webapp.core.db import utcnow
from webapp.core.transitions import Lifecycle, Transition
from webapp.listings import signals
from webapp.listings.models import ListingStatus as S

OWNER = "owner"
ADMIN = "admin"


class TransitionError(transitions.TransitionError):
    """The transition is not possible from the listing's state, or a reason is missing."""


def allowed(listing, user) -> list[Transition]:
    """The transitions this user may apply now; templates show exactly these buttons."""
    return LIFECYCLE.allowed(listing, user)


def _may(transition: Transition, listing, user) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if transition.actor == ADMIN:
        return listing.can_moderate(user)
    return listing.is_owned_by(user) or (user.is_admin and listing.owner_id is None)


LIFECYCLE = Lifecycle(
    (
        Transition("submit", frozenset({S.DRAFT, S.RETURNED, S.OFFLINE}), S.SUBMITTED, OWNER, _l("Submit for review")),
        Transition("approve", frozenset({S.SUBMITTED}), S.PUBLISHED, ADMIN, _l("Approve and publish")),
        Transition("return", frozenset({S.SUBMITTED}), S.RETURNED, ADMIN, _l("Return for changes"), True),
        Transition("withdraw", frozenset({S.SUBMITTED, S.PUBLISHED}), S.OFFLINE, OWNER, _l("Take offline")),
        Transition("take_down", frozenset({S.PUBLISHED}), S.OFFLINE, ADMIN, _l("Take down"), True),
    ),
    may=_may,
    not_now=lambda listing, transition: _(
        "This listing is %(state)s; “%(action)s” is not possible now.",
        state=listing.status.label,
        action=transition.label,
    ),
    no_reason=lambda: _("Give a reason: the owner will see it."),
    error=TransitionError,
)


def apply(listing, name: str, user, reason: str | None = None) -> None:
    """Move the listing along; checks permission and state, records the audit event, notifies."""
    transition = LIFECYCLE.check(listing, name, user, reason)
    reason = (reason or "").strip()
    before = listing.status
    listing.status = transition.target
    if transition.needs_reason:
        listing.moderation_reason = reason[:1000]
    elif transition.target is S.SUBMITTED:
        listing.moderation_reason = None
    if transition.target is S.PUBLISHED:
        listing.published_at = utcnow()
    audit.record(
        f"{listing.__tablename__[:-1]}.{name}",
        listing,
        actor=user,
        before={"status": before},
        after={"status": listing.status, "reason": reason or None},
    )
    if name == "submit":
        signals.listing_submitted.send(listing)
    if listing.status is S.PUBLISHED:  # published, or no longer: its suggestions change
        signals.listing_published.send(listing)
    elif before is S.PUBLISHED:
        signals.listing_unpublished.send(listing)
    _notify(listing, transition, user, reason)


def _notify(listing, transition: Transition, actor, reason: str) -> None:
    from webapp.notifications.services import notify

    link = f"/{listing.__tablename__}/{listing.id}"
    if transition.actor == ADMIN and listing.owner is not None and listing.owner_id != actor.id:
        notify(listing.owner, f"listing.{transition.name}", link=link, title=listing.title, reason=reason)
    if transition.name == "submit":
        import sqlalchemy as sa

        from webapp.accounts.models import Role, User
        from webapp.extensions import db

        for admin in db.session.scalars(sa.select(User).where(User.role == Role.ADMIN, User.active.is_(True))):
            if admin.id != actor.id:
                notify(admin, "listing.awaiting_review", link=link, email=False, title=listing.title)

"""Achievement services: create and edit, and the confidential-part access flow."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp.accounts.models import OrgKind, Role
from webapp.achievements.models import AccessStatus, Achievement, AchievementAccess
from webapp.core import audit
from webapp.core.db import utcnow
from webapp.core.permissions import PermissionDenied, require, require_role
from webapp.extensions import db
from webapp.listings import services as listing_services
from webapp.listings.validation import clean_achievement
from webapp.notifications.services import notify

AUTHOR_ROLES = (Role.RESEARCHER, Role.ADMIN)


def can_create(user) -> bool:
    return bool(user and user.is_authenticated and user.role in AUTHOR_ROLES)


def save_achievement(actor, achievement: Achievement | None, data: dict, *, field=None) -> Achievement:
    """Create (achievement=None) or edit. `data` holds raw form or file values; raises ListingInvalid."""
    require_role(actor, *AUTHOR_ROLES)
    cleaned = clean_achievement(data)
    creating = achievement is None
    if creating:
        achievement = Achievement(owner_id=actor.id)
        org = actor.organisation
        if org is not None and org.kind in (OrgKind.UNIVERSITY, OrgKind.INSTITUTE):
            achievement.organisation_id = org.id
    listing_services.save(
        achievement, actor, cleaned, field=field, creating=creating, extra_audit=["maturity", "price_min", "price_max"]
    )
    return achievement


def request_access(user, achievement: Achievement, message: str | None) -> AchievementAccess:
    """Ask the owner to see the confidential part; asking again re-opens a declined request."""
    require(user.is_authenticated and achievement.is_public and not achievement.can_edit(user))
    if not achievement.confidential:
        raise ValueError(_("This achievement has no confidential part."))
    grant = db.session.scalar(
        sa.select(AchievementAccess).where(
            AchievementAccess.achievement_id == achievement.id, AchievementAccess.user_id == user.id
        )
    )
    if grant is None:
        grant = AchievementAccess(achievement_id=achievement.id, user_id=user.id)
        db.session.add(grant)
    elif grant.status is AccessStatus.GRANTED:
        return grant
    grant.status = AccessStatus.REQUESTED
    grant.message = (message or "").strip()[:1000] or None
    grant.decided_at = None
    db.session.flush()
    audit.record("achievement.access_request", grant, actor=user, after={"achievement": achievement.id})
    if achievement.owner is not None:
        notify(
            achievement.owner,
            "achievement.access_requested",
            link=f"/achievements/{achievement.id}",
            name=user.name,
            title=achievement.title,
        )
    return grant


def decide_access(actor, grant: AchievementAccess, status: AccessStatus) -> None:
    """The owner (or an admin) grants, declines or revokes."""
    if not grant.achievement.can_edit(actor):
        raise PermissionDenied()
    if status not in (AccessStatus.GRANTED, AccessStatus.DENIED, AccessStatus.REVOKED):
        raise ValueError(status)
    before = grant.status
    grant.status = status
    grant.decided_at = utcnow()
    audit.record("achievement.access_decision", grant, actor=actor, before={"status": before}, after={"status": status})
    kind = "achievement.access_granted" if status is AccessStatus.GRANTED else "achievement.access_denied"
    notify(grant.user, kind, link=f"/achievements/{grant.achievement_id}", title=grant.achievement.title)

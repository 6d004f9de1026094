"""Who may see what of a challenge: one rule for each thing, used by the services, the pages and
the file downloads alike. Nothing here changes anything."""

from __future__ import annotations

import sqlalchemy as sa

from webapp.challenges.models import (
    PUBLIC_STATES,
    Application,
    ApplicationStatus,
    Attachment,
    AttachmentKind,
    Award,
    Challenge,
    ConflictDeclaration,
    ExpertAssignment,
    Milestone,
)
from webapp.extensions import db

A = ApplicationStatus


def signed_in(user) -> bool:
    """A logged-in user whose account is active."""
    return bool(user is not None and user.is_authenticated and user.active)


def is_admin(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_admin)


def is_owner(challenge: Challenge, user) -> bool:
    return challenge.is_owned_by(user)


def is_winner(challenge: Challenge, user) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return (
        db.session.scalar(
            sa.select(sa.func.count(Award.id))
            .join(Application, Award.application_id == Application.id)
            .where(Award.challenge_id == challenge.id, Application.applicant_id == user.id)
        )
        > 0
    )


def can_view(challenge: Challenge, user) -> bool:
    """Published challenges (and what follows) are public; drafts only for the owner and admins."""
    return challenge.status in PUBLIC_STATES or is_owner(challenge, user) or is_admin(user)


# ---------------------------------------------------------------- experts


def assignment_of(user, challenge: Challenge) -> ExpertAssignment | None:
    if user is None or not user.is_authenticated:
        return None
    return db.session.scalar(
        sa.select(ExpertAssignment).where(
            ExpertAssignment.challenge_id == challenge.id, ExpertAssignment.expert_id == user.id
        )
    )


def declaration(assignment: ExpertAssignment | None, application: Application) -> ConflictDeclaration | None:
    if assignment is None:
        return None
    return db.session.scalar(
        sa.select(ConflictDeclaration).where(
            ConflictDeclaration.assignment_id == assignment.id, ConflictDeclaration.application_id == application.id
        )
    )


def cleared(user, application: Application) -> bool:
    """The expert is assigned and has declared no conflict with this application."""
    found = declaration(assignment_of(user, application.challenge), application)
    return found is not None and not found.has_conflict


# ---------------------------------------------------------------- applications and files


def can_view_application(user, application: Application) -> bool:
    """The application page and its files: the applicant; once it is no longer a draft, admins;
    once lodged, the enterprise owner; experts only after declaring no conflict with it, and only
    if it passed the formal check. Never an inactive account."""
    if not signed_in(user):
        return False
    if application.applicant_id == user.id:
        return True
    if application.status is A.DRAFT:
        return False
    if is_admin(user):
        return True
    if is_owner(application.challenge, user):
        return application.lodged
    return application.status is A.ELIGIBLE and cleared(user, application)


def can_download(user, attachment: Attachment) -> bool:
    """An application's files: whoever may see the application. Milestone evidence: the
    enterprise, the winners, admins."""
    if attachment.owner_kind is AttachmentKind.APPLICATION:
        application = db.session.get(Application, attachment.owner_id)
        return application is not None and can_view_application(user, application)
    if not signed_in(user):
        return False
    if db.session.get(Milestone, attachment.owner_id) is None:
        return False
    challenge = db.session.get(Challenge, attachment.challenge_id)
    return is_admin(user) or is_owner(challenge, user) or is_winner(challenge, user)

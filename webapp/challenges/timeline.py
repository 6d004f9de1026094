"""A challenge's timeline: the audit events of the challenge and of everything that belongs to it
(applications, experts, conflict declarations, reviews, objections, the contract, milestones,
files), in the order they happened, each with its label in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from webapp.challenges.models import Application, Challenge, Contract, Milestone, Objection, Review
from webapp.core import audit
from webapp.core.audit import AuditEvent
from webapp.extensions import db

LABELS = {
    "challenge.create": _l("Challenge drafted from a need"),
    "challenge.update": _l("Challenge terms edited"),
    "challenge.submit": _l("Challenge submitted for review"),
    "challenge.return": _l("Challenge returned for changes"),
    "challenge.publish": _l("Challenge published (发榜)"),
    "challenge.withdraw": _l("Challenge withdrawn by the enterprise"),
    "challenge.close": _l("Application window closed"),
    "challenge.lapse": _l("Closed without applications (流榜)"),
    "challenge.start_review": _l("Formal check finished, expert review started"),
    "challenge.fail_check": _l("No application passed the formal check (流榜)"),
    "challenge.propose": _l("Winners proposed, public notice started (公示)"),
    "challenge.reopen_review": _l("Objection upheld, back to expert review"),
    "challenge.award": _l("Challenge awarded (挂帅)"),
    "challenge.contract": _l("Contract confirmed by both parties"),
    "challenge.start": _l("Work started"),
    "challenge.finish_milestones": _l("Every milestone approved"),
    "challenge.complete": _l("Final acceptance passed, challenge completed"),
    "challenge.terminate": _l("Challenge terminated by an administrator"),
    "challenge_application.create": _l("Application drafted"),
    "challenge_application.update": _l("Application draft edited"),
    "challenge_application.submit": _l("Application submitted (揭榜)"),
    "challenge_application.withdraw": _l("Application withdrawn"),
    "challenge_application.eligible": _l("Application passed the formal check"),
    "challenge_application.ineligible": _l("Application failed the formal check"),
    "challenge_expert.assign": _l("Expert assigned"),
    "challenge_expert.unassign": _l("Expert removed from the panel"),
    "challenge_conflict.declare": _l("Conflict of interest declared"),
    "challenge_review.submit": _l("Application scored"),
    "challenge_review.revise": _l("Review revised"),
    "challenge_review.revision_requested": _l("Review revision requested"),
    "challenge_objection.file": _l("Objection filed"),
    "challenge_objection.upheld": _l("Objection upheld"),
    "challenge_objection.dismissed": _l("Objection dismissed"),
    "challenge_contract.confirm": _l("Contract confirmed by one party"),
    "challenge_contract.registration": _l("Contract registration number recorded"),
    "challenge_milestone.report": _l("Milestone reported"),
    "challenge_milestone.approve": _l("Milestone approved, payment due"),
    "challenge_milestone.return": _l("Milestone sent back"),
    "challenge_attachment.upload": _l("File attached"),
    "challenge_attachment.delete": _l("File removed"),
}

OBJECT_LABELS = {
    "challenges": _l("Challenge"),
    "challenge_applications": _l("Challenge application"),
    "challenge_reviews": _l("Expert review record"),
    "challenge_objections": _l("Objection"),
    "challenge_contracts": _l("Contract"),
    "challenge_milestones": _l("Milestone"),
}


@dataclass(frozen=True)
class Entry:
    at: datetime
    action: str
    label: str
    actor: object  # User or None (the clock)
    object_type: str
    object_id: int
    before: dict
    after: dict

    @property
    def public(self) -> bool:
        return self.action in PUBLIC


# What the public page shows: the challenge's own stages.
PUBLIC = frozenset(
    k for k in LABELS if k.startswith("challenge.") and k not in ("challenge.create", "challenge.update")
)


def _children(challenge_id: int) -> list[tuple[str, sa.Select]]:
    """The rows whose events belong to the challenge. Rows that can be deleted record their events
    on a row that stays: expert (un)assignments on the challenge, conflict declarations on the
    application, files on the application or milestone they belong to."""
    applications = sa.select(Application.id).where(Application.challenge_id == challenge_id)
    return [
        ("challenge_applications", applications),
        ("challenge_reviews", sa.select(Review.id).where(Review.application_id.in_(applications))),
        ("challenge_objections", sa.select(Objection.id).where(Objection.challenge_id == challenge_id)),
        ("challenge_contracts", sa.select(Contract.id).where(Contract.challenge_id == challenge_id)),
        ("challenge_milestones", sa.select(Milestone.id).where(Milestone.challenge_id == challenge_id)),
    ]


def timeline(challenge: Challenge, *, public: bool = False) -> list[Entry]:
    """Every event in the order it was recorded. `public`: only the challenge's own stages, for
    the public challenge page (applications, reviews and files are not public)."""
    own = sa.and_(AuditEvent.object_type == "challenges", AuditEvent.object_id == challenge.id)
    if public:
        condition = sa.and_(own, AuditEvent.action.in_(PUBLIC))
    else:
        condition = sa.or_(
            own,
            *(
                sa.and_(AuditEvent.object_type == kind, AuditEvent.object_id.in_(ids))
                for kind, ids in _children(challenge.id)
            ),
        )
    events = db.session.scalars(sa.select(AuditEvent).where(condition).order_by(AuditEvent.id))
    return [
        Entry(
            at=e.created_at,
            action=e.action,
            label=str(LABELS.get(e.action) or audit.action_label(e.action)),
            actor=e.actor,
            object_type=e.object_type,
            object_id=e.object_id,
            before=e.before or {},
            after=e.after or {},
        )
        for e in events
    ]

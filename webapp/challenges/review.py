"""Expert review: assigning experts, conflicts of interest, scores, revisions and the ranking.

Conflicts. When an expert is assigned, every lodged application whose lead unit or consortium member
is the expert's organisation (same organisation record, or the same name once normalised) gets an
automatic ConflictDeclaration (has_conflict, automatic, a system note): the expert is excluded from
it and cannot undo that. For every other application the expert declares, once and for good, whether
there is a conflict before being shown anything but the units' names; only applications declared
without conflict can be opened and scored.

Scores. Every criterion gets a whole score 0–100; a review stores Σ score × weight (`points`, so the
weighted score is points / 100 without rounding). The ranking is the mean of the experts' weighted
scores; a review an admin sent back for revision does not count until it is resubmitted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp.challenges import notices
from webapp.challenges.errors import ChallengeError, TransitionError
from webapp.challenges.inputs import REASON_MAX, TEXT_MAX, clean_text
from webapp.challenges.lifecycle import record
from webapp.challenges.models import (
    Application,
    ApplicationStatus,
    Challenge,
    ConflictDeclaration,
    ExpertAssignment,
    Review,
    unit_key,
)
from webapp.challenges.models import ChallengeStatus as S
from webapp.challenges.permissions import assignment_of, declaration, is_admin
from webapp.core import clock
from webapp.core.permissions import require
from webapp.extensions import db

A = ApplicationStatus
LODGED = (A.SUBMITTED, A.ELIGIBLE, A.INELIGIBLE)
ASSIGNING = (S.FORMAL_CHECK, S.REVIEW)


def same_organisation(expert, application: Application) -> bool:
    """The expert works for the lead unit or a consortium member."""
    organisation = expert.organisation
    if organisation is None:
        return False
    if application.organisation_id is not None and application.organisation_id == organisation.id:
        return True
    key = unit_key(organisation.name)
    return key == application.unit_key or any(m.get("key") == key for m in application.members or [])


def _lodged(challenge: Challenge) -> list[Application]:
    return list(
        db.session.scalars(
            sa.select(Application)
            .where(Application.challenge_id == challenge.id, Application.status.in_(LODGED))
            .order_by(Application.id)
        )
    )


def assign_expert(user, challenge: Challenge, expert) -> ExpertAssignment:
    from webapp.accounts.models import Role

    require(is_admin(user))
    if challenge.status not in ASSIGNING:
        raise TransitionError(_("Experts are assigned during the formal check and the review."))
    if expert is None or expert.role is not Role.EXPERT or not expert.active:
        raise ChallengeError(_("Only an active review expert can be assigned."))
    if assignment_of(expert, challenge) is not None:
        raise ChallengeError(_("%(name)s is already assigned to this challenge.", name=expert.name))
    now = clock.now()
    assignment = ExpertAssignment(
        challenge_id=challenge.id, expert_id=expert.id, assigned_by_id=user.id, assigned_at=now
    )
    db.session.add(assignment)
    db.session.flush()
    excluded = []
    for application in _lodged(challenge):
        if same_organisation(expert, application):
            db.session.add(
                ConflictDeclaration(
                    assignment_id=assignment.id,
                    application_id=application.id,
                    has_conflict=True,
                    automatic=True,
                    declared_at=now,
                    note=_("Excluded automatically: the expert's organisation takes part in the application."),
                )
            )
            excluded.append(application.id)
    db.session.flush()
    record(
        "challenge_expert.assign",
        challenge,
        user,  # on the challenge: assignments can be deleted
        after={"expert_id": expert.id, "expert": expert.name, "excluded_applications": excluded},
    )
    notices.send([expert], "challenge.expert_assigned", challenge, actor=user)
    return assignment


def unassign_expert(user, assignment: ExpertAssignment) -> None:
    """Possible until the expert has submitted a review."""
    require(is_admin(user))
    if assignment.challenge.status not in ASSIGNING:
        raise TransitionError(_("Experts are assigned during the formal check and the review."))
    if _reviews_by(assignment):
        raise ChallengeError(_("This expert has already scored applications and stays on the panel."))
    record(
        "challenge_expert.unassign",
        assignment.challenge,
        user,
        after={"expert_id": assignment.expert_id, "expert": assignment.expert.name},
    )
    db.session.delete(assignment)
    db.session.flush()


def _reviews_by(assignment: ExpertAssignment) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count(Review.id))
            .join(Application)
            .where(Application.challenge_id == assignment.challenge_id, Review.expert_id == assignment.expert_id)
        )
        or 0
    )


def declare_conflict(
    user, application: Application, has_conflict: bool, note: str | None = None
) -> ConflictDeclaration:
    """The expert's declaration for one application, before seeing it; final once made."""
    challenge = application.challenge
    assignment = assignment_of(user, challenge)
    require(assignment is not None)
    if challenge.status not in ASSIGNING:
        raise TransitionError(_("Conflicts are declared during the formal check and the review."))
    if application.status not in LODGED:
        raise ChallengeError(_("This application is not part of the review."))
    existing = declaration(assignment, application)
    if existing is not None:
        if existing.automatic:
            raise ChallengeError(_("You are excluded from this application: your organisation takes part in it."))
        raise ChallengeError(_("You have already declared your interests for this application."))
    note = clean_text(note, REASON_MAX) or None
    if has_conflict and not note:
        raise ChallengeError(_("Say briefly what the conflict of interest is."))
    row = ConflictDeclaration(
        assignment_id=assignment.id,
        application_id=application.id,
        has_conflict=bool(has_conflict),
        automatic=False,
        note=note,
        declared_at=clock.now(),
    )
    db.session.add(row)
    db.session.flush()
    record(
        "challenge_conflict.declare",
        application,
        user,  # on the application: declarations go with the panel
        after={"expert_id": user.id, "has_conflict": row.has_conflict, "note": note},
    )
    return row


@dataclass
class AssignedApplication:
    """What an expert's list shows: the unit names always; the rest only once cleared."""

    application: Application
    declaration: ConflictDeclaration | None
    review: Review | None

    @property
    def cleared(self) -> bool:
        return self.declaration is not None and not self.declaration.has_conflict

    @property
    def to_score(self) -> bool:
        return (
            self.cleared
            and self.application.status is A.ELIGIBLE
            and (self.review is None or self.review.awaiting_revision)
        )


def assigned_applications(user, challenge: Challenge) -> list[AssignedApplication]:
    assignment = assignment_of(user, challenge)
    require(assignment is not None)
    rows = []
    for application in _lodged(challenge):
        review = db.session.scalar(
            sa.select(Review).where(Review.application_id == application.id, Review.expert_id == user.id)
        )
        rows.append(AssignedApplication(application, declaration(assignment, application), review))
    return rows


def score(user, application: Application, scores: dict, comment: str) -> Review:
    """A whole score 0–100 for every criterion and a comment; a submitted review changes only after
    an admin asks for a revision."""
    challenge = application.challenge
    require(assignment_of(user, challenge) is not None)
    if challenge.status is not S.REVIEW:
        raise TransitionError(_("Applications are scored only during the expert review."))
    if application.status is not A.ELIGIBLE:
        raise ChallengeError(_("Only applications that passed the formal check are scored."))
    found = declaration(assignment_of(user, challenge), application)
    if found is None:
        raise ChallengeError(_("Declare your interests for this application before scoring it."))
    if found.has_conflict:
        raise ChallengeError(_("You declared a conflict of interest with this application and cannot score it."))
    existing = db.session.scalar(
        sa.select(Review).where(Review.application_id == application.id, Review.expert_id == user.id)
    )
    if existing is not None and not existing.awaiting_revision:
        raise ChallengeError(
            _("Your review of this application is submitted; an administrator can ask for a revision.")
        )
    cleaned = {}
    for criterion in challenge.criteria:
        value = (scores or {}).get(criterion.id, (scores or {}).get(str(criterion.id)))
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
            raise ChallengeError(_("Give “%(name)s” a whole score from 0 to 100.", name=criterion.name))
        cleaned[str(criterion.id)] = value
    comment = clean_text(comment, TEXT_MAX)
    if not comment:
        raise ChallengeError(_("Write a comment with your scores."))
    points = sum(cleaned[str(c.id)] * c.weight for c in challenge.criteria)
    now = clock.now()
    if existing is None:
        review = Review(
            application_id=application.id,
            expert_id=user.id,
            scores=cleaned,
            points=points,
            comment=comment,
            submitted_at=now,
        )
        db.session.add(review)
        action = "challenge_review.submit"
    else:
        review = existing
        review.scores, review.points, review.comment, review.submitted_at = cleaned, points, comment, now
        review.revision_requested_at = review.revision_note = None
        action = "challenge_review.revise"
    db.session.flush()
    record(action, review, user, after={"application_id": application.id, "scores": cleaned, "weighted": points / 100})
    return review


def request_revision(user, review: Review, note: str) -> None:
    require(is_admin(user))
    challenge = review.application.challenge
    if challenge.status is not S.REVIEW:
        raise TransitionError(_("Revisions are asked for during the expert review."))
    if review.awaiting_revision:
        raise ChallengeError(_("A revision of this review has already been asked for."))
    note = clean_text(note, REASON_MAX)
    if not note:
        raise ChallengeError(_("Say what the expert should revise."))
    review.revision_requested_at = clock.now()
    review.revision_note = note
    db.session.flush()
    record("challenge_review.revision_requested", review, user, after={"note": note})
    notices.send(
        [review.expert],
        "challenge.review_revision",
        challenge,
        actor=user,
        unit=review.application.lead_unit,
        note=note,
    )


@dataclass
class RankRow:
    application: Application
    mean: Fraction | None  # the mean weighted score, exact; None until one review counts
    reviews: dict[int, Review] = field(default_factory=dict)  # expert id → review (revisions included)
    counted: int = 0

    @property
    def score(self) -> float | None:
        return None if self.mean is None else round(float(self.mean), 2)


def ranking(challenge: Challenge) -> list[RankRow]:
    """Eligible applications, best first: the mean of the counted reviews' weighted scores; then by
    the number of reviews, then by submission order."""
    rows = []
    applications = list(
        db.session.scalars(
            sa.select(Application)
            .where(Application.challenge_id == challenge.id, Application.status == A.ELIGIBLE)
            .order_by(Application.id)
        )
    )
    reviews = db.session.scalars(sa.select(Review).where(Review.application_id.in_([a.id for a in applications])))
    by_application: dict[int, list[Review]] = {}
    for review in reviews:
        by_application.setdefault(review.application_id, []).append(review)
    for application in applications:
        mine = by_application.get(application.id, [])
        counted = [r for r in mine if not r.awaiting_revision]
        mean = Fraction(sum(r.points for r in counted), 100 * len(counted)) if counted else None
        rows.append(RankRow(application, mean, {r.expert_id: r for r in mine}, len(counted)))
    rows.sort(key=lambda r: (r.mean is None, -(r.mean or 0), -r.counted, r.application.submitted_at, r.application.id))
    return rows


def assigned_to(user) -> sa.Select:
    """The challenges an expert reviews."""
    return (
        sa.select(Challenge)
        .join(ExpertAssignment, ExpertAssignment.challenge_id == Challenge.id)
        .where(ExpertAssignment.expert_id == user.id)
        .order_by(Challenge.id.desc())
    )


def panel(challenge: Challenge) -> list[ExpertAssignment]:
    return list(
        db.session.scalars(
            sa.select(ExpertAssignment)
            .where(ExpertAssignment.challenge_id == challenge.id)
            .order_by(ExpertAssignment.id)
        )
    )

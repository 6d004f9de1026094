"""The challenge lifecycle: one table of allowed transitions, who may apply each, and what every
transition does besides changing the state (stage time, audit event, notifications).

draft → submitted → (returned → submitted) → published → formal_check → review → notice →
awarded → contracted → in_progress → acceptance → completed, with the side exits
withdrawn (owner, before publication or while nobody has applied), failed / 流榜 (no valid
application: at the deadline, or after the formal check) and terminated (admin, with a reason,
from publication until completion); an upheld objection sends a notice back to review.

Services check the other preconditions (time, applications, scores) before calling `apply`.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from webapp.challenges import notices, signals
from webapp.challenges.errors import TransitionError
from webapp.challenges.models import AFTER_PUBLICATION, Challenge, Failure
from webapp.challenges.models import ChallengeStatus as S
from webapp.challenges.permissions import is_admin, is_owner, is_winner, signed_in
from webapp.core import audit, clock
from webapp.core.transitions import Lifecycle, Transition
from webapp.extensions import db

OWNER = "owner"  # the enterprise user who posted the challenge
ADMIN = "admin"  # the district's administrators
WINNER = "winner"  # the applicant of an awarded application
PARTY = "party"  # the owner or a winner (the contract)
SYSTEM = "system"  # the clock (challenges.tick); no user


def _t(name, sources, target, actor, label, stamp=None, needs_reason=False) -> Transition:
    return Transition(name, frozenset(sources), target, actor, label, needs_reason, stamp)


TRANSITIONS = (
    _t("submit", {S.DRAFT, S.RETURNED}, S.SUBMITTED, OWNER, _l("Submit for review"), "submitted_at"),
    _t("return", {S.SUBMITTED}, S.RETURNED, ADMIN, _l("Return for changes"), needs_reason=True),
    _t("publish", {S.SUBMITTED}, S.PUBLISHED, ADMIN, _l("Publish"), "published_at"),
    _t(
        "withdraw",
        {S.DRAFT, S.SUBMITTED, S.RETURNED, S.PUBLISHED},
        S.WITHDRAWN,
        OWNER,
        _l("Withdraw"),
        "withdrawn_at",
    ),
    _t("close", {S.PUBLISHED}, S.FORMAL_CHECK, SYSTEM, _l("Close the application window"), "closed_at"),
    _t("lapse", {S.PUBLISHED}, S.FAILED, SYSTEM, _l("Close without applications"), "failed_at"),
    _t(
        "start_review",
        {S.FORMAL_CHECK},
        S.REVIEW,
        ADMIN,
        _l("Finish the formal check and start the review"),
        "review_started_at",
    ),
    _t("fail_check", {S.FORMAL_CHECK}, S.FAILED, ADMIN, _l("Finish the formal check: nobody eligible"), "failed_at"),
    _t(
        "propose",
        {S.REVIEW},
        S.NOTICE,
        ADMIN,
        _l("Propose the winners and start the public notice"),
        "notice_started_at",
    ),
    _t("reopen_review", {S.NOTICE}, S.REVIEW, ADMIN, _l("Uphold an objection and review again")),
    _t("award", {S.NOTICE}, S.AWARDED, ADMIN, _l("Award"), "awarded_at"),
    _t("contract", {S.AWARDED}, S.CONTRACTED, PARTY, _l("Confirm the contract"), "contracted_at"),
    _t("start", {S.CONTRACTED}, S.IN_PROGRESS, WINNER, _l("Report the first milestone"), "started_at"),
    _t("finish_milestones", {S.IN_PROGRESS}, S.ACCEPTANCE, OWNER, _l("Approve the last milestone"), "acceptance_at"),
    _t("complete", {S.ACCEPTANCE}, S.COMPLETED, OWNER, _l("Final acceptance"), "completed_at"),
    _t(
        "terminate",
        set(AFTER_PUBLICATION) - {S.COMPLETED},
        S.TERMINATED,
        ADMIN,
        _l("Terminate"),
        "terminated_at",
        needs_reason=True,
    ),
)


def may(transition: Transition, challenge: Challenge, user) -> bool:
    """Whether this user is the kind of actor the transition belongs to (state aside)."""
    if transition.actor == SYSTEM:
        return user is None
    if not signed_in(user):
        return False
    if transition.actor == ADMIN:
        return is_admin(user)
    if transition.actor == OWNER:
        return is_owner(challenge, user)
    if transition.actor == WINNER:
        return is_winner(challenge, user)
    if transition.actor == PARTY:
        return is_owner(challenge, user) or is_winner(challenge, user)
    return False


LIFECYCLE = Lifecycle(
    TRANSITIONS,
    may=may,
    not_now=lambda challenge, transition: _(
        "This challenge is %(state)s; “%(action)s” is not possible now.",
        state=challenge.status.label,
        action=transition.label,
    ),
    no_reason=lambda: _("Give a reason: everyone concerned will see it."),
    error=TransitionError,
)
EDGES = LIFECYCLE.edges


def allowed(challenge: Challenge, user) -> list[Transition]:
    """The transitions this user may apply in the current state (the buttons a page shows; the
    services still check time and the other preconditions)."""
    return LIFECYCLE.allowed(challenge, user)


def check(challenge: Challenge, name: str, user, reason: str | None = None) -> Transition:
    return LIFECYCLE.check(challenge, name, user, reason)


def apply(
    challenge: Challenge,
    name: str,
    user,
    *,
    reason: str | None = None,
    details: dict | None = None,
    failure: Failure | None = None,
) -> Transition:
    """Check and apply a transition: state, stage time, audit event, notifications."""
    transition = LIFECYCLE.check(challenge, name, user, reason)
    before = challenge.status
    at = clock.now()
    challenge.status = transition.target
    if transition.stamp:
        setattr(challenge, transition.stamp, at)
    reason = (reason or "").strip() or None
    if name == "return":
        challenge.return_reason = reason[:1000]
    elif name == "submit":
        challenge.return_reason = None
    elif name == "terminate":
        challenge.termination_reason = reason[:1000]
    elif name == "withdraw":
        challenge.withdrawal_reason = reason[:1000] if reason else None
    elif name == "reopen_review":
        challenge.notice_started_at = challenge.notice_ends_at = None
    if transition.target is S.FAILED:
        challenge.failure = failure or Failure.NO_APPLICATION
    db.session.flush()
    finish(challenge, transition, user, before, reason=reason, details=details, at=at)
    return transition


def finish(
    challenge: Challenge,
    transition: Transition,
    user,
    before: S,
    *,
    reason: str | None = None,
    details: dict | None = None,
    at: datetime | None = None,
) -> None:
    """The audit event and the notifications of a transition whose state change is done (`award`
    changes the state with a conditional UPDATE of its own, then calls this)."""
    after = {"status": challenge.status, "reason": reason, **(details or {})}
    if challenge.failure is not None and challenge.status is S.FAILED:
        after["failure"] = challenge.failure
    record(f"challenge.{transition.name}", challenge, user, before={"status": before}, after=after, at=at)
    notices.transition(challenge, transition, user, reason=reason)
    if transition.name == "publish":
        signals.challenge_published.send(challenge)
    if challenge.status is S.COMPLETED:
        signals.challenge_completed.send(challenge, at=at or clock.now())


def record(
    action: str, obj, user, *, before: dict | None = None, after: dict | None = None, at: datetime | None = None
):
    """An audit event dated by the challenge clock, so that the timeline and the stage times agree."""
    event = audit.record(
        action, obj, actor=user, before=before, after={k: v for k, v in (after or {}).items() if v is not None} or None
    )
    event.created_at = at or clock.now()
    return event

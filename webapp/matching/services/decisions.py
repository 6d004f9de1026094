"""The broker's decisions on suggestions: accepting one proposes an introduction to both owners, rejecting one (with a coded reason) keeps the pair from coming back; an introduction is
closed as a deal or no deal. Nothing here commits.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp.core import audit
from webapp.core.db import utcnow
from webapp.core.permissions import require
from webapp.extensions import db
from webapp.listings.models import ListingStatus
from webapp.matching.models import Introduction, IntroductionOutcome, RejectReason, Suggestion, SuggestionStatus
from webapp.matching.permissions import can_broker, can_set_outcome

NOTE_MAX = 1000
INTRO_NOTE_MAX = 2000


class Conflict(ValueError):
    """The suggestion or introduction is no longer in a state that allows the step (someone decided
    it first, a listing went offline, the outcome was recorded): the pages flash it, the API answers
    409 (`conflict`)."""

    conflict = True


def _claim(suggestion: Suggestion, user, **values) -> None:
    """Move a NEW suggestion to its decision, unless someone decided it first."""
    now = utcnow()
    done = db.session.execute(
        sa.update(Suggestion)
        .where(Suggestion.id == suggestion.id, Suggestion.status == SuggestionStatus.NEW)
        .values(decided_by_id=user.id, decided_at=now, updated_at=now, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not done:
        db.session.refresh(suggestion)
        raise Conflict(_("This suggestion was already decided: %(state)s.", state=suggestion.status.label))
    db.session.refresh(suggestion)


def coded_reason(reason, missing: str) -> RejectReason:
    """A rejection's or a decline's reason as its code; `missing` is the message when there is none."""
    if not isinstance(reason, RejectReason):
        try:
            reason = RejectReason(reason) if reason else None
        except ValueError:
            reason = None
    if reason is None:
        raise ValueError(missing)
    return reason


def _clean_note(note: str | None, limit: int) -> str | None:
    note = (note or "").strip()
    if len(note) > limit:
        raise ValueError(_("The note is too long (at most %(count)d characters).", count=limit))
    return note or None


def accept(suggestion: Suggestion, user, note: str | None = None) -> Introduction:
    """A broker accepts a suggestion: an introduction is proposed with the broker's note and both
    owners are asked (in the app and by e-mail) to agree or decline; neither learns who the other is
    before both agreed (services.consent)."""
    require(can_broker(user))
    note = _clean_note(note, NOTE_MAX)
    if suggestion.status is not SuggestionStatus.NEW:
        raise Conflict(_("This suggestion was already decided: %(state)s.", state=suggestion.status.label))
    need, achievement = suggestion.need, suggestion.achievement
    if need.status is not ListingStatus.PUBLISHED or achievement.status is not ListingStatus.PUBLISHED:
        raise Conflict(_("One of the two listings is no longer published; it cannot be introduced now."))
    _claim(suggestion, user, status=SuggestionStatus.ACCEPTED, note=note)
    introduction = Introduction(suggestion_id=suggestion.id, broker_id=user.id, note=note)
    db.session.add(introduction)
    db.session.flush()
    audit.record(
        "match.accept",
        suggestion,
        actor=user,
        before={"status": SuggestionStatus.NEW},
        after={
            "status": SuggestionStatus.ACCEPTED,
            "introduction": introduction.id,
            "score": suggestion.score,
            "need": need.id,
            "achievement": achievement.id,
            "note": note,
        },
    )
    _notify_owners(
        suggestion,
        "match.introduced",
        user,
        link=f"/broker/introductions/{introduction.id}",
        broker=user.name or user.email,
    )
    return introduction


def reject(suggestion: Suggestion, user, reason: RejectReason | None, note: str | None = None) -> None:
    """A broker rejects a suggestion with a coded reason; the pair is never suggested again and the
    engine learns from the reason."""
    require(can_broker(user))
    reason = coded_reason(reason, _("Choose a reason for the rejection."))
    note = _clean_note(note, NOTE_MAX)
    if suggestion.status is not SuggestionStatus.NEW:
        raise Conflict(_("This suggestion was already decided: %(state)s.", state=suggestion.status.label))
    _claim(suggestion, user, status=SuggestionStatus.REJECTED, reason=reason, note=note)
    audit.record(
        "match.reject",
        suggestion,
        actor=user,
        before={"status": SuggestionStatus.NEW},
        after={
            "status": SuggestionStatus.REJECTED,
            "reason": reason,
            "note": note,
            "score": suggestion.score,
            "need": suggestion.need_id,
            "achievement": suggestion.achievement_id,
        },
    )


def set_outcome(introduction: Introduction, user, outcome: IntroductionOutcome, note: str | None = None) -> None:
    """Close an introduction as a deal or no deal (the broker who made it, or an admin); a deal only
    once both sides agreed to be introduced."""
    require(can_set_outcome(introduction, user))
    if not isinstance(outcome, IntroductionOutcome):
        try:
            outcome = IntroductionOutcome(outcome)
        except ValueError:
            outcome = None
    if outcome not in (IntroductionOutcome.DEAL, IntroductionOutcome.NO_DEAL):
        raise ValueError(_("Choose the outcome: deal or no deal."))
    if introduction.outcome is not IntroductionOutcome.NEGOTIATING:
        raise Conflict(_("This introduction is already closed: %(outcome)s.", outcome=introduction.outcome.label))
    if outcome is IntroductionOutcome.DEAL and not introduction.agreed:
        raise Conflict(_("Both sides must agree to the introduction before it ends in a deal."))
    note = _clean_note(note, INTRO_NOTE_MAX)
    introduction.outcome = outcome
    introduction.outcome_note = note
    introduction.closed_at = utcnow()
    db.session.flush()
    audit.record(
        "match.outcome",
        introduction,
        actor=user,
        before={"outcome": IntroductionOutcome.NEGOTIATING},
        after={"outcome": outcome, "note": note, "suggestion": introduction.suggestion_id},
    )
    kind = "match.deal" if outcome is IntroductionOutcome.DEAL else "match.no_deal"
    _notify_owners(introduction.suggestion, kind, user)


def _notify_owners(suggestion: Suggestion, kind: str, actor, link: str | None = None, **params) -> None:
    """Tell the need's owner and the achievement's owner, each with `link` or else a link to their
    own listing."""
    from webapp.notifications.services import notify

    need, achievement = suggestion.need, suggestion.achievement
    told = set()
    for own, other, path in ((need, achievement, "needs"), (achievement, need, "achievements")):
        owner = own.owner
        if owner is None or owner.id in told or owner.id == actor.id or not owner.active:
            continue
        told.add(owner.id)
        notify(owner, kind, link=link or f"/{path}/{own.id}", title=own.title, other=other.title, **params)

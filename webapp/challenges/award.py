"""公示 and 挂帅: proposing the winners, objections during the notice, and the award.

The award changes the state with one conditional UPDATE (… WHERE status = 'notice' AND the notice
has ended AND no objection is open): of any number of simultaneous requests exactly one changes a
row, and only that one inserts the awards, whose unique constraints (one per slot, one per
application, slot ≤ winners_max) are the database's own guard behind it.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp.challenges import lifecycle, notices
from webapp.challenges.errors import ChallengeError, TransitionError
from webapp.challenges.inputs import REASON_MAX, TEXT_MAX, clean_text
from webapp.challenges.lifecycle import record
from webapp.challenges.models import Application, ApplicationStatus, Award, Challenge, Objection, ObjectionStatus
from webapp.challenges.models import ChallengeStatus as S
from webapp.challenges.participants import proposed
from webapp.challenges.permissions import is_admin, signed_in
from webapp.challenges.review import ranking
from webapp.core import clock
from webapp.core.permissions import require
from webapp.extensions import db

A = ApplicationStatus


def propose_winners(user, challenge: Challenge, application_ids: list[int] | None = None) -> list[Application]:
    """Publish the proposed winners for the notice period: the top of the ranking (as many as the
    challenge has winners), or the applications the admin chose, in that order."""
    lifecycle.check(challenge, "propose", user)
    rows = [r for r in ranking(challenge) if r.counted]
    if application_ids is None:
        chosen = [r.application for r in rows[: challenge.winners_max]]
    else:
        by_id = {r.application.id: r.application for r in rows}
        if len(set(application_ids)) != len(application_ids) or any(i not in by_id for i in application_ids):
            raise ChallengeError(_("Choose the winners among the eligible applications the experts have scored."))
        chosen = [by_id[i] for i in application_ids]
    if not chosen:
        raise ChallengeError(_("No application has been scored yet."))
    if len(chosen) > challenge.winners_max:
        raise ChallengeError(_("This challenge has at most %(count)s winners.", count=challenge.winners_max))
    now = clock.now()
    for slot, application in enumerate(chosen, start=1):
        application.proposed_slot = slot
    challenge.notice_ends_at = now + timedelta(days=challenge.notice_days)
    lifecycle.apply(
        challenge,
        "propose",
        user,
        details={"winners": [a.lead_unit for a in chosen], "notice_ends_at": challenge.notice_ends_at},
    )
    return chosen


def can_object(challenge: Challenge, user) -> bool:
    return signed_in(user) and challenge.status is S.NOTICE and clock.now() < challenge.notice_ends_at


def file_objection(user, challenge: Challenge, text: str) -> Objection:
    """Anyone logged in may object during the notice period."""
    require(signed_in(user))
    if challenge.status is not S.NOTICE or clock.now() >= challenge.notice_ends_at:
        raise TransitionError(_("Objections can be filed only during the public notice period."))
    text = clean_text(text, TEXT_MAX)
    if not text:
        raise ChallengeError(_("Say what the objection is about."))
    objection = Objection(challenge_id=challenge.id, filed_by_id=user.id, text=text, filed_at=clock.now())
    db.session.add(objection)
    db.session.flush()
    record("challenge_objection.file", objection, user)
    notices.send(notices.admins(), "challenge.objection_filed", challenge, actor=user)
    return objection


def resolve_objection(user, objection: Objection, upheld: bool, resolution: str) -> None:
    """Upheld during the notice: the proposal is withdrawn and the challenge goes back to review.
    Dismissed: the award may follow once no objection is open."""
    require(is_admin(user))
    challenge = objection.challenge
    if objection.status is not ObjectionStatus.OPEN:
        raise ChallengeError(_("This objection has already been resolved."))
    if challenge.status not in (S.NOTICE, S.REVIEW):
        raise TransitionError(_("Objections are resolved during the notice or the review that follows it."))
    resolution = clean_text(resolution, REASON_MAX)
    if not resolution:
        raise ChallengeError(_("Give the resolution: the person who objected will read it."))
    if upheld and challenge.status is S.NOTICE:
        lifecycle.check(challenge, "reopen_review", user)
    objection.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED
    objection.resolution = resolution
    objection.resolved_by_id = user.id
    objection.resolved_at = clock.now()
    db.session.flush()
    record(f"challenge_objection.{objection.status.value}", objection, user, after={"resolution": resolution})
    notices.send(
        [objection.filed_by],
        f"challenge.objection_{objection.status.value}",
        challenge,
        actor=user,
        resolution=resolution,
    )
    if upheld and challenge.status is S.NOTICE:
        for application in proposed(challenge):
            application.proposed_slot = None
        db.session.flush()
        lifecycle.apply(challenge, "reopen_review", user, reason=resolution)


def open_objections(challenge: Challenge) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count(Objection.id)).where(
                Objection.challenge_id == challenge.id, Objection.status == ObjectionStatus.OPEN
            )
        )
        or 0
    )


def can_award(challenge: Challenge, user) -> bool:
    return (
        is_admin(user)
        and challenge.status is S.NOTICE
        and clock.now() >= challenge.notice_ends_at
        and not open_objections(challenge)
    )


def award(user, challenge: Challenge) -> list[Award]:
    """挂帅: after the notice period, with no objection open, the proposed winners are awarded."""
    transition = lifecycle.check(challenge, "award", user)
    now = clock.now()
    if now < challenge.notice_ends_at:
        raise TransitionError(_("The public notice has not ended yet."))
    if open_objections(challenge):
        raise TransitionError(_("Resolve the open objections first."))
    winners = proposed(challenge)
    if not winners:
        raise TransitionError(_("No winner is proposed."))
    open_objection = sa.exists().where(Objection.challenge_id == Challenge.id, Objection.status == ObjectionStatus.OPEN)
    changed = db.session.execute(
        sa.update(Challenge)
        .where(
            Challenge.id == challenge.id, Challenge.status == S.NOTICE, Challenge.notice_ends_at <= now, ~open_objection
        )
        .values(status=S.AWARDED, awarded_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        db.session.refresh(challenge)
        raise TransitionError(_("This challenge has just been awarded or changed; reload the page."))
    db.session.refresh(challenge)
    awards = [
        Award(
            challenge_id=challenge.id,
            application_id=a.id,
            slot=a.proposed_slot,
            winners_max=challenge.winners_max,
            awarded_by_id=user.id,
            awarded_at=now,
        )
        for a in winners
    ]
    db.session.add_all(awards)
    db.session.flush()
    lifecycle.finish(challenge, transition, user, S.NOTICE, details={"winners": [a.lead_unit for a in winners]}, at=now)
    return awards

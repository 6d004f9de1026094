"""What the clock does (the `challenges.tick` task, every minute).

It closes application windows that have reached `closes_at`: with at least one submitted application
the challenge goes to the formal check, otherwise it ends as 流榜 and the enterprise is told. Nothing
else moves by itself; the clock only reminds, once each:

- window closing: 24 h before `closes_at`, the applicants whose application is still a draft, and
  the enterprise;
- review due: 48 h after the review started (or after the expert joined the panel, if later), each
  expert who still has eligible applications to declare or to score (including a review sent back);
- milestone due: from 3 days before a milestone's due date (Beijing calendar), the winners and the
  enterprise, while the milestone is not reported.

Every reminder sent is a ReminderSent row with a unique key, so running the tick twice (or two ticks
at once) sends nothing twice. Windows are closed with a conditional UPDATE for the same reason.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from webapp.challenges import lifecycle, notices
from webapp.challenges.models import (
    Application,
    ApplicationStatus,
    Challenge,
    ConflictDeclaration,
    ExpertAssignment,
    Failure,
    Milestone,
    MilestoneStatus,
    ReminderSent,
    Review,
)
from webapp.challenges.models import ChallengeStatus as S
from webapp.core import clock
from webapp.extensions import db

A = ApplicationStatus
WINDOW_REMINDER = timedelta(hours=24)
REVIEW_REMINDER = timedelta(hours=48)
MILESTONE_REMINDER_DAYS = 3


def tick(commit: Callable[[], None] | None = None) -> dict:
    """One run of the clock; `commit` is called after each closed window and each group of reminders
    (the task commits, tests may leave it to their transaction)."""
    commit = commit or (lambda: None)
    counts = {"closed": 0, "failed": 0, "reminders": 0}
    now = clock.now()
    due = db.session.scalars(
        sa.select(Challenge.id)
        .where(Challenge.status == S.PUBLISHED, Challenge.closes_at <= now)
        .order_by(Challenge.id)
    ).all()
    for challenge_id in due:
        outcome = close_window(challenge_id)
        if outcome:
            counts[outcome] += 1
        commit()
    for remind in (remind_window_closing, remind_review_due, remind_milestones_due):
        counts["reminders"] += remind()
        commit()
    return counts


def close_window(challenge_id: int) -> str | None:
    """ "closed" (to the formal check), "failed" (流榜) or None if another run did it already."""
    challenge = db.session.get(Challenge, challenge_id)
    now = clock.now()
    if challenge is None or challenge.status is not S.PUBLISHED or challenge.closes_at > now:
        return None
    submitted = (
        db.session.scalar(
            sa.select(sa.func.count(Application.id)).where(
                Application.challenge_id == challenge_id, Application.status == A.SUBMITTED
            )
        )
        or 0
    )
    name = "close" if submitted else "lapse"
    transition = lifecycle.check(challenge, name, None)
    values = {"status": transition.target, transition.stamp: now, "updated_at": now}
    if not submitted:
        values["failure"] = Failure.NO_APPLICATION
    changed = db.session.execute(
        sa.update(Challenge)
        .where(Challenge.id == challenge_id, Challenge.status == S.PUBLISHED, Challenge.closes_at <= now)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(challenge)
    if changed != 1:
        return None
    lifecycle.finish(challenge, transition, None, S.PUBLISHED, details={"submitted": submitted}, at=now)
    return "closed" if submitted else "failed"


def remind_once(key: str, challenge: Challenge, users: list, kind: str, **params) -> int:
    """Send a reminder unless its key was sent before; the unique key settles a race."""
    if db.session.scalar(sa.select(ReminderSent.id).where(ReminderSent.key == key)) is not None:
        return 0
    try:
        with db.session.begin_nested():
            db.session.add(ReminderSent(key=key, challenge_id=challenge.id, sent_at=clock.now()))
            db.session.flush()
    except IntegrityError:
        return 0
    notices.send(users, kind, challenge, **params)
    return 1


def remind_window_closing() -> int:
    now = clock.now()
    sent = 0
    closing = db.session.scalars(
        sa.select(Challenge).where(
            Challenge.status == S.PUBLISHED, Challenge.closes_at > now, Challenge.closes_at <= now + WINDOW_REMINDER
        )
    )
    for challenge in closing:
        closes = notices.local_time(challenge.closes_at)
        for application in notices.applicants_rows(challenge, A.DRAFT):
            if application.applicant is not None:
                sent += remind_once(
                    f"window:{challenge.id}:user:{application.applicant_id}",
                    challenge,
                    [application.applicant],
                    "challenge.reminder_window_closing",
                    closes=closes,
                )
        sent += remind_once(
            f"window:{challenge.id}:owner",
            challenge,
            notices.owner(challenge),
            "challenge.reminder_window_closing_owner",
            closes=closes,
        )
    return sent


def remind_review_due() -> int:
    now = clock.now()
    sent = 0
    rows = db.session.execute(
        sa.select(ExpertAssignment, Challenge)
        .join(Challenge, ExpertAssignment.challenge_id == Challenge.id)
        .where(
            Challenge.status == S.REVIEW,
            Challenge.review_started_at <= now - REVIEW_REMINDER,
            ExpertAssignment.assigned_at <= now - REVIEW_REMINDER,
        )
        .order_by(ExpertAssignment.id)
    ).all()
    for assignment, challenge in rows:
        waiting = to_score(assignment)
        if waiting:
            sent += remind_once(
                f"review:{assignment.id}",
                challenge,
                [assignment.expert],
                "challenge.reminder_review_due",
                count=waiting,
            )
    return sent


def to_score(assignment: ExpertAssignment) -> int:
    """Eligible applications the expert has not declared a conflict with and has no counted review of."""
    conflicted = sa.select(ConflictDeclaration.application_id).where(
        ConflictDeclaration.assignment_id == assignment.id, ConflictDeclaration.has_conflict.is_(True)
    )
    reviewed = sa.select(Review.application_id).where(
        Review.expert_id == assignment.expert_id, Review.revision_requested_at.is_(None)
    )
    return (
        db.session.scalar(
            sa.select(sa.func.count(Application.id)).where(
                Application.challenge_id == assignment.challenge_id,
                Application.status == A.ELIGIBLE,
                Application.id.not_in(conflicted),
                Application.id.not_in(reviewed),
            )
        )
        or 0
    )


def remind_milestones_due() -> int:
    today = clock.today()
    sent = 0
    rows = db.session.execute(
        sa.select(Milestone, Challenge)
        .join(Challenge, Milestone.challenge_id == Challenge.id)
        .where(
            Challenge.status.in_([S.CONTRACTED, S.IN_PROGRESS]),
            Milestone.status.in_([MilestoneStatus.PENDING, MilestoneStatus.RETURNED]),
            Milestone.due_on <= today + timedelta(days=MILESTONE_REMINDER_DAYS),
        )
        .order_by(Milestone.id)
    ).all()
    for milestone, challenge in rows:
        sent += remind_once(
            f"milestone:{milestone.id}:{milestone.due_on.isoformat()}",
            challenge,
            [*notices.winners(challenge), *notices.owner(challenge)],
            "challenge.reminder_milestone_due",
            milestone=milestone.title,
            due=milestone.due_on.isoformat(),
        )
    return sent

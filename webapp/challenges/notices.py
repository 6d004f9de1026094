"""Who is told about what: every transition and every step on a challenge's applications, reviews,
objections, contract and milestones notifies the people it concerns (in the app and by e-mail)."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from webapp.challenges import participants
from webapp.challenges.models import Application, ApplicationStatus, Challenge
from webapp.core import clock
from webapp.extensions import db

A = ApplicationStatus


def link(challenge: Challenge) -> str:
    return f"/challenges/{challenge.id}"


def local_time(moment) -> str:
    """A moment as Beijing time text for a notification parameter (notifications keep parameters,
    not objects; times are what the people concerned read on their calendars)."""
    if moment is None:
        return ""
    return clock.local(moment).strftime("%Y-%m-%d %H:%M")


def send(users: Iterable, kind: str, challenge: Challenge, *, actor=None, email: bool = True, **params) -> int:
    """Notify each distinct active user once, except the one who acted."""
    from webapp.notifications.services import notify

    seen: set[int] = set()
    sent = 0
    for user in users:
        if user is None or user.id in seen or not user.active or (actor is not None and user.id == actor.id):
            continue
        seen.add(user.id)
        notify(user, kind, link=link(challenge), email=email, title=challenge.title, **params)
        sent += 1
    return sent


# ---------------------------------------------------------------- groups of people


def owner(challenge: Challenge) -> list:
    return [challenge.owner] if challenge.owner is not None else []


def admins() -> list:
    from webapp.accounts.models import Role, User

    return list(
        db.session.scalars(sa.select(User).where(User.role == Role.ADMIN, User.active.is_(True)).order_by(User.id))
    )


def applicants_rows(challenge: Challenge, *statuses: ApplicationStatus) -> list[Application]:
    return list(
        db.session.scalars(
            sa.select(Application)
            .where(Application.challenge_id == challenge.id, Application.status.in_(statuses))
            .order_by(Application.id)
        )
    )


def applicants(challenge: Challenge, *statuses: ApplicationStatus) -> list:
    return [row.applicant for row in applicants_rows(challenge, *statuses) if row.applicant is not None]


def lodged(challenge: Challenge) -> list:
    return applicants(challenge, A.SUBMITTED, A.ELIGIBLE, A.INELIGIBLE)


def experts(challenge: Challenge) -> list:
    return participants.experts_of(challenge)


def winners(challenge: Challenge) -> list:
    return [app.applicant for app in participants.winners(challenge) if app.applicant is not None]


def unit_names(applications: Iterable[Application]) -> str:
    return "、".join(app.lead_unit for app in applications)


# ---------------------------------------------------------------- transitions


def transition(challenge: Challenge, transition, actor, *, reason: str | None = None) -> None:
    name = transition.name
    c = challenge
    if name == "submit":
        send(admins(), "challenge.submitted", c, actor=actor, email=False)
    elif name == "return":
        send(owner(c), "challenge.returned", c, actor=actor, reason=reason or "")
    elif name == "publish":
        send(
            owner(c),
            "challenge.published",
            c,
            actor=actor,
            opens=local_time(c.opens_at),
            closes=local_time(c.closes_at),
        )
    elif name == "withdraw":
        send([*admins(), *applicants(c, A.DRAFT)], "challenge.withdrawn", c, actor=actor, email=False)
    elif name == "close":
        count = len(lodged(c))
        send([*owner(c), *admins()], "challenge.closed", c, actor=actor, count=count)
    elif name in ("lapse", "fail_check"):
        kind = "challenge.failed_no_application" if name == "lapse" else "challenge.failed_none_eligible"
        send([*owner(c), *admins(), *lodged(c), *applicants(c, A.DRAFT)], kind, c, actor=actor)
    elif name == "start_review":
        send([*owner(c), *experts(c)], "challenge.review_started", c, actor=actor)
    elif name == "propose":
        proposed = participants.proposed(c)
        send(
            [*owner(c), *applicants(c, A.ELIGIBLE), *experts(c)],
            "challenge.notice",
            c,
            actor=actor,
            winners=unit_names(proposed),
            until=local_time(c.notice_ends_at),
        )
    elif name == "reopen_review":
        send([*owner(c), *applicants(c, A.ELIGIBLE), *experts(c)], "challenge.review_reopened", c, actor=actor)
    elif name == "award":
        won = participants.winners(c)
        won_ids = {app.id for app in won}
        send([app.applicant for app in won], "challenge.won", c, actor=actor)
        others = [a for a in applicants_rows(c, A.ELIGIBLE) if a.id not in won_ids]
        send([a.applicant for a in others], "challenge.not_selected", c, actor=actor)
        send([*owner(c), *experts(c)], "challenge.awarded", c, actor=actor, winners=unit_names(won))
    elif name == "contract":
        send([*owner(c), *winners(c)], "challenge.contracted", c, actor=actor)
    elif name == "finish_milestones":
        send([*owner(c), *winners(c)], "challenge.acceptance", c, actor=actor)
    elif name == "complete":
        send([*winners(c), *admins()], "challenge.completed", c, actor=actor)
    elif name == "terminate":
        send(
            [*owner(c), *lodged(c), *experts(c), *winners(c)],
            "challenge.terminated",
            c,
            actor=actor,
            reason=reason or "",
        )
    # "start": the milestone report that starts the work is notified by itself.

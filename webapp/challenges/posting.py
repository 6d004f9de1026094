"""Posting and publishing a challenge: the enterprise's draft made from a need and its submission,
the admin's return or publication (with government co-funding), withdrawal and termination, and the
enterprise's and the admins' lists (the public board is `board`'s).

Every service checks permission (PermissionDenied), state and time (ChallengeError, translated),
changes state, writes the audit event and notifies, and only flushes: the caller commits. Nothing is
changed before every check has passed. Applications are in `applications`, expert review in
`review`, the notice and the award in `award`, contract, milestones and acceptance in `delivery`,
the clock task in `deadlines`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp.challenges import lifecycle
from webapp.challenges.errors import ChallengeInvalid, TransitionError, invalid
from webapp.challenges.inputs import NAME_MAX, REASON_MAX, TEXT_MAX, TITLE_MAX, clean_text
from webapp.challenges.lifecycle import record
from webapp.challenges.models import (
    MAX_BOUNTY,
    UNIT_ELIGIBILITY,
    Application,
    ApplicationStatus,
    Challenge,
    Criterion,
    Eligibility,
    Milestone,
    eligibility_mask,
    unit_key,
)
from webapp.challenges.models import ChallengeStatus as S
from webapp.challenges.permissions import is_owner
from webapp.core import clock
from webapp.core.permissions import require
from webapp.extensions import db

A = ApplicationStatus
CRITERIA_MAX = 10
MILESTONES_MAX = 12
NOTICE_DAYS = (1, 30)
WINNERS = (1, 10)
# A draft made from a need starts with these criteria (the enterprise may change them).
DEFAULT_CRITERIA = (("技术方案", 40), ("团队能力", 30), ("经费预算", 15), ("进度安排", 15))


# ---------------------------------------------------------------- who may do what


# A need carries one challenge at a time: another may be posted once the last ended without a result.
REPOSTABLE = (S.WITHDRAWN, S.TERMINATED, S.FAILED)


def current_challenge(need) -> Challenge | None:
    """The need's challenge that is under way or done (None when it has none, or only ended ones)."""
    if need is None or need.id is None:
        return None
    return db.session.scalar(
        sa.select(Challenge)
        .where(Challenge.need_id == need.id, Challenge.status.not_in(REPOSTABLE))
        .order_by(Challenge.id.desc())
        .limit(1)
    )


def may_post(user) -> bool:
    """Enterprises post challenges (from their own needs); the district's admins review them."""
    from webapp.accounts.models import Role

    return bool(user is not None and user.is_authenticated and user.role is Role.ENTERPRISE)


def can_create_from(need, user) -> bool:
    from webapp.listings.models import ListingStatus

    return bool(
        may_post(user)
        and need is not None
        and need.owner_id == user.id
        and need.status is ListingStatus.PUBLISHED
        and current_challenge(need) is None
    )


def check_need(need, user) -> None:
    """Why `need` cannot become the user's challenge, for a client that named it: not one of the
    user's published needs (ChallengeInvalid on `need`), or one with a challenge under way
    (TransitionError)."""
    from webapp.listings.models import ListingStatus

    if (
        need is None
        or not need.can_view(user)
        or need.owner_id != user.id
        or need.status is not ListingStatus.PUBLISHED
    ):
        raise invalid("need", _("Choose one of your own published needs (see /needs/mine)."))
    if current_challenge(need) is not None:
        raise TransitionError(_("This need already has a challenge under way."))


def can_edit(challenge: Challenge, user) -> bool:
    return is_owner(challenge, user) and challenge.status in (S.DRAFT, S.RETURNED)


def window_open(challenge: Challenge, at: datetime | None = None) -> bool:
    at = at or clock.now()
    return (
        challenge.status is S.PUBLISHED
        and challenge.opens_at is not None
        and challenge.opens_at <= at < challenge.closes_at
    )


def before_deadline(challenge: Challenge, at: datetime | None = None) -> bool:
    at = at or clock.now()
    return challenge.status is S.PUBLISHED and challenge.closes_at is not None and at < challenge.closes_at


# ---------------------------------------------------------------- lists the pages show


def owned_by(user) -> sa.Select:
    """An enterprise's own challenges, every state."""
    return sa.select(Challenge).where(Challenge.owner_id == user.id).order_by(Challenge.id.desc())


def awaiting_review() -> sa.Select:
    """The admins' queue: submitted challenges, oldest first."""
    return sa.select(Challenge).where(Challenge.status == S.SUBMITTED).order_by(Challenge.submitted_at, Challenge.id)


# ---------------------------------------------------------------- posting


@dataclass
class CriterionInput:
    name: str
    weight: int


@dataclass
class MilestoneInput:
    title: str
    share: int  # percent of the bounty
    due_on: date


@dataclass
class ChallengeInput:
    title: str
    problem: str
    bounty: int  # 元
    opens_at: datetime
    closes_at: datetime
    criteria: list[CriterionInput]
    milestones: list[MilestoneInput]
    indicators: str | None = None
    field_id: int | None = None
    eligibility: Iterable[Eligibility] = tuple(Eligibility)
    notice_days: int = 7
    winners_max: int = 1
    show_identity: bool | None = None  # None: as it is


def create_from_need(user, need) -> Challenge:
    """A draft challenge prefilled from one of the enterprise's published needs."""
    require(can_create_from(need, user))
    challenge = Challenge(
        need_id=need.id,
        owner_id=user.id,
        organisation_id=user.organisation_id or need.organisation_id,
        title=need.title[:TITLE_MAX],
        problem=need.description,
        indicators=need.indicators,
        field_id=need.field_id,
        bounty=need.budget_max or None,
        status=S.DRAFT,
        show_identity=need.show_identity,  # a de-identified need makes a de-identified challenge
    )
    challenge.criteria = [
        Criterion(position=i, name=name, weight=weight) for i, (name, weight) in enumerate(DEFAULT_CRITERIA, start=1)
    ]
    db.session.add(challenge)
    db.session.flush()
    record("challenge.create", challenge, user, after={"need_id": need.id, "title": challenge.title})
    return challenge


def validate(data: ChallengeInput, *, at: datetime | None = None) -> dict:
    """Every rule of a challenge's terms; raises ChallengeInvalid naming each wrong field."""
    at = at or clock.now()
    errors: dict[str, str] = {}
    title = clean_text(data.title, TITLE_MAX + 1)
    if not title:
        errors["title"] = _("Give the challenge a title.")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("The title is longer than %(max)s characters.", max=TITLE_MAX)
    problem = clean_text(data.problem, TEXT_MAX)
    if not problem:
        errors["problem"] = _("Describe the problem to be solved.")
    if not isinstance(data.bounty, int) or isinstance(data.bounty, bool) or not 0 < data.bounty <= MAX_BOUNTY:
        errors["bounty"] = _("The bounty must be more than 0 and at most 100,000,000 (10k CNY).")
    mask = eligibility_mask(data.eligibility or ())
    if not mask & UNIT_ELIGIBILITY:
        errors["eligibility"] = _("Allow at least universities, institutes or enterprises to apply.")
    if data.opens_at is None or data.closes_at is None or data.opens_at.tzinfo is None or data.closes_at.tzinfo is None:
        errors["closes_at"] = _("Give the application window's start and end.")
    elif data.closes_at <= data.opens_at:
        errors["closes_at"] = _("The application window must end after it starts.")
    elif data.closes_at <= at:
        errors["closes_at"] = _("The application window must end in the future.")
    if not NOTICE_DAYS[0] <= _int(data.notice_days) <= NOTICE_DAYS[1]:
        errors["notice_days"] = _("The public notice lasts 1 to 30 days.")
    if not WINNERS[0] <= _int(data.winners_max) <= WINNERS[1]:
        errors["winners_max"] = _("A challenge has 1 to 10 winners.")
    criteria = [CriterionInput(clean_text(c.name, NAME_MAX + 1), _int(c.weight)) for c in data.criteria or []]
    if not criteria or len(criteria) > CRITERIA_MAX:
        errors["criteria"] = _("Give 1 to %(max)s review criteria.", max=CRITERIA_MAX)
    elif any(not c.name or len(c.name) > NAME_MAX for c in criteria):
        errors["criteria"] = _("Every criterion needs a name of at most %(max)s characters.", max=NAME_MAX)
    elif len({unit_key(c.name) for c in criteria}) < len(criteria):
        errors["criteria"] = _("Two criteria have the same name.")
    elif any(not 1 <= c.weight <= 100 for c in criteria) or sum(c.weight for c in criteria) != 100:
        errors["criteria"] = _(
            "The weights of the criteria must be whole numbers that add up to 100 (now %(sum)s).",
            sum=sum(c.weight for c in criteria),
        )
    milestones = [
        MilestoneInput(clean_text(m.title, TITLE_MAX + 1), _int(m.share), m.due_on) for m in data.milestones or []
    ]
    if not milestones or len(milestones) > MILESTONES_MAX:
        errors["milestones"] = _("Give 1 to %(max)s milestones.", max=MILESTONES_MAX)
    elif any(not m.title or len(m.title) > TITLE_MAX for m in milestones):
        errors["milestones"] = _("Every milestone needs a title.")
    elif any(not 1 <= m.share <= 100 for m in milestones) or sum(m.share for m in milestones) != 100:
        errors["milestones"] = _(
            "The shares of the milestones must be whole percentages that add up to 100 (now %(sum)s).",
            sum=sum(m.share for m in milestones),
        )
    elif any(not isinstance(m.due_on, date) for m in milestones):
        errors["milestones"] = _("Every milestone needs a due date.")
    elif "closes_at" not in errors and (
        milestones[0].due_on <= data.closes_at.date()
        or any(b.due_on < a.due_on for a, b in zip(milestones, milestones[1:], strict=False))
    ):
        errors["milestones"] = _("Milestones are due after the application window, in order.")
    if errors:
        raise ChallengeInvalid(errors)
    return {
        "title": title,
        "problem": problem,
        "indicators": clean_text(data.indicators, TEXT_MAX) or None,
        "field_id": data.field_id,
        "bounty": data.bounty,
        "eligibility_mask": mask,
        "opens_at": data.opens_at,
        "closes_at": data.closes_at,
        "notice_days": _int(data.notice_days),
        "winners_max": _int(data.winners_max),
        "criteria": criteria,
        "milestones": milestones,
    }


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def split_bounty(bounty: int, shares: list[int]) -> list[int]:
    """Each share of the bounty in whole 元; the last takes the remainder, so the sum is exact."""
    amounts = [bounty * share // 100 for share in shares[:-1]]
    return [*amounts, bounty - sum(amounts)]


def update_draft(user, challenge: Challenge, data: ChallengeInput) -> Challenge:
    """Replace the draft's terms, criteria and milestones as a whole."""
    require(is_owner(challenge, user))
    if challenge.status not in (S.DRAFT, S.RETURNED):
        raise TransitionError(_("Only a draft or a returned challenge can be edited."))
    cleaned = validate(data)
    if cleaned["field_id"] is not None:
        from webapp.taxonomy.models import TechField

        if db.session.get(TechField, cleaned["field_id"]) is None:
            raise invalid("field_id", _("Choose a technical field from the list."))
    before = _terms(challenge)
    criteria, milestones = cleaned.pop("criteria"), cleaned.pop("milestones")
    for name, value in cleaned.items():
        setattr(challenge, name, value)
    if data.show_identity is not None:
        challenge.show_identity = bool(data.show_identity)
    challenge.criteria = []
    challenge.milestones = []
    db.session.flush()  # the old rows go first: positions are unique per challenge
    challenge.criteria = [Criterion(position=i, name=c.name, weight=c.weight) for i, c in enumerate(criteria, 1)]
    amounts = split_bounty(challenge.bounty, [m.share for m in milestones])
    challenge.milestones = [
        Milestone(position=i, title=m.title, share=m.share, due_on=m.due_on, amount=amount)
        for i, (m, amount) in enumerate(zip(milestones, amounts, strict=True), 1)
    ]
    db.session.flush()
    after = _terms(challenge)
    changed = {k for k in after if after[k] != before[k]}
    record(
        "challenge.update",
        challenge,
        user,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
    )
    return challenge


def _terms(challenge: Challenge) -> dict:
    return {
        "title": challenge.title,
        "bounty": challenge.bounty,
        "eligibility_mask": challenge.eligibility_mask,
        "opens_at": challenge.opens_at,
        "closes_at": challenge.closes_at,
        "notice_days": challenge.notice_days,
        "winners_max": challenge.winners_max,
        "field_id": challenge.field_id,
        "show_identity": challenge.show_identity,
        "criteria": [[c.name, c.weight] for c in challenge.criteria],
        "milestones": [[m.title, m.share, m.due_on.isoformat()] for m in challenge.milestones],
    }


def check_complete(challenge: Challenge) -> None:
    """The stored terms pass every rule now (at submission and publication: time has passed since
    the draft was saved, and the weights and shares are checked again as stored)."""
    if challenge.bounty is None or challenge.opens_at is None or challenge.closes_at is None:
        raise invalid("bounty", _("Fill in the bounty and the application window first."))
    validate(
        ChallengeInput(
            title=challenge.title,
            problem=challenge.problem,
            bounty=challenge.bounty,
            opens_at=challenge.opens_at,
            closes_at=challenge.closes_at,
            indicators=challenge.indicators,
            field_id=challenge.field_id,
            criteria=[CriterionInput(c.name, c.weight) for c in challenge.criteria],
            milestones=[MilestoneInput(m.title, m.share, m.due_on) for m in challenge.milestones],
            eligibility=challenge.eligibility,
            notice_days=challenge.notice_days,
            winners_max=challenge.winners_max,
        )
    )
    if sum(m.amount for m in challenge.milestones) != challenge.bounty:
        raise invalid("milestones", _("The milestone amounts do not add up to the bounty; save the draft again."))


def submit(user, challenge: Challenge) -> None:
    lifecycle.check(challenge, "submit", user)
    check_complete(challenge)
    lifecycle.apply(challenge, "submit", user)


def return_for_changes(user, challenge: Challenge, reason: str) -> None:
    lifecycle.apply(challenge, "return", user, reason=clean_text(reason, REASON_MAX))


def publish(user, challenge: Challenge, cofunding: int | None = None) -> None:
    """发榜: the window must still end in the future (otherwise return it for new dates)."""
    lifecycle.check(challenge, "publish", user)
    if cofunding is not None and (
        isinstance(cofunding, bool) or not isinstance(cofunding, int) or not 0 <= cofunding <= MAX_BOUNTY
    ):
        raise invalid("cofunding", _("Co-funding is an amount from 0 to 100,000,000 (10k CNY)."))
    check_complete(challenge)
    if cofunding is not None:
        challenge.cofunding = cofunding
    lifecycle.apply(challenge, "publish", user, details={"cofunding": challenge.cofunding})


def withdraw(user, challenge: Challenge, reason: str | None = None) -> None:
    """The owner withdraws before publication, or after it while nobody has submitted an application."""
    lifecycle.check(challenge, "withdraw", user)
    if challenge.status is S.PUBLISHED and count_applications(challenge, A.SUBMITTED):
        raise TransitionError(
            _(
                "Applications have been submitted: the challenge can no longer be withdrawn; "
                "ask the administrators to terminate it."
            )
        )
    lifecycle.apply(challenge, "withdraw", user, reason=clean_text(reason, REASON_MAX))


def terminate(user, challenge: Challenge, reason: str) -> None:
    lifecycle.apply(challenge, "terminate", user, reason=clean_text(reason, REASON_MAX))


def count_applications(challenge: Challenge, *statuses: ApplicationStatus) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count(Application.id)).where(
                Application.challenge_id == challenge.id, Application.status.in_(statuses)
            )
        )
        or 0
    )

"""Posting, publishing and applying: the enterprise's draft and its submission, the admin's return
or publication (with government co-funding), withdrawal and termination, applications from draft to
submission or withdrawal, and the formal check.

Every service checks permission (PermissionDenied), state and time (ChallengeError, translated),
changes state, writes the audit event and notifies, and only flushes: the caller commits. Nothing is
changed before every check has passed. Expert review is in `review`, the notice and the award in
`award`, contract, milestones and acceptance in `delivery`, the clock task in `deadlines`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from webapp.challenges import lifecycle, notices
from webapp.challenges.lifecycle import ChallengeError, TransitionError, is_admin, is_owner, record
from webapp.challenges.models import (
    LODGED,
    MAX_BOUNTY,
    PUBLIC_STATES,
    UNIT_ELIGIBILITY,
    Application,
    ApplicationStatus,
    Challenge,
    Criterion,
    Eligibility,
    Failure,
    Milestone,
    UnitKind,
    eligibility_mask,
    unit_key,
)
from webapp.challenges.models import ChallengeStatus as S
from webapp.core import clock
from webapp.core.formatting import join_list
from webapp.core.permissions import require
from webapp.extensions import db

A = ApplicationStatus
TITLE_MAX = 200
TEXT_MAX = 20_000
REASON_MAX = 1000
NAME_MAX = 100
CRITERIA_MAX = 10
MILESTONES_MAX = 12
MEMBERS_MAX = 10
NOTICE_DAYS = (1, 30)
WINNERS = (1, 10)
# A draft made from a need starts with these criteria (the enterprise may change them).
DEFAULT_CRITERIA = (("技术方案", 40), ("团队能力", 30), ("经费预算", 15), ("进度安排", 15))


class ChallengeInvalid(ChallengeError):
    """Several fields are wrong: `errors` maps each field to its message (pages show them in place)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors
        self.field = next(iter(errors), None)


def _error(field_name: str, message: str) -> ChallengeInvalid:
    return ChallengeInvalid({field_name: message})


def clean_text(value: str | None, limit: int) -> str:
    return unicodedata.normalize("NFC", (value or "").replace("\r\n", "\n")).strip()[:limit]


# ---------------------------------------------------------------- who may see and do what


def can_view(challenge: Challenge, user) -> bool:
    """Published challenges (and what follows) are public; drafts only for the owner and admins."""
    return challenge.status in PUBLIC_STATES or is_owner(challenge, user) or is_admin(user)


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


def can_create_from(need, user) -> bool:
    from webapp.accounts.models import Role
    from webapp.listings.models import ListingStatus

    return bool(
        user is not None
        and user.is_authenticated
        and user.role is Role.ENTERPRISE
        and need is not None
        and need.owner_id == user.id
        and need.status is ListingStatus.PUBLISHED
        and current_challenge(need) is None
    )


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


def board(*, field_id: int | None = None, status: S | None = None) -> sa.Select:
    """The public challenge board: published challenges and what became of them; open windows
    first (closing soonest first), then the rest, newest first."""
    query = sa.select(Challenge).where(Challenge.status.in_(PUBLIC_STATES))
    if status is not None:
        query = query.where(Challenge.status == status)
    if field_id is not None:
        query = query.where(Challenge.field_id == field_id)
    return query.order_by(
        (Challenge.status != S.PUBLISHED),
        sa.case((Challenge.status == S.PUBLISHED, Challenge.closes_at)),
        Challenge.published_at.desc(),
        Challenge.id.desc(),
    )


def owned_by(user) -> sa.Select:
    """An enterprise's own challenges, every state."""
    return sa.select(Challenge).where(Challenge.owner_id == user.id).order_by(Challenge.id.desc())


def awaiting_review() -> sa.Select:
    """The admins' queue: submitted challenges, oldest first."""
    return sa.select(Challenge).where(Challenge.status == S.SUBMITTED).order_by(Challenge.submitted_at, Challenge.id)


def applications_of(user) -> sa.Select:
    """A researcher's or enterprise's own applications, with their challenges."""
    return sa.select(Application).where(Application.applicant_id == user.id).order_by(Application.id.desc())


def lodged_applications(challenge: Challenge) -> list[Application]:
    """What the formal check and the enterprise see: submitted, eligible and ineligible applications."""
    return list(
        db.session.scalars(
            sa.select(Application)
            .where(Application.challenge_id == challenge.id, Application.status.in_([A(s) for s in LODGED]))
            .order_by(Application.submitted_at, Application.id)
        )
    )


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
            raise _error("field_id", _("Choose a technical field from the list."))
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
        raise _error("bounty", _("Fill in the bounty and the application window first."))
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
        raise _error("milestones", _("The milestone amounts do not add up to the bounty; save the draft again."))


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
        raise _error("cofunding", _("Co-funding is an amount from 0 to 100,000,000 (10k CNY)."))
    check_complete(challenge)
    if cofunding is not None:
        challenge.cofunding = cofunding
    lifecycle.apply(challenge, "publish", user, details={"cofunding": challenge.cofunding})


def withdraw(user, challenge: Challenge, reason: str | None = None) -> None:
    """The owner withdraws before publication, or after it while nobody has submitted an application."""
    lifecycle.check(challenge, "withdraw", user)
    if challenge.status is S.PUBLISHED and _count(challenge, A.SUBMITTED):
        raise TransitionError(
            _(
                "Applications have been submitted: the challenge can no longer be withdrawn; "
                "ask the administrators to terminate it."
            )
        )
    lifecycle.apply(challenge, "withdraw", user, reason=clean_text(reason, REASON_MAX))


def terminate(user, challenge: Challenge, reason: str) -> None:
    lifecycle.apply(challenge, "terminate", user, reason=clean_text(reason, REASON_MAX))


def _count(challenge: Challenge, *statuses: ApplicationStatus) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count(Application.id)).where(
                Application.challenge_id == challenge.id, Application.status.in_(statuses)
            )
        )
        or 0
    )


# ---------------------------------------------------------------- applications


@dataclass
class MemberInput:
    name: str
    kind: UnitKind


@dataclass
class ApplicationInput:
    lead_unit: str
    lead_kind: UnitKind
    team: str | None = None
    plan: str | None = None
    budget: int | None = None  # 元
    schedule: str | None = None
    members: list[MemberInput] = field(default_factory=list)
    commitment_signed: bool = False  # 承诺书


def may_apply(user) -> bool:
    from webapp.accounts.models import Role

    return bool(
        user is not None and user.is_authenticated and user.active and user.role in (Role.RESEARCHER, Role.ENTERPRISE)
    )


def own_application(challenge: Challenge, user) -> Application | None:
    """The user's application to the challenge that is not withdrawn (there is at most one)."""
    if user is None or not user.is_authenticated:
        return None
    return db.session.scalar(
        sa.select(Application).where(
            Application.challenge_id == challenge.id,
            Application.applicant_id == user.id,
            Application.status != A.WITHDRAWN,
        )
    )


def can_apply(challenge: Challenge, user) -> bool:
    """Whether to offer the 揭榜 button: the window has not closed and the user has no application yet."""
    return (
        may_apply(user)
        and not is_owner(challenge, user)
        and before_deadline(challenge)
        and own_application(challenge, user) is None
    )


def can_view_application(user, application: Application) -> bool:
    """The applicant; once lodged, the enterprise owner and admins; experts only after declaring no
    conflict with it, and only for applications that passed the formal check."""
    if user is None or not user.is_authenticated:
        return False
    if application.applicant_id == user.id:
        return True
    if application.status is A.DRAFT:
        return False
    if is_admin(user):
        return True
    if is_owner(application.challenge, user):
        return application.lodged
    from webapp.challenges.review import cleared

    return application.status is A.ELIGIBLE and cleared(user, application)


def _clean_application(challenge: Challenge, user, data: ApplicationInput) -> dict:
    errors: dict[str, str] = {}
    lead = clean_text(data.lead_unit, TITLE_MAX + 1)
    key = unit_key(lead)
    if not key or len(lead) > TITLE_MAX:
        errors["lead_unit"] = _("Name the lead unit.")
    try:
        kind = UnitKind(data.lead_kind)
    except ValueError:
        kind = None
        errors["lead_kind"] = _("Say whether the lead unit is a university, an institute or an enterprise.")
    organisation_id = None
    if user.organisation is not None and unit_key(user.organisation.name) == key:
        organisation_id = user.organisation_id
    members, keys = [], {key}
    for member in data.members or []:
        name = clean_text(member.name, TITLE_MAX)
        if not name:
            continue
        member_key = unit_key(name)
        if member_key in keys:
            errors["members"] = _("“%(name)s” appears twice among the units.", name=name)
            break
        keys.add(member_key)
        try:
            members.append({"name": name, "kind": UnitKind(member.kind).value, "key": member_key})
        except ValueError:
            errors["members"] = _("Say what kind of unit “%(name)s” is.", name=name)
            break
    if len(members) > MEMBERS_MAX:
        errors["members"] = _("A consortium has at most %(max)s member units.", max=MEMBERS_MAX)
    budget = data.budget
    if budget is not None and (
        isinstance(budget, bool) or not isinstance(budget, int) or not 0 <= budget <= MAX_BOUNTY
    ):
        errors["budget"] = _("The budget is an amount from 0 to 100,000,000 (10k CNY).")
    # Refusing would confirm who posted a de-identified challenge to whoever guesses the name: then
    # the application goes ahead and the formal check shows the conflict to the admins
    # (Application.names_poster).
    poster = challenge.organisation
    if poster is not None and unit_key(poster.name) in keys and challenge.can_see_identity(user):
        errors["lead_unit"] = _("The enterprise that posted the challenge cannot apply to it.")
    if errors:
        raise ChallengeInvalid(errors)
    return {
        "lead_unit": lead,
        "lead_kind": kind,
        "unit_key": key,
        "organisation_id": organisation_id,
        "members": members,
        "team": clean_text(data.team, TEXT_MAX) or None,
        "plan": clean_text(data.plan, TEXT_MAX) or None,
        "budget": budget,
        "schedule": clean_text(data.schedule, TEXT_MAX) or None,
    }


def save_application(
    user, challenge: Challenge, data: ApplicationInput, application: Application | None = None
) -> Application:
    """Create or edit a draft application; possible until the deadline (also before the window opens)."""
    require(may_apply(user) and not is_owner(challenge, user))
    if application is not None:
        require(application.applicant_id == user.id and application.challenge_id == challenge.id)
        if application.status is not A.DRAFT:
            raise TransitionError(_("Only a draft application can be edited."))
    elif own_application(challenge, user) is not None:
        raise ChallengeError(_("You already have an application to this challenge."))
    if not before_deadline(challenge):
        raise TransitionError(_("This challenge does not accept applications now."))
    cleaned = _clean_application(challenge, user, data)
    now = clock.now()
    creating = application is None
    if creating:
        application = Application(challenge_id=challenge.id, applicant_id=user.id, status=A.DRAFT)
        db.session.add(application)
    for name, value in cleaned.items():
        setattr(application, name, value)
    if data.commitment_signed and not application.commitment_signed:
        application.commitment_signed, application.commitment_signed_at = True, now
    elif not data.commitment_signed:
        application.commitment_signed, application.commitment_signed_at = False, None
    db.session.flush()
    record(
        "challenge_application.create" if creating else "challenge_application.update",
        application,
        user,
        after={"lead_unit": application.lead_unit, "commitment_signed": application.commitment_signed},
    )
    return application


def submit_application(user, application: Application) -> None:
    """揭榜: within the window, with the commitment signed, by an eligible unit that has no other
    application lodged (the unique index decides a race between two of its researchers)."""
    challenge = application.challenge
    require(may_apply(user) and application.applicant_id == user.id)
    if application.status is not A.DRAFT:
        raise TransitionError(_("This application has already been submitted or withdrawn."))
    now = clock.now()
    if not window_open(challenge, now):
        if challenge.status is S.PUBLISHED and challenge.opens_at and now < challenge.opens_at:
            raise TransitionError(_("Applications open at the start of the window."))
        raise TransitionError(_("The application window is closed: nothing can be submitted after the deadline."))
    missing = [
        label
        for label, value in (
            (_("team"), application.team),
            (_("technical plan"), application.plan),
            (_("schedule"), application.schedule),
        )
        if not value
    ]
    if application.budget is None:
        missing.append(_("budget"))
    if missing:
        raise _error("plan", _("Complete the application first: %(missing)s.", missing=join_list(missing)))
    if not application.commitment_signed:
        raise _error("commitment_signed", _("Sign the commitment (承诺书) before submitting."))
    allowed = challenge.eligibility_mask
    if not allowed & Eligibility.for_unit(application.lead_kind).bit:
        raise _error(
            "lead_kind", _("This challenge does not accept %(kind)s as lead units.", kind=application.lead_kind.label)
        )
    if application.members and not allowed & Eligibility.CONSORTIUM.bit:
        raise _error("members", _("This challenge does not accept consortia: apply without member units."))
    if _unit_taken(application):
        raise _error(
            "lead_unit",
            _(
                "%(unit)s already has an application to this challenge: one application per unit.",
                unit=application.lead_unit,
            ),
        )
    try:
        with db.session.begin_nested():
            application.status = A.SUBMITTED
            application.submitted_at = now
            db.session.flush()
    except IntegrityError:
        application.status, application.submitted_at = A.DRAFT, None
        raise _error(
            "lead_unit",
            _(
                "%(unit)s already has an application to this challenge: one application per unit.",
                unit=application.lead_unit,
            ),
        ) from None
    record("challenge_application.submit", application, user, after={"lead_unit": application.lead_unit})
    notices.send([user], "challenge.application_submitted", challenge)


def _unit_taken(application: Application) -> bool:
    return bool(
        db.session.scalar(
            sa.select(sa.func.count(Application.id)).where(
                Application.challenge_id == application.challenge_id,
                Application.unit_key == application.unit_key,
                Application.status.in_([A(s) for s in LODGED]),
                Application.id != application.id,
            )
        )
    )


def withdraw_application(user, application: Application) -> None:
    """A draft or a submitted application can be withdrawn until the deadline."""
    require(user is not None and user.is_authenticated and application.applicant_id == user.id)
    if application.status not in (A.DRAFT, A.SUBMITTED):
        raise TransitionError(_("This application can no longer be withdrawn."))
    if not before_deadline(application.challenge):
        raise TransitionError(_("The deadline has passed: applications can no longer be withdrawn."))
    before = application.status
    application.status = A.WITHDRAWN
    application.withdrawn_at = clock.now()
    db.session.flush()
    record(
        "challenge_application.withdraw",
        application,
        user,
        before={"status": before},
        after={"status": application.status},
    )
    if before is A.SUBMITTED:
        notices.send([user], "challenge.application_withdrawn", application.challenge)


def check_application(user, application: Application, eligible: bool, reason: str | None = None) -> None:
    """The formal check: an admin marks a lodged application eligible, or ineligible with a reason
    (a decision can be changed until the check is finished)."""
    require(is_admin(user))
    challenge = application.challenge
    if challenge.status is not S.FORMAL_CHECK:
        raise TransitionError(_("Applications are checked only during the formal check."))
    if application.status not in (A.SUBMITTED, A.ELIGIBLE, A.INELIGIBLE):
        raise TransitionError(_("Only a submitted application can be checked."))
    reason = clean_text(reason, REASON_MAX)
    if not eligible and not reason:
        raise _error("reason", _("Give the reason the application fails the formal check: the applicant sees it."))
    before = application.status
    application.status = A.ELIGIBLE if eligible else A.INELIGIBLE
    application.ineligible_reason = None if eligible else reason
    application.checked_at = clock.now()
    db.session.flush()
    record(
        f"challenge_application.{'eligible' if eligible else 'ineligible'}",
        application,
        user,
        before={"status": before},
        after={"status": application.status, "reason": reason or None},
    )
    if eligible:
        notices.send([application.applicant], "challenge.application_eligible", challenge, actor=user)
    else:
        notices.send([application.applicant], "challenge.application_ineligible", challenge, actor=user, reason=reason)


def finish_formal_check(user, challenge: Challenge) -> None:
    """Once every submitted application is marked: on to the expert review, or 流榜 if none is eligible."""
    lifecycle.check(challenge, "start_review", user)
    waiting = _count(challenge, A.SUBMITTED)
    if waiting:
        raise TransitionError(_("%(count)s applications still wait for the formal check.", count=waiting))
    if _count(challenge, A.ELIGIBLE):
        lifecycle.apply(challenge, "start_review", user)
    else:
        lifecycle.apply(challenge, "fail_check", user, failure=Failure.NONE_ELIGIBLE)

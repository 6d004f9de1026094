"""Applications (揭榜): a research team's draft, its submission within the window and its withdrawal,
and the formal check the administrators make once the window has closed.

Every service checks permission, state and time, changes state, writes the audit event and
notifies, and only flushes: the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from webapp.challenges import lifecycle, notices
from webapp.challenges.errors import ChallengeError, ChallengeInvalid, TransitionError, invalid
from webapp.challenges.inputs import REASON_MAX, TEXT_MAX, TITLE_MAX, clean_text
from webapp.challenges.lifecycle import record
from webapp.challenges.models import (
    LODGED,
    MAX_BOUNTY,
    Application,
    ApplicationStatus,
    Challenge,
    Eligibility,
    Failure,
    UnitKind,
    unit_key,
)
from webapp.challenges.models import ChallengeStatus as S
from webapp.challenges.permissions import is_admin, is_owner, signed_in
from webapp.challenges.posting import before_deadline, count_applications, window_open
from webapp.core import clock
from webapp.core.formatting import join_list
from webapp.core.permissions import require
from webapp.extensions import db

A = ApplicationStatus
MEMBERS_MAX = 10


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

    return signed_in(user) and user.role in (Role.RESEARCHER, Role.ENTERPRISE)


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


def can_edit_application(user, application: Application) -> bool:
    """The applicant's draft, until the deadline."""
    return (
        signed_in(user)
        and application.applicant_id == user.id
        and application.status is A.DRAFT
        and before_deadline(application.challenge)
    )


def can_withdraw_application(user, application: Application) -> bool:
    """The applicant's draft or submitted application, until the deadline."""
    return (
        signed_in(user)
        and application.applicant_id == user.id
        and application.status in (A.DRAFT, A.SUBMITTED)
        and before_deadline(application.challenge)
    )


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
        raise invalid("plan", _("Complete the application first: %(missing)s.", missing=join_list(missing)))
    if not application.commitment_signed:
        raise invalid("commitment_signed", _("Sign the commitment (承诺书) before submitting."))
    allowed = challenge.eligibility_mask
    if not allowed & Eligibility.for_unit(application.lead_kind).bit:
        raise invalid(
            "lead_kind", _("This challenge does not accept %(kind)s as lead units.", kind=application.lead_kind.label)
        )
    if application.members and not allowed & Eligibility.CONSORTIUM.bit:
        raise invalid("members", _("This challenge does not accept consortia: apply without member units."))
    if _unit_taken(application):
        raise invalid(
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
        raise invalid(
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
        raise invalid("reason", _("Give the reason the application fails the formal check: the applicant sees it."))
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
    waiting = count_applications(challenge, A.SUBMITTED)
    if waiting:
        raise TransitionError(_("%(count)s applications still wait for the formal check.", count=waiting))
    if count_applications(challenge, A.ELIGIBLE):
        lifecycle.apply(challenge, "start_review", user)
    else:
        lifecycle.apply(challenge, "fail_check", user, failure=Failure.NONE_ELIGIBLE)


# ---------------------------------------------------------------- lists


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

"""/api/v1: applications (揭榜) to challenges, as the applicant may on the pages — saved as a draft,
changed, submitted within the window and withdrawn until the deadline through the same services
(webapp.challenges.applications); read by those webapp.challenges.permissions lets see them (the
applicant; once lodged, the enterprise and admins; cleared experts), 404 for anyone else. Files
are attached on the application's page, not through the API."""

from __future__ import annotations

from flask import url_for

from webapp.api.auth import api_user
from webapp.api.challenge_schemas import ApplicationIn, ApplicationOut, ApplicationPage
from webapp.api.challenges import bp, money, signed_in_user, visible_challenge
from webapp.api.common import get_visible, newest_first, write
from webapp.api.schemas import MineQuery
from webapp.challenges import applications, files
from webapp.challenges.applications import ApplicationInput, MemberInput
from webapp.challenges.errors import ChallengeInvalid
from webapp.challenges.models import Application, AttachmentKind
from webapp.challenges.permissions import can_view_application, is_owner
from webapp.core.money import MoneyError, parse_wan
from webapp.core.permissions import require


def application_data(application: Application, user) -> dict:
    """What the application's page shows: what the applicant wrote, the names of its files."""
    challenge = application.challenge
    return {
        "id": application.id,
        "url": url_for("challenge_work.application", application_id=application.id, _external=True),
        "challenge": {
            "id": challenge.id,
            "title": challenge.title,
            "url": url_for("challenges.detail", challenge_id=challenge.id, _external=True),
            "status": challenge.status.value,
            "closes_at": challenge.closes_at,
        },
        "applicant": application.applicant.name if application.applicant is not None else None,
        "status": application.status.value,
        "status_label": application.status.label,
        "lead_unit": application.lead_unit,
        "lead_kind": application.lead_kind.value,
        "members": [{"name": m["name"], "kind": m["kind"]} for m in application.members or []],
        "team": application.team,
        "plan": application.plan,
        "budget": money(application.budget),
        "schedule": application.schedule,
        "commitment_signed": application.commitment_signed,
        "commitment_signed_at": application.commitment_signed_at,
        "submitted_at": application.submitted_at,
        "withdrawn_at": application.withdrawn_at,
        "ineligible_reason": application.ineligible_reason,
        "files": [
            {"filename": f.filename, "size": f.size} for f in files.files_of(AttachmentKind.APPLICATION, application.id)
        ],
        "can_edit": applications.can_edit_application(user, application),
        "can_withdraw": applications.can_withdraw_application(user, application),
    }


def visible_application(application_id: int, user) -> Application:
    """The application if `user` may read it; 404 otherwise, so an id never tells it exists."""
    return get_visible(Application, application_id, lambda application: can_view_application(user, application))


def _input(data: dict) -> ApplicationInput:
    """The request as the application form hands it to the service: the budget read from 万元 text."""
    try:
        budget = parse_wan(data["budget"])
    except MoneyError as exc:
        raise ChallengeInvalid({"budget": str(exc)}) from None
    return ApplicationInput(
        lead_unit=data["lead_unit"],
        lead_kind=data["lead_kind"],
        team=data["team"],
        plan=data["plan"],
        budget=budget,
        schedule=data["schedule"],
        members=[MemberInput(m["name"], m["kind"]) for m in data["members"] if m["name"].strip()],
        commitment_signed=data["commitment_signed"],
    )


@bp.get("/applications/mine")
@bp.arguments(MineQuery, location="query", as_kwargs=False)
@bp.response(200, ApplicationPage)
@bp.alt_response(401, response="UNAUTHORIZED")
def my_applications(args):
    """The caller's applications in every state, newest first."""
    user = signed_in_user()
    return newest_first(applications.applications_of(user), Application, args, lambda a: application_data(a, user))


@bp.get("/applications/<int:application_id>")
@bp.response(200, ApplicationOut)
@bp.alt_response(401, response="UNAUTHORIZED")
@bp.alt_response(404, response="NOT_FOUND")
def application(application_id: int):
    """One application, for those who may read it on its page: the applicant; once submitted the
    enterprise and admins; experts who declared no conflict once it passed the formal check."""
    user = signed_in_user()
    return application_data(visible_application(application_id, user), user)


@bp.post("/challenges/<int:challenge_id>/applications")
@write
@bp.arguments(ApplicationIn)
@bp.response(201, ApplicationOut)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def create_application(data, challenge_id: int):
    """Save a draft application (揭榜申请) to a challenge until its deadline (researchers and
    enterprises other than the one that posted it; one application per person). Submitting it is
    a separate step. Files are not sent through the API: attach them on the application's page
    (`url`)."""
    user = api_user()
    challenge = visible_challenge(challenge_id, user)
    require(applications.may_apply(user) and not is_owner(challenge, user))
    application = applications.save_application(user, challenge, _input(data))
    location = url_for("api_challenges.application", application_id=application.id, _external=True)
    return application_data(application, user), 201, {"Location": location}


@bp.put("/applications/<int:application_id>")
@write
@bp.arguments(ApplicationIn)
@bp.response(200, ApplicationOut)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def replace_application(data, application_id: int):
    """Replace a draft application as a whole (its applicant, until the deadline); a submitted or
    withdrawn one answers 409. Files are not sent through the API: attach them on the application's
    page (`url`)."""
    user = api_user()
    application = visible_application(application_id, user)
    require(applications.may_apply(user) and application.applicant_id == user.id)
    applications.save_application(user, application.challenge, _input(data), application)
    return application_data(application, user)


@bp.post("/applications/<int:application_id>/submit")
@write
@bp.response(200, ApplicationOut)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def submit_application(application_id: int):
    """Submit a draft (揭榜) while the window is open (its applicant): complete, with the commitment
    signed, by a unit the challenge accepts and that has no other application lodged (422 naming
    the field otherwise). Before the window opens or after the deadline: 409."""
    user = api_user()
    application = visible_application(application_id, user)
    applications.submit_application(user, application)
    return application_data(application, user)


@bp.post("/applications/<int:application_id>/withdraw")
@write
@bp.response(200, ApplicationOut)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def withdraw_application(application_id: int):
    """Withdraw a draft or submitted application until the deadline (its applicant); afterwards,
    or once checked, 409."""
    user = api_user()
    application = visible_application(application_id, user)
    applications.withdraw_application(user, application)
    return application_data(application, user)

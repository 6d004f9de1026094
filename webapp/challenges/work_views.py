"""The pages where people work on a challenge once it is published: researchers apply (揭榜申请)
and follow their applications, experts declare conflicts and score, the enterprise and the winners
confirm the contract, report and decide milestones, and the enterprise passes the final acceptance.
Files are served only to those allowed to see them, as attachments.

Every rule is the services' (webapp.challenges.services / review / delivery / files): the views
only read forms, call them, commit, and show the outcome.
"""

from __future__ import annotations

import io

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.routing import BuildError

from webapp.accounts.models import Role
from webapp.challenges import delivery, files, review, services
from webapp.challenges.lifecycle import ChallengeError, is_admin, is_owner, is_winner
from webapp.challenges.models import (
    Application,
    ApplicationStatus,
    Attachment,
    AttachmentKind,
    Award,
    Challenge,
    Milestone,
    MilestoneStatus,
    Review,
    UnitKind,
)
from webapp.challenges.models import ChallengeStatus as S
from webapp.challenges.next_step import next_step
from webapp.challenges.services import ApplicationInput, ChallengeInvalid, MemberInput
from webapp.challenges.work_forms import (
    COMMITMENT_TEXT,
    AcceptanceForm,
    ApplicationForm,
    ConfirmForm,
    ContractForm,
    DecisionForm,
    DeclarationForm,
    RegistrationForm,
    ReportForm,
    WithdrawForm,
    criterion_fields,
    score_form,
)
from webapp.core.money import parse_wan
from webapp.core.permissions import require, roles_required
from webapp.extensions import db

bp = Blueprint("challenge_work", __name__, template_folder="templates")

APPLICANTS = (Role.RESEARCHER, Role.ENTERPRISE)
ORG_UNIT_KIND = {"university": UnitKind.UNIVERSITY, "institute": UnitKind.INSTITUTE, "enterprise": UnitKind.ENTERPRISE}


def challenge_url(challenge_id: int) -> str:
    """The challenge page (its own blueprint); the plain path while that blueprint is not there."""
    try:
        return url_for("challenges.detail", challenge_id=challenge_id)
    except BuildError:
        return f"/challenges/{challenge_id}"


@bp.app_context_processor
def _helpers():
    def challenges_waiting() -> int:
        """Submitted challenges awaiting an admin's review (0 for everyone else)."""
        if not (current_user.is_authenticated and current_user.is_admin):
            return 0
        return db.session.scalar(sa.select(sa.func.count()).select_from(services.awaiting_review().subquery())) or 0

    return {
        "challenge_url": challenge_url,
        "challenges_waiting": challenges_waiting,
        "need_challenge": services.current_challenge,
        "challenge_next_step": next_step,
    }


@bp.app_template_filter("file_size")
def file_size(size: int | None) -> str:
    """Bytes as KB or MB for a file list."""
    if not size:
        return ""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def _challenge(challenge_id: int) -> Challenge:
    challenge = db.session.get(Challenge, challenge_id)
    if challenge is None or not services.can_view(challenge, current_user):
        abort(404)
    return challenge


def _application(application_id: int) -> Application:
    return db.session.get(Application, application_id) or abort(404)


def _errors_to_form(form, exc: ChallengeError) -> None:
    """Each field the service named gets its message next to it; the rest is flashed."""
    errors = exc.errors if isinstance(exc, ChallengeInvalid) else {getattr(exc, "field", None) or "": str(exc)}
    for name, message in errors.items():
        field = getattr(form, name or "", None) if name else None
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, message]
        else:
            flash(message, "danger")


def _uploads(field) -> list[tuple[str, bytes]]:
    return [(f.filename or "", f.read()) for f in (field.data or []) if f and getattr(f, "filename", "")]


# --------------------------------------------------------------------------------------------
# Applying


def _application_input(form: ApplicationForm) -> ApplicationInput:
    members = [
        MemberInput(m.form.name.data or "", m.form.kind.data or "")
        for m in form.members
        if (m.form.name.data or "").strip()
    ]
    return ApplicationInput(
        lead_unit=form.lead_unit.data or "",
        lead_kind=form.lead_kind.data or "",
        team=form.team.data,
        plan=form.plan.data,
        budget=parse_wan(form.budget.data),
        schedule=form.schedule.data,
        members=members,
        commitment_signed=bool(form.commitment_signed.data),
    )


def _render_apply(challenge, form, application, status: int = 200):
    attachments = files.files_of(AttachmentKind.APPLICATION, application.id) if application else []
    return render_template(
        "challenges/work_apply.html",
        challenge=challenge,
        form=form,
        application=application,
        attachments=attachments,
        commitment=COMMITMENT_TEXT,
        open_=services.before_deadline(challenge),
        window_open=services.window_open(challenge),
        max_mb=files.max_bytes() // (1024 * 1024),
    ), status


@bp.route("/challenges/<int:challenge_id>/apply", methods=["GET", "POST"])
@roles_required(*APPLICANTS)
def apply(challenge_id: int):
    """Create or edit one's draft application, attach files, sign the commitment and submit."""
    challenge = _challenge(challenge_id)
    require(services.may_apply(current_user) and not is_owner(challenge, current_user))
    application = services.own_application(challenge, current_user)
    if application is not None and application.status is not ApplicationStatus.DRAFT:
        flash(_("Your application has been submitted; here it is."), "info")
        return redirect(url_for("challenge_work.application", application_id=application.id))
    form = ApplicationForm()
    if request.method == "GET":
        if application is not None:
            form.load(application)
        elif current_user.organisation is not None:
            form.lead_unit.data = current_user.organisation.name
            kind = ORG_UNIT_KIND.get(current_user.organisation.kind.value)
            if kind is not None:
                form.lead_kind.data = kind.value
    if not services.before_deadline(challenge):
        if request.method == "POST":
            flash(
                _("The application window is closed: nothing can be saved or submitted after the deadline."), "danger"
            )
        return _render_apply(challenge, form, application)
    if not form.validate_on_submit():
        return _render_apply(challenge, form, application)
    uploads = _uploads(form.files)
    try:
        for name, data in uploads:  # every file is checked before anything is saved
            files.check(name, data)
        application = services.save_application(current_user, challenge, _application_input(form), application)
        for name, data in uploads:
            files.add_application_file(current_user, application, name, data)
    except ChallengeError as exc:
        db.session.rollback()
        _errors_to_form(form, exc)
        if uploads:
            form.files.errors = [*form.files.errors, _("Choose the files again: nothing was saved.")]
        application = services.own_application(challenge, current_user)
        return _render_apply(challenge, form, application)
    db.session.commit()
    if not form.submit_application.data:
        flash(_("Draft saved. You can come back and change it until the deadline."), "success")
        return redirect(url_for("challenge_work.apply", challenge_id=challenge.id))
    try:
        services.submit_application(current_user, application)
    except ChallengeError as exc:
        db.session.rollback()
        application = db.session.get(Application, application.id)
        _errors_to_form(form, exc)
        flash(_("Your draft is saved, but it was not submitted."), "warning")
        return _render_apply(challenge, form, application)
    db.session.commit()
    flash(_("Application submitted. You can withdraw it until the deadline."), "success")
    return redirect(url_for("challenge_work.application", application_id=application.id))


@bp.route("/applications/<int:application_id>")
@login_required
def application(application_id: int):
    """The application as its readers may see it: the applicant, the enterprise, admins, cleared experts."""
    application = _application(application_id)
    require(services.can_view_application(current_user, application))
    challenge = application.challenge
    mine = application.applicant_id == current_user.id
    can_withdraw = (
        mine
        and application.status in (ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED)
        and services.before_deadline(challenge)
    )
    return render_template(
        "challenges/work_application.html",
        application=application,
        challenge=challenge,
        mine=mine,
        attachments=files.files_of(AttachmentKind.APPLICATION, application.id),
        can_withdraw=can_withdraw,
        can_edit=mine and application.status is ApplicationStatus.DRAFT and services.before_deadline(challenge),
        can_apply_again=mine
        and application.status is ApplicationStatus.WITHDRAWN
        and services.can_apply(challenge, current_user),
        withdraw_form=WithdrawForm(),
        remove_form=WithdrawForm(),
    )


@bp.route("/applications/<int:application_id>/withdraw", methods=["POST"])
@login_required
def withdraw(application_id: int):
    application = _application(application_id)
    require(application.applicant_id == current_user.id)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            services.withdraw_application(current_user, application)
        except ChallengeError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            db.session.commit()
            flash(_("Your application is withdrawn."), "success")
    return redirect(url_for("challenge_work.application", application_id=application.id))


@bp.route("/applications/mine")
@login_required
def mine():
    applications = db.session.scalars(services.applications_of(current_user)).all()
    return render_template("challenges/work_mine.html", applications=applications)


# --------------------------------------------------------------------------------------------
# Files


@bp.route("/files/<int:attachment_id>")
@login_required
def download(attachment_id: int):
    """The file as an attachment, with the type sniffed at upload and no sniffing by the browser."""
    attachment = db.session.get(Attachment, attachment_id) or abort(404)
    require(files.can_download(current_user, attachment))
    response = send_file(
        io.BytesIO(attachment.data),
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.filename,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/files/<int:attachment_id>/delete", methods=["POST"])
@login_required
def remove_file(attachment_id: int):
    """A draft application's file, removed by its applicant."""
    attachment = db.session.get(Attachment, attachment_id) or abort(404)
    owner = (
        db.session.get(Application, attachment.owner_id)
        if attachment.owner_kind is AttachmentKind.APPLICATION
        else None
    )
    require(owner is not None and owner.applicant_id == current_user.id)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            files.remove_file(current_user, attachment)
        except ChallengeError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            db.session.commit()
            flash(_("File removed."), "success")
    return redirect(url_for("challenge_work.apply", challenge_id=owner.challenge_id))


# --------------------------------------------------------------------------------------------
# Experts


@bp.route("/expert/challenges")
@roles_required(Role.EXPERT)
def expert_home():
    """The expert's challenges, each with its applications and what is left to do."""
    challenges = db.session.scalars(review.assigned_to(current_user)).all()
    panels = [(c, review.assigned_applications(current_user, c)) for c in challenges]
    return render_template("challenges/work_expert_home.html", panels=panels)


@bp.route("/expert/applications/<int:application_id>", methods=["GET", "POST"], endpoint="review")
@roles_required(Role.EXPERT)
def review_application(application_id: int):
    """Declare interests first; only then, if there is no conflict, the application and the scores."""
    application = _application(application_id)
    challenge = application.challenge
    assignment = review.assignment_of(current_user, challenge)
    require(assignment is not None)
    if not application.lodged:
        abort(404)
    declared = review.declaration(assignment, application)
    declaration_form = DeclarationForm(prefix="d")
    if declared is None:
        if declaration_form.declare.data and declaration_form.validate_on_submit():
            try:
                review.declare_conflict(
                    current_user, application, declaration_form.has_conflict.data == "yes", declaration_form.note.data
                )
            except ChallengeError as exc:
                db.session.rollback()
                declaration_form.note.errors = [*declaration_form.note.errors, str(exc)]
            else:
                db.session.commit()
                flash(_("Declaration recorded."), "success")
                return redirect(url_for("challenge_work.review", application_id=application.id))
        return render_template(
            "challenges/work_declare.html", application=application, challenge=challenge, form=declaration_form
        )
    if declared.has_conflict:
        return render_template(
            "challenges/work_declare.html", application=application, challenge=challenge, form=None, declared=declared
        )
    if not services.can_view_application(current_user, application):
        # Cleared, but the application is shown to experts only once it passes the formal check.
        return render_template(
            "challenges/work_declare.html",
            application=application,
            challenge=challenge,
            form=None,
            declared=declared,
            waiting=True,
        )
    existing = db.session.scalar(
        sa.select(Review).where(Review.application_id == application.id, Review.expert_id == current_user.id)
    )
    can_score = (
        challenge.status is S.REVIEW
        and application.status is ApplicationStatus.ELIGIBLE
        and (existing is None or existing.awaiting_revision)
    )
    form = score_form(challenge, existing, prefix="s") if can_score else None
    if form is not None and form.score.data and form.validate_on_submit():
        scores = {c.id: field.data for c, field in criterion_fields(form, challenge)}
        try:
            review.score(current_user, application, scores, form.comment.data)
        except ChallengeError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            db.session.commit()
            flash(_("Your scores are submitted."), "success")
            return redirect(url_for("challenge_work.expert_home"))
    return render_template(
        "challenges/work_review.html",
        application=application,
        challenge=challenge,
        form=form,
        review=existing,
        fields=criterion_fields(form, challenge) if form is not None else [],
        attachments=files.files_of(AttachmentKind.APPLICATION, application.id),
        criteria={str(c.id): c for c in challenge.criteria},
    )


# --------------------------------------------------------------------------------------------
# Contract, milestones, acceptance


def _awards(challenge: Challenge) -> list[Award]:
    return list(db.session.scalars(sa.select(Award).where(Award.challenge_id == challenge.id).order_by(Award.slot)))


@bp.route("/challenges/<int:challenge_id>/contract", methods=["GET", "POST"])
@login_required
def contract(challenge_id: int):
    """The enterprise enters and confirms the terms; every winner confirms them; both → contracted.
    Administrators see the terms and the confirmations."""
    challenge = _challenge(challenge_id)
    owner, winner = is_owner(challenge, current_user), is_winner(challenge, current_user)
    require(owner or winner or is_admin(current_user))  # admins read the terms
    contract = challenge.contract
    form = ContractForm(prefix="c") if owner else None
    confirm_form = ConfirmForm(prefix="w") if winner else None
    registration_form = RegistrationForm(prefix="r") if owner else None
    if request.method == "GET" and form is not None and contract is not None:
        form.load(contract)
    if (
        request.method == "POST"
        and challenge.status is not S.AWARDED
        and registration_form is not None
        and registration_form.record.data
    ):
        if registration_form.validate_on_submit():
            try:
                delivery.set_registration_number(current_user, challenge, registration_form.registration_number.data)
            except ChallengeError as exc:
                db.session.rollback()
                _errors_to_form(registration_form, exc)
            else:
                db.session.commit()
                flash(_("Registration number recorded."), "success")
                return redirect(url_for("challenge_work.contract", challenge_id=challenge.id))
    elif request.method == "POST" and owner and form.confirm.data and form.validate_on_submit():
        terms = delivery.ContractInput(
            value=parse_wan(form.value.data) or 0,
            signed_on=form.signed_on.data,
            starts_on=form.starts_on.data,
            ends_on=form.ends_on.data,
            registration_number=form.registration_number.data,
        )
        try:
            delivery.confirm_contract(current_user, challenge, terms)
        except ChallengeError as exc:
            db.session.rollback()
            _errors_to_form(form, exc)
        else:
            db.session.commit()
            flash(
                _("Contract terms confirmed.")
                if challenge.status is not S.CONTRACTED
                else _("Both parties have confirmed: the contract is signed."),
                "success",
            )
            return redirect(url_for("challenge_work.contract", challenge_id=challenge.id))
    elif request.method == "POST" and winner and confirm_form.confirm_terms.data and confirm_form.validate_on_submit():
        try:
            delivery.confirm_contract(current_user, challenge)
        except ChallengeError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            db.session.commit()
            flash(
                _("You confirmed the contract terms.")
                if challenge.status is not S.CONTRACTED
                else _("Both parties have confirmed: the contract is signed."),
                "success",
            )
            return redirect(url_for("challenge_work.contract", challenge_id=challenge.id))
    contract = challenge.contract
    awards = _awards(challenge)
    my_award = next((a for a in awards if a.application.applicant_id == current_user.id), None)
    return render_template(
        "challenges/work_contract.html",
        challenge=challenge,
        contract=contract,
        awards=awards,
        owner=owner,
        winner=winner,
        my_award=my_award,
        form=form,
        confirm_form=confirm_form,
        registration_form=registration_form,
        editable=challenge.status is S.AWARDED,
    )


def _milestone(milestone_id: int) -> Milestone:
    milestone = db.session.get(Milestone, milestone_id) or abort(404)
    return milestone


def _render_milestones(challenge, report_form=None, decision_form=None, acceptance_form=None, status=200):
    owner, winner = is_owner(challenge, current_user), is_winner(challenge, current_user)
    current = delivery.current_milestone(challenge)
    can_report = (
        winner
        and challenge.status in delivery.DELIVERY
        and current is not None
        and current.status in (MilestoneStatus.PENDING, MilestoneStatus.RETURNED)
    )
    can_decide = (
        owner
        and challenge.status is S.IN_PROGRESS
        and current is not None
        and current.status is MilestoneStatus.REPORTED
    )
    can_accept = owner and challenge.status is S.ACCEPTANCE
    return render_template(
        "challenges/work_milestones.html",
        challenge=challenge,
        current=current,
        owner=owner,
        winner=winner,
        evidence={m.id: delivery.evidence(m) for m in challenge.milestones},
        payments=delivery.payments(challenge),
        report_form=report_form or (ReportForm(prefix="m") if can_report else None),
        decision_form=decision_form or (DecisionForm(prefix="d") if can_decide else None),
        acceptance_form=acceptance_form or (AcceptanceForm(prefix="a") if can_accept else None),
        winners=[a.application for a in _awards(challenge)],
        max_mb=files.max_bytes() // (1024 * 1024),
    ), status


@bp.route("/challenges/<int:challenge_id>/milestones")
@login_required
def milestones(challenge_id: int):
    challenge = _challenge(challenge_id)
    require(is_owner(challenge, current_user) or is_winner(challenge, current_user) or is_admin(current_user))
    return _render_milestones(challenge)


@bp.route("/milestones/<int:milestone_id>/report", methods=["POST"])
@login_required
def report(milestone_id: int):
    """A winner reports the current milestone with evidence files."""
    milestone = _milestone(milestone_id)
    challenge = milestone.challenge
    require(is_winner(challenge, current_user))
    form = ReportForm(prefix="m")
    if not form.validate_on_submit():
        return _render_milestones(challenge, report_form=form)
    try:
        delivery.report_milestone(current_user, milestone, form.report.data, _uploads(form.files))
    except ChallengeError as exc:
        db.session.rollback()
        _errors_to_form(form, exc)
        return _render_milestones(challenge, report_form=form)
    db.session.commit()
    flash(_("Milestone reported: the enterprise has been told."), "success")
    return redirect(url_for("challenge_work.milestones", challenge_id=challenge.id))


@bp.route("/milestones/<int:milestone_id>/decision", methods=["POST"])
@login_required
def decide_milestone(milestone_id: int):
    """The enterprise approves a reported milestone (its payment falls due) or sends it back."""
    milestone = _milestone(milestone_id)
    challenge = milestone.challenge
    require(is_owner(challenge, current_user))
    form = DecisionForm(prefix="d")
    if not form.validate_on_submit():
        return _render_milestones(challenge, decision_form=form)
    try:
        if form.decision.data == "approve":
            delivery.approve_milestone(current_user, milestone)
        else:
            delivery.return_milestone(current_user, milestone, form.note.data)
    except ChallengeError as exc:
        db.session.rollback()
        _errors_to_form(form, exc)
        return _render_milestones(challenge, decision_form=form)
    db.session.commit()
    if form.decision.data == "approve":
        flash(
            _("Milestone approved: %(amount)s is now due to the team.", amount=_wan(milestone.payment_due)), "success"
        )
    else:
        flash(_("Milestone sent back to the team."), "success")
    return redirect(url_for("challenge_work.milestones", challenge_id=challenge.id))


def _wan(yuan) -> str:
    from webapp.core.money import format_money as format_wan

    return format_wan(yuan)


@bp.route("/challenges/<int:challenge_id>/acceptance", methods=["POST"])
@login_required
def accept(challenge_id: int):
    """验收: the enterprise closes the challenge with the experts' opinion."""
    challenge = _challenge(challenge_id)
    require(is_owner(challenge, current_user))
    form = AcceptanceForm(prefix="a")
    if not form.validate_on_submit():
        return _render_milestones(challenge, acceptance_form=form)
    try:
        delivery.final_acceptance(current_user, challenge, form.opinion.data)
    except ChallengeError as exc:
        db.session.rollback()
        _errors_to_form(form, exc)
        return _render_milestones(challenge, acceptance_form=form)
    db.session.commit()
    flash(_("Final acceptance passed: the challenge is completed."), "success")
    return redirect(challenge_url(challenge.id))

"""The applicant's pages: apply (揭榜申请) with files and the commitment, follow and withdraw one's
applications; and the files of applications and milestone reports, served as attachments to those
allowed to see them."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from webapp.accounts.models import Role
from webapp.challenges import applications, files
from webapp.challenges.applications import ApplicationInput, MemberInput
from webapp.challenges.errors import ChallengeError
from webapp.challenges.models import (
    Application,
    ApplicationStatus,
    Attachment,
    AttachmentKind,
    UnitKind,
)
from webapp.challenges.pages import (
    application_or_404,
    errors_to_form,
    read_uploads,
    visible_challenge,
)
from webapp.challenges.permissions import (
    can_download,
    can_view_application,
    is_owner,
)
from webapp.challenges.posting import before_deadline, window_open
from webapp.challenges.work_forms import (
    COMMITMENT_TEXT,
    ApplicationForm,
    WithdrawForm,
)
from webapp.core import stored_files
from webapp.core.money import parse_wan
from webapp.core.permissions import require, roles_required
from webapp.extensions import db

APPLICANTS = (Role.RESEARCHER, Role.ENTERPRISE)
ORG_UNIT_KIND = {"university": UnitKind.UNIVERSITY, "institute": UnitKind.INSTITUTE, "enterprise": UnitKind.ENTERPRISE}


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
        open_=before_deadline(challenge),
        window_open=window_open(challenge),
        max_mb=files.max_bytes() // (1024 * 1024),
    ), status


@roles_required(*APPLICANTS)
def apply(challenge_id: int):
    """Create or edit one's draft application, attach files, sign the commitment and submit."""
    challenge = visible_challenge(challenge_id)
    require(applications.may_apply(current_user) and not is_owner(challenge, current_user))
    application = applications.own_application(challenge, current_user)
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
    if not before_deadline(challenge):
        if request.method == "POST":
            flash(
                _("The application window is closed: nothing can be saved or submitted after the deadline."), "danger"
            )
        return _render_apply(challenge, form, application)
    if not form.validate_on_submit():
        return _render_apply(challenge, form, application)
    uploads = read_uploads(form.files)
    try:
        for name, data in uploads:  # every file is checked before anything is saved
            files.check(name, data)
        application = applications.save_application(current_user, challenge, _application_input(form), application)
        for name, data in uploads:
            files.add_application_file(current_user, application, name, data)
    except ChallengeError as exc:
        db.session.rollback()
        errors_to_form(form, exc)
        if uploads:
            form.files.errors = [*form.files.errors, _("Choose the files again: nothing was saved.")]
        application = applications.own_application(challenge, current_user)
        return _render_apply(challenge, form, application)
    db.session.commit()
    if not form.submit_application.data:
        flash(_("Draft saved. You can come back and change it until the deadline."), "success")
        return redirect(url_for("challenge_work.apply", challenge_id=challenge.id))
    try:
        applications.submit_application(current_user, application)
    except ChallengeError as exc:
        db.session.rollback()
        application = db.session.get(Application, application.id)
        errors_to_form(form, exc)
        flash(_("Your draft is saved, but it was not submitted."), "warning")
        return _render_apply(challenge, form, application)
    db.session.commit()
    flash(_("Application submitted. You can withdraw it until the deadline."), "success")
    return redirect(url_for("challenge_work.application", application_id=application.id))


@login_required
def application(application_id: int):
    """The application as its readers may see it: the applicant, the enterprise, admins, cleared experts."""
    application = application_or_404(application_id)
    require(can_view_application(current_user, application))
    challenge = application.challenge
    mine = application.applicant_id == current_user.id
    return render_template(
        "challenges/work_application.html",
        application=application,
        challenge=challenge,
        mine=mine,
        attachments=files.files_of(AttachmentKind.APPLICATION, application.id),
        can_withdraw=applications.can_withdraw_application(current_user, application),
        can_edit=applications.can_edit_application(current_user, application),
        can_apply_again=mine
        and application.status is ApplicationStatus.WITHDRAWN
        and applications.can_apply(challenge, current_user),
        withdraw_form=WithdrawForm(),
        remove_form=WithdrawForm(),
    )


@login_required
def withdraw(application_id: int):
    application = application_or_404(application_id)
    require(application.applicant_id == current_user.id)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            applications.withdraw_application(current_user, application)
        except ChallengeError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            db.session.commit()
            flash(_("Your application is withdrawn."), "success")
    return redirect(url_for("challenge_work.application", application_id=application.id))


@login_required
def mine():
    rows = db.session.scalars(applications.applications_of(current_user)).all()
    return render_template("challenges/work_mine.html", applications=rows)


@login_required
def download(attachment_id: int):
    """The file as an attachment, with the type sniffed at upload and no sniffing by the browser."""
    attachment = db.session.get(Attachment, attachment_id) or abort(404)
    require(can_download(current_user, attachment))
    return stored_files.download(attachment)


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

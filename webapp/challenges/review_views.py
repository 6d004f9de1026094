"""The expert's pages: the challenges on their panel, then for each application the declaration of
interests and, once cleared, the application and its scores."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.accounts.models import Role
from webapp.challenges import files, review
from webapp.challenges.errors import ChallengeError
from webapp.challenges.models import (
    ApplicationStatus,
    AttachmentKind,
    Review,
)
from webapp.challenges.models import ChallengeStatus as S
from webapp.challenges.pages import (
    application_or_404,
)
from webapp.challenges.permissions import (
    assignment_of,
    can_view_application,
    declaration,
)
from webapp.challenges.work_forms import (
    DeclarationForm,
    criterion_fields,
    score_form,
)
from webapp.core.permissions import require, roles_required
from webapp.extensions import db


@roles_required(Role.EXPERT)
def expert_home():
    """The expert's challenges, each with its applications and what is left to do."""
    challenges = db.session.scalars(review.assigned_to(current_user)).all()
    panels = [(c, review.assigned_applications(current_user, c)) for c in challenges]
    return render_template("challenges/work_expert_home.html", panels=panels)


@roles_required(Role.EXPERT)
def review_application(application_id: int):
    """Declare interests first; only then, if there is no conflict, the application and the scores."""
    application = application_or_404(application_id)
    challenge = application.challenge
    assignment = assignment_of(current_user, challenge)
    require(assignment is not None)
    if not application.lodged:
        abort(404)
    declared = declaration(assignment, application)
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
    if not can_view_application(current_user, application):
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

"""The administrators' challenge pages: the queue stage by stage, the formal check, the expert
panel, the ranking with revisions and the proposal of the winners, objections and the award."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from webapp.accounts.models import Role, User
from webapp.challenges import award as awarding
from webapp.challenges import lifecycle, participants, posting, review
from webapp.challenges.applications import check_application, lodged_applications
from webapp.challenges.errors import ChallengeError
from webapp.challenges.forms import (
    ActForm,
    CheckForm,
    ExpertForm,
    RankingForm,
    ResolveForm,
)
from webapp.challenges.models import (
    Application,
    Challenge,
    ChallengeStatus,
    ExpertAssignment,
    Objection,
    ObjectionStatus,
    Review,
)
from webapp.challenges.pages import challenge_or_404, to_detail
from webapp.core import clock
from webapp.core.permissions import roles_required
from webapp.extensions import db

S = ChallengeStatus


@roles_required(Role.ADMIN)
def admin_queue():
    """What waits for the administrators, stage by stage."""

    def in_state(status: S, order):
        return list(
            db.session.scalars(sa.select(Challenge).where(Challenge.status == status).order_by(order, Challenge.id))
        )

    with_objections = list(
        db.session.scalars(
            sa.select(Challenge)
            .where(Challenge.id.in_(sa.select(Objection.challenge_id).where(Objection.status == ObjectionStatus.OPEN)))
            .order_by(Challenge.id)
        )
    )
    groups = [
        ("submitted", _("Submitted for review"), list(db.session.scalars(posting.awaiting_review()))),
        ("formal_check", _("Formal check"), in_state(S.FORMAL_CHECK, Challenge.closed_at)),
        ("review", _("Expert review"), in_state(S.REVIEW, Challenge.review_started_at)),
        ("notice", _("Public notice"), in_state(S.NOTICE, Challenge.notice_ends_at)),
        ("objections", _("Objections open"), with_objections),
    ]
    return render_template(
        "challenges/admin_queue.html", groups=groups, now=clock.now(), open_objections=awarding.open_objections
    )


@roles_required(Role.ADMIN)
def check(challenge_id: int):
    """The formal check: each lodged application eligible, or not with a reason."""
    challenge = challenge_or_404(challenge_id)
    form = CheckForm()
    if request.method == "POST":
        application = None
        if form.validate_on_submit() and (form.application_id.data or "").isdigit():
            application = db.session.get(Application, int(form.application_id.data))
        if application is None or application.challenge_id != challenge.id:
            flash(_("Choose an application and a decision."), "danger")
            return redirect(url_for("challenges.check", challenge_id=challenge.id))
        if form.decision.data not in ("eligible", "ineligible"):
            flash(_("Choose an application and a decision."), "danger")
            return redirect(url_for("challenges.check", challenge_id=challenge.id, _anchor=f"app-{application.id}"))
        try:
            check_application(current_user, application, form.decision.data == "eligible", form.reason.data)
        except ChallengeError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            db.session.commit()
            flash(_("%(unit)s: %(status)s.", unit=application.lead_unit, status=application.status.label), "success")
        return redirect(url_for("challenges.check", challenge_id=challenge.id, _anchor=f"app-{application.id}"))
    applications = lodged_applications(challenge)
    waiting = sum(1 for a in applications if a.status.value == "submitted")
    return render_template(
        "challenges/check.html",
        challenge=challenge,
        applications=applications,
        waiting=waiting,
        act_form=ActForm(formdata=None),
        can_finish="start_review" in {t.name for t in lifecycle.allowed(challenge, current_user)},
    )


def _experts_available(challenge: Challenge) -> list[User]:
    assigned = sa.select(ExpertAssignment.expert_id).where(ExpertAssignment.challenge_id == challenge.id)
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.role == Role.EXPERT, User.active.is_(True), User.id.not_in(assigned))
            .order_by(User.name, User.id)
        )
    )


@roles_required(Role.ADMIN)
def experts(challenge_id: int):
    """The expert panel: assign or remove experts; automatic exclusions shown per expert."""
    challenge = challenge_or_404(challenge_id)
    available = _experts_available(challenge)
    form = ExpertForm()
    form.expert_id.choices = [SelectChoice(0, _("— choose an expert —"))] + [
        SelectChoice(u.id, f"{u.name}{' · ' + u.organisation.name if u.organisation else ''}") for u in available
    ]
    if request.method == "POST":
        try:
            if not form.validate_on_submit():
                raise ChallengeError(_("Choose an expert."))
            if (form.remove.data or "").isdigit():
                assignment = db.session.get(ExpertAssignment, int(form.remove.data))
                if assignment is None or assignment.challenge_id != challenge.id:
                    abort(404)
                name = assignment.expert.name
                review.unassign_expert(current_user, assignment)
                message = _("%(name)s was removed from the panel.", name=name)
            else:
                expert = db.session.get(User, form.expert_id.data) if form.expert_id.data else None
                if expert is None:
                    raise ChallengeError(_("Choose an expert."))
                assignment = review.assign_expert(current_user, challenge, expert)
                excluded = sum(1 for d in assignment.declarations if d.automatic)
                message = _("%(name)s joined the panel.", name=expert.name)
                if excluded:
                    message += " " + _(
                        "Excluded automatically from %(count)d application(s) of their own organisation.",
                        count=excluded,
                    )
        except ChallengeError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            db.session.commit()
            flash(message, "success")
        return redirect(url_for("challenges.experts", challenge_id=challenge.id))
    applications = {a.id: a for a in lodged_applications(challenge)}
    return render_template(
        "challenges/experts.html",
        challenge=challenge,
        panel=review.panel(challenge),
        applications=applications,
        form=form,
        available=available,
        assigning=challenge.status in review.ASSIGNING,
    )


@roles_required(Role.ADMIN)
def ranking(challenge_id: int):
    """Scores side by side per expert and criterion, the weighted mean and the rank; revisions; the
    proposal of the winners, which starts the public notice."""
    challenge = challenge_or_404(challenge_id)
    form = RankingForm()
    if request.method == "POST":
        try:
            if not form.validate_on_submit():
                raise ChallengeError(_("The form has expired; please try again."))
            if form.action.data == "revision":
                found = (
                    db.session.get(Review, int(form.review_id.data)) if (form.review_id.data or "").isdigit() else None
                )
                if found is None or found.application.challenge_id != challenge.id:
                    raise ChallengeError(_("Choose a review."))
                review.request_revision(current_user, found, form.note.data)
                message = _("The expert is asked to revise the review.")
            elif form.action.data == "propose":
                ids = [int(i) for i in request.form.getlist("winner") if i.isdigit()]
                if not ids:
                    raise ChallengeError(_("Choose the proposed winners."))
                awarding.propose_winners(current_user, challenge, ids)
                message = _("The proposed winners are published for the public notice (公示).")
            else:
                raise ChallengeError(_("Choose a review."))
        except ChallengeError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
            return redirect(url_for("challenges.ranking", challenge_id=challenge.id))
        db.session.commit()
        flash(message, "success")
        if challenge.status is S.NOTICE:
            return to_detail(challenge)
        return redirect(url_for("challenges.ranking", challenge_id=challenge.id))
    rows = review.ranking(challenge)
    return render_template(
        "challenges/ranking.html",
        challenge=challenge,
        rows=rows,
        panel=review.panel(challenge),
        form=RankingForm(formdata=None),
        proposing=challenge.status is S.REVIEW,
        proposed=participants.proposed(challenge),
    )


@roles_required(Role.ADMIN)
def resolve_objection(challenge_id: int, objection_id: int):
    challenge = challenge_or_404(challenge_id)
    found = db.session.get(Objection, objection_id)
    if found is None or found.challenge_id != challenge.id:
        abort(404)
    form = ResolveForm()
    try:
        if not form.validate_on_submit() or form.decision.data not in ("uphold", "dismiss"):
            raise ChallengeError(_("Uphold or dismiss the objection, with the resolution."))
        upheld = form.decision.data == "uphold"
        awarding.resolve_objection(current_user, found, upheld, form.resolution.data)
    except ChallengeError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return to_detail(challenge, f"objection-{found.id}")
    db.session.commit()
    flash(
        _("Objection upheld: the challenge is back in expert review.") if upheld else _("Objection dismissed."),
        "success",
    )
    return to_detail(challenge, "objections")


@roles_required(Role.ADMIN)
def award(challenge_id: int):
    challenge = challenge_or_404(challenge_id)
    if not ActForm().validate_on_submit():
        flash(_("The form has expired; please try again."), "danger")
        return to_detail(challenge)
    try:
        awarding.award(current_user, challenge)
    except ChallengeError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return to_detail(challenge, "actions")
    db.session.commit()
    flash(_("Awarded (挂帅): the winners and the enterprise are told."), "success")
    return to_detail(challenge)

"""Challenge pages: the public board and a challenge's page with its timeline, the enterprise's draft
form and list, the lifecycle steps, and the admins' pages (review queue, formal check, expert panel,
ranking and proposal, objections, award). Applications, scoring, contract and milestones have their
own pages (challenge_work)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from webapp.accounts.models import Role, User
from webapp.challenges import award as awarding
from webapp.challenges import lifecycle, review, services
from webapp.challenges.forms import (
    ActForm,
    BoardFilterForm,
    ChallengeForm,
    CheckForm,
    ExpertForm,
    ObjectionForm,
    RankingForm,
    ResolveForm,
)
from webapp.challenges.lifecycle import ChallengeError, is_admin
from webapp.challenges.models import (
    Application,
    Challenge,
    ChallengeStatus,
    ExpertAssignment,
    Objection,
    ObjectionStatus,
    Review,
)
from webapp.challenges.next_step import next_step
from webapp.challenges.timeline import timeline
from webapp.core import clock
from webapp.core.money import MoneyError, parse_wan, wan_text
from webapp.core.permissions import roles_required
from webapp.extensions import db
from webapp.listings.models import ListingStatus
from webapp.needs.models import Need

bp = Blueprint("challenges", __name__, template_folder="templates")

S = ChallengeStatus
PER_PAGE = 20
# Lifecycle steps taken on this blueprint's pages (the rest: the clock, or challenge_work's pages).
ACTIONS = {"submit", "withdraw", "return", "publish", "start_review", "fail_check", "propose", "terminate"}
CRITERIA_ROWS, MILESTONE_ROWS = 5, 4


def _get(challenge_id: int) -> Challenge:
    challenge = db.session.get(Challenge, challenge_id)
    if challenge is None or not services.can_view(challenge, current_user):
        abort(404)
    return challenge


def _challenge_or_404(challenge_id: int) -> Challenge:
    return db.session.get(Challenge, challenge_id) or abort(404)


def _to_detail(challenge: Challenge, anchor: str | None = None):
    return redirect(url_for("challenges.detail", challenge_id=challenge.id, _anchor=anchor))


# --------------------------------------------------------------------------------------------
# The board and a challenge's page


@bp.route("/challenges/")
def board():
    from webapp.taxonomy.services import choices

    form = BoardFilterForm(choices(), formdata=request.args or None)
    form.validate()
    field_id = request.args.get("field", type=int)
    try:
        status = S(request.args.get("status", "")) if request.args.get("status") else None
    except ValueError:
        status = None
    query = services.board(status=status)
    if field_id is not None:  # a field and the fields under it
        from webapp.taxonomy.models import TechField

        children = sa.select(TechField.id).where(TechField.parent_id == field_id)
        query = query.where(sa.or_(Challenge.field_id == field_id, Challenge.field_id.in_(children)))
    if request.args.get("sort") == "newest":
        query = query.order_by(None).order_by(Challenge.published_at.desc(), Challenge.id.desc())
    page = db.paginate(query, per_page=PER_PAGE, error_out=False)
    args = {k: v for k, v in request.args.items() if k in ("field", "status", "sort") and v}
    return render_template("challenges/board.html", form=form, page=page, args=args, now=clock.now())


@bp.route("/challenges/<int:challenge_id>")
def detail(challenge_id: int):
    challenge = _get(challenge_id)
    user = current_user
    admin, owner = is_admin(user), challenge.is_owned_by(user)
    transitions = {t.name: t for t in lifecycle.allowed(challenge, user)}
    objections = []
    if admin:
        objections = challenge.objections
    elif user.is_authenticated:
        objections = [o for o in challenge.objections if o.filed_by_id == user.id]
    return render_template(
        "challenges/detail.html",
        challenge=challenge,
        now=clock.now(),
        admin=admin,
        owner=owner,
        next_step=next_step(challenge, clock.now(), admin=admin),
        transitions=transitions,
        can_edit=services.can_edit(challenge, user),
        can_apply=services.can_apply(challenge, user),
        own_application=services.own_application(challenge, user),
        window_open=services.window_open(challenge),
        can_object=awarding.can_object(challenge, user) and not admin,  # admins resolve objections
        can_award=awarding.can_award(challenge, user),
        open_objections=awarding.open_objections(challenge),
        objections=objections,
        proposed=awarding.proposed(challenge) if challenge.status is S.NOTICE else [],
        winners=lifecycle.winners(challenge),
        events=timeline(challenge, public=not (admin or owner)),
        full_timeline=admin or owner,
        expert=review.assignment_of(user, challenge) is not None,
        party=admin or owner or lifecycle.is_winner(challenge, user),
        lodged=services.lodged_applications(challenge) if admin or owner else [],
        cofunding_text=wan_text(challenge.cofunding) if challenge.cofunding else "",
        act_form=ActForm(formdata=None),
        objection_form=ObjectionForm(formdata=None),
        resolve_form=ResolveForm(formdata=None),
    )


@bp.route("/challenges/<int:challenge_id>/act/<name>", methods=["POST"])
@roles_required()
def act(challenge_id: int, name: str):
    """One lifecycle step from the challenge's page; the services check who, when and what."""
    if name not in ACTIONS:
        abort(404)
    challenge = _get(challenge_id)
    form = ActForm()
    if not form.validate_on_submit():
        flash(_("The form has expired; please try again."), "danger")
        return _to_detail(challenge)
    user, reason = current_user, form.reason.data
    try:
        if name == "submit":
            services.submit(user, challenge)
            message = _("Submitted: the district's administrators review it before publication.")
        elif name == "withdraw":
            services.withdraw(user, challenge, reason)
            message = _("The challenge is withdrawn.")
        elif name == "return":
            services.return_for_changes(user, challenge, reason)
            message = _("Returned to the enterprise with your reason.")
        elif name == "publish":
            try:
                cofunding = parse_wan(form.cofunding.data)
            except MoneyError as exc:
                raise ChallengeError(str(exc)) from None
            services.publish(user, challenge, cofunding)
            message = _("Published (发榜): the challenge is on the board.")
        elif name in ("start_review", "fail_check"):
            services.finish_formal_check(user, challenge)
            message = (
                _("Formal check finished: the expert review has started.")
                if challenge.status is S.REVIEW
                else _("Formal check finished: no application is eligible (流榜).")
            )
        elif name == "propose":
            awarding.propose_winners(user, challenge)
            message = _("The proposed winners are published for the public notice (公示).")
        else:  # terminate
            services.terminate(user, challenge, reason)
            message = _("The challenge is terminated.")
    except ChallengeError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return _to_detail(challenge, "actions")
    db.session.commit()
    flash(message, "success")
    return _to_detail(challenge)


# --------------------------------------------------------------------------------------------
# The enterprise's draft


def _published_needs(user) -> list[Need]:
    """The enterprise's published needs a challenge can be posted from (none under way already)."""
    under_way = sa.select(Challenge.need_id).where(Challenge.status.not_in(services.REPOSTABLE))
    return list(
        db.session.scalars(
            sa.select(Need)
            .where(Need.owner_id == user.id, Need.status == ListingStatus.PUBLISHED, Need.id.not_in(under_way))
            .order_by(Need.id.desc())
        )
    )


def _render_form(form: ChallengeForm, challenge: Challenge | None, need: Need, status: int = 200):
    criteria_rows = max(CRITERIA_ROWS, len(form.criteria) + 1)
    milestone_rows = max(MILESTONE_ROWS, len(form.milestones) + 1)
    return render_template(
        "challenges/form.html",
        form=form,
        challenge=challenge,
        need=need,
        criteria_rows=min(criteria_rows, services.CRITERIA_MAX),
        milestone_rows=min(milestone_rows, services.MILESTONES_MAX),
        criteria_max=services.CRITERIA_MAX,
        milestones_max=services.MILESTONES_MAX,
    ), status


def _save(form: ChallengeForm, challenge: Challenge | None, need: Need):
    form.read_rows(request.form)
    form.validate_on_submit()
    data, errors = form.to_input()
    submitted, original = False, challenge
    try:
        if errors:
            services.validate(data)  # the service's messages for the other fields too
        else:
            if challenge is None:
                challenge = services.create_from_need(current_user, need)
            services.update_draft(current_user, challenge, data)
            if form.save_submit.data:
                services.submit(current_user, challenge)
                submitted = True
    except services.ChallengeInvalid as exc:
        errors = {**exc.errors, **errors}
    except ChallengeError as exc:
        errors = {**errors, "": str(exc)}
    if errors:
        db.session.rollback()
        for message in form.apply_errors(errors):
            flash(message, "danger")
        return _render_form(form, original, need, 422)
    db.session.commit()
    flash(_("Submitted for review: the administrators are told.") if submitted else _("Draft saved."), "success")
    return _to_detail(challenge)


@bp.route("/challenges/new", methods=["GET", "POST"])
@roles_required(Role.ENTERPRISE)
def new():
    """A challenge from one of the enterprise's published needs (?need=); without one, the choice."""
    need_id = request.args.get("need", type=int)
    if need_id is None:
        return render_template("challenges/choose_need.html", needs=_published_needs(current_user))
    need = db.session.get(Need, need_id) or abort(404)
    existing = services.current_challenge(need) if need.owner_id == current_user.id else None
    if existing is not None:
        flash(_("This need already has a challenge: here it is."), "info")
        return redirect(url_for("challenges.detail", challenge_id=existing.id))
    if not services.can_create_from(need, current_user):
        abort(403)
    form = ChallengeForm()
    if request.method == "POST":
        return _save(form, None, need)
    form.load(need=need, default_criteria=services.DEFAULT_CRITERIA)
    return _render_form(form, None, need)


@bp.route("/challenges/<int:challenge_id>/edit", methods=["GET", "POST"])
@roles_required()
def edit(challenge_id: int):
    challenge = _challenge_or_404(challenge_id)
    if not services.can_edit(challenge, current_user):
        abort(403)
    form = ChallengeForm()
    if request.method == "POST":
        return _save(form, challenge, challenge.need)
    form.load(challenge=challenge)
    return _render_form(form, challenge, challenge.need)


@bp.route("/challenges/mine")
@roles_required(Role.ENTERPRISE, Role.ADMIN)
def mine():
    page = db.paginate(services.owned_by(current_user), per_page=PER_PAGE, error_out=False)
    return render_template("challenges/mine.html", page=page, needs=_published_needs(current_user), now=clock.now())


# --------------------------------------------------------------------------------------------
# Administrators


@bp.route("/admin/challenges")
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
        ("submitted", _("Submitted for review"), list(db.session.scalars(services.awaiting_review()))),
        ("formal_check", _("Formal check"), in_state(S.FORMAL_CHECK, Challenge.closed_at)),
        ("review", _("Expert review"), in_state(S.REVIEW, Challenge.review_started_at)),
        ("notice", _("Public notice"), in_state(S.NOTICE, Challenge.notice_ends_at)),
        ("objections", _("Objections open"), with_objections),
    ]
    return render_template(
        "challenges/admin_queue.html", groups=groups, now=clock.now(), open_objections=awarding.open_objections
    )


@bp.route("/challenges/<int:challenge_id>/check", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def check(challenge_id: int):
    """The formal check: each lodged application eligible, or not with a reason."""
    challenge = _challenge_or_404(challenge_id)
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
            services.check_application(current_user, application, form.decision.data == "eligible", form.reason.data)
        except ChallengeError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            db.session.commit()
            flash(_("%(unit)s: %(status)s.", unit=application.lead_unit, status=application.status.label), "success")
        return redirect(url_for("challenges.check", challenge_id=challenge.id, _anchor=f"app-{application.id}"))
    applications = services.lodged_applications(challenge)
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


@bp.route("/challenges/<int:challenge_id>/experts", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def experts(challenge_id: int):
    """The expert panel: assign or remove experts; automatic exclusions shown per expert."""
    challenge = _challenge_or_404(challenge_id)
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
    applications = {a.id: a for a in services.lodged_applications(challenge)}
    return render_template(
        "challenges/experts.html",
        challenge=challenge,
        panel=review.panel(challenge),
        applications=applications,
        form=form,
        available=available,
        assigning=challenge.status in review.ASSIGNING,
    )


@bp.route("/challenges/<int:challenge_id>/ranking", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def ranking(challenge_id: int):
    """Scores side by side per expert and criterion, the weighted mean and the rank; revisions; the
    proposal of the winners, which starts the public notice."""
    challenge = _challenge_or_404(challenge_id)
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
            return _to_detail(challenge)
        return redirect(url_for("challenges.ranking", challenge_id=challenge.id))
    rows = review.ranking(challenge)
    return render_template(
        "challenges/ranking.html",
        challenge=challenge,
        rows=rows,
        panel=review.panel(challenge),
        form=RankingForm(formdata=None),
        proposing=challenge.status is S.REVIEW,
        proposed=awarding.proposed(challenge),
    )


# --------------------------------------------------------------------------------------------
# Objections and the award


@bp.route("/challenges/<int:challenge_id>/objections", methods=["POST"])
@roles_required()
def objection(challenge_id: int):
    challenge = _get(challenge_id)
    form = ObjectionForm()
    try:
        if not form.validate_on_submit():
            raise ChallengeError(_("Say what the objection is about."))
        awarding.file_objection(current_user, challenge, form.text.data)
    except ChallengeError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return _to_detail(challenge, "objection")
    db.session.commit()
    flash(_("Your objection is filed: the administrators decide and tell you the result."), "success")
    return _to_detail(challenge, "objections")


@bp.route("/challenges/<int:challenge_id>/objections/<int:objection_id>", methods=["POST"])
@roles_required(Role.ADMIN)
def resolve_objection(challenge_id: int, objection_id: int):
    challenge = _challenge_or_404(challenge_id)
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
        return _to_detail(challenge, f"objection-{found.id}")
    db.session.commit()
    flash(
        _("Objection upheld: the challenge is back in expert review.") if upheld else _("Objection dismissed."),
        "success",
    )
    return _to_detail(challenge, "objections")


@bp.route("/challenges/<int:challenge_id>/award", methods=["POST"])
@roles_required(Role.ADMIN)
def award(challenge_id: int):
    challenge = _challenge_or_404(challenge_id)
    if not ActForm().validate_on_submit():
        flash(_("The form has expired; please try again."), "danger")
        return _to_detail(challenge)
    try:
        awarding.award(current_user, challenge)
    except ChallengeError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return _to_detail(challenge, "actions")
    db.session.commit()
    flash(_("Awarded (挂帅): the winners and the enterprise are told."), "success")
    return _to_detail(challenge)

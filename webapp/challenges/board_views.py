"""The public challenge board and a challenge's page with its timeline; the lifecycle steps taken
from that page, and objections during the public notice."""

from __future__ import annotations

from flask import abort, flash, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from webapp.challenges import applications, lifecycle, participants, posting
from webapp.challenges import award as awarding
from webapp.challenges import board as challenge_board
from webapp.challenges.errors import ChallengeError
from webapp.challenges.forms import (
    ActForm,
    BoardFilterForm,
    ObjectionForm,
    ResolveForm,
)
from webapp.challenges.models import (
    ChallengeStatus,
)
from webapp.challenges.next_step import next_step
from webapp.challenges.pages import to_detail, visible_challenge
from webapp.challenges.permissions import assignment_of, is_admin, is_winner
from webapp.challenges.timeline import timeline
from webapp.core import clock
from webapp.core.money import MoneyError, parse_wan, wan_text
from webapp.core.permissions import roles_required
from webapp.extensions import db

S = ChallengeStatus

PER_PAGE = 20
# Lifecycle steps taken on this blueprint's pages (the rest: the clock, or challenge_work's pages).
ACTIONS = {"submit", "withdraw", "return", "publish", "start_review", "fail_check", "propose", "terminate"}


def board():
    from webapp.taxonomy.services import choices

    form = BoardFilterForm(choices(), formdata=request.args or None)
    form.validate()
    field_id = request.args.get("field", type=int)
    try:
        status = S(request.args.get("status", "")) if request.args.get("status") else None
    except ValueError:
        status = None
    sort = "newest" if request.args.get("sort") == "newest" else "closing"
    query = challenge_board.board(field_id=field_id, status=status, sort=sort)
    page = db.paginate(query, per_page=PER_PAGE, error_out=False)
    args = {k: v for k, v in request.args.items() if k in ("field", "status", "sort") and v}
    return render_template("challenges/board.html", form=form, page=page, args=args, now=clock.now())


def detail(challenge_id: int):
    challenge = visible_challenge(challenge_id)
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
        can_edit=posting.can_edit(challenge, user),
        can_apply=applications.can_apply(challenge, user),
        own_application=applications.own_application(challenge, user),
        window_open=posting.window_open(challenge),
        can_object=awarding.can_object(challenge, user) and not admin,  # admins resolve objections
        can_award=awarding.can_award(challenge, user),
        open_objections=awarding.open_objections(challenge),
        objections=objections,
        proposed=participants.proposed(challenge) if challenge.status is S.NOTICE else [],
        winners=participants.winners(challenge),
        events=timeline(challenge, public=not (admin or owner)),
        full_timeline=admin or owner,
        expert=assignment_of(user, challenge) is not None,
        party=admin or owner or is_winner(challenge, user),
        lodged=applications.lodged_applications(challenge) if admin or owner else [],
        cofunding_text=wan_text(challenge.cofunding) if challenge.cofunding else "",
        act_form=ActForm(formdata=None),
        objection_form=ObjectionForm(formdata=None),
        resolve_form=ResolveForm(formdata=None),
    )


@roles_required()
def act(challenge_id: int, name: str):
    """One lifecycle step from the challenge's page; the services check who, when and what."""
    if name not in ACTIONS:
        abort(404)
    challenge = visible_challenge(challenge_id)
    form = ActForm()
    if not form.validate_on_submit():
        flash(_("The form has expired; please try again."), "danger")
        return to_detail(challenge)
    user, reason = current_user, form.reason.data
    try:
        if name == "submit":
            posting.submit(user, challenge)
            message = _("Submitted: the district's administrators review it before publication.")
        elif name == "withdraw":
            posting.withdraw(user, challenge, reason)
            message = _("The challenge is withdrawn.")
        elif name == "return":
            posting.return_for_changes(user, challenge, reason)
            message = _("Returned to the enterprise with your reason.")
        elif name == "publish":
            try:
                cofunding = parse_wan(form.cofunding.data)
            except MoneyError as exc:
                raise ChallengeError(str(exc)) from None
            posting.publish(user, challenge, cofunding)
            message = _("Published (发榜): the challenge is on the board.")
        elif name in ("start_review", "fail_check"):
            applications.finish_formal_check(user, challenge)
            message = (
                _("Formal check finished: the expert review has started.")
                if challenge.status is S.REVIEW
                else _("Formal check finished: no application is eligible (流榜).")
            )
        elif name == "propose":
            awarding.propose_winners(user, challenge)
            message = _("The proposed winners are published for the public notice (公示).")
        else:  # terminate
            posting.terminate(user, challenge, reason)
            message = _("The challenge is terminated.")
    except ChallengeError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return to_detail(challenge, "actions")
    db.session.commit()
    flash(message, "success")
    return to_detail(challenge)


@roles_required()
def objection(challenge_id: int):
    challenge = visible_challenge(challenge_id)
    form = ObjectionForm()
    try:
        if not form.validate_on_submit():
            raise ChallengeError(_("Say what the objection is about."))
        awarding.file_objection(current_user, challenge, form.text.data)
    except ChallengeError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return to_detail(challenge, "objection")
    db.session.commit()
    flash(_("Your objection is filed: the administrators decide and tell you the result."), "success")
    return to_detail(challenge, "objections")

"""Introductions: the broker's list of them (with the parties' answers, filtered by outcome and by
answer), one introduction's page as its broker, admins and the two owners see it, the parties'
agree / decline forms and the broker's outcome. Routes of the matching blueprint."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from webapp.accounts.models import Role
from webapp.core.permissions import PermissionDenied, roles_required
from webapp.extensions import db
from webapp.matching.blueprint import bp
from webapp.matching.explain import explain
from webapp.matching.forms import AgreeForm, DeclineForm, OnBehalfForm, OutcomeForm
from webapp.matching.models import (
    ON_BEHALF_TITLES,
    PARTY_LABELS,
    RECORDED_LABELS,
    SIDES,
    TO_RECORD_LABELS,
    ConsentAnswer,
    ConsentState,
    Introduction,
    IntroductionOutcome,
    RejectReason,
)
from webapp.matching.permissions import (
    answerable_sides,
    can_answer_for,
    can_answer_introduction,
    can_set_outcome,
    can_view_introduction,
    sees_message,
    sees_need_poster,
    sees_researcher,
)
from webapp.matching.queue import PER_PAGE
from webapp.matching.services import consent, decisions

BROKERS = (Role.BROKER, Role.ADMIN)


@bp.route("/broker/introductions")
@roles_required(*BROKERS)
def introductions():
    """The broker's own introductions (admins see everyone's), open ones first, newest first, each
    with where it stands on the parties' answers; filtered by outcome and by that state."""
    outcome = request.args.get("outcome") or ""
    consent_state = request.args.get("consent") or ""
    query = sa.select(Introduction).order_by(
        Introduction.closed_at.is_not(None), Introduction.created_at.desc(), Introduction.id.desc()
    )
    if not current_user.is_admin:
        query = query.where(Introduction.broker_id == current_user.id)
    if outcome in {o.value for o in IntroductionOutcome}:
        query = query.where(Introduction.outcome == IntroductionOutcome(outcome))
    else:
        outcome = ""
    if consent_state in {c.value for c in ConsentState}:
        query = query.where(Introduction.in_consent_state(ConsentState(consent_state)))
    else:
        consent_state = ""
    page = db.paginate(query, page=request.args.get("page", 1, type=int), per_page=PER_PAGE, error_out=False)
    return render_template(
        "matching/introductions.html",
        page=page,
        outcome=outcome,
        outcomes=list(IntroductionOutcome),
        consent_state=consent_state,
        consent_states=list(ConsentState),
        to_record={intro.id: _sides_to_record(intro) for intro in page.items},
        to_record_labels=TO_RECORD_LABELS,
        recorded_labels=RECORDED_LABELS,
        sides=SIDES,
    )


def _sides_to_record(intro: Introduction) -> list[str]:
    """The sides whose answer the viewer (its broker, an admin) records for a party without an owner
    account: those of `answerable_sides` that are not the viewer's own."""
    own = intro.side_of(current_user)
    return [side for side in answerable_sides(intro, current_user) if side != own]


def _introduction(intro_id: int) -> Introduction:
    intro = db.session.get(Introduction, intro_id) or abort(404)
    if not can_view_introduction(intro, current_user):
        raise PermissionDenied()
    return intro


def _answers(intro: Introduction) -> list[dict]:
    """Each side's answer as the viewer may read it: the message only where `sees_message` allows."""
    return [
        {
            "side": side,
            "label": PARTY_LABELS[side],
            "answer": intro.answer_of(side),
            "at": intro.answered_at_of(side),
            "message": intro.message_of(side) if sees_message(intro, current_user, side) else None,
            "reason": intro.decline_reason if intro.answer_of(side) is ConsentAnswer.DECLINED else None,
            "mine": intro.side_of(current_user) == side,
            "on_behalf": intro.recorded_on_behalf(side),
            "recorded_by": intro.recorded_by_of(side),
        }
        for side in SIDES
    ]


def _render_introduction(
    intro: Introduction,
    form: OutcomeForm | None,
    agree_form: AgreeForm | None = None,
    decline_form: DeclineForm | None = None,
    behalf: tuple[str, OnBehalfForm] | None = None,
    status: int = 200,
):
    s = intro.suggestion
    side = intro.side_of(current_user)
    may_answer = side in answerable_sides(intro, current_user)
    # A form for each side without an owner account that has not answered, to its broker and admins.
    behalf_forms = [
        {
            "side": other,
            "title": ON_BEHALF_TITLES[other],
            "form": behalf[1] if behalf and behalf[0] == other else OnBehalfForm(formdata=None, prefix=other),
        }
        for other in _sides_to_record(intro)
    ]
    return render_template(
        "matching/introduction.html",
        intro=intro,
        s=s,
        need=s.need,
        achievement=s.achievement,
        form=form,
        reasons=explain(s),
        side=side,
        answers=_answers(intro),
        agree_form=(agree_form or AgreeForm(formdata=None)) if may_answer else None,
        decline_form=(decline_form or DeclineForm(formdata=None)) if may_answer else None,
        behalf_forms=behalf_forms,
        shows_poster=sees_need_poster(intro, current_user),
        shows_researcher=sees_researcher(intro, current_user),
    ), status


@bp.route("/broker/introductions/<int:intro_id>")
@login_required
def introduction(intro_id: int):
    intro = _introduction(intro_id)
    form = OutcomeForm(formdata=None) if can_set_outcome(intro, current_user) else None
    return _render_introduction(intro, form)


@bp.route("/broker/introductions/<int:intro_id>/consent", methods=["POST"])
@login_required
def answer(intro_id: int):
    """A party agrees to the introduction or declines it (the two forms of its page post here)."""
    intro = _introduction(intro_id)
    if not can_answer_introduction(intro, current_user):
        raise PermissionDenied()
    outcome_form = OutcomeForm(formdata=None) if can_set_outcome(intro, current_user) else None
    declining = "decline" in request.form
    form = DeclineForm() if declining else AgreeForm()
    if not form.validate_on_submit():
        if declining:
            return _render_introduction(intro, outcome_form, decline_form=form)
        return _render_introduction(intro, outcome_form, agree_form=form)
    try:
        if declining:
            consent.answer(
                intro,
                current_user,
                ConsentAnswer.DECLINED,
                reason=RejectReason(form.decline_reason.data),
                message=form.decline_note.data,
            )
        else:
            consent.answer(intro, current_user, ConsentAnswer.ACCEPTED, message=form.agree_message.data)
    except ValueError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for("matching.introduction", intro_id=intro.id))
    db.session.commit()
    if declining:
        flash(_("You declined the introduction; the broker was told."), "success")
    elif intro.agreed:
        flash(_("Both sides agreed: you now see each other’s contacts below."), "success")
    else:
        flash(_("You agreed. The contacts are shared once the other side agrees too."), "success")
    return redirect(url_for("matching.introduction", intro_id=intro.id))


@bp.route("/broker/introductions/<int:intro_id>/consent/<side>", methods=["POST"])
@login_required
def answer_for(intro_id: int, side: str):
    """The introduction's broker or an admin records the answer of a side without an owner account,
    obtained outside the platform (the page's "record their answer" forms post here)."""
    intro = _introduction(intro_id)
    if side not in SIDES:
        abort(404)
    if not can_answer_for(intro, current_user, side):
        raise PermissionDenied()
    outcome_form = OutcomeForm(formdata=None) if can_set_outcome(intro, current_user) else None
    form = OnBehalfForm(prefix=side)
    if not form.validate_on_submit():
        return _render_introduction(intro, outcome_form, behalf=(side, form))
    answer = ConsentAnswer(form.behalf_answer.data)
    try:
        consent.answer_on_behalf(
            intro,
            current_user,
            side,
            answer,
            reason=form.behalf_reason.data if answer is ConsentAnswer.DECLINED else None,
            note=form.behalf_note.data,
        )
    except ValueError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for("matching.introduction", intro_id=intro.id))
    db.session.commit()
    if intro.agreed:
        flash(_("Answer recorded. Both sides agreed: their contacts are now shared."), "success")
    else:
        flash(_("Answer recorded: %(side)s — %(answer)s.", side=PARTY_LABELS[side], answer=answer.label), "success")
    return redirect(url_for("matching.introduction", intro_id=intro.id))


@bp.route("/broker/introductions/<int:intro_id>/outcome", methods=["POST"])
@login_required
def outcome(intro_id: int):
    intro = _introduction(intro_id)
    if not can_set_outcome(intro, current_user):
        raise PermissionDenied()
    form = OutcomeForm()
    if not form.validate_on_submit():
        return _render_introduction(intro, form)
    try:
        decisions.set_outcome(
            intro, current_user, IntroductionOutcome(form.outcome.data), (form.outcome_note.data or "").strip() or None
        )
    except ValueError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for("matching.introduction", intro_id=intro.id))
    db.session.commit()
    flash(_("Outcome recorded: %(outcome)s.", outcome=IntroductionOutcome(form.outcome.data).label), "success")
    return redirect(url_for("matching.introduction", intro_id=intro.id))
